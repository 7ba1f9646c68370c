"""Out of scope stays out: does the assistant decline what it does not handle, politely?

Starts the whole system, sends every message of a set as the first message of a fresh REST
conversation and counts it rejected when the assistant answers with its out-of-scope message
(what it does instead), not with a flow or a "did you mean …?" about something else.

    PYTHONPATH=. python -m bench.out_of_scope_eval [--messages FILE ...] [--misses]

Default sets: bench/data/out_of_scope/dev_blind*.yml, the retired blind sets (each measured once,
development data now; the first two are training data: data/nlu/*/retired_blind.yml,
retired_blind2.yml, and the third's misses retired_blind3.yml).
"""

from __future__ import annotations

import argparse
import uuid
from collections import defaultdict
from pathlib import Path

import yaml

from devstack.stack import running_stack

ROOT = Path(__file__).resolve().parent.parent
# The next blind set goes to bench/data/blind/ and is measured once with --messages.
# The retired sets, development data (the first two and part of the third are training data).
DEFAULT_SETS = sorted((ROOT / "bench" / "data" / "out_of_scope").glob("dev_blind*.yml"))


def out_of_scope_answers() -> set[str]:
    """The out-of-scope response in every language, as the domain words it."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain"))
    return {variant["text"] for variant in domain.responses["utter_out_of_scope"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=Path, nargs="*", default=DEFAULT_SETS)
    parser.add_argument("--misses", action="store_true", help="list every message not declined")
    args = parser.parse_args()
    messages = [
        m
        for path in args.messages
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    ]
    declined_texts = out_of_scope_answers()
    results: dict[str, list[bool]] = defaultdict(list)
    misses = []
    with running_stack() as stack:
        for message in messages:
            sender = f"bench-{uuid.uuid4().hex[:12]}"
            replies = stack.say(sender, message["text"], {"language": message["language"]})
            said = [str(r.get("text") or "") for r in replies]
            declined = any(text in declined_texts for text in said)
            results[message["language"]].append(declined)
            if not declined:
                misses.append((message["language"], message["text"], " | ".join(said)[:140]))
    print("| language | messages | declined with the out-of-scope answer |")
    print("|---|---:|---:|")
    everything = [d for group in results.values() for d in group]
    for language, group in [*sorted(results.items()), ("all", everything)]:
        print(f"| {language} | {len(group)} | {sum(group) / len(group):.1%} |")
    if args.misses:
        for language, text, answer in misses:
            print(f"- [{language}] {text!r} => {answer!r}")


if __name__ == "__main__":
    main()
