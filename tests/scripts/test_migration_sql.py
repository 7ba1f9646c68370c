"""docs/migrations.md's SQL, run as written on a scratch PostgreSQL database with the back
office's tables and Rasa's SQL tracker store: messaging conversations get their channel's prefix
everywhere, the widget's do not, an id used on two channels is listed and left alone, and a
second run changes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.processes import REPO_ROOT
from scripts.stack import BACKOFFICE_PYTHON
from tests.support.services import require_service

pytestmark = pytest.mark.postgres

WIDGET = "ab12" * 8


def migration_statements() -> list[str]:
    text = (REPO_ROOT / "docs" / "migrations.md").read_text(encoding="utf-8")
    sql = text.split("```sql", 1)[1].split("```", 1)[0]
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


@pytest.fixture
def database() -> Iterator[Any]:
    host, port = require_service("postgres")
    import psycopg2

    name = f"caredesk_migration_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        # The back office's schema as its migrations make it, by its own CLI in its own venv.
        subprocess.run(
            [str(BACKOFFICE_PYTHON), "-m", "backoffice", "migrate"],
            env={
                **os.environ,
                "BACKOFFICE_DATABASE_URL": f"postgresql://postgres@{host}:{port}/{name}",
                "BACKOFFICE_API_KEY": "migration-test",
            },
            cwd=REPO_ROOT,
            check=True,
        )
        conversations(host, port, name)
        connection = psycopg2.connect(host=host, port=port, user="postgres", dbname=name)
        connection.autocommit = True
        yield connection.cursor()
        connection.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def conversations(host: str, port: int, name: str) -> None:
    """Trackers as Rasa stores them: three messaging ones, a widget one, an id on two channels."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(
        Domain.empty(), dialect="postgresql", host=host, port=port, db=name, username="postgres"
    )

    async def save() -> None:
        for sender, channel in [
            ("111", "telegram"),
            ("222", "facebook"),
            ("333", "zalo"),
            (WIDGET, "socketio"),
            ("444", "telegram"),
        ]:
            tracker = DialogueStateTracker(sender, [])
            tracker.update(UserUttered("xin chào", input_channel=channel))
            tracker.update(BotUttered("Chào bạn"))
            await store.save(tracker)
        both = await store.retrieve("444")
        assert both is not None
        both.update(UserUttered("hi", input_channel="facebook"))
        await store.save(both)

    asyncio.run(save())


def helpdesk_rows(cursor: Any) -> None:
    cursor.execute(
        "INSERT INTO tickets (id, created_at, updated_at, language, channel, subject, department,"
        " priority, status, conversation_id) VALUES"
        " (1, now(), now(), 'vi', 'telegram', 's', 'billing', 'normal', 'open', '111'),"
        " (2, now(), now(), 'vi', 'socketio', 's', 'billing', 'normal', 'open', %s)",
        (WIDGET,),
    )
    cursor.execute(
        "INSERT INTO handoffs (id, conversation_id, active_key, ticket_id, department, state,"
        " channel, language, requested_at, updated_at) VALUES"
        " (1, '111', '111', 1, 'billing', 'waiting', 'telegram', 'vi', now(), now()),"
        " (2, %s, NULL, 2, 'billing', 'resolved', 'socketio', 'vi', now(), now())",
        (WIDGET,),
    )
    cursor.execute(
        "INSERT INTO outbox_events (conversation_id, seq, intent, entities, created_at, attempts,"
        " next_attempt_at) VALUES"
        " ('111', 1, 'EXTERNAL_agent_joined', '{}', now(), 0, now()),"
        " (%s, 1, 'EXTERNAL_agent_joined', '{}', now(), 0, now())",
        (WIDGET,),
    )


def column(cursor: Any, query: str) -> list[Any]:
    cursor.execute(query)
    return sorted((row[0] for row in cursor.fetchall()), key=str)


def test_the_migration_sql_prefixes_messaging_conversations_everywhere(database) -> None:
    cursor = database
    helpdesk_rows(cursor)
    for _ in range(2):  # a second run finds nothing left to rename
        listed = []
        for statement in migration_statements():
            cursor.execute(statement)
            if statement.upper().startswith("SELECT"):
                listed = cursor.fetchall()
        assert listed == [("444", ["facebook", "telegram"])]
        assert column(cursor, "SELECT DISTINCT sender_id FROM events") == [
            "444",  # on two channels: listed, left alone
            WIDGET,
            "facebook:222",
            "telegram:111",
            "zalo:333",
        ]
        for table in ("tickets", "handoffs", "outbox_events"):
            query = f"SELECT conversation_id FROM {table}"  # noqa: S608 - our table names
            assert column(cursor, query) == [
                WIDGET,
                "telegram:111",
            ], table
        assert column(cursor, "SELECT active_key FROM handoffs") == [None, "telegram:111"]
