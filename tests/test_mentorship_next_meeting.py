"""The planned next meeting survives logging a session (#12 item 1): the
form shows it, an empty field keeps it, and removing it is its own action."""
import datetime as dt

import pytest

from app.db import utcnow
from app.mentorship import services
from app.mentorship.models import Pairing, SessionLog
from app.rules import RuleError
from tests.factories import PASSWORD, app_db, make_user
from tests.mentorship_factories import make_mentor, make_pairing, session_input


def _planned(pairing_id):
    return Pairing.get_by_id(pairing_id).next_meeting_at


def _in_days(days):
    return (utcnow() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def test_logging_without_a_next_meeting_keeps_the_planned_one(conn):
    mentor = make_mentor()
    pairing = make_pairing(mentor=mentor)
    meeting = _in_days(5)
    services.log_session(pairing, mentor, session_input(next_meeting_at=meeting))
    services.log_session(Pairing.get_by_id(pairing.id), mentor, session_input())
    assert _planned(pairing.id) == meeting


def test_a_new_date_replaces_the_planned_meeting(conn):
    mentor = make_mentor()
    pairing = make_pairing(mentor=mentor)
    services.log_session(pairing, mentor, session_input(next_meeting_at=_in_days(5)))
    services.log_session(Pairing.get_by_id(pairing.id), mentor,
                         session_input(next_meeting_at=_in_days(9)))
    assert _planned(pairing.id) == _in_days(9)


def test_emptying_the_field_when_editing_keeps_the_meeting(conn):
    mentor = make_mentor()
    pairing = make_pairing(mentor=mentor)
    log = services.log_session(pairing, mentor, session_input(next_meeting_at=_in_days(5)))
    services.edit_session(log, mentor, session_input(notes="Changed", next_meeting_at=None))
    assert _planned(pairing.id) == _in_days(5)
    assert SessionLog.get_by_id(log.id).notes == "Changed"


def test_cancelling_is_its_own_action_and_only_for_the_mentor_or_coordinator(conn):
    mentor = make_mentor()
    pairing = make_pairing(mentor=mentor)
    services.log_session(pairing, mentor, session_input(next_meeting_at=_in_days(5)))
    with pytest.raises(RuleError):
        services.cancel_next_meeting(Pairing.get_by_id(pairing.id), make_mentor(username="other"))
    assert _planned(pairing.id) == _in_days(5)
    services.cancel_next_meeting(Pairing.get_by_id(pairing.id), mentor)
    assert _planned(pairing.id) is None
    # a later log with an empty field does not bring it back
    services.log_session(Pairing.get_by_id(pairing.id), mentor, session_input())
    assert _planned(pairing.id) is None
    coordinator = make_user("coordinator")
    services.log_session(Pairing.get_by_id(pairing.id), mentor,
                         session_input(next_meeting_at=_in_days(3)))
    services.cancel_next_meeting(Pairing.get_by_id(pairing.id), coordinator)
    assert _planned(pairing.id) is None


def test_the_form_is_prefilled_and_saving_it_untouched_keeps_the_meeting(app, client):
    with app_db(app):
        mentor = make_mentor(username="mentorx")
        pairing = make_pairing(mentor=mentor)
        meeting = _in_days(5)
        services.log_session(pairing, mentor, session_input(next_meeting_at=meeting))
    client.post("/login", data={"username": "mentorx", "password": PASSWORD})
    page = client.get(f"/mentoring/pairings/{pairing.id}/sessions/new")
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(page.data, "html.parser")
    prefilled = soup.find("input", attrs={"name": "next_meeting"})["value"]
    assert prefilled, "the planned meeting is shown in the form"
    form = {i["name"]: i.get("value", "") for i in soup.select("form input[name]")
            if i.get("type") not in ("checkbox", "radio")}
    form.update(notes="Second session", duration_minutes="60", mode="in_person", topics="work",
                next_meeting="")
    response = client.post(f"/mentoring/pairings/{pairing.id}/sessions/new", data=form)
    assert response.status_code == 303
    with app_db(app):
        assert _planned(pairing.id) == meeting
        assert SessionLog.select().where(SessionLog.pairing == pairing.id).count() == 2
    # the cancel action asks first (a details box), then removes it
    page = client.get(f"/mentoring/pairings/{pairing.id}")
    assert b"Cancel the next meeting" in page.data
    token = BeautifulSoup(page.data, "html.parser").select_one(
        "form[action$='/next-meeting/cancel'] input[name=csrf_token]")
    response = client.post(f"/mentoring/pairings/{pairing.id}/next-meeting/cancel",
                           data={"csrf_token": token["value"] if token else ""})
    assert response.status_code == 303
    with app_db(app):
        assert _planned(pairing.id) is None


def test_the_planned_meeting_is_on_the_schedule_of_the_mentee_and_of_a_mentor_who_is_a_member(
        app, conn):
    """One schedule provider (one query) for both sides of a pairing."""
    from app.members.models import Member
    from app.registry import registry
    from tests.factories import make_member
    mentor = make_mentor(roles=("mentor", "member"))
    mentor_as_member = make_member(status="active", user=mentor)
    mentee = make_member(status="active", preferred_name="Zawadi")
    pairing = make_pairing(mentor=mentor, member=mentee)
    services.log_session(pairing, mentor, session_input(next_meeting_at=_in_days(4)))
    start, end = utcnow(), utcnow() + dt.timedelta(days=60)
    mentee_items = registry().schedule_for(Member.get_by_id(mentee.id), start, end)
    mentor_items = registry().schedule_for(Member.get_by_id(mentor_as_member.id), start, end)
    assert [(i.title, i.detail) for i in mentee_items] == [
        ("Meeting with your mentor", f"Your mentor: {mentor.display_name}")]
    assert [(i.title, i.detail) for i in mentor_items] == [
        ("Meeting with your mentee", f"{mentee.code} · Zawadi")]
    assert mentee_items[0].starts_at == mentor_items[0].starts_at == _in_days(4)
