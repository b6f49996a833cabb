"""The key pages scripts/bench (and `scripts/bench --pi`) measure answer
200 to their role on the demo data: a benchmark of an error page would
measure nothing. Their queries select only what the pages show: no page
reads a field its query left out (tests/page_checks.only_selected_fields)."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.db import db
from tests.page_checks import only_selected_fields
from tests.test_bench_helpers import bench


def test_every_key_page_answers_its_role_on_demo_data_and_reads_only_selected_fields(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "40", "--seed", "1"])
    assert result.exit_code == 0, result.output
    logins = bench.parse_demo_logins((Path(app.config["INSTANCE_PATH"]) / "demo-logins.txt")
                                     .read_text())
    pages = app.extensions["kituo"].bench_pages
    names = {page.name for page in pages}
    assert {"member home", "members search", "members list", "dashboard"} <= names
    for page in pages:
        with app.app_context(), db.connection_context():
            path = page.path() if callable(page.path) else page.path
        client = app.test_client()
        username, password = logins[page.username_role]
        signed_in = client.post("/login", data={"username": username, "password": password})
        assert signed_in.status_code == 303, page.name
        with only_selected_fields():
            response = client.get(path)
        assert response.status_code == 200, (page.name, path, response.status_code)


@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_the_quick_benchs_smallest_demo_seeds_and_books_the_demo_member(app):
    """`scripts/bench --quick` seeds 100 members with seed 1. That demo
    failed: the random bookings had already given the demo member 'halima'
    an appointment at the time the seeder then booked for her, and the
    booking rule refused it (so --quick broke before measuring anything)."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "100", "--seed", "1"])
    assert result.exit_code == 0, result.output
    from app.auth.models import User
    from app.clock import utcnow
    from app.counselling.models import Booking
    from app.members.models import Member
    with app.app_context(), db.connection_context():
        halima = Member.get(Member.user == User.get(User.username == "halima"))
        upcoming = Booking.select().where((Booking.member == halima)
                                          & (Booking.starts_at > utcnow())
                                          & Booking.slot_key.is_null(False))
        assert upcoming.count() >= 1
