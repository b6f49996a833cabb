"""Move never offers the appointment's own time (#12 item 2), neither to
staff nor to the member, and moving to it is refused by the rule."""
import pytest

from app.counselling import bookings, services
from app.counselling.models import Booking
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from bs4 import BeautifulSoup

from tests.factories import PASSWORD, app_db, make_user


def _own(slots, booking):
    return [s for s in slots if s.counsellor_id == booking.counsellor_id
            and s.start == booking.starts_at]


def test_the_current_slot_is_not_a_time_to_move_to(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(2), 10))
    for by_member in (False, True):
        offered = services.next_free_slots(person.id, limit=400, by_member=by_member,
                                           ignore_booking=booking)
        assert offered and not _own(offered, booking)
    assert services.offered_slot(person.id, booking.starts_at, False, booking) is None


def test_moving_to_the_same_time_is_refused_and_changes_nothing(conn):
    no_holidays()
    person = counsellor_every_day()
    booking = bookings.book(make_member(), person.id, local(days_ahead(2), 10))
    with pytest.raises(services.CounsellingError):
        bookings.reschedule(booking, person.id, booking.starts_at)
    assert [e.action for e in bookings.history(Booking.get_by_id(booking.id))] == ["booked"]


def test_staff_move_page_leaves_out_the_current_slot(app, client):
    with app_db(app):
        no_holidays()
        person = counsellor_every_day()
        first = services.next_free_slots(person.id, limit=1)[0]
        booking = bookings.book(make_member(), person.id, first.start)
        make_user("coordinator", username="coord")
    client.post("/login", data={"username": "coord", "password": PASSWORD})
    page = client.get(f"/counselling/bookings/{booking.id}/move")
    assert page.status_code == 200
    offered = {i["value"] for i in BeautifulSoup(page.data, "html.parser").select(
        "input[name=starts_at]")}
    assert offered and booking.starts_at.isoformat() not in offered
