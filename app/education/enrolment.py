"""Enrolment: a place in a class while there is one, else the waiting list,
which moves up by itself when a place frees (app/waitlist.py, the pattern
counselling's group sessions use). Only active members enrol; staff enrol
them, or they ask from their home page."""
from __future__ import annotations

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.education.models import Enrolment, TrainingClass
from app.education.timetable import PLACES
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError, today


def open_for_enrolment(klass: TrainingClass) -> bool:
    return klass.cancelled_at is None and klass.end_date >= today()


def enrol(klass: TrainingClass, member: Member, actor=None, by_member: bool = False) -> Enrolment:
    """A place, or a place on the waiting list. Raises RuleError (field
    "member") for a member who is not active or already in the class."""
    if by_member and not klass.open_to_requests:
        raise RuleError(_l("This class does not take requests: please ask at the centre."))
    if member.anonymised_at or member.status != "active":
        raise RuleError(_l("Only active members can join a class."), "member")
    with db.atomic():
        klass = TrainingClass.get_by_id(klass.id)      # as it is now, inside the lock
        if not open_for_enrolment(klass):
            raise RuleError(_l("This class has ended or is cancelled."), "member")
        existing = Enrolment.get_or_none((Enrolment.klass == klass) & (Enrolment.member == member))
        if existing and existing.status != "withdrawn":
            raise RuleError(_l("Already in this class or on its waiting list."), "member")
        status = PLACES.status_for_new(klass.id, klass.capacity)
        now = utcnow()
        if existing:
            existing.status, existing.created_at, existing.created_by = status, now, actor
            existing.by_member, existing.promoted_at, existing.ended_at = by_member, None, None
            existing.save()
            enrolment = existing
        else:
            enrolment = Enrolment.create(klass=klass, member=member, status=status,
                                         created_at=now, created_by=actor, by_member=by_member)
        audit.record("education.enrolled", "education_class", klass.id, status, actor=actor)
    return enrolment


def withdraw(enrolment: Enrolment, actor=None) -> list[Enrolment]:
    """Leave the class or its waiting list; a freed place goes to the first
    person waiting. Returns who moved up."""
    if enrolment.status not in ("enrolled", "waitlisted"):
        raise RuleError(_l("Only someone in the class or waiting for it can leave it."))
    with db.atomic():
        klass = TrainingClass.get_by_id(enrolment.klass_id)
        held = enrolment.status == "enrolled"
        enrolment.status, enrolment.ended_at = "withdrawn", utcnow()
        enrolment.save(only=[Enrolment.status, Enrolment.ended_at])
        audit.record("education.withdrawn", "education_class", klass.id, actor=actor)
        promoted = []
        if held and open_for_enrolment(klass):
            promoted = PLACES.promote(klass.id, klass.capacity)
            for row in promoted:
                audit.record("education.promoted", "education_class", klass.id,
                             f"enrolment {row.id}", actor=actor)
    return promoted


# The class page is a key page (DESIGN §10): its roster is read by a query
# built once per worker (app.db.Prepared; README, performance).
_ENROLMENT_COLUMNS = (Enrolment.id, Enrolment.klass, Enrolment.member, Enrolment.status,
                      Enrolment.by_member, Enrolment.created_at, Enrolment.assessment_result,
                      Enrolment.assessment_score)
_MEMBER_COLUMNS = (Member.id, Member.code, Member.preferred_name)
_of_class = Prepared(lambda param: (
    Enrolment.select(*_ENROLMENT_COLUMNS, *_MEMBER_COLUMNS).join(Member)
    .where(Enrolment.klass == param("klass")).order_by(Enrolment.created_at, Enrolment.id)))
_PLACE_ORDER = {"enrolled": 0, "completed": 0, "did_not_complete": 0, "waitlisted": 1,
                "withdrawn": 2}


def enrolments_of_class(klass_id: int) -> list[Enrolment]:
    """Everyone in the class (and waiting), place holders first, in the
    order they came (code and preferred name of each: nothing more): each
    an Enrolment of the columns above, its `member` a Member of its code
    and preferred name."""
    n = len(_ENROLMENT_COLUMNS)
    rows = []
    for row in _of_class.all(klass=klass_id):
        enrolment = Enrolment(**{f.name: value for f, value in zip(_ENROLMENT_COLUMNS, row)})
        enrolment.member = Member(**{f.name: value for f, value in zip(_MEMBER_COLUMNS, row[n:])})
        rows.append(enrolment)
    return sorted(rows, key=lambda e: _PLACE_ORDER[e.status])


def class_enrolment(klass_id: int, enrolment_id: int | None) -> Enrolment | None:
    """One enrolment of this class (None for any other)."""
    if not enrolment_id or not 0 < enrolment_id < 2 ** 63:
        return None
    return Enrolment.get_or_none((Enrolment.id == enrolment_id) & (Enrolment.klass == klass_id))


def requestable_class(class_id: int) -> TrainingClass | None:
    """A class members may ask to join (still running or ahead)."""
    return TrainingClass.get_or_none((TrainingClass.id == class_id)
                                     & (TrainingClass.open_to_requests == True)  # noqa: E712
                                     & TrainingClass.cancelled_at.is_null()
                                     & (TrainingClass.end_date >= today()))


def member_enrolment(member: Member, enrolment_id: int) -> Enrolment | None:
    """One of the member's own enrolments (None for anyone else's)."""
    return Enrolment.get_or_none((Enrolment.id == enrolment_id) & (Enrolment.member == member))


def waiting_position(enrolment: Enrolment) -> int | None:
    return PLACES.position(enrolment)
