"""The coordinator's member page on a phone (#12): a summary at the top
(status, mentor, buddy, next meeting, consents, induction), a menu of the
sections, each section a partial; what a role may not see stays out of the
summary too."""
import datetime as dt

from bs4 import BeautifulSoup

from app.clock import utcnow
from app.members import services
from tests.factories import app_db, make_member, make_user, PASSWORD
from tests.mentorship_factories import make_mentor, make_pairing


def _page(response):
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def _summary(page) -> dict:
    card = page.select_one("#summary")
    return {dt_.get_text(" ", strip=True): dt_.find_next_sibling("dd").get_text(" ", strip=True)
            for dt_ in card.select("dt")}


def test_summary_at_the_top_says_what_a_coordinator_needs_at_a_glance(app, client, login_as):
    with app_db(app):
        buddy = make_member(preferred_name="Zawadi", status="active")
        member = make_member(preferred_name="Amani")
        services.record_consent(member, "contact", True, "signed", "sw")
        services.assign_buddy(member, buddy.code)
        services.complete_step(member, services.checklist()[0])
        services.schedule_meeting(member, utcnow().replace(microsecond=0) + dt.timedelta(days=3),
                                  False)
        make_pairing(member=member, mentor=make_mentor(username="chebet"))
    login_as("coordinator")
    page = _page(client.get(f"/members/{member.id}"))
    summary = _summary(page)
    assert summary["Status"] == "In induction"
    assert summary["Mentor"] == "Chebet (Active)"
    assert summary["Peer buddy"].startswith(buddy.code)
    assert summary["Next meeting"] not in ("", "No meetings planned.")
    assert summary["Consent"] == "2 of 8 given"
    assert summary["Induction"].startswith("1 of ")
    # the summary comes first: before every section of the page
    sections = page.select("main section[id]") or page.select("section[id]")
    assert sections[0]["id"] == "summary"


def test_the_menu_reaches_every_section_and_every_section_is_in_the_menu(app, client, login_as):
    with app_db(app):
        member = make_member()
        make_pairing(member=member)
    login_as("coordinator")
    page = _page(client.get(f"/members/{member.id}"))
    menu = [a["href"].lstrip("#") for a in page.select("nav.section-menu a")]
    ids = [s["id"] for s in page.select("section[id]") if s["id"] != "summary"]
    assert menu == ids
    assert {"record", "consent", "induction", "mentor", "meetings", "buddy", "account",
            "change-status"} <= set(menu)


def test_without_a_mentor_or_consent_the_summary_says_so(app, client, login_as):
    with app_db(app):
        member = make_member(consent=False)
    login_as("coordinator")
    summary = _summary(_page(client.get(f"/members/{member.id}")))
    assert summary["Mentor"] == "No mentor yet."
    assert summary["Consent"].startswith("0 of 8 given")
    assert "none yet to keeping their information" in summary["Consent"]
    assert summary["Peer buddy"] == "No buddy yet."


def test_a_mentor_sees_only_their_parts_in_the_summary(app, client):
    """ROLE_PARTS (app/members/fields.py): a mentor sees their mentee's
    induction progress and buddy, not consents or meetings at the centre."""
    with app_db(app):
        member = make_member()
        mentor = make_mentor(username="chebet")
        make_pairing(member=member, mentor=mentor)
    assert client.post("/login", data={"username": "chebet",
                                       "password": PASSWORD}).status_code == 303
    page = _page(client.get(f"/members/{member.id}"))
    summary = _summary(page)
    assert set(summary) == {"Status", "Mentor", "Induction", "Peer buddy"}
    menu = [a["href"] for a in page.select("nav.section-menu a")]
    assert "#consent" not in menu and "#meetings" not in menu and "#buddy" in menu
    assert all(page.select_one(href) for href in menu)
