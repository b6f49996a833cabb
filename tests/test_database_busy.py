"""Another writer holds the database past SQLite's busy_timeout (a long
import, twenty people booking at once on a loaded Pi): the save is rolled
back and the person is told the centre's computer is busy and nothing was
saved (503, try again), in their language, never a 500."""
import sqlite3
from contextlib import contextmanager

from app.db import db
from app.members.models import Member
from tests.factories import app_db

REGISTRATION = {
    "preferred_name": "Akinyi", "legal_name": "Akinyi Otieno", "gender": "female",
    "birth_year": "1997", "age_band": "", "phone": "0711 000111", "language": "sw",
    "county": "Kisumu", "location": "Nyalenda", "referral_source": "1",
    "referring_org": "", "joined_on": "2026-01-10", "needs": ["housing"], "notes": ""}


@contextmanager
def another_writer(app):
    other = sqlite3.connect(app.config["DATABASE"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def wait_briefly(app):
    """SQLite waits busy_timeout (5 s, app/db.py) for the other writer
    before it gives up; how long it waits changes nothing here, so this
    test's connection (the one its requests use) waits 0.2 s."""
    with app_db(app):
        db.execute_sql("PRAGMA busy_timeout = 200")


def _no_member_saved(app):
    with app_db(app):
        return Member.select().where(Member.preferred_name == "Akinyi").count() == 0


def test_a_busy_database_says_so_and_saves_nothing(app, client, login_as, html):
    login_as("coordinator")
    wait_briefly(app)
    with another_writer(app):
        response = client.post("/members/new", data=REGISTRATION)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert html(response).h1.get_text(strip=True) == "The centre's computer is busy."
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert _no_member_saved(app)
    assert client.post("/members/new", data=REGISTRATION).status_code == 303


def test_busy_page_in_swahili_and_in_place_for_htmx(app, client, login_as, html):
    login_as("coordinator", language="sw")
    wait_briefly(app)
    with another_writer(app):
        response = client.post("/members/new", data=REGISTRATION, headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response.headers["HX-Retarget"] == "#main"
    assert html(response).h1.get_text(strip=True) == "Kompyuta ya kituo ina shughuli nyingi sasa hivi."
    assert _no_member_saved(app)
