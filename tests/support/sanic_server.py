"""A Sanic app (Rasa's web framework: our channels' blueprints) served on a loopback port on a
thread of its own, for tests that need the real channel code without a Rasa model."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sanic import Sanic


@contextmanager
def sanic_in_thread(app: Sanic, port: int) -> Iterator[asyncio.AbstractEventLoop]:
    """Serves `app` on 127.0.0.1:`port` until the block ends; yields the server's loop (to run
    coroutines on it). Sanic's test mode (a class attribute, left on for the test process) lets
    several apps start in one process: without it the second one fails while Sanic rewrites its
    own protocol code again (`sanic.touchup` keeps the original only in test mode)."""
    Sanic.test_mode = True
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> None:
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        assert server is not None
        await server.startup()
        await server.before_start()
        await server.after_start()
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(20), "the Sanic server did not start"
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
