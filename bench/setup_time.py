"""From `git clone` to the first answer of `make run`, cold, with where the time went.

Clones the repository (its current branch, as committed) into a scratch directory, runs
`make run` there with empty caches for uv, pip and npm (what a fresh machine has), sends "hi" to
the REST channel until the assistant answers, then stops everything. Each step's start is the
moment make echoes its command; its end is the file the step leaves (the venvs' `.installed`,
the model, the widget's bundle). Steps that run side by side (`make setup` runs three branches
at once) overlap.

    python -m bench.setup_time                      # this repository, uv
    python -m bench.setup_time --installer pip      # the same with pip
    python -m bench.setup_time --keep /work/setup-a # keep the clone (its log: setup-time.log)

The system starts on free ports (scripts/stack.py's CAREDESK_*_PORT), so a `make run` already
running on the defaults does not matter. Not part of `make bench` (it installs everything afresh).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from devstack.processes import free_port
from scripts.stack import PORT_VARIABLES

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Step:
    name: str
    started_by: str  # a piece of the command line make echoes when the step starts
    done_file: str  # the file the step leaves, relative to the clone


STEPS = (
    Step("uv (pip install --target var/uv)", "--target var/uv", "var/uv/.installed"),
    Step("Rasa venv (.venv)", "creating .venv with", ".venv/.installed"),
    Step(
        "back office venv (.venv-backoffice)",
        "creating .venv-backoffice with",
        ".venv-backoffice/.installed",
    ),
    Step("rasa train", "rasa train", "models/caredesk.tar.gz"),
    Step("widget: npm ci", "npm ci", "web/node_modules/.installed"),
    Step("widget: esbuild", "node build.mjs", "backoffice/web/widget/dist/caredesk-widget.js"),
)


def answered(rasa_port: int) -> bool:
    """True when the assistant answers "hi" over REST with at least one message."""
    body = json.dumps({"sender": "setup-time", "message": "hi"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return bool(json.loads(response.read() or b"[]"))
    except (OSError, ValueError):
        return False


def follow(stream: IO[bytes], log: IO[str], t0: float, starts: dict[str, float]) -> None:
    """Copies make's output to the log with seconds since the clone, noting each step's start."""
    for raw in stream:
        line = raw.decode(errors="replace").rstrip()
        now = time.monotonic() - t0
        log.write(f"{now:7.1f} {line}\n")
        log.flush()
        for step in STEPS:
            if step.started_by in line and step.name not in starts:
                starts[step.name] = now


def run(clone: Path, installer: str, timeout: float) -> dict[str, object]:
    caches = clone.parent / f"{clone.name}-caches"
    env = {
        **os.environ,
        "UV_CACHE_DIR": str(caches / "uv"),
        "PIP_CACHE_DIR": str(caches / "pip"),
        "npm_config_cache": str(caches / "npm"),
        **{name: str(free_port()) for name in PORT_VARIABLES},
    }
    for name in ("VIRTUAL_ENV", "PYTHONPATH"):
        env.pop(name, None)
    t0 = time.monotonic()
    wall0 = time.time()
    branch = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "-b", branch, str(ROOT), str(clone)], check=True)
    cloned = time.monotonic() - t0
    starts: dict[str, float] = {}
    log_path = clone / "setup-time.log"
    with log_path.open("w") as log:
        make = subprocess.Popen(
            ["make", "run", f"INSTALLER={installer}"],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert make.stdout is not None
        reader = threading.Thread(target=follow, args=(make.stdout, log, t0, starts), daemon=True)
        reader.start()
        first_answer = None
        try:
            while time.monotonic() - t0 < timeout and make.poll() is None:
                model_done = (clone / "models" / "caredesk.tar.gz").exists()
                if model_done and answered(int(env[PORT_VARIABLES[0]])):
                    first_answer = time.monotonic() - t0
                    break
                time.sleep(0.5)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGINT)
                try:
                    make.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(make.pid, signal.SIGKILL)
                    make.wait()
            reader.join(timeout=5)
    steps = []
    for step in STEPS:
        done = clone / step.done_file
        end = done.stat().st_mtime - wall0 if done.exists() else None
        start = starts.get(step.name)
        steps.append({"step": step.name, "start": start, "end": end})
    return {
        "clone": cloned,
        "steps": steps,
        "first_answer": first_answer,
        "exit": make.returncode,
        "log": str(log_path),
    }


def seconds(value: object) -> str:
    return f"{value:.0f}" if isinstance(value, float) else "-"


def print_report(result: dict[str, object], installer: str) -> None:
    print(f"\n## make run from a fresh clone ({installer}, empty caches)\n")
    print("| step | start s | end s | took s |")
    print("|---|---:|---:|---:|")
    print(f"| git clone | 0 | {seconds(result['clone'])} | {seconds(result['clone'])} |")
    steps = result["steps"]
    assert isinstance(steps, list)
    ends = [s["end"] for s in steps if s["end"] is not None]
    for s in steps:
        took = s["end"] - s["start"] if s["end"] is not None and s["start"] is not None else None
        print(f"| {s['step']} | {seconds(s['start'])} | {seconds(s['end'])} | {seconds(took)} |")
    answer = result["first_answer"]
    if isinstance(answer, float) and ends:
        built = max(ends)
        took = answer - built
        print(f"| start the system, first answer | {built:.0f} | {answer:.0f} | {took:.0f} |")
        print(f"\n**first answer {answer:.0f} s ({answer / 60:.1f} min) after the clone began**")
    else:
        print(f"\nno answer (make exited {result['exit']}): see {result['log']}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installer", choices=("uv", "pip"), default="uv")
    parser.add_argument("--keep", type=Path, help="clone here and keep it (must not exist)")
    parser.add_argument("--timeout", type=float, default=1800, help="give up after (s)")
    args = parser.parse_args()
    if args.keep:
        result = run(args.keep, args.installer, args.timeout)
    else:
        with tempfile.TemporaryDirectory(prefix="setup-time-") as tmp:
            result = run(Path(tmp) / "caredesk", args.installer, args.timeout)
    print_report(result, args.installer)
    return 0 if result["first_answer"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
