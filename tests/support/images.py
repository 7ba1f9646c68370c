"""Small, real image files for the tests (no imaging library in the back office's venv):
a PNG drawn here with zlib, and a JPEG and a WebP saved once by Pillow and kept as base64."""

from __future__ import annotations

import base64
import struct
import zlib

# 16x12, orange-red, saved by Pillow 12 (JPEG quality 60, WebP lossy).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywt"
    "QFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09P"
    "T09PT09PT09PT09PT09PT09PT0//wAARCAAMABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcI"
    "CQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRol"
    "JicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ip"
    "qrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAA"
    "AAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLR"
    "ChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaX"
    "mJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEA"
    "PwDOooorzD6k/9k="
)
WEBP = base64.b64decode(
    "UklGRjYAAABXRUJQVlA4ICoAAACQAQCdASoQAAwAAoBCJaACdLoAA5gA/uns/9bSZZGWH/z0z+tv4/8ZAAA="
)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 320, height: int = 240) -> bytes:
    """A PNG of a blender-ish picture: a grey body on a warm background, a crack across it."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            inside = width // 3 < x < 2 * width // 3 and height // 5 < y < 4 * height // 5
            crack = inside and abs((x - width // 3) - (y - height // 5)) < 3
            if crack:
                row += bytes((30, 30, 30))
            elif inside:
                row += bytes((150, 160, 172))
            else:
                row += bytes((250, 214 - y * 60 // height, 160))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def large_png(size: int) -> bytes:
    """A valid PNG of at least `size` bytes (an ancillary chunk pads it)."""
    base = png(8, 8)
    padding = _chunk(b"tEXt", b"Comment\x00" + b"x" * max(0, size - len(base)))
    return base[:-12] + padding + base[-12:]
