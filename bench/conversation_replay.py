"""Fixed conversations replayed against the real system with one or more trained models, turn by
turn, to show what a model change (a policy, a pipeline step) changes in what the bot does.

    PYTHONPATH=. python -m bench.conversation_replay bench/data/conversations/retired_blind1.json \\
        --models /tmp/before.tar.gz models/caredesk.tar.gz

Each model gets a running system of its own (`running_stack`, fresh databases), every
conversation a fresh sender. Prints, per model, how many turns ran the same actions as the first
model's, then each turn that differs (the actions and the first replies of both).
"""

from __future__ import annotations

import argparse
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.stack import MODEL, running_stack


@dataclass(frozen=True)
class ReplayedTurn:
    text: str
    actions: tuple[str, ...]  # what the bot ran after the message, `action_listen` left out
    replies: tuple[str, ...]


Replay = dict[str, list[ReplayedTurn]]  # conversation id → its turns


def load_conversations(path: Path) -> dict[str, list[str]]:
    """A JSON list of {"id", "messages"}: the customer's messages in order."""
    conversations = json.loads(path.read_text(encoding="utf-8"))
    loaded = {str(c["id"]): [str(m) for m in c["messages"]] for c in conversations}
    if len(loaded) != len(conversations) or not all(loaded.values()):
        raise ValueError(f"{path}: ids must be unique and every conversation needs a message")
    return loaded


def actions_of_last_turn(tracker: dict[str, Any]) -> tuple[str, ...]:
    events = tracker["events"]
    last_user = max(i for i, event in enumerate(events) if event["event"] == "user")
    return tuple(
        event["name"]
        for event in events[last_user + 1 :]
        if event["event"] == "action" and event["name"] != "action_listen"
    )


def replay(conversations: dict[str, list[str]], model: Path) -> Replay:
    result: Replay = {}
    with running_stack(model=model) as stack:
        for conversation_id, messages in conversations.items():
            sender = f"replay-{conversation_id}-{uuid.uuid4().hex[:8]}"
            turns = []
            for text in messages:
                replies = stack.say(sender, text)
                said = tuple(str(r.get("text") or r.get("buttons") or "") for r in replies)
                turns.append(ReplayedTurn(text, actions_of_last_turn(stack.tracker(sender)), said))
            result[conversation_id] = turns
    return result


def differences(first: Replay, other: Replay) -> list[tuple[str, int, ReplayedTurn, ReplayedTurn]]:
    """Every turn whose actions differ: (conversation, turn index, first's, other's)."""
    return [
        (conversation_id, index, mine, theirs)
        for conversation_id, turns in first.items()
        for index, (mine, theirs) in enumerate(zip(turns, other[conversation_id], strict=True))
        if mine.actions != theirs.actions
    ]


def report(models: list[Path], replays: list[Replay]) -> str:
    turns = sum(len(turns) for turns in replays[0].values())
    lines = ["| model | turns | same actions as the first model |", "|---|---:|---:|"]
    found = [differences(replays[0], other) for other in replays]
    for model, different in zip(models, found, strict=True):
        lines.append(f"| {model} | {turns} | {turns - len(different)} |")
    for model, different in zip(models[1:], found[1:], strict=True):
        for conversation_id, index, mine, theirs in different:
            lines += [
                f"\n{conversation_id} turn {index + 1}: {mine.text!r}",
                f"  {models[0]}: {list(mine.actions)} {list(mine.replies[:2])}",
                f"  {model}: {list(theirs.actions)} {list(theirs.replies[:2])}",
            ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--models", type=Path, nargs="+", default=[MODEL])
    args = parser.parse_args()
    conversations = load_conversations(args.conversations)
    print(report(args.models, [replay(conversations, model) for model in args.models]))


if __name__ == "__main__":
    main()
