"""The attendance register: a class's trainer marks each person present,
late, absent or excused, one tap at a time (each saved at once), or
everyone present in one tap. For 7 days after the session its trainer may
change a mark; after that a change is appended as a correction with a
reason (the register keeps what it said before)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app import audit
from peewee import JOIN, fn

from app.clock import utcnow
from app.db import Prepared, db
from app.education.models import (
    MARKS, Attendance, AttendanceCorrection, ClassSession, ClassTrainer, Enrolment, TrainingClass)
from app.clock import to_local
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError, today

EDIT_DAYS = 7
ON_ROSTER = ("enrolled", "completed", "did_not_complete")


def is_trainer(user, klass_id: int) -> bool:
    from app.education.scope import teaches
    return teaches(user, klass_id)


def locks_at(session: ClassSession) -> dt.datetime:
    return session.starts_at + dt.timedelta(days=EDIT_DAYS)


def is_open(session: ClassSession) -> bool:
    """Its day has come (a trainer may open the register before the start)
    and its trainer's 7 days have not passed."""
    if session.cancelled_at:
        return False
    return to_local(session.starts_at).date() <= today() and utcnow() < locks_at(session)


def may_mark(user, session: ClassSession) -> bool:
    return is_open(session) and is_trainer(user, session.klass_id)


@dataclass
class RosterRow:
    enrolment_id: int
    code: str
    name: str
    status: str            # the mark: "" when not marked yet
    marked_at: dt.datetime | None
    attendance_id: int | None
    corrected: bool = False


def _roster_query(param):
    mark = Attendance.alias()
    corrected = fn.EXISTS(AttendanceCorrection.select(AttendanceCorrection.id)
                          .where(AttendanceCorrection.attendance == mark.id))
    return (Enrolment.select(Enrolment.id, Member.code, Member.preferred_name, mark.status,
                             mark.marked_at, mark.id, corrected)
            .join(Member)
            .switch(Enrolment)
            .join(mark, JOIN.LEFT_OUTER, on=((mark.enrolment == Enrolment.id)
                                             & (mark.session == param("session"))))
            .where((Enrolment.klass == param("klass"))
                   & (Enrolment.status.in_(ON_ROSTER) | mark.id.is_null(False)))
            .order_by(Member.preferred_name, Member.code))


# The trainer's register is a key page (DESIGN §10): its roster is built
# once per worker (app.db.Prepared; README, performance).
_roster = Prepared(_roster_query)


def roster(session: ClassSession) -> list[RosterRow]:
    """Who is in the class, with this session's mark; preferred name and
    code only (never legal names). Someone who left the class stays on the
    register of a session where they were marked."""
    return [RosterRow(enrolment_id, code, name, status or "", marked_at, mark_id, bool(corrected))
            for enrolment_id, code, name, status, marked_at, mark_id, corrected
            in _roster.all(session=session.id, klass=session.klass_id)]


def roster_row(session: ClassSession, enrolment_id: int) -> RosterRow | None:
    return next((r for r in roster(session) if r.enrolment_id == enrolment_id), None)


def _check_mark(status: str) -> None:
    if status not in MARKS:
        raise RuleError(_l("Choose from the list."), "status")


def _on_register(session: ClassSession, enrolment_id: int) -> Enrolment:
    enrolment = Enrolment.get_or_none((Enrolment.id == enrolment_id)
                                      & (Enrolment.klass == session.klass_id))
    if enrolment is None or (enrolment.status not in ON_ROSTER and not Attendance.select().where(
            (Attendance.session == session) & (Attendance.enrolment == enrolment)).exists()):
        raise RuleError(_l("This person is not on this register."), "enrolment")
    return enrolment


def _first_mark(session: ClassSession, actor) -> None:
    if session.register_taken_at is None:
        session.register_taken_at = utcnow()
        session.save(only=[ClassSession.register_taken_at])
        audit.record("education.register_taken", "education_session", session.id, actor=actor)


def mark(session: ClassSession, enrolment_id: int, status: str, actor) -> Attendance:
    """One tap: saved at once. Only the class's trainer, while open."""
    _check_mark(status)
    if not may_mark(actor, session):
        raise RuleError(_l("This register is closed: add a correction with a reason instead."))
    with db.atomic():
        enrolment = _on_register(session, enrolment_id)
        now = utcnow()
        (Attendance.insert(session=session.id, enrolment=enrolment.id, status=status,
                           marked_at=now, marked_by=actor.id)
         .on_conflict(conflict_target=[Attendance.session, Attendance.enrolment],
                      update={Attendance.status: status, Attendance.marked_at: now,
                              Attendance.marked_by: actor.id}).execute())
        _first_mark(session, actor)
    return Attendance.get((Attendance.session == session) & (Attendance.enrolment == enrolment))


def mark_everyone_present(session: ClassSession, actor) -> int:
    """Everyone not marked yet is present; the trainer then changes the
    exceptions. Returns how many were marked."""
    if not may_mark(actor, session):
        raise RuleError(_l("This register is closed: add a correction with a reason instead."))
    with db.atomic():
        marked = {a.enrolment_id for a in Attendance.select(Attendance.enrolment)
                  .where(Attendance.session == session)}
        now = utcnow()
        rows = [{"session": session.id, "enrolment": e.id, "status": "present", "marked_at": now,
                 "marked_by": actor.id}
                for e in Enrolment.select(Enrolment.id).where(
                    (Enrolment.klass == session.klass_id) & Enrolment.status.in_(ON_ROSTER))
                if e.id not in marked]
        if rows:
            Attendance.insert_many(rows).on_conflict_ignore().execute()
        _first_mark(session, actor)
    return len(rows)


def may_correct(user, session: ClassSession) -> bool:
    """After the 7 days its trainer appends corrections; a coordinator may
    at any time (always with a reason)."""
    if session.cancelled_at or to_local(session.starts_at).date() > today():
        return False
    if user.can("education.manage"):
        return True
    return not is_open(session) and is_trainer(user, session.klass_id)


def correct(session: ClassSession, enrolment_id: int, status: str, reason: str,
            actor) -> AttendanceCorrection:
    _check_mark(status)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_l("Say why the register changes."), "reason")
    if not may_correct(actor, session):
        raise RuleError(_l("You cannot correct this register."))
    with db.atomic():
        enrolment = _on_register(session, enrolment_id)
        attendance = Attendance.get_or_none((Attendance.session == session)
                                            & (Attendance.enrolment == enrolment))
        old = attendance.status if attendance else ""
        if old == status:
            raise RuleError(_l("The register already says this."), "status")
        now = utcnow()
        if attendance is None:
            attendance = Attendance.create(session=session, enrolment=enrolment, status=status,
                                           marked_at=now, marked_by=actor.id)
        else:
            attendance.status, attendance.marked_at, attendance.marked_by = status, now, actor.id
            attendance.save()
        correction = AttendanceCorrection.create(attendance=attendance, old_status=old,
                                                 new_status=status, reason=reason[:255], by=actor)
        _first_mark(session, actor)
        audit.record("education.register_corrected", "education_session", session.id,
                     f"enrolment {enrolment.id}", actor=actor)
    return correction


def marks_of(enrolment: Enrolment) -> list[Attendance]:
    """One person's marks in their class, session by session."""
    return list(Attendance.select(Attendance, ClassSession).join(ClassSession)
                .where(Attendance.enrolment == enrolment).order_by(ClassSession.starts_at))


def corrections_of(session: ClassSession) -> list[AttendanceCorrection]:
    return list(AttendanceCorrection.select(AttendanceCorrection, Attendance)
                .join(Attendance).where(Attendance.session == session)
                .order_by(AttendanceCorrection.id))


def sessions_for_trainer(user, first: dt.datetime, last: dt.datetime):
    """A trainer's sessions (not cancelled) starting in [first, last)."""
    return (ClassSession.select(ClassSession, TrainingClass)
            .join(TrainingClass)
            .join(ClassTrainer, on=(ClassTrainer.klass == TrainingClass.id))
            .where((ClassTrainer.user == user.id) & ClassSession.cancelled_at.is_null()
                   & (ClassSession.starts_at >= first) & (ClassSession.starts_at < last))
            .order_by(ClassSession.starts_at))
