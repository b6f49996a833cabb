"""Formal education per member (work plan Objective 2, Goal 3): the highest
level reached (Kenya's levels), where they study now, term results and
fees with the support the centre gave (integer cents)."""
from __future__ import annotations

import datetime as dt
import re

from app import audit
from app.clock import utcnow
from app.db import db
from app.education.support_models import (
    FORMAL_STATUSES, GRADE_SCALES, LEVELS, EducationProfile, FeeRecord, FormalEnrolment,
    TermResult)
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError

# KCSE mean grades (and KCPE-era letter grades): A to E.
KCSE_GRADES = ("A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "E")
MAX_CENTS = 100_000_000_000


def profile_of(member: Member) -> EducationProfile | None:
    return EducationProfile.get_or_none(EducationProfile.member == member)


def set_highest_level(member: Member, level: str, actor=None) -> None:
    if level not in LEVELS:
        raise RuleError(_l("Choose from the list."), "highest_level")
    with db.atomic():
        (EducationProfile.insert(member=member.id, highest_level=level, updated_at=utcnow(),
                                 updated_by=actor.id if actor else None)
         .on_conflict(conflict_target=[EducationProfile.member],
                      update={EducationProfile.highest_level: level,
                              EducationProfile.updated_at: utcnow(),
                              EducationProfile.updated_by: actor.id if actor else None})
         .execute())
        audit.record("education.level_set", "member", member.id, actor=actor)


def _check_date(value: dt.date | None, field: str) -> None:
    if value is not None and not 2000 <= value.year <= 2100:
        raise RuleError(_l("Give a date between %(first)d and %(last)d.", first=2000, last=2100),
                        field)


def save_formal(member: Member, formal: FormalEnrolment | None, institution: str,
                programme: str, level: str, year_of_study: int | None,
                started_on: dt.date | None, expected_completion: dt.date | None,
                status: str = "ongoing", actor=None) -> FormalEnrolment:
    institution = (institution or "").strip()
    if not institution:
        raise RuleError(_l("Give the school, college or university."), "institution")
    if level not in LEVELS or level == "none":
        raise RuleError(_l("Choose from the list."), "level")
    if status not in FORMAL_STATUSES:
        raise RuleError(_l("Choose from the list."), "status")
    if year_of_study is not None and not 1 <= year_of_study <= 8:
        raise RuleError(_l("A year between 1 and 8."), "year_of_study")
    _check_date(started_on, "started_on")
    _check_date(expected_completion, "expected_completion")
    if started_on and expected_completion and expected_completion < started_on:
        raise RuleError(_l("The end date is before the start date."), "expected_completion")
    values = dict(institution=institution[:120], programme=(programme or "").strip()[:120],
                  level=level, year_of_study=year_of_study, started_on=started_on,
                  expected_completion=expected_completion, status=status)
    with db.atomic():
        if formal is None:
            formal = FormalEnrolment.create(member=member, created_by=actor, **values)
        else:
            for name, value in values.items():
                setattr(formal, name, value)
            formal.save()
        audit.record("education.formal_saved", "member", member.id, f"formal {formal.id}",
                     actor=actor)
    return formal


def check_grade(scale: str, grade: str) -> str:
    """The grade in its scale's form; RuleError (field "grade") outside it."""
    grade = (grade or "").strip().upper()
    if scale not in GRADE_SCALES:
        raise RuleError(_l("Choose from the list."), "grade_scale")
    if scale == "none":
        if grade:
            raise RuleError(_l("Choose the grading scale of this grade."), "grade_scale")
        return ""
    if not grade:
        raise RuleError(_l("Give the grade, or choose no grade."), "grade")
    if scale == "kcse":
        if grade not in KCSE_GRADES:
            raise RuleError(_l("A KCSE grade is one of A, A-, B+, B, B-, C+, C, C-, D+, D, D-, "
                               "E."), "grade")
        return grade
    if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", grade):
        raise RuleError(_l("Give the grade as a number."), "grade")
    value = float(grade)
    if scale == "percent" and not 0 <= value <= 100:
        raise RuleError(_l("A percentage is between 0 and 100."), "grade")
    if scale == "gpa" and not 0 <= value <= 4:
        raise RuleError(_l("A grade point average is between 0 and 4."), "grade")
    return grade


def add_result(formal: FormalEnrolment, term: str, result_text: str, grade_scale: str,
               grade: str, actor=None) -> TermResult:
    term = (term or "").strip()
    if not term:
        raise RuleError(_l("Say which term or year."), "term")
    grade = check_grade(grade_scale, grade)
    with db.atomic():
        row = TermResult.create(formal=formal, term=term[:40], result_text=(result_text or "")
                                .strip()[:4000], grade_scale=grade_scale, grade=grade,
                                recorded_by=actor)
        audit.record("education.result_added", "member", formal.member_id, actor=actor)
    return row


def add_fee(formal: FormalEnrolment, term: str, fee_cents: int, support_cents: int,
            paid_on: dt.date | None, note: str = "", actor=None) -> FeeRecord:
    term = (term or "").strip()
    if not term:
        raise RuleError(_l("Say which term or year."), "term")
    for name, value in (("fee", fee_cents), ("support", support_cents)):
        if value is None or not 0 <= value <= MAX_CENTS:
            raise RuleError(_l("An amount between 0 and 1,000,000,000."), name)
    if support_cents > fee_cents:
        raise RuleError(_l("The support is more than the fees."), "support")
    _check_date(paid_on, "paid_on")
    with db.atomic():
        row = FeeRecord.create(formal=formal, term=term[:40], fee_cents=fee_cents,
                               support_cents=support_cents, paid_on=paid_on,
                               note=(note or "").strip()[:255], recorded_by=actor)
        audit.record("education.fee_added", "member", formal.member_id, actor=actor)
    return row


def formal_of(member: Member) -> list[FormalEnrolment]:
    return list(FormalEnrolment.select().where(FormalEnrolment.member == member)
                .order_by(FormalEnrolment.status != "ongoing", FormalEnrolment.id.desc()))


def member_formal(member: Member, formal_id: int) -> FormalEnrolment | None:
    return FormalEnrolment.get_or_none((FormalEnrolment.id == formal_id)
                                       & (FormalEnrolment.member == member))


def results_and_fees(formal_ids) -> tuple[dict, dict]:
    ids = list(formal_ids)
    results: dict[int, list] = {i: [] for i in ids}
    fees: dict[int, list] = {i: [] for i in ids}
    if ids:
        for row in TermResult.select().where(TermResult.formal.in_(ids)).order_by(TermResult.id):
            results[row.formal_id].append(row)
        for row in FeeRecord.select().where(FeeRecord.formal.in_(ids)).order_by(FeeRecord.id):
            fees[row.formal_id].append(row)
    return results, fees
