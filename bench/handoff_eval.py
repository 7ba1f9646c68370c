"""Does a request for a person reach the right department in one turn? Measured on the product.

Starts the whole system (back office, action server, Rasa on the trained model), sends every
request of a set as the first message of a fresh REST conversation, and reads what happened
from the tracker after that single turn:

- started: the hand-off began in that turn (a ticket and a department are set), or, for a
  request that names no topic (`department: null`), the assistant asked what it is about;
- right department: started, and in the department the set names.

    PYTHONPATH=. python -m bench.handoff_eval [--requests FILE ...] [--misses]

Default sets: the retired blind sets in backoffice/config/person_requests/ (development data
now, and what the learned detector and the routing classifier learn from: on them the figures
are training figures).
"""

from __future__ import annotations

import argparse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devstack.stack import Stack, running_stack

ROOT = Path(__file__).resolve().parent.parent
# The next blind set goes to bench/data/blind/ and is measured once with --requests; these are
# development data now (each was measured once, README "Figures").
DEFAULT_SETS = sorted((ROOT / "backoffice" / "config" / "person_requests").glob("dev_blind*.yml"))
NO_TOPIC = "(no topic)"


@dataclass(frozen=True)
class Outcome:
    language: str
    expected: str
    started: bool
    department: str | None
    asked_topic: bool
    text: str
    replies: str

    @property
    def right(self) -> bool:
        if self.expected == NO_TOPIC:
            return self.asked_topic or self.department is not None
        return self.started and self.department == self.expected


def load_requests(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["requests"])


def one_turn(stack: Stack, request: dict[str, Any]) -> Outcome:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    replies = stack.say(sender, request["text"], {"language": request["language"]})
    slots = stack.tracker(sender)["slots"]
    ticket, department = slots.get("ticket_id"), slots.get("department")
    asked = slots.get("requested_slot") == "handoff_topic"
    expected = request["department"] or NO_TOPIC
    return Outcome(
        request["language"],
        expected,
        started=bool(ticket and department) or asked,
        department=department if ticket else None,
        asked_topic=asked,
        text=request["text"],
        replies=" | ".join(str(r.get("text") or "") for r in replies)[:160],
    )


def report(outcomes: list[Outcome], show_misses: bool) -> None:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.language, o.expected)].append(o)
        groups[(o.language, "all")].append(o)
        groups[("all", o.expected)].append(o)
        groups[("all", "all")].append(o)
    print("| language | department | requests | hand-off started in the turn | right department |")
    print("|---|---|---:|---:|---:|")
    for (language, expected), group in sorted(groups.items()):
        started = sum(o.started for o in group) / len(group)
        right = sum(o.right for o in group) / len(group)
        print(f"| {language} | {expected} | {len(group)} | {started:.1%} | {right:.1%} |")
    with_topic = [o for o in outcomes if o.expected != NO_TOPIC]
    if with_topic:
        share = sum(o.right for o in with_topic) / len(with_topic)
        print(f"\nperson + topic, handed off to the right department in one turn: {share:.1%}")
    if show_misses:
        confusions = Counter((o.expected, o.department) for o in outcomes if not o.right)
        print("\nmisses (expected -> got):", dict(confusions))
        for o in outcomes:
            if not o.right:
                print(
                    f"- [{o.language}] {o.expected} -> {o.department}: {o.text!r} => {o.replies!r}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=Path, nargs="*", default=DEFAULT_SETS)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    requests = [r for path in args.requests for r in load_requests(path)]
    with running_stack() as stack:
        outcomes = [one_turn(stack, r) for r in requests]
    report(outcomes, args.misses)


if __name__ == "__main__":
    main()
