"""Photos customers send: what is accepted, how a file is recognised, and who may upload.

One home for the limits: the back office enforces them (backoffice/helpdesk/api/routes/
attachments.py), the socket.io channel tells the widget (`session_confirm`), the messaging
channels check them before fetching a platform's file.

A file is what its bytes say, never what its name or declared type says: `image_type` walks
the file's structure (PNG chunks with their CRCs, JPEG segments up to the scan, the WebP RIFF
container) with the standard library only, so a renamed text file or a truncated upload is
refused.

Upload tokens let the widget (which has no login) upload into its own conversation only:
`a1.<base64url(conversation id)>.<expiry, Unix seconds>.<hex HMAC-SHA256 of the first three
parts>`, keyed by a key derived from `BACKOFFICE_API_KEY`, the secret the Rasa server and the
back office already share. The socket.io channel issues one with every `session_confirm`; the
back office checks it. The same token lets that customer see their own photos again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import zlib

from caredesk_rules.signed_tokens import SignedTokens

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # a phone photo; larger ones are refused, not shrunk
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
# Uploads one conversation may make in UPLOAD_WINDOW_SECONDS (a few photos of one item).
UPLOADS_PER_WINDOW = 10
UPLOAD_WINDOW_SECONDS = 600
ATTACHMENT_ID = re.compile(r"att_[0-9a-f]{32}")
# A customer message's metadata key: {"attachment": {"id": "att_…"}} (docs/contract.md).
METADATA_KEY = "attachment"
PHOTO_TEXT = "📷"  # the words of a photo sent without any (the channels put it in)
UPLOAD_TOKEN_TTL_SECONDS = 12 * 3600
_TOKEN_VERSION = "a1"  # noqa: S105 - a format version, not a secret
_KEY_LABEL = b"caredesk attachment upload token v1"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic), not DHT/JPG/DAC.
_JPEG_FRAMES = frozenset(
    {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF}
)
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def is_attachment_id(value: object) -> bool:
    return isinstance(value, str) and ATTACHMENT_ID.fullmatch(value) is not None


def attachment_reference(metadata: object) -> str | None:
    """The attachment id a customer message carries in its metadata, if well-formed."""
    value = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    found = value.get("id") if isinstance(value, dict) else None
    return found if is_attachment_id(found) else None


def only_a_photo(text: object, metadata: object) -> bool:
    """A customer message that is a photo without words (the channels' `PHOTO_TEXT`)."""
    return str(text or "").strip() == PHOTO_TEXT and attachment_reference(metadata) is not None


def _png(data: bytes) -> bool:
    position, seen_data = len(_PNG_SIGNATURE), False
    first = True
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            return False
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            return False
        if first:
            if kind != b"IHDR" or length != 13:
                return False
            width, height = struct.unpack(">II", body[:8])
            if not width or not height:
                return False
            first = False
        seen_data = seen_data or kind == b"IDAT"
        if kind == b"IEND":
            return seen_data
        position = end
    return False


def _jpeg(data: bytes) -> bool:
    position, framed = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            return False
        if marker in _JPEG_FRAMES:
            if length < 8:
                return False
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            if not width or not height:
                return False
            framed = True
        if marker == 0xDA:  # start of scan: the image data follows, then the end marker
            return framed and b"\xff\xd9" in data[position + 2 + length :]
        position += 2 + length
    return False


def _webp(data: bytes) -> bool:
    if len(data) < 20 or data[8:12] != b"WEBP":
        return False
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 > len(data) or size < 12:
        return False
    chunk = data[12:16]
    (length,) = struct.unpack("<I", data[16:20])
    if 20 + length > size + 8:
        return False
    body = data[20 : 20 + length]
    if chunk == b"VP8 ":
        return len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a"
    if chunk == b"VP8L":
        return len(body) >= 5 and body[0] == 0x2F
    if chunk == b"VP8X":
        return len(body) >= 10
    return False


def image_type(data: bytes) -> str | None:
    """`image/jpeg`, `image/png` or `image/webp` when the bytes are such a file, else None."""
    if data.startswith(_PNG_SIGNATURE):
        return "image/png" if _png(data) else None
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg" if _jpeg(data) else None
    if data.startswith(b"RIFF"):
        return "image/webp" if _webp(data) else None
    return None


class UploadTokens:
    """Issues and checks upload tokens (see the module) with a key derived from the API key."""

    def __init__(self, api_key: str) -> None:
        if not api_key:
            raise ValueError("an upload token needs the shared API key")
        key = hmac.new(api_key.encode(), _KEY_LABEL, hashlib.sha256).digest()
        self._tokens = SignedTokens(key, _TOKEN_VERSION)

    def __repr__(self) -> str:  # never show the key
        return "UploadTokens()"

    def issue(self, conversation_id: str, now: float) -> str:
        return self._tokens.sign(conversation_id, int(now) + UPLOAD_TOKEN_TTL_SECONDS)

    def conversation(self, token: object, now: float) -> str | None:
        """The conversation a genuine, unexpired token was issued for, else None."""
        return self._tokens.verify(token, now)
