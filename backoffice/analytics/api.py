"""`GET /api/v1/analytics/summary`: the KPIs (analytics/kpis.py) over a range of days, for the
dashboard and the retailer's own BI tools. An agent's bearer token of role `cco` or `admin`
(caredesk_rules.accounts.ANALYTICS_ROLES); a department agent gets 403.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from backoffice.analytics.kpis import Filters, summarise, with_previous
from backoffice.analytics.store import is_demo, load_rows
from backoffice.api.deps import SessionDep
from backoffice.api.schemas import ErrorResponse
from backoffice.core.errors import AppError, InvalidInputError
from backoffice.helpdesk.api.deps import AgentDep, DirectoryDep
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from caredesk_rules.accounts import ANALYTICS_ROLES

router = APIRouter(prefix="/analytics", tags=["analytics"])

# Longest range one request may ask for (and the previous period of the same length with it).
MAX_DAYS = 366
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHANNEL = re.compile(r"^[a-z0-9_]{1,32}$")
LANGUAGES = ("en", "vi")

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing, expired or revoked token"},
    403: {"model": ErrorResponse, "description": "The account's role is not cco or admin"},
    422: {"model": ErrorResponse, "description": "Bad dates, range or filter"},
}


class ForbiddenRoleError(AppError):
    status_code = 403
    code = "forbidden_role"
    message = "The analytics are for the cco and admin accounts."


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
    first: Annotated[str, Query(alias="from", max_length=10, description="YYYY-MM-DD")],
    last: Annotated[str, Query(alias="to", max_length=10, description="YYYY-MM-DD, inclusive")],
    department: Annotated[str | None, Query(max_length=32)] = None,
    language: Annotated[str | None, Query(max_length=2)] = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    """Conversations counted on the day of their first message; see the README's "Analytics"
    section (and analytics/kpis.py) for each definition."""
    if agent.role not in ANALYTICS_ROLES:
        raise ForbiddenRoleError()
    first_day, last_day = _day(first, "from"), _day(last, "to")
    if first_day > last_day:
        raise InvalidInputError("from must not be after to.", details={"field": "from"})
    if (last_day - first_day).days + 1 > MAX_DAYS:
        raise InvalidInputError(
            f"the range may span at most {MAX_DAYS} days.", details={"field": "to"}
        )
    filters = _filters(department, language, channel, directory.keys())
    response.headers["Cache-Control"] = "no-store"
    return summary_of(session, first_day, last_day, filters, directory)


def summary_of(
    session: Session,
    first_day: date,
    last_day: date,
    filters: Filters,
    directory: DepartmentDirectory,
) -> dict[str, Any]:
    """The route's answer for valid parameters (bench/analytics.py times this very function):
    the period's KPIs with the previous period's, and whether the figures are the demo's."""
    length = (last_day - first_day).days + 1
    rows = load_rows(session, first_day - timedelta(days=length), last_day)
    demo = is_demo(session)
    session.rollback()
    now = datetime.now(timezone.utc)
    summary = with_previous(
        lambda a, b: summarise(
            rows, first_day=a, last_day=b, filters=filters, directory=directory, now=now
        ),
        first_day,
        last_day,
    )
    # Generated traffic (python -m backoffice.analytics.demo), never a shop's real figures.
    summary["demo"] = demo
    return summary
