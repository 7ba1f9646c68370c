"""caredesk_rules stays dependency-free: each process installs it with nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(p.stem for p in (ROOT / "caredesk_rules").glob("*.py") if p.stem != "__init__")


def test_it_imports_only_the_standard_library() -> None:
    script = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"for name in {MODULES!r}: importlib.import_module('caredesk_rules.' + name)\n"
        "print(json.dumps(sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] not in sys.stdlib_module_names and m != '__main__'\n"
        "    and not m.startswith('_sysconfigdata_'))))\n"
    )
    # -I -S: no site-packages, no PYTHONPATH; only the repository root on the path. The
    # interpreter's own build configuration (`_sysconfigdata_*`, which zoneinfo reads for its
    # search path) is part of the standard library without being named in it.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    assert loaded == sorted(["caredesk_rules", *(f"caredesk_rules.{m}" for m in MODULES)])
