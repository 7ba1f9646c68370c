# syntax=docker/dockerfile:1
# The Rasa server, with the model trained while the image is built (README "Kubernetes").
#   docker build -f deploy/docker/rasa.Dockerfile -t caredesk/rasa:0.1.0 .
# Never built here (no Docker engine on the development machines): see the README.
FROM python:3.10.13-slim-bookworm AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# The Rasa server's own exact pins, nothing else (requirements/README.md).
COPY requirements/rasa.txt /tmp/requirements.txt
RUN pip install --no-input -r /tmp/requirements.txt && pip check && rm /tmp/requirements.txt
WORKDIR /app
COPY . /app

# `rasa train` as `make train` runs it (Makefile: $(MODEL)), here so that every replica of one
# image serves the same model; the caches it leaves stay in this stage.
FROM base AS train
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
RUN rasa train --domain domain --fixed-model-name caredesk --out models

FROM base
COPY --from=train /app/models/caredesk.tar.gz /app/models/caredesk.tar.gz
# Compiled now: at run time the root file system is read-only (PYTHONDONTWRITEBYTECODE).
RUN python -m compileall -q /app \
    && groupadd --gid 10001 caredesk \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp caredesk
USER 10001:10001
# HOME=/tmp: TensorFlow and Rasa write their scratch files under it (an emptyDir in the pod).
ENV PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 HOME=/tmp
EXPOSE 5005
CMD ["python", "-m", "scripts.rasa_server", "--model", "models/caredesk.tar.gz", \
     "--interface", "0.0.0.0", "--port", "5005", "--endpoints", "endpoints.production.yml"]
