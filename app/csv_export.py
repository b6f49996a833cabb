"""CSV downloads that are safe to open in a spreadsheet.

A cell that begins with =, +, -, @ (or a tab or carriage return) is read
by Excel and LibreOffice as a formula: a member's name typed as
"=HYPERLINK(...)" would run when finance opens the export (CSV formula
injection, OWASP). Text cells that begin so get a leading apostrophe;
numbers are written as numbers.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response, stream_with_context

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return "'" + value
    return "" if value is None else value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """The CSV text line by line (UTF-8 with a BOM, for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """A streamed CSV download (big exports never sit whole in memory)."""
    return Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
