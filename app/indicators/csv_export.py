"""Indicators as CSV for French spreadsheets: `;` separator, UTF-8 with a byte-order mark (so
Excel reads the accents right), a header row with the JSON field names, CRLF line ends."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

BOM = "\ufeff"


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return BOM + buf.getvalue()
