"""The suite passes on any day of the year. Tests of the register need a
class session today, tests of the study room a free hour tomorrow; on 25
December (and on the day before a public holiday) the timetable rightly
skipped those days, and 24 tests failed in their set-up. Their worlds now
declare the centre open on the days they need (tests.factories.
centre_open_on; education_factories.make_class does it for its
pattern's days); here they are built with today and tomorrow declared
public holidays, as on Christmas Day. (Sundays: the study room's door
page, tests/test_hostile_input.py.)"""
import datetime as dt

from app.clock import to_local
from app.counselling import holidays
from app.counselling.models import Holiday
from app.education import study, timetable
from app.rules import today
from tests.factories import app_db, centre_open_on, make_user


def _declare_today_and_tomorrow_holidays():
    for day in (today(), today() + dt.timedelta(days=1)):
        holidays.add_holiday("Declared holiday", day, every_year=False)


def test_the_centre_opens_on_the_days_a_test_needs_and_keeps_its_other_holidays(conn):
    _declare_today_and_tomorrow_holidays()
    # A yearly holiday on a Sunday is observed on the Monday after.
    sunday = today() + dt.timedelta(days=(6 - today().weekday()) % 7 + 7)
    observed = holidays.add_holiday("On a Sunday", sunday, every_year=True)
    keep = holidays.add_holiday("Far away", today() + dt.timedelta(days=60), every_year=False)
    centre_open_on(today(), today() + dt.timedelta(days=1), sunday + dt.timedelta(days=1))
    assert not holidays.holidays_between(today(), today() + dt.timedelta(days=1))
    assert not Holiday.get_by_id(observed.id).active
    assert Holiday.get_by_id(keep.id).active


def test_the_register_tests_find_todays_session_on_a_holiday(app):
    from tests.test_education_views import _todays_register
    with app_db(app):
        _declare_today_and_tomorrow_holidays()
        trainer = make_user("trainer")
    _klass, session, _rows = _todays_register(app, trainer)
    assert to_local(session.starts_at).date() == today()


def test_the_around_today_classes_have_a_session_every_day_on_a_holiday(conn):
    from tests.test_education_progress import _class_around_today
    _declare_today_and_tomorrow_holidays()
    klass = _class_around_today(make_user("trainer"))
    assert len(timetable.sessions_of(klass.id)) == 7


def test_the_study_room_tests_find_hours_today_and_tomorrow_on_a_holiday(app):
    from tests.test_education_pages import _room
    with app_db(app):
        _declare_today_and_tomorrow_holidays()
    room = _room(app)
    with app_db(app):
        assert study.day_slots(room, today() + dt.timedelta(days=1))
        assert study.current_slot(room) is not None


def test_the_education_access_world_builds_on_a_holiday(app):
    from tests.test_education_access import _world
    with app_db(app):
        _declare_today_and_tomorrow_holidays()
    _trainer, _member_user, ids = _world(app)
    assert ids
