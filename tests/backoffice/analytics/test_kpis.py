"""The KPI definitions (backoffice/analytics/kpis.py) on hand-built event sequences: Rasa's
events as its brokers publish them, cut into conversations, joined with helpdesk cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from backoffice.analytics.conversations import conversations_of
from backoffice.analytics.events import BOT, normalise
from backoffice.analytics.kpis import (
    MEASURES,
    Case,
    Filters,
    attach_cases,
    drill_down,
    message_group,
    percentile,
    record,
    summarise,
    with_previous,
)
from backoffice.helpdesk.services.business_hours import (
    Department,
    DepartmentDirectory,
    WeeklySchedule,
)
from tests.backoffice.analytics.measures import FIGURES

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 7 December 2026, 09:00 in Ho Chi Minh City.
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=HCM)
DAY = MONDAY_9.date()
LATER = MONDAY_9 + timedelta(days=3)  # every conversation of the day has ended by then


def directory() -> DepartmentDirectory:
    """Billing open 08:00-17:00 Monday to Friday, first response within 30 minutes; logistics
    around the clock, 60 minutes."""
    office = WeeklySchedule.from_hours({day: (8 * 60, 17 * 60) for day in range(5)})
    always = WeeklySchedule.from_hours({day: (0, 24 * 60) for day in range(7)})
    return DepartmentDirectory(
        {
            "billing": Department("billing", "Billing", "Thanh toán", office, 30),
            "logistics": Department("logistics", "Logistics", "Vận chuyển", always, 60),
        },
        HCM,
        "test",
    )


class Chat:
    """Rasa's broker events for one customer, written turn by turn."""

    def __init__(self, sender: str, channel: str = "rest") -> None:
        self.sender = sender
        self.channel = channel
        self.events: list[dict] = []

    def _add(self, at: datetime, **event: object) -> None:
        self.events.append({"sender_id": self.sender, "timestamp": at.timestamp(), **event})

    def says(
        self, at: datetime, text: str, intent: str, language: str = "en", fallback: bool = False
    ) -> Chat:
        self._add(
            at,
            event="user",
            text=text,
            input_channel=self.channel,
            parse_data={
                "intent": {"name": intent, "confidence": 0.3 if fallback else 0.95},
                "language": language,
            },
        )
        self._add(at + timedelta(seconds=1), event="action", name="action_listen")
        if fallback:
            self._add(at + timedelta(seconds=1), event="action", name="action_default_fallback")
        self._add(at + timedelta(seconds=1), event="bot", text="...")
        return self

    def slot(self, at: datetime, name: str, value: object) -> Chat:
        self._add(at, event="slot", name=name, value=value)
        return self


def rows_of(*chats: Chat, cases: tuple[Case, ...] = ()) -> list:
    conversations = []
    for chat in chats:
        stored = [row for event in chat.events if (row := normalise(event)) is not None]
        conversations.extend(conversations_of(stored))
    return attach_cases(conversations, cases)


def summary(rows: list, now: datetime = LATER, **filters: str) -> dict:
    return summarise(
        rows,
        first_day=DAY,
        last_day=DAY,
        filters=Filters(**filters),
        directory=directory(),
        now=now.astimezone(timezone.utc),
    )


def handoff(
    sender: str,
    requested: datetime,
    department: str = "billing",
    *,
    reply: datetime | None = None,
    resolved: datetime | None = None,
    expired: datetime | None = None,
    csat: int | None = None,
    ticket: int = 1,
) -> Case:
    return Case(
        conversation_id=sender,
        ticket_id=ticket,
        department=department,
        requested_at=requested,
        handed_off=True,
        first_agent_reply_at=reply,
        resolved_at=resolved,
        expired_at=expired,
        solved_at=resolved,
        csat_score=csat,
    )


def test_a_conversation_answered_by_the_assistant_is_contained_once_it_ended() -> None:
    chat = Chat("contained").says(MONDAY_9, "how much is shipping", "delivery_options")
    chat.says(MONDAY_9 + timedelta(minutes=2), "thanks", "thank_you")
    rows = rows_of(chat)
    ended = summary(rows)
    assert ended["conversations"] == 1 and ended["ended"] == 1
    assert ended["contained"] == 1 and ended["containment_rate"] == 1.0
    assert ended["escalations"] == 0 and ended["escalation_rate"] == 0.0
    # 30 minutes after its last message it has not ended: neither contained nor not.
    still_open = summary(rows, now=MONDAY_9 + timedelta(minutes=32))
    assert still_open["conversations"] == 1 and still_open["ended"] == 0
    assert still_open["contained"] == 0 and still_open["containment_rate"] is None


def test_a_customer_who_comes_back_within_a_day_was_not_contained() -> None:
    chat = Chat("back").says(MONDAY_9, "where is my order", "track_order")
    chat.says(MONDAY_9 + timedelta(hours=5), "still no parcel", "track_order")  # a new one
    chat.says(MONDAY_9 + timedelta(days=2), "ok got it", "thank_you")  # after 24 h: separate
    rows = rows_of(chat)
    assert [r.conversation.day for r in rows] == [DAY, DAY, DAY + timedelta(days=2)]
    first_day = summary(rows, now=MONDAY_9 + timedelta(days=4))
    assert first_day["conversations"] == 2
    # The first came back 5 hours later; the second did not within 24 hours.
    assert first_day["contained"] == 1 and first_day["containment_rate"] == 0.5


def test_a_hand_off_is_an_escalation_of_its_department_with_its_times() -> None:
    chat = Chat("escalated").says(MONDAY_9, "I was charged twice", "payment_issue")
    chat.slot(MONDAY_9 + timedelta(seconds=2), "department", "billing")
    chat.slot(MONDAY_9 + timedelta(seconds=2), "ticket_id", "TCK-000001")
    case = handoff(
        "escalated",
        MONDAY_9 + timedelta(seconds=2),
        reply=MONDAY_9 + timedelta(seconds=2, minutes=10),
        resolved=MONDAY_9 + timedelta(seconds=2, hours=2),
        csat=5,
    )
    result = summary(rows_of(chat, cases=(case,)))
    assert result["escalations"] == 1 and result["contained"] == 0
    assert result["escalations_by_department"] == {"billing": 1, "logistics": 0}
    assert result["first_response_seconds"]["p50"] == 600
    assert result["resolution_seconds"]["p50"] == 7200
    assert result["sla_breaches"] == 0
    assert result["csat"] == {
        "responses": 1,
        "solved_tickets": 1,
        "response_rate": 1.0,
        "average": 5.0,
        "share_4_5": 1.0,
    }
    assert result["by_department"]["billing"]["handoffs"] == 1


def test_the_slot_alone_marks_an_escalation_when_the_helpdesk_has_no_case() -> None:
    chat = Chat("slot-only").says(MONDAY_9, "parcel lost", "report_delivery_problem")
    chat.slot(MONDAY_9 + timedelta(seconds=2), "department", "logistics")
    chat.slot(MONDAY_9 + timedelta(minutes=20), "department", None)  # the hand-off is over
    result = summary(rows_of(chat))
    assert result["escalations"] == 1
    assert result["escalations_by_department"]["logistics"] == 1


def test_business_hours_leave_the_night_out_and_a_slow_first_reply_breaches_the_target() -> None:
    # Asked at 16:50 on Monday; billing closes at 17:00 and opens at 8:00: the agent answers
    # at 8:25 on Tuesday, 35 minutes of opening time (target 30) and 15 h 35 min of calendar.
    asked = MONDAY_9.replace(hour=16, minute=50)
    chat = Chat("evening").says(asked, "refund please", "get_refund")
    case = handoff("evening", asked, reply=asked + timedelta(hours=15, minutes=35))
    result = summary(rows_of(chat, cases=(case,)))
    assert result["first_response_seconds"]["p50"] == (15 * 60 + 35) * 60
    assert result["first_response_business_seconds"]["p50"] == 35 * 60
    assert result["sla_breaches"] == 1
    assert result["by_department"]["billing"]["sla_breaches"] == 1
    assert result["by_department"]["billing"]["first_response_target_minutes"] == 30


def test_a_hand_off_still_unanswered_breaches_once_the_target_has_passed() -> None:
    chat = Chat("waiting").says(MONDAY_9, "refund please", "get_refund")
    case = handoff("waiting", MONDAY_9)
    assert (
        summary(rows_of(chat, cases=(case,)), now=MONDAY_9 + timedelta(minutes=20))["sla_breaches"]
        == 0
    )
    assert (
        summary(rows_of(chat, cases=(case,)), now=MONDAY_9 + timedelta(minutes=31))["sla_breaches"]
        == 1
    )


def test_abandonment_a_hand_off_nobody_took_and_a_last_turn_the_assistant_missed() -> None:
    gave_up = Chat("gave-up").says(MONDAY_9, "I want a person", "contact_human_agent")
    expired = handoff("gave-up", MONDAY_9, expired=MONDAY_9 + timedelta(minutes=3))
    # Wrote again after the hand-off expired: not abandoned.
    stayed = Chat("stayed").says(MONDAY_9, "I want a person", "contact_human_agent")
    stayed.says(MONDAY_9 + timedelta(minutes=5), "ok then, my order?", "track_order")
    also_expired = handoff("stayed", MONDAY_9, expired=MONDAY_9 + timedelta(minutes=3), ticket=2)
    lost = Chat("lost").says(MONDAY_9, "where is my stuff", "track_order")
    lost.says(MONDAY_9 + timedelta(minutes=1), "blorp the zorp", "nlu_fallback", fallback=True)
    result = summary(rows_of(gave_up, stayed, lost, cases=(expired, also_expired)))
    assert result["abandoned_handoffs"] == 1
    assert result["abandoned_after_fallback"] == 1
    assert result["abandoned"] == 2
    assert result["abandonment_rate"] == round(2 / 3, 4)


def test_a_conversation_abandoned_both_ways_is_one_abandoned_conversation() -> None:
    chat = Chat("both").says(MONDAY_9, "a person please", "contact_human_agent")
    chat.says(MONDAY_9 + timedelta(minutes=1), "blorp zorp", "nlu_fallback", fallback=True)
    expired = handoff("both", MONDAY_9, expired=MONDAY_9 + timedelta(minutes=4))
    result = summary(rows_of(chat, cases=(expired,)))
    assert (result["abandoned_handoffs"], result["abandoned_after_fallback"]) == (1, 1)
    assert result["abandoned"] == 1 and result["abandonment_rate"] == 1.0


def test_fallback_rate_is_per_message_and_the_misunderstood_words_are_grouped() -> None:
    first = Chat("f1").says(MONDAY_9, "Blorp the ZORP!", "nlu_fallback", fallback=True)
    first.says(MONDAY_9 + timedelta(minutes=1), "where is my order", "track_order")
    second = Chat("f2").says(MONDAY_9, "blorp the zorp", "greet", fallback=True)  # the action
    second.says(MONDAY_9 + timedelta(minutes=1), "giá ship bao nhiêu", "delivery_options", "vi")
    third = Chat("f3").says(MONDAY_9, "gia ship bao nhieu???", "nlu_fallback", "vi", fallback=True)
    result = summary(rows_of(first, second, third))
    assert result["messages"] == 5 and result["fallbacks"] == 3
    assert result["fallback_rate"] == 0.6
    assert result["top_misunderstood"] == [
        {"text": "Blorp the ZORP!", "count": 2},
        {"text": "gia ship bao nhieu???", "count": 1},
    ]
    assert message_group("Giá SHIP bao nhiêu???") == "gia ship bao nhieu"


def test_filters_and_the_breakdowns_by_language_and_channel() -> None:
    english = Chat("en-rest").says(MONDAY_9, "hello", "greet", "en")
    vietnamese = Chat("vi-socket", channel="socketio").says(MONDAY_9, "xin chào", "greet", "vi")
    vietnamese.slot(MONDAY_9 + timedelta(seconds=1), "language", "vi")
    billing = Chat("billing", channel="socketio").says(MONDAY_9, "refund", "get_refund", "vi")
    case = handoff(
        "billing", MONDAY_9 + timedelta(seconds=2), reply=MONDAY_9 + timedelta(minutes=5)
    )
    rows = rows_of(english, vietnamese, billing, cases=(case,))
    everything = summary(rows)
    assert everything["by_language"] == {
        "en": {"conversations": 1, "ended": 1, "contained": 1, "escalations": 0},
        "vi": {"conversations": 2, "ended": 2, "contained": 1, "escalations": 1},
    }
    assert everything["by_channel"]["socketio"]["conversations"] == 2
    assert everything["by_intent"] == {
        "unknown": {"conversations": 2, "ended": 2, "contained": 2, "escalations": 0},  # greetings
        "get_refund": {"conversations": 1, "ended": 1, "contained": 0, "escalations": 1},
    }
    assert summary(rows, language="vi")["conversations"] == 2
    assert summary(rows, channel="rest")["conversations"] == 1
    only_billing = summary(rows, department="billing")
    assert only_billing["conversations"] == 1 and only_billing["escalations"] == 1
    assert summary(rows, department="logistics")["conversations"] == 0


def test_the_previous_period_is_the_same_length_just_before() -> None:
    earlier = Chat("earlier").says(MONDAY_9 - timedelta(days=2), "hi", "greet")
    now = Chat("now").says(MONDAY_9, "hi", "greet")
    rows = rows_of(earlier, now)

    def run(first: date, last: date) -> dict:
        return summarise(
            rows,
            first_day=first,
            last_day=last,
            filters=Filters(),
            directory=directory(),
            now=LATER,
        )

    result = with_previous(run, DAY - timedelta(days=1), DAY)
    assert result["conversations"] == 1
    assert result["previous"]["from"] == (DAY - timedelta(days=3)).isoformat()
    assert result["previous"]["conversations"] == 1
    assert [d["conversations"] for d in result["daily"]] == [0, 1]


def test_a_conversation_counts_on_its_local_day() -> None:
    # 23:30 on 6 December in UTC is 06:30 on 7 December in Ho Chi Minh City.
    late = datetime(2026, 12, 6, 23, 30, tzinfo=timezone.utc)
    rows = rows_of(Chat("late").says(late, "hi", "greet"))
    assert rows[0].conversation.day == DAY
    assert summary(rows)["conversations"] == 1


def test_the_helpdesk_s_own_messages_through_rasa_are_not_the_customer_s() -> None:
    chat = Chat("with-agent").says(MONDAY_9, "refund", "get_refund")
    chat.events.append(
        {
            "sender_id": "with-agent",
            "timestamp": (MONDAY_9 + timedelta(minutes=3)).timestamp(),
            "event": "user",
            "text": "/EXTERNAL_agent_message",
            "parse_data": {"intent": {"name": "EXTERNAL_agent_message", "confidence": 1.0}},
        }
    )
    assert summary(rows_of(chat))["messages"] == 1


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [
        ([], None, None),
        ([7.0], 7.0, 7.0),
        ([1.0, 2.0], 1.0, 2.0),
        ([float(v) for v in range(1, 11)], 5.0, 9.0),
        ([float(v) for v in range(10, 0, -1)] + [100.0], 6.0, 10.0),
    ],
)
def test_percentiles_are_nearest_rank(values: list[float], p50: float, p90: float) -> None:
    assert percentile(values, 50) == p50
    assert percentile(values, 90) == p90


# -- the drill-down ------------------------------------------------------------------------

# At 17:00 on Monday: the conversation begun at 16:45 is still open.
EVENING = MONDAY_9 + timedelta(hours=8)


def a_day_of_conversations() -> list:
    contained = Chat("contained").says(MONDAY_9, "how much is shipping", "delivery_options")
    contained.says(MONDAY_9 + timedelta(minutes=1), "thanks", "thank_you")
    billing = Chat("billing", channel="socketio")
    billing.says(MONDAY_9 + timedelta(minutes=5), "Blorp the ZORP!", "nlu_fallback", fallback=True)
    billing.says(MONDAY_9 + timedelta(minutes=6), "I was charged twice", "payment_issue", "vi")
    billing.slot(MONDAY_9 + timedelta(minutes=6, seconds=2), "language", "vi")
    answered = handoff(
        "billing",
        MONDAY_9 + timedelta(minutes=6, seconds=2),
        reply=MONDAY_9 + timedelta(minutes=16, seconds=2),
        resolved=MONDAY_9 + timedelta(hours=2, minutes=6, seconds=2),
        csat=4,
        ticket=7,
    )
    slow = Chat("slow").says(
        MONDAY_9 + timedelta(minutes=10), "parcel lost", "report_delivery_problem"
    )
    unanswered = handoff("slow", MONDAY_9 + timedelta(minutes=11), "logistics", ticket=8)
    gave_up = Chat("gave-up").says(
        MONDAY_9 + timedelta(minutes=20), "a person", "contact_human_agent"
    )
    expired = handoff(
        "gave-up",
        MONDAY_9 + timedelta(minutes=20),
        reply=None,
        expired=MONDAY_9 + timedelta(minutes=23),
        ticket=9,
    )
    lost = Chat("lost").says(MONDAY_9 + timedelta(minutes=30), "where is my stuff", "track_order")
    lost.says(MONDAY_9 + timedelta(minutes=31), "blorp the zorp", "greet", fallback=True)
    slot_only = Chat("slot-only").says(MONDAY_9 + timedelta(hours=1), "refund", "get_refund")
    slot_only.slot(MONDAY_9 + timedelta(hours=1, seconds=2), "department", "billing")
    still_open = Chat("open", channel="socketio").says(
        EVENING - timedelta(minutes=15), "hi", "greet"
    )
    return rows_of(
        contained,
        billing,
        slow,
        gave_up,
        lost,
        slot_only,
        still_open,
        cases=(answered, unanswered, expired),
    )


def listed(rows: list, measure: str = "all", **options: str) -> list[str]:
    filters = {k: options.pop(k) for k in ("department", "language", "channel") if k in options}
    found = drill_down(
        rows,
        first_day=DAY,
        last_day=DAY,
        filters=Filters(**filters),
        directory=directory(),
        now=EVENING,
        measure=measure,
        **options,
    )
    return [row.conversation.sender_id for row in found]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"department": "billing"},
        {"department": "logistics"},
        {"language": "vi"},
        {"channel": "socketio"},
    ],
)
def test_each_measure_lists_exactly_the_conversations_its_figure_counts(filters: dict) -> None:
    rows = a_day_of_conversations()
    figures = summary(rows, now=EVENING, **filters)
    for measure in MEASURES:
        assert len(listed(rows, measure, **filters)) == FIGURES[measure](figures), measure


def test_the_measures_pick_the_conversations_they_name() -> None:
    rows = a_day_of_conversations()
    expected = {
        "all": ["open", "slot-only", "lost", "gave-up", "slow", "billing", "contained"],
        "contained": ["lost", "contained"],
        "escalated": ["slot-only", "gave-up", "slow", "billing"],
        "abandoned": ["lost", "gave-up"],
        "fallback": ["lost", "billing"],
        "handoff": ["gave-up", "slow", "billing"],
        "sla_breached": ["gave-up", "slow"],  # never answered, past the target
        "csat": ["billing"],
        "not_contained": ["slot-only", "gave-up", "slow", "billing"],
    }
    assert {measure: listed(rows, measure) for measure in MEASURES} == expected  # newest first
    # Each topic of by_intent, and "unknown" for the conversations without one.
    by_intent = summary(rows, now=EVENING)["by_intent"]
    for intent, counts in by_intent.items():
        assert len(listed(rows, intent=intent)) == counts["conversations"], intent
        assert len(listed(rows, "contained", intent=intent)) == counts["contained"], intent
    assert listed(rows, intent="unknown") == ["open"]
    # A misunderstood message as top_misunderstood words it: every conversation of its group.
    top = summary(rows, now=EVENING)["top_misunderstood"]
    assert top == [{"text": "Blorp the ZORP!", "count": 2}]
    assert listed(rows, message=top[0]["text"]) == ["lost", "billing"]
    assert listed(rows, "abandoned", message="BLORP the zorp") == ["lost"]
    assert listed(rows, message="where is my stuff") == []  # understood: no fallback


def test_a_record_has_the_conversation_s_facts_by_the_summary_s_definitions() -> None:
    rows = {row.conversation.sender_id: row for row in a_day_of_conversations()}
    billing = record(rows["billing"], directory(), EVENING).as_dict()
    started = (MONDAY_9 + timedelta(minutes=5)).astimezone(timezone.utc)
    assert billing == {
        "id": None,  # not stored: the store gives each its id
        "sender_id": "billing",
        "started_at": started.isoformat(),
        "last_message_at": (started + timedelta(minutes=1)).isoformat(),
        "day": DAY.isoformat(),
        "language": "vi",
        "channel": "socketio",
        "topic": "payment_issue",
        "messages": 2,
        "fallbacks": 1,
        "ended": True,
        "contained": False,
        "escalated": True,
        "abandoned": False,
        "department": "billing",
        "ticket_ids": ["TCK-000007"],
        "first_response_seconds": 600.0,
        "first_response_business_seconds": 600.0,
        "resolution_seconds": 7200.0,
        "resolution_business_seconds": 7200.0,
        "sla_breached": False,
        "csat_score": 4,
    }
    assert billing["started_at"].endswith("+00:00")
    slow = record(rows["slow"], directory(), EVENING)
    assert (slow.sla_breached, slow.first_response_seconds, slow.department) == (
        True,
        None,
        "logistics",
    )
    still_open = record(rows["open"], directory(), EVENING)
    assert (still_open.ended, still_open.contained, still_open.topic) == (False, False, None)
    lost = record(rows["lost"], directory(), EVENING)
    assert (lost.abandoned, lost.contained, lost.ticket_ids) == (True, True, ())


def test_the_assistant_s_words_are_kept_but_are_not_customer_messages() -> None:
    chat = Chat("talkative").says(MONDAY_9, "hello", "greet")
    for n in range(3):
        chat._add(MONDAY_9 + timedelta(seconds=2 + n), event="bot", text=f"answer {n}")
    chat._add(MONDAY_9 + timedelta(seconds=9), event="bot", text="  ")  # buttons only
    stored = [row for event in chat.events if (row := normalise(event)) is not None]
    assert [e.text for e in stored if e.kind == BOT] == ["...", "answer 0", "answer 1", "answer 2"]
    (conversation,) = conversations_of(stored)
    assert conversation.messages == 1 and conversation.last_message_at == MONDAY_9
