"""Secrets never on a command line (issue 10): /proc/<pid>/cmdline is readable by every user of
the machine, /proc/<pid>/environ only by the process's owner. Every process of the running
stack (each service and its children: a service runs in its own session) is read for real."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from devstack.backoffice import AGENT_PASSWORD_ENV, API_KEY
from devstack.stack import ACTION_TOKEN, SHOP_SECRET, TOKEN
from tests.support.fake_graph_api import APP_SECRET, PAGE_ACCESS_TOKEN, VERIFY_TOKEN
from tests.support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.shared_stack import (
    TELEGRAM_SECRET,
    ZALO_ACCESS_TOKEN,
    ZALO_SECRET_KEY,
    SharedStack,
)

pytestmark = pytest.mark.stack

SECRETS = {
    "RASA_AUTH_TOKEN": TOKEN,
    "ACTION_SERVER_TOKEN": ACTION_TOKEN,
    "BACKOFFICE_API_KEY": API_KEY,
    **AGENT_PASSWORD_ENV,
    "CAREDESK_SHOP_SECRET": SHOP_SECRET,
    "TELEGRAM_ACCESS_TOKEN": TELEGRAM_TOKEN,
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
    "FACEBOOK_APP_SECRET": APP_SECRET,
    "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_ACCESS_TOKEN,
    "FACEBOOK_VERIFY_TOKEN": VERIFY_TOKEN,
    "ZALO_OA_SECRET_KEY": ZALO_SECRET_KEY,
    "ZALO_OA_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
}


def session_of(pid: Path) -> int:
    """The session id in /proc/<pid>/stat (the field after the state, the parent, the group)."""
    after_name = (pid / "stat").read_text().rpartition(")")[2].split()
    return int(after_name[3])


def processes_in_sessions(sessions: set[int]) -> dict[int, str]:
    """pid -> command line of every process whose session is one of `sessions`."""
    found: dict[int, str] = {}
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            if session_of(pid) in sessions:
                found[int(pid.name)] = (pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return found


def test_no_process_of_the_running_stack_has_a_secret_on_its_command_line(
    shared_stack: SharedStack,
) -> None:
    stack = shared_stack.stack
    services = (stack.rasa, stack.actions, stack.backoffice.service)
    command_lines = processes_in_sessions({service.process.pid for service in services})
    joined = "\n".join(command_lines.values())
    assert "scripts.rasa_server" in joined and "scripts.action_server" in joined
    assert "-m backoffice" in joined
    for name, secret in SECRETS.items():
        leaking = [pid for pid, line in command_lines.items() if secret in line]
        assert not leaking, f"{name} is on the command line of {leaking}"
    # Where the secrets are instead: the environment, which only the owner may read.
    rasa = Path(f"/proc/{stack.rasa.process.pid}")
    assert f"RASA_AUTH_TOKEN={TOKEN}".encode() in (rasa / "environ").read_bytes().split(b"\0")
    assert stat.S_IMODE((rasa / "environ").stat().st_mode) == 0o400
    assert stat.S_IMODE((rasa / "cmdline").stat().st_mode) == 0o444
