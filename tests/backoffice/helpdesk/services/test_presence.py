"""Agents' presence from the console's heartbeat, and the hand-off that promises a person only
when someone of the department is online (in-process: the world of conftest.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backoffice.helpdesk.models import Agent, Ticket, TicketMessage
from backoffice.helpdesk.services.presence import HEARTBEAT_INTERVAL, PRESENCE_TIMEOUT
from tests.backoffice.helpdesk.services.conftest import NOW, World, request


def beat(world: World, username: str, away: bool | None = None) -> str:
    presence = world.presence()
    agent = presence.session.execute(select(Agent).where(Agent.username == username)).scalar_one()
    return presence.heartbeat(agent, away)


def presences(world: World, departments: list[str] | None) -> dict[str, str]:
    return {p.agent.username: p.presence for p in world.presence().agents(departments)}


def test_presence_follows_the_heartbeat_and_expires_after_the_timeout(world: World) -> None:
    assert HEARTBEAT_INTERVAL * 3 == PRESENCE_TIMEOUT  # a lost beat is not "offline"
    assert presences(world, ["billing"]) == {"billing": "offline"}  # never opened the console
    assert beat(world, "billing") == "online"
    world.clock[0] = NOW + PRESENCE_TIMEOUT - timedelta(seconds=1)
    assert presences(world, ["billing"]) == {"billing": "online"}
    world.clock[0] = NOW + PRESENCE_TIMEOUT
    assert presences(world, ["billing"]) == {"billing": "offline"}
    assert beat(world, "billing", away=True) == "away"
    assert beat(world, "billing") == "away"  # a heartbeat alone keeps the toggle
    assert beat(world, "billing", away=False) == "online"


def test_signing_off_is_offline_at_once(world: World) -> None:
    beat(world, "sales")
    presence = world.presence()
    agent = presence.session.execute(select(Agent).where(Agent.username == "sales")).scalar_one()
    presence.sign_off(agent)
    assert presences(world, ["sales"]) == {"sales": "offline"}


def test_who_is_listed_per_department(world: World) -> None:
    beat(world, "logistics")
    beat(world, "admin")
    assert presences(world, ["logistics"]) == {"logistics": "online"}
    everyone = presences(world, None)
    assert everyone["admin"] == "online" and everyone["billing"] == "offline"
    assert len(everyone) == 8  # the seven departments' agents and the admin
    assert world.presence().anyone_online("logistics")
    assert not world.presence().anyone_online("billing")
    assert not world.presence().anyone_online("customer_support")  # the admin is no team


def system_lines(world: World, conversation_id: str) -> list[tuple[str | None, dict]]:
    with world.session() as session:
        rows = session.execute(
            select(TicketMessage)
            .join(Ticket, TicketMessage.ticket_id == Ticket.id)
            .where(TicketMessage.role == "system", Ticket.conversation_id == conversation_id)
            .order_by(TicketMessage.id)
        )
        return [(m.event, m.event_data or {}) for m in rows.scalars()]


def test_open_but_nobody_online_tells_the_customer_honestly(world: World) -> None:
    handoffs = world.handoffs(needs_agent_online=True)
    result = handoffs.request(request("p-1", language="vi"))
    assert result.handoff.state == "bot"  # no person promised
    assert result.within_business_hours
    assert result.expected_reply.vi == "trước 10:30 hôm nay"  # 30 open minutes from now
    [(_, intent, entities)] = world.events("p-1")
    assert intent == "EXTERNAL_no_agent_available"
    assert entities["ticket_id"] == result.ticket.public_id
    assert entities["expected_reply"] == "trước 10:30 hôm nay"
    # The transcript says why, and never that a person would reply.
    [(event, data)] = system_lines(world, "p-1")
    assert event == "no_agent" and data["reason"] == "nobody_online"


def test_someone_online_gets_the_hand_off_and_away_or_silent_does_not(world: World) -> None:
    beat(world, "billing")
    assert world.handoffs(needs_agent_online=True).request(request("p-2")).handoff.state == (
        "waiting"
    )
    beat(world, "billing", away=True)
    assert world.handoffs(needs_agent_online=True).request(request("p-3")).handoff.state == "bot"
    beat(world, "billing", away=False)
    world.clock[0] = NOW + PRESENCE_TIMEOUT  # the console went quiet
    assert world.handoffs(needs_agent_online=True).request(request("p-4")).handoff.state == "bot"
    # Another department's agent online does not count for billing.
    beat(world, "sales")
    assert world.handoffs(needs_agent_online=True).request(request("p-5")).handoff.state == "bot"


def test_closed_stays_closed_and_a_transfer_to_an_empty_team_is_told(world: World) -> None:
    closed = world.handoffs(needs_agent_online=True).request(request("p-6", "marketing"))
    assert closed.handoff.state == "bot"
    beat(world, "billing")
    handoffs = world.handoffs(needs_agent_online=True)
    handoffs.request(request("p-7"))
    billing = world.agent("billing")
    world.handoffs(needs_agent_online=True).claim(billing, "p-7")
    world.handoffs(needs_agent_online=True).transfer(billing, "p-7", "technical")
    assert world.state("p-7") == "bot"
    assert [intent for _, intent, _ in world.events("p-7")][-1] == "EXTERNAL_no_agent_available"
    assert system_lines(world, "p-6")[-1][1]["reason"] == "closed"
    assert system_lines(world, "p-7")[-1][1]["reason"] == "nobody_online"


def test_without_the_rule_a_hand_off_waits_as_before(world: World) -> None:
    assert world.handoffs().request(request("p-8")).handoff.state == "waiting"
