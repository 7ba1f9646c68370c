"""Custom Rasa input and output channels (messaging apps); enabled by scripts/credentials.py.

Every messaging platform caps the length of one message: the channels cut long answers with
`caredesk_rules.text.split_text`, measuring as their platform counts (`utf16_length` for
Telegram).
"""

from __future__ import annotations


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2
