"""Adds `metadata: {language: <folder>}` to every intent block under data/nlu/<language>/.

The language detector learns its word statistics from this label; tests/test_nlu_data.py checks
that every block carries the right one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_INTENT = re.compile(r"^(\s*)- intent: \S+\s*$")


def tag_file(path: Path, language: str) -> bool:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    changed = False
    for index, line in enumerate(lines):
        out.append(line)
        match = _INTENT.match(line)
        if not match:
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if following.startswith("metadata:"):
            continue
        indent = match.group(1) + "  "
        out += [f"{indent}metadata:", f"{indent}  language: {language}"]
        changed = True
    if changed:
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def main() -> int:
    for language in ("en", "vi"):
        for path in sorted((ROOT / "data" / "nlu" / language).glob("*.yml")):
            if tag_file(path, language):
                print(f"tagged {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
