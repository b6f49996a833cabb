"""The coordinator's member page shows the current mentor, and proposing a
second mentor for a member who has one is warned about first (#12): the
page says who the mentor is and asks again; a proposal that was not asked
again (a stale page) is refused with the same warning."""
from bs4 import BeautifulSoup

from app.mentorship.models import Pairing
from tests.factories import app_db, make_member
from tests.page_checks import only_selected_fields
from tests.mentorship_factories import make_mentor, make_pairing


def _page(response):
    return BeautifulSoup(response.data, "html.parser")


def test_member_page_shows_the_current_mentor_with_their_pairing(app, client, login_as):
    with app_db(app):
        mentee = make_member()
        pairing = make_pairing(member=mentee, mentor=make_mentor(username="chebet"))
        alone = make_member(preferred_name="Neema")
    login_as("coordinator")
    section = _page(client.get(f"/members/{mentee.id}")).select_one("section#mentor")
    assert "Chebet" in section.get_text() and "Active" in section.get_text()
    assert section.select_one(f'a[href="/mentoring/pairings/{pairing.id}"]')
    lonely = _page(client.get(f"/members/{alone.id}")).select_one("section#mentor")
    assert "No mentor yet." in lonely.get_text()


def test_a_mentor_sees_only_their_own_pairing_on_the_member_page(app, client, login_as):
    with app_db(app):
        mentee = make_member()
        make_pairing(member=mentee, mentor=make_mentor(username="other"))
        second = make_pairing(member=mentee, active=False)
    mentor = second.mentor
    from tests.factories import PASSWORD
    assert client.post("/login", data={"username": mentor.username,
                                       "password": PASSWORD}).status_code == 303
    section = _page(client.get(f"/members/{mentee.id}")).select_one("section#mentor")
    assert mentor.display_name in section.get_text() and "Other" not in section.get_text()


def test_proposing_a_second_mentor_is_warned_about_and_asked_again(app, client, login_as):
    with app_db(app):
        mentee = make_member()
        make_pairing(member=mentee, mentor=make_mentor(username="chebet"))
        make_mentor(username="wanjiru")
    login_as("coordinator")
    with only_selected_fields():     # the current pairings are read narrowly
        page = _page(client.get(f"/mentoring/pairings/new?member_code={mentee.code}"))
    warning = page.select_one("#current-mentor")
    assert warning and "already has a mentor" in warning.get_text() and "Chebet" in warning.get_text()
    second = page.select_one("details#second-mentor")
    assert second is not None and not second.has_attr("open")
    forms = second.select("ol.suggestions form")
    assert forms and all(f.select_one('input[name="second"][value="y"]') for f in forms)
    wanjiru = next(f for f in forms if "Wanjiru" in f.button.get_text())
    data = {i["name"]: i["value"] for i in wanjiru.select("input[type=hidden]")}
    # a stale page (no "second") is refused with the warning, nothing written
    with only_selected_fields():
        stale = client.post("/mentoring/pairings/new", data={**data, "second": ""})
    assert stale.status_code == 422
    assert "already has a mentor" in _page(stale).select_one(".form-error").get_text()
    with app_db(app):
        assert Pairing.select().where(Pairing.mentee == mentee.id).count() == 1
    assert client.post("/mentoring/pairings/new", data=data).status_code == 303
    with app_db(app):
        assert Pairing.select().where(Pairing.mentee == mentee.id).count() == 2


def test_a_member_without_a_mentor_gets_the_suggestions_straight_away(app, client, login_as):
    with app_db(app):
        mentee = make_member()
        make_mentor(username="wanjiru")
    login_as("coordinator")
    page = _page(client.get(f"/mentoring/pairings/new?member_code={mentee.code}"))
    assert page.select_one("#current-mentor") is None and page.select_one("#second-mentor") is None
    form = page.select_one("ol.suggestions form")
    assert form.select_one('input[name="second"]') is None
    data = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
    assert client.post("/mentoring/pairings/new", data=data).status_code == 303
