"""Who sees which classes, sessions and enrolments: a coordinator every
one, a trainer only their own classes. Every lookup by id goes through
here, so another trainer's register is a 404, not a page."""
from __future__ import annotations

import datetime as dt

from app.access import user_can
from app.education.models import (
    ClassSession, ClassTrainer, Course, Enrolment, TrainingClass)
from app.members.models import Member
from app.rules import today

# The education home keeps a class in view for two weeks after it ends
# (registers and results still to finish).
UNDER_WAY_AFTER_END = dt.timedelta(days=14)


def sees_all(user) -> bool:
    return user_can(user, "education.manage")


def _taught_by(user):
    return TrainingClass.id.in_(ClassTrainer.select(ClassTrainer.klass)
                                .where(ClassTrainer.user == user.id))


def classes_for(user):
    query = TrainingClass.select(TrainingClass, Course).join(Course)
    if sees_all(user):
        return query
    if not user_can(user, "education.teach"):
        return query.where(False)
    return query.where(_taught_by(user))


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


def _lookup(user, query):
    """The row `query` finds, if this user may see its class."""
    if sees_all(user):
        return query.first()
    if not user_can(user, "education.teach"):
        return None
    return query.where(_taught_by(user)).first()


def visible_class(user, class_id: int) -> TrainingClass | None:
    return _lookup(user, TrainingClass.select(TrainingClass, Course).join(Course)
                   .where(TrainingClass.id == class_id))


def visible_session(user, session_id: int) -> ClassSession | None:
    return _lookup(user, ClassSession.select(ClassSession, TrainingClass, Course)
                   .join(TrainingClass).join(Course).where(ClassSession.id == session_id))


def visible_enrolment(user, enrolment_id: int) -> Enrolment | None:
    return _lookup(user, Enrolment.select(Enrolment, TrainingClass, Course, Member.id,
                                          Member.code, Member.preferred_name)
                   .join(TrainingClass).join(Course)
                   .switch(Enrolment).join(Member).where(Enrolment.id == enrolment_id))


def teaches(user, class_id: int) -> bool:
    return ClassTrainer.select(ClassTrainer.id).where(
        (ClassTrainer.klass == class_id) & (ClassTrainer.user == user.id)).exists()


def visible_member(user, member_id: int) -> Member | None:
    """A member this user may see (members.visible_members: a coordinator
    everyone, a mentor their mentees), or None."""
    from app.members.services import visible_members
    return visible_members(user).where(Member.id == member_id).first()
