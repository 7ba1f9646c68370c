"""The Zalo signature and the OA API client (channels/zalo/client.py) against a local fake OA
API (no Rasa)."""

from __future__ import annotations

import hashlib
import logging

import pytest

from channels.zalo.client import (
    SEND_PATH,
    ZaloApiError,
    ZaloClient,
    compute_signature,
    signature_matches,
)
from devstack.processes import free_port
from tests.support.fake_zalo import fake_zalo_api
from tests.support.http_fakes import Reply, fake_http_server

TOKEN = "oa-access-token-for-tests-0123456789"
BODY = b'{"app_id":"123","event_name":"user_send_text","timestamp":"1699003881354"}'


def test_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    expected = hashlib.sha256(b"123" + BODY + b"1699003881354" + b"oa-secret").hexdigest()
    assert compute_signature("123", BODY, "1699003881354", "oa-secret") == "mac=" + expected


def test_signature_check_accepts_the_header_as_zalo_sends_it():
    header = compute_signature("123", BODY, "1699003881354", "oa-secret")
    assert signature_matches(header, "123", BODY, "1699003881354", "oa-secret")
    assert signature_matches(
        header.upper().replace("MAC=", "mac="), "123", BODY, "1699003881354", "oa-secret"
    )
    assert signature_matches(header[4:], "123", BODY, "1699003881354", "oa-secret")


@pytest.mark.parametrize(
    "change",
    ["body", "timestamp", "secret", "app_id", "empty", "none", "truncated"],
)
def test_signature_check_refuses_anything_else(change):
    header: str | None = compute_signature("123", BODY, "1699003881354", "oa-secret")
    body, timestamp, secret, app_id = BODY, "1699003881354", "oa-secret", "123"
    if change == "body":
        body = BODY.replace(b"user_send_text", b"user_send_texT")
    elif change == "timestamp":
        timestamp = "1699003881355"
    elif change == "secret":
        secret = "oa-secret2"
    elif change == "app_id":
        app_id = "124"
    elif change == "empty":
        header = ""
    elif change == "none":
        header = None
    elif change == "truncated":
        assert header is not None
        header = header[:-1]
    assert not signature_matches(header, app_id, body, timestamp, secret)


def test_send_posts_the_documented_body_with_the_token_header():
    with fake_zalo_api(TOKEN) as api:
        sent = ZaloClient(TOKEN, api.base_url).send("42", {"text": "Xin chào"})
        [delivered] = api.delivered
        assert delivered.user_id == "42" and delivered.text == "Xin chào"
        assert sent.message_id == delivered.message_id and sent.attempts == 1
        [request] = api.server.requests  # type: ignore[union-attr]
        assert request.path == SEND_PATH and request.headers["access_token"] == TOKEN


def test_invalid_token_is_reported_once_without_the_token(caplog):
    with fake_zalo_api("the-real-token") as api:
        client = ZaloClient(TOKEN, api.base_url, backoff=0)
        with caplog.at_level(logging.DEBUG), pytest.raises(ZaloApiError) as raised:
            client.send("42", {"text": "hi"})
        assert raised.value.kind == "token" and raised.value.code == -216
        assert api.server.count("POST") == 1  # type: ignore[union-attr]
        assert TOKEN not in str(raised.value) and TOKEN not in repr(client)
        assert TOKEN not in caplog.text


@pytest.mark.parametrize("code", [-213, -230])
def test_closed_reply_window_is_its_own_kind_and_not_retried(code):
    with fake_zalo_api(TOKEN) as api:
        api.fail_next("42", code)
        with pytest.raises(ZaloApiError) as raised:
            ZaloClient(TOKEN, api.base_url, backoff=0).send("42", {"text": "hi"})
        assert raised.value.kind == "window" and raised.value.code == code
        assert api.server.count("POST") == 1  # type: ignore[union-attr]
        assert api.delivered == []


def test_rate_limit_is_retried_and_the_message_sent_once():
    with fake_zalo_api(TOKEN) as api:
        api.fail_next("42", -32, -32)
        sent = ZaloClient(TOKEN, api.base_url, backoff=0.01).send("42", {"text": "hi"})
        assert sent.attempts == 3
        assert [d.text for d in api.delivered] == ["hi"]


def test_rate_limit_that_lasts_gives_up_after_the_attempts():
    with fake_zalo_api(TOKEN) as api:
        api.fail_next("42", -32, -32, -32, -32)
        with pytest.raises(ZaloApiError) as raised:
            ZaloClient(TOKEN, api.base_url, attempts=3, backoff=0).send("42", {"text": "hi"})
        assert raised.value.kind == "rate_limit"
        assert api.server.count("POST") == 3 and api.delivered == []  # type: ignore[union-attr]


def test_http_429_is_retried():
    with fake_zalo_api(TOKEN) as api:
        api.http_status.append(429)
        ZaloClient(TOKEN, api.base_url, backoff=0).send("42", {"text": "hi"})
        assert api.server.count("POST") == 2 and len(api.delivered) == 1  # type: ignore[union-attr]


def test_other_error_codes_are_not_retried():
    with fake_zalo_api(TOKEN) as api:
        api.fail_next("42", -201)
        with pytest.raises(ZaloApiError) as raised:
            ZaloClient(TOKEN, api.base_url, backoff=0).send("42", {"text": "hi"})
        assert raised.value.kind == "other" and raised.value.code == -201
        assert api.server.count("POST") == 1  # type: ignore[union-attr]


def test_a_server_error_page_is_a_bad_response_not_retried():
    with fake_http_server(lambda r: Reply(502, "<html>bad gateway</html>", "text/html")) as server:
        with pytest.raises(ZaloApiError) as raised:
            ZaloClient(TOKEN, server.base_url, backoff=0).send("42", {"text": "hi"})
        assert raised.value.kind == "bad_response"
        assert server.count("POST") == 1


def test_a_slow_answer_is_not_retried_since_it_may_have_been_delivered():
    slow = Reply(200, '{"error": 0, "message": "Success", "data": {}}', delay=1.0)
    with fake_http_server(lambda r: slow) as server:
        client = ZaloClient(TOKEN, server.base_url, timeout=(1.0, 0.3), backoff=0)
        with pytest.raises(ZaloApiError) as raised:
            client.send("42", {"text": "hi"})
        assert raised.value.kind == "network"
        assert server.count("POST") == 1


def test_a_refused_connection_is_retried_then_reported():
    client = ZaloClient(TOKEN, f"http://127.0.0.1:{free_port()}", attempts=3, backoff=0)
    with pytest.raises(ZaloApiError) as raised:
        client.send("42", {"text": "hi"})
    assert raised.value.kind == "network"
