"""Other modules plug into the member pages through the registry: buttons on
the member page, sections on the member's own home."""

from app.auth import services as auth
from app.db import db
from app.members import services as members
from app.mentorship import services as mentoring
from tests.factories import PASSWORD
from tests.factories import make_member
from tests.mentorship_factories import make_pairing
from tests.conftest import parse_html


def test_member_page_offers_raise_a_concern(app, client, login_as):
    login_as("coordinator")
    with app.app_context(), db.connection_context():
        member = make_member()
    page = parse_html(client.get(f"/members/{member.id}"))
    link = page.find("a", href=lambda h: h and h.startswith("/safeguarding/concerns/new"))
    assert link and f"member={member.id}" in link["href"] and "source=member_page" in link["href"]


def test_member_home_shows_mentoring_section(app, client):
    with app.app_context(), app.test_request_context(), db.connection_context():
        member = make_member(status="active", preferred_name="Neema")
        pairing = make_pairing(member=member)
        mentoring.add_goal(pairing, "Open a savings account", "livelihood", None)
        user = members.create_account(member)
        auth._store_password(user, PASSWORD)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    section = parse_html(client.get("/me")).select_one("#my-mentoring")
    assert section is not None and "Open a savings account" in section.get_text()
