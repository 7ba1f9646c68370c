"""Canned replies: the saved answers agents insert into the reply box and edit before sending.

Per department and language. The starting set is backoffice/config/canned_replies.yml, written
into the database when it has none (prestart); from then on the database is the library, and
admins add, edit and delete replies in the console. Agents read their departments' replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backoffice.core.config import ConfigError
from backoffice.core.errors import AppError, ConflictError, NotFoundError
from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import LANGUAGES, Agent, CannedReply
from backoffice.helpdesk.services.text_search import matches, query_words
from backoffice.helpdesk.services.tickets import ForbiddenDepartmentError
from caredesk_rules.departments import DEPARTMENT_KEYS

logger = logging.getLogger(__name__)

CANNED_REPLIES_FILE = Path(__file__).resolve().parents[2] / "config" / "canned_replies.yml"
MAX_TITLE = 80
MAX_TEXT = 2000  # what an agent's reply may be (schemas.MAX_AGENT_TEXT)


class AdminOnlyError(AppError):
    status_code = 403
    code = "admin_only"
    message = "Only an admin may change the saved replies."


class CannedReplyNotFoundError(NotFoundError):
    code = "canned_reply_not_found"
    message = "No such saved reply."


class DuplicateCannedReplyError(ConflictError):
    code = "canned_reply_exists"
    message = "A saved reply with this title exists already for this department and language."


@dataclass(frozen=True)
class CannedReplyData:
    department: str
    language: str
    title: str
    text: str


def load_canned_replies(path: Path = CANNED_REPLIES_FILE) -> list[CannedReplyData]:
    """The starting set, checked whole: a broken file fails the start, nothing written."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read canned replies {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"canned replies {path}: departments must map to lists of replies")
    replies: list[CannedReplyData] = []
    for department, entries in raw.items():
        where = f"canned replies {path}: {department}"
        if department not in DEPARTMENT_KEYS or not isinstance(entries, list):
            raise ConfigError(f"{where}: not a department with a list of replies")
        for index, entry in enumerate(entries):
            titles = entry.get("title") if isinstance(entry, dict) else None
            for language in LANGUAGES:
                title = titles.get(language) if isinstance(titles, dict) else None
                text = entry.get(language) if isinstance(entry, dict) else None
                if not isinstance(title, str) or not isinstance(text, str):
                    raise ConfigError(f"{where}[{index}]: title and text needed in {language}")
                title, text = " ".join(title.split()), text.strip()
                if not title or len(title) > MAX_TITLE or not text or len(text) > MAX_TEXT:
                    raise ConfigError(f"{where}[{index}] ({language}): empty or too long")
                replies.append(CannedReplyData(department, language, title, text))
    return replies


def seed_canned_replies_if_empty(
    session_factory: sessionmaker, path: Path = CANNED_REPLIES_FILE, now: datetime | None = None
) -> int:
    """The file's replies when the table has none; how many were written."""
    replies = load_canned_replies(path)
    with session_factory() as session, writing(session):
        if session.execute(select(func.count()).select_from(CannedReply)).scalar_one():
            return 0
        at = now or utcnow()
        for reply in replies:
            session.add(
                CannedReply(
                    department=reply.department,
                    language=reply.language,
                    title=reply.title,
                    text=reply.text,
                    created_at=at,
                    updated_at=at,
                )
            )
    logger.info("seeded %d canned replies from %s", len(replies), path.name)
    return len(replies)


class CannedReplyService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    def search(
        self,
        agent: Agent,
        *,
        department: str | None = None,
        language: str | None = None,
        query: str | None = None,
        limit: int = 50,
    ) -> Sequence[CannedReply]:
        """The agent's departments' replies (or one of them), by title; words in any case,
        with or without diacritics."""
        if department is not None and not agent.can_access(department):
            raise ForbiddenDepartmentError()
        statement = select(CannedReply).order_by(
            CannedReply.department, CannedReply.language, CannedReply.title
        )
        if department is not None:
            statement = statement.where(CannedReply.department == department)
        elif not agent.is_admin:
            statement = statement.where(CannedReply.department.in_(agent.departments or []))
        if language is not None:
            statement = statement.where(CannedReply.language == language)
        words = query_words(query)
        found = [
            reply
            for reply in self.session.execute(statement).scalars()
            if matches(words, reply.title, reply.text)
        ]
        return found[:limit]

    def create(self, agent: Agent, data: CannedReplyData) -> CannedReply:
        _require_admin(agent)
        now = self.clock()
        reply = CannedReply(
            department=data.department,
            language=data.language,
            title=data.title,
            text=data.text,
            created_at=now,
            updated_at=now,
        )
        self._save(lambda: self.session.add(reply))
        return reply

    def update(self, agent: Agent, reply_id: int, data: CannedReplyData) -> CannedReply:
        _require_admin(agent)
        reply = self._get(reply_id)

        def change() -> None:
            reply.department, reply.language = data.department, data.language
            reply.title, reply.text = data.title, data.text
            reply.updated_at = self.clock()

        self._save(change)
        return reply

    def delete(self, agent: Agent, reply_id: int) -> None:
        _require_admin(agent)
        reply = self._get(reply_id)
        with writing(self.session):
            self.session.delete(reply)

    def _get(self, reply_id: int) -> CannedReply:
        reply = self.session.get(CannedReply, reply_id)
        if reply is None:
            raise CannedReplyNotFoundError()
        return reply

    def _save(self, change: Callable[[], None]) -> None:
        try:
            with writing(self.session):
                change()
                self.session.flush()
        except IntegrityError:
            raise DuplicateCannedReplyError() from None


def _require_admin(agent: Agent) -> None:
    if not agent.is_admin:
        raise AdminOnlyError()
