"""Who sees which classes, sessions and enrolments: a coordinator every
one, a trainer only their own classes. Every lookup by id goes through
here, so another trainer's register is a 404, not a page.

The lookups every register and class page makes are built once
(app.db.Prepared): one query each, whoever asks."""
from __future__ import annotations

from app.access import user_can
from app.db import Prepared
from app.education.models import (
    ClassSession, ClassTrainer, Course, Enrolment, TrainingClass)
from app.members.models import Member


def sees_all(user) -> bool:
    return user_can(user, "education.manage")


def _taught_by(p):
    return TrainingClass.id.in_(ClassTrainer.select(ClassTrainer.klass)
                                .where(ClassTrainer.user == p("user")))


def classes_for(user):
    query = TrainingClass.select(TrainingClass, Course).join(Course)
    if sees_all(user):
        return query
    if not user_can(user, "education.teach"):
        return query.where(False)
    return query.where(TrainingClass.id.in_(
        ClassTrainer.select(ClassTrainer.klass).where(ClassTrainer.user == user.id)))


def _both(build) -> tuple[Prepared, Prepared]:
    """(anyone's, a trainer's own) versions of a lookup by id."""
    return (Prepared(lambda p: build(p).limit(1)),
            Prepared(lambda p: build(p).where(_taught_by(p)).limit(1)))


_CLASS = _both(lambda p: TrainingClass.select(TrainingClass, Course).join(Course)
               .where(TrainingClass.id == p("id")))
_SESSION = _both(lambda p: ClassSession.select(ClassSession, TrainingClass, Course)
                 .join(TrainingClass).join(Course).where(ClassSession.id == p("id")))
_ENROLMENT = _both(lambda p: Enrolment.select(Enrolment, TrainingClass, Course, Member.id,
                                               Member.code, Member.preferred_name)
                   .join(TrainingClass).join(Course)
                   .switch(Enrolment).join(Member).where(Enrolment.id == p("id")))


def _lookup(user, queries: tuple[Prepared, Prepared], row_id: int):
    if sees_all(user):
        return queries[0].first(id=int(row_id))
    if not user_can(user, "education.teach"):
        return None
    return queries[1].first(id=int(row_id), user=user.id)


def visible_class(user, class_id: int) -> TrainingClass | None:
    return _lookup(user, _CLASS, class_id)


def visible_session(user, session_id: int) -> ClassSession | None:
    return _lookup(user, _SESSION, session_id)


def visible_enrolment(user, enrolment_id: int) -> Enrolment | None:
    return _lookup(user, _ENROLMENT, enrolment_id)


_TEACHES = Prepared(lambda p: ClassTrainer.select(ClassTrainer.id).where(
    (ClassTrainer.klass == p("klass")) & (ClassTrainer.user == p("user"))).limit(1))


def teaches(user, class_id: int) -> bool:
    return _TEACHES.first(klass=int(class_id), user=user.id) is not None


def visible_member(user, member_id: int) -> Member | None:
    """A member this user may see (members.visible_members: a coordinator
    everyone, a mentor their mentees), or None."""
    from app.members.services import visible_members
    return visible_members(user).where(Member.id == member_id).first()
