"""CSV import of an existing member list: check every row (dry run), write
nothing until the coordinator confirms, never half a row.

The uploaded file waits in the jobs folder (0600) between the check and
the import, and is removed after the import, on cancel, or after a day.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from app.i18n import gettext as _

from app import audit
from app.db import db, utcnow
from app.members import services
from app.members.labels import AGE_BAND_LABELS, GENDER_LABELS, NEED_LABELS, STATUS_LABELS
from app.members.models import (
    AGE_BANDS, COUNTIES, GENDERS, NEEDS, Member, MemberImport)

COLUMNS = ["preferred_name", "legal_name", "gender", "year_of_birth", "age_band", "phone",
           "language", "county", "location", "referral_source", "referring_organisation",
           "date_joined", "needs", "status", "notes"]
IMPORT_STATUSES = ("referred", "inducting", "active", "alumni")
MAX_ROWS = 25_000
CHUNK = 250

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
            valid.append(values)
        if index % 500 == 0:
            progress(index * 100 // len(records))
    return len(records), valid, problems


def run_check(batch: MemberImport, progress=lambda pct: None) -> MemberImport:
    """The dry run: read and check every row, write only the findings."""
    locale = batch.owner.language if batch.owner_id else "en"
    from app.i18n import REGIONAL_LOCALE
    with force_locale(REGIONAL_LOCALE.get(locale, locale)):
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


def run_import(batch: MemberImport, actor=None, progress=lambda pct: None) -> int:
    """Check again (the database may have changed since the dry run) and
    write the rows without problems, whole rows only, in chunks."""
    if batch.status != MemberImport.CHECKED or not batch.path:
        raise services.MemberError(_("This import was already done or cancelled."))
    MemberImport.update(status=MemberImport.IMPORTING).where(
        MemberImport.id == batch.id).execute()
    _total, valid, _problems = check_file(Path(batch.path).read_bytes())
    imported = 0
    first_code = last_code = ""
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start:start + CHUNK]
        with db.atomic():
            number = (Member.select(Member.number).order_by(Member.number.desc())
                      .scalar() or 0)
            rows = []
            for values in chunk:
                number += 1
                clean = services.clean_record(
                    {k: v for k, v in values.items() if not k.startswith("_")})
                status = values["_status"]
                rows.append({**clean, "number": number, "code": services.format_code(number),
                             "status": status, "created_by": actor.id if actor else None,
                             "status_changed_at": utcnow()})
            Member.insert_many(rows).execute()
            imported += len(rows)
            first_code = first_code or rows[0]["code"]
            last_code = rows[-1]["code"]
            MemberImport.update(imported_rows=imported).where(
                MemberImport.id == batch.id).execute()
        progress(5 + imported * 95 // max(1, len(valid)))
    with db.atomic():
        MemberImport.update(status=MemberImport.IMPORTED, imported_rows=imported).where(
            MemberImport.id == batch.id).execute()
        audit.record("member.imported", "member_import", batch.id,
                     f"{imported} members" + (f", {first_code}..{last_code}" if imported else ""),
                     actor=actor)
    discard_file(batch)
    return imported


def problems_of(batch: MemberImport) -> list[dict]:
    return json.loads(batch.problems_json or "[]")

