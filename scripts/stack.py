"""The processes of the whole system, and `make run`'s foreground supervisor.

Ctrl-C (or SIGTERM) stops every process it started; if one of them dies, the others are stopped
too, so nothing is left half-running. Secrets reach the processes in their environment only,
never on a command line (`scripts.rasa_server`, `scripts.action_server`), and `var/` (the
back office's database, the composed credentials) is readable by its owner only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from scripts import credentials as channel_credentials
from scripts.envfile import read_env_file

ROOT = Path(__file__).resolve().parent.parent
# Each process runs on its own venv's Python (requirements/README.md): the Rasa server and the
# action server on 3.10 (.venv), the back office on 3.12 with pydantic 2 (.venv-backoffice).
RASA_PYTHON = ROOT / ".venv" / "bin" / "python"
ACTIONS_PYTHON = RASA_PYTHON
BACKOFFICE_PYTHON = ROOT / ".venv-backoffice" / "bin" / "python"
VAR = ROOT / "var"
# Rasa's SQL event broker writes here (endpoints.yml: `db: var/rasa_events.db`, relative to the
# Rasa server's working directory, the repository root); the back office reads it.
RASA_EVENTS_DB = VAR / "rasa_events.db"
# What the processes cannot start without (generated into .env by scripts/envfile.py).
REQUIRED_SECRETS = ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN")
# `make run`'s ports are specs()'s defaults unless these are set (a second system beside one
# already running, as bench/setup_time.py starts it).
PORT_VARIABLES = ("CAREDESK_RASA_PORT", "CAREDESK_ACTIONS_PORT", "CAREDESK_BACKOFFICE_PORT")


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    # Commands run to completion before the process starts (the back office's migrations).
    prestart: list[list[str]] = field(default_factory=list)


def environment(root: Path = ROOT, *more_files: Path) -> dict[str, str]:
    """The process environment: `.env` first, then `more_files` in order, then the real
    environment on top."""
    env = read_env_file(root / ".env")
    for path in more_files:
        env.update(read_env_file(path))
    env.update(os.environ)
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def specs(
    env: dict[str, str],
    model: Path,
    rasa_port: int = 5005,
    actions_port: int = 5055,
    backoffice_port: int = 8000,
    endpoints: Path = ROOT / "endpoints.yml",
    credentials: Path = ROOT / "credentials.yml",
) -> list[ProcessSpec]:
    host = "127.0.0.1"
    production = env.get("CAREDESK_ENV", "").strip().lower() == "production"
    demo_default = "false" if production else "true"
    backoffice = ProcessSpec(
        "backoffice",
        [str(BACKOFFICE_PYTHON), "-m", "backoffice"],
        f"http://{host}:{backoffice_port}/health",
        {
            "BACKOFFICE_HOST": host,
            "BACKOFFICE_PORT": str(backoffice_port),
            "RASA_URL": f"http://{host}:{rasa_port}",
            # The demo shop's orders: on unless the environment says otherwise (production
            # settings refuse them).
            "CAREDESK_SEED_DEMO": env.get("CAREDESK_SEED_DEMO") or demo_default,
            # The analytics read Rasa's events from its event broker (backoffice/analytics/).
            "ANALYTICS_EVENTS_URL": env.get("ANALYTICS_EVENTS_URL")
            or f"sqlite:///{RASA_EVENTS_DB}",
        },
        # The schema to the head revision, the accounts and the demo data (backoffice/prestart.py).
        prestart=[[str(BACKOFFICE_PYTHON), "-m", "backoffice", "migrate"]],
    )
    actions = ProcessSpec(
        "actions",
        [
            str(ACTIONS_PYTHON),
            "-m",
            "scripts.action_server",  # rasa_sdk, answering only with ACTION_SERVER_TOKEN
            "--actions",
            "actions",
            "--port",
            str(actions_port),
        ],
        f"http://{host}:{actions_port}/health",
        {
            "SANIC_HOST": host,
            "ORDERS_API_URL": f"http://{host}:{backoffice_port}",
            "HELPDESK_API_URL": f"http://{host}:{backoffice_port}",
        },
    )
    # Browsers may call Rasa (socket.io and its HTTP API) only from these pages: the back
    # office serves the widget, the demo shop and the console.
    origins = env.get("CAREDESK_ALLOWED_ORIGINS") or ",".join(
        f"http://{name}:{backoffice_port}" for name in (host, "localhost")
    )
    rasa = ProcessSpec(
        "rasa",
        [
            str(RASA_PYTHON),
            "-m",
            "scripts.rasa_server",  # `rasa run --enable-api`, the token from RASA_AUTH_TOKEN
            "--model",
            str(model),
            "--interface",
            host,
            "--port",
            str(rasa_port),
            "--credentials",
            str(credentials),
            "--endpoints",
            str(endpoints),
            "--cors",
            *origins.split(","),
        ],
        f"http://{host}:{rasa_port}/",
        # The socket.io channel reports the widget's delivery receipts to the helpdesk.
        {
            "CAREDESK_ALLOWED_ORIGINS": origins,
            "HELPDESK_API_URL": f"http://{host}:{backoffice_port}",
        },
    )
    processes = [actions, rasa]
    if (ROOT / "backoffice" / "__main__.py").exists():
        processes.insert(0, backoffice)
    return processes


def private_directory(path: Path = VAR) -> Path:
    """`path` with mode 700 (created if needed): it holds customer data and secrets."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode is masked by the umask and skips an existing directory
    return path


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (localhost URL)
            return bool(response.status < 500)
    except OSError:
        return False


def run_foreground(model: Path) -> int:
    env = environment()
    missing = [name for name in REQUIRED_SECRETS if not env.get(name)]
    if missing:
        print(f"{', '.join(missing)} not set (environment or .env)", file=sys.stderr)
        return 2
    private_directory(VAR)
    # Messaging channels are enabled by their environment variables: see scripts/credentials.py.
    composition = channel_credentials.compose(env)
    credentials = channel_credentials.write(VAR / "credentials.yml", composition)
    print(channel_credentials.summary(composition), flush=True)
    running: list[tuple[ProcessSpec, subprocess.Popen[bytes]]] = []
    rasa_port, actions_port, backoffice_port = (
        int(env.get(name) or default)
        for name, default in zip(PORT_VARIABLES, (5005, 5055, 8000), strict=True)
    )
    site = f"http://127.0.0.1:{backoffice_port}"

    def stop_all(*_: object) -> None:
        for _spec, proc in reversed(running):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for _spec, proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        for spec in specs(
            env, model, rasa_port, actions_port, backoffice_port, credentials=credentials
        ):
            for step in spec.prestart:
                print(f"{spec.name}: {' '.join(step[1:])}", flush=True)
                if subprocess.run(step, env={**env, **spec.env}, cwd=ROOT).returncode:
                    print(f"{spec.name}: {' '.join(step[1:])} failed; stopping", file=sys.stderr)
                    return 1
            print(f"starting {spec.name}: {spec.health_url}", flush=True)
            proc = subprocess.Popen(spec.argv, env={**env, **spec.env}, cwd=ROOT)
            running.append((spec, proc))
        pending = {spec.name: spec for spec, _ in running}
        while True:
            for spec, proc in running:
                if proc.poll() is not None:
                    # Ctrl-C in a terminal reaches the whole process group: a child may see it
                    # (and exit cleanly) before this process does.
                    if proc.returncode in (0, 130, -signal.SIGINT, -signal.SIGTERM):
                        print("\nstopping caredesk ...", flush=True)
                        return 0
                    print(f"{spec.name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    return 1
            for name, spec in list(pending.items()):
                if _healthy(spec.health_url):
                    print(f"{name} is up: {spec.health_url}", flush=True)
                    del pending[name]
                    if not pending:
                        print(
                            "caredesk is running; Ctrl-C stops everything.\n"
                            f"  chat (REST):    POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook\n"
                            f"  demo shop:      {site}/shop  (the chat widget)\n"
                            f"  agent console:  {site}/console  (users: admin, "
                            "billing, logistics, ...; each one's password is "
                            "HELPDESK_<USERNAME>_PASSWORD in .env)\n"
                            f"  dashboard:      {site}/dashboard  (users: cco, "
                            "admin)\n"
                            f"  analytics:      GET {site}/api/v1/analytics/summary"
                            "?from=YYYY-MM-DD&to=YYYY-MM-DD  (the cco's or admin's token)\n"
                            f"  API docs:       {site}/docs  (off with "
                            "CAREDESK_ENV=production)",
                            flush=True,
                        )
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping caredesk ...", flush=True)
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(
        run_foreground(
            Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models" / "caredesk.tar.gz"
        )
    )
