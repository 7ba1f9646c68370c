"""Agents' presence: online, away or offline, from the open console's heartbeat.

The one home for the presence timeout: an agent whose console has not sent a heartbeat for
`PRESENCE_TIMEOUT` is offline (the tab was closed, the laptop went to sleep); the console is
told to beat every `HEARTBEAT_INTERVAL` (a third of it, so one lost beat does not count).
"Away" is the agent's own toggle. The hand-off asks `anyone_online` before promising a person
(services/handoffs.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.core.unit_of_work import utcnow, writing
from backoffice.helpdesk.models import Agent
from caredesk_rules.accounts import CCO

PRESENCE_TIMEOUT = timedelta(seconds=60)
HEARTBEAT_INTERVAL = PRESENCE_TIMEOUT / 3

Presence = Literal["online", "away", "offline"]
PRESENCES: tuple[Presence, ...] = ("online", "away", "offline")


def presence_of(agent: Agent, now: datetime) -> Presence:
    seen = agent.last_seen_at
    if seen is None or now - seen >= PRESENCE_TIMEOUT:
        return "offline"
    return "away" if agent.away else "online"


@dataclass(frozen=True)
class AgentPresence:
    agent: Agent
    presence: Presence


class PresenceService:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    def heartbeat(self, agent: Agent, away: bool | None = None) -> Presence:
        """The console is open (and, when given, the agent's away toggle)."""
        with writing(self.session):
            agent.last_seen_at = self.clock()
            if away is not None:
                agent.away = away
        return presence_of(agent, self.clock())

    def sign_off(self, agent: Agent) -> None:
        """Signed out: offline at once, not after the timeout."""
        with writing(self.session):
            agent.last_seen_at = None
            agent.away = False

    def agents(self, departments: Sequence[str] | None) -> list[AgentPresence]:
        """Active agents of these departments (None: all, admins included), by name; the
        analytics' readers (role cco) take no conversations, so they are nobody's colleague."""
        now = self.clock()
        rows = self.session.execute(
            select(Agent)
            .where(Agent.active.is_(True), Agent.role != CCO)
            .order_by(Agent.display_name)
        ).scalars()
        wanted = None if departments is None else set(departments)
        return [
            AgentPresence(agent, presence_of(agent, now))
            for agent in rows
            if wanted is None or wanted & set(agent.departments or [])
        ]

    def anyone_online(self, department: str) -> bool:
        """Someone of the department could take a hand-off now (online, not away)."""
        return any(p.presence == "online" for p in self.agents([department]))
