"""app.figures.kept: centre-wide counts kept for a minute per worker,
numbers only, never per user (DESIGN §10). The suite runs with
FIGURES_SECONDS = 0; these tests turn it on."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from app.figures import kept, numbers_only
from tests.conftest import parse_html
from app.members.models import Member
from tests.factories import app_db, make_member, make_user, shift_time


@pytest.fixture
def keeping(app):
    app.config["FIGURES_SECONDS"] = 60
    return app


def test_kept_figures_are_computed_once_a_minute_per_key(keeping):
    calls = []

    def compute():
        calls.append(1)
        return {"open": len(calls)}

    with keeping.app_context():
        assert kept("test.figures", compute) == {"open": 1}
        assert kept("test.figures", compute) == {"open": 1}
        assert kept("test.other", lambda: 7) == 7
        keeping.config["FIGURES_SECONDS"] = 0
        assert kept("test.figures", compute) == {"open": 2}
    assert len(calls) == 2


@dataclass
class _Totals:
    on: dt.date
    loans: int
    by_status: dict


@pytest.mark.parametrize("value", [
    3, 2.5, None, True, dt.date(2026, 1, 1), [1, 2], (1, None),
    {"active": 3, 7: 1}, _Totals(dt.date(2026, 1, 1), 3, {"open": 1}),
])
def test_numbers_may_be_kept(value):
    numbers_only(value)


@pytest.mark.parametrize("value", [
    "Wanjiku", ["AZ-0001"], {"active": "Amina"}, {("a", "b"): 1}, object(),
    _Totals(dt.date(2026, 1, 1), 3, {"open": "Baraka"}),
])
def test_anything_but_numbers_is_refused(value):
    with pytest.raises(TypeError):
        numbers_only(value)


def test_a_model_row_is_refused_before_it_is_kept(keeping):
    with app_db(keeping):
        member = make_member(preferred_name="Zawadi")
        with pytest.raises(TypeError):
            kept("test.row", lambda: {"oldest": member})
        assert "test.row" not in keeping.extensions.get("kituo_figures", {})


def _number(page, panel_id: str) -> str:
    return page.select_one(f"#panel-{panel_id} .big-number").get_text(strip=True)


def test_dashboard_counts_may_be_a_minute_old_but_its_rows_are_live(keeping, client, login_as):
    login_as("coordinator")
    with app_db(keeping):
        make_member(status="inducting")
    assert _number(parse_html(client.get("/")), "inductions") == "1"
    with app_db(keeping):
        newer = make_member(status="inducting")
        shift_time(Member, "status_changed_at", -dt.timedelta(days=30), Member.id == newer.id)
    page = parse_html(client.get("/"))
    assert _number(page, "inductions") == "1"             # the count is kept for a minute
    assert newer.code in page.select_one("#panel-inductions").get_text()   # the row is live
    keeping.extensions["kituo_figures"].clear()
    assert _number(parse_html(client.get("/")), "inductions") == "2"


def _no_shows(client) -> str:
    panel = parse_html(client.get("/")).select_one("#panel-counselling_sessions")
    return panel.select("dd")[2].get_text(strip=True)


def test_a_counsellor_sees_their_own_figures_whatever_a_coordinator_saw(keeping, login_as,
                                                                         sign_in):
    """The kept figures are the centre's; a counsellor's own come live."""
    from app.clock import utcnow
    from app.counselling.models import NO_SHOW, Booking
    with app_db(keeping):
        member = make_member()
        chebet, daudi = make_user("counsellor", username="chebet"), make_user("counsellor")
        for counsellor in (chebet, daudi, daudi):
            starts = utcnow() - dt.timedelta(hours=3)
            Booking.create(member=member, counsellor=counsellor, status=NO_SHOW, starts_at=starts,
                           ends_at=starts + dt.timedelta(hours=1))
    coordinator, own = keeping.test_client(), keeping.test_client()
    login_as("coordinator", client_=coordinator)
    assert _no_shows(coordinator) == "3"
    sign_in(chebet, own)
    assert _no_shows(own) == "1"
    assert _no_shows(coordinator) == "3"
