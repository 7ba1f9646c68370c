"""The bad-input corpus every boundary is tried with (issue 10): one list, so the figures in the
README count the same inputs for the back office and for the chat channels."""

from __future__ import annotations

from typing import Any

# -- the corpus -------------------------------------------------------------------------------

DEEP = 5000  # deeper than any parser's recursion limit
BAD_VALUES: list[Any] = [
    None,
    [],
    {},
    0,
    -1,
    -(10**30),
    10**400,
    1.5,
    True,
    "",
    "   \t\n ",
    "nul\x00byte",
    "vertical\x0btab",
    "\x1b[31mescape\x1b[0m",
    "\ud800",  # a lone surrogate
    "x" * 100_000,
    "Đơn hàng của mình 😀",
    "' OR 1=1 --",
    "../../etc/passwd",
    {"nested": {"deeper": [1, {"a": None}]}},
    [[[[[[[[[[["deep"]]]]]]]]]]],
]
RAW_BODIES: list[tuple[bytes, str]] = [
    (b"", "application/json"),
    (b"{", "application/json"),
    (b'{"a": ', "application/json"),
    (b"nul", "application/json"),
    (b"{'single': 'quotes'}", "application/json"),
    (b'{"text": "\xff\xfe invalid utf-8"}', "application/json"),
    (b'{"text": "\\ud800 lone surrogate"}', "application/json"),
    (b"null", "application/json"),
    (b"[]", "application/json"),
    (b"0", "application/json"),
    (b"-1e999", "application/json"),
    (b'"just a string"', "application/json"),
    (b"[" * DEEP + b"]" * DEEP, "application/json"),
    (b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json"),
    (b"x" * 100_000, "application/json"),
    (b'{"a": 1}', "text/plain"),
    (b"a=1&b=2", "application/x-www-form-urlencoded"),
    (b"<xml/>", "application/xml"),
    (b"--b\r\nContent-Disposition: form-data\r\n\r\n--b--", "multipart/form-data; boundary=b"),
    (b'{"a": 1}', "application/json; charset=latin-1"),
]
BAD_PATH_VALUES = [
    "A" * 4096,
    "../../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "ORD-10001%00",
    "%00",
    "đơn-hàng-😀",
    "' OR '1'='1",
    "1; DROP TABLE orders; --",
    " ",
    "-1",
    "99999999999999999999999999",
]
