"""The demo traffic generator (backoffice/analytics/demo_traffic.py): the same seed gives the
same traffic, the traffic looks like a shop's (languages, channels, departments, hours, SLA
breaches, CSAT, fallbacks, returning customers), and its events are exactly Rasa 3.6's."""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from backoffice.analytics.conversations import FALLBACK_INTENT, LOCAL_ZONE, conversations_of
from backoffice.analytics.demo_traffic import (
    CHANNEL_SHARE,
    CHANNELS,
    DEPARTMENT_AGENTS,
    DayTraffic,
    Departments,
    TrafficGenerator,
)
from backoffice.analytics.events import EXTERNAL_INTENT_PREFIX, USER, normalise
from caredesk_rules.departments import DEPARTMENT_KEYS
from devstack.processes import REPO_ROOT
from scripts.stack import RASA_PYTHON

# Monday 7 December 2026, 18:00 in Ho Chi Minh City: a fixed end, so the traffic is fixed too.
NOW = datetime(2026, 12, 7, 18, 0, tzinfo=LOCAL_ZONE)
DAYS = 7
PER_DAY = 150


def traffic(seed: int) -> list[DayTraffic]:
    generator = TrafficGenerator(seed, per_day=PER_DAY, now=NOW, departments=DEPARTMENTS)
    last = NOW.date()
    return list(generator.days(last - timedelta(days=DAYS - 1), last))


DEPARTMENTS = Departments.load()


@pytest.fixture(scope="module")
def week() -> list[DayTraffic]:
    return traffic(seed=5)


def customer_messages(week: list[DayTraffic]) -> list[dict]:
    return [
        event
        for day in week
        for event in day.events
        if event["event"] == USER
        and not event["parse_data"]["intent"]["name"].startswith(EXTERNAL_INTENT_PREFIX)
    ]


def test_the_same_seed_gives_the_same_traffic_and_another_seed_another(
    week: list[DayTraffic],
) -> None:
    again = traffic(seed=5)
    assert [day.events for day in again] == [day.events for day in week]
    assert [day.cases for day in again] == [day.cases for day in week]
    other = traffic(seed=6)
    assert [day.events for day in other] != [day.events for day in week]


def test_both_languages_every_channel_and_only_the_assistant_s_intents(
    week: list[DayTraffic],
) -> None:
    messages = customer_messages(week)
    languages = Counter(m["parse_data"]["language"] for m in messages)
    assert set(languages) == {"en", "vi"}
    assert 0.55 < languages["vi"] / len(messages) < 0.75
    assert set(CHANNEL_SHARE) == set(CHANNELS)  # the channels' own names (channels/)
    assert {m["input_channel"] for m in messages} == set(CHANNELS)
    domain: set[str] = set()
    for path in (REPO_ROOT / "domain").glob("*.yml"):
        for intent in yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or []:
            domain.add(intent if isinstance(intent, str) else next(iter(intent)))
    used = {m["parse_data"]["intent"]["name"] for m in messages}
    assert used - {FALLBACK_INTENT} <= domain
    externals = {
        e["parse_data"]["intent"]["name"]
        for day in week
        for e in day.events
        if e["event"] == USER and e["parse_data"]["intent"]["name"] not in used
    }
    assert externals and externals <= domain  # the helpdesk's EXTERNAL_ intents


def test_traffic_follows_the_hours_and_the_weekdays(week: list[DayTraffic]) -> None:
    hours = Counter(
        datetime.fromtimestamp(m["timestamp"], LOCAL_ZONE).hour for m in customer_messages(week)
    )
    assert hours[10] > 5 * hours[3] and hours[21] > 5 * hours[4]
    by_weekday = {day.day.weekday(): day.conversations for day in week[:-1]}  # today: half a day
    assert by_weekday[1] > by_weekday[6]  # Tuesday busier than Sunday


def test_every_department_escalations_mostly_in_business_hours_with_a_few_breaches(
    week: list[DayTraffic],
) -> None:
    cases = [case for day in week for case in day.cases]
    directory = DEPARTMENTS.directory
    assert {case.department for case in cases} == set(DEPARTMENT_KEYS)
    inside = [c for c in cases if directory.is_open(c.department, c.requested_at)]
    assert [c.live for c in cases] == [
        directory.is_open(c.department, c.requested_at) for c in cases
    ]
    assert len(inside) > 0.6 * len(cases)
    # Live chats: an agent claims within the wait and replies within minutes.
    claimed = [c for c in cases if c.claimed_at is not None]
    assert claimed and all(c.live for c in claimed)
    assert all(
        c.first_reply_at is not None
        and timedelta(0) < c.first_reply_at - c.requested_at < timedelta(minutes=5)
        for c in claimed
    )
    for c in claimed:  # answered by the department's own seeded agent
        agent = DEPARTMENT_AGENTS[c.department]
        assert c.agent_username == agent.username
        assert {line.author for line in c.lines if line.role == "agent"} == {agent.display_name}
    # Outside the hours: the no-agent line at once, a reply by ticket once the team is open.
    closed = [c for c in cases if not c.live and c.first_reply_at is not None]
    assert closed and all(c.no_agent_at == c.requested_at for c in closed)
    assert all(directory.is_open(c.department, c.first_reply_at) for c in closed)
    breaches = defaultdict(int)
    for c in cases:
        target = directory.get(c.department).first_response_minutes * 60
        waited = directory.open_seconds(c.department, c.requested_at, c.first_reply_at or NOW)
        breaches[c.department] += waited > target
    assert 1 <= sum(breaches.values()) < 0.15 * len(cases)
    # Every escalated conversation names its department and ticket in Rasa's slots.
    slots = {
        (e["sender_id"], e["name"], e["value"])
        for day in week
        for e in day.events
        if e["event"] == "slot"
    }
    for c in cases:
        assert (c.sender_id, "department", c.department) in slots
        assert (c.sender_id, "ticket_id", c.ticket_id) in slots


def test_csat_for_part_of_the_solved_tickets_and_a_few_hand_offs_nobody_took(
    week: list[DayTraffic],
) -> None:
    cases = [case for day in week for case in day.cases]
    scored = [c for c in cases if c.csat_score is not None]
    solved = [c for c in cases if c.solved_at is not None]
    assert scored and all(c.solved_at is not None and 1 <= c.csat_score <= 5 for c in scored)
    assert 0.25 < len(scored) / len(solved) < 0.6
    assert all(c.csat_at is not None and c.solved_at <= c.csat_at <= NOW for c in scored)
    expired = [c for c in cases if c.live and c.claimed_at is None]
    assert expired and all(
        c.no_agent_at - c.requested_at == timedelta(seconds=180) for c in expired
    )
    assert all(line.at <= NOW for c in cases for line in c.lines)


def test_recurring_misunderstood_messages_and_customers_back_within_a_day(
    week: list[DayTraffic],
) -> None:
    stored = [row for day in week for e in day.events if (row := normalise(e)) is not None]
    by_sender = defaultdict(list)
    for row in stored:
        by_sender[row.sender_id].append(row)
    conversations = [c for events in by_sender.values() for c in conversations_of(events)]
    assert len(conversations) == sum(day.conversations for day in week)
    misunderstood = Counter(text for c in conversations for text in c.fallback_texts)
    assert misunderstood.most_common(1)[0][1] >= 20
    assert any(c.last_turn_fallback for c in conversations)
    back = [
        c
        for c in conversations
        if c.next_started_at is not None
        and c.next_started_at - c.last_message_at <= timedelta(hours=24)
    ]
    assert 0.02 * len(conversations) < len(back) < 0.2 * len(conversations)


_RASA_ROUND_TRIP = r"""
import json, sys
from rasa.shared.core.events import Event
for line in sys.stdin:
    event = json.loads(line)
    sender = event.pop("sender_id")
    again = Event.from_parameters(event).as_dict()
    print(json.dumps({"sender_id": sender, **again}, sort_keys=True))
"""


def test_the_events_are_exactly_what_rasa_s_brokers_publish(week: list[DayTraffic]) -> None:
    """Each kind of event the generator writes, read by Rasa 3.6's own event classes (the
    Rasa venv) and written back as its brokers publish them: the same JSON."""
    sample: dict[tuple, dict] = {}
    for event in week[2].events:
        intent = event.get("parse_data", {}).get("intent", {}).get("name", "")
        sample.setdefault((event["event"], intent[:9] == "EXTERNAL_", event.get("name")), event)
    assert {kind for kind, _, _ in sample} == {"user", "bot", "action", "slot", "session_started"}
    lines = "".join(json.dumps(event) + "\n" for event in sample.values())
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", _RASA_ROUND_TRIP],
        input=lines.encode(),
        cwd=Path(REPO_ROOT),
        capture_output=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    again = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert again == [json.loads(json.dumps(event, sort_keys=True)) for event in sample.values()]
