"""Builders for education tests."""
from __future__ import annotations

import datetime as dt

from app.education import courses, timetable
from app.education.models import ProgrammeArea
from app.members.models import Member
from app.rules import today
from tests import factories
from tests.factories import make_user


def make_member(status="active", **fields) -> Member:
    """The one member factory (tests/factories.py), active by default:
    only active members take classes."""
    return factories.make_member(status=status, **fields)


def make_course(title="Tailoring basics", units=(("Measuring", "Kupima", True),
                                                 ("Cutting", "Kukata", True),
                                                 ("Finishing", "Kumalizia", False)),
                actor=None, **fields):
    area = ProgrammeArea.get(ProgrammeArea.key == fields.pop("area_key", "employment"))
    data = courses.CourseInput(area_id=area.id, title_en=title,
                               title_sw=fields.pop("title_sw", "Ushonaji wa msingi"), **fields)
    return courses.create_course(data, units, actor=actor)


def next_weekday(weekday: int, after: dt.date | None = None) -> dt.date:
    day = (after or today()) + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def make_class(course=None, trainer=None, first=None, weeks=4, weekdays=(1, 3),
               starts=dt.time(10), ends=dt.time(12), place="Room A", capacity=10, actor=None,
               keep_holidays=False, **fields):
    """A class with a session on every day of its pattern: the public
    holidays among those days are switched off first (centre_open_on), so
    a class placed around today has the same sessions on whatever date the
    suite runs. A test of how holidays are skipped passes keep_holidays."""
    course = course or make_course()
    trainer = trainer or make_user("trainer")
    first = first or next_weekday(0)
    pattern = timetable.Pattern(list(weekdays), starts, ends, first,
                                first + dt.timedelta(weeks=weeks) - dt.timedelta(days=1))
    if not keep_holidays:
        factories.centre_open_on(*timetable.session_days(pattern, set()))
    data = timetable.ClassInput(course_id=course.id, trainer_ids=[trainer.id], place=place,
                                pattern=pattern, capacity=capacity, **fields)
    return timetable.create_class(data, actor=actor)
