"""Twenty people try to book the same time at the same moment, each from
its own process (its own app, its own database connection, a real login
and a real POST): exactly one booking results; the other nineteen are told
"this time was just taken" and shown the next free times.

The second test removes the Python availability check, so only the
database's UNIQUE slot_key stands between the racers."""
import multiprocessing as mp

import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.counselling import services
from app.counselling.models import Booking
from app.db import db
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow   # races real processes (make test-fast leaves it out)

RACERS = 20


def _race(config, username, code, counsellor_id, starts_at, barrier, results):
    app = create_app(config)
    client = app.test_client()
    login = client.post("/login", data={"username": username, "password": PASSWORD})
    assert login.status_code == 303
    barrier.wait(timeout=120)
    response = client.post("/counselling/bookings/new", data={
        "member_code": code, "counsellor_id": counsellor_id, "starts_at": starts_at})
    page = BeautifulSoup(response.data, "html.parser")
    error = page.select_one(".form-error")
    results.put((response.status_code, error.get_text(strip=True) if error else "",
                 len(page.select(".slot-list .slot"))))


def _run_race(app):
    with app.app_context(), app.test_request_context(), db.connection_context():
        no_holidays()
        person = counsellor_every_day()
        start = local(days_ahead(3), 10)
        racers = [(make_user("coordinator").username, make_member().code) for _ in range(RACERS)]
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    config = dict(app.config)
    workers = [ctx.Process(target=_race, args=(config, username, code, person.id,
                                               start.isoformat(), barrier, results))
               for username, code in racers]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    with app.app_context(), db.connection_context():
        booked = list(Booking.select().where((Booking.counsellor == person.id)
                                             & (Booking.starts_at == start)))
    return outcomes, booked


def _check(outcomes, booked):
    assert len(booked) == 1 and booked[0].status == "booked"
    statuses = sorted(status for status, _msg, _n in outcomes)
    # One booking; everyone else is told the time was just taken (409, with
    # the next free times) or, when the machine is so loaded that SQLite's
    # busy_timeout passed, that the computer is busy and nothing was saved
    # (503). Never a 500, never a second booking.
    assert statuses.count(303) == 1 and set(statuses) <= {303, 409, 503}, statuses
    for status, message, alternatives in outcomes:
        if status == 409:
            assert "This time was just taken" in message
            assert alternatives > 0


def test_twenty_processes_race_for_one_slot(app):
    _check(*_run_race(app))


def test_the_database_constraint_alone_stops_the_race(app, monkeypatch):
    from app.counselling import slots as S
    real = services.offered_slot

    def trusting(counsellor_id, starts_at, by_member, ignore_booking=None):
        slot = real(counsellor_id, starts_at, by_member, ignore_booking)
        return slot or S.Slot(starts_at, counsellor_id, starts_at + services.dt.timedelta(
            minutes=50), "Room 1", 10)
    monkeypatch.setattr(services, "offered_slot", trusting)
    _check(*_run_race(app))
