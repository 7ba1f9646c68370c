from __future__ import annotations

import functools
import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from devstack.stack import Stack
    from tests.support.shared_stack import SharedStack

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Each process has its own venv (requirements/): a test module that imports the back office runs
# in the back office's venv (Python 3.12, no Rasa), every other one in the Rasa venv (3.10,
# without the back office's packages). `make pytest` runs both; each venv collects its half.
IN_BACKOFFICE_VENV = importlib.util.find_spec("rasa") is None
_IMPORTS_BACKOFFICE = re.compile(r"^\s*(?:from|import) backoffice\b", re.MULTILINE)
_BACKOFFICE_TESTS = Path(__file__).parent / "backoffice"


@functools.cache
def runs_in_backoffice_venv(path: Path) -> bool:
    return _BACKOFFICE_TESTS in path.parents or bool(
        _IMPORTS_BACKOFFICE.search(path.read_text(encoding="utf-8"))
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A test module in the other venv is skipped, and so is a directory (its conftest.py
    included) with no test module for this venv."""
    if collection_path.is_dir():
        modules = collection_path.rglob("test_*.py")
        here = any(runs_in_backoffice_venv(module) == IN_BACKOFFICE_VENV for module in modules)
        return None if here else True
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    return True if runs_in_backoffice_venv(collection_path) != IN_BACKOFFICE_VENV else None


@pytest.fixture(scope="session")
def shared_stack() -> Iterator[SharedStack]:
    """The running system most stack tests share: started once, when a test first needs it.
    Imported here, not at the top: the back office's tests run in their own venv (Python 3.12,
    without Rasa), where the channels the shared stack fakes cannot be imported."""
    from tests.support.shared_stack import running_shared_stack

    with running_shared_stack() as shared:
        yield shared


@pytest.fixture(scope="session")
def stack(shared_stack: SharedStack) -> Stack:
    return shared_stack.stack
