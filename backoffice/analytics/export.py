"""The drill-down's CSV: one row per conversation with every field of its record, written for
Excel (UTF-8 with a byte order mark, so Vietnamese opens right) and safe to open there: a cell
that starts like a formula is prefixed with an apostrophe (CSV injection; a customer chooses
their sender id on the REST channel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import astuple, fields
from typing import Any

from backoffice.analytics.kpis import ConversationRecord

COLUMNS = tuple(field.name for field in fields(ConversationRecord))
BOM = "\ufeff"
# What makes Excel (and LibreOffice, Google Sheets) read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200


def cell(value: Any) -> str:
    """A value as one CSV cell: empty for none, true/false, a list space-separated."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = " ".join(str(item) for item in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(records: Iterable[ConversationRecord]) -> Iterator[str]:
    """The file in pieces (the BOM and the header first), for a streamed response."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    pending = 0
    for record in records:
        writer.writerow([cell(value) for value in astuple(record)])
        pending += 1
        if pending == ROWS_PER_CHUNK:
            yield _drain(buffer)
            pending = 0
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
