# syntax=docker/dockerfile:1
# The back office (backoffice/, FastAPI), with the chat widget and the dashboard's charts built
# from web/ (npm ci from the lock file, as the Makefile's widget target does).
#   docker build -f deploy/docker/backoffice.Dockerfile -t caredesk/backoffice:0.1.0 .
# Never built here (no Docker engine on the development machines): see the README.
FROM node:20.19.5-bookworm-slim AS web
WORKDIR /src
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --ignore-scripts --no-audit --no-fund
COPY web/ web/
RUN cd web && node build.mjs

FROM python:3.12.1-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# The back office's own exact pins, nothing else (requirements/README.md).
COPY requirements/backoffice.txt /tmp/requirements.txt
RUN pip install --no-input -r /tmp/requirements.txt && pip check && rm /tmp/requirements.txt
WORKDIR /app
COPY . /app
COPY --from=web /src/backoffice/web/widget/dist /app/backoffice/web/widget/dist
COPY --from=web /src/backoffice/web/dashboard/dist /app/backoffice/web/dashboard/dist
# Compiled now: at run time the root file system is read-only (PYTHONDONTWRITEBYTECODE).
RUN python -m compileall -q /app \
    && groupadd --gid 10001 caredesk \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp caredesk
USER 10001:10001
ENV PYTHONPATH=/app HOME=/tmp
EXPOSE 8000
CMD ["python", "-m", "backoffice"]
