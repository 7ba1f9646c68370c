"""What counts as a photo, and the upload tokens both processes read."""

from __future__ import annotations

import pytest

from caredesk_rules.attachments import (
    MAX_ATTACHMENT_BYTES,
    UPLOAD_TOKEN_TTL_SECONDS,
    UploadTokens,
    attachment_reference,
    image_type,
)
from tests.support.images import JPEG, WEBP, large_png, png


@pytest.mark.parametrize(
    ("data", "kind"),
    [(JPEG, "image/jpeg"), (png(), "image/png"), (WEBP, "image/webp")],
)
def test_whole_images_are_recognised_by_their_bytes(data: bytes, kind: str) -> None:
    assert image_type(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a text file renamed photo.jpg\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        JPEG[: len(JPEG) // 2],  # cut off in the scan: no end marker
        png()[:-12],  # no IEND
        png()[:40] + b"\x00" + png()[41:],  # a changed byte: the chunk's CRC no longer holds
        b"\x89PNG\r\n\x1a\n" + b"<html>" * 10,
        WEBP[:8] + b"WAVE" + WEBP[12:],  # a RIFF file that is not WebP
        b"\xff\xd8\xff\xe0" + b"<?php system($_GET['c']); ?>",
    ],
)
def test_anything_else_is_not_an_image(data: bytes) -> None:
    assert image_type(data) is None


def test_a_large_png_is_still_a_png() -> None:
    assert image_type(large_png(MAX_ATTACHMENT_BYTES + 10)) == "image/png"


def test_a_token_names_its_conversation_until_it_expires() -> None:
    tokens = UploadTokens("shared-key")
    token = tokens.issue("abc123", now=1000.0)
    assert tokens.conversation(token, now=1000.0) == "abc123"
    assert tokens.conversation(token, now=1000.0 + UPLOAD_TOKEN_TTL_SECONDS) == "abc123"
    assert tokens.conversation(token, now=1001.0 + UPLOAD_TOKEN_TTL_SECONDS) is None


def test_a_token_from_another_key_or_altered_is_refused() -> None:
    token = UploadTokens("shared-key").issue("abc123", now=1000.0)
    assert UploadTokens("another-key").conversation(token, now=1000.0) is None
    version, who, expires, signature = token.split(".")
    other = UploadTokens("shared-key").issue("someone-else", now=1000.0).split(".")[1]
    assert (
        UploadTokens("shared-key").conversation(
            ".".join((version, other, expires, signature)), now=1000.0
        )
        is None
    )
    later = str(int(expires) + 86400)
    assert (
        UploadTokens("shared-key").conversation(
            ".".join((version, who, later, signature)), now=1000.0
        )
        is None
    )
    for junk in (None, "", "a1", "a1.x.y.z", 42, "a1." + "x" * 700):
        assert UploadTokens("shared-key").conversation(junk, now=1000.0) is None


def test_a_message_carries_only_a_well_formed_reference() -> None:
    good = "att_" + "0" * 32
    assert attachment_reference({"attachment": {"id": good}}) == good
    for metadata in (None, {}, {"attachment": good}, {"attachment": {"id": "../../etc/passwd"}}):
        assert attachment_reference(metadata) is None
