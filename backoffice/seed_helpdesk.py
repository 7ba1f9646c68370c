"""Helpdesk demo accounts: one agent per department (username = department key) and `admin`.

Seeded on first start, when there is no agent yet. Their password is HELPDESK_DEMO_PASSWORD;
without it every account gets a random password nobody knows (and the log says so): set one
later with

    python -m backoffice.seed_helpdesk set-password billing     # reads the password from stdin
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.passwords import hash_password, unusable_password_hash
from backoffice.models.helpdesk import Agent

logger = logging.getLogger(__name__)

# (username, display name, departments, is_admin)
AGENTS: tuple[tuple[str, str, tuple[str, ...], bool], ...] = (
    ("customer_support", "Nguyễn Thu Hà", ("customer_support",), False),
    ("after_sales", "Trần Minh Khoa", ("after_sales",), False),
    ("billing", "Lê Thị Mai Anh", ("billing",), False),
    ("logistics", "Phạm Quốc Bảo", ("logistics",), False),
    ("sales", "Võ Thanh Tùng", ("sales",), False),
    ("marketing", "Đặng Ngọc Linh", ("marketing",), False),
    ("technical", "Bùi Đức Thắng", ("technical",), False),
    ("admin", "Hoàng Gia Huy", (), True),
)


def seed_agents(
    session: Session,
    password: str | None,
    *,
    hasher: Callable[[str], str] = hash_password,
    now: datetime | None = None,
) -> list[str]:
    now = now or datetime.now(timezone.utc)
    # One demo password for every account: hashed once (scrypt is slow on purpose).
    shared = hasher(password) if password else None
    for username, name, departments, is_admin in AGENTS:
        session.add(
            Agent(
                username=username,
                display_name=name,
                password_hash=shared or unusable_password_hash(),
                departments=list(departments),
                is_admin=is_admin,
                active=True,
                created_at=now,
            )
        )
    session.commit()
    return [a[0] for a in AGENTS]


def seed_agents_if_empty(session_factory: sessionmaker, password: str | None) -> bool:
    with session_factory() as session:
        if session.execute(select(func.count()).select_from(Agent)).scalar_one():
            return False
        names = seed_agents(session, password)
    if password:
        logger.info("seeded %d helpdesk agents (password: HELPDESK_DEMO_PASSWORD)", len(names))
    else:
        logger.warning(
            "seeded %d helpdesk agents with random passwords: HELPDESK_DEMO_PASSWORD is not set, "
            "so no agent can sign in (python -m backoffice.seed_helpdesk set-password <user>)",
            len(names),
        )
    return True


def set_password(session: Session, username: str, password: str) -> bool:
    agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one_or_none()
    if agent is None:
        return False
    agent.password_hash = hash_password(password)
    session.commit()
    return True


def main(argv: list[str] | None = None) -> int:
    from backoffice.core.config import load_settings
    from backoffice.core.db import make_engine, make_session_factory
    from backoffice.models import Base

    parser = argparse.ArgumentParser(prog="python -m backoffice.seed_helpdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed", help="create the demo agents when there is none")
    setter = commands.add_parser("set-password", help="set an agent's password (from stdin)")
    setter.add_argument("username")
    args = parser.parse_args(argv)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    try:
        if args.command == "seed":
            secret = settings.helpdesk_demo_password
            seeded = seed_agents_if_empty(factory, secret.get_secret_value() if secret else None)
            print("seeded the demo agents" if seeded else "agents exist already; nothing to do")
            return 0
        if sys.stdin.isatty():
            password = getpass.getpass(f"new password for {args.username}: ")
        else:
            password = sys.stdin.readline().rstrip("\n")
        if len(password) < 8:
            print("the password needs at least 8 characters", file=sys.stderr)
            return 2
        with factory() as session:
            if not set_password(session, args.username, password):
                print(f"no agent named {args.username}", file=sys.stderr)
                return 1
        print(f"password of {args.username} changed")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
