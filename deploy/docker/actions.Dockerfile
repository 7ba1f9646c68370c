# syntax=docker/dockerfile:1
# The action server (actions/, rasa_sdk).
#   docker build -f deploy/docker/actions.Dockerfile -t caredesk/actions:0.1.0 .
# Never built here (no Docker engine on the development machines): see the README.
FROM python:3.10.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# The action server's own exact pins, nothing else (requirements/README.md).
COPY requirements/actions.txt /tmp/requirements.txt
RUN pip install --no-input -r /tmp/requirements.txt && pip check && rm /tmp/requirements.txt
WORKDIR /app
COPY . /app
# Compiled now: at run time the root file system is read-only (PYTHONDONTWRITEBYTECODE).
RUN python -m compileall -q /app \
    && groupadd --gid 10001 caredesk \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp caredesk
USER 10001:10001
ENV PYTHONPATH=/app HOME=/tmp
EXPOSE 5055
CMD ["python", "-m", "scripts.action_server", "--actions", "actions", "--port", "5055"]
