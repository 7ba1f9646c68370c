"""Each process installs and starts alone: a fresh venv from that process's pins only
(requirements/<process>.txt), then the process started from it, alone, until it answers.

    python -m scripts.install_check backoffice actions rasa

The back office must answer /health, the action server /health, the Rasa server load the model
(models/caredesk.tar.gz) and answer /. pip's cache makes a second run cheaper, but one run takes
minutes per process: `make install-check`, not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from devstack.processes import REPO_ROOT, ServiceStartError, running_service
from scripts.stack import ProcessSpec, specs

PYTHONS = {
    "backoffice": ("3.12", "3.12.1"),
    "actions": ("3.10", "3.10.13"),
    "rasa": ("3.10", "3.10.13"),
}
MODEL = REPO_ROOT / "models" / "caredesk.tar.gz"
SECRETS = {
    "RASA_AUTH_TOKEN": "install-check-token",
    "ACTION_SERVER_TOKEN": "install-check-token",
    "BACKOFFICE_API_KEY": "install-check-key",
}


def interpreter(process: str) -> str:
    """pyenv's Python of the process's version where it exists, else pythonX.Y on PATH."""
    short, full = PYTHONS[process]
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
    candidate = Path(root.stdout.strip()) / "versions" / full / "bin" / f"python{short}"
    return str(candidate) if root.returncode == 0 and candidate.exists() else f"python{short}"


def fresh_venv(process: str, target: Path) -> Path:
    subprocess.run([interpreter(process), "-m", "venv", str(target)], check=True)
    python = target / "bin" / "python"
    pins = REPO_ROOT / "requirements" / f"{process}.txt"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-input", "-r", str(pins)], check=True
    )
    subprocess.run([str(python), "-m", "pip", "check"], check=True)
    return python


def spec_for(process: str, env: dict[str, str]) -> ProcessSpec:
    by_name = {
        spec.name: spec
        for spec in specs(env, MODEL, rasa_port=0, actions_port=0, backoffice_port=0)
    }
    return by_name[process]


def check(process: str) -> None:
    with tempfile.TemporaryDirectory(prefix=f"install-check-{process}-") as tmp:
        print(f"{process}: a fresh venv from requirements/{process}.txt", flush=True)
        python = fresh_venv(process, Path(tmp) / "venv")
        env = {
            **SECRETS,
            "BACKOFFICE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'backoffice.db'}",
            "CAREDESK_SEED_DEMO": "true",
        }
        spec = spec_for(process, env)
        # The process's own command line (scripts/stack.py), on this venv's Python and a free
        # port: {port} is filled in by running_service.
        argv = [str(python), *spec.argv[1:]]
        argv = ["{port}" if part == "0" else part for part in argv]
        prestart = [[str(python), *step[1:]] for step in spec.prestart]
        # The other processes' URLs keep port 0: nothing answers there, as when it runs alone.
        own_port = {"BACKOFFICE_PORT": "{port}"} if process == "backoffice" else {}
        health = spec.health_url.replace(":0/", ":{port}/")
        with running_service(
            f"install-check-{process}",
            argv,
            env={**env, **spec.env, **own_port, "PYTHONPATH": str(REPO_ROOT)},
            health_url=health,
            startup_timeout=300,
            prestart=prestart,
        ) as service:
            print(f"{process}: started alone and answers {service.health_url}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.install_check", description=__doc__)
    parser.add_argument("processes", nargs="+", choices=sorted(PYTHONS))
    args = parser.parse_args(argv)
    os.environ.pop("VIRTUAL_ENV", None)
    failed = []
    for process in args.processes:
        try:
            check(process)
        except (subprocess.CalledProcessError, ServiceStartError) as exc:
            print(f"{process}: {exc}", file=sys.stderr)
            failed.append(process)
    print("install check: " + (f"failed for {', '.join(failed)}" if failed else "every process ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
