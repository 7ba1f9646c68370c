"""Two Rasa replicas for real: a socket held by replica A gets what replica B says.

Both replicas run the same model and share the PostgreSQL tracker store and the Redis lock
store (the production endpoints without the event broker), as a scaled-out deployment would.
The customer's socket is on replica A; the back office sends its external events to replica B
(`RASA_URL`), and the test posts one more `trigger_intent?output_channel=latest` to B itself.
With `SOCKETIO_REDIS_URL` the messages reach the socket through Redis pub/sub; without it B
handles the events (the shared tracker records the bot's words) but the customer gets nothing,
which is why the Redis client manager exists.

Skipped with a reason where PostgreSQL or Redis is absent; under CI a missing server fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from devstack.processes import REPO_ROOT, ServiceProcess, free_port, start_service
from devstack.stack import MODEL, SECRETS, TOKEN, Stack, running_stack
from scripts.stack import RASA_PYTHON
from tests.channels.test_socketio import BILLING_AGENT, mark, payloads
from tests.support.live_chat import Agent, Customer
from tests.support.production import production_stores

pytestmark = [pytest.mark.stack, pytest.mark.postgres, pytest.mark.redis]


@dataclass
class Replicas:
    stack: Stack  # back office, action server and replica A (stack.rasa)
    b: ServiceProcess
    redis_manager: bool
    settings: dict[str, str]


def scale_out_endpoints(folder: Path) -> Path:
    """endpoints.production.yml without the event broker (not what this test is about)."""
    production = REPO_ROOT / "endpoints.production.yml"
    endpoints = yaml.safe_load(production.read_text(encoding="utf-8"))
    endpoints.pop("event_broker", None)
    path = folder / "endpoints.scaleout.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


def start_replica(stack: Stack, endpoints: Path, port: int, env: dict[str, str]) -> ServiceProcess:
    """A second `rasa run`, with the command line of devstack/stack.py's."""
    return start_service(
        "rasa-b",
        [
            str(RASA_PYTHON), "-m", "scripts.rasa_server",
            "--model", str(MODEL), "--interface", "127.0.0.1", "--port", "{port}",
            "--credentials", str(REPO_ROOT / "credentials.yml"),
            "--endpoints", str(endpoints), "--cors", "*",
        ],
        port=port,
        env={"ACTION_ENDPOINT_URL": stack.actions.base_url + "/webhook", **SECRETS, **env},
        health_url="http://127.0.0.1:{port}/status?token=" + TOKEN,
        startup_timeout=240,
    )  # fmt: skip


@pytest.fixture(scope="module", params=[True, False], ids=["redis-manager", "no-redis-manager"])
def replicas(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Replicas]:
    with_redis: bool = request.param
    with production_stores("scaleout") as stores:
        port_b = free_port()
        redis_url = f"redis://{stores.redis_host}:{stores.redis_port}/0"
        settings = {
            **stores.settings,
            # The back office's external events go to replica B.
            "RASA_URL": f"http://127.0.0.1:{port_b}",
            # Empty: the developer's own environment must not switch the manager on.
            "SOCKETIO_REDIS_URL": redis_url if with_redis else "",
            "SOCKETIO_REDIS_CHANNEL": f"caredesk-socketio-{stores.suffix}",
        }
        endpoints = scale_out_endpoints(tmp_path_factory.mktemp("scaleout"))
        with running_stack(endpoints, env=settings) as stack:
            replica_b = start_replica(stack, endpoints, port_b, settings)
            try:
                yield Replicas(stack, replica_b, with_redis, settings)
            finally:
                replica_b.cleanup()


def bot_texts(stack: Stack, sender: str) -> list[str]:
    return [e.get("text") or "" for e in stack.tracker(sender)["events"] if e["event"] == "bot"]


def wait_for_bot_text(stack: Stack, sender: str, fragment: str, timeout: float = 30) -> None:
    """Until the shared tracker holds a bot message containing `fragment`."""
    deadline = time.monotonic() + timeout
    while not any(fragment in text for text in bot_texts(stack, sender)):
        assert time.monotonic() < deadline, f"{fragment!r} not in {bot_texts(stack, sender)}"
        time.sleep(0.3)


def subscribers(settings: dict[str, str]) -> int:
    """How many processes listen on the replicas' socket.io pub/sub channel."""
    import redis

    client = redis.Redis(host=settings["REDIS_HOST"], port=int(settings["REDIS_PORT"]))
    try:
        [(_, count)] = client.pubsub_numsub(settings["SOCKETIO_REDIS_CHANNEL"])
        return int(count)
    finally:
        client.close()


def test_external_events_on_replica_b_reach_a_socket_on_replica_a(replicas: Replicas) -> None:
    stack, replica_b = replicas.stack, replicas.b
    # Before any customer connects, each replica already listens (or, without Redis, none).
    assert subscribers(replicas.settings) == (2 if replicas.redis_manager else 0)
    customer = Customer(stack.rasa.base_url)  # replica A
    try:
        customer.say("I want to talk to someone, I was charged twice for my order")
        [waiting] = payloads(customer, 1)  # A answers the socket it holds, either way
        assert "billing" in waiting["text"].lower()

        # The agent claims: the back office posts EXTERNAL_agent_joined to replica B.
        billing = Agent(stack.backoffice.base_url, "billing")
        billing.post(f"/conversations/{customer.session_id}/claim")
        wait_for_bot_text(stack, customer.session_id, "joined the conversation")

        # And an external event posted to replica B directly, as the helpdesk does.
        response = requests.post(
            replica_b.url(f"/conversations/{customer.session_id}/trigger_intent"),
            params={"output_channel": "latest", "token": TOKEN},
            json={
                "name": "EXTERNAL_agent_message",
                "entities": {"agent_text": "Sent through replica B.", "agent_name": "Mai"},
            },
            timeout=60,
        )
        assert response.status_code == 200, response.text
        assert "Sent through replica B." in bot_texts(stack, customer.session_id)

        if replicas.redis_manager:
            joined, message = payloads(customer, 2)
            assert mark(joined) == {
                "from": "agent",
                "event": "agent_joined",
                "agent_name": BILLING_AGENT,
            }
            assert message == {
                "text": "Sent through replica B.",
                "caredesk": {"from": "agent", "event": "agent_message", "agent_name": "Mai"},
            }
        else:
            # B handled both events, but the socket lives in A's memory: nothing arrives.
            assert customer.silence(5) == []

        # The customer's next message is still A's to answer, and it reaches the agent.
        customer.say("thanks, I'll wait")
        deadline = time.monotonic() + 20
        while True:
            transcript = billing.get(f"/conversations/{customer.session_id}")["transcript"]
            if "thanks, I'll wait" in [t["text"] for t in transcript]:
                break
            assert time.monotonic() < deadline, transcript
            time.sleep(0.3)
    finally:
        customer.close()
