"""Conversations that mix flows the way customers do, checked after every turn (issue 9).

A seeded generator picks each customer move from what the conversation allows (orders verified
or not, forms interrupted, unclear messages answered with emoji or buttons, complaints and
tickets, requests for a person, language switches) and sends it to the real running system
over REST. After every turn it checks the invariants of a conversation that cannot break:

- an answer, unless a person owns the conversation;
- at most four messages, none of them said twice in the turn;
- a request for a person yields a hand-off or a ticket (or the question what it is about);
- no 5xx in any service's log;
and at the end the conversation still answers.

The same seed gives the same conversations (`random.Random(seed)`), so a failure is replayed
with its seed. Used by tests/e2e/test_conversation_properties.py (a few minutes) and
bench/conversation_fuzz.py (longer runs).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstack.stack import Stack

MAX_MESSAGES = 4
ACTIVE = ("waiting", "with_agent")
SERVER_ERROR = re.compile(r'"\s5\d\d\s|\b5\d\d Internal Server Error|Traceback \(most recent call')

GREETINGS = ["hello", "xin chào shop", "hi there", "alo shop ơi"]
FAQ = [
    "how much is shipping to Da Nang",
    "phi ship ra ha noi bao nhieu",
    "which payment methods do you accept",
    "shop có nhận trả góp không",
    "how long is the warranty",
    "bao lâu thì được hoàn tiền",
]
ORDER_REQUESTS = [
    "where is my order ORD-10001",
    "đơn ORD-10002 của mình tới đâu rồi",
    "I want to cancel my order",
    "toi muon doi dia chi giao hang",
    "can I get the invoice for ORD-10001",
]
CONTACTS = ["an.nguyen@example.com", "0912345678", "wrong@example.com", "0999999999"]
UNCLEAR = ["😊", "👍", "??", "hmm", "asdfgh", "ok"]
BUTTONS = ["/affirm", "/deny"]
OUT_OF_SCOPE = ["what's the weather in Hanoi", "kể chuyện cười đi", "who won the football"]
COMPLAINTS = [
    "I want to complain, the delivery was late and nobody told me why",
    "tôi muốn khiếu nại, nhân viên giao hàng thái độ quá tệ",
]
PERSON_WITH_TOPIC = [
    "get me a human, the app crashes every time I log in",
    "cho mình gặp nhân viên, mình bị trừ tiền hai lần",
    "I need a real person, my parcel arrived smashed",
    "nv oi, may giat bi hong roi",
]
PERSON_ONLY = ["can I talk to a human?", "cho gap nguoi that", "ad oi"]
TOPICS = ["my refund never arrived", "app không đăng nhập được"]
GOODBYES = ["bye", "cảm ơn shop nhé"]


@dataclass
class Turn:
    text: str
    replies: list[dict[str, Any]]
    slots: dict[str, Any]
    active_loop: str | None
    asks_for_person: bool


@dataclass
class Conversation:
    seed: int
    sender: str = field(default_factory=lambda: f"prop-{uuid.uuid4().hex[:12]}")
    turns: list[Turn] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"seed {self.seed}, sender {self.sender}"]
        for turn in self.turns:
            said = " | ".join(str(r.get("text") or r.get("buttons") or "") for r in turn.replies)
            lines.append(f"  > {turn.text!r}\n    < {said[:200]!r}")
        return "\n".join(lines)


def next_move(rng: random.Random, last: Turn | None) -> tuple[str, bool]:
    """The customer's next message and whether it asks for a person."""
    if last is not None:
        loop, slots = last.active_loop, last.slots
        if loop == "order_verification_form" and rng.random() < 0.6:
            requested = slots.get("requested_slot")
            choices = CONTACTS if requested == "customer_contact" else ["ORD-10001", "ORD-10003"]
            return rng.choice(choices), False
        if loop == "handoff_topic_form" and rng.random() < 0.8:
            return rng.choice(TOPICS), False
        if loop == "open_ticket_form" and rng.random() < 0.7:
            return rng.choice(["an.nguyen@example.com", "it arrived four days late"]), False
        if any(r.get("buttons") for r in last.replies) and rng.random() < 0.5:
            return rng.choice(BUTTONS), False
    kind = rng.choices(
        ["greet", "faq", "order", "unclear", "oos", "complaint", "person", "person_only", "bye"],
        weights=[1, 3, 3, 3, 1, 1, 2, 1, 1],
    )[0]
    pools: dict[str, list[str]] = {
        "greet": GREETINGS,
        "faq": FAQ,
        "order": ORDER_REQUESTS,
        "unclear": UNCLEAR,
        "oos": OUT_OF_SCOPE,
        "complaint": COMPLAINTS,
        "person": PERSON_WITH_TOPIC,
        "person_only": PERSON_ONLY,
        "bye": GOODBYES,
    }
    return rng.choice(pools[kind]), kind in ("person", "person_only")


def check_turn(turn: Turn, before: dict[str, Any]) -> list[str]:
    """What is wrong with one turn (empty when nothing is)."""
    problems = []
    owned = before.get("handoff_state") in ACTIVE or turn.slots.get("handoff_state") in ACTIVE
    texts = [str(r.get("text") or "") for r in turn.replies if r.get("text")]
    if not turn.replies and not owned:
        problems.append("no answer although no person owns the conversation")
    if len(turn.replies) > MAX_MESSAGES:
        problems.append(f"{len(turn.replies)} messages in one turn")
    if len(texts) != len(set(texts)):
        problems.append("the same message twice in one turn")
    if turn.asks_for_person and before.get("handoff_state") not in ACTIVE:
        named_ticket = any("TCK-" in t for t in texts)
        asked_topic = turn.active_loop == "handoff_topic_form"
        if not (named_ticket or asked_topic):
            problems.append("a request for a person yielded neither a hand-off nor a ticket")
    return problems


LogMark = dict[str, int]


def log_mark(stack: Stack) -> LogMark:
    """How many lines each service has logged so far: `server_errors(stack, since=mark)` then
    reads only what came after (the shared stack's logs hold every earlier test's, including
    those that stop a service on purpose)."""
    return {
        service.name: len(service.output(tail=10**9).splitlines())
        for service in (stack.rasa, stack.actions, stack.backoffice.service)
    }


def server_errors(stack: Stack, since: LogMark | None = None) -> list[str]:
    """Lines of any service's log that show a 5xx or a crash (after `since`, if given)."""
    found = []
    for service in (stack.rasa, stack.actions, stack.backoffice.service):
        lines = service.output(tail=10**9).splitlines()
        start = (since or {}).get(service.name, max(len(lines) - 2000, 0))
        found += [f"{service.name}: {line}" for line in lines[start:] if SERVER_ERROR.search(line)]
    return found


def run_conversation(
    stack: Stack, seed: int, turns: int, between: Callable[[int], None] | None = None
) -> tuple[Conversation, list[str]]:
    """One generated conversation; returns it and every invariant it broke."""
    rng = random.Random(seed)
    conversation = Conversation(seed)
    problems: list[str] = []
    before: dict[str, Any] = {}
    last: Turn | None = None
    for index in range(turns):
        if between is not None:
            between(index)
        text, asks = next_move(rng, last)
        replies = stack.say(conversation.sender, text)
        tracker = stack.tracker(conversation.sender)
        last = Turn(
            text, replies, tracker["slots"], (tracker.get("active_loop") or {}).get("name"), asks
        )
        conversation.turns.append(last)
        problems += [f"turn {index + 1} ({text!r}): {p}" for p in check_turn(last, before)]
        before = last.slots
        if last.slots.get("handoff_state") in ACTIVE:
            break  # a person owns it now: the bot rightly stays silent from here on
    if before.get("handoff_state") not in ACTIVE and not stack.say(conversation.sender, "hello"):
        problems.append("the conversation no longer answers")
    return conversation, problems
