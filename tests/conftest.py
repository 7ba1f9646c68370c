import os
from collections.abc import Iterator

import pytest

from tests.support.shared_stack import SharedStack, running_shared_stack
from tests.support.stack import Stack

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def shared_stack() -> Iterator[SharedStack]:
    """The running system most stack tests share: started once, when a test first needs it."""
    with running_shared_stack() as shared:
        yield shared


@pytest.fixture(scope="session")
def stack(shared_stack: SharedStack) -> Stack:
    return shared_stack.stack
