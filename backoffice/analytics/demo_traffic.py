"""Realistic demo traffic for the analytics: conversations as Rasa 3.6's brokers publish them
(each event's `as_dict()` with its `sender_id`, exactly) and, for the escalated ones, the
helpdesk's facts (ticket, hand-off, transcript, CSAT). One seeded random generator decides
everything, so a seed always gives the same traffic; the demo command (analytics/demo.py) and
the one-million-event bench (bench/analytics.py) both use it.

What it looks like: both languages (Vietnamese ~65%), every channel and department, traffic
shaped by the hour and the weekday, the assistant's intents (domain/*.yml) with their
departments from departments.yml, escalations that wait for a claim inside business hours
(HANDOFF_AGENT_WAIT_SECONDS, then the no-agent line and a reply by ticket) and get a ticket
outside them, a few slow first replies (SLA breaches), fallbacks with recurring misunderstood
messages, and customers who come back within a day.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from backoffice.analytics.conversations import FALLBACK_INTENT, LOCAL_ZONE
from backoffice.helpdesk.services.business_hours import DepartmentDirectory, load_directory
from backoffice.helpdesk.services.routing import departments as routing_config
from backoffice.helpdesk.services.transition_listeners import NO_AGENT_REASONS
from backoffice.orders.models import SUBSCRIPTION_CHANNELS
from caredesk_rules.accounts import SEEDED_AGENTS
from caredesk_rules.departments import DEPARTMENT_KEYS
from caredesk_rules.ids import ticket_id_for

# Rasa's input channels (channels/ names them so), with their share of the conversations.
CHANNELS: tuple[str, ...] = SUBSCRIPTION_CHANNELS
CHANNEL_SHARE = {"socketio": 36, "facebook": 24, "zalo": 20, "rest": 12, "telegram": 8}
VIETNAMESE_SHARE = 0.65
# Conversations per local hour of the day (relative), and per weekday (Monday first).
HOUR_SHAPE = (
    0.6, 0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.6, 3.4, 3.6, 3.4,
    2.8, 2.9, 3.3, 3.4, 3.2, 2.9, 2.7, 3.1, 3.6, 3.7, 2.9, 1.6,
)  # fmt: skip
WEEKDAY_SHAPE = (1.12, 1.05, 1.0, 1.0, 0.98, 0.9, 0.82)
# How long a live hand-off waits for a claim before the no-agent line (the back office's
# HANDOFF_AGENT_WAIT_SECONDS default).
CLAIM_WAIT_SECONDS = 180
FALLBACK_SHARE = 0.07  # of the customer's messages
FALLBACK_CONFIDENCE = 0.4  # the FallbackClassifier's threshold (config.yml)
COME_BACK_SHARE = 0.08  # customers who write again within 24 h
CSAT_RESPONSE_SHARE = 0.42  # of the solved tickets
# Who asks for a person without a topic (contact_human_agent) ends up with these teams, in
# DEPARTMENT_KEYS' order: customer support, after-sales, billing, logistics, sales, marketing,
# technical.
PERSON_REQUEST_SHARE = dict(zip(DEPARTMENT_KEYS, (50, 12, 12, 14, 5, 2, 5), strict=True))
GREETINGS = {"en": ("hi", "hello", "good morning"), "vi": ("chào shop", "alo shop ơi", "hi ad")}
THANKS = {"en": ("thanks", "thank you!", "ok thanks"), "vi": ("cảm ơn shop", "ok cảm ơn", "tks ad")}
BYE = {"en": ("bye", "have a nice day"), "vi": ("bye shop", "chào nhé")}
ASK_PERSON = {
    "en": ("can I talk to a person", "I want a human agent", "let me speak to your staff"),
    "vi": ("cho mình gặp nhân viên", "mình muốn nói chuyện với người thật", "gặp tư vấn viên"),
}
CHAT_LINES = {
    "en": ("my order number is ORD-1{n:04d}", "yes that's right", "ok, I'll wait"),
    "vi": ("mã đơn của mình là ORD-1{n:04d}", "đúng rồi ạ", "dạ mình chờ nhé"),
}
AGENT_LINES = {
    "en": ("Hello, I'm checking this for you now.", "It is sorted: you will get an update today."),
    "vi": ("Chào anh/chị, em kiểm tra ngay ạ.", "Em đã xử lý xong, hôm nay anh/chị sẽ nhận tin ạ."),
}
# The messages the assistant keeps not understanding (what to teach it next), most common
# first, and one-off noise.
MISUNDERSTOOD = {
    "en": (
        "do you have it in blue",
        "is this original",
        "can I pay half now half later",
        "price for 3 pcs?",
        "why so expensive",
        "does it fit iphone 15",
    ),
    "vi": (
        "còn màu xanh không shop",
        "hàng này chính hãng k",
        "trả góp 0% được không",
        "ship hỏa tốc k ad",
        "sao giá cao vậy",
        "có xuất hóa đơn công ty không",
        "size này vừa không",
    ),
}
NOISE = {"en": ("asdf", "??", "hmm", "k"), "vi": ("alo", "???", "ủa", "hả")}


@dataclass(frozen=True)
class Topic:
    """What a customer writes about: the intent (domain/*.yml), its words and the assistant's
    answer in both languages, how common it is and how often it ends with a person."""

    intent: str
    en: tuple[str, ...]
    vi: tuple[str, ...]
    reply_en: str
    reply_vi: str
    weight: float
    escalation: float


TOPICS: tuple[Topic, ...] = (
    Topic("track_order", ("where is my order", "my parcel hasn't arrived"),
          ("đơn hàng của mình đâu rồi", "kiểm tra đơn giúp mình"),
          "Your order is on its way.", "Đơn của bạn đang được giao.", 16, 0.12),
    Topic("delivery_options", ("how much is shipping to Da Nang", "do you deliver same day"),
          ("phí ship ra Hà Nội bao nhiêu", "có giao hỏa tốc không"),
          "Standard delivery is 2-4 days.", "Giao tiêu chuẩn 2-4 ngày.", 8, 0.03),
    Topic("delivery_period", ("how long does delivery take",), ("bao lâu thì nhận được hàng",),
          "Usually 2-4 working days.", "Thường 2-4 ngày làm việc.", 6, 0.03),
    Topic("report_delivery_problem", ("the parcel arrived damaged", "courier never came"),
          ("hàng giao tới bị móp", "shipper không gọi mà báo giao thất bại"),
          "Sorry about that, let me help.", "Xin lỗi bạn, mình hỗ trợ ngay.", 5, 0.45),
    Topic("change_shipping_address", ("I need to change my address",), ("đổi địa chỉ giao hàng",),
          "I can change it before shipping.", "Mình đổi được trước khi giao.", 3, 0.15),
    Topic("cancel_order", ("cancel my order please",), ("hủy đơn giúp mình",),
          "I can cancel it for you.", "Mình hủy đơn giúp bạn nhé.", 4, 0.12),
    Topic("check_payment_methods", ("can I pay with momo",), ("có thanh toán bằng momo không",),
          "We accept cards, MoMo, ZaloPay and COD.", "Shop nhận thẻ, MoMo, ZaloPay và COD.",
          6, 0.02),
    Topic("payment_issue", ("I was charged twice", "payment failed but money taken"),
          ("bị trừ tiền hai lần", "thanh toán lỗi mà vẫn trừ tiền"),
          "Let me check that payment.", "Mình kiểm tra giao dịch nhé.", 4, 0.5),
    Topic("get_refund", ("I want a refund",), ("mình muốn hoàn tiền",),
          "Refunds take 5-7 working days.", "Hoàn tiền mất 5-7 ngày làm việc.", 4, 0.3),
    Topic("track_refund", ("where is my refund",), ("tiền hoàn của mình đâu rồi",),
          "Your refund is being processed.", "Tiền hoàn đang được xử lý.", 3, 0.25),
    Topic("check_refund_policy", ("what is your return policy",), ("chính sách đổi trả thế nào",),
          "Returns within 7 days.", "Đổi trả trong 7 ngày.", 5, 0.02),
    Topic("get_invoice", ("I need a VAT invoice",), ("xuất hóa đơn VAT giúp mình",),
          "Here is your invoice link.", "Đây là link hóa đơn của bạn.", 3, 0.1),
    Topic("warranty_claim", ("my headphones stopped working", "warranty repair please"),
          ("tai nghe bị hư", "bảo hành máy giúp mình"),
          "Warranty covers 12 months.", "Bảo hành 12 tháng bạn nhé.", 4, 0.45),
    Topic("complaint", ("this is terrible service",), ("dịch vụ tệ quá",),
          "I'm sorry to hear that.", "Rất xin lỗi bạn về trải nghiệm này.", 2, 0.6),
    Topic("check_loyalty_points", ("how many points do I have",), ("mình có bao nhiêu điểm",),
          "You have 530 points.", "Bạn có 530 điểm.", 3, 0.02),
    Topic("loyalty_program", ("how does the membership work",), ("thẻ thành viên thế nào",),
          "Members earn 1 point per 10,000₫.", "Mỗi 10.000₫ được 1 điểm.", 2, 0.02),
    Topic("edit_account", ("change my phone number",), ("đổi số điện thoại tài khoản",),
          "You can change it in your profile.", "Bạn đổi trong mục hồ sơ nhé.", 2, 0.1),
    Topic("registration_problems", ("I can't log in", "OTP never arrives"),
          ("không đăng nhập được", "không nhận được mã OTP"),
          "Let's get you signed in.", "Mình hỗ trợ đăng nhập nhé.", 3, 0.35),
    Topic("recover_password", ("forgot my password",), ("quên mật khẩu",),
          "Use 'Forgot password' on the sign-in page.", "Bạn bấm 'Quên mật khẩu' nhé.", 2, 0.1),
    Topic("bulk_order_inquiry", ("price for 50 units for my company",),
          ("công ty mình cần mua 50 cái",),
          "Our sales team makes quotes.", "Bộ phận kinh doanh sẽ báo giá.", 1.5, 0.55),
    Topic("partnership_inquiry", ("I'm a KOL, can we collaborate",), ("mình là KOC muốn hợp tác",),
          "Our partnerships team will answer.", "Bộ phận hợp tác sẽ liên hệ.", 0.8, 0.6),
    Topic("newsletter_subscription", ("unsubscribe me from emails",), ("hủy nhận email giúp mình",),
          "Done.", "Đã xong ạ.", 0.7, 0.1),
    Topic("out_of_scope", ("what's the weather",), ("thời tiết hôm nay sao",),
          "I can help with orders and the shop.", "Mình chỉ hỗ trợ về đơn hàng và shop.", 2, 0.0),
    Topic("contact_human_agent", ASK_PERSON["en"], ASK_PERSON["vi"],
          "Connecting you to a person.", "Mình chuyển bạn tới nhân viên nhé.", 4, 1.0),
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    """One transcript line of a ticket (helpdesk TicketMessage)."""

    role: str  # customer, bot, agent, system
    text: str
    at: datetime
    author: str | None = None
    event: str | None = None
    event_data: dict[str, Any] | None = None


@dataclass
class DemoCase:
    """One escalation's helpdesk facts: its ticket, hand-off and transcript."""

    ticket_number: int
    sender_id: str
    channel: str
    language: str
    department: str
    subject: str
    requested_at: datetime
    live: bool  # the team was open: a hand-off waited for an agent's claim
    claimed_at: datetime | None = None
    first_reply_at: datetime | None = None
    resolved_at: datetime | None = None  # the live chat closed by the agent
    no_agent_at: datetime | None = None
    solved_at: datetime | None = None
    csat_score: int | None = None
    csat_at: datetime | None = None
    lines: list[Line] = field(default_factory=list)

    @property
    def agent_username(self) -> str | None:
        """The department's seeded account (caredesk_rules.accounts), who answers it."""
        agent = DEPARTMENT_AGENTS.get(self.department)
        return agent.username if agent is not None else None

    @property
    def ticket_id(self) -> str:
        return ticket_id_for(self.ticket_number)


@dataclass
class DayTraffic:
    day: date
    events: list[dict[str, Any]]  # in the order Rasa publishes them (by time)
    cases: list[DemoCase]
    conversations: int


@dataclass(frozen=True)
class Departments:
    """What the generator needs of departments.yml: the business hours and first-response
    targets, and which department an intent routes to."""

    directory: DepartmentDirectory
    by_intent: Mapping[str, str]

    @classmethod
    def load(cls) -> Departments:
        by_intent = {
            intent: key
            for key, department in routing_config.departments().items()
            for intent in department.intents
        }
        return cls(load_directory(), by_intent)


# Each department's seeded agent: the demo's conversations are answered by them.
DEPARTMENT_AGENTS = {
    department: agent for agent in SEEDED_AGENTS for department in agent.departments
}


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class TrafficGenerator:
    """Day after day of traffic; the same seed and days give the same events and cases."""

    def __init__(
        self,
        seed: int,
        *,
        per_day: int,
        now: datetime,
        departments: Departments | None = None,
        first_ticket: int = 1,
    ) -> None:
        self.rng = random.Random(seed)
        self.per_day = per_day
        self.now = now
        self.departments = departments or Departments.load()
        self.next_ticket = first_ticket
        # Returning customers whose next conversation starts on a later day.
        self._later: dict[date, list[tuple[datetime, str, str, str]]] = {}
        self._topic_weights = [t.weight for t in TOPICS]

    # --- Rasa's events, shaped as rasa.shared.core.events' as_dict() -------------------------

    def _id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    @staticmethod
    def _action(sender: str, at: float, name: str, policy: str | None = None) -> dict[str, Any]:
        return {
            "sender_id": sender,
            "event": "action",
            "timestamp": at,
            "name": name,
            "policy": policy,
            "confidence": 1.0 if policy else None,
            "action_text": None,
            "hide_rule_turn": False,
        }

    def _user(
        self,
        sender: str,
        at: float,
        text: str,
        intent: str,
        confidence: float,
        language: str,
        channel: str,
    ) -> dict[str, Any]:
        message_id = self._id()
        ranking = [{"name": intent, "confidence": confidence}]
        return {
            "sender_id": sender,
            "event": "user",
            "timestamp": at,
            "text": text,
            "parse_data": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
                "text": text,
                "message_id": message_id,
                "metadata": {},
                "language": language,
                "intent_ranking": ranking,
            },
            "input_channel": channel,
            "message_id": message_id,
            "metadata": {},
        }

    @staticmethod
    def _external(sender: str, at: float, intent: str, channel: str) -> dict[str, Any]:
        """What the helpdesk posts through Rasa's trigger_intent (UserUttered.create_external)."""
        text = f"EXTERNAL: {intent}"
        return {
            "sender_id": sender,
            "event": "user",
            "timestamp": at,
            "text": text,
            "parse_data": {
                "intent": {"name": intent},
                "entities": [],
                "text": text,
                "message_id": None,
                "metadata": {"is_external": True},
            },
            "input_channel": channel,
            "message_id": None,
            "metadata": {"is_external": True},
        }

    @staticmethod
    def _bot(sender: str, at: float, text: str, action: str) -> dict[str, Any]:
        return {
            "sender_id": sender,
            "event": "bot",
            "timestamp": at,
            "metadata": {"utter_action": action},
            "text": text,
            "data": {
                "elements": None,
                "quick_replies": None,
                "buttons": None,
                "attachment": None,
                "image": None,
                "custom": None,
            },
        }

    @staticmethod
    def _slot(sender: str, at: float, name: str, value: str | None) -> dict[str, Any]:
        return {"sender_id": sender, "event": "slot", "timestamp": at, "name": name, "value": value}

    # --- one conversation --------------------------------------------------------------------

    def _sender(self, channel: str) -> str:
        """Ids as each channel makes them (channels/senders.py: `<channel>:<platform id>`)."""
        rng = self.rng
        if channel == "socketio":
            return self._id()
        if channel == "rest":
            return f"app-{rng.getrandbits(64):016x}"
        digits = {"telegram": (9, 10), "facebook": (16, 16), "zalo": (18, 19)}[channel]
        length = rng.randint(*digits)
        return f"{channel}:{rng.randint(10 ** (length - 1), 10**length - 1)}"

    def _conversation(
        self,
        start: datetime,
        sender: str,
        channel: str,
        language: str,
        returning: bool,
        events: list[dict[str, Any]],
        cases: list[DemoCase],
    ) -> None:
        rng = self.rng
        clock = start.timestamp()
        said: list[tuple[str, float]] = []  # the customer's words, for the transcript

        def user(text: str, intent: str, fallback: bool = False) -> None:
            confidence = FALLBACK_CONFIDENCE if fallback else round(rng.uniform(0.72, 0.99), 4)
            events.append(self._user(sender, clock, text, intent, confidence, language, channel))
            said.append((text, clock))

        def bot(text: str, action: str, pause: float = 1.2) -> None:
            """The policy's action, its message, and listening again (actions: domain/)."""
            events.append(self._action(sender, clock + 0.3, action, "RulePolicy"))
            events.append(self._bot(sender, clock + pause, text, action))
            events.append(self._action(sender, clock + pause + 0.1, "action_listen", "RulePolicy"))

        def wait(low: float, high: float) -> None:
            nonlocal clock
            clock += rng.uniform(low, high)

        # A new session (a first message, or one after 60 minutes): Rasa's session start.
        events.append(self._action(sender, clock - 0.5, "action_session_start"))
        events.append({"sender_id": sender, "event": "session_started", "timestamp": clock - 0.5})
        events.append(self._action(sender, clock - 0.4, "action_listen"))
        first = True
        if not returning and rng.random() < 0.4:
            user(rng.choice(GREETINGS[language]), "greet")
            events.append(self._slot(sender, clock + 0.2, "language", language))
            bot("Xin chào!" if language == "vi" else "Hello!", "action_greet")
            first = False
            wait(5, 40)
        if rng.random() < FALLBACK_SHARE * 2:
            text = self._misunderstood(language)
            user(text, FALLBACK_INTENT, fallback=True)
            bot("Mình chưa hiểu ý bạn." if language == "vi" else "Sorry, I didn't get that.",
                "action_clarify")  # fmt: skip
            if rng.random() < 0.2:
                return  # the customer gave up: the last turn was a fallback
            wait(8, 60)
        topic = rng.choices(TOPICS, weights=self._topic_weights)[0]
        words = topic.vi if language == "vi" else topic.en
        subject = rng.choice(words)
        user(subject, topic.intent)
        if first:
            events.append(self._slot(sender, clock + 0.2, "language", language))
        escalate = rng.random() < topic.escalation * (1.4 if returning else 1.0)
        if topic.intent != "contact_human_agent":
            bot(topic.reply_vi if language == "vi" else topic.reply_en, "action_answer_faq")
            if escalate:
                wait(10, 90)
                user(rng.choice(ASK_PERSON[language]), "contact_human_agent")
        if escalate:
            department = self.departments.by_intent.get(topic.intent)
            if department is None:
                department = _weighted(rng, PERSON_REQUEST_SHARE)
            self._escalate(
                sender, channel, language, department, subject, clock, said, events, cases
            )
        else:
            if rng.random() < FALLBACK_SHARE:
                wait(10, 60)
                text = self._misunderstood(language)
                user(text, FALLBACK_INTENT, fallback=True)
                bot("Bạn nói rõ hơn được không?" if language == "vi" else "Could you rephrase?",
                    "action_clarify")  # fmt: skip
                if rng.random() < 0.3:
                    return  # gave up
            if rng.random() < 0.55:
                wait(8, 120)
                user(rng.choice(THANKS[language]), "thank_you")
                bot(
                    "Không có gì ạ!" if language == "vi" else "You're welcome!",
                    "utter_you_are_welcome",
                )
            if rng.random() < 0.25:
                wait(3, 30)
                user(rng.choice(BYE[language]), "goodbye")
                bot("Hẹn gặp lại!" if language == "vi" else "Goodbye!", "utter_goodbye")
        if not returning and rng.random() < COME_BACK_SHARE * (2.5 if escalate else 1.0):
            later = datetime.fromtimestamp(clock, timezone.utc) + timedelta(
                hours=rng.uniform(1.5, 20)
            )
            day = later.astimezone(LOCAL_ZONE).date()
            self._later.setdefault(day, []).append((later, sender, channel, language))

    def _misunderstood(self, language: str) -> str:
        rng = self.rng
        if rng.random() < 0.75:  # a few messages come back again and again (Zipf-like)
            texts = MISUNDERSTOOD[language]
            return rng.choices(texts, weights=[1 / (i + 1) for i in range(len(texts))])[0]
        return rng.choice(NOISE[language])

    # --- the helpdesk's side of an escalation ------------------------------------------------

    def _business_later(self, department: str, start: datetime, seconds: float) -> datetime:
        """`seconds` of the department's opening time after `start` (its next opening when it
        is closed); far in the future for a team that never opens."""
        schedule = self.departments.directory.get(department).schedule
        remaining = seconds
        for begin, finish in schedule.open_periods(start.astimezone(LOCAL_ZONE)):
            available = (finish - begin).total_seconds()
            if available >= remaining:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        return start + timedelta(days=365)

    def _escalate(
        self,
        sender: str,
        channel: str,
        language: str,
        department: str,
        subject: str,
        clock: float,
        said: Sequence[tuple[str, float]],
        events: list[dict[str, Any]],
        cases: list[DemoCase],
    ) -> None:
        rng = self.rng
        now = self.now
        directory = self.departments.directory
        vi = language == "vi"
        requested = datetime.fromtimestamp(clock + 1.0, timezone.utc)
        case = DemoCase(
            ticket_number=self.next_ticket,
            sender_id=sender,
            channel=channel,
            language=language,
            department=department,
            subject=subject[:200],
            requested_at=requested,
            live=directory.is_open(department, requested),
        )
        self.next_ticket += 1
        name = directory.get(department).name_vi if vi else directory.get(department).name_en
        seeded = DEPARTMENT_AGENTS.get(department)
        agent = seeded.display_name if seeded is not None else department
        target = directory.get(department).first_response_minutes * 60
        events.append(self._action(sender, clock + 0.3, "action_request_handoff", "RulePolicy"))
        events.append(self._slot(sender, clock + 1.0, "department", department))
        events.append(self._slot(sender, clock + 1.0, "ticket_id", case.ticket_id))
        handing = f"Mình chuyển bạn tới {name}." if vi else f"Passing you to {name}."
        events.append(self._bot(sender, clock + 1.2, handing, "action_request_handoff"))
        events.append(self._action(sender, clock + 1.3, "action_listen", "RulePolicy"))
        for text, stamp in said:
            case.lines.append(Line("customer", text, datetime.fromtimestamp(stamp, timezone.utc)))
        expected = directory.expected_reply(department, requested)
        case.lines.append(
            Line(
                "system",
                f"The assistant told the customer: passed to {department} (ticket "
                f"{case.ticket_id}); a person will reply here. First reply expected {expected.en}.",
                requested,
                event="bot_handoff",
                event_data={
                    "ticket": case.ticket_id,
                    "department": department,
                    "expected_en": expected.en,
                    "expected_vi": expected.vi,
                },
            )
        )

        def external(at: datetime, intent: str) -> None:
            events.append(self._external(sender, at.timestamp(), intent, channel))

        def no_agent(at: datetime, reason: str) -> None:
            case.no_agent_at = at
            promise = directory.expected_reply(department, at)
            case.lines.append(
                Line(
                    "system",
                    f"No agent was available ({NO_AGENT_REASONS[reason]}); the customer was told "
                    f"to expect a reply {promise.en}. The ticket stays open.",
                    at,
                    event="no_agent",
                    event_data={
                        "reason": reason,
                        "ticket": case.ticket_id,
                        "department": department,
                        "expected_en": promise.en,
                        "expected_vi": promise.vi,
                    },
                )
            )
            external(at, "EXTERNAL_no_agent_available")

        if case.live and rng.random() < 0.78:
            # Claimed within the wait: a live chat.
            claimed = requested + timedelta(seconds=rng.uniform(8, CLAIM_WAIT_SECONDS - 10))
            reply = claimed + timedelta(seconds=rng.uniform(15, 100))
            case.claimed_at = claimed
            case.lines.append(
                Line("system", f"{agent} joined the conversation.", claimed, agent, "joined",
                     {"agent": agent})
            )  # fmt: skip
            external(claimed, "EXTERNAL_agent_joined")
            at = reply
            for index in range(rng.randint(1, 3)):
                line = AGENT_LINES[language][min(index, 1)]
                case.lines.append(Line("agent", line, at, agent))
                external(at, "EXTERNAL_agent_message")
                at += timedelta(seconds=rng.uniform(30, 240))
                text = rng.choice(CHAT_LINES[language]).format(n=rng.randint(0, 9999))
                events.append(
                    self._user(sender, at.timestamp(), text, "inform", 0.8, language, channel)
                )
                case.lines.append(Line("customer", text, at))
                at += timedelta(seconds=rng.uniform(40, 400))
            case.first_reply_at = reply
            resolved = at + timedelta(seconds=rng.lognormvariate(math.log(420), 0.7))
            if resolved < now:
                case.resolved_at = resolved
                case.solved_at = resolved
                case.lines.append(
                    Line("system", f"{agent} resolved the conversation.", resolved, agent,
                         "resolved", {"agent": agent})
                )  # fmt: skip
                external(resolved, "EXTERNAL_handoff_resolved")
                events.append(self._slot(sender, resolved.timestamp() + 0.5, "department", None))
        else:
            if case.live:
                no_agent(requested + timedelta(seconds=CLAIM_WAIT_SECONDS), "not_claimed")
            else:
                no_agent(requested, "closed")  # refused at once: nobody's wait was abandoned
            if rng.random() < 0.95:
                # A reply by ticket; a few slower than the department's promise (SLA breaches).
                spread = 0.6 if rng.random() < 0.9 else 1.1
                seconds = rng.lognormvariate(math.log(target * 0.35), spread)
                reply = self._business_later(department, requested, max(seconds, 60.0))
                if reply < now:
                    case.first_reply_at = reply
                    case.lines.append(Line("agent", AGENT_LINES[language][1], reply, agent))
                    solved = reply + timedelta(seconds=rng.lognormvariate(math.log(3 * 3600), 1.0))
                    if solved < now:
                        case.solved_at = solved
        if case.solved_at is not None and rng.random() < CSAT_RESPONSE_SHARE:
            slow = case.first_reply_at is None or (
                directory.open_seconds(department, requested, case.first_reply_at) > target
            )
            weights = (12, 10, 18, 30, 30) if slow else (2, 3, 8, 30, 57)
            case.csat_score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
            csat_at = case.solved_at + timedelta(minutes=rng.uniform(1, 90))
            if csat_at < now:
                case.csat_at = csat_at
            else:
                case.csat_score = None
        cases.append(case)

    # --- days ---------------------------------------------------------------------------------

    def day(self, day: date) -> DayTraffic:
        """The conversations that start on this local day (those after `now` left out)."""
        rng = self.rng
        count = round(self.per_day * WEEKDAY_SHAPE[day.weekday()] * rng.uniform(0.88, 1.12))
        midnight = datetime.combine(day, time(0), tzinfo=LOCAL_ZONE)
        # (start, and for a returning customer: sender, channel, language)
        starts: list[tuple[datetime, str | None, str | None, str | None]] = [
            (midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3599)), None, None, None)
            for hour in rng.choices(range(24), weights=HOUR_SHAPE, k=count)
        ]
        starts.extend(self._later.pop(day, []))
        starts.sort(key=lambda item: item[0])
        events: list[dict[str, Any]] = []
        cases: list[DemoCase] = []
        held = 0
        for start, sender, channel, language in starts:
            if start > self.now - timedelta(minutes=30):
                continue
            returning = sender is not None
            if channel is None:
                channel = _weighted(rng, CHANNEL_SHARE)
            if language is None:
                language = "vi" if rng.random() < VIETNAMESE_SHARE else "en"
            if sender is None:
                sender = self._sender(channel)
            self._conversation(start, sender, channel, language, returning, events, cases)
            held += 1
        events.sort(key=lambda event: event["timestamp"])
        return DayTraffic(day, events, cases, held)

    def days(self, first_day: date, last_day: date | None = None) -> Iterator[DayTraffic]:
        """Day after day from `first_day` (to `last_day`, inclusive, or for ever)."""
        day = first_day
        while last_day is None or day <= last_day:
            yield self.day(day)
            day += timedelta(days=1)
