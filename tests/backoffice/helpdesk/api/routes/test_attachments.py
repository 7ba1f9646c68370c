"""Customers' photos over real HTTP (SQLite and PostgreSQL): who may upload and read them, what
is accepted, and how a photo reaches the agent's transcript and the ticket (issue 12)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from caredesk_rules.attachments import MAX_ATTACHMENT_BYTES, UPLOADS_PER_WINDOW, UploadTokens
from tests.support.helpdesk import API_KEY, Helpdesk, new_conversation_id
from tests.support.images import JPEG, WEBP, large_png, png

TOKENS = UploadTokens(API_KEY)


def token_for(conversation: str, now: float | None = None) -> str:
    return TOKENS.issue(conversation, time.time() if now is None else now)


def upload(helpdesk: Helpdesk, data: bytes, content_type: str, **headers: str) -> requests.Response:
    return requests.post(
        helpdesk.base_url + "/api/v1/attachments",
        data=data,
        headers={"Content-Type": content_type, **headers},
        timeout=10,
    )


def widget_upload(helpdesk: Helpdesk, conversation: str, data: bytes, kind: str):
    return upload(helpdesk, data, kind, Authorization=f"Bearer {token_for(conversation)}")


def download(helpdesk: Helpdesk, attachment_id: str, **headers: str) -> requests.Response:
    return requests.get(
        helpdesk.base_url + f"/api/v1/attachments/{attachment_id}", headers=headers, timeout=10
    )


@pytest.mark.parametrize(
    ("data", "kind"), [(JPEG, "image/jpeg"), (png(), "image/png"), (WEBP, "image/webp")]
)
def test_the_widget_uploads_a_photo_and_an_agent_sees_it(
    helpdesk: Helpdesk, data: bytes, kind: str
) -> None:
    conversation = new_conversation_id()
    answer = widget_upload(helpdesk, conversation, data, kind)
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["content_type"] == kind and stored["size"] == len(data)
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()
    row = helpdesk.rows(
        "SELECT conversation_id, channel, content_type, size FROM attachments "
        "WHERE public_id = :id",
        id=stored["id"],
    )
    assert row == [(conversation, "socketio", kind, len(data))]
    files = list(Path(helpdesk.env["CAREDESK_ATTACHMENTS_DIR"]).rglob(stored["id"]))
    assert [f.read_bytes() for f in files] == [data]

    agent = helpdesk.agent("billing")
    seen = download(helpdesk, stored["id"], Authorization=f"Bearer {agent.token}")
    assert seen.status_code == 200 and seen.content == data
    assert seen.headers["Content-Type"] == kind
    assert seen.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in seen.headers["Content-Security-Policy"]


def test_the_declared_type_may_name_another_image_format_but_the_bytes_decide(
    helpdesk: Helpdesk,
) -> None:
    answer = widget_upload(helpdesk, new_conversation_id(), png(), "image/jpeg")
    assert answer.status_code == 201 and answer.json()["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"just some text, renamed to photo.jpg\n", "image/jpeg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/png"),
        (b"<html><script>alert(1)</script></html>", "image/webp"),
        (JPEG[:300], "image/jpeg"),
        (JPEG, "text/html"),
        (JPEG, "image/svg+xml"),
        (b"", "image/png"),
    ],
)
def test_what_is_not_a_whole_accepted_image_is_refused(
    helpdesk: Helpdesk, data: bytes, kind: str
) -> None:
    conversation = new_conversation_id()
    answer = widget_upload(helpdesk, conversation, data, kind)
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"]["code"] == "not_an_image"
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM attachments WHERE conversation_id = :c", c=conversation
    ) == [(0,)]


def test_a_photo_over_the_limit_is_refused(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    answer = widget_upload(helpdesk, conversation, large_png(MAX_ATTACHMENT_BYTES + 1), "image/png")
    assert answer.status_code == 413
    assert helpdesk.rows(
        "SELECT COUNT(*) FROM attachments WHERE conversation_id = :c", c=conversation
    ) == [(0,)]
    exactly = widget_upload(
        helpdesk, conversation, large_png(MAX_ATTACHMENT_BYTES - 100), "image/png"
    )
    assert exactly.status_code == 201, exactly.text


def test_uploads_need_a_genuine_unexpired_token_or_the_key(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    expired = token_for(conversation, now=time.time() - 13 * 3600)
    forged = UploadTokens("not-the-shared-key").issue(conversation, time.time())
    agent = helpdesk.agent("billing").token
    for headers in (
        {},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {agent}"},  # agents do not upload as customers
        {"X-API-Key": "wrong", "X-Conversation-Id": conversation, "X-Channel": "telegram"},
    ):
        answer = upload(helpdesk, JPEG, "image/jpeg", **headers)
        assert answer.status_code == 401, (headers, answer.text)
    # The channels' key needs to say for which conversation and channel.
    missing = upload(helpdesk, JPEG, "image/jpeg", **{"X-API-Key": API_KEY})
    assert missing.status_code == 422
    answer = upload(
        helpdesk,
        JPEG,
        "image/jpeg",
        **{"X-API-Key": API_KEY, "X-Conversation-Id": "telegram:42", "X-Channel": "telegram"},
    )
    assert answer.status_code == 201, answer.text


def test_only_agents_and_the_customer_who_sent_it_may_see_a_photo(helpdesk: Helpdesk) -> None:
    mine, other = new_conversation_id(), new_conversation_id()
    stored = widget_upload(helpdesk, mine, JPEG, "image/jpeg").json()
    own = download(helpdesk, stored["id"], Authorization=f"Bearer {token_for(mine)}")
    assert own.status_code == 200 and own.content == JPEG
    theirs = download(helpdesk, stored["id"], Authorization=f"Bearer {token_for(other)}")
    assert theirs.status_code == 404  # as if it did not exist
    assert download(helpdesk, stored["id"]).status_code == 401
    assert download(helpdesk, stored["id"], Authorization="Bearer nonsense").status_code == 401
    assert (
        download(helpdesk, "att_" + "0" * 32, Authorization=f"Bearer {token_for(mine)}").status_code
        == 404
    )
    for name in ("..%2F..%2Fetc%2Fpasswd", "att_../../x", "ATT_" + "A" * 32):
        agent = helpdesk.agent("billing").token
        assert download(helpdesk, name, Authorization=f"Bearer {agent}").status_code == 404


def test_a_conversation_may_upload_only_so_many_photos_at_a_time(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    for _ in range(UPLOADS_PER_WINDOW):
        assert widget_upload(helpdesk, conversation, WEBP, "image/webp").status_code == 201
    refused = widget_upload(helpdesk, conversation, WEBP, "image/webp")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_uploads"
    assert int(refused.headers["Retry-After"]) > 0
    assert widget_upload(helpdesk, new_conversation_id(), WEBP, "image/webp").status_code == 201


def test_a_photo_reaches_the_agents_transcript_and_the_ticket(helpdesk: Helpdesk) -> None:
    conversation = new_conversation_id()
    before = widget_upload(helpdesk, conversation, png(), "image/png").json()  # sent to the bot
    assert helpdesk.request_handoff(conversation).status_code == 201
    agent = helpdesk.agent("billing")
    assert agent.conversation(conversation, "claim").status_code == 200
    socket = agent.websocket()
    try:
        photo = widget_upload(helpdesk, conversation, JPEG, "image/jpeg").json()
        body = {
            "message_id": "m-photo-1",
            "text": "📷",
            "sent_at": datetime.now(timezone.utc).isoformat(),
            "attachment_id": photo["id"],
        }
        answer = helpdesk.api("POST", f"/handoffs/{conversation}/messages", json=body)
        assert answer.status_code == 202, answer.text
        pushed = socket.wait_for(
            lambda e: (
                e.get("type") == "customer_message" and e.get("conversation_id") == conversation
            )
        )
        assert pushed["message"]["attachment"]["id"] == photo["id"]
    finally:
        socket.close()
    view = agent.conversation(conversation).json()
    line = next(m for m in view["transcript"] if m["text"] == "📷")
    assert line["attachment"]["id"] == photo["id"]
    assert [a["id"] for a in view["attachments"]] == [before["id"], photo["id"]]


def test_another_conversations_photo_is_not_attached_to_a_message(helpdesk: Helpdesk) -> None:
    conversation, stranger = new_conversation_id(), new_conversation_id()
    theirs = widget_upload(helpdesk, stranger, JPEG, "image/jpeg").json()
    assert helpdesk.request_handoff(conversation).status_code == 201
    body = {
        "message_id": "m-photo-2",
        "text": "📷",
        "sent_at": datetime.now(timezone.utc).isoformat(),
        "attachment_id": theirs["id"],
    }
    assert helpdesk.api("POST", f"/handoffs/{conversation}/messages", json=body).status_code == 202
    view = helpdesk.agent("billing").conversation(conversation).json()
    assert view["attachments"] == []
    assert all(m["attachment"] is None for m in view["transcript"])
