"""The KPIs of the Chief Customer Officer's dashboard: one definition each, here (the README's
"Analytics" section words the same definitions for people).

Inputs are facts, not tables: the conversations built from Rasa's events
(conversations.Conversation) and the helpdesk's cases (one ticket of a conversation with its
hand-off's times, `Case`), so each definition is tested on hand-built sequences
(tests/backoffice/analytics/test_kpis.py) and the store only has to load them.

Definitions (and where they differ from the usual ones):

- **conversation**: a run of one customer's messages with no silence over 60 minutes (Rasa's
  session expiry); counted on the Asia/Ho_Chi_Minh day of its first message.
- **ended**: 60 minutes without a customer message.
- **escalated**: the conversation asked for a person or got a ticket: a hand-off or ticket in
  the helpdesk for it, or the `department` / `ticket_id` slot set. Escalation rate =
  escalated / conversations; per department by the hand-off's (else the slot's) department.
- **contained**: ended, not escalated, and the customer did not come back within 24 hours of
  its end. Until those 24 hours have passed a conversation counts as contained unless the
  customer came back (so the last day's figure can still fall). Containment rate = contained
  / ended (not / all: an open conversation is neither).
- **abandoned**: a hand-off that expired (no agent took it) with no agent reply and no later
  customer message; or an ended conversation whose last message was a fallback.
- **fallback**: a customer message the assistant did not understand (conversations.is_fallback).
  Fallback rate = fallback messages / customer messages (per message, as Rasa's and most
  bot platforms' "fallback rate"); the top misunderstood messages are grouped by their words
  (case, diacritics, punctuation and spacing ignored).
- **first response time**: hand-off requested → the first agent message (of that ticket, after
  the request); **resolution time**: hand-off requested → resolved (the hand-off resolved or
  its ticket solved, whichever came first). Each in calendar seconds and in the department's
  business-hours seconds (departments.yml). p50 and p90 are nearest-rank percentiles (the
  smallest value with at least that share of values at or below it: always a real value).
- **SLA breach**: a hand-off whose first response took longer, in business hours, than its
  department's `first_response_minutes`; one still without a response counts once that much
  business time has passed.
- **containment per intent**: the same counts by the conversation's topic, its first intent
  that is not small talk (`topic`).
- **CSAT**: the 1-5 scores customers gave their ticket; response rate = scores / solved tickets,
  average, and the share of 4 and 5.

The drill-down lists the conversations behind a figure (`MEASURES`, `drill_down`), each as one
`ConversationRecord` (the list, the CSV export and the detail all use `record`).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from backoffice.analytics.conversations import SESSION_GAP, Conversation
from backoffice.helpdesk.services.business_hours import DepartmentDirectory
from caredesk_rules.ids import ticket_id_for
from caredesk_rules.vietnamese import fold

RETURN_WINDOW = timedelta(hours=24)
# Turns that say nothing of what the conversation is about: its topic is the first other intent.
SMALL_TALK = frozenset(
    {"greet", "goodbye", "thank_you", "affirm", "deny", "inform", "bot_challenge", "nlu_fallback"}
)
TOP_MISUNDERSTOOD = 10
# A breakdown's bucket for conversations without that fact (no topic, no channel...).
UNKNOWN = "unknown"
_NOT_WORDS = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class Case:
    """One ticket of a conversation, with its hand-off's times when a person was asked for."""

    conversation_id: str
    ticket_id: int
    department: str
    requested_at: datetime  # the hand-off's request, else the ticket's creation
    handed_off: bool  # False: a ticket only (no person was asked for live)
    first_agent_reply_at: datetime | None
    resolved_at: datetime | None
    expired_at: datetime | None  # the hand-off ended with nobody taking it (never claimed)
    solved_at: datetime | None
    csat_score: int | None


@dataclass(frozen=True)
class Filters:
    department: str | None = None
    language: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Row:
    """A conversation with its cases: what every KPI is counted on."""

    conversation: Conversation
    cases: tuple[Case, ...]

    @property
    def escalated(self) -> bool:
        c = self.conversation
        return bool(self.cases or c.department or c.ticket_id)

    @property
    def department(self) -> str | None:
        handed = [case for case in self.cases if case.handed_off] or list(self.cases)
        return handed[0].department if handed else self.conversation.department

    def ended(self, now: datetime) -> bool:
        return now - self.conversation.last_message_at >= SESSION_GAP

    def came_back(self) -> bool:
        following = self.conversation.next_started_at
        return following is not None and (
            following - self.conversation.last_message_at <= RETURN_WINDOW
        )

    def contained(self, now: datetime) -> bool:
        return self.ended(now) and not self.escalated and not self.came_back()

    def abandoned_handoff(self) -> bool:
        """A hand-off nobody took, no agent reply, and the customer wrote nothing after it."""
        return any(
            case.expired_at is not None
            and case.first_agent_reply_at is None
            and self.conversation.last_message_at <= case.expired_at
            for case in self.cases
        )

    def abandoned_after_fallback(self, now: datetime) -> bool:
        return self.ended(now) and self.conversation.last_turn_fallback

    def abandoned(self, now: datetime) -> bool:
        """Either kind of abandonment (a conversation with both counts once)."""
        return self.abandoned_handoff() or self.abandoned_after_fallback(now)


def attach_cases(conversations: Sequence[Conversation], cases: Iterable[Case]) -> list[Row]:
    """Each case goes to its customer's conversation running when it was requested (from its
    first message until the next conversation starts)."""
    by_sender: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_sender[case.conversation_id].append(case)
    rows = []
    for conversation in conversations:
        start = conversation.started_at - timedelta(minutes=1)  # clocks of two processes
        end = conversation.next_started_at
        mine = tuple(
            sorted(
                (
                    case
                    for case in by_sender.get(conversation.sender_id, ())
                    if start <= case.requested_at and (end is None or case.requested_at < end)
                ),
                key=lambda case: case.requested_at,
            )
        )
        rows.append(Row(conversation, mine))
    return rows


def topic(conversation: Conversation) -> str | None:
    """What the conversation was about, for containment per intent: its first intent that is
    not small talk (a greeting, thanks, yes/no, a fallback)."""
    return next((i for i in conversation.intents if i and i not in SMALL_TALK), None)


def matches(row: Row, filters: Filters) -> bool:
    c = row.conversation
    if filters.language and c.language != filters.language:
        return False
    if filters.channel and c.channel != filters.channel:
        return False
    # Only escalated conversations belong to a department.
    return not filters.department or row.department == filters.department


def in_period(rows: Iterable[Row], first_day: date, last_day: date, filters: Filters) -> list[Row]:
    """The conversations of [first_day, last_day] (local days) that match the filters."""
    return [
        row
        for row in rows
        if first_day <= row.conversation.day <= last_day and matches(row, filters)
    ]


def cases_of(row: Row, filters: Filters) -> list[Case]:
    """A conversation's cases counted under these filters: with `department=`, only that
    department's hand-offs and tickets."""
    return [
        case
        for case in row.cases
        if not filters.department or case.department == filters.department
    ]


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (`share` in 0-100]: the smallest value with at least `share`
    percent of the values at or below it; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share / 100 * len(ordered)))
    return ordered[rank - 1]


def _spread(values: Sequence[float]) -> dict[str, Any]:
    return {"count": len(values), "p50": percentile(values, 50), "p90": percentile(values, 90)}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def message_group(text: str) -> str:
    """How misunderstood messages are grouped: words only, folded (no case, no diacritics)."""
    return " ".join(_NOT_WORDS.sub(" ", fold(text)).split())


@dataclass(frozen=True)
class Timing:
    """One hand-off's times, calendar and business-hours seconds."""

    department: str
    first_response: float | None
    first_response_business: float | None
    resolution: float | None
    resolution_business: float | None
    sla_breached: bool


def _timing_figures(timings: Sequence[Timing]) -> dict[str, Any]:
    """First response and resolution (p50, p90; calendar and business hours) and SLA breaches
    of some hand-offs: the same figures for all of them and for each department."""

    def spread(field: str) -> dict[str, Any]:
        return _spread([v for t in timings if (v := getattr(t, field)) is not None])

    return {
        "first_response_seconds": spread("first_response"),
        "first_response_business_seconds": spread("first_response_business"),
        "resolution_seconds": spread("resolution"),
        "resolution_business_seconds": spread("resolution_business"),
        "sla_breaches": sum(t.sla_breached for t in timings),
    }


def timing(case: Case, directory: DepartmentDirectory, now: datetime) -> Timing:
    known = case.department in directory

    def business(end: datetime | None) -> float | None:
        if end is None or not known:
            return None
        return directory.open_seconds(case.department, case.requested_at, end)

    reply = case.first_agent_reply_at
    resolved = case.resolved_at
    if case.solved_at is not None and (resolved is None or case.solved_at < resolved):
        resolved = case.solved_at
    breached = False
    if known:
        target = directory.get(case.department).first_response_minutes * 60
        waited = business(reply if reply is not None else now)
        breached = waited is not None and waited > target
    return Timing(
        case.department,
        (reply - case.requested_at).total_seconds() if reply else None,
        business(reply),
        (resolved - case.requested_at).total_seconds() if resolved else None,
        business(resolved),
        breached,
    )


def summarise(
    rows: Sequence[Row],
    *,
    first_day: date,
    last_day: date,
    filters: Filters,
    directory: DepartmentDirectory,
    now: datetime,
) -> dict[str, Any]:
    """Every KPI over the conversations of [first_day, last_day] (local days) that match."""
    chosen = in_period(rows, first_day, last_day, filters)
    conversations = len(chosen)
    ended = [row for row in chosen if row.ended(now)]
    contained = [row for row in ended if row.contained(now)]
    escalated = [row for row in chosen if row.escalated]
    messages = sum(row.conversation.messages for row in chosen)
    fallbacks = sum(row.conversation.fallbacks for row in chosen)
    abandoned = sum(1 for row in chosen if row.abandoned(now))
    abandoned_handoffs = sum(1 for row in chosen if row.abandoned_handoff())
    abandoned_fallback = sum(1 for row in chosen if row.abandoned_after_fallback(now))

    by_department: dict[str, int] = dict.fromkeys(directory.keys(), 0)
    for row in escalated:
        key = row.department or UNKNOWN
        by_department[key] = by_department.get(key, 0) + 1

    tickets = [case for row in chosen for case in cases_of(row, filters)]
    handoffs = [case for case in tickets if case.handed_off]
    timings = [timing(case, directory, now) for case in handoffs]
    scores = [case.csat_score for case in tickets if case.csat_score is not None]
    solved = sum(1 for case in tickets if case.solved_at is not None)

    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for row in chosen:
        for text in row.conversation.fallback_texts:
            group = message_group(text)
            if group:
                groups[group][text.strip()] += 1
    top = sorted(groups.values(), key=lambda forms: (-sum(forms.values()), forms.most_common(1)))
    misunderstood = [
        {"text": forms.most_common(1)[0][0], "count": sum(forms.values())}
        for forms in top[:TOP_MISUNDERSTOOD]
    ]

    def breakdown(key: Callable[[Row], str | None]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in chosen:
            bucket = out.setdefault(
                key(row) or UNKNOWN,
                {"conversations": 0, "ended": 0, "contained": 0, "escalations": 0},
            )
            bucket["conversations"] += 1
            bucket["ended"] += int(row.ended(now))  # containment's denominator, as the card's
            bucket["contained"] += int(row.contained(now))
            bucket["escalations"] += int(row.escalated)
        return out

    per_department: dict[str, dict[str, Any]] = {}
    for key in sorted({t.department for t in timings}):
        mine = [t for t in timings if t.department == key]
        per_department[key] = {
            "handoffs": len(mine),
            **_timing_figures(mine),
            "first_response_target_minutes": (
                directory.get(key).first_response_minutes if key in directory else None
            ),
        }

    daily = []
    day = first_day
    while day <= last_day:
        today = [row for row in chosen if row.conversation.day == day]
        daily.append(
            {
                "day": day.isoformat(),
                "conversations": len(today),
                "contained": sum(row.contained(now) for row in today),
                "escalations": sum(row.escalated for row in today),
                "fallbacks": sum(row.conversation.fallbacks for row in today),
            }
        )
        day += timedelta(days=1)

    return {
        "from": first_day.isoformat(),
        "to": last_day.isoformat(),
        "filters": {
            "department": filters.department,
            "language": filters.language,
            "channel": filters.channel,
        },
        "conversations": conversations,
        "ended": len(ended),
        "contained": len(contained),
        "containment_rate": _rate(len(contained), len(ended)),
        "escalations": len(escalated),
        "escalation_rate": _rate(len(escalated), conversations),
        "escalations_by_department": by_department,
        "abandoned": abandoned,
        "abandoned_handoffs": abandoned_handoffs,
        "abandoned_after_fallback": abandoned_fallback,
        "abandonment_rate": _rate(abandoned, conversations),
        "messages": messages,
        "fallbacks": fallbacks,
        "fallback_conversations": sum(1 for row in chosen if row.conversation.fallbacks),
        "fallback_rate": _rate(fallbacks, messages),
        "top_misunderstood": misunderstood,
        "handoffs": len(handoffs),
        **_timing_figures(timings),
        "by_department": per_department,
        "csat": {
            "responses": len(scores),
            "solved_tickets": solved,
            "response_rate": _rate(len(scores), solved),
            "average": round(sum(scores) / len(scores), 2) if scores else None,
            "share_4_5": _rate(sum(1 for s in scores if s >= 4), len(scores)),
        },
        "by_language": breakdown(lambda row: row.conversation.language),
        "by_channel": breakdown(lambda row: row.conversation.channel),
        "by_intent": breakdown(lambda row: topic(row.conversation)),
        "daily": daily,
    }


def with_previous(
    summary: Callable[[date, date], dict[str, Any]], first_day: date, last_day: date
) -> dict[str, Any]:
    """The period's summary with the one just before it, of the same length, under
    `previous` (its own `daily` left out), so every figure can show its change."""
    length = (last_day - first_day).days + 1
    current = summary(first_day, last_day)
    before = summary(first_day - timedelta(days=length), first_day - timedelta(days=1))
    before.pop("daily", None)
    current["previous"] = before
    return current


# -- the drill-down: the conversations behind a figure --------------------------------------


def _sla_breached(
    row: Row, filters: Filters, directory: DepartmentDirectory, now: datetime
) -> bool:
    return any(
        timing(case, directory, now).sla_breached
        for case in cases_of(row, filters)
        if case.handed_off
    )


# Which conversations each summary figure counts: all (`conversations`), contained, escalated
# (`escalations`), abandoned, fallback (`fallback_conversations`), handoff (`handoffs`),
# sla_breached (`sla_breaches`), csat (`csat.responses`), not_contained (`ended` - `contained`).
# `handoffs`, `sla_breaches` and `csat.responses` count hand-offs and tickets: a conversation
# with two of them counts twice there and is listed once here.
_MEASURES: dict[str, Callable[[Row, Filters, DepartmentDirectory, datetime], bool]] = {
    "all": lambda row, f, d, now: True,
    "contained": lambda row, f, d, now: row.contained(now),
    "escalated": lambda row, f, d, now: row.escalated,
    "abandoned": lambda row, f, d, now: row.abandoned(now),
    "fallback": lambda row, f, d, now: row.conversation.fallbacks > 0,
    "handoff": lambda row, f, d, now: any(c.handed_off for c in cases_of(row, f)),
    "sla_breached": _sla_breached,
    "csat": lambda row, f, d, now: any(c.csat_score is not None for c in cases_of(row, f)),
    "not_contained": lambda row, f, d, now: row.ended(now) and not row.contained(now),
}
MEASURES = tuple(_MEASURES)


def drill_down(
    rows: Sequence[Row],
    *,
    first_day: date,
    last_day: date,
    filters: Filters,
    directory: DepartmentDirectory,
    now: datetime,
    measure: str = "all",
    intent: str | None = None,
    message: str | None = None,
) -> list[Row]:
    """The conversations a summary figure counts over the same days and filters, newest first:
    `measure` (MEASURES), `intent` a topic of `by_intent` (UNKNOWN: none), `message` a text of
    `top_misunderstood` (a conversation with a fallback in its group)."""
    counted = _MEASURES[measure]
    group = message_group(message) if message is not None else None
    found = [
        row
        for row in in_period(rows, first_day, last_day, filters)
        if counted(row, filters, directory, now)
        and (intent is None or (topic(row.conversation) or UNKNOWN) == intent)
        and (
            group is None
            or any(message_group(text) == group for text in row.conversation.fallback_texts)
        )
    ]
    return sorted(
        found, key=lambda row: (row.conversation.started_at, row.conversation.id or 0), reverse=True
    )


def iso_utc(moment: datetime) -> str:
    """A time as the analytics API writes it: ISO 8601 in UTC."""
    return moment.astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class ConversationRecord:
    """One conversation as the drill-down lists and exports it (the CSV's columns, in order)."""

    id: int | None
    sender_id: str
    started_at: str  # ISO 8601, UTC
    last_message_at: str
    day: str  # YYYY-MM-DD, Asia/Ho_Chi_Minh
    language: str | None
    channel: str | None
    topic: str | None
    messages: int
    fallbacks: int
    ended: bool
    contained: bool
    escalated: bool
    abandoned: bool
    department: str | None
    ticket_ids: tuple[str, ...]
    first_response_seconds: float | None  # of its first hand-off
    first_response_business_seconds: float | None
    resolution_seconds: float | None
    resolution_business_seconds: float | None
    sla_breached: bool  # any of its hand-offs
    csat_score: int | None  # its latest ticket's score

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ticket_ids": list(self.ticket_ids)}


def record(row: Row, directory: DepartmentDirectory, now: datetime) -> ConversationRecord:
    """A conversation's facts by the same definitions as summarise (its own, whatever the
    filters: with `department=` the record still shows all its hand-offs)."""
    c = row.conversation
    timings = [timing(case, directory, now) for case in row.cases if case.handed_off]
    first = timings[0] if timings else None
    scores = [case.csat_score for case in row.cases if case.csat_score is not None]
    return ConversationRecord(
        id=c.id,
        sender_id=c.sender_id,
        started_at=iso_utc(c.started_at),
        last_message_at=iso_utc(c.last_message_at),
        day=c.day.isoformat(),
        language=c.language,
        channel=c.channel,
        topic=topic(c),
        messages=c.messages,
        fallbacks=c.fallbacks,
        ended=row.ended(now),
        contained=row.contained(now),
        escalated=row.escalated,
        abandoned=row.abandoned(now),
        department=row.department,
        ticket_ids=tuple(ticket_id_for(case.ticket_id) for case in row.cases),
        first_response_seconds=first.first_response if first else None,
        first_response_business_seconds=first.first_response_business if first else None,
        resolution_seconds=first.resolution if first else None,
        resolution_business_seconds=first.resolution_business if first else None,
        sla_breached=any(t.sla_breached for t in timings),
        csat_score=scores[-1] if scores else None,
    )
