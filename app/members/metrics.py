"""Members' figures for the reports (Metric hook, app/registry.py).

When a member became active (and stopped being active) comes from the
status history (MemberChange); a member imported as active without history
counts as active from the day they joined.
"""
from __future__ import annotations

import peewee as pw

from app.i18n import lazy_gettext as _l
from app.members.models import ConsentEvent, Member, MemberChange, ReferralSource
from app.registry import BREAKDOWNS, PEOPLE, Metric, QualityCheck

PARTNER_SOURCES = ("partner_ngo", "government")
SOURCES = ((Member, ("joined_on", "status_changed_at", "exited_on")),
           (MemberChange, ("at",)))


def _first_status_change(column: str, value: str, name: str):
    """Per member, when their status first became (or first stopped being)
    `value`: one grouped pass over the history, joined to the members."""
    change = MemberChange.alias(f"{name}_change")
    return (change.select(change.member.alias("member_id"), pw.fn.MIN(change.at).alias("at"))
            .where((change.field == "status") & (getattr(change, column) == value))
            .group_by(change.member).alias(name))


def referred(period, scope):
    """Members registered (referred to the centre) in the period."""
    query = Member.select().where(period.contains(Member.joined_on))
    return scope.count(query, member=Member.id)


def referred_by_partners(period, scope):
    """... of them referred by a partner organisation or a government service."""
    query = (Member.select().join(ReferralSource)
             .where(period.contains(Member.joined_on)
                    & ReferralSource.key.in_(PARTNER_SOURCES)))
    return scope.count(query, member=Member.id)


def inducted(period, scope):
    """Members whose induction was confirmed in the period (became active)."""
    query = MemberChange.select().where(
        (MemberChange.field == "status") & (MemberChange.old_value == "inducting")
        & (MemberChange.new_value == "active") & period.contains(MemberChange.at))
    return scope.count(query, member=MemberChange.member)


def active(period, scope):
    """Members whose status was "active" at some time in the period."""
    began = _first_status_change("new_value", "active", "began")
    ended = _first_status_change("old_value", "active", "ended")
    with_history = ((began.c.at < period.utc_end)
                    & (ended.c.at.is_null() | (ended.c.at >= period.utc_start)))
    without_history = (began.c.at.is_null() & (Member.status == "active")
                       & (Member.joined_on <= period.end))
    query = (Member.select()
             .join(began, pw.JOIN.LEFT_OUTER, on=(began.c.member_id == Member.id))
             .switch(Member)
             .join(ended, pw.JOIN.LEFT_OUTER, on=(ended.c.member_id == Member.id))
             .where(with_history | without_history))
    return scope.count(query, member=Member.id)


def research_consent(period, scope):
    """Members whose latest answer on research, at the end of the period, is yes."""
    latest = (ConsentEvent.select(pw.fn.MAX(ConsentEvent.id))
              .where((ConsentEvent.purpose == "research")
                     & (ConsentEvent.recorded_on <= period.end))
              .group_by(ConsentEvent.member))
    query = ConsentEvent.select().where(ConsentEvent.id.in_(latest) & (ConsentEvent.given == True))  # noqa: E712
    return scope.count(query, member=ConsentEvent.member)


def complete_records(period, scope):
    """Members referred in the period whose gender and age are recorded."""
    query = Member.select().where(
        period.contains(Member.joined_on) & (Member.gender != "undisclosed")
        & ((Member.age_band != "") | Member.birth_year.is_null(False)))
    return scope.count(query, member=Member.id)


ALL = BREAKDOWNS
METRICS = [
    Metric("members.referred", _l("Members referred"), _l("people"), PEOPLE, referred,
           ALL, sources=SOURCES, order=10),
    Metric("members.referred_by_partners", _l("Members referred by partner organisations"),
           _l("people"), PEOPLE, referred_by_partners, ALL, sources=SOURCES, order=11),
    Metric("members.inducted", _l("Inductions completed"), _l("people"), PEOPLE, inducted,
           ALL, sources=SOURCES, order=12),
    Metric("members.active", _l("Active members"), _l("people"), PEOPLE, active, ALL,
           sources=SOURCES, order=13),
    Metric("members.research_consent", _l("Members who agreed to take part in research"),
           _l("people"), PEOPLE, research_consent, ALL,
           sources=SOURCES + ((ConsentEvent, ("recorded_on",)),), order=14),
    Metric("members.complete_records", _l("New member records with gender and age"),
           _l("people"), PEOPLE, complete_records, ALL, sources=SOURCES, order=15),
]


# --- data quality (QualityCheck hook) -------------------------------------------

def _current_members():
    return Member.select().where(Member.anonymised_at.is_null() & (Member.status != "exited"))


def _missing_gender_or_age():
    return _current_members().where(
        (Member.gender == "undisclosed")
        | ((Member.age_band == "") & Member.birth_year.is_null()))


def missing_count() -> int:
    return _missing_gender_or_age().count()


def missing_items(limit: int) -> list:
    from flask import url_for
    rows = _missing_gender_or_age().select(Member.id, Member.code).order_by(Member.id.desc())
    return [(row.code, url_for("members.edit", member_id=row.id)) for row in rows.limit(limit)]


def missing_monthly(start, end) -> dict:
    """Members who joined each month: how many have gender and age recorded."""
    from app.db import month_of
    month = month_of(Member.joined_on)
    recorded = ((Member.gender != "undisclosed")
                & ((Member.age_band != "") | Member.birth_year.is_null(False)))
    rows = (Member.select(month, pw.fn.SUM(pw.Case(None, [(recorded, 1)], 0)), pw.fn.COUNT(Member.id))
            .where((Member.joined_on >= start) & (Member.joined_on <= end))
            .group_by(month).tuples())
    return {m: (int(complete or 0), int(total)) for m, complete, total in rows}


def _duplicate_groups():
    """Members sharing a phone number, or a legal name (case and spaces
    aside) and a year of birth."""
    name = pw.fn.lower(pw.fn.trim(Member.legal_name))
    by_phone = (_current_members().select(Member.phone, pw.fn.COUNT(Member.id))
                .where(Member.phone != "").group_by(Member.phone)
                .having(pw.fn.COUNT(Member.id) > 1))
    by_name = (_current_members().select(name, Member.birth_year, pw.fn.COUNT(Member.id))
               .where((Member.legal_name != "") & Member.birth_year.is_null(False))
               .group_by(name, Member.birth_year).having(pw.fn.COUNT(Member.id) > 1))
    return by_phone, by_name, name


def duplicate_count() -> int:
    by_phone, by_name, _name = _duplicate_groups()
    return by_phone.count() + by_name.count()


def duplicate_items(limit: int) -> list:
    from flask import url_for

    from app.i18n import gettext as _
    by_phone, by_name, name = _duplicate_groups()
    items = []
    for phone, _n in by_phone.limit(limit).tuples():
        rows = list(_current_members().select(Member.id, Member.code)
                    .where(Member.phone == phone).order_by(Member.id).tuples())
        items.append((_("%(codes)s: same phone number", codes=", ".join(c for _i, c in rows)),
                      url_for("members.show", member_id=rows[0][0])))
    for legal, year, _n in by_name.limit(max(0, limit - len(items))).tuples():
        rows = list(_current_members().select(Member.id, Member.code)
                    .where((name == legal) & (Member.birth_year == year))
                    .order_by(Member.id).tuples())
        items.append((_("%(codes)s: same name and year of birth",
                        codes=", ".join(c for _i, c in rows)),
                      url_for("members.show", member_id=rows[0][0])))
    return items


QUALITY_CHECKS = [
    QualityCheck("members.missing_gender_age", _l("Members without a gender or an age"),
                 _l("Members"), missing_count, missing_items, "members.edit",
                 missing_monthly, order=10),
    QualityCheck("members.duplicates", _l("Members who may be recorded twice"), _l("Members"),
                 duplicate_count, duplicate_items, "members.edit", order=11),
]
