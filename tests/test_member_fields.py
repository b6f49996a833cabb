"""What of a member's record each role sees (issue #10 item 14): finance,
trainers and safeguarding leads find every member but see only code,
preferred name, status and language; mentors and counsellors see their
own people's basics and induction progress; the change history and the
members list show only the fields the viewer sees on the member page.
One table, app.members.fields, enforced in the queries and the pages."""
import datetime as dt

import pytest

from app.members import services
from app.members.fields import ROLE_PARTS, parts_for
from app.members.models import Member
from tests.factories import app_db, make_member, make_user

# Demo-like values of the parts only coordinators and admins see, as a
# page would show them.
HIDDEN = {
    "county": "Kilifi", "birth year": "1994", "need": "Legal help",
    "referral source": "Kituo cha Sheria desk", "referring organisation": "Haki Mashinani",
    "induction note": "Arrived with her sister from Malindi",
    "buddy": "Zawadi", "meeting": "with their peer buddy",
}
# ... and what the change history showed: old values of the same fields.
HISTORY_HIDDEN = {"old county": "Mombasa", "old birth year": "1993", "old need": "Housing"}
WIDE_ROLES = ("finance", "trainer", "safeguarding_lead")


@pytest.fixture
def record(app):
    """A member whose record has every part filled in, and whose county,
    year of birth and needs were changed (so the history has them)."""
    with app_db(app):
        coordinator = make_user("coordinator")
        source = services.add_source("Kituo cha Sheria desk", coordinator)
        buddy = make_member(preferred_name="Zawadi", status="active")
        member = make_member(
            actor=coordinator, preferred_name="Neema W", county="Mombasa", birth_year="1993",
            needs=["housing"], referral_source=str(source.id), referring_org="Haki Mashinani")
        services.update_member(member, {"preferred_name": "Neema", "county": "Kilifi",
                                        "birth_year": "1994", "needs": ["legal", "health"]},
                               coordinator)
        step = services.checklist()[0]
        services.complete_step(member, step, coordinator, note=HIDDEN["induction note"])
        services.assign_buddy(Member.get_by_id(member.id), buddy.code, coordinator)
        services.schedule_meeting(Member.get_by_id(member.id),
                                  dt.datetime.utcnow() + dt.timedelta(days=2), True, coordinator)
        return Member.get_by_id(member.id)


def _text(html, response):
    assert response.status_code == 200, response.status_code
    return html(response).get_text(" ")


def _absent(text, values):
    return [name for name, value in values.items() if value in text]


@pytest.mark.parametrize("role", WIDE_ROLES)
def test_roles_that_find_every_member_see_only_the_basics(app, client, login_as, html, record,
                                                          role):
    login_as(role)
    page = _text(html, client.get(f"/members/{record.id}"))
    assert record.code in page and "Neema" in page
    assert _absent(page, HIDDEN) == []
    for heading in ("Consent", "Meetings at the centre", "Peer buddy", "Login", "Induction"):
        assert not html(client.get(f"/members/{record.id}")).find("h2", string=heading), heading


@pytest.mark.parametrize("role", WIDE_ROLES)
def test_their_change_history_leaves_out_what_they_do_not_see(app, client, login_as, html,
                                                              record, role):
    login_as(role)
    page = _text(html, client.get(f"/members/{record.id}/history"))
    assert "Neema W" in page                 # a change of preferred name: a basic part
    assert _absent(page, {**HISTORY_HIDDEN, "county": "Kilifi", "birth year": "1994",
                          "need": "Legal help"}) == []


@pytest.mark.parametrize("role", WIDE_ROLES)
def test_their_members_list_shows_no_needs_and_ignores_the_needs_filter(
        app, client, login_as, html, record, role):
    login_as(role)
    page = _text(html, client.get("/members/"))
    assert record.code in page and "Legal help" not in page and "Health" not in page
    # Filtering by a need would tell them who has it: the filter is not theirs.
    listed = _text(html, client.get("/members/?need=family"))
    assert record.code in listed
    assert not html(client.get("/members/")).find("select", id="need")


def test_a_coordinator_still_sees_the_whole_record_history_and_needs(
        app, client, login_as, html, record):
    login_as("coordinator")
    page = _text(html, client.get(f"/members/{record.id}"))
    assert _absent(page, HIDDEN) == list(HIDDEN)
    history = _text(html, client.get(f"/members/{record.id}/history"))
    assert _absent(history, HISTORY_HIDDEN) == list(HISTORY_HIDDEN)
    listed = _text(html, client.get("/members/"))
    assert "Legal help" in listed
    assert record.code not in _text(html, client.get("/members/?need=family"))
    assert record.code in _text(html, client.get("/members/?need=legal"))


def test_a_mentor_sees_their_mentee_basics_induction_and_buddy_only(
        app, client, login_as, html, record):
    from tests.mentorship_factories import make_pairing
    mentor = login_as("mentor")
    with app_db(app):
        make_pairing(mentor=mentor, member=record)
    page = _text(html, client.get(f"/members/{record.id}"))
    assert "Neema" in page and "Zawadi" in page            # their mentee's peer buddy
    hidden = {k: v for k, v in HIDDEN.items() if k != "buddy"}
    assert _absent(page, hidden) == []
    history = _text(html, client.get(f"/members/{record.id}/history"))
    assert _absent(history, {**HISTORY_HIDDEN, "county": "Kilifi", "birth year": "1994",
                             "need": "Legal help"}) == []
    with app_db(app):
        buddy_code = Member.get_by_id(record.buddy_id).code
    assert buddy_code in history                     # the buddy change is theirs


def test_a_counsellor_sees_their_client_basics_and_induction_only(
        app, client, login_as, html, record):
    from app.counselling import bookings
    from tests.counselling_helpers import days_ahead, local, no_holidays
    me = login_as("counsellor")
    with app_db(app):
        no_holidays()
        from app.auth.models import User
        from app.counselling import services as counselling
        person = User.get_by_id(me.id)
        for weekday in range(7):
            counselling.add_template(person, weekday, dt.time(9), dt.time(17))
        bookings.book(record, person.id, local(days_ahead(3), 10))
    page = _text(html, client.get(f"/members/{record.id}"))
    assert "Neema" in page
    assert _absent(page, HIDDEN) == []
    history = _text(html, client.get(f"/members/{record.id}/history"))
    with app_db(app):
        buddy_code = Member.get_by_id(record.buddy_id).code
    assert "Neema W" in history
    assert _absent(history, {**HISTORY_HIDDEN, "county": "Kilifi", "birth year": "1994",
                             "need": "Legal help", "buddy": buddy_code}) == []


def test_identity_changes_reach_only_who_sees_identity(app, record):
    with app_db(app):
        coordinator = make_user("coordinator")
        services.update_member(record, {"phone": "0722 000111"}, coordinator, may_identity=True)
        finance = make_user("finance")
        fields = [c.field for c in services.history(record, finance)]
        assert "phone" not in fields and "county" not in fields and "preferred_name" in fields
        assert "phone" in [c.field for c in services.history(record, coordinator)]


def test_the_table_covers_every_role_and_several_roles_add_up(app):
    with app_db(app):
        both = make_user("finance", "mentor")
        assert parts_for(both) == ROLE_PARTS["finance"] | ROLE_PARTS["mentor"]
        assert "identity" not in parts_for(make_user("trainer"))
        assert parts_for(make_user("coordinator")) >= {"identity", "needs", "profile"}
        member_login = make_user("member")
        assert parts_for(member_login) == frozenset()


def test_the_access_page_shows_the_table(client, login_as, html):
    login_as("admin")
    page = html(client.get("/admin/access"))
    heading = page.find("h2", id="record-parts")
    assert heading is not None
    table = heading.find_next("table")
    rows = {row.th.get_text(" ", strip=True): [td.get_text(strip=True) for td in row.find_all("td")]
            for row in table.tbody.find_all("tr")}
    needs = next(cells for label, cells in rows.items() if label.startswith("Needs"))
    # columns follow app.access.ROLES: admin, coordinator, counsellor, mentor, finance, ...
    assert needs[:2] == ["✔", "✔"] and set(needs[2:]) == {"·"}
