"""The production topology for real (scripts/production.py, `make run-production`): nginx in
front of two Rasa replicas and two action servers, the back office, on the machine's PostgreSQL,
Redis and RabbitMQ, under the supervisor; one topology for the module (starting it costs about
two model loads).

- 200 REST conversations, several turns each, 20 at a time, spread over both replicas by nginx:
  every tracker holds exactly the turns sent, in order, each with the bot messages its
  response carried, read back through Rasa's API and counted in the PostgreSQL tracker store.
- Hand-off messages from an agent reach socket.io customers held by either replica (pinned by
  the widget's `caredesk_client` key), whichever replica handles the helpdesk's events.
- A Rasa replica and an action server SIGKILLed mid-load: the conversations go on through the
  others, and the supervisor brings both back.

Skipped with a reason where PostgreSQL, Redis, RabbitMQ or nginx is absent; under CI a missing
server fails.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import requests

from devstack.topology import RunningTopology, running_topology
from scripts.production import nginx_binary
from tests.channels.test_socketio import BILLING_AGENT, mark, payloads
from tests.support.live_chat import Agent, Customer
from tests.support.services import require_service

pytestmark = [pytest.mark.stack, pytest.mark.postgres, pytest.mark.redis, pytest.mark.rabbitmq]

# Turns that run a custom action (the action servers) and ones answered from the domain; the
# texts differ, so the order in a tracker shows.
TURNS = ("hi", "which payment methods do you accept?", "thanks")
CONVERSATIONS = 200
CONCURRENCY = 20


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningTopology]:
    for server in ("postgres", "redis", "rabbitmq"):
        require_service(server)
    try:
        nginx_binary()
    except FileNotFoundError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{error} (CI=true)")
        pytest.skip(str(error))
    env = {
        # One address speaks for every customer here.
        "CAREDESK_SENDER_RATE": "off",
        "CAREDESK_CLIENT_RATE": "off",
        # A killed replica's conversation locks expire sooner than Rasa's 60 s.
        "TICKET_LOCK_LIFETIME": "10",
    }
    with running_topology(tmp_path_factory.mktemp("production"), env=env) as running:
        yield running


def replica_of(topology: RunningTopology, upstream: str) -> str:
    port = int(upstream.rsplit(":", 1)[1])
    if port in topology.topology.rasa_ports:
        return f"rasa-{topology.topology.rasa_ports.index(port) + 1}"
    return f"actions-{topology.topology.actions_ports.index(port) + 1}"


@dataclass
class Sent:
    sender: str
    turns: list[tuple[str, list[str]]] = field(default_factory=list)  # text, bot texts


def converse(topology: RunningTopology, sender: str) -> Sent:
    sent = Sent(sender)
    for text in TURNS:
        replies = topology.say(sender, text)
        sent.turns.append((text, [str(reply.get("text") or "") for reply in replies]))
    return sent


def test_200_conversations_over_two_replicas_lose_and_reorder_no_events(
    topology: RunningTopology,
) -> None:
    import psycopg2

    before = len(topology.routed())
    senders = [f"topo-{number:03d}-{uuid.uuid4().hex[:6]}" for number in range(CONVERSATIONS)]
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        conversations = list(pool.map(lambda sender: converse(topology, sender), senders))

    # nginx spread the turns over both replicas.
    webhook = [
        replica_of(topology, entry.upstreams[-1])
        for entry in topology.routed()[before:]
        if entry.uri == "/webhooks/rest/webhook"
    ]
    spread = Counter(webhook)
    assert len(webhook) == CONVERSATIONS * len(TURNS)
    assert set(spread) == {"rasa-1", "rasa-2"}, spread
    assert min(spread.values()) > len(webhook) / 4, spread

    settings = topology.topology.env
    with (
        psycopg2.connect(
            host=settings["TRACKER_DB_HOST"],
            port=int(settings["TRACKER_DB_PORT"]),
            user=settings["TRACKER_DB_USER"],
            dbname=settings["TRACKER_DB_NAME"],
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT sender_id, count(*) FROM events WHERE sender_id LIKE 'topo-%' "
            "GROUP BY sender_id"
        )
        stored = dict(cursor.fetchall())
    for sent in conversations:
        events = topology.tracker(sent.sender)["events"]
        # Each turn: its user message, then exactly the bot messages its response carried,
        # before the next user message.
        read_back: list[tuple[str, list[str]]] = []
        for event in events:
            if event["event"] == "user":
                read_back.append((event["text"], []))
            elif event["event"] == "bot" and read_back:
                read_back[-1][1].append(event.get("text") or "")
        assert read_back == sent.turns, sent.sender
        assert stored[sent.sender] == len(events), sent.sender


def test_agent_messages_reach_sockets_held_by_either_replica(topology: RunningTopology) -> None:
    billing = Agent(topology.backoffice_url, "billing")
    customers: list[Customer] = []
    try:
        # Customers with keys of their own, as the widget sends them, until both replicas
        # hold some sockets (consistent hashing: a few keys are enough).
        held: dict[str, str] = {}
        while len(set(held.values())) < 2:
            assert len(customers) < 12, held
            key = uuid.uuid4().hex
            customer = Customer(f"{topology.public_url}?caredesk_client={key}")
            customers.append(customer)
            upstreams = {
                replica_of(topology, entry.upstreams[-1])
                for entry in topology.routed()
                if entry.client == key
            }
            assert len(upstreams) == 1, upstreams  # every polling request on one replica
            held[customer.session_id] = upstreams.pop()

        for customer in customers:
            customer.say("I want to talk to someone, I was charged twice for my order")
            [waiting] = payloads(customer, 1)
            assert "billing" in waiting["text"].lower()
        for customer in customers:
            # The helpdesk's events go through nginx to either replica.
            billing.post(f"/conversations/{customer.session_id}/claim")
            billing.post(
                f"/conversations/{customer.session_id}/reply",
                {"text": f"Looking into it, {customer.session_id[:6]}."},
            )
        for customer in customers:
            joined, message = payloads(customer, 2)
            assert mark(joined) == {
                "from": "agent",
                "event": "agent_joined",
                "agent_name": BILLING_AGENT,
            }, held[customer.session_id]
            assert message["text"] == f"Looking into it, {customer.session_id[:6]}."
    finally:
        for customer in customers:
            customer.close()
    # The external events were not all handled by the replica holding the socket.
    triggers = Counter(
        replica_of(topology, entry.upstreams[-1])
        for entry in topology.routed()
        if entry.uri.endswith("/trigger_intent")
    )
    assert set(triggers) == {"rasa-1", "rasa-2"}, triggers


@dataclass
class Load:
    """Closed-loop REST customers in threads until stopped: each conversation runs TURNS; a
    turn that fails (the replica died under it) is sent again, as a client would."""

    topology: RunningTopology
    stop: threading.Event = field(default_factory=threading.Event)
    finished: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def customer(self) -> None:
        while not self.stop.is_set():
            sender = f"kill-{uuid.uuid4().hex[:10]}"
            for text in TURNS:
                for _attempt in range(4):
                    try:
                        replies = self.topology.say(sender, text, timeout=60)
                        if not replies:
                            raise ValueError("no reply")
                        break
                    except (requests.RequestException, ValueError) as error:
                        self.retried.append(f"{sender} {text!r}: {error}")
                        time.sleep(1)
                else:
                    self.failures.append(f"{sender} {text!r}")
                    break
            else:
                self.finished.append(sender)


def test_a_killed_replica_and_action_server_come_back_while_conversations_go_on(
    topology: RunningTopology,
) -> None:
    load = Load(topology)
    threads = [threading.Thread(target=load.customer, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 120
        while len(load.finished) < len(threads):
            assert time.monotonic() < deadline and not load.failures, load
            time.sleep(0.5)
        started = len(topology.routed())
        rasa_pid = topology.kill("rasa-1")
        actions_pid = topology.kill("actions-1")
        # The others carry on: every customer finishes conversations meanwhile (those the
        # killed replica held wait for their locks to expire: TICKET_LOCK_LIFETIME).
        wanted = len(load.finished) + len(threads)
        deadline = time.monotonic() + 180
        while len(load.finished) < wanted:
            assert time.monotonic() < deadline and not load.failures, load
            time.sleep(0.5)
        new_rasa = topology.wait_back("rasa-1", rasa_pid)
        new_actions = topology.wait_back("actions-1", actions_pid)
        assert (new_rasa, new_actions) != (rasa_pid, actions_pid)
        back = len(topology.routed())
        time.sleep(8)  # both serve again
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not load.failures, load.failures
    # Only turns in flight on the killed processes needed a retry: about one per customer.
    assert len(load.retried) <= 2 * len(threads), load.retried

    after_kill = topology.routed()[started:back]
    served_after_kill = Counter(
        replica_of(topology, entry.upstreams[-1])
        for entry in after_kill
        if entry.upstreams and entry.status == 200
    )
    assert served_after_kill["rasa-2"] and served_after_kill["actions-2"], served_after_kill
    served_again = Counter(
        replica_of(topology, entry.upstreams[-1])
        for entry in topology.routed()[back:]
        if entry.upstreams and entry.status == 200
    )
    assert served_again["rasa-1"] and served_again["actions-1"], served_again

    log = topology.supervisor.output(tail=400)
    assert "rasa-1 exited with -9" in log and "actions-1 exited with -9" in log, log
    assert "started rasa-1" in log.rsplit("rasa-1 exited with -9", 1)[1]
