"""`seed-demo` gives education what a coordinator shows a visitor: courses
in every programme area, classes over the last two years and the next
three months, attendance that is not all "present", completions with
certificates, opportunities with applications, and placements with their
follow-ups."""
from __future__ import annotations

import datetime as dt

import pytest
from peewee import fn

from app.db import db
from app.education.courses import DEFAULT_AREAS
from app.education.models import (
    Attendance, Certificate, ClassSession, Course, Enrolment, ProgrammeArea, TrainingClass)
from app.education.support_models import Application, FollowUp, Opportunity, Placement
from app.rules import today

pytestmark = pytest.mark.slow   # seeds the whole demo to test its seeder (make test-fast leaves it out)


def test_seed_demo_fills_every_part_of_education(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "120", "--seed", "1"])
    assert result.exit_code == 0, result.output
    with app.app_context(), db.connection_context():
        now = today()
        areas = {key for (key,) in ProgrammeArea.select(ProgrammeArea.key)
                 .join(Course, on=Course.area == ProgrammeArea.id).distinct().tuples()}
        assert areas == {key for key, *_names in DEFAULT_AREAS}

        first, last = TrainingClass.select(fn.MIN(TrainingClass.start_date),
                                           fn.MAX(TrainingClass.end_date)).scalar(as_tuple=True)
        assert first <= now - dt.timedelta(days=540)           # classes from the last two years
        assert now + dt.timedelta(days=45) <= last <= now + dt.timedelta(days=120)
        assert ClassSession.select().where(ClassSession.starts_at > dt.datetime.now()).exists()

        marks = dict(Attendance.select(Attendance.status, fn.COUNT(Attendance.id))
                     .group_by(Attendance.status).tuples())
        assert marks.get("present", 0) > marks.get("absent", 0) > 0     # realistic, not all present
        assert marks.get("late", 0) > 0 and marks.get("excused", 0) > 0

        statuses = {s for (s,) in Enrolment.select(Enrolment.status).distinct().tuples()}
        assert {"enrolled", "completed"} <= statuses
        completed = Enrolment.select().where(Enrolment.status == "completed").count()
        assert 0 < Certificate.select().count() <= completed

        assert Opportunity.select().where(Opportunity.deadline >= now).exists()
        assert {s for (s,) in Application.select(Application.status).distinct().tuples()} \
            >= {"interested", "applied"}
        assert Placement.select().exists()
        assert FollowUp.select().where(FollowUp.answered_at.is_null(False)).exists()
        assert FollowUp.select().where(FollowUp.answered_at.is_null()).exists()
