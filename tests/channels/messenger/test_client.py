"""Meta's signature and the Send API call (channels/messenger/client.py), the latter through the
output channel against a local fake Graph API, or none at all (no Rasa server)."""

from __future__ import annotations

import asyncio
import json
import traceback
from typing import Any

import pytest

from channels.messenger import MessengerInput
from channels.messenger.client import valid_signature
from tests.support.fake_graph_api import (
    APP_SECRET,
    PAGE_ACCESS_TOKEN,
    VERIFY_TOKEN,
    FakeGraphApi,
    fake_graph_api,
    message_event,
    notification,
    sign,
)


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_sha256_and_sha1_signatures_are_accepted_anything_else_refused():
    body = raw(notification(message_event("1", "hi")))
    headers = sign(body)
    assert valid_signature(APP_SECRET, body, headers)
    assert valid_signature(APP_SECRET, body, {"X-Hub-Signature": headers["X-Hub-Signature"]})
    assert valid_signature(
        APP_SECRET, body, {"X-Hub-Signature-256": headers["X-Hub-Signature-256"]}
    )
    assert not valid_signature("another-secret", body, headers)
    assert not valid_signature(APP_SECRET, body + b" ", headers)
    assert not valid_signature(APP_SECRET, body, {})
    md5 = "md5=" + "0" * 32
    assert not valid_signature(APP_SECRET, body, {"X-Hub-Signature": md5})
    # a good sha1 does not rescue a wrong sha256: the stronger header decides
    wrong = {
        "X-Hub-Signature-256": "sha256=" + "0" * 64,
        "X-Hub-Signature": headers["X-Hub-Signature"],
    }
    assert not valid_signature(APP_SECRET, body, wrong)
    # a signature that is not hex (not even ASCII) is refused, not an error
    assert not valid_signature(APP_SECRET, body, {"X-Hub-Signature-256": "sha256=é" * 64})


def channel_on(graph: FakeGraphApi) -> MessengerInput:
    return MessengerInput(VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url=graph.base_url)


def test_a_refusal_by_the_send_api_is_raised_not_ignored():
    with fake_graph_api(page_access_token="another-page-token") as graph:
        out = channel_on(graph).get_output_channel()
        with pytest.raises(RuntimeError, match="Invalid OAuth"):
            asyncio.run(out.send_text_message("99", "hello"))


def test_an_unreachable_graph_api_is_reported_without_the_token():
    channel = MessengerInput(
        VERIFY_TOKEN, APP_SECRET, PAGE_ACCESS_TOKEN, graph_api_url="http://127.0.0.1:9"
    )
    with pytest.raises(RuntimeError) as raised:
        asyncio.run(channel.get_output_channel().send_text_message("99", "hello"))
    assert "unreachable" in str(raised.value)
    assert PAGE_ACCESS_TOKEN not in str(raised.value)
    # a logged traceback leaves out the suppressed requests error (whose text has the URL)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    logged = "".join(traceback.format_exception(raised.value))
    assert PAGE_ACCESS_TOKEN not in logged
