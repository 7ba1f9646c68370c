"""Trains on data/nlu, evaluates on the held-out tests/nlu sets, prints per-intent F1 per language.

    python -m bench.nlu_eval                      # the project's config.yml
    python -m bench.nlu_eval --model models/caredesk.tar.gz   # evaluate an existing model
    python -m bench.nlu_eval --compare            # config.yml and every bench/configs/*.yml
    python -m bench.nlu_eval --sets bench/data/nlu/retired/blind6_{en,vi}.yml  # a retired blind set

A prediction of `nlu_fallback` counts as wrong: the customer was not understood.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = {"en": ROOT / "tests" / "nlu" / "en.yml", "vi": ROOT / "tests" / "nlu" / "vi.yml"}


@dataclass
class LanguageReport:
    language: str
    f1_by_intent: dict[str, float]
    support: dict[str, int]
    accuracy: float
    fallback_rate: float
    # Messages of other intents marked as asking for a person: they start a hand-off instead
    # of being answered (components/person_request.py).
    person_marked_rate: float = 0.0
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    # Held-out examples that are also training examples (same words without case and
    # diacritics) are left out: they would measure memory, not understanding.
    excluded: int = 0

    @property
    def macro_f1(self) -> float:
        return statistics.fmean(self.f1_by_intent.values()) if self.f1_by_intent else 0.0


@dataclass
class Report:
    languages: dict[str, LanguageReport]
    parse_ms: list[float]
    train_seconds: float | None = None

    @property
    def median_parse_ms(self) -> float:
        return statistics.median(self.parse_ms) if self.parse_ms else 0.0


def load_examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def f1_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    scores = {}
    for intent in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == intent and p == intent)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != intent and p == intent)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == intent and p != intent)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[intent] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    return scores


def folded_key(text: str) -> str:
    from caredesk_rules.vietnamese import fold

    return " ".join(fold(text).split())


def training_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*/*.yml")):
        keys.update(folded_key(text) for text, _ in load_examples(path))
    return keys


def evaluate(model_path: Path, heldout: dict[str, Path] = HELDOUT) -> Report:
    """Parses every held-out example with the model in-process."""
    from rasa.core.agent import Agent

    trained = training_keys()

    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()
    parse_ms: list[float] = []
    languages = {}
    try:
        for language, path in heldout.items():
            everything = load_examples(path)
            examples = [(t, i) for t, i in everything if folded_key(t) not in trained]
            gold, predicted, errors = [], [], []
            marked = 0
            for text, intent in examples:
                started = time.perf_counter()
                result = loop.run_until_complete(agent.parse_message(text))
                parse_ms.append((time.perf_counter() - started) * 1000)
                name = (result.get("intent") or {}).get("name") or ""
                marked += bool(result.get("person_request")) and intent != "contact_human_agent"
                gold.append(intent)
                predicted.append(name)
                if name != intent:
                    errors.append((text, intent, name))
            languages[language] = LanguageReport(
                language=language,
                f1_by_intent=f1_scores(gold, predicted),
                support={i: gold.count(i) for i in set(gold)},
                accuracy=sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
                fallback_rate=predicted.count("nlu_fallback") / len(gold),
                person_marked_rate=marked / len(gold),
                errors=errors,
                excluded=len(everything) - len(examples),
            )
    finally:
        loop.close()
    return Report(languages=languages, parse_ms=parse_ms)


def data_without(name: str, target: Path) -> Path:
    """A copy of data/nlu without the files called `name` (to measure what they bring)."""
    source = ROOT / "data" / "nlu"
    for path in source.glob("*/*.yml"):
        if path.name != name:
            copy = target / path.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy)
    return target


def train(config: Path, output: Path, data: Path = ROOT / "data" / "nlu") -> tuple[Path, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(
        config=str(config),
        nlu_data=str(data),
        output=str(output),
        fixed_model_name=config.stem
        if data == ROOT / "data" / "nlu"
        else f"{config.stem}-ablation",
        domain=str(ROOT / "domain"),
    )
    if not model:
        raise RuntimeError(f"training with {config} produced no model")
    return Path(model), time.perf_counter() - started


def print_report(name: str, report: Report, show_errors: int) -> None:
    print(f"\n## {name}\n")
    intents = sorted({i for r in report.languages.values() for i in r.f1_by_intent})
    langs = list(report.languages)
    print("| intent | " + " | ".join(f"F1 {lang}" for lang in langs) + " |")
    print("|---|" + "---:|" * len(langs))
    for intent in intents:
        cells = [f"{report.languages[lang].f1_by_intent.get(intent, 0.0):.3f}" for lang in langs]
        print(f"| {intent} | " + " | ".join(cells) + " |")
    macro = [f"**{report.languages[lang].macro_f1:.3f}**" for lang in langs]
    print("| **macro-F1** | " + " | ".join(macro) + " |")
    print()
    for lang in langs:
        r = report.languages[lang]
        print(
            f"- {lang}: {sum(r.support.values())} held-out examples ({r.excluded} left out as "
            f"also in the training data), accuracy {r.accuracy:.3f}, "
            f"fallback rate {r.fallback_rate:.3f}, other intents read as a request for a "
            f"person {r.person_marked_rate:.3f}"
        )
    print(f"- median parse latency (in-process): {report.median_parse_ms:.1f} ms")
    if report.train_seconds is not None:
        print(f"- NLU training time: {report.train_seconds:.0f} s")
    for lang in langs:
        for text, gold, got in report.languages[lang].errors[:show_errors]:
            print(f"  - [{lang}] {text!r}: expected {gold}, got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--model", type=Path, help="evaluate this model instead of training")
    parser.add_argument("--compare", action="store_true", help="also train bench/configs/*.yml")
    parser.add_argument(
        "--only", nargs="*", help="with --compare: only these bench/configs (file stems)"
    )
    parser.add_argument(
        "--without", help="with --compare: also config.yml trained without data files of this name"
    )
    parser.add_argument("--errors", type=int, default=0, help="print up to N errors per language")
    parser.add_argument(
        "--sets", nargs=2, type=Path, metavar=("EN", "VI"), help="other held-out sets (en, vi)"
    )
    args = parser.parse_args()
    heldout = dict(zip(("en", "vi"), args.sets, strict=True)) if args.sets else HELDOUT

    summary = []
    if args.model:
        report = evaluate(args.model, heldout)
        print_report(str(args.model), report, args.errors)
        return
    configs = [args.config]
    if args.compare:
        configs += [
            c
            for c in sorted((ROOT / "bench" / "configs").glob("*.yml"))
            if not args.only or c.stem in args.only
        ]
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(config, config.name, ROOT / "data" / "nlu") for config in configs]
        if args.compare and args.without:
            ablated = data_without(args.without, Path(tmp) / "data")
            runs.append((args.config, f"{args.config.name} without {args.without}", ablated))
        for config, name, data in runs:
            model, seconds = train(config, Path(tmp), data)
            report = evaluate(model, heldout)
            report.train_seconds = seconds
            print_report(name, report, args.errors)
            summary.append((name, report))
    if len(summary) > 1:
        print("\n## Pipelines compared\n")
        print("| config | macro-F1 en | macro-F1 vi | median parse ms | NLU train s |")
        print("|---|---:|---:|---:|---:|")
        for name, r in summary:
            print(
                f"| {name} | {r.languages['en'].macro_f1:.3f} | {r.languages['vi'].macro_f1:.3f} "
                f"| {r.median_parse_ms:.1f} | {r.train_seconds:.0f} |"
            )


if __name__ == "__main__":
    main()
