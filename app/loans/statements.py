"""Reading an M-Pesa statement (CSV) and matching its paid-in rows to loans.

Tolerated: the column names of the M-Pesa organisation portal and of
personal statements ("Receipt No.", "Completion Time", "Details",
"Transaction Status", "Paid In", "Withdrawn", "Balance", "Other Party
Info", "A/C No." and their common variants), lines above the header
(account holder, period), commas or semicolons, UTF-8 (with or without
BOM), UTF-16 and Windows-1252, amounts like "1,500.00" and the usual date
formats. Times are Nairobi time.

A paid-in row is matched to a loan, in this order:
1. by an account reference: the loan's (AZ0042L1) in the account column
   or anywhere in Details, or the member's code (AZ-0042) when the member
   has exactly one loan being repaid;
2. by the payer's phone number in Details, when it is a member's number
   and that member has exactly one loan being repaid;
3. otherwise it is left for a person to assign.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from app.clock import NAIROBI, to_utc
from app.i18n import gettext as _
from app.money import AmountError, parse_statement_cents

MAX_ROWS = 5_000
HEADER_SEARCH_ROWS = 30

# canonical column -> accepted header names (lower case, without punctuation)
COLUMNS = {
    "receipt": ("receipt no", "receipt", "receipt number", "transaction id", "transaction code",
                "mpesa receipt", "code"),
    "time": ("completion time", "completion date", "transaction date", "date", "time",
             "initiation time", "transaction time"),
    "details": ("details", "description", "transaction details", "narrative", "particulars"),
    "status": ("transaction status", "status"),
    "paid_in": ("paid in", "paid in ksh", "money in", "credit", "amount in", "received"),
    "withdrawn": ("withdrawn", "paid out", "money out", "debit", "withdrawal"),
    "balance": ("balance",),
    "other_party": ("other party info", "other party", "sender"),
    "account": ("ac no", "account no", "account number", "acc no", "bill ref number",
                "bill reference", "account"),
}
REQUIRED = ("receipt", "time", "paid_in")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_PHONE = re.compile(r"(?<!\d)(?:\+?254|0)\s?([17]\d{2})\s?(\d{3})\s?(\d{3})(?!\d)")
_MASKED_PHONE = re.compile(r"(?:\+?254|0)[17]\d*\*{2,}\d+")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/]*")


class StatementProblem(Exception):
    """The file is not a statement we can read; the message says why, plainly."""


@dataclass
class Row:
    number: int                 # the line in the file (1 = first line)
    receipt: str
    time_text: str
    details: str
    status: str
    paid_in: str
    withdrawn: str
    account: str


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (header or "").lower()).split())


def decode(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        raise StatementProblem(_("This is a PDF. In the M-Pesa portal, download the statement "
                                 "as CSV (or open it in a spreadsheet and save it as CSV)."))
    if data.startswith(b"PK\x03\x04"):
        raise StatementProblem(_("This is a spreadsheet (Excel) file. Open it and save it as "
                                 "“CSV UTF-8”, then upload that file."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise StatementProblem(_("The file could not be read as text. Save the statement as "
                             "“CSV UTF-8” and try again."))


def read(data: bytes) -> tuple[list[Row], int]:
    """-> (rows with money paid in, number of other rows left aside).
    Raises StatementProblem for a file that is not a readable statement."""
    text = decode(data)
    if not text.strip():
        raise StatementProblem(_("The file is empty."))
    first_lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = ";" if sum(line.count(";") for line in first_lines) > sum(
        line.count(",") for line in first_lines) else ","
    try:
        lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise StatementProblem(_("The file could not be read as CSV. Save the statement as "
                                 "“CSV UTF-8” and try again.")) from None
    header_at, columns = _find_header(lines)
    rows, others = [], 0
    for index in range(header_at + 1, len(lines)):
        cells = lines[index]
        if not any(cell.strip() for cell in cells):
            continue
        row = Row(index + 1, *(_cell(cells, columns.get(name)) for name in (
            "receipt", "time", "details", "status", "paid_in", "withdrawn", "account")))
        if not row.details:
            row.details = _cell(cells, columns.get("other_party"))
        elif columns.get("other_party") is not None:
            row.details = f"{row.details} {_cell(cells, columns.get('other_party'))}".strip()
        if not row.paid_in.strip() or row.paid_in.strip() in ("0", "0.00", "-"):
            others += 1
            continue
        rows.append(row)
    if len(rows) > MAX_ROWS:
        raise StatementProblem(_("The statement has more than %(n)d payments. Download a "
                                 "shorter period and import each part.", n=MAX_ROWS))
    if not rows and not others:
        raise StatementProblem(_("The statement has a header but no transactions."))
    return rows, others


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _find_header(lines: list[list[str]]) -> tuple[int, dict[str, int]]:
    best: tuple[int, dict[str, int]] | None = None
    for index, cells in enumerate(lines[:HEADER_SEARCH_ROWS]):
        found = {}
        for position, cell in enumerate(cells):
            key = _key(cell)
            for name, names in COLUMNS.items():
                if name not in found and key in names:
                    found[name] = position
        if best is None or len(found) > len(best[1]):
            best = (index, found)
        if all(name in found for name in REQUIRED):
            return index, found
    found = best[1] if best else {}
    if len(found) < 2:
        raise StatementProblem(_("This does not look like an M-Pesa statement: no row has the "
                                 "columns “Receipt No.”, “Completion Time” and “Paid In”."))
    missing = [{"receipt": "Receipt No.", "time": "Completion Time", "paid_in": "Paid In"}[name]
               for name in REQUIRED if name not in found]
    raise StatementProblem(_("The statement has no column %(names)s. Download the full "
                             "statement from the M-Pesa portal.",
                             names=", ".join(f"“{m}”" for m in missing)))


def parse_time(text: str) -> dt.datetime | None:
    """Nairobi wall-clock text -> naive UTC datetime (None if not a date)."""
    value = " ".join((text or "").split())
    for fmt in TIME_FORMATS:
        try:
            local = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return to_utc(local)
    return None


def local_day(utc: dt.datetime) -> dt.date:
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(NAIROBI).date()


def amount_in(row: Row) -> int | None:
    """The amount paid in, in cents; None when it is not a positive amount."""
    try:
        cents = parse_statement_cents(row.paid_in)
    except AmountError:
        return None
    return cents if cents and cents > 0 else None


def phones_in(text: str) -> tuple[list[str], bool]:
    """(last nine digits of each full phone number, whether a hidden one was seen)."""
    return (["".join(m.groups()) for m in _PHONE.finditer(text or "")],
            bool(_MASKED_PHONE.search(text or "")))


def reference_tokens(*texts: str) -> list[str]:
    """Candidate references: each word, and each run of two or three words
    joined (a member typing "AZ 0042 L1"), without punctuation, upper case."""
    words = [w for text in texts for w in _TOKEN.findall(text or "")]
    out = []
    for size in (1, 2, 3):
        for i in range(len(words) - size + 1):
            token = "".join(c for c in "".join(words[i:i + size]) if c.isalnum()).upper()
            if 4 <= len(token) <= 32:
                out.append(token)
    return out
