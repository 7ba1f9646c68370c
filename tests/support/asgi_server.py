"""An ASGI app served by uvicorn on a free loopback port in a daemon thread: the stand-in
servers of the widget's browser tests (a host page, a socket.io peer)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn
from typing_extensions import Self


class ThreadedServer:
    """Subclasses set `port`, build their app, then call `_serve(app)`; `with` starts and stops
    it."""

    port: int

    def _serve(self, app: Any) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert time.monotonic() < deadline, "the test server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
