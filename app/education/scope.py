"""Who sees which classes, sessions and enrolments: a coordinator every
one, a trainer only their own classes. Every lookup by id goes through
here, so another trainer's register is a 404, not a page."""
from __future__ import annotations

from app.access import user_can
from app.education.models import (
    ClassSession, ClassTrainer, Course, Enrolment, TrainingClass)
from app.members.models import Member


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
