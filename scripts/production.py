"""The production topology on one machine, supervised: `make run-production`.

    nginx  :PUBLIC_PORT   /socket.io/ -> the Rasa replicas, pinned per client
                          everything else (REST, webhooks, HTTP API) -> round-robin
           :ACTIONS_PROXY_PORT -> the action servers, round-robin (Rasa's ACTION_ENDPOINT_URL)
    Rasa   RASA_REPLICAS replicas from RASA_PORT up: endpoints.production.yml (PostgreSQL tracker
           store, Redis lock store, RabbitMQ event broker), the Redis socket.io manager
    actions ACTION_SERVERS servers from ACTIONS_PORT up
    back office BACKOFFICE_PORT: PostgreSQL, migrations once before it starts, the analytics
           read from the RabbitMQ queue; BACKOFFICE_WORKERS worker processes (the back office
           reads it once it serves several; 1 until then)

Configuration from the environment only (`.env`, then the real environment on top, as for
`make run`); the defaults below are this machine's servers and free high ports. The command
lines are `make run`'s (scripts/stack.py `specs`), one per replica; the nginx configuration is
deploy/nginx/caredesk.conf.template rendered into the run directory (RUN_DIR, default
var/production/), next to the processes' logs and pid files. scripts/supervisor.py restarts
what dies.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import string
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from scripts import credentials as channel_credentials
from scripts.envfile import ensure_secrets
from scripts.stack import REQUIRED_SECRETS, ROOT, VAR, ProcessSpec, environment, specs
from scripts.supervisor import GaveUp, RestartPolicy, Supervisor

ENDPOINTS = ROOT / "endpoints.production.yml"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "caredesk.conf.template"
MODEL = ROOT / "models" / "caredesk.tar.gz"
HOST = "127.0.0.1"
NGINX_USER, NGINX_GROUP = "nobody", "nogroup"  # nginx's workers when root starts it
# The REST channel's bearer token: production refuses the channel without it (channels/rest.py),
# and in `.env` it would lock `make run`'s REST too, so a random one is kept in the run
# directory's production.env (read after `.env`, before the real environment).
REST_TOKEN = "CAREDESK_REST_TOKEN"  # noqa: S105 - a name, not a secret
# What the processes cannot start without; one session secret for every replica (a widget's
# session token must verify on whichever replica its socket lands).
PRODUCTION_SECRETS = (*REQUIRED_SECRETS, REST_TOKEN, "CAREDESK_SESSION_SECRET")

# This machine's servers and ports; every one can be set in the environment.
DEFAULTS = {
    "CAREDESK_ENV": "production",
    "RASA_REPLICAS": "2",
    "ACTION_SERVERS": "2",
    "PUBLIC_PORT": "8080",
    "ACTIONS_PROXY_PORT": "8055",
    "RASA_PORT": "5105",
    "ACTIONS_PORT": "5155",
    "BACKOFFICE_PORT": "8100",
    "BACKOFFICE_WORKERS": "2",  # pushes to consoles cross them through REDIS_*
    "TRACKER_DB_HOST": HOST,
    "TRACKER_DB_PORT": "5432",
    "TRACKER_DB_NAME": "caredesk_tracker",
    "TRACKER_DB_USER": "postgres",
    "TRACKER_DB_PASSWORD": "",
    "BACKOFFICE_DATABASE_URL": f"postgresql://postgres@{HOST}:5432/caredesk_backoffice",
    "REDIS_HOST": HOST,
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "REDIS_KEY_PREFIX": "caredesk",
    "RABBITMQ_HOST": HOST,
    "RABBITMQ_PORT": "5672",
    "RABBITMQ_USER": "guest",
    "RABBITMQ_PASSWORD": "guest",
    "RABBITMQ_QUEUE": "caredesk_events",
    # Sanic trusts nginx's X-Forwarded-For (one proxy): rate limits count customers' addresses.
    "SANIC_PROXIES_COUNT": "1",
}


@dataclass(frozen=True)
class Topology:
    env: dict[str, str]  # DEFAULTS, then .env, then the real environment
    run_dir: Path
    replicas: int
    action_servers: int
    public_port: int
    actions_proxy_port: int
    rasa_ports: tuple[int, ...]
    actions_ports: tuple[int, ...]
    backoffice_port: int

    @classmethod
    def from_env(cls, given: Mapping[str, str]) -> Topology:
        env = {**DEFAULTS, **{key: value for key, value in given.items() if value != ""}}
        if "TRACKER_DB_PASSWORD" in given:  # empty is a value: no password
            env["TRACKER_DB_PASSWORD"] = given["TRACKER_DB_PASSWORD"]
        replicas, servers = int(env["RASA_REPLICAS"]), int(env["ACTION_SERVERS"])
        if replicas < 1 or servers < 1:
            raise ValueError("RASA_REPLICAS and ACTION_SERVERS must be at least 1")
        rasa_port, actions_port = int(env["RASA_PORT"]), int(env["ACTIONS_PORT"])
        public_port = int(env["PUBLIC_PORT"])
        env.setdefault(
            "SOCKETIO_REDIS_URL",
            f"redis://{env['REDIS_HOST']}:{env['REDIS_PORT']}/{env['REDIS_DB']}",
        )
        env.setdefault("SOCKETIO_REDIS_CHANNEL", f"{env['REDIS_KEY_PREFIX']}-socketio")
        # The back office reads the queue Rasa publishes to (README "Analytics").
        env.setdefault(
            "ANALYTICS_EVENTS_URL",
            f"amqp://{quote(env['RABBITMQ_USER'], safe='')}:"
            f"{quote(env['RABBITMQ_PASSWORD'], safe='')}@{env['RABBITMQ_HOST']}:"
            f"{env['RABBITMQ_PORT']}/%2F",
        )
        env.setdefault("ANALYTICS_EVENTS_QUEUE", env["RABBITMQ_QUEUE"])
        # The widget, served by the back office, opens its socket on nginx.
        env.setdefault("RASA_PUBLIC_URL", f"http://{HOST}:{public_port}")
        return cls(
            env=env,
            run_dir=Path(env.get("RUN_DIR") or VAR / "production"),
            replicas=replicas,
            action_servers=servers,
            public_port=public_port,
            actions_proxy_port=int(env["ACTIONS_PROXY_PORT"]),
            rasa_ports=tuple(rasa_port + index for index in range(replicas)),
            actions_ports=tuple(actions_port + index for index in range(servers)),
            backoffice_port=int(env["BACKOFFICE_PORT"]),
        )

    @property
    def public_url(self) -> str:
        return f"http://{HOST}:{self.public_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{HOST}:{self.actions_proxy_port}/webhook"


def nginx_config(topology: Topology, template: Path = NGINX_TEMPLATE) -> str:
    def servers(ports: tuple[int, ...]) -> str:
        return "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in ports
        )

    rendered = string.Template(template.read_text(encoding="utf-8")).safe_substitute(
        # Started by root, nginx's workers would take its default user, nobody.
        user_directive=f"user {NGINX_USER} {NGINX_GROUP};\n" if os.geteuid() == 0 else "",
        run_dir=str(topology.run_dir.resolve()),
        listen_host=HOST,
        public_port=topology.public_port,
        actions_port=topology.actions_proxy_port,
        rasa_servers=servers(topology.rasa_ports),
        actions_servers=servers(topology.actions_ports),
    )
    if "${" in rendered:
        raise ValueError(f"{template}: a placeholder was left unfilled")
    return rendered


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if Path(path).exists()), None
    )
    if found is None:
        raise FileNotFoundError("nginx not found: `make nginx` installs Debian's package")
    return found


def process_specs(topology: Topology, credentials: Path, model: Path = MODEL) -> list[ProcessSpec]:
    """The back office, the action servers, the Rasa replicas, then nginx."""
    env, bo_port = topology.env, topology.backoffice_port

    def spec_of(name: str, **ports: int) -> ProcessSpec:
        found = specs(
            env,
            model,
            backoffice_port=bo_port,
            endpoints=ENDPOINTS,
            credentials=credentials,
            **ports,
        )
        return next(spec for spec in found if spec.name == name)

    # Its API calls to Rasa (the helpdesk's external events) go through nginx.
    backoffice = spec_of("backoffice", rasa_port=topology.public_port)
    processes = [backoffice]
    for number, port in enumerate(topology.actions_ports, start=1):
        actions = spec_of("actions", actions_port=port)
        processes.append(
            ProcessSpec(f"actions-{number}", actions.argv, actions.health_url, actions.env)
        )
    for number, port in enumerate(topology.rasa_ports, start=1):
        rasa = spec_of("rasa", rasa_port=port)
        processes.append(
            ProcessSpec(
                f"rasa-{number}",
                rasa.argv,
                rasa.health_url,
                {**rasa.env, "ACTION_ENDPOINT_URL": topology.actions_url},
            )
        )
    processes.append(
        ProcessSpec(
            "nginx",
            [nginx_binary(), "-p", str(topology.run_dir.resolve()), "-c", "nginx.conf"],
            f"http://{HOST}:{topology.public_port}/",
        )
    )
    return processes


def ensure_postgres_database(host: str, port: int, user: str, password: str, name: str) -> bool:
    """CREATE DATABASE `name` unless it exists (Rasa's tracker store and the back office's
    migrations need it to exist); whether it was created."""
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(host=host, port=port, user=user, password=password, dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        admin.close()


def prepare(topology: Topology) -> Path:
    """The run directory (mode 700), the databases, the credentials and nginx's config."""
    from sqlalchemy.engine import make_url

    env = topology.env
    run_dir = topology.run_dir
    for folder in (run_dir, run_dir / "nginx", run_dir / "logs"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    run_dir.chmod(0o700)
    if os.geteuid() == 0:  # nginx's workers (NGINX_USER) write its temporary files only
        run_dir.chmod(0o711)
        shutil.chown(run_dir / "nginx", NGINX_USER)
    ensure_postgres_database(
        env["TRACKER_DB_HOST"],
        int(env["TRACKER_DB_PORT"]),
        env["TRACKER_DB_USER"],
        env["TRACKER_DB_PASSWORD"],
        env["TRACKER_DB_NAME"],
    )
    backoffice_db = make_url(env["BACKOFFICE_DATABASE_URL"])
    if backoffice_db.get_backend_name() == "postgresql" and backoffice_db.database:
        ensure_postgres_database(
            backoffice_db.host or HOST,
            int(backoffice_db.port or 5432),
            backoffice_db.username or "postgres",
            backoffice_db.password or "",
            backoffice_db.database,
        )
    composition = channel_credentials.compose(env)
    print(channel_credentials.summary(composition), flush=True)
    credentials = channel_credentials.write(run_dir / "credentials.yml", composition)
    (run_dir / "nginx.conf").write_text(nginx_config(topology), encoding="utf-8")
    return credentials


def banner(topology: Topology) -> str:
    return (
        "caredesk (production topology) is running; Ctrl-C stops everything.\n"
        f"  chat (nginx):   {topology.public_url}/webhooks/rest/webhook  (REST, bearer "
        "CAREDESK_REST_TOKEN), /socket.io/\n"
        f"  Rasa replicas:  {', '.join(str(port) for port in topology.rasa_ports)}\n"
        f"  action servers: {', '.join(str(port) for port in topology.actions_ports)} "
        f"behind {topology.actions_url}\n"
        f"  back office:    http://{HOST}:{topology.backoffice_port}  (/console, /dashboard, "
        "/shop)\n"
        f"  logs and pids:  {topology.run_dir}/logs, {topology.run_dir}/pids"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument(
        "--startup-timeout", type=float, default=600.0, help="seconds for every process to answer"
    )
    args = parser.parse_args(argv)
    first = Topology.from_env(environment())
    secrets_file = first.run_dir / "production.env"
    first.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    ensure_secrets(secrets_file, names=(REST_TOKEN,), passwords_too=False)
    topology = Topology.from_env(environment(ROOT, secrets_file))
    missing = [name for name in PRODUCTION_SECRETS if not topology.env.get(name)]
    if missing:
        print(f"{', '.join(missing)} not set (environment or .env)", file=sys.stderr)
        return 2
    credentials = prepare(topology)
    supervisor = Supervisor(
        process_specs(topology, credentials, args.model),
        topology.env,
        topology.run_dir,
        ROOT,
        RestartPolicy(),
    )

    def stop(*_: object) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        supervisor.start()
        late = supervisor.wait_healthy(args.startup_timeout)
    except GaveUp as error:
        print(f"{error}; stopping", file=sys.stderr)
        supervisor.stop()
        return 1
    if supervisor.stopping:
        supervisor.stop()
        return 0
    if late:
        supervisor.say(f"not answering after {args.startup_timeout:g} s: {', '.join(late)}")
    else:
        supervisor.say("all processes are up")
        print(banner(topology), flush=True)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
