"""Routing accuracy on a set of requests for a person, per department and language, and latency.

    PYTHONPATH=. python -m bench.routing_eval                     # the held-out test set
    PYTHONPATH=. python -m bench.routing_eval --requests bench/data/routing/dev_extra.yml
    PYTHONPATH=. python -m bench.routing_eval --config other.yml
    PYTHONPATH=. python -m bench.routing_eval --cv    # 5-fold cross-validation on the examples

bench/data/routing/requests.yml (the default) is the held-out test set: never tune phrases on it.
Tune on the development sets, bench/data/routing/dev*.yml (earlier held-out sets end up there).

"as deployed" passes the language slot and the NLU intent the set expects, as the assistant
does; "text only" passes neither, to show how much the words alone carry.

--cv splits backoffice/config/routing_examples.yml into 5 stratified folds; each fold is routed
as deployed by a router whose classifier learned from the other folds and the phrases, and the
table compares phrases only, the hybrid the assistant uses, and the classifier alone. The phrases
were tuned on these examples, so "phrases only" is optimistic; the classifier columns are not.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backoffice.services.routing import (
    COMBINATION,
    DEPARTMENT_KEYS,
    LANGUAGES,
    Combination,
    Prediction,
    Router,
    load_config,
)
from backoffice.services.routing_model import (
    DEFAULT_EXAMPLES,
    Example,
    examples_path_for,
    load_examples,
)

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = ROOT / "bench" / "data" / "routing" / "requests.yml"
DEV_SETS = tuple(
    ROOT / "bench" / "data" / "routing" / name
    for name in ("dev.yml", "dev_extra.yml", "dev_blind1.yml", "dev_blind2.yml")
)
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


@dataclass(frozen=True)
class HeldOut:
    """One example routed by a router that did not learn from it."""

    example: Example
    hits: list[Any]
    prediction: Prediction | None


def folds(examples: list[Example], count: int = 5) -> list[list[int]]:
    """Stratified by department and language, deterministic."""
    from sklearn.model_selection import StratifiedKFold

    labels = [f"{e.department}/{e.language}" for e in examples]
    splitter = StratifiedKFold(n_splits=count, shuffle=True, random_state=0)
    return [list(test) for _, test in splitter.split(examples, labels)]


def cross_validate(router: Router, examples: list[Example], count: int = 5) -> list[HeldOut]:
    held_out: list[HeldOut] = []
    for test in folds(examples, count):
        chosen = set(test)
        router.learn([e for i, e in enumerate(examples) if i not in chosen])
        for index in test:
            example = examples[index]
            hits, used, topic = router.evidence(example.text, example.language)
            held_out.append(HeldOut(example, hits, router.closest_examples(used, topic)))
    return held_out


def cv_outcomes(
    router: Router, held_out: list[HeldOut], combination: Combination = COMBINATION
) -> dict[str, list[Outcome]]:
    """Per column, the outcomes of the held-out examples (the text_only field is unused)."""
    columns: dict[str, list[Outcome]] = {"phrases only": [], "hybrid": [], "classifier only": []}
    for item in held_out:
        e = item.example
        case = Case(e.text, e.language, e.department, e.intent)
        prediction = item.prediction
        phrases = router.decide(item.hits, e.intent, lambda: None, combination)
        hybrid = router.decide(item.hits, e.intent, lambda p=prediction: p, combination)  # type: ignore[misc]
        alone = (
            prediction.department
            if prediction
            and prediction.probability >= combination.min_probability_alone
            and prediction.words >= combination.min_words_alone
            else None
        )
        columns["phrases only"].append(Outcome(case, phrases.department, None, phrases.reason))
        columns["hybrid"].append(Outcome(case, hybrid.department, None, hybrid.reason))
        columns["classifier only"].append(Outcome(case, alone, None, ""))
    return columns


def cv_table(columns: dict[str, list[Outcome]]) -> str:
    names = list(columns)
    lines = [f"| department | {' | '.join(names)} |", "|---|" + "---|" * len(names)]
    groups: list[tuple[str, str | None]] = [(k, k) for k in DEPARTMENT_KEYS]
    groups.append((NO_TOPIC, None))
    for label, key in groups:
        cells = [_cell([o for o in columns[n] if o.case.department == key]) for n in names]
        lines.append(f"| {label} | {' | '.join(cells)} |")
    for language in LANGUAGES:
        cells = [_cell([o for o in columns[n] if o.case.language == language]) for n in names]
        lines.append(f"| **{language}** | {' | '.join(cells)} |")
    lines.append(f"| **overall** | {' | '.join(_cell(columns[n]) for n in names)} |")
    return "\n".join(lines)


def run_cv(config: Path | None, examples_path: Path | None) -> int:
    routing = load_config(config)
    path = examples_path or examples_path_for(routing.path)
    examples = load_examples(path, DEPARTMENT_KEYS, LANGUAGES)
    router = Router(routing, examples=examples)
    router.route("warm-up: the pipeline loads on the first English request", language="en")
    started = time.perf_counter()
    router.learn(examples)
    build_seconds = time.perf_counter() - started
    held_out = cross_validate(router, examples)
    columns = cv_outcomes(router, held_out)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"5-fold cross-validation on {shown} ({len(examples)} examples), as deployed:\n")
    print(cv_table(columns))
    print(f"\nbuilding the classifier from all examples and phrases took {build_seconds:.2f} s")
    changed = [
        (p, h)
        for p, h in zip(columns["phrases only"], columns["hybrid"], strict=True)
        if p.deployed != h.deployed
    ]
    if changed:
        print("\nthe classifier changed these decisions:")
        for p, h in changed:
            mark = (
                "fixed"
                if h.deployed == h.case.department
                else ("broke" if p.deployed == p.case.department else "still wrong")
            )
            print(
                f"- {mark} [{h.case.language}] expected {h.case.department}, phrases "
                f"{p.deployed}, hybrid {h.deployed}: {h.case.text!r} ({h.reason})"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="departments file")
    parser.add_argument(
        "--requests",
        type=Path,
        default=REQUESTS,
        help="requests to evaluate (default: the held-out set, bench/data/routing/requests.yml)",
    )
    parser.add_argument("--cv", action="store_true", help="cross-validate on the examples instead")
    parser.add_argument(
        "--examples",
        type=Path,
        default=None,
        help=f"examples for --cv (default {DEFAULT_EXAMPLES.name})",
    )
    args = parser.parse_args(argv)
    if args.cv:
        return run_cv(args.config, args.examples)

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
