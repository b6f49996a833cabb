"""CSV import of an existing member list: check every row (dry run), write
nothing until the coordinator confirms, then write every confirmed row or
none.

The uploaded file waits in the jobs folder (0600) between the check and
the import, and is removed after the import, on cancel, or after a day.

Confirming checks the whole file again (the database may have changed:
a member registered meanwhile with the same phone, say). If a confirmed row
now has a problem, nothing is written and the coordinator sees which rows
and why. Otherwise all confirmed rows are written in ONE transaction: a
failure anywhere leaves no new member at all. Everything slow (reading,
checking, building the rows) happens before that transaction, where the
progress bar moves; the transaction itself only inserts prepared rows, so
it holds SQLite's write lock briefly (web requests that write meanwhile
wait, within busy_timeout; readers never wait in WAL mode).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import time
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from peewee import fn
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l

from app import audit
from app.clock import CALENDAR_FIRST
from app.db import BulkInsert, db, utcnow
from app.security import clean_text
from app.members import services
from app.members.labels import AGE_BAND_LABELS, GENDER_LABELS, NEED_LABELS, STATUS_LABELS
from app.members.models import (
    AGE_BANDS, COUNTIES, GENDERS, NEEDS, Member, MemberImport)

log = logging.getLogger(__name__)

COLUMNS = ["preferred_name", "legal_name", "gender", "year_of_birth", "age_band", "phone",
           "language", "county", "location", "referral_source", "referring_organisation",
           "date_joined", "needs", "status", "notes"]
IMPORT_STATUSES = ("referred", "inducting", "active", "alumni")
# A confirmed import is one transaction (all rows or none), which holds the
# database's write lock: 20,000 rows held it 0.3-0.45 s on the 2-core dev
# machine, so 1.5-3 s on a Pi 4 and more on a Pi 3B, against a 5 s
# busy_timeout for everyone else's saves. 10,000 rows keeps that well clear.
MAX_ROWS = 10_000
INSERT_ROWS = 250     # rows per INSERT statement (well under SQLite's variable limit)

TEMPLATE_EXAMPLE = ["Wanjiku", "Wanjiku Kamau", "female", "1996", "", "0712 345678", "sw",
                    "Nairobi", "Kawangware", "Partner NGO", "Example Trust", "2024-03-15",
                    "housing; livelihood", "active", ""]


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return buffer.getvalue()


# --- storing the upload ------------------------------------------------------------

def _folder() -> Path:
    path = Path(current_app.config["JOBS_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_upload(data: bytes, filename: str, owner) -> MemberImport:
    batch = MemberImport.create(owner=owner, filename=(filename or "members.csv")[:120])
    path = _folder() / f"{batch.id}.csv"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    batch.path = str(path)
    batch.save(only=[MemberImport.path])
    audit.record("member.import_uploaded", "member_import", batch.id, actor=owner)
    return batch


def own_imports(user):
    """The imports `user` uploaded: nobody sees or confirms another's."""
    return MemberImport.select().where(MemberImport.owner == user.id)


def start_check(upload, owner) -> MemberImport:
    """Keep an uploaded file and start its dry run in the worker."""
    from app.jobs import services as jobs
    from app.members import tasks
    data = upload.read()
    if not data.strip():
        raise services.MemberError(_l("The file is empty."), "file")
    batch = store_upload(data, upload.filename, owner)
    job = jobs.start("member_import_check", owner, tasks.check_member_import,
                     import_id=str(batch.id))
    MemberImport.update(job_id=str(job.id)).where(MemberImport.id == batch.id).execute()
    return batch


def confirm(batch: MemberImport, actor) -> None:
    """Start writing a checked import (in the worker, all rows or none)."""
    from app.jobs import services as jobs
    from app.members import tasks
    if batch.status != MemberImport.CHECKED or not batch.path or not batch.valid_rows:
        raise services.MemberError(_l("This import cannot be confirmed."))
    job = jobs.start("member_import", actor, tasks.write_member_import,
                     import_id=str(batch.id), actor_id=actor.id)
    MemberImport.update(job_id=str(job.id)).where(MemberImport.id == batch.id).execute()


def cancel(batch: MemberImport) -> bool:
    """Drop a checked import and its file; False when it is past that."""
    if batch.status != MemberImport.CHECKED:
        return False
    discard_file(batch)
    MemberImport.update(status=MemberImport.FAILED).where(MemberImport.id == batch.id).execute()
    return True


def status_of(batch: MemberImport) -> dict:
    """What the import's page shows: its job, and its problems once checked."""
    from app.jobs.models import Job
    problems = problems_of(batch) if batch.status in (
        MemberImport.CHECKED, MemberImport.IMPORTED) else []
    return {"job": Job.get_or_none(Job.id == batch.job_id) if batch.job_id else None,
            "problems": problems,
            "problem_rows": len({p["row"] for p in problems if p["row"]}),
            "new_problem_rows": len({p["row"] for p in problems if p.get("new")})}


def discard_file(batch: MemberImport) -> None:
    if batch.path:
        try:
            os.remove(batch.path)
        except FileNotFoundError:
            pass
        MemberImport.update(path="").where(MemberImport.id == batch.id).execute()


def purge_old_uploads(max_age_hours: int = 24) -> int:
    cutoff = utcnow() - dt.timedelta(hours=max_age_hours)
    old = list(MemberImport.select().where((MemberImport.created_at < cutoff)
                                           & (MemberImport.path != "")))
    for batch in old:
        discard_file(batch)
    return len(old)


# --- reading --------------------------------------------------------------------------

class FileProblem(Exception):
    pass


def read_rows(data: bytes) -> list[dict]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise FileProblem(_("The file could not be read. Save it as “CSV UTF-8” and try again."))
    text = clean_text(text)  # as every typed field (app.security)
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
        rows = [row for row in reader]
    except csv.Error:
        raise FileProblem(_("The file could not be read as CSV. Save it as “CSV UTF-8” "
                            "and try again.")) from None
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FileProblem(_("Unknown columns: %(names)s. Use the column names of the template.",
                            names=", ".join(unknown)))
    if "preferred_name" not in header:
        raise FileProblem(_("The column preferred_name is missing. Start from the template."))
    records = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = {"_row": number}
        for index, name in enumerate(header):
            if name:
                record[name] = row[index].strip() if index < len(row) else ""
        records.append(record)
    if not records:
        raise FileProblem(_("The file has a header but no members."))
    if len(records) > MAX_ROWS:
        raise FileProblem(_("The file has more than %(n)d rows. Split it into smaller files.",
                            n=MAX_ROWS))
    return records


# --- checking ----------------------------------------------------------------------------

def _lookup(mapping: dict, keys) -> dict:
    """Accept the stored key or the label in English or Swahili."""
    table = {k.lower(): k for k in keys}
    for locale in ("en", "sw"):
        with force_locale(locale):
            for key, label in mapping.items():
                table[str(label).lower()] = key
    return table


def _parse_date(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


class Checker:
    """Validates rows one by one and reports every problem in plain words."""

    def __init__(self):
        self.genders = _lookup(GENDER_LABELS, GENDERS)
        self.age_bands = _lookup(AGE_BAND_LABELS, AGE_BANDS)
        self.needs = _lookup(NEED_LABELS, NEEDS)
        self.statuses = _lookup({k: v for k, v in STATUS_LABELS.items()
                                 if k in IMPORT_STATUSES}, IMPORT_STATUSES)
        self.counties = {c.lower(): c for c in COUNTIES}
        self.languages = {"en": "en", "english": "en", "kiingereza": "en",
                          "sw": "sw", "swahili": "sw", "kiswahili": "sw"}
        self.sources = {}
        for source in services.referral_sources():
            self.sources[str(source.id)] = source.id
            self.sources[source.name.lower()] = source.id
            if source.key:
                self.sources[source.key] = source.id
                for locale in ("en", "sw"):
                    with force_locale(locale):
                        self.sources[services.source_label(source).lower()] = source.id
        self.phones_seen: dict[str, int] = {}
        self._existing: dict[str, str] | None = None

    def existing_phones(self) -> dict[str, str]:
        """Last nine digits of every member's phone -> code (one query)."""
        if self._existing is None:
            self._existing = {}
            query = (Member.select(Member.code, Member.phone)
                     .where((Member.phone != "") & Member.anonymised_at.is_null()))
            for row in query.tuples().iterator():
                key = "".join(c for c in row[1] if c.isdigit())[-9:]
                self._existing.setdefault(key, row[0])
        return self._existing

    def _choice(self, table, value, column, problems, allowed):
        if not value:
            return ""
        key = table.get(value.lower())
        if key is None:
            problems.append((column, _("“%(value)s” is not one of the allowed values: "
                                       "%(allowed)s.", value=value[:40], allowed=allowed)))
        return key or ""

    def check(self, record: dict) -> tuple[dict, list[tuple[str, str]]]:
        """-> (values for create_member, [(column, problem)])."""
        problems: list[tuple[str, str]] = []
        data: dict = {}
        name = record.get("preferred_name", "")
        if not name:
            problems.append(("preferred_name", _("The preferred name is empty; it is required.")))
        data["preferred_name"] = name
        for column, field, limit in (("legal_name", "legal_name", 120),
                                     ("location", "location", 120),
                                     ("referring_organisation", "referring_org", 120),
                                     ("notes", "notes", 4000), ("preferred_name", None, 80)):
            value = record.get(column, "")
            if len(value) > limit:
                problems.append((column, _("Too long: use at most %(max)d characters.",
                                           max=limit)))
            if field:
                data[field] = value
        data["gender"] = self._choice(self.genders, record.get("gender", ""), "gender",
                                      problems, ", ".join(GENDERS)) or "undisclosed"
        data["age_band"] = self._choice(self.age_bands, record.get("age_band", ""), "age_band",
                                        problems, ", ".join(AGE_BANDS))
        data["language"] = self._choice(self.languages, record.get("language", ""), "language",
                                        problems, "en, sw") or "sw"
        data["county"] = self._choice(self.counties, record.get("county", ""), "county",
                                      problems, _("a Kenyan county, e.g. Nairobi"))
        source = record.get("referral_source", "")
        data["referral_source"] = None
        if source:
            data["referral_source"] = self.sources.get(source.lower())
            if data["referral_source"] is None:
                problems.append(("referral_source", _(
                    "“%(value)s” is not on the list of referral sources.", value=source[:40])))
        status = self._choice(self.statuses, record.get("status", ""), "status", problems,
                              ", ".join(IMPORT_STATUSES))
        year = record.get("year_of_birth", "")
        data["birth_year"] = None
        if year:
            if not (year.isdigit() and len(year) == 4
                    and 1920 <= int(year) <= services.today().year):
                problems.append(("year_of_birth", _("Write the year of birth with four digits, "
                                                    "like 1998.")))
            else:
                data["birth_year"] = int(year)
        joined = record.get("date_joined", "")
        data["joined_on"] = services.today()
        if joined:
            parsed = _parse_date(joined)
            if parsed is None:
                problems.append(("date_joined", _("“%(value)s” is not a date. Write it like "
                                                  "2024-03-15 or 15/03/2024.", value=joined[:20])))
            elif parsed > services.today():
                problems.append(("date_joined", _("The date is in the future.")))
            elif parsed < CALENDAR_FIRST:
                problems.append(("date_joined", _("Enter a date between %(first)s and %(last)s.",
                                                  first=CALENDAR_FIRST.isoformat(),
                                                  last=services.today().isoformat())))
            else:
                data["joined_on"] = parsed
        needs = []
        for part in record.get("needs", "").replace(",", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            key = self.needs.get(part.lower())
            if key is None:
                problems.append(("needs", _("“%(value)s” is not a known need. Use: %(allowed)s.",
                                            value=part[:30], allowed=", ".join(NEEDS))))
            elif key not in needs:
                needs.append(key)
        data["needs"] = needs
        phone = record.get("phone", "")
        data["phone"] = ""
        if phone:
            try:
                data["phone"] = services.clean_record({"phone": phone}, partial=True)["phone"]
            except services.MemberError:
                problems.append(("phone", _("Write a phone number like 0712 345678 or "
                                            "+254 712 345678.")))
            else:
                key = "".join(c for c in data["phone"] if c.isdigit())[-9:]
                if key in self.phones_seen:
                    problems.append(("phone", _("The same phone number is on row %(row)d.",
                                                row=self.phones_seen[key])))
                else:
                    self.phones_seen[key] = record["_row"]
                    existing = self.existing_phones().get(key)
                    if existing:
                        problems.append(("phone", _(
                            "This phone number already belongs to member %(code)s.",
                            code=existing)))
        data["_status"] = status or "referred"
        return data, problems


def check_file(data: bytes, progress=lambda pct: None) -> tuple[int, list[dict], list[dict]]:
    """-> (total rows, valid rows' values, problems [{row, column, text}])."""
    records = read_rows(data)
    checker = Checker()
    valid, problems = [], []
    for index, record in enumerate(records):
        values, row_problems = checker.check(record)
        if row_problems:
            problems += [{"row": record["_row"], "column": column, "text": text}
                         for column, text in row_problems]
        else:
            values["_row"] = record["_row"]
            valid.append(values)
        if index % 500 == 0:
            progress(index * 100 // len(records))
    return len(records), valid, problems


def _owner_locale(batch: MemberImport):
    """Problems are written in the coordinator's language."""
    from app.i18n import REGIONAL_LOCALE
    locale = batch.owner.language if batch.owner_id else "en"
    return force_locale(REGIONAL_LOCALE.get(locale, locale))


def run_check(batch: MemberImport, progress=lambda pct: None) -> MemberImport:
    """The dry run: read and check every row, write only the findings."""
    with _owner_locale(batch):
        try:
            data = Path(batch.path).read_bytes()
            total, valid, problems = check_file(data, progress)
        except FileProblem as problem:
            total, valid, problems = 0, [], [{"row": 0, "column": "", "text": str(problem)}]
    batch.total_rows, batch.valid_rows = total, len(valid)
    batch.problems_json = json.dumps(problems, ensure_ascii=False)
    batch.status = MemberImport.CHECKED
    batch.save()
    return batch


class ImportStopped(Exception):
    """Confirmed rows have problems now: nothing was written. `problems`
    is the file's whole list as it is now, the new ones marked."""

    def __init__(self, problems: list[dict], valid_rows: int):
        super().__init__(f"{sum(1 for p in problems if p.get('new'))} new problems")
        self.problems, self.valid_rows = problems, valid_rows


@dataclass
class Recheck:
    problems: list[dict]      # every problem of the file now
    valid_rows: int           # rows without problems now
    # the confirmed rows, in database form, and their phones (last 9 digits -> row)
    rows: list[tuple] = dataclass_field(default_factory=list)
    phones: dict[str, int] = dataclass_field(default_factory=dict)

    def stop(self, new: list[dict]) -> ImportStopped:
        new_rows = {p["row"] for p in new}
        problems = [{**p, "new": True} for p in new] + [
            p for p in self.problems if p["row"] not in new_rows]
        # rows the re-check found are already left out of valid_rows
        newly_invalid = new_rows - {p["row"] for p in self.problems}
        valid = 0 if 0 in new_rows else self.valid_rows - len(newly_invalid)
        return ImportStopped(problems, max(0, valid))


def reopen_interrupted_imports() -> int:
    """An import cut off while writing (the worker died) wrote nothing: its
    rows go in one transaction. Put it back to "checked" so the coordinator
    can confirm it again."""
    return (MemberImport.update(status=MemberImport.CHECKED)
            .where(MemberImport.status == MemberImport.IMPORTING).execute())


def run_import(batch: MemberImport, actor=None, progress=lambda pct: None) -> int:
    """Write every row the coordinator confirmed, or none: check the file
    again, build the rows, then insert them all in one transaction.
    Returns how many members were written: 0 when the import stopped
    because confirmed rows have problems now (the batch is 'checked' again,
    its problems list marks the new ones). On any other failure nothing is
    written either, the import can be confirmed again, and the error is
    raised for the worker's log."""
    claimed = MemberImport.update(status=MemberImport.IMPORTING).where(
        (MemberImport.id == batch.id) & (MemberImport.status == MemberImport.CHECKED)
        & (MemberImport.path != "")).execute()
    if not claimed:
        raise services.MemberError(_("This import was already done or cancelled."))
    batch = MemberImport.get_by_id(batch.id)
    try:
        with _owner_locale(batch):
            checked_up_to = Member.select(fn.MAX(Member.id)).scalar() or 0
            bulk = BulkInsert(Member, last=("number", "code"))
            recheck = _recheck(batch, bulk, actor, progress)
            progress(85)
            imported = _write_all(batch, bulk, recheck, actor, checked_up_to)
    except ImportStopped as stop:
        MemberImport.update(status=MemberImport.CHECKED, valid_rows=stop.valid_rows,
                            problems_json=json.dumps(stop.problems, ensure_ascii=False)).where(
            MemberImport.id == batch.id).execute()
        audit.record("member.import_stopped", "member_import", batch.id,
                     f"{sum(1 for p in stop.problems if p.get('new'))} new problems; "
                     "nothing written", actor=actor)
        return 0
    except Exception:
        MemberImport.update(status=MemberImport.CHECKED).where(
            MemberImport.id == batch.id).execute()
        raise
    discard_file(batch)
    return imported


def _recheck(batch: MemberImport, bulk: BulkInsert, actor, progress) -> Recheck:
    """Check the file again and build the rows to insert (the progress bar
    goes to 80 %). Raises ImportStopped if a row the coordinator confirmed
    has a problem now. Rows shown as skipped at the dry run stay skipped."""
    skipped = {p["row"] for p in problems_of(batch)}
    try:
        _total, valid, problems = check_file(Path(batch.path).read_bytes(),
                                             lambda pct: progress(1 + pct * 60 // 100))
    except FileProblem as problem:
        raise Recheck([], 0).stop([{"row": 0, "column": "", "text": str(problem)}]) from None
    recheck = Recheck(problems, len(valid))
    new = [p for p in problems if p["row"] not in skipped]
    confirmed = [values for values in valid if values["_row"] not in skipped]
    if not new and len(confirmed) != batch.valid_rows:
        new = [{"row": 0, "column": "", "text": _(
            "The file is not the one that was checked. Upload it again.")}]
    common = {"created_by": actor.id if actor else None, "status_changed_at": utcnow()}
    for index, values in enumerate(confirmed):
        try:   # (the referral source was looked up among the active ones by the check)
            clean = services.clean_record({k: v for k, v in values.items()
                                           if not k.startswith("_") and k != "referral_source"})
            clean["referral_source"] = values["referral_source"]
        except services.MemberError as error:
            new.append({"row": values["_row"], "column": error.field or "",
                        "text": str(error.message)})
            continue
        recheck.rows.append(bulk.row({**clean, **common, "status": values["_status"]}))
        phone_key = "".join(c for c in clean.get("phone", "") if c.isdigit())[-9:]
        if phone_key:
            recheck.phones.setdefault(phone_key, values["_row"])
        if index % 1000 == 0:
            progress(62 + index * 18 // max(1, len(confirmed)))
    if new:
        raise recheck.stop(new)
    return recheck


def _phones_registered_since(member_id: int, phones: dict[str, int]) -> list[dict]:
    """Rows whose phone now belongs to a member registered after the
    re-check began. Run inside the write transaction: nobody can register
    another one before it ends."""
    clashes = []
    query = (Member.select(Member.code, Member.phone)
             .where((Member.id > member_id) & (Member.phone != "")
                    & Member.anonymised_at.is_null()))
    for code, phone in query.tuples():
        key = "".join(c for c in phone if c.isdigit())[-9:]
        if key in phones:
            clashes.append({"row": phones[key], "column": "phone", "text": _(
                "This phone number already belongs to member %(code)s.", code=code)})
    return clashes


def _insert_batch(bulk: BulkInsert, rows: list[tuple]) -> None:
    bulk.run(rows)


def _write_all(batch: MemberImport, bulk: BulkInsert, recheck: Recheck, actor,
               checked_up_to: int) -> int:
    """Every confirmed row in one transaction, with the next free codes.
    Only inserts prepared rows: the write lock is held briefly (see the
    module docstring; the time is logged)."""
    code_prefix = services.prefix()
    started = time.monotonic()
    with db.atomic():
        clashes = _phones_registered_since(checked_up_to, recheck.phones)
        if clashes:
            raise recheck.stop(clashes)
        first = (Member.select(fn.MAX(Member.number)).scalar() or 0) + 1
        rows = [row + (number, services.format_code(number, code_prefix))
                for number, row in enumerate(recheck.rows, start=first)]
        for start in range(0, len(rows), INSERT_ROWS):
            _insert_batch(bulk, rows[start:start + INSERT_ROWS])
        MemberImport.update(status=MemberImport.IMPORTED, imported_rows=len(rows)).where(
            MemberImport.id == batch.id).execute()
        span = f", {rows[0][-1]}..{rows[-1][-1]}" if rows else ""
        audit.record("member.imported", "member_import", batch.id,
                     f"{len(rows)} members{span}", actor=actor)
    log.info("member import %s: %d members written in one transaction (%.0f ms)",
             batch.id, len(rows), (time.monotonic() - started) * 1000)
    return len(rows)


def problems_of(batch: MemberImport) -> list[dict]:
    return json.loads(batch.problems_json or "[]")

