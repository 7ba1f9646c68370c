"""Helpdesk demo accounts: one agent per department (username = department key), `admin` and
`cco` (the analytics' reader).

Seeded by the step before the app starts (`python -m backoffice migrate`, backoffice/prestart.py):
each seeded account whose name is not taken yet (a database from before an account was added,
like `cco`, gets it on its next start), each with its own password from HELPDESK_<USERNAME>_PASSWORD
(`HELPDESK_ADMIN_PASSWORD`, `HELPDESK_BILLING_PASSWORD`, ...;
`make run` writes random ones into .env). An account whose variable is unset gets a random
password nobody knows (and the log says so). Agents change their password in the console; an
operator sets one with

    python -m backoffice.helpdesk.seed set-password billing     # reads the password from stdin
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.config import Settings
from backoffice.core.passwords import (
    hash_password,
    unusable_password_hash,
    verify_password,
)
from backoffice.helpdesk.models import Agent
from backoffice.helpdesk.services.agents import AgentService
from caredesk_rules.accounts import (
    PASSWORD_PROBLEMS,
    PASSWORD_VARIABLES,
    SEEDED_AGENTS,
    password_problem,
)

logger = logging.getLogger(__name__)


def seed_agents(
    session: Session,
    passwords: Mapping[str, str],
    *,
    hasher: Callable[[str], str] = hash_password,
    now: datetime | None = None,
) -> list[str]:
    """Creates the seeded accounts whose name is free; returns those created without a password
    (nobody can sign in)."""
    now = now or datetime.now(timezone.utc)
    taken = set(session.execute(select(Agent.username)).scalars())
    locked_out = []
    for seeded in SEEDED_AGENTS:
        if seeded.username in taken:
            continue
        password = passwords.get(seeded.username)
        if not password:
            locked_out.append(seeded.username)
        session.add(
            Agent(
                username=seeded.username,
                display_name=seeded.display_name,
                password_hash=hasher(password) if password else unusable_password_hash(),
                departments=list(seeded.departments),
                role=seeded.role,
                active=True,
                created_at=now,
            )
        )
    session.commit()
    return locked_out


def seed_missing_agents(session_factory: sessionmaker, passwords: Mapping[str, str]) -> bool:
    """The seeded accounts not in the database yet (all of them on a first start)."""
    with session_factory() as session:
        before = session.execute(select(func.count()).select_from(Agent)).scalar_one()
        locked_out = seed_agents(session, passwords)
        added = session.execute(select(func.count()).select_from(Agent)).scalar_one() - before
    if not added:
        return False
    logger.info(
        "seeded %d helpdesk accounts, each with its own password (HELPDESK_<USERNAME>_PASSWORD)",
        added,
    )
    if locked_out:
        logger.warning(
            "no password for %s (%s not set): they cannot sign in until one is set "
            "(python -m backoffice.helpdesk.seed set-password <user>)",
            ", ".join(locked_out),
            ", ".join(PASSWORD_VARIABLES[name] for name in locked_out),
        )
    return True


def retire_shared_password(
    session_factory: sessionmaker, shared: str, passwords: Mapping[str, str]
) -> list[str]:
    """Databases seeded before every account had its own password: an account that still
    signs in with the old shared HELPDESK_DEMO_PASSWORD gets its own from .env, and its
    sessions end. Returns the accounts changed."""
    changed, still_shared = [], []
    with session_factory() as session:
        agents = AgentService(session)
        for username in PASSWORD_VARIABLES:
            agent = agents.repo.agent_by_username(username)
            if agent is None or not verify_password(shared, agent.password_hash):
                continue
            password = passwords.get(username)
            if password:
                agents.set_password(agent, password)
                changed.append(username)
            else:
                still_shared.append(username)
    if changed:
        logger.warning(
            "the shared HELPDESK_DEMO_PASSWORD no longer opens %s: each has its own password "
            "now (HELPDESK_<USERNAME>_PASSWORD in .env)",
            ", ".join(changed),
        )
    if still_shared:
        logger.warning(
            "the shared HELPDESK_DEMO_PASSWORD still opens %s: set %s",
            ", ".join(still_shared),
            ", ".join(PASSWORD_VARIABLES[name] for name in still_shared),
        )
    elif not changed:
        logger.info("HELPDESK_DEMO_PASSWORD is used by no account any more: remove it from .env")
    return changed


def seed_from_settings(session_factory: sessionmaker, settings: Settings) -> bool:
    """On start: the seeded accounts not there yet (True when any); the old shared password
    replaced."""
    passwords = {name: value.get_secret_value() for name, value in settings.seed_passwords.items()}
    seeded = seed_missing_agents(session_factory, passwords)
    if settings.helpdesk_demo_password is not None:
        shared = settings.helpdesk_demo_password.get_secret_value()
        retire_shared_password(session_factory, shared, passwords)
    return seeded


def main(argv: list[str] | None = None) -> int:
    from backoffice.core import schema
    from backoffice.core.config import load_settings
    from backoffice.core.db import make_engine, make_session_factory

    parser = argparse.ArgumentParser(prog="python -m backoffice.helpdesk.seed", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed", help="create the seeded accounts not there yet")
    setter = commands.add_parser("set-password", help="set an agent's password (from stdin)")
    setter.add_argument("username")
    args = parser.parse_args(argv)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    schema.upgrade(engine)
    factory = make_session_factory(engine)
    try:
        if args.command == "seed":
            seeded = seed_from_settings(factory, settings)
            print("seeded the demo agents" if seeded else "agents exist already; nothing to do")
            return 0
        if sys.stdin.isatty():
            password = getpass.getpass(f"new password for {args.username}: ")
        else:
            password = sys.stdin.readline().rstrip("\n")
        problem = password_problem(password, args.username)
        if problem is not None:
            print(f"the password {PASSWORD_PROBLEMS[problem]}", file=sys.stderr)
            return 2
        with factory() as session:
            agents = AgentService(session)
            agent = agents.repo.agent_by_username(args.username)
            if agent is None:
                print(f"no agent named {args.username}", file=sys.stderr)
                return 1
            ended = agents.set_password(agent, password)
        print(f"password of {args.username} changed; {ended} sessions ended")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
