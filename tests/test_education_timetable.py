"""Classes and their sessions: weekly patterns, public holidays, clashes,
moved and cancelled sessions."""
import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from app.education import timetable
from app.education.models import ClassSession, TrainingClass
from app.clock import to_local
from app.rules import RuleError
from tests.education_factories import make_class, make_course, next_weekday
from tests.factories import make_user


def _days(klass):
    return [to_local(s.starts_at).date() for s in timetable.sessions_of(klass.id)]


def test_tuesdays_and_thursdays_for_eight_weeks(conn):
    first = dt.date(2027, 2, 1)       # a Monday, no public holiday in these weeks
    klass = make_class(first=first, weeks=8, weekdays=(1, 3), keep_holidays=True)
    days = _days(klass)
    assert len(days) == 16
    assert {d.weekday() for d in days} == {1, 3}
    session = timetable.sessions_of(klass.id)[0]
    local = to_local(session.starts_at)
    assert (local.hour, local.minute) == (10, 0)
    assert session.ends_at - session.starts_at == dt.timedelta(hours=2)
    assert session.place == "Room A"


def test_public_holidays_are_skipped(conn):
    # Every day of the week over Christmas: Friday 25 and Saturday 26 Dec are off.
    first = dt.date(2026, 12, 21)
    klass = make_class(first=first, weeks=1, weekdays=range(7), keep_holidays=True)
    days = _days(klass)
    assert dt.date(2026, 12, 25) not in days and dt.date(2026, 12, 26) not in days
    assert dt.date(2026, 12, 24) in days and len(days) == 5


def test_a_sunday_holiday_is_kept_on_the_monday(conn):
    # Mashujaa Day, 20 Oct 2030, is a Sunday: the Monday after is off too.
    klass = make_class(first=dt.date(2030, 10, 14), weeks=2, weekdays=(0,), keep_holidays=True)
    assert _days(klass) == [dt.date(2030, 10, 14)]


def test_a_holiday_added_by_the_coordinator_counts(conn):
    from app.counselling.holidays import add_holiday
    add_holiday("Centre closed", dt.date(2027, 3, 2), every_year=False)
    klass = make_class(first=dt.date(2027, 3, 1), weeks=1, weekdays=(1, 3), keep_holidays=True)
    assert _days(klass) == [dt.date(2027, 3, 4)]


@settings(max_examples=40, deadline=None)
@given(first=st.dates(dt.date(2026, 1, 1), dt.date(2032, 12, 31)), weeks=st.integers(1, 20),
       weekdays=st.sets(st.integers(0, 6), min_size=1))
def test_pattern_days_are_its_weekdays_within_the_dates_and_never_holidays(first, weeks, weekdays):
    last = first + dt.timedelta(weeks=weeks)
    holidays = {first + dt.timedelta(days=3), last}
    pattern = timetable.Pattern(sorted(weekdays), dt.time(9), dt.time(11), first, last)
    days = timetable.session_days(pattern, holidays)
    assert all(first <= d <= last and d.weekday() in weekdays and d not in holidays for d in days)
    expected = sum(1 for n in range((last - first).days + 1)
                   if (first + dt.timedelta(days=n)).weekday() in weekdays
                   and first + dt.timedelta(days=n) not in holidays)
    assert len(days) == expected == len(set(days))


@pytest.mark.parametrize("change, field", [
    ({"last": dt.date(2027, 1, 31)}, "end_date"),
    ({"weekdays": []}, "weekdays"),
    ({"ends": dt.time(9)}, "ends_time"),
    ({"first": dt.date(1999, 1, 1)}, "start_date"),
])
def test_bad_patterns_name_their_field(conn, change, field):
    values = dict(weekdays=[1], starts=dt.time(10), ends=dt.time(12), first=dt.date(2027, 2, 1),
                  last=dt.date(2027, 3, 1))
    values.update(change)
    with pytest.raises(RuleError) as refused:
        timetable.sessions_for(timetable.Pattern(**values))
    assert refused.value.field == field


def test_a_pattern_that_gives_no_sessions_is_refused(conn):
    # Only Fridays, from Monday 21 to Thursday 24 Dec: no Friday at all.
    with pytest.raises(RuleError) as refused:
        timetable.sessions_for(timetable.Pattern([4], dt.time(9), dt.time(10),
                                                 dt.date(2026, 12, 21), dt.date(2026, 12, 24)))
    assert refused.value.field == "weekdays"
    # Friday 25 Dec only: Christmas.
    with pytest.raises(RuleError) as refused:
        timetable.sessions_for(timetable.Pattern([4], dt.time(9), dt.time(10),
                                                 dt.date(2026, 12, 25), dt.date(2026, 12, 25)))
    assert "public holidays" in str(refused.value.message)
    assert TrainingClass.select().count() == 0


def test_a_trainer_cannot_teach_two_sessions_at_once(conn):
    trainer = make_user("trainer", username="fatuma")
    first = next_weekday(0)
    make_class(trainer=trainer, first=first, place="Room A")
    with pytest.raises(RuleError) as refused:
        make_class(course=make_course("Bookkeeping"), trainer=trainer, first=first,
                   place="Room B", starts=dt.time(11), ends=dt.time(13))
    assert refused.value.field == "weekdays"
    assert "Fatuma already teaches Tailoring basics" in str(refused.value.message)
    assert TrainingClass.select().count() == 1


def test_a_room_cannot_hold_two_sessions_at_once(conn):
    first = next_weekday(0)
    make_class(first=first, place="Computer room")
    with pytest.raises(RuleError) as refused:
        make_class(first=first, place="computer room ", starts=dt.time(11, 30), ends=dt.time(13))
    assert "is taken by Tailoring basics" in str(refused.value.message)
    # back to back is fine
    make_class(first=first, place="Computer room", starts=dt.time(12), ends=dt.time(13))


def test_moving_a_session_keeps_what_it_was_and_checks_clashes(conn):
    first = next_weekday(0)
    klass = make_class(first=first, place="Room A")
    other = make_class(first=first, place="Room B", starts=dt.time(14), ends=dt.time(16))
    session = timetable.sessions_of(klass.id)[0]
    was = session.starts_at
    day = to_local(session.starts_at).date()
    with pytest.raises(RuleError) as refused:
        timetable.move_session(session, day, dt.time(15), dt.time(16), "Room B")
    assert refused.value.field == "day" and "Room B is taken" in str(refused.value.message)
    timetable.move_session(session, day, dt.time(13), dt.time(14), "Room B")
    session = ClassSession.get_by_id(session.id)
    assert session.original_starts_at == was and session.original_place == "Room A"
    assert to_local(session.starts_at).hour == 13 and session.changed_at is not None
    assert other  # still there


def test_cancelling_a_session_and_no_changes_to_the_past(conn):
    klass = make_class(first=next_weekday(0))
    session = timetable.sessions_of(klass.id)[0]
    timetable.cancel_session(session, "Trainer unwell")
    with pytest.raises(RuleError):
        timetable.cancel_session(ClassSession.get_by_id(session.id))
    past = make_class(first=dt.date(2025, 3, 3), weeks=1)
    with pytest.raises(RuleError):
        timetable.move_session(timetable.sessions_of(past.id)[0], dt.date(2027, 1, 5),
                               dt.time(9), dt.time(10), "")


def test_capacity_cannot_drop_below_the_people_enrolled(conn):
    from app.education import enrolment
    from tests.education_factories import make_member
    klass = make_class(first=next_weekday(0), capacity=3)
    for _ in range(3):
        enrolment.enrol(klass, make_member())
    trainers = timetable.trainer_ids_of(klass.id)
    with pytest.raises(RuleError) as refused:
        timetable.update_class(klass, "", "Room A", 2, trainers, True)
    assert refused.value.field == "capacity"
    assert TrainingClass.get_by_id(klass.id).capacity == 3
