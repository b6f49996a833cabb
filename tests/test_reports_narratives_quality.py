"""Narratives per period and objective (with history), and the data-quality
page: counts per module, completeness per month, links to fix."""
import datetime as dt

from bs4 import BeautifulSoup

from app.reports import narratives, quality
from app.reports.models import Narrative
from tests.factories import app_db, make_user
from tests.reports_helpers import booking, member, pairing

D = dt.date


def test_narratives_keep_every_version(app, client, login_as):
    login_as("coordinator")
    url = "/reports/narratives/2025-Q1/1"
    assert client.post(url, data={"highlights": "The circle grew.", "challenges": "",
                                  "lessons": "Same day each week."}).status_code == 303
    assert client.post(url, data={"highlights": "The circle grew a lot.", "challenges": "Rain.",
                                  "lessons": "Same day each week."}).status_code == 303
    with app_db(app):
        assert [n.highlights for n in narratives.history("2025-Q1", 1)] == [
            "The circle grew a lot.", "The circle grew."]
        assert narratives.current("2025-Q1")[1].challenges == "Rain."
    page = client.get(url).get_data(as_text=True)
    assert "Earlier versions" in page and "The circle grew." in page
    listing = client.get("/reports/narratives?period=2025-Q1").get_data(as_text=True)
    assert "The circle grew a lot." in listing


def test_narratives_refuse_codes_and_phone_numbers(app, client, login_as):
    login_as("coordinator")
    for text in ("AZ-0042 found work.", "Call her on 0712 345678."):
        response = client.post("/reports/narratives/2025-Q1/2", data={"highlights": text})
        assert response.status_code == 422
        assert "goes to donors" in response.get_data(as_text=True)
    with app_db(app):
        assert Narrative.select().count() == 0


def test_narrative_bad_input(client, login_as):
    login_as("coordinator")
    assert client.get("/reports/narratives/2025-Q9/1").status_code == 404
    assert client.get("/reports/narratives/2025-Q1/7").status_code == 404
    response = client.post("/reports/narratives/2025-Q1/1", data={"lessons": "x" * 4001})
    assert response.status_code == 422


def test_data_quality_counts_and_links(app, client, login_as):
    with app_db(app):
        counsellor, mentor = make_user("counsellor"), make_user("mentor")
        first = member(D(2025, 1, 5), gender="undisclosed")
        member(D(2025, 1, 6), age_band="25_34")                   # complete
        member(D(2025, 2, 6), birth_year=None, age_band="")       # no age (default)
        booking(first, counsellor, D(2025, 1, 20), "booked")      # past, not marked
        booking(first, counsellor, D(2025, 1, 21), "attended")
        pairing(first, mentor, D(2025, 1, 1))                     # no log for 60 days
        from app.members.models import Member
        Member.update(phone="0712 000111").where(Member.id.in_([first.id, first.id + 1])).execute()
    login_as("coordinator")
    page = BeautifulSoup(client.get("/reports/quality").data, "html.parser")
    counts = {tr.th.get_text(strip=True): tr.select("td")[-1].get_text() for tr in
              page.select("table")[0].tbody.select("tr")}
    assert counts["Members without a gender or an age"] == "2"
    assert counts["Members who may be recorded twice"] == "1"
    assert counts["Past sessions without attendance"] == "1"
    assert counts["Mentoring pairings without a session log for 60 days"] == "1"
    link = page.find("a", string="Past sessions without attendance")["href"]
    items = BeautifulSoup(client.get(link).data, "html.parser").select("ul.quality-items a")
    assert len(items) == 1 and items[0]["href"].startswith("/counselling/bookings/")
    duplicates = BeautifulSoup(client.get("/reports/quality/members.duplicates").data,
                               "html.parser").select("ul.quality-items a")
    assert "same phone number" in duplicates[0].get_text()
    assert "0712" not in duplicates[0].get_text()
    with app_db(app):
        months = {p.key: (score, total) for p, score, total in
                  quality.completeness([c for c in quality.checks_for(
                      make_user("coordinator")) if c.monthly], quality.months(
                      14, D(2025, 2, 20)))}
    # January: 2 members (1 complete: the undisclosed one is not) + 2 past
    # sessions (1 marked): 2 of 4. February: 1 member without an age: 0 of 1.
    assert months["2025-01"] == (50, 4) and months["2025-02"] == (0, 1)


def test_quality_page_is_for_coordinators(client, login_as):
    login_as("trainer")
    assert client.get("/reports/quality").status_code == 403


def test_unknown_quality_check_is_not_found(client, login_as):
    login_as("coordinator")
    assert client.get("/reports/quality/nothing.here").status_code == 404
