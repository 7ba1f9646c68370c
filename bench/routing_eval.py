"""Routing accuracy on tests/routing/requests.yml, per department and language, and its latency.

    PYTHONPATH=. python -m bench.routing_eval            # the shipped departments.yml
    PYTHONPATH=. python -m bench.routing_eval --config other.yml

"as deployed" passes the language slot and the NLU intent the set expects, as the assistant
does; "text only" passes neither, to show how much the words alone carry.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backoffice.services.routing import DEPARTMENT_KEYS, LANGUAGES, Router, load_config

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = ROOT / "tests" / "routing" / "requests.yml"
NO_TOPIC = "(no topic)"


@dataclass(frozen=True)
class Case:
    text: str
    language: str
    department: str | None
    intent: str | None


@dataclass(frozen=True)
class Outcome:
    case: Case
    deployed: str | None
    text_only: str | None
    reason: str


def load_cases(path: Path = REQUESTS) -> list[Case]:
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(str(r["text"]), str(r["language"]), r.get("department"), r.get("intent"))
        for r in raw["requests"]
    ]


def evaluate(router: Router, cases: list[Case]) -> tuple[list[Outcome], list[float]]:
    outcomes, latencies = [], []
    for case in cases:
        started = time.perf_counter()
        decision = router.route(case.text, case.intent, case.language)
        latencies.append((time.perf_counter() - started) * 1000)
        text_only = router.route(case.text).department
        outcomes.append(Outcome(case, decision.department, text_only, decision.reason))
    return outcomes, latencies


def accuracy(outcomes: list[Outcome], text_only: bool = False) -> tuple[float, int]:
    if not outcomes:
        return 0.0, 0
    hits = sum((o.text_only if text_only else o.deployed) == o.case.department for o in outcomes)
    return hits / len(outcomes), len(outcomes)


def _cell(outcomes: list[Outcome], text_only: bool = False) -> str:
    value, count = accuracy(outcomes, text_only)
    return f"{value:.1%} ({count})" if count else "-"


def table(outcomes: list[Outcome]) -> str:
    header = "| department | en | vi | all | all, text only |"
    lines = [header, "|---|---|---|---|---|"]
    groups: list[tuple[str, str | None]] = [(k, k) for k in DEPARTMENT_KEYS]
    groups.append((NO_TOPIC, None))
    for label, key in groups:
        rows = [o for o in outcomes if o.case.department == key]
        by_language = [_cell([o for o in rows if o.case.language == lang]) for lang in LANGUAGES]
        lines.append(
            f"| {label} | {' | '.join(by_language)} | {_cell(rows)} | {_cell(rows, True)} |"
        )
    topical = [o for o in outcomes if o.case.department is not None]
    by_language = [_cell([o for o in topical if o.case.language == lang]) for lang in LANGUAGES]
    lines.append(
        f"| **with a topic** | {' | '.join(by_language)} | {_cell(topical)} "
        f"| {_cell(topical, True)} |"
    )
    by_language = [_cell([o for o in outcomes if o.case.language == lang]) for lang in LANGUAGES]
    lines.append(
        f"| **overall** | {' | '.join(by_language)} | {_cell(outcomes)} | {_cell(outcomes, True)} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="departments file")
    parser.add_argument("--requests", type=Path, default=REQUESTS, help="routing test set")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    router = Router(load_config(args.config))
    router.route("warm-up: the pipeline loads on the first English request", language="en")
    setup_seconds = time.perf_counter() - started
    cases = load_cases(args.requests)
    outcomes, latencies = evaluate(router, cases)

    shown = args.requests.relative_to(ROOT) if args.requests.is_relative_to(ROOT) else args.requests
    print(f"Routing on {shown} ({len(cases)} requests), as deployed (language + intent):\n")
    print(table(outcomes))
    print(
        f"\nmedian routing latency {statistics.median(latencies):.2f} ms, "
        f"p95 {statistics.quantiles(latencies, n=20)[-1]:.2f} ms "
        f"(warm; loading config and spaCy took {setup_seconds:.1f} s once)"
    )
    wrong = [o for o in outcomes if o.deployed != o.case.department]
    if wrong:
        print("\nmisrouted:")
        for o in wrong:
            print(
                f"- [{o.case.language}] expected {o.case.department}, got {o.deployed}: "
                f"{o.case.text!r} ({o.reason})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
