"""Who sees which classes, sessions and enrolments: a coordinator every
one, a trainer only their own classes. Every lookup by id goes through
here, so another trainer's register is a 404, not a page."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from app.access import user_can
from app.db import Prepared, whole_rows
from app.education.models import (
    ClassSession, ClassTrainer, Course, Enrolment, TrainingClass)
from app.members.models import Member
from app.rules import today

# The education home keeps a class in view for two weeks after it ends
# (registers and results still to finish).
UNDER_WAY_AFTER_END = dt.timedelta(days=14)


def sees_all(user) -> bool:
    return user_can(user, "education.manage")


def _taught_by(user_id):
    """WHERE: the class is one that user teaches (an id, or a query's value)."""
    return TrainingClass.id.in_(ClassTrainer.select(ClassTrainer.klass)
                                .where(ClassTrainer.user == user_id))


def classes_for(user):
    query = TrainingClass.select(TrainingClass, Course).join(Course)
    if sees_all(user):
        return query
    if not user_can(user, "education.teach"):
        return query.where(False)
    return query.where(_taught_by(user.id))


def classes_under_way(user, limit: int) -> list[TrainingClass]:
    """The classes the user sees that are not cancelled and ended at most
    UNDER_WAY_AFTER_END ago, first start first."""
    return list(classes_for(user)
                .where(TrainingClass.cancelled_at.is_null()
                       & (TrainingClass.end_date >= today() - UNDER_WAY_AFTER_END))
                .order_by(TrainingClass.start_date).limit(limit))


def class_list(user, past: bool, page: int, per_page: int) -> list[TrainingClass]:
    """One page of the classes list, plus one row more when another page
    follows: the past ones (ended before today, latest first) or the
    current and coming ones (first start first)."""
    if past:
        query = classes_for(user).where(TrainingClass.end_date < today()).order_by(
            TrainingClass.end_date.desc())
    else:
        query = classes_for(user).where(TrainingClass.end_date >= today()).order_by(
            TrainingClass.start_date)
    return list(query.paginate(page, per_page + 1))


def classes_of_course(user, course_id: int, limit: int) -> list[TrainingClass]:
    """The latest classes of a course that the user sees, latest start first."""
    return list(classes_for(user).where(TrainingClass.course == course_id)
                .order_by(TrainingClass.start_date.desc()).limit(limit))


# --- one row by id, if the user may see its class -------------------------------------

def _sight(user) -> dict | None:
    """The values of _in_sight for this user; None: no class at all."""
    if sees_all(user):
        return {"every": 1, "user": user.id}
    if user_can(user, "education.teach"):
        return {"every": 0, "user": user.id}
    return None


def _in_sight(value):
    """WHERE: the class is one the user sees: every class (`every` 1), or
    one `user` teaches; `value(name)` gives _sight's values."""
    return (value("every") == 1) | _taught_by(value("user"))


# The class page and the trainer's register are key pages (DESIGN §10):
# their class and session are found by queries built once per worker
# (app.db.Prepared; README, performance), read as whole rows.
_class = Prepared(lambda param: (
    TrainingClass.select(TrainingClass, Course).join(Course)
    .where((TrainingClass.id == param("id")) & _in_sight(param))))
_session = Prepared(lambda param: (
    ClassSession.select(ClassSession, TrainingClass, Course).join(TrainingClass).join(Course)
    .where((ClassSession.id == param("id")) & _in_sight(param))))


def visible_class(user, class_id: int) -> TrainingClass | None:
    sight = _sight(user)
    row = _class.first(id=class_id, **sight) if sight else None
    if row is None:
        return None
    klass, course = whole_rows(row, TrainingClass, Course)
    klass.course = course
    return klass


def visible_session(user, session_id: int) -> ClassSession | None:
    sight = _sight(user)
    row = _session.first(id=session_id, **sight) if sight else None
    if row is None:
        return None
    session, klass, course = whole_rows(row, ClassSession, TrainingClass, Course)
    klass.course = course
    session.klass = klass
    return session


def visible_enrolment(user, enrolment_id: int) -> Enrolment | None:
    sight = _sight(user)
    if sight is None:
        return None
    return (Enrolment.select(Enrolment, TrainingClass, Course, Member.id, Member.code,
                             Member.preferred_name)
            .join(TrainingClass).join(Course).switch(Enrolment).join(Member)
            .where((Enrolment.id == enrolment_id)
                   & _in_sight(lambda name: pw.Value(sight[name]))).first())


# Asked on every register (may mark, or may correct): built once per
# worker (app.db.Prepared; README, performance).
_teaches = Prepared(lambda param: (
    ClassTrainer.select(ClassTrainer.id)
    .where((ClassTrainer.klass == param("klass")) & (ClassTrainer.user == param("user")))
    .limit(1)))


def teaches(user, class_id: int) -> bool:
    return _teaches.first(klass=class_id, user=user.id) is not None


def visible_member(user, member_id: int) -> Member | None:
    """A member this user may see (members.visible_members: a coordinator
    everyone, a mentor their mentees), or None."""
    from app.members.services import visible_member as member_if_visible
    return member_if_visible(user, member_id)
