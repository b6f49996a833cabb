"""M-Pesa statement imports: upload, dry run, assign, confirm.

1. The upload is kept in the jobs folder (0600) only until the worker has
   checked it: the dry run writes one line per paid-in row (matched,
   unmatched, duplicate or refused, and why) and removes the file.
2. Finance looks at the lines, may assign unmatched ones to a loan, and
   confirms. Nothing touches the ledger before that.
3. Confirming writes every matched line as a repayment in ONE transaction,
   or none if anything fails. A receipt already counted (by an earlier
   import, by hand, or twice in the file) is never counted again, so the
   same file imported twice writes nothing the second time.
4. Lines left unmatched wait on the "payments to assign" list; assigning
   one records its repayment. The payer's details are blanked once a line
   is settled.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections import Counter
from pathlib import Path

import peewee as pw
from flask import current_app
from flask_babel import force_locale
from peewee import fn

from app import audit
from app.clock import utcnow
from app.db import db
from app.i18n import REGIONAL_LOCALE, lazy_gettext as _l
from app.loans import ledger, statements as St
from app.loans.models import LedgerEntry, Loan, StatementImport, StatementLine
from app.members.models import Member
from app.rules import RuleError, today

log = logging.getLogger(__name__)
PURGE_HOURS = 24


class ImportError_(RuleError):
    """A rule about an import refused the action."""


# --- the upload ---------------------------------------------------------------------------

def _folder() -> Path:
    path = Path(current_app.config["JOBS_DIR"]) / "statements"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_upload(data: bytes, filename: str, owner) -> StatementImport:
    batch = StatementImport.create(owner=owner.id, filename=(filename or "statement.csv")[:120])
    path = _folder() / f"{batch.id}.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    StatementImport.update(path=str(path)).where(StatementImport.id == batch.id).execute()
    audit.record("loans.statement_uploaded", "statement_import", batch.id, actor=owner)
    return StatementImport.get_by_id(batch.id)


def _discard_file(batch: StatementImport) -> None:
    if batch.path:
        try:
            os.remove(batch.path)
        except FileNotFoundError:
            pass
        StatementImport.update(path="").where(StatementImport.id == batch.id).execute()


# --- matching ------------------------------------------------------------------------------

class MatchIndex:
    """Every loan's reference, and members' codes and phones, read once."""

    def __init__(self):
        self.refs: dict[str, tuple[int, str, dt.date | None]] = {}
        self.by_code: dict[str, list[int]] = {}
        self.by_phone: dict[str, list[int]] = {}
        query = (Loan.select(Loan.id, Loan.account_ref, Loan.status, Loan.disbursed_on,
                             Member.code, Member.phone)
                 .join(Member, on=(Loan.member == Member.id)).tuples())
        for loan_id, ref, status, disbursed_on, code, phone in query.iterator():
            self.refs[ref.upper()] = (loan_id, status, disbursed_on)
            if status != "active":
                continue
            self.by_code.setdefault(_plain(code), []).append(loan_id)
            digits = "".join(c for c in phone or "" if c.isdigit())
            if len(digits) >= 9:
                self.by_phone.setdefault(digits[-9:], []).append(loan_id)
        self.disbursed = {loan_id: day for loan_id, _s, day in self.refs.values()}

    def match(self, account: str, details: str) -> tuple[int | None, str, str]:
        """-> (loan id, matched by, reason when unmatched)."""
        reason = "no_match"
        for token in St.reference_tokens(account, details):
            if token in self.refs:
                loan_id, status, _day = self.refs[token]
                if status == "active":
                    return loan_id, "reference", ""
                reason = "loan_not_active"
            elif token in self.by_code:
                loans = self.by_code[token]
                if len(loans) == 1:
                    return loans[0], "reference", ""
                reason = "several_loans"
        phones, hidden = St.phones_in(details)
        for phone in phones:
            loans = self.by_phone.get(phone, [])
            if len(loans) == 1:
                return loans[0], "phone", ""
            if loans:
                reason = "several_loans"
        if hidden and reason == "no_match":
            reason = "phone_hidden"
        return None, "", reason


def _plain(code: str) -> str:
    return "".join(c for c in code or "" if c.isalnum()).upper()


def live_receipts(keys) -> set[str]:
    """Receipt keys that a repayment counts now (not reversed)."""
    keys = list(set(keys))
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        used = dict(LedgerEntry.select(LedgerEntry.id, LedgerEntry.receipt_key)
                    .where(LedgerEntry.receipt_key.in_(chunk) & LedgerEntry.reverses.is_null())
                    .tuples())
        if not used:
            continue
        undone = {r[0] for r in LedgerEntry.select(LedgerEntry.reverses)
                  .where(LedgerEntry.reverses.in_(list(used))).tuples()}
        found |= {key for entry_id, key in used.items() if entry_id not in undone}
    return found


def classify(rows: list[St.Row], index: MatchIndex, progress=lambda pct: None) -> list[dict]:
    """Each row -> the values of its StatementLine."""
    live = live_receipts(ledger.receipt_key(r.receipt) for r in rows if r.receipt)
    seen: set[str] = set()
    lines = []
    now = today()
    for i, row in enumerate(rows):
        line = {"row_number": row.number, "receipt": ledger.normalise_receipt(row.receipt)[:32],
                "details": row.details[:255], "amount_cents": 0, "outcome": "refused"}
        lines.append(line)
        paid_at = St.parse_time(row.time_text)
        amount = St.amount_in(row)
        if i % 200 == 0:
            progress(10 + 80 * i // max(1, len(rows)))
        if not row.receipt:
            line["reason"] = "no_receipt"
            continue
        line["receipt_key"] = key = ledger.receipt_key(row.receipt)
        if row.status and row.status.strip().lower() not in ("completed", "complete", "success"):
            line["reason"] = "not_completed"
            continue
        if amount is None:
            line["reason"] = "bad_amount"
            continue
        line["amount_cents"] = amount
        if paid_at is None or not dt.date(2000, 1, 1) <= St.local_day(paid_at) <= now:
            line["reason"] = "bad_date"
            continue
        line["paid_at"], line["value_on"] = paid_at, St.local_day(paid_at)
        if key in seen or key in live:
            line.update(outcome="duplicate",
                        reason="twice_in_file" if key in seen else "already_recorded")
            seen.add(key)
            continue
        seen.add(key)
        loan_id, by, reason = index.match(row.account, row.details)
        if loan_id and line["value_on"] < (index.disbursed.get(loan_id) or now):
            loan_id, by, reason = None, "", "before_disbursement"
        line.update(outcome="matched" if loan_id else "unmatched", loan=loan_id, matched_by=by,
                    reason=reason)
    return lines


# --- the dry run -------------------------------------------------------------------------

def _owner_locale(batch: StatementImport):
    owner = batch.owner if batch.owner_id else None
    language = owner.language if owner else "en"
    return force_locale(REGIONAL_LOCALE.get(language, language))


def run_check(batch: StatementImport, progress=lambda pct: None) -> StatementImport:
    """Read and match every row; write only the findings; remove the file."""
    with _owner_locale(batch):
        try:
            rows, _others = St.read(Path(batch.path).read_bytes())
            progress(10)
            lines = classify(rows, MatchIndex(), progress)
        except St.StatementProblem as problem:
            rows, lines, message = [], [], str(problem)
        else:
            message = ""
    with db.atomic():
        StatementLine.delete().where(StatementLine.batch == batch.id).execute()
        for start in range(0, len(lines), 250):
            StatementLine.insert_many([{**line, "batch": batch.id}
                                       for line in lines[start:start + 250]]).execute()
        StatementImport.update(status=StatementImport.CHECKED if not message
                               else StatementImport.FAILED, problem=message[:500],
                               total_rows=len(lines)).where(
            StatementImport.id == batch.id).execute()
    _discard_file(batch)
    return StatementImport.get_by_id(batch.id)


def counts(batch: StatementImport) -> dict[str, int]:
    rows = (StatementLine.select(StatementLine.outcome, fn.COUNT(StatementLine.id))
            .where(StatementLine.batch == batch.id).group_by(StatementLine.outcome).tuples())
    return Counter(dict(rows))


def matched_total(batch: StatementImport) -> int:
    return (StatementLine.select(fn.SUM(StatementLine.amount_cents))
            .where((StatementLine.batch == batch.id) & (StatementLine.outcome == "matched"))
            .scalar() or 0)


def lines_of(batch: StatementImport, outcome: str | None = None, limit: int = 500):
    query = (StatementLine.select(StatementLine, Loan.account_ref, Member.code)
             .join(Loan, on=(StatementLine.loan == Loan.id), join_type=pw.JOIN.LEFT_OUTER)
             .join(Member, on=(Loan.member == Member.id), join_type=pw.JOIN.LEFT_OUTER)
             .where(StatementLine.batch == batch.id).order_by(StatementLine.row_number))
    if outcome:
        query = query.where(StatementLine.outcome == outcome)
    return list(query.limit(limit))


# --- assigning a line to a loan ----------------------------------------------------------

def loan_for_reference(text: str) -> Loan | None:
    """A loan being repaid, by its reference (AZ0042L1) or its member's code
    when that member has one loan being repaid."""
    token = _plain(text)
    if not token:
        return None
    loan = Loan.get_or_none((Loan.account_ref == token) & (Loan.status == "active"))
    if loan:
        return loan
    loans = list(Loan.select().join(Member, on=(Loan.member == Member.id))
                 .where((Loan.status == "active") & (fn.UPPER(Member.code).in_(
                     [text.strip().upper()]))))
    return loans[0] if len(loans) == 1 else None


def _check_assignable(line: StatementLine, loan: Loan | None) -> Loan:
    if line.outcome != "unmatched":
        raise ImportError_(_l("This payment is not waiting to be assigned."))
    if loan is None:
        raise ImportError_(_l("No loan being repaid has this reference or member code."),
                           "reference")
    if line.value_on and line.value_on < loan.disbursed_on:
        raise ImportError_(_l("This payment was made before that loan was paid out."),
                           "reference")
    return loan


def assign_in_dry_run(line: StatementLine, loan: Loan | None, actor) -> StatementLine:
    """Before confirming: the line will be written to this loan."""
    loan = _check_assignable(line, loan)
    batch = StatementImport.get_by_id(line.batch_id)
    if batch.status != StatementImport.CHECKED:
        raise ImportError_(_l("This import was already confirmed or cancelled."))
    StatementLine.update(outcome="matched", loan=loan.id, matched_by="person", reason="",
                         assigned_by=actor.id).where(StatementLine.id == line.id).execute()
    audit.record("loans.statement_line_assigned", "statement_import", batch.id,
                 f"row {line.row_number} -> loan {loan.id}", actor=actor)
    return StatementLine.get_by_id(line.id)


def assign_later(line: StatementLine, loan: Loan | None, actor) -> LedgerEntry:
    """After the import: record the waiting payment on this loan now."""
    loan = _check_assignable(line, loan)
    with db.atomic():
        fresh = StatementLine.get_by_id(line.id)
        if fresh.outcome != "unmatched":
            raise ImportError_(_l("This payment is not waiting to be assigned."))
        entry = ledger.record_repayment(loan, _payment(fresh), actor, statement_line=fresh)
        StatementLine.update(outcome="imported", loan=loan.id, matched_by="person",
                             assigned_by=actor.id, details="").where(
            StatementLine.id == line.id).execute()
    return entry


def dismiss(line: StatementLine, reason: str, actor) -> None:
    """Not a loan repayment (a donation, a transfer): set aside, with a reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ImportError_(_l("Give the reason."), "reason")
    if line.outcome != "unmatched":
        raise ImportError_(_l("This payment is not waiting to be assigned."))
    with db.atomic():
        StatementLine.update(outcome="dismissed", details="", reason="dismissed",
                             assigned_by=actor.id).where(StatementLine.id == line.id).execute()
        audit.record("loans.statement_line_dismissed", "statement_import", line.batch_id,
                     f"row {line.row_number}: {reason[:200]}", actor=actor)


def waiting_lines(limit: int = 200):
    """Payments from confirmed imports still waiting for a person."""
    return list(waiting().order_by(StatementLine.paid_at.desc()).limit(limit))


def _payment(line: StatementLine) -> ledger.Payment:
    return ledger.Payment(line.amount_cents, line.value_on, "mpesa", receipt=line.receipt)


# --- confirming -------------------------------------------------------------------------

def reopen_interrupted() -> int:
    """Worker start: a confirm cut off by a crash wrote nothing (one
    transaction), so it can be confirmed again; a check cut off is marked
    failed (the page says to try again) and its file removed."""
    reopened = (StatementImport.update(status=StatementImport.CHECKED)
                .where(StatementImport.status == StatementImport.IMPORTING).execute())
    stuck = list(StatementImport.select().where(
        StatementImport.status == StatementImport.CHECKING))
    for batch in stuck:
        StatementImport.update(status=StatementImport.FAILED).where(
            StatementImport.id == batch.id).execute()
        _discard_file(batch)
    return reopened + len(stuck)


def confirm(batch: StatementImport, actor, progress=lambda pct: None) -> int:
    """Write every matched line, in one transaction. Returns how many."""
    claimed = (StatementImport.update(status=StatementImport.IMPORTING)
               .where((StatementImport.id == batch.id)
                      & (StatementImport.status == StatementImport.CHECKED)).execute())
    if not claimed:
        raise ImportError_(_l("This import was already confirmed or cancelled."))
    started = time.monotonic()
    try:
        with _owner_locale(batch), db.atomic():
            written, cents = _write_lines(batch, actor, progress)
            StatementImport.update(status=StatementImport.IMPORTED, imported_rows=written,
                                   imported_cents=cents).where(
                StatementImport.id == batch.id).execute()
            audit.record("loans.statement_imported", "statement_import", batch.id,
                         f"{written} repayments", actor=actor)
    except Exception:
        StatementImport.update(status=StatementImport.CHECKED).where(
            StatementImport.id == batch.id).execute()
        raise
    log.info("statement import %s: %d repayments in one transaction (%.0f ms)", batch.id,
             written, (time.monotonic() - started) * 1000)
    return written


def _write_lines(batch: StatementImport, actor, progress) -> tuple[int, int]:
    lines = list(StatementLine.select().where((StatementLine.batch == batch.id)
                                              & (StatementLine.outcome == "matched"))
                 .order_by(StatementLine.paid_at, StatementLine.row_number))
    loans = {loan.id: loan for loan in Loan.select().where(
        Loan.id.in_(list({line.loan_id for line in lines})))} if lines else {}
    live = live_receipts(line.receipt_key for line in lines)
    items, duplicates, inactive = [], [], []
    for line in lines:
        loan = loans[line.loan_id]
        if line.receipt_key in live:
            duplicates.append(line.id)
        elif loan.status != "active":
            inactive.append(line.id)
        else:
            items.append((loan, _payment(line), line))
            live.add(line.receipt_key)
    progress(30)
    written = ledger.record_many(items, actor)
    progress(90)
    done = [line.id for _loan, _payment_, line in items]
    for start in range(0, len(done), 500):
        StatementLine.update(outcome="imported", details="").where(
            StatementLine.id.in_(done[start:start + 500])).execute()
    if duplicates:
        StatementLine.update(outcome="duplicate", reason="already_recorded").where(
            StatementLine.id.in_(duplicates)).execute()
    if inactive:
        StatementLine.update(outcome="unmatched", reason="loan_not_active", loan=None).where(
            StatementLine.id.in_(inactive)).execute()
    StatementLine.update(details="").where(
        (StatementLine.batch == batch.id)
        & StatementLine.outcome.in_(("duplicate", "refused"))).execute()
    return written, sum(line.amount_cents for _loan, _payment_, line in items)


def cancel(batch: StatementImport, actor) -> None:
    if batch.status not in (StatementImport.CHECKED, StatementImport.FAILED):
        raise ImportError_(_l("This import was already confirmed or cancelled."))
    with db.atomic():
        StatementLine.delete().where(StatementLine.batch == batch.id).execute()
        StatementImport.update(status=StatementImport.CANCELLED).where(
            StatementImport.id == batch.id).execute()
        audit.record("loans.statement_cancelled", "statement_import", batch.id, actor=actor)
    _discard_file(batch)


def purge_unconfirmed(max_age_hours: int = PURGE_HOURS) -> int:
    """Statements checked but never confirmed hold payers' names and
    numbers: after a day they are cancelled and their lines removed."""
    cutoff = utcnow() - dt.timedelta(hours=max_age_hours)
    old = list(StatementImport.select().where(
        (StatementImport.created_at < cutoff)
        & StatementImport.status.in_((StatementImport.CHECKED, StatementImport.FAILED,
                                      StatementImport.CHECKING))))
    for batch in old:
        with db.atomic():
            StatementLine.delete().where(StatementLine.batch == batch.id).execute()
            StatementImport.update(status=StatementImport.CANCELLED).where(
                StatementImport.id == batch.id).execute()
        _discard_file(batch)
    return len(old)


def visible_batch(user, batch_id) -> StatementImport | None:
    """An import its owner may open (finance only uploads)."""
    try:
        batch = StatementImport.get_or_none(StatementImport.id == batch_id)
    except ValueError:
        return None
    return batch if batch is not None and batch.owner_id == user.id else None


def recent_batches(user, limit: int = 10) -> list[StatementImport]:
    return list(StatementImport.select().where(StatementImport.owner == user.id)
                .order_by(StatementImport.created_at.desc()).limit(limit))


def set_job(batch: StatementImport, job) -> None:
    StatementImport.update(job_id=str(job.id)).where(StatementImport.id == batch.id).execute()


def job_of(batch: StatementImport):
    from app.jobs.models import Job
    return Job.get_or_none(Job.id == batch.job_id) if batch.job_id else None


def batch_lines(batch: StatementImport):
    """The lines of one import, as a query."""
    return StatementLine.select().where(StatementLine.batch == batch.id)


def waiting():
    """Lines of confirmed imports still waiting for a person, as a query."""
    return (StatementLine.select(StatementLine, StatementImport.filename)
            .join(StatementImport, on=(StatementLine.batch == StatementImport.id))
            .where((StatementLine.outcome == "unmatched")
                   & (StatementImport.status == StatementImport.IMPORTED)))
