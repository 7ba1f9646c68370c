"""Where actions run blocking calls (HTTP, spaCy): never on the action server's event loop."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# Blocking HTTP calls run here, not on the event loop. asyncio's default pool has only
# cpu_count + 4 threads (6 on a 2-core machine): 20 simultaneous lookups would queue.
_WORKERS = ThreadPoolExecutor(
    max_workers=int(os.environ.get("ACTIONS_IO_THREADS", "32")), thread_name_prefix="actions-io"
)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKERS, call)
