"""A local stand-in for Zalo's ZNS API (business.openapi.zalo.me): `POST /message/template` with
the OA's `access_token` header and `{"phone": "84…", "template_id", "template_data": {name:
value}, "tracking_id"}`; it answers `{"error": 0, "message": "Success", "data": {"msg_id",
"sent_time"}}`, or a ZNS error code for a wrong token, phone, template or data, and records
what it accepted. Free of Rasa, so the back office's tests use it too."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.http_fakes import FakeServer, Reply, Seen, fake_http_server

ZNS_PATH = "/message/template"
ZNS_TEMPLATE_ID = "231490"  # an approved ZNS transaction template of the OA


def _error(code: int, message: str) -> Reply:
    return Reply(200, json.dumps({"error": code, "message": message}))


@dataclass
class FakeZns:
    access_token: str
    server: FakeServer | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)
    templates: set[str] = field(default_factory=lambda: {ZNS_TEMPLATE_ID})
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def answer(self, request: Seen) -> Reply:
        if request.method != "POST" or request.path.split("?")[0] != ZNS_PATH:
            return Reply(404, json.dumps({"error": -14, "message": "Unknown API"}))
        if request.headers.get("access_token") != self.access_token:
            return _error(-124, "Access token is invalid")
        try:
            body = json.loads(request.body)
        except ValueError:
            return _error(-100, "Parameters are invalid")
        if not isinstance(body, dict):
            return _error(-100, "Parameters are invalid")
        phone = body.get("phone")
        if not isinstance(phone, str) or not phone.startswith("84") or not phone.isdigit():
            return _error(-108, "Phone number is invalid")
        if body.get("template_id") not in self.templates:
            return _error(-112, "Template is invalid")
        data = body.get("template_data")
        if not isinstance(data, dict) or not all(isinstance(v, str) and v for v in data.values()):
            return _error(-109, "Template data is invalid")
        if not isinstance(body.get("tracking_id"), str):
            return _error(-100, "Parameters are invalid")
        with self.lock:
            self.sent.append(body)
        answer = {"msg_id": uuid.uuid4().hex, "sent_time": str(int(time.time() * 1000))}
        return Reply(200, json.dumps({"error": 0, "message": "Success", "data": answer}))

    def sent_to(self, phone: str) -> list[dict[str, Any]]:
        with self.lock:
            return [b for b in self.sent if b.get("phone") == phone]

    def wait_sent_to(self, phone: str, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent_to(phone)) < count:
            assert time.monotonic() < deadline, f"{count} ZNS messages to {phone}: {self.sent}"
            time.sleep(0.1)
        return self.sent_to(phone)


@contextmanager
def fake_zns(access_token: str) -> Iterator[FakeZns]:
    api = FakeZns(access_token)
    with fake_http_server(api.answer) as server:
        api.server = server
        yield api
