"""Conversations published by Rasa's own SQL event broker (rasa.core.brokers.sql), in the Rasa
venv, exactly as the Rasa server streams a tracker's new events to it ({"sender_id", **the
event's as_dict()}): the back office's tests read what Rasa really writes, not our idea of it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from devstack.processes import REPO_ROOT
from scripts.stack import RASA_PYTHON

_PUBLISH = r"""
import json, sys
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

db, spec = sys.argv[1], json.loads(sys.argv[2])
broker = SQLEventBroker(db=db)
for chat in spec:
    for turn in chat["turns"]:
        at = turn["at"]
        parse = {"intent": {"name": turn["intent"], "confidence": 0.9}, "entities": [],
                 "text": turn["text"], "language": turn["language"]}
        events = [UserUttered(turn["text"], parse["intent"], [], parse_data=parse,
                              timestamp=at, input_channel=chat["channel"])]
        if turn["fallback"]:
            events.append(ActionExecuted("action_default_fallback", timestamp=at + 0.1))
        for name, value in turn["slots"].items():
            events.append(SlotSet(name, value, timestamp=at + 0.2))
        events.append(BotUttered(turn["reply"], timestamp=at + 0.3))
        events.append(ActionExecuted("action_listen", timestamp=at + 0.4))
        for event in events:
            broker.publish({"sender_id": chat["sender"], **event.as_dict()})
"""


@dataclass
class Turn:
    at: float  # Unix time
    text: str
    intent: str
    language: str = "en"
    fallback: bool = False
    slots: dict[str, str | None] = field(default_factory=dict)
    reply: str = "..."  # what the assistant answered


@dataclass
class Chat:
    sender: str
    channel: str
    turns: list[Turn]


def publish(db: Path, chats: list[Chat]) -> None:
    """Rasa's SQL broker appends these conversations' events to `db` (created if absent)."""
    spec = json.dumps([asdict(chat) for chat in chats])
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", _PUBLISH, str(db), spec],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=180,
        check=False,
        env={"PATH": "/usr/bin:/bin", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
