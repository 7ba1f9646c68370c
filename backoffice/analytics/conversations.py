"""One customer's events cut into conversations, and the facts the KPIs read from each.

A conversation is a run of one sender's messages with no silence longer than SESSION_GAP
between two of them: the 60 minutes of Rasa's session expiry (domain/conversation.yml), so a
customer who writes again after lunch starts a new conversation here as in Rasa. The facts are
rebuilt from the stored events whenever a sender has new ones, so the same events always give
the same conversations (in whatever order or batches they arrived). The assistant's words
(`bot` events, kept for transcripts) are not messages and change no fact here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from backoffice.analytics.events import ACTION, SLOT, USER, EventRow

SESSION_GAP = timedelta(minutes=60)
# The day a conversation counts on (daily figures, the summary's date range): the shop's.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_default_fallback"


@dataclass(frozen=True)
class Conversation:
    sender_id: str
    started_at: datetime  # the first customer message
    last_message_at: datetime  # the last customer message
    day: date  # started_at's date in LOCAL_ZONE
    channel: str | None  # the first message's input_channel
    language: str | None  # the `language` slot, else the parse's language
    messages: int  # customer messages
    fallbacks: int  # of them, the ones the assistant did not understand
    last_turn_fallback: bool  # the customer's last message was not understood
    department: str | None  # the `department` slot: the conversation was routed to a person
    ticket_id: str | None  # the `ticket_id` slot: a ticket was opened
    intents: tuple[str, ...]  # each message's intent, in order
    fallback_texts: tuple[str, ...] = field(default=())  # the words not understood
    next_started_at: datetime | None = None  # the same customer's next conversation
    id: int | None = None  # analytics_conversations.id, once stored (the drill-down's handle)


def is_fallback(intent: str | None, actions: Iterable[str]) -> bool:
    """A message the assistant did not understand: NLU gave `nlu_fallback` (below the
    FallbackClassifier's threshold, config.yml), or the dialogue fell back to
    `action_default_fallback` (no policy was confident of a next action)."""
    return intent == FALLBACK_INTENT or FALLBACK_ACTION in actions


@dataclass
class _Builder:
    first: EventRow
    language_before: str | None
    messages: list[EventRow] = field(default_factory=list)
    actions_after: list[list[str]] = field(default_factory=list)
    slots: dict[str, str | None] = field(default_factory=dict)

    def conversation(self) -> Conversation:
        flags = [
            is_fallback(message.name, actions)
            for message, actions in zip(self.messages, self.actions_after, strict=True)
        ]
        parsed = Counter(m.language for m in self.messages if m.language)
        language = self.slots.get("language") or self.language_before
        if language not in ("en", "vi"):
            language = parsed.most_common(1)[0][0] if parsed else None
        return Conversation(
            sender_id=self.first.sender_id,
            started_at=self.first.at,
            last_message_at=self.messages[-1].at,
            day=self.first.at.astimezone(LOCAL_ZONE).date(),
            channel=next((m.channel for m in self.messages if m.channel), None),
            language=language,
            messages=len(self.messages),
            fallbacks=sum(flags),
            last_turn_fallback=flags[-1],
            department=self.slots.get("department"),
            ticket_id=self.slots.get("ticket_id"),
            intents=tuple(m.name or "" for m in self.messages),
            fallback_texts=tuple(
                m.text or "" for m, flag in zip(self.messages, flags, strict=True) if flag
            ),
        )


def conversations_of(events: Sequence[EventRow]) -> list[Conversation]:
    """One sender's conversations, oldest first, from their events in any order."""
    ordered = sorted(events, key=lambda e: (e.at, e.kind != USER, e.key))
    built: list[_Builder] = []
    language: str | None = None  # the slot as carried over from earlier sessions
    current: _Builder | None = None
    for event in ordered:
        if event.kind == USER:
            last = current.messages[-1].at if current else None
            if current is None or last is None or event.at - last > SESSION_GAP:
                if current is not None:
                    language = current.slots.get("language", language)
                current = _Builder(event, language)
                built.append(current)
            current.messages.append(event)
            current.actions_after.append([])
        elif current is None:
            # Before the first message (a session start sets slots): carried into it.
            if event.kind == SLOT and event.name == "language":
                language = event.value
        elif event.kind == ACTION:
            current.actions_after[-1].append(event.name or "")
        elif (
            event.kind == SLOT
            and event.name
            and (
                # `department` and `ticket_id` mark the conversation once set; a later reset to
                # null (the hand-off over) does not undo that it was escalated.
                event.value is not None or event.name == "language"
            )
        ):
            current.slots[event.name] = event.value
    result = [builder.conversation() for builder in built]
    return [
        replace(conversation, next_started_at=later.started_at)
        for conversation, later in pairwise(result)
    ] + result[-1:]
