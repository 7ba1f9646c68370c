"""The production topology (scripts/production.py) started for real by a test or a bench: the
supervisor's own command, on free ports, on the machine's PostgreSQL, Redis and RabbitMQ with
a tracker database, back-office database, Redis key prefix and queue of its own, all removed
afterwards.

    with running_topology(tmp_path) as topology:
        topology.say("me", "hi")          # REST through nginx
        topology.kill("rasa-1")           # SIGKILL; the supervisor starts it again
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from devstack.backoffice import (
    AGENT_PASSWORD_ENV,
    API_KEY,
    WITHOUT_PRESENCE_ENV,
    write_departments_file,
)
from devstack.processes import ServiceProcess, free_port, start_service
from devstack.stack import MODEL, SECRETS, SHOP_SECRET, TOKEN
from scripts.production import Topology, ensure_postgres_database
from scripts.stack import RASA_PYTHON
from scripts.supervisor import healthy

REST_TOKEN = "rest-token-for-tests-not-secret"
SESSION_SECRET = "session-secret-for-tests-not-secret"
# nginx's access log line (deploy/nginx/caredesk.conf.template, log_format `routed`).
ROUTED = re.compile(
    r"^\S+ (?P<port>\d+) (?P<method>\S+) (?P<uri>\S+) client=(?P<client>\S*) "
    r"transport=(?P<transport>\S*) sid=(?P<sid>\S*) status=(?P<status>\d+) "
    r"upstream=(?P<upstream>.*?) upstream_status=(?P<upstream_status>.*?) time="
)


@dataclass(frozen=True)
class Routed:
    port: int
    method: str
    uri: str
    client: str  # the widget's caredesk_client ("-" when none)
    transport: str
    status: int
    upstreams: tuple[str, ...]  # every server tried, in order ("127.0.0.1:5105", ...)


@dataclass
class RunningTopology:
    supervisor: ServiceProcess  # `python -m scripts.production`
    topology: Topology
    backoffice_url: str

    @property
    def public_url(self) -> str:
        return self.topology.public_url

    @property
    def rest_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {REST_TOKEN}"}

    def say(self, sender: str, text: str, timeout: float = 60) -> list[dict]:
        """One customer message over REST, through nginx; the bot's replies."""
        response = requests.post(
            self.public_url + "/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=self.rest_headers,
            timeout=timeout,
        )
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> dict:
        response = requests.get(
            self.public_url + f"/conversations/{sender}/tracker",
            params={"token": TOKEN},
            timeout=30,
        )
        response.raise_for_status()
        return dict(response.json())

    def pid(self, name: str) -> int:
        return int((self.topology.run_dir / "pids" / f"{name}.pid").read_text())

    def kill(self, name: str) -> int:
        """SIGKILL the process (not its group: a crash); its pid."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def port_of(self, name: str) -> int:
        kind, number = name.rsplit("-", 1)
        ports = self.topology.rasa_ports if kind == "rasa" else self.topology.actions_ports
        return ports[int(number) - 1]

    def wait_back(self, name: str, old_pid: int, timeout: float = 300) -> int:
        """Until the supervisor started `name` again and it answers; its new pid."""
        url = f"http://127.0.0.1:{self.port_of(name)}/" + ("health" if "actions" in name else "")
        deadline = time.monotonic() + timeout
        while True:
            try:
                pid = self.pid(name)
            except (FileNotFoundError, ValueError):
                pid = old_pid
            if pid != old_pid and healthy(url):
                return pid
            assert self.supervisor.is_running(), self.supervisor.output()
            assert time.monotonic() < deadline, f"{name} not back:\n{self.supervisor.output()}"
            time.sleep(0.5)

    def routed(self) -> list[Routed]:
        """nginx's access log so far."""
        log = self.topology.run_dir / "logs" / "nginx-access.log"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        found = []
        for line in lines:
            match = ROUTED.match(line)
            if match:
                found.append(
                    Routed(
                        int(match["port"]),
                        match["method"],
                        match["uri"],
                        match["client"],
                        match["transport"],
                        int(match["status"]),
                        tuple(
                            part.strip()
                            for part in re.split(r"[,:]\s", match["upstream"])
                            if part.strip() and part.strip() != "-"
                        ),
                    )
                )
        return found


def _drop_queue(env: Mapping[str, str]) -> None:
    import aio_pika

    async def drop() -> None:
        url = f"amqp://{env['RABBITMQ_USER']}:{env['RABBITMQ_PASSWORD']}@{env['RABBITMQ_HOST']}/"
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(env["RABBITMQ_QUEUE"])

    asyncio.run(drop())


def _drop_keys(host: str, port: int, prefix: str) -> None:
    import redis

    client = redis.Redis(host=host, port=port)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


def _drop_database(name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    try:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@contextmanager
def running_topology(
    run_dir: Path,
    env: Mapping[str, str] | None = None,
    replicas: int = 2,
    action_servers: int = 2,
    startup_timeout: float = 480,
) -> Iterator[RunningTopology]:
    """`env` on top of everything (rate limits, TICKET_LOCK_LIFETIME...)."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make train` (make test does)")
    suffix = uuid.uuid4().hex[:8]
    backoffice_db, tracker_db = f"caredesk_topology_bo_{suffix}", f"caredesk_topology_{suffix}"
    key_prefix = f"caredesktopology{suffix}"
    bo_port = free_port()
    settings = {
        "TRACKER_DB_HOST": "127.0.0.1",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": tracker_db,
        "TRACKER_DB_USER": "postgres",
        "TRACKER_DB_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_KEY_PREFIX": key_prefix,
        "RUN_DIR": str(run_dir),
        "RASA_REPLICAS": str(replicas),
        "ACTION_SERVERS": str(action_servers),
        "PUBLIC_PORT": str(free_port()),
        "ACTIONS_PROXY_PORT": str(free_port()),
        # Consecutive ports from a free one (rarely taken meanwhile: the start then fails).
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "BACKOFFICE_PORT": str(bo_port),
        "BACKOFFICE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{backoffice_db}",
        "RABBITMQ_HOST": "127.0.0.1",
        "RABBITMQ_USER": "guest",
        "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": f"caredesk_topology_{suffix}",
        "SOCKETIO_REDIS_CHANNEL": f"caredesk-topology-{suffix}",
        **SECRETS,
        "CAREDESK_REST_TOKEN": REST_TOKEN,
        "CAREDESK_SESSION_SECRET": SESSION_SECRET,
        "CAREDESK_SHOP_SECRET": SHOP_SECRET,
        "BACKOFFICE_API_KEY": API_KEY,
        **AGENT_PASSWORD_ENV,
        **WITHOUT_PRESENCE_ENV,
        "HELPDESK_DEPARTMENTS_FILE": str(write_departments_file(run_dir / "departments.yml")),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{bo_port}",
        **(env or {}),
    }
    for key in (
        "SOCKETIO_REDIS_URL",
        "ANALYTICS_EVENTS_URL",
        "ANALYTICS_EVENTS_QUEUE",
        "RASA_PUBLIC_URL",
    ):
        settings.setdefault(key, "")  # derived by the topology, not the developer's
    topology = Topology.from_env({**os.environ, **settings})
    ensure_postgres_database("127.0.0.1", 5432, "postgres", "", backoffice_db)
    try:
        supervisor = start_service(
            "production",
            [str(RASA_PYTHON), "-m", "scripts.production", "--model", str(MODEL)],
            env=settings,
            port=topology.public_port,
            health_url=topology.public_url + "/",
            startup_timeout=startup_timeout,
        )
        try:
            running = RunningTopology(supervisor, topology, f"http://127.0.0.1:{bo_port}")
            deadline = time.monotonic() + startup_timeout
            urls = [f"http://127.0.0.1:{port}/" for port in topology.rasa_ports] + [
                f"http://127.0.0.1:{port}/health" for port in topology.actions_ports
            ]
            urls.append(running.backoffice_url + "/health")
            while not all(healthy(url) for url in urls):
                assert supervisor.is_running(), supervisor.output()
                assert time.monotonic() < deadline, supervisor.output()
                time.sleep(1)
            yield running
        finally:
            supervisor.cleanup()
    finally:
        _drop_database(backoffice_db)
        _drop_database(tracker_db)
        _drop_keys("127.0.0.1", 6379, key_prefix)
        _drop_queue(settings)
