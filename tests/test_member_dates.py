"""One date format across a member's pages (#12 member booking): the
weekday, "Today"/"Tomorrow" where it applies, in the member's language."""
import datetime as dt

from flask_babel import force_locale

from app.clock import NAIROBI, to_utc, today
from app.filters import day_label, when


def _at(day, hour=10):
    return to_utc(dt.datetime.combine(day, dt.time(hour), NAIROBI))


def test_today_tomorrow_and_weekdays_in_both_languages(app):
    with app.test_request_context():
        base = today()
        # A day of this year that is neither today nor tomorrow (five days
        # on ran into next year, which names its year, from 27 December).
        later = base + dt.timedelta(days=5)
        later = later if later.year == base.year else base - dt.timedelta(days=5)
        next_year = dt.date(base.year + 1, 1, 15)
        with force_locale("en"):
            assert when(_at(base)) == "Today, 10:00"
            assert when(_at(base + dt.timedelta(days=1), 9)) == "Tomorrow, 09:00"
            assert day_label(later) == later.strftime("%a %-d %b")
            assert day_label(next_year) == next_year.strftime("%a %-d %b %Y")
        with force_locale("sw"):
            assert when(_at(base)) == "Leo, 10:00"
            assert day_label(base + dt.timedelta(days=1)) == "Kesho"
            assert day_label(later).split()[1] == str(later.day)


def test_a_new_members_empty_schedule_offers_booking(app, client, login_as):
    from tests.factories import app_db, make_member
    user = login_as("member")
    with app_db(app):
        make_member(user=user)
    page = client.get("/me").get_data(as_text=True)
    assert "Nothing planned" in page and 'href="/me/book"' in page
    # one language switcher and one password link on /me
    assert page.count('action="/language"') == 1 and page.count('href="/account/password"') == 1


def test_a_moment_is_shown_in_nairobi_time_in_each_language_however_often(app):
    """local_datetime keeps Babel's formatting of a moment per locale: the
    same stored moment reads in the page's language every time."""
    from app.filters import local_datetime
    stored = dt.datetime(2026, 12, 1, 7, 30)                 # naive UTC, 10:30 in Nairobi
    with app.test_request_context():
        for _ in range(2):
            with force_locale("en"):
                assert local_datetime(stored, "EEE d MMM yyyy, HH:mm") == "Tue 1 Dec 2026, 10:30"
            with force_locale("sw"):
                swahili = local_datetime(stored, "EEE d MMM yyyy, HH:mm")
                assert swahili.endswith("2026, 10:30") and not swahili.startswith("Tue")
