"""Where a turn's time goes: py-spy samples the Rasa server, the action server and the back
office while bench/load.py's closed loop drives FAQ or order turns, and each process's CPU
samples are summed per stage (channel, each NLU component, each policy, the action server
round trip, back-office calls, tracker store, JSON and logging ...).

Needs py-spy (requirements/dev.in) and ptrace (root, or `kernel.yama.ptrace_scope=0`). Only
on-CPU samples count (py-spy's default, no `--idle`): on two cores shared by every process and
the load generator, CPU is what 20 customers queue for, and at one customer the CPU spent in
each process is the turn's critical path but for the network hops between them.

    python -m bench.profile [--workload FAQ order] [--customers 20] [--duration 20] [--rate 100]

Prints one Markdown table per process: stage, share of that process's busy samples, and
milliseconds per turn (samples / rate / turns answered). A thread that is ready to run but waits
for a core counts as busy, so on a loaded machine the milliseconds are inflated: read the shares.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import aiohttp

from bench.load import (
    CAREDESK_FAQ,
    CAREDESK_ORDER,
    NO_RATE_LIMITS,
    TURN_TIMEOUT,
    Budget,
    RestCustomer,
    closed_loop,
    warm_up,
)

WORKLOADS = {"FAQ": CAREDESK_FAQ, "order": CAREDESK_ORDER}

Stage = tuple[str, tuple[str, ...]]  # a name, and substrings of the frames that are its work
# Per process, tiers of stages. A sample counts for the first tier that has a frame of one of
# its stages in the stack, and in that tier for the deepest such frame: JSON and logging first
# wherever they run, then whose work it is (TensorFlow under DIET is DIET's), then the
# frameworks. Frames read "function (path/to/file.py:line)".
STAGES: dict[str, tuple[tuple[Stage, ...], ...]] = {
    "rasa": (
        (
            ("logging", ("logging/__init__.py", "logging/handlers.py", "structlog/")),
            ("JSON (de)serialisation", ("json/encoder.py", "json/decoder.py", "ujson")),
            ("checking the action server's answer (jsonschema)", ("jsonschema/",)),
        ),
        (
            ("NLU: LanguageDetector", ("components/language_detector.py",)),
            ("NLU: CanonicalEntityExtractor", ("components/entity_extractor.py",)),
            ("NLU: SentenceEncoderFeaturizer (USE)", ("components/sentence_encoder.py",)),
            ("NLU: VietnameseTextNormalizer", ("components/text_normalizer.py",)),
            ("NLU: SpacyNLP", ("rasa/nlu/utils/spacy_utils.py",)),
            ("NLU: SpacyTokenizer", ("rasa/nlu/tokenizers/",)),
            ("NLU: LexicalSyntacticFeaturizer", ("lexical_syntactic_featurizer.py",)),
            ("NLU: CountVectorsFeaturizer ×2", ("count_vectors_featurizer.py",)),
            ("NLU: DIETClassifier", ("rasa/nlu/classifiers/diet_classifier.py",)),
            ("NLU: OtherCompanyDetector", ("components/other_company.py",)),
            ("NLU: FallbackClassifier", ("fallback_classifier.py",)),
            ("NLU: PersonRequestDetector", ("components/person_request",)),
            ("policy: TEDPolicy", ("rasa/core/policies/ted_policy.py",)),
            ("policy: RulePolicy", ("rasa/core/policies/rule_policy.py",)),
            ("policy: MemoizationPolicy", ("rasa/core/policies/memoization.py",)),
            (
                "policy: caredesk's four",
                (
                    "components/language_policy.py",
                    "turn_guard_policy.py",
                    "handoff_policy.py",
                    "clarification_policy.py",
                    "components/stateless_policy.py",
                ),
            ),
            (
                "policy ensemble, featurising the tracker",
                (
                    "rasa/core/policies/ensemble.py",
                    "rasa/core/featurizers/",
                    "rasa/shared/core/trackers.py",
                ),
            ),
            (
                "action server round trip (Rasa's side)",
                ("rasa/core/actions/action.py", "rasa/utils/endpoints.py"),
            ),
            ("tracker and lock store", ("rasa/core/tracker_store.py", "rasa/core/lock_store.py")),
        ),
        (
            ("graph runner (other)", ("rasa/engine/",)),
            ("channels (caredesk)", ("(channels/",)),
            ("message processor (other)", ("rasa/core/processor.py", "rasa/core/agent.py")),
            ("Sanic / socket.io / aiohttp", ("sanic/", "socketio/", "engineio/", "aiohttp/")),
            ("TensorFlow (outside a component)", ("tensorflow/",)),
        ),
    ),
    "actions": (
        (
            ("logging", ("logging/__init__.py", "logging/handlers.py")),
            ("JSON (de)serialisation", ("json/encoder.py", "json/decoder.py", "ujson")),
        ),
        (
            ("back-office calls (requests)", ("actions/clients/", "requests/", "urllib3/")),
            (
                "FAQ answer (knowledge)",
                ("actions/faq.py", "actions/knowledge.py", "caredesk_rules/knowledge.py"),
            ),
            (
                "order actions",
                ("actions/orders.py", "actions/verification.py", "actions/update_offer.py"),
            ),
            ("other actions", ("(actions/",)),
        ),
        (
            ("rasa_sdk (tracker, dispatcher, events)", ("rasa_sdk/",)),
            ("Sanic / HTTP", ("sanic/", "httptools")),
        ),
    ),
    "backoffice": (
        (
            ("logging", ("logging/__init__.py", "logging/handlers.py")),
            ("JSON (de)serialisation", ("json/encoder.py", "json/decoder.py")),
        ),
        (
            (
                "background workers (outbox pollers, analytics ingester)",
                ("backoffice/core/polling.py", "backoffice/analytics/ingest.py"),
            ),
        ),
        (
            ("SQLAlchemy / SQLite", ("sqlalchemy/", "sqlite3")),
            ("pydantic", ("pydantic",)),
        ),
        (
            ("order system (handlers)", ("backoffice/orders/",)),
            ("other back office", ("(backoffice/",)),
            ("FastAPI / Starlette / uvicorn", ("fastapi/", "starlette/", "uvicorn/", "anyio/")),
        ),
    ),
}
OTHER = "other (interpreter, event loop, libraries)"
# What py-spy writes before a stack's frames: the process and the thread.
PY_SPY_HEADER = re.compile(r'process \d+:"|thread \(0x')
# A thread waiting for work, in case py-spy counts it as busy: the event loop in its selector,
# a pool thread on its queue, a worker on its event.
IDLE_LEAVES = (
    "serve (sanic/server/runners.py",
    "Runner.run (asyncio/runners.py",
    "select (selectors.py",
    "_worker (concurrent/futures/thread.py",
    "wait (threading.py",
)


def stage_of(stack: Sequence[str], tiers: tuple[tuple[Stage, ...], ...]) -> str:
    """The stage of one sampled stack (root first): see STAGES."""
    for stages in tiers:
        for frame in reversed(stack):
            for name, needles in stages:
                if any(needle in frame for needle in needles):
                    return name
    return OTHER


def is_idle(stack: Sequence[str]) -> bool:
    return not stack or any(idle in stack[-1] for idle in IDLE_LEAVES)


def read_raw(path: Path) -> Counter[tuple[str, ...]]:
    """py-spy's `--format raw` (collapsed stacks: `frame;frame;... count`)."""
    stacks: Counter[tuple[str, ...]] = Counter()
    if not path.exists():
        return stacks
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            # py-spy names the thread first ("process 123:\"python\"" and "thread (0x…)").
            parts = [f for f in frames.split(";") if not PY_SPY_HEADER.match(f)]
            stacks[tuple(parts)] += int(count)
    return stacks


def breakdown(stacks: Counter[tuple[str, ...]], process: str) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for stack, count in stacks.items():
        if is_idle(stack):
            continue
        totals[stage_of(stack, STAGES[process])] += count
    return totals.most_common()


def table(process: str, rows: list[tuple[str, int]], rate: int, turns: int) -> str:
    total = sum(count for _, count in rows) or 1
    lines = [
        f"{process}: {total / rate:.1f} s sampled busy over {turns} turns, "
        f"{total / rate * 1000 / max(turns, 1):.1f} ms a turn",
        "",
        "| stage | share | ms / turn |",
        "|---|---:|---:|",
    ]
    for name, count in rows:
        share = 100 * count / total
        if share >= 0.5:
            lines.append(f"| {name} | {share:.1f} % | {count / rate * 1000 / turns:.1f} |")
    return "\n".join(lines)


def spy(pid: int, out: Path, duration: float, rate: int) -> subprocess.Popen[bytes]:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--output",
            str(out),
            "--duration",
            str(round(duration)),
            "--subprocesses",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def drive(url: str, workload_name: str, customers: int, duration: float) -> int:
    workload = WORKLOADS[workload_name]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as http:
        await warm_up("caredesk", lambda: RestCustomer(url, http), workload)
        run = await closed_loop(
            lambda: RestCustomer(url, http),
            workload.scripts,
            customers,
            Budget(duration=duration),
        )
    errors = [s.error for s in run.samples if s.error]
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[0]}", file=sys.stderr)
    return len(run.samples) - len(errors)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workload", choices=sorted(WORKLOADS), nargs="+", default=["FAQ", "order"]
    )
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=100, help="samples a second")
    parser.add_argument("--keep", type=Path, help="keep py-spy's raw stacks in this folder")
    args = parser.parse_args(argv)

    from devstack.stack import running_stack

    with tempfile.TemporaryDirectory() as tmp, running_stack(env=NO_RATE_LIMITS) as stack:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = stack.rasa.base_url
        pids = {
            "rasa": stack.rasa.process.pid,
            "actions": stack.actions.process.pid,
            "backoffice": stack.backoffice.service.process.pid,
        }
        for workload in args.workload:
            # Warmed up first (what loads lazily is not a turn's cost), then sampled.
            asyncio.run(drive(url, workload, 1, 0.1))
            spies = {
                name: spy(pid, folder / f"{workload}-{name}.txt", args.duration, args.rate)
                for name, pid in pids.items()
            }
            # py-spy samples as long as the load runs (it attaches in a fraction of a second).
            turns = asyncio.run(drive(url, workload, args.customers, args.duration))
            for name, process in spies.items():
                _, err = process.communicate(timeout=120)
                if process.returncode and err:
                    print(f"py-spy {name}: {err.decode(errors='replace')[-400:]}", file=sys.stderr)
            print(
                f"{workload} turns over REST, {args.customers} customers, {args.duration:g} s, "
                f"{turns} turns answered, py-spy at {args.rate} Hz (on-CPU samples):\n",
                flush=True,
            )
            for name in pids:
                rows = breakdown(read_raw(folder / f"{workload}-{name}.txt"), name)
                print(table(name, rows, args.rate, turns), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
