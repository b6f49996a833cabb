"""Twenty members book the last places of the study room at the same
moment, each from its own process (its own app, its own database
connection, a real login and a real POST): exactly as many bookings as
places result; everyone else is told the time is full.

The second test removes the Python check for free seats, so only the
database (a seat holds one booking per slot: a unique index) stands
between the racers."""
import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.db import db
from app.education import study
from app.education.support_models import StudyBooking, StudySeat
from app.rules import today
from tests.concurrency import race
from tests.education_factories import make_member
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow   # races real processes (make test-fast leaves it out)

RACERS = 20
PLACES = 3


def _race(config, username, resource_id, starts_at, barrier, results):
    app = create_app(config)
    client = app.test_client()
    login = client.post("/login", data={"username": username, "password": PASSWORD})
    assert login.status_code == 303
    barrier.wait(timeout=120)
    response = client.post("/me/study/book", data={"resource": resource_id,
                                                    "starts_at": starts_at})
    error = BeautifulSoup(response.data, "html.parser").select_one(".form-error")
    results.put((response.status_code, error.get_text(strip=True) if error else ""))


def _run_race(app):
    with app.app_context(), app.test_request_context(), db.connection_context():
        from app.counselling.models import Holiday
        from app.counselling.services import ensure_defaults
        ensure_defaults()
        Holiday.update(active=False).execute()
        room = study.save_resource(None, "Study room", "Chumba cha kusomea", "seats", PLACES, 60,
                                   {d: (dt.time(0), dt.time(23, 59)) for d in range(7)})
        starts_at = study.day_slots(room, today() + dt.timedelta(days=1))[10].starts_at
        racers = []
        for _ in range(RACERS):
            user = make_user("member")
            make_member(user=user)
            racers.append(user.username)
    config = dict(app.config)
    outcomes = race(_race, [(config, username, room.id, starts_at.isoformat())
                            for username in racers])
    with app.app_context(), db.connection_context():
        booked = list(StudyBooking.select().where((StudyBooking.resource == room.id)
                                                  & (StudyBooking.starts_at == starts_at)
                                                  & StudyBooking.cancelled_at.is_null()))
    return outcomes, booked


def _check(outcomes, booked):
    assert len(booked) == PLACES
    assert len({b.seat_id for b in booked}) == PLACES
    statuses = sorted(status for status, _message in outcomes)
    assert statuses == [303] * PLACES + [422] * (RACERS - PLACES)
    for status, message in outcomes:
        if status == 422:
            assert "Every place is taken at this time" in message


def test_twenty_processes_race_for_three_places(app):
    _check(*_run_race(app))


def test_the_database_alone_keeps_the_bookings_within_the_places(app, monkeypatch):
    def every_seat(resource, starts_at):
        return [s.id for s in StudySeat.select().where(StudySeat.resource == resource)
                .order_by(StudySeat.number)]
    monkeypatch.setattr(study, "free_seats", every_seat)
    _check(*_run_race(app))
