"""`flask seed-demo` succeeds for every random seed and never leaves
accounts without their logins file (#12 item 5)."""
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.auth.models import User
from app.counselling import bookings, demo, services
from app.counselling.models import Booking
from app.db import db
from tests.conftest import make_test_app
from tests.counselling_helpers import counsellor_every_day, make_member, no_holidays
from tests.factories import make_user


def test_the_demo_member_gets_an_appointment_even_when_busy_at_the_first_free_times(conn):
    no_holidays()
    chebet, other = counsellor_every_day(username="chebet"), counsellor_every_day(username="o")
    halima = make_member(user=make_user("member", username="halima"))
    # the bulk bookings gave her appointments with someone else at chebet's first free times
    for slot in services.next_free_slots(chebet.id, limit=6):
        bookings.book(halima, other.id, slot.start)
    demo._demo_member([chebet], random.Random(1), services.utcnow())
    assert Booking.select().where((Booking.member == halima.id)
                                  & (Booking.counsellor == chebet.id)).count() == 1


@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_a_failing_seeder_leaves_an_empty_database_and_no_logins_file(tmp_path):
    app = make_test_app(tmp_path)

    def broken(members, rng, users):
        raise RuntimeError("a module's seeder failed")
    app.extensions["kituo"].demo_seeders.append((999, broken))
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "5"])
    assert result.exit_code != 0
    with app.app_context(), db.connection_context():
        assert not User.select().exists()
    assert not (tmp_path / "demo-logins.txt").exists()
    app.extensions["kituo"].demo_seeders.remove((999, broken))
    again = app.test_cli_runner().invoke(args=["seed-demo", "--members", "5", "--if-empty"])
    assert again.exit_code == 0 and "seeded" in again.output
    assert "amina" in (tmp_path / "demo-logins.txt").read_text()


@pytest.mark.slow   # seeds the whole demo to test its seeder
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_seed_demo_succeeds_for_any_seed(tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("seed")
    app = make_test_app(folder)
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--members", "50", "--seed", str(seed)])
    assert result.exit_code == 0, (seed, result.output, result.exception)
    assert "halima" in (folder / "demo-logins.txt").read_text()
