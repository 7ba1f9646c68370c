"""Reach the machine's real PostgreSQL / Redis / RabbitMQ, or skip with a reason (fail under CI)."""

from __future__ import annotations

import os
import socket

import pytest

SERVICES = {
    "postgres": ("127.0.0.1", 5432),
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str) -> tuple[str, int]:
    """Skip the test when the server is absent; under CI a missing server fails the run."""
    host, port = SERVICES[name]
    if not _reachable(host, port):
        reason = f"{name} is not reachable on {host}:{port}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: production services are required)")
        pytest.skip(reason)
    return host, port
