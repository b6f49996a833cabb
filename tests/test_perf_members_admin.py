"""The reads behind the key pages of members and admin: the members list
(one query path: search + page_of, a capped count), the profile's reads,
the users list (tests/test_members_views.py and tests/test_admin_views.py
cover the pages themselves)."""
import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app.access import ROLES
from app.admin import services as admin_services
from app.auth.models import User
from app.db import db, utcnow
from app.members import services
from app.members.models import InductionMeeting, Member
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user
from tests.factories import make_member


def test_list_page_counts_stop_at_the_cap(conn):
    coordinator = make_user("coordinator")
    extra = services.COUNT_CAP + 5
    Member.insert_many([{"number": n, "code": f"AZ-{n:04d}", "joined_on": dt.date(2025, 1, 1),
                         "status": "active"} for n in range(1, extra + 1)]).execute()
    page, _ = services.list_page(coordinator, "", "active", "", 2)
    assert page["total"] == services.COUNT_CAP
    assert page["more"] is True and page["has_next"] is True
    assert page["rows"][0].id == extra - services.PAGE_SIZE


def test_list_page_searches_and_scopes_as_before(conn):
    coordinator, mentor = make_user("coordinator"), make_user("mentor")
    make_member(preferred_name="Achieng")
    make_member(preferred_name="Wanjiru")
    page, identity = services.list_page(coordinator, "Achieng")
    assert [m.preferred_name for m in page["rows"]] == ["Achieng"] and identity is True
    page, identity = services.list_page(mentor)   # no mentees: sees no one
    assert page["rows"] == [] and page["total"] == 0 and identity is False


def test_the_last_page_is_counted_from_its_rows(conn):
    coordinator = make_user("coordinator")
    total = services.PAGE_SIZE + 3
    Member.insert_many([{"number": n, "code": f"AZ-{n:04d}", "joined_on": dt.date(2025, 1, 1),
                         "preferred_name": "Neema" if n % 2 else "Zawadi"}
                        for n in range(1, total + 1)]).execute()
    for page, size, expected in ((1, services.PAGE_SIZE, total), (2, 3, total),
                                 (3, 0, total)):
        result, _ = services.list_page(coordinator, page=page)
        assert (len(result["rows"]), result["total"]) == (size, expected)
        assert result["has_next"] is (page == 1)
    result, _ = services.list_page(coordinator, "Zawadi")
    assert result["total"] == len(result["rows"]) == total // 2 and not result["has_next"]
    result, _ = services.list_page(coordinator, "nobody")
    assert result["total"] == 0 and result["rows"] == [] and result["pages"] == 0


def test_profile_reads_match_the_models(conn):
    member = make_member(preferred_name="Amani")
    other = make_member(preferred_name="Baraka")
    buddy = make_member(preferred_name="Chausiku", status="active")
    services.assign_buddy(member, buddy.code)
    services.assign_buddy(other, buddy.code)
    services.record_consent(member, "media", False, "verbal", "sw")
    services.record_consent(member, "media", True, "verbal", "sw")
    services.complete_step(member, services.checklist()[0], note="ok")
    later = utcnow() + dt.timedelta(days=2)
    member = Member.get_by_id(member.id)
    services.schedule_meeting(member, later, True)
    past = services.schedule_meeting(member, utcnow() + dt.timedelta(days=1), False)
    InductionMeeting.update(starts_at=utcnow() - dt.timedelta(days=1)).where(
        InductionMeeting.id == past.id).execute()

    consents = services.latest_consents(member)
    assert consents["processing"].given is True and consents["media"].given is True
    assert consents["story"] is None
    assert services.buddy_and_buddies_of(buddy)[0] is None
    assert [b.preferred_name for b in services.buddy_and_buddies_of(buddy)[1]] == [
        "Amani", "Baraka"]
    assert [m.starts_at for m in services.planned_meetings(member)] == \
        [m.starts_at for m in services.upcoming_meetings(member)] == [later]
    progress = services.induction_progress(member)
    assert len(progress["done"]) == 1
    assert services.buddy_and_buddies_of(Member.get_by_id(member.id))[0].code == buddy.code
    assert services.referral_source_label(None) == ""


def test_visible_members_is_scoped(conn):
    member = make_member()
    coordinator, mentor = make_user("coordinator"), make_user("mentor")
    assert services.visible_members(coordinator).where(Member.id == member.id).get().id == member.id
    assert services.visible_members(mentor).where(Member.id == member.id).first() is None


def test_user_rows_list_users_by_username_with_their_roles_in_words(conn):
    make_user("mentor", "counsellor", username="zawadi")
    make_user("counsellor", username="baraka", active=False)
    everyone = [(r.username, str(r.roles)) for r in admin_services.user_rows()[0]]
    assert ("baraka", "Counsellor") in everyone and ("zawadi", "Counsellor, Mentor") in everyone
    assert [u for u, _roles in everyone] == sorted(u for u, _roles in everyone)
    for role, expected in ((None, len(everyone)), ("counsellor", 2), ("admin", 0)):
        rows, has_next = admin_services.user_rows(role)
        assert len(rows) == expected and has_next is False
        assert all(role is None or str(ROLES[role]) in str(r.roles) for r in rows)
    baraka = next(r for r in admin_services.user_rows()[0] if r.username == "baraka")
    assert baraka.status == "Disabled" and baraka.last_sign_in == "—"


def test_user_rows_come_in_pages_and_find_by_username_or_name(conn, monkeypatch):
    monkeypatch.setattr(admin_services, "PAGE_SIZE", 3)
    for n in range(7):
        make_user("mentor", username=f"mentor{n}")
    wanjiru = make_user("counsellor", username="wanjiru")
    User.update(display_name="Wanjiru 50%_done").where(User.id == wanjiru.id).execute()
    first, more = admin_services.user_rows("mentor")
    last, none_after = admin_services.user_rows("mentor", page=3)
    assert [r.username for r in first] == ["mentor0", "mentor1", "mentor2"] and more
    assert [r.username for r in last] == ["mentor6"] and not none_after
    assert [r.username for r in admin_services.user_rows(text="WANJ")[0]] == ["wanjiru"]
    assert [r.username for r in admin_services.user_rows(text="50%_")[0]] == ["wanjiru"]
    assert admin_services.user_rows(text="5_%")[0] == []        # % and _ are literal
    assert admin_services.user_rows("mentor", text="wanjiru")[0] == []


def test_profile_forms_carry_the_csrf_token(tmp_path):
    """The member page's forms carry the session's token and post with it."""
    app = make_test_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context(), app.test_request_context(), db.connection_context():
        user = make_user("coordinator")
        member = make_member()
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    token = page.find("input", {"name": "csrf_token"})["value"]
    assert client.post("/login", data={"username": user.username, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 303
    page = BeautifulSoup(client.get(f"/members/{member.id}").data, "html.parser")
    for action in ("status", "meetings", "buddy"):
        form = page.find("form", action=f"/members/{member.id}/{action}")
        field = form.find("input", {"name": "csrf_token"})
        assert field is not None and field["value"]
    form = page.find("form", action=f"/members/{member.id}/status")
    assert [o["value"] for o in form.select("select#status option")] == ["inducting", "exited"]
    assert form.select_one("select#exit_reason option[value=own_choice]") is not None
    response = client.post(f"/members/{member.id}/buddy", data={
        "buddy_code": "", "csrf_token": field["value"]})
    # the token was accepted: the refusal is the rule's, next to the field
    assert response.status_code == 422
    assert "Enter the buddy" in BeautifulSoup(response.data, "html.parser").select_one(
        "#buddy_code-error").get_text()
