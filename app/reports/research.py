"""Research extracts (work plan Objective 4: survivor-led research).

A coordinator chooses fields and a period; only members whose latest
answer on research consent is yes, and who were with the centre in the
period, are in it. Each member gets a pseudonym from a random key made for
this extract and thrown away: two extracts cannot be joined, and nobody can
go back from a pseudonym to a person. Before release a k-anonymity check
runs on the chosen quasi-identifiers (age band x gender x county, k >= 5):
rows in smaller groups are generalised (county, then age band, then
gender) and, if still too few, dropped; the page says how many and why.
A second person approves; then it can be downloaded once, as CSV, and the
stored copy is deleted. Every step is audited."""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
from collections import Counter

import peewee as pw

from app import audit
from app.clock import utcnow
from app.db import db
from app.i18n import gettext as _, lazy_gettext as _l
from app.members.models import ConsentEvent, Member
from app.reports import engine, periods
from app.reports.models import ResearchExtract
from app.rules import RuleError

K = 5
QUASI = ("age_band", "gender", "county")
FIELDS = {
    "age_band": _l("Age band"),
    "gender": _l("Gender"),
    "county": _l("County"),
    "referral_source": _l("Referred by"),
    "joined_year": _l("Year joined"),
    "status": _l("Status at the end of the period"),
    "programmes": _l("Programmes taken part in during the period"),
}
OTHER_COUNTIES, BROAD_AGE, ANY = "other", "broad", "*"
BROAD_AGES = {"under_18": "under_25", "18_24": "under_25", "25_34": "25_plus",
              "35_44": "25_plus", "45_plus": "25_plus", "": ""}


class ExtractError(RuleError):
    pass


def consented_members():
    """Ids of members whose latest answer on research is yes."""
    latest = (ConsentEvent.select(pw.fn.MAX(ConsentEvent.id))
              .where(ConsentEvent.purpose == "research").group_by(ConsentEvent.member))
    return ConsentEvent.select(ConsentEvent.member).where(
        ConsentEvent.id.in_(latest) & (ConsentEvent.given == True))  # noqa: E712


def _members(period):
    from app.reports.scope import age_band_expression
    return (Member.select(Member.id, age_band_expression(Member, period).alias("band"),
                          Member.gender, Member.county, Member.referral_source,
                          Member.joined_on, Member.status)
            .where(Member.id.in_(consented_members()) & Member.anonymised_at.is_null()
                   & (Member.joined_on <= period.end)
                   & (Member.exited_on.is_null() | (Member.exited_on >= period.start)))
            .order_by(Member.id))


def _programmes_by_member(period) -> dict[int, list[str]]:
    taken: dict[int, list[str]] = {}
    for key, programme in engine.programmes().items():
        for (member_id,) in programme.members(period).tuples():
            taken.setdefault(member_id, []).append(key)
    return taken


def _raw_rows(period, fields: list[str]) -> list[dict]:
    from app.members import services as members
    sources = {s.id: members.source_label(s) for s in members.referral_sources(True)}
    taken = _programmes_by_member(period) if "programmes" in fields else {}
    key = secrets.token_bytes(32)      # this extract's key: never stored
    rows = []
    for m in _members(period):
        row = {"pseudonym": "R-" + hmac.new(key, str(m.id).encode(), hashlib.sha256)
               .hexdigest()[:12]}
        values = {"age_band": m.band, "gender": m.gender, "county": m.county,
                  "referral_source": sources.get(m.referral_source_id, ""),
                  "joined_year": m.joined_on.year, "status": m.status,
                  "programmes": " ".join(sorted(set(taken.get(m.id, []))))}
        row.update({f: values[f] for f in fields})
        rows.append(row)
    del key
    rows.sort(key=lambda r: r["pseudonym"])
    return rows


def _broader(step: str, value):
    if step == "county":
        return OTHER_COUNTIES
    if step == "age_band":
        return BROAD_AGES.get(value, ANY)
    return ANY


def k_anonymise(rows: list[dict], quasi: list[str], k: int = K) -> tuple[list[dict], dict]:
    """Generalise, then drop, rows whose quasi-identifiers fewer than k rows
    share: county first, then age band, then gender. Returns (rows kept,
    {"generalised": {field: rows}, "changed": rows made broader, "dropped": n})."""
    report = {"generalised": Counter(), "changed": 0, "dropped": 0}
    if not quasi:
        return rows, report
    changed = set()

    def combination(row):
        return tuple(row[q] for q in quasi)

    for step in [s for s in ("county", "age_band", "gender") if s in quasi]:
        groups = Counter(combination(r) for r in rows)
        for index, row in enumerate(rows):
            if groups[combination(row)] < k:
                broader = _broader(step, row[step])
                if broader != row[step]:
                    row[step] = broader
                    report["generalised"][step] += 1
                    changed.add(index)
    groups = Counter(combination(r) for r in rows)
    kept = [i for i, r in enumerate(rows) if groups[combination(r)] >= k]
    report["dropped"] = len(rows) - len(kept)
    report["changed"] = len(changed & set(kept))
    return [rows[i] for i in kept], report


def _csv(rows: list[dict], fields: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["pseudonym"] + fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def build(title: str, purpose: str, fields: list[str], period_key: str, actor) -> ResearchExtract:
    """Build and check an extract; it waits for another person's approval."""
    title = " ".join((title or "").split())
    if not title or len(title) > 120:
        raise ExtractError(_l("Give the extract a short title (at most 120 characters)."),
                           "title")
    if len(purpose or "") > 2000:
        raise ExtractError(_l("Use at most %(max)d characters.", max=2000), "purpose")
    if not fields or any(f not in FIELDS for f in fields):
        raise ExtractError(_l("Choose at least one field from the list."), "fields")
    try:
        period = periods.parse(period_key)
    except periods.PeriodError as error:
        raise ExtractError(error.message, "period") from None
    fields = [f for f in FIELDS if f in fields]
    rows = _raw_rows(period, fields)
    total = len(rows)
    quasi = [q for q in QUASI if q in fields]
    kept, report = k_anonymise(rows, quasi)
    with db.atomic():
        extract = ResearchExtract.create(
            title=title, purpose=(purpose or "").strip(), fields=",".join(fields),
            period_key=period.key, created_by=actor.id, rows_total=total,
            rows_generalised=report["changed"], rows_dropped=report["dropped"],
            check_json=json.dumps({"generalised": dict(report["generalised"]),
                                   "quasi": quasi, "k": K}),
            payload=_csv(kept, fields))
        audit.record("extract.built", "research_extract", extract.id,
                     f"{len(kept)} rows, {report['dropped']} dropped", actor=actor)
    return extract


def visible(extract_id) -> ResearchExtract | None:
    try:
        return ResearchExtract.get_or_none(ResearchExtract.id == extract_id)
    except (ValueError, pw.DataError):
        return None


def listing() -> list[ResearchExtract]:
    return list(ResearchExtract.select().order_by(ResearchExtract.created_at.desc()).limit(100))


def approve(extract: ResearchExtract, actor) -> None:
    if extract.created_by_id == actor.id:
        raise ExtractError(_l("Another person must approve an extract you built."))
    with db.atomic():
        changed = (ResearchExtract.update(status=ResearchExtract.APPROVED, approved_by=actor.id,
                                          approved_at=utcnow())
                   .where((ResearchExtract.id == extract.id)
                          & (ResearchExtract.status == ResearchExtract.PENDING)).execute())
        if not changed:
            raise ExtractError(_l("This extract is not waiting for approval."))
        audit.record("extract.approved", "research_extract", extract.id, actor=actor)


def withdraw(extract: ResearchExtract, actor) -> None:
    with db.atomic():
        changed = (ResearchExtract.update(status=ResearchExtract.WITHDRAWN, payload="")
                   .where((ResearchExtract.id == extract.id) & ResearchExtract.status.in_(
                       (ResearchExtract.PENDING, ResearchExtract.APPROVED))).execute())
        if not changed:
            raise ExtractError(_l("This extract can no longer be withdrawn."))
        audit.record("extract.withdrawn", "research_extract", extract.id, actor=actor)


def consent_withdrawn_since(extract: ResearchExtract) -> bool:
    return ConsentEvent.select().where(
        (ConsentEvent.purpose == "research") & (ConsentEvent.given == False)  # noqa: E712
        & (ConsentEvent.recorded_at > extract.created_at)).exists()


def take(extract: ResearchExtract, actor) -> tuple[str, str]:
    """The one download: (file name, CSV). The stored copy is deleted in
    the same transaction, so a second request finds nothing."""
    if consent_withdrawn_since(extract):
        raise ExtractError(_l("A member withdrew research consent after this extract was built. "
                              "Build it again."))
    with db.atomic():
        row = (ResearchExtract.select().where(
            (ResearchExtract.id == extract.id)
            & (ResearchExtract.status == ResearchExtract.APPROVED)).first())
        if row is None or not row.payload:
            raise ExtractError(_l("This extract was already downloaded, or is not approved."))
        ResearchExtract.update(status=ResearchExtract.DOWNLOADED, payload="",
                               downloaded_by=actor.id, downloaded_at=utcnow()).where(
            ResearchExtract.id == extract.id).execute()
        audit.record("extract.downloaded", "research_extract", extract.id,
                     f"{row.rows_total - row.rows_dropped} rows", actor=actor)
    return f"kituo-research-{row.period_key}-{str(row.id)[:8]}.csv", row.payload


def field_labels(extract: ResearchExtract) -> list[str]:
    return [str(FIELDS[f]) for f in extract.fields.split(",") if f in FIELDS]


def check_summary(extract: ResearchExtract) -> list[str]:
    """What the k-anonymity check did, in words."""
    data = json.loads(extract.check_json or "{}")
    quasi = [str(FIELDS[q]) for q in data.get("quasi", [])]
    lines = []
    if not quasi:
        lines.append(_("No age band, gender or county chosen: nothing to generalise."))
        return lines
    lines.append(_("Checked: every combination of %(fields)s is shared by at least %(k)d "
                   "people in the extract.", fields=" × ".join(quasi), k=data.get("k", K)))
    for field, count in data.get("generalised", {}).items():
        lines.append(_("%(n)d rows: %(field)s made broader, because fewer than %(k)d people "
                       "shared their combination.", n=count, field=FIELDS[field],
                       k=data.get("k", K)))
    if extract.rows_dropped:
        lines.append(_("%(n)d rows left out: even made broader, fewer than %(k)d people "
                       "shared their combination.", n=extract.rows_dropped, k=data.get("k", K)))
    return lines


