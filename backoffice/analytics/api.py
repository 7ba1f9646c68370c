"""The analytics API, for the dashboard and the retailer's own BI tools: `GET .../summary` (the
KPIs of analytics/kpis.py over a range of days) and the drill-down behind its figures
(`GET .../conversations`, `.../conversations.csv`, `.../conversations/{id}`). An agent's bearer
token of role `cco` or `admin` (caredesk_rules.accounts.ANALYTICS_ROLES); a department agent
gets 403. Every route takes the same days and filters, validated here once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from backoffice.analytics import transcripts
from backoffice.analytics.events import TEXT_MAX
from backoffice.analytics.export import csv_chunks
from backoffice.analytics.kpis import (
    MEASURES,
    Filters,
    Row,
    drill_down,
    message_group,
    record,
    summarise,
    with_previous,
)
from backoffice.analytics.store import load_row, load_rows
from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.errors import AppError, InvalidInputError, NotFoundError
from backoffice.helpdesk.api.deps import AgentDep, DirectoryDep
from backoffice.helpdesk.models import Agent
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from caredesk_rules.accounts import ANALYTICS_ROLES

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/analytics", tags=["analytics"])

# Longest range one request may ask for (and the previous period of the same length with it).
MAX_DAYS = 366
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHANNEL = re.compile(r"^[a-z0-9_]{1,32}$")
LANGUAGES = ("en", "vi")
# A page of the drill-down's list.
PAGE_DEFAULT = 50
PAGE_MAX = 500
OFFSET_MAX = 1_000_000
INTENT_MAX = 64  # as stored (events.py)

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing, expired or revoked token"},
    403: {"model": ErrorResponse, "description": "The account's role is not cco or admin"},
    422: {"model": ErrorResponse, "description": "Bad dates, range or filter"},
}


class ForbiddenRoleError(AppError):
    status_code = 403
    code = "forbidden_role"
    message = "The analytics are for the cco and admin accounts."


class ConversationNotFoundError(NotFoundError):
    code = "conversation_not_found"
    message = "No such conversation in the analytics."


def _require_reader(agent: Agent) -> None:
    if agent.role not in ANALYTICS_ROLES:
        raise ForbiddenRoleError()


def _day(value: str, name: str) -> date:
    if not _DAY.match(value):
        raise InvalidInputError(f"{name} must be a date as YYYY-MM-DD.", details={"field": name})
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{name} is not a real date.", details={"field": name}) from None


def _filters(
    department: str | None, language: str | None, channel: str | None, known: tuple[str, ...]
) -> Filters:
    if department and department not in known:
        raise InvalidInputError(
            "department must be one of: " + ", ".join(known), details={"field": "department"}
        )
    if language and language not in LANGUAGES:
        raise InvalidInputError("language must be en or vi.", details={"field": "language"})
    if channel and not _CHANNEL.match(channel):
        raise InvalidInputError(
            "channel must be a channel name (lower-case letters, digits, _).",
            details={"field": "channel"},
        )
    return Filters(department or None, language or None, channel or None)


def _period(first: str, last: str) -> tuple[date, date]:
    first_day, last_day = _day(first, "from"), _day(last, "to")
    if first_day > last_day:
        raise InvalidInputError("from must not be after to.", details={"field": "from"})
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise InvalidInputError(
            f"the range may span at most {MAX_DAYS} days.", details={"field": "to"}
        )
    return first_day, last_day


FromQuery = Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM-DD")]
ToQuery = Annotated[str, Query(alias="to", max_length=10, description="YYYY-MM-DD, inclusive")]
DepartmentQuery = Annotated[str | None, Query(max_length=32)]
LanguageQuery = Annotated[str | None, Query(max_length=2)]
ChannelQuery = Annotated[str | None, Query(max_length=32)]


@router.get(
    "/summary",
    responses=RESPONSES,
    summary="Every KPI over a range of days (Asia/Ho_Chi_Minh), with the previous period",
)
def analytics_summary(
    agent: AgentDep,
    session: SessionDep,
    directory: DirectoryDep,
    request: Request,
    response: Response,
    first: FromQuery,
    last: ToQuery,
    department: DepartmentQuery = None,
    language: LanguageQuery = None,
    channel: ChannelQuery = None,
) -> dict[str, Any]:
    """Conversations counted on the day of their first message; see the README's "Analytics"
    section (and analytics/kpis.py) for each definition."""
    _require_reader(agent)
    first_day, last_day = _period(first, last)
    filters = _filters(department, language, channel, directory.keys())
    length = (last_day - first_day).days + 1
    rows = load_rows(session, first_day - timedelta(days=length), last_day)
    session.rollback()
    now = datetime.now(timezone.utc)
    response.headers["Cache-Control"] = "no-store"
    return with_previous(
        lambda a, b: summarise(
            rows, first_day=a, last_day=b, filters=filters, directory=directory, now=now
        ),
        first_day,
        last_day,
    )


@dataclass(frozen=True)
class DrillDown:
    """A drill-down request, validated: which conversations, by the summary's definitions."""

    first_day: date
    last_day: date
    filters: Filters
    measure: str
    intent: str | None
    message: str | None
    directory: DepartmentDirectory
    now: datetime

    def rows(self, session: Session) -> list[Row]:
        """The matching conversations, newest first (the session's reading ended)."""
        loaded = load_rows(session, self.first_day, self.last_day)
        session.rollback()
        return drill_down(
            loaded,
            first_day=self.first_day,
            last_day=self.last_day,
            filters=self.filters,
            directory=self.directory,
            now=self.now,
            measure=self.measure,
            intent=self.intent,
            message=self.message,
        )


def drill_down_request(
    agent: AgentDep,
    directory: DirectoryDep,
    first: FromQuery,
    last: ToQuery,
    department: DepartmentQuery = None,
    language: LanguageQuery = None,
    channel: ChannelQuery = None,
    measure: Annotated[
        str, Query(max_length=16, description="Which figure: " + ", ".join(MEASURES))
    ] = "all",
    intent: Annotated[
        str | None, Query(max_length=INTENT_MAX, description="A topic of by_intent")
    ] = None,
    message: Annotated[
        str | None, Query(max_length=TEXT_MAX, description="A text of top_misunderstood")
    ] = None,
) -> DrillDown:
    _require_reader(agent)
    first_day, last_day = _period(first, last)
    filters = _filters(department, language, channel, directory.keys())
    if measure not in MEASURES:
        raise InvalidInputError(
            "measure must be one of: " + ", ".join(MEASURES), details={"field": "measure"}
        )
    if message is not None and not message_group(message):
        raise InvalidInputError(
            "message must be a misunderstood message (with words).", details={"field": "message"}
        )
    return DrillDown(
        first_day,
        last_day,
        filters,
        measure,
        intent or None,
        message,
        directory,
        datetime.now(timezone.utc),
    )


DrillDownDep = Annotated[DrillDown, Depends(drill_down_request)]
_DRILL_DOWN = "The conversations behind a summary figure"


@router.get("/conversations", responses=RESPONSES, summary=_DRILL_DOWN + ", newest first")
def analytics_conversations(
    query: DrillDownDep,
    session: SessionDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> dict[str, Any]:
    """`total` is the summary's count for the same days, filters and measure (README
    "Analytics"); each conversation is a record (analytics/kpis.py: ConversationRecord)."""
    rows = query.rows(session)
    response.headers["Cache-Control"] = "no-store"
    return {
        "total": len(rows),
        "limit": limit,
        "offset": offset,
        "measure": query.measure,
        "conversations": [
            record(row, query.directory, query.now).as_dict()
            for row in rows[offset : offset + limit]
        ],
    }


@router.get(
    "/conversations.csv",
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}}},
    response_class=StreamingResponse,
    summary=_DRILL_DOWN + ", as CSV (every row)",
)
def analytics_conversations_csv(
    query: DrillDownDep, session: SessionDep, agent: AgentDep
) -> StreamingResponse:
    """UTF-8 with a BOM for Excel, one row per conversation with every record field."""
    rows = query.rows(session)
    logger.info(
        "analytics: %s exported %d conversations (%s to %s)",
        agent.username,
        len(rows),
        query.first_day,
        query.last_day,
    )
    name = f"caredesk-conversations-{query.first_day}-{query.last_day}.csv"
    return StreamingResponse(
        csv_chunks(record(row, query.directory, query.now) for row in rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/conversations/{conversation_id}",
    responses={**RESPONSES, 404: {"model": ErrorResponse, "description": "No such conversation"}},
    summary="One conversation: its record, transcript and tickets",
)
def analytics_conversation(
    agent: AgentDep,
    session: SessionDep,
    directory: DirectoryDep,
    response: Response,
    conversation_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    """The customer's and the assistant's lines from its first message until the customer's
    next conversation, and the helpdesk's tickets of it with their own transcript."""
    _require_reader(agent)
    row = load_row(session, conversation_id)
    if row is None:
        raise ConversationNotFoundError()
    logger.info("analytics: %s read conversation %d", agent.username, conversation_id)
    detail = {
        **record(row, directory, datetime.now(timezone.utc)).as_dict(),
        "transcript": transcripts.transcript(session, row.conversation),
        "tickets": transcripts.tickets(session, row),
    }
    session.rollback()
    response.headers["Cache-Control"] = "no-store"
    return detail
