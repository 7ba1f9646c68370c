"""Only Rasa may call the action server (issue 10): it trusts the tracker it is given, so a
tracker posted by anyone else could claim a verified order and read it. Against the running
stack: without `Authorization: Bearer $ACTION_SERVER_TOKEN` every call but `/health` gets 401,
with it the same call answers, and Rasa sends it (conversations that run actions still work).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from rasa.utils.endpoints import read_endpoint_config

from devstack.action_calls import order_request_call
from devstack.processes import REPO_ROOT
from devstack.stack import ACTION_TOKEN


def forged_call(sender: str) -> dict[str, Any]:
    """What an attacker would post: a tracker whose order is "verified" without any check."""
    return order_request_call(sender)


@pytest.mark.stack
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": ACTION_TOKEN},
        {"token": ACTION_TOKEN},
    ],
    ids=["none", "wrong", "no-bearer", "other-header"],
)
def test_a_call_without_the_token_is_refused_and_reveals_nothing(stack, headers) -> None:
    url = stack.actions.url("/webhook")
    refused = requests.post(url, json=forged_call("mallory"), headers=headers, timeout=30)
    assert refused.status_code == 401
    assert "GHN123456789VN" not in refused.text and "ORD-10001" not in refused.text
    listing = requests.get(stack.actions.url("/actions"), headers=headers, timeout=30)
    assert listing.status_code == 401
    assert requests.get(stack.actions.url("/health"), timeout=10).status_code == 200


@pytest.mark.stack
def test_the_same_call_with_the_token_is_answered(stack) -> None:
    """The guard, not the body, is what refused above: this forged tracker would be obeyed."""
    headers = {"Authorization": f"Bearer {ACTION_TOKEN}"}
    answered = requests.post(
        stack.actions.url("/webhook"), json=forged_call("trusted"), headers=headers, timeout=60
    )
    assert answered.status_code == 200, answered.text
    listing = requests.get(stack.actions.url("/actions"), headers=headers, timeout=30)
    assert {"name": "action_handle_order_request"} in listing.json()


@pytest.mark.stack
def test_rasa_sends_the_token_so_actions_still_run(stack) -> None:
    me = f"secret-{uuid.uuid4().hex[:8]}"
    stack.say(me, "where is my order?")
    stack.say(me, "it's ORD-10001")
    reply = "\n".join(m.get("text", "") for m in stack.say(me, "an.nguyen@example.com"))
    assert "GHN123456789VN" in reply  # looked up by the action server, called by Rasa


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_both_endpoint_files_send_the_token_as_a_header(endpoints, monkeypatch) -> None:
    """A quoted "Bearer ${...}" is not filled in by Rasa: the header must reach the server."""
    for name in ("TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_NAME", "TRACKER_DB_USER"):
        monkeypatch.setenv(name, "x")
    for name in ("TRACKER_DB_PASSWORD", "REDIS_HOST", "REDIS_PORT", "REDIS_DB"):
        monkeypatch.setenv(name, "1")
    for name in ("REDIS_KEY_PREFIX", "RABBITMQ_HOST", "RABBITMQ_USER", "RABBITMQ_PASSWORD"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("RABBITMQ_QUEUE", "q")
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions:5055/webhook")
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "from-the-environment")
    config = read_endpoint_config(str(Path(REPO_ROOT, endpoints)), "action_endpoint")
    assert config is not None
    assert config.headers == {"Authorization": "Bearer from-the-environment"}
    assert "from-the-environment" not in (config.url or "") and not config.token
    assert os.environ["ACTION_SERVER_TOKEN"] not in Path(REPO_ROOT, endpoints).read_text()
