"""After the course (work plan Objective 2, Goal 1): placements in work,
referrals to businesses and consultancies, and follow-ups at 3, 6 and 12
months ("still working there?").

Follow-ups are made with the placement, each with its due date; the
coordinator's list is every follow-up due and not answered. Nothing has to
run at the right moment, so a Pi that was off for weeks shows all it
missed as soon as it is back."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app import audit
from app.clock import utcnow
from app.db import db
from app.education.models import Course
from app.education.support_models import (
    FOLLOW_UP_MONTHS, INCOME_BANDS, PLACEMENT_KINDS, REFERRAL_KINDS, REFERRAL_OUTCOMES, FollowUp,
    Placement, Referral)
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError, today


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    import calendar
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PlacementInput:
    kind: str
    employer: str
    role: str
    start_date: dt.date | None
    income_band: str = "none"
    course_id: int | None = None
    business_id: int | None = None


def _check_date(value, field: str, required: bool = True) -> None:
    if value is None:
        if required:
            raise RuleError(_l("This field is required."), field)
        return
    if not 2000 <= value.year <= 2100:
        raise RuleError(_l("Give a date between %(first)d and %(last)d.", first=2000, last=2100),
                        field)


def businesses_to_choose(member: Member) -> list:
    """The member's own businesses (microloans module), which a
    self-employed placement may name."""
    from app.loans.businesses import of_member
    return of_member(member)


def business_names(placements) -> dict[int, str]:
    """placement id -> the name of the member's business it names."""
    from app.loans.models import Business
    wanted = {p.business_id: p.id for p in placements if p.business_id}
    if not wanted:
        return {}
    names = dict(Business.select(Business.id, Business.name)
                 .where(Business.id.in_(list(wanted))).tuples())
    return {p.id: names[p.business_id] for p in placements if p.business_id in names}


def _check_business(member: Member, data: PlacementInput) -> None:
    """Only one of this member's own businesses, and only for self-employment."""
    if not data.business_id:
        return
    if data.kind != "self_employed":
        raise RuleError(_l("A business of the member's own goes with self-employed work."),
                        "business")
    if data.business_id not in {b.id for b in businesses_to_choose(member)}:
        raise RuleError(_l("Choose from the list."), "business")


def record_placement(member: Member, data: PlacementInput, actor=None) -> Placement:
    if member.anonymised_at:
        raise RuleError(_l("This member is anonymised."), "member")
    if data.kind not in PLACEMENT_KINDS:
        raise RuleError(_l("Choose from the list."), "kind")
    employer = (data.employer or "").strip()
    if data.kind != "self_employed" and not employer:
        raise RuleError(_l("Give the employer (or choose self-employed)."), "employer")
    if data.income_band not in INCOME_BANDS:
        raise RuleError(_l("Choose from the list."), "income_band")
    _check_date(data.start_date, "start_date")
    if data.start_date > today() + dt.timedelta(days=366):
        raise RuleError(_l("The start is more than a year ahead."), "start_date")
    course = None
    if data.course_id:
        course = Course.get_or_none(Course.id == data.course_id)
        if course is None:
            raise RuleError(_l("Choose from the list."), "course")
    _check_business(member, data)
    with db.atomic():
        placement = Placement.create(member=member, kind=data.kind, employer=employer[:120],
                                     role=(data.role or "").strip()[:120],
                                     start_date=data.start_date, income_band=data.income_band,
                                     course=course, business_id=data.business_id,
                                     created_by=actor)
        FollowUp.insert_many([{"placement": placement.id, "months": m,
                               "due_on": add_months(data.start_date, m)}
                              for m in FOLLOW_UP_MONTHS]).execute()
        audit.record("education.placement_recorded", "member", member.id,
                     f"placement {placement.id}", actor=actor)
    return placement


def end_placement(placement: Placement, ended_on: dt.date, actor=None) -> None:
    """The work ended: the follow-ups after that date are not needed."""
    _check_date(ended_on, "ended_on")
    if ended_on < placement.start_date:
        raise RuleError(_l("The end date is before the start date."), "ended_on")
    with db.atomic():
        placement.ended_on = ended_on
        placement.save(only=[Placement.ended_on])
        FollowUp.update(closed=True).where((FollowUp.placement == placement)
                                           & FollowUp.answered_at.is_null()
                                           & (FollowUp.due_on > ended_on)).execute()
        audit.record("education.placement_ended", "member", placement.member_id, actor=actor)


def answer_follow_up(follow_up: FollowUp, still_working: bool, note: str = "",
                     ended_on: dt.date | None = None, actor=None) -> None:
    """"Still working there?" Yes, or no: then the placement ended (by the
    follow-up's date unless told otherwise) and the later follow-ups close."""
    if follow_up.answered_at or follow_up.closed:
        raise RuleError(_l("This follow-up is already done."))
    if follow_up.due_on > today():
        raise RuleError(_l("This follow-up is not due yet."))
    with db.atomic():
        follow_up.answered_at, follow_up.answered_by = utcnow(), actor
        follow_up.still_working, follow_up.note = still_working, (note or "").strip()[:255]
        follow_up.save()
        if not still_working:
            placement = Placement.get_by_id(follow_up.placement_id)
            end_placement(placement, ended_on or min(follow_up.due_on, today()), actor)
            FollowUp.update(closed=True).where((FollowUp.placement == placement)
                                               & FollowUp.answered_at.is_null()
                                               & (FollowUp.months > follow_up.months)).execute()
        audit.record("education.follow_up", "education_placement", follow_up.placement_id,
                     f"{follow_up.months} months", actor=actor)


def due_follow_ups(limit: int = 50, *columns):
    """Every follow-up due and not answered, oldest first (with `columns`
    only when given, e.g. what the dashboard panel shows)."""
    return (FollowUp.select(*(columns or (FollowUp, Placement, Member)))
            .join(Placement).join(Member)
            .where((FollowUp.closed == False) & FollowUp.answered_at.is_null()  # noqa: E712
                   & (FollowUp.due_on <= today()) & Member.anonymised_at.is_null())
            .order_by(FollowUp.due_on, FollowUp.id).limit(limit))


def due_count() -> int:
    return (FollowUp.select().where((FollowUp.closed == False)  # noqa: E712
                                    & FollowUp.answered_at.is_null()
                                    & (FollowUp.due_on <= today())).count())


def placements_of(member: Member) -> list[Placement]:
    return list(Placement.select().where(Placement.member == member)
                .order_by(Placement.start_date.desc()))


def follow_ups_of(placement_ids) -> dict[int, list[FollowUp]]:
    ids = list(placement_ids)
    result: dict[int, list[FollowUp]] = {i: [] for i in ids}
    if ids:
        for row in FollowUp.select().where(FollowUp.placement.in_(ids)).order_by(FollowUp.months):
            result[row.placement_id].append(row)
    return result


def record_referral(member: Member, kind: str, to_name: str, referred_on: dt.date | None,
                    purpose: str = "", actor=None) -> Referral:
    if kind not in REFERRAL_KINDS:
        raise RuleError(_l("Choose from the list."), "kind")
    to_name = (to_name or "").strip()
    if not to_name:
        raise RuleError(_l("Say who the member was referred to."), "to_name")
    _check_date(referred_on, "referred_on")
    with db.atomic():
        referral = Referral.create(member=member, kind=kind, to_name=to_name[:120],
                                   referred_on=referred_on, purpose=(purpose or "").strip()[:255],
                                   created_by=actor)
        audit.record("education.referral", "member", member.id, f"referral {referral.id}",
                     actor=actor)
    return referral


def set_referral_outcome(referral: Referral, outcome: str, actor=None) -> None:
    if outcome not in REFERRAL_OUTCOMES:
        raise RuleError(_l("Choose from the list."), "outcome")
    with db.atomic():
        referral.outcome = outcome
        referral.save(only=[Referral.outcome])
        audit.record("education.referral_outcome", "member", referral.member_id, outcome,
                     actor=actor)


def referrals_of(member: Member) -> list[Referral]:
    return list(Referral.select().where(Referral.member == member)
                .order_by(Referral.referred_on.desc()))
