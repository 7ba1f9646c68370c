"""Routing accuracy on a set of requests for a person, per department and language, and latency.

    PYTHONPATH=. python -m bench.routing_eval                     # the held-out test set
    PYTHONPATH=. python -m bench.routing_eval --requests bench/data/routing/dev_extra.yml
    PYTHONPATH=. python -m bench.routing_eval --config other.yml
    PYTHONPATH=. python -m bench.routing_eval --cv    # 5-fold cross-validation on the examples
    PYTHONPATH=. python -m bench.routing_eval --leave-one-set-out   # the retired blind sets

bench/data/routing/requests.yml (the default) is the held-out test set: never tune phrases on it.
Tune on the development sets, bench/data/routing/dev*.yml (earlier held-out sets end up there).

"as deployed" passes the language slot and the NLU intent the set expects, as the assistant
does; "text only" passes neither, to show how much the words alone carry.

--cv splits backoffice/config/routing_examples.yml into 5 stratified folds; each fold is routed
as deployed by a router whose classifier learned from the other folds and the phrases, and the
table compares phrases only, the hybrid the assistant uses, and the classifier alone. The phrases
were tuned on these examples, so "phrases only" is optimistic; the classifier columns are not.

--leave-one-set-out is the honest measure of the router on a new blind set: for each retired
blind set in backoffice/config/person_requests/ (dev_blind<k>*.yml), a router whose classifier
learned from routing_examples.yml and the other sets routes set k as the assistant does. The sets
carry no NLU intent, so none is passed (the action server passes one only when the NLU reads a
topic). "handed off" counts a request with a topic that the router leaves without a department
as going to the default department, as the helpdesk does when the message says more than asking
for a person. Phrases were partly tuned on the older sets' misses; the newest two are the least
tuned-on, so they are reported apart.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from backoffice.helpdesk.services.routing.departments import LANGUAGES, load_config
from backoffice.helpdesk.services.routing.model import (
    DEFAULT_EXAMPLES,
    Example,
    Prediction,
    examples_path_for,
    load_examples,
    load_request_set,
    request_sets_for,
)
from backoffice.helpdesk.services.routing.router import COMBINATION, Combination, Router
from caredesk_rules.departments import DEPARTMENT_KEYS

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


_SET_NUMBER = re.compile(r"dev_blind(\d+)")
NEWEST_SETS = 2  # the sets least tuned on, reported apart


def retired_sets(directory: Path) -> dict[int, list[Path]]:
    """The retired blind sets by number; a set may be split in files per language."""
    sets: dict[int, list[Path]] = {}
    for path in sorted(directory.glob("dev_blind*.yml")):
        found = _SET_NUMBER.match(path.stem)
        if found:
            sets.setdefault(int(found[1]), []).append(path)
    return dict(sorted(sets.items()))


def handed_off(outcome: Outcome, default: str) -> str | None:
    """Where the helpdesk puts the request: a message with a topic goes to the default
    department when the router names none (the action server says it names more than a person)."""
    if outcome.deployed is None and outcome.case.department is not None:
        return default
    return outcome.deployed


def leave_one_set_out(router: Router, directory: Path) -> dict[int, list[Outcome]]:
    """Per retired set, its requests routed by a router that learned from everything else."""
    base = load_examples(examples_path_for(router.config.path), DEPARTMENT_KEYS, LANGUAGES)
    sets = retired_sets(directory)
    outcomes: dict[int, list[Outcome]] = {}
    for number, paths in sets.items():
        router.learn(
            base
            + [
                example
                for other, others in sets.items()
                if other != number
                for path in others
                for example in load_request_set(path, DEPARTMENT_KEYS, LANGUAGES)
            ]
        )
        outcomes[number] = []
        for case in (case for path in paths for case in load_cases(path)):
            decision = router.route(case.text, case.intent, case.language)
            outcomes[number].append(Outcome(case, decision.department, None, decision.reason))
    return outcomes


def loso_table(outcomes: dict[int, list[Outcome]], default: str) -> str:
    """Right department per set and language: with a topic handed off, strictly, and overall."""

    def share(rows: list[Outcome], strict: bool) -> str:
        if not rows:
            return "-"
        hits = sum(
            (o.deployed if strict else handed_off(o, default)) == o.case.department for o in rows
        )
        return f"{hits / len(rows):.1%} ({len(rows)})"

    lines = [
        "| set | with a topic, handed off: en | vi | all | with a topic, router only "
        "| no topic kept unrouted | all requests, router only |",
        "|---|---|---|---|---|---|---|",
    ]
    newest = sorted(outcomes)[-NEWEST_SETS:]
    groups: list[tuple[str, list[Outcome]]] = [(str(k), v) for k, v in outcomes.items()]
    groups.append((f"**{'+'.join(map(str, newest))}**", [o for k in newest for o in outcomes[k]]))
    groups.append(("**all**", [o for rows in outcomes.values() for o in rows]))
    for label, rows in groups:
        topical = [o for o in rows if o.case.department is not None]
        cells = [
            share([o for o in topical if o.case.language == lang], False) for lang in LANGUAGES
        ]
        lines.append(
            f"| {label} | {' | '.join(cells)} | {share(topical, False)} | {share(topical, True)} "
            f"| {share([o for o in rows if o.case.department is None], True)} "
            f"| {share(rows, True)} |"
        )
    return "\n".join(lines)


def run_leave_one_set_out(config: Path | None, show_misses: bool) -> int:
    routing = load_config(config)
    started = time.perf_counter()
    router = Router(routing)
    router.route("warm-up: the pipeline loads on the first English request", language="en")
    setup_seconds = time.perf_counter() - started
    directory = request_sets_for(routing.path)
    outcomes = leave_one_set_out(router, directory)
    print(f"Leave one retired set out ({directory.relative_to(ROOT)}), as deployed:\n")
    print(loso_table(outcomes, routing.default_department))
    print(f"\nrouter start-up with every example: {setup_seconds:.1f} s")
    wrong = [
        (k, o)
        for k, rows in outcomes.items()
        for o in rows
        if handed_off(o, routing.default_department) != o.case.department
    ]
    pairs: dict[tuple[str | None, str | None], int] = {}
    for _, o in wrong:
        key = (o.case.department, handed_off(o, routing.default_department))
        pairs[key] = pairs.get(key, 0) + 1
    print("\nmisses by (expected, handed off to):")
    for (expected, got), count in sorted(pairs.items(), key=lambda item: -item[1]):
        print(f"- {expected} -> {got}: {count}")
    if show_misses:
        print("\nmisrouted:")
        for k, o in wrong:
            print(
                f"- set {k} [{o.case.language}] expected {o.case.department}, got "
                f"{o.deployed}: {o.case.text!r} ({o.reason})"
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
    parser.add_argument(
        "--leave-one-set-out",
        action="store_true",
        help="route each retired blind set with a classifier that learned from the others",
    )
    parser.add_argument("--misses", action="store_true", help="list every misrouted request")
    args = parser.parse_args(argv)
    if args.leave_one_set_out:
        return run_leave_one_set_out(args.config, args.misses)
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
