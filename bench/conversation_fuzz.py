"""Many generated conversations against the real system (longer than `make test` runs).

    PYTHONPATH=. python -m bench.conversation_fuzz [--conversations 200] [--turns 12] [--seed 0]

Prints how many conversations broke an invariant (devstack/conversations.py), and each
broken one with its seed, so it can be replayed.
"""

from __future__ import annotations

import argparse
import time

from devstack.conversations import run_conversation, server_errors
from devstack.stack import running_stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    args = parser.parse_args()
    broken = []
    turns = 0
    started = time.perf_counter()
    with running_stack() as stack:
        for seed in range(args.seed, args.seed + args.conversations):
            conversation, problems = run_conversation(stack, seed, args.turns)
            turns += len(conversation.turns)
            if problems:
                broken.append((conversation, problems))
        errors = server_errors(stack)
    elapsed = time.perf_counter() - started
    print("| conversations | turns | broken | 5xx or crashes in logs | seconds |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {args.conversations} | {turns} | {len(broken)} | {len(errors)} | {elapsed:.0f} |")
    for conversation, problems in broken:
        print(f"\n{problems}\n{conversation.describe()}")
    for line in errors[:20]:
        print(line)


if __name__ == "__main__":
    main()
