"""Changing an upcoming group session, and the notice members get on
their home page when a session they joined is cancelled or moved."""
import datetime as dt

import pytest

from app.audit import AuditEvent
from app.counselling import groups, schedule, services
from app.counselling.models import GroupFacilitator, GroupNotice, GroupSession, GroupSignup
from app.db import utcnow
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import app_db, make_user, shift_time
from tests.conftest import parse_html


def _session(capacity=2, facilitator=None, day=5, hour=15, room="Hall"):
    facilitator = facilitator or make_user("trainer")
    return groups.create_sessions("Circle", local(days_ahead(day), hour), 90, room, capacity,
                                  [facilitator.id])[0]


def _edit(session, **changes):
    values = dict(title=session.title, starts_at=session.starts_at,
                  minutes=groups.minutes_of(session), room=session.room,
                  capacity=session.capacity,
                  facilitator_ids=[f.user_id for f in session.facilitators])
    values.update(changes)
    return groups.update_session(GroupSession.get_by_id(session.id), **values)


def _statuses(session):
    return [(s.member_id, s.status) for s in GroupSignup.select().where(
        GroupSignup.session == session).order_by(GroupSignup.id)]


# --- editing (services) ---------------------------------------------------------------------

def test_edit_changes_the_session_and_is_audited(conn):
    no_holidays()
    facilitator = counsellor_every_day()
    other = make_user("trainer")
    session = _session(facilitator=facilitator)
    new_start = local(days_ahead(6), 10)
    changed = _edit(session, title="Circle (new)", starts_at=new_start, minutes=60,
                    room="Room 2", facilitator_ids=[other.id])
    assert set(changed) == {"title", "starts_at", "ends_at", "room", "facilitators"}
    saved = GroupSession.get_by_id(session.id)
    assert (saved.title, saved.starts_at, saved.ends_at, saved.room) == (
        "Circle (new)", new_start, new_start + dt.timedelta(minutes=60), "Room 2")
    assert [f.user_id for f in GroupFacilitator.select().where(
        GroupFacilitator.session == session)] == [other.id]
    event = AuditEvent.get(AuditEvent.action == "counselling.group_edited")
    assert event.object_id == str(session.id) and "Room 2" not in event.summary
    # the counsellor no longer facilitates: the old time is free again, the new one is not
    free = {s.start for s in services.free_slots([facilitator.id])}
    assert local(days_ahead(5), 15) in free
    assert _edit(GroupSession.get_by_id(session.id), title="Circle (new)") == []


def test_capacity_never_drops_below_the_confirmed_places(conn):
    session = _session(capacity=3)
    people = [make_member() for _ in range(4)]
    for person in people:
        groups.sign_up(session, person)
    with pytest.raises(services.CounsellingError) as refused:
        _edit(session, capacity=2, room="Elsewhere")
    assert refused.value.field == "capacity"
    saved = GroupSession.get_by_id(session.id)
    assert (saved.capacity, saved.room) == (3, "Hall")       # nothing written
    with pytest.raises(services.CounsellingError):
        groups.set_capacity(saved, 1)
    _edit(saved, capacity=3)                                  # equal to the booked: fine
    assert GroupSession.get_by_id(session.id).capacity == 3


def test_more_places_promote_from_the_waiting_list_in_order(conn):
    session = _session(capacity=1)
    a, b, c, d = (make_member() for _ in range(4))
    for person in (a, b, c, d):
        groups.sign_up(session, person)
    _edit(session, capacity=3)
    assert _statuses(session) == [(a.id, "booked"), (b.id, "booked"), (c.id, "booked"),
                                  (d.id, "waitlisted")]
    assert GroupSignup.get(GroupSignup.member == b).promoted_at is not None


def test_edit_refuses_the_past_and_bad_values_writing_nothing(conn):
    session = _session()
    attempts = [({"starts_at": utcnow() - dt.timedelta(minutes=5)}, "day"),
                ({"title": "  "}, "title"), ({"minutes": 5}, "minutes"),
                ({"capacity": 0}, "capacity"), ({"facilitator_ids": []}, "facilitators")]
    for changes, field in attempts:
        with pytest.raises(services.CounsellingError) as refused:
            _edit(session, room="Moved", **changes)
        assert refused.value.field == field
    assert GroupSession.get_by_id(session.id).room == "Hall"
    assert not GroupNotice.select().exists()
    assert not AuditEvent.select().where(AuditEvent.action == "counselling.group_edited").exists()


def test_started_or_cancelled_sessions_cannot_be_edited(conn):
    started, cancelled = _session(), _session(day=6)
    shift_time(GroupSession, "starts_at", -dt.timedelta(days=6), GroupSession.id == started.id)
    groups.cancel_session(cancelled)
    for session in (started, cancelled):
        assert not groups.editable(GroupSession.get_by_id(session.id))
        with pytest.raises(services.CounsellingError):
            _edit(GroupSession.get_by_id(session.id), title="Again")


# --- notices (services) -------------------------------------------------------------------

def test_members_signed_up_are_told_of_a_move_and_others_are_not(app, conn):
    session = _session(capacity=1)
    seated, waiting, left, outsider = (make_member() for _ in range(4))
    groups.sign_up(session, seated)
    groups.sign_up(session, waiting)
    groups.cancel_signup(groups.sign_up(session, left))
    old = session.starts_at
    new_start = local(days_ahead(7), 11)
    _edit(session, starts_at=new_start)
    for person in (seated, waiting):
        [notice] = schedule.open_notices(person)
        assert "has moved to" in notice["text"]
        assert "Circle" not in notice["text"] and "ounsel" not in notice["text"]
    assert schedule.open_notices(left) == [] and schedule.open_notices(outsider) == []
    row = GroupNotice.get(GroupNotice.member == seated)
    assert row.known_starts_at == old and row.show_until == new_start


def test_room_change_then_cancellation_keep_one_notice(conn):
    session = _session()
    member = make_member()
    groups.sign_up(session, member)
    _edit(session, room="Room 3", title="Renamed")
    [notice] = schedule.open_notices(member)
    assert "another room: Room 3" in notice["text"]
    groups.cancel_session(GroupSession.get_by_id(session.id))
    [notice] = schedule.open_notices(member)
    assert "was cancelled" in notice["text"]
    assert GroupNotice.select().count() == 1


def test_title_or_capacity_changes_tell_nobody(conn):
    session = _session()
    member = make_member()
    groups.sign_up(session, member)
    _edit(session, title="Another title", capacity=5)
    assert schedule.open_notices(member) == []


def test_moving_back_to_the_old_time_leaves_nothing_to_say(conn):
    session = _session()
    member = make_member()
    groups.sign_up(session, member)
    old = session.starts_at
    _edit(session, starts_at=old + dt.timedelta(hours=2))
    _edit(GroupSession.get_by_id(session.id), starts_at=old)
    assert schedule.open_notices(member) == []


def test_dismissed_notice_comes_back_with_the_next_change(conn):
    session = _session()
    member = make_member()
    groups.sign_up(session, member)
    _edit(session, starts_at=session.starts_at + dt.timedelta(hours=1))
    [notice] = schedule.open_notices(member)
    assert schedule.dismiss_notice(member, notice["id"])
    assert schedule.open_notices(member) == []
    moved = GroupSession.get_by_id(session.id)
    _edit(moved, room="Room 9")
    [again] = schedule.open_notices(member)
    assert "another room" in again["text"]           # what they knew: the moved time


def test_notice_disappears_once_its_date_has_passed(conn):
    session = _session()
    member = make_member()
    groups.sign_up(session, member)
    groups.cancel_session(session)
    assert len(schedule.open_notices(member)) == 1
    shift_time(GroupNotice, "show_until", -dt.timedelta(days=6))
    assert schedule.open_notices(member) == []


# --- pages --------------------------------------------------------------------------------------

def _form(session, **changes):
    from app.clock import to_local
    start = to_local(session.starts_at)
    data = {"title": session.title, "description": "", "day": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"), "minutes": "90", "room": session.room,
            "capacity": str(session.capacity),
            "facilitators": [str(f.user_id) for f in session.facilitators]}
    data.update(changes)
    return data


def test_facilitator_edits_the_session_on_its_page(app, client, login_as):
    trainer = login_as("trainer")
    with app_db(app):
        session = _session(facilitator=trainer)
        member = make_member()
        groups.sign_up(session, member)
    page = parse_html(client.get(f"/counselling/groups/{session.id}"))
    assert page.select_one(f"a[href='/counselling/groups/{session.id}/edit']")
    form = parse_html(client.get(f"/counselling/groups/{session.id}/edit"))
    assert form.select_one("input[name=title]")["value"] == "Circle"
    assert form.select_one("input[name=capacity]")["value"] == "2"
    assert "At least 1" in form.select_one("#capacity-hint").get_text()
    for field in form.select("input:not([type=hidden]), select, textarea"):
        assert form.select_one(f"label[for='{field['id']}']"), field["name"]
    with app_db(app):
        data = _form(GroupSession.get_by_id(session.id), room="Room 7",
                     day=days_ahead(8).isoformat(), start_time="09:30")
    response = client.post(f"/counselling/groups/{session.id}/edit", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/counselling/groups/{session.id}"
    with app_db(app):
        saved = GroupSession.get_by_id(session.id)
        assert saved.room == "Room 7" and saved.starts_at == local(days_ahead(8), 9, 30)
        assert len(schedule.open_notices(member)) == 1


def test_invalid_edit_is_422_next_to_the_field_and_writes_nothing(app, client, login_as):
    trainer = login_as("trainer")
    with app_db(app):
        session = _session(facilitator=trainer, capacity=2)
        for _ in range(2):
            groups.sign_up(session, make_member())
        data = _form(GroupSession.get_by_id(session.id))
    cases = [({"capacity": "1", "room": "X"}, "capacity"),
             ({"day": (days_ahead(0) - dt.timedelta(days=2)).isoformat()}, "day"),
             ({"title": ""}, "title"), ({"minutes": "abc"}, "minutes"),
             ({"start_time": "25:99"}, "start_time"), ({"facilitators": []}, "facilitators")]
    for changes, field in cases:
        response = client.post(f"/counselling/groups/{session.id}/edit", data={**data, **changes})
        assert response.status_code == 422, changes
        page = parse_html(response)
        assert page.select_one(f"#{field}-error"), (field, page.select(".field-error"))
        assert page.select_one("input[name=title]")["value"] == changes.get("title", "Circle")
    with app_db(app):
        saved = GroupSession.get_by_id(session.id)
        assert (saved.room, saved.capacity) == ("Hall", 2)
        assert not GroupNotice.select().exists()


def test_cancelling_asks_first_then_tells_everyone_once(app, client, login_as):
    trainer = login_as("trainer")
    with app_db(app):
        session = _session(facilitator=trainer, capacity=1)
        members = [make_member() for _ in range(3)]
        for member in members:
            groups.sign_up(session, member)
    page = parse_html(client.get(f"/counselling/groups/{session.id}"))
    ask = page.select_one(f"a[href='/counselling/groups/{session.id}/cancel']")
    assert ask and not page.select(f"form[action='/counselling/groups/{session.id}/cancel']")
    question = parse_html(client.get(ask["href"]))
    assert "1 with a place and 2 waiting" in question.select_one("main").get_text()
    with app_db(app):
        assert GroupSession.get_by_id(session.id).cancelled_at is None   # asking writes nothing
    confirm = question.select_one(f"form[action='/counselling/groups/{session.id}/cancel']")
    response = client.post(confirm["action"])
    assert response.status_code == 303
    with app_db(app):
        assert GroupSession.get_by_id(session.id).cancelled_at is not None
        assert all(len(schedule.open_notices(m)) == 1 for m in members)
    # Already cancelled: nothing more to ask or do (no second notice, no second audit).
    assert client.get(ask["href"]).status_code == 404
    assert client.post(confirm["action"]).status_code == 404
    with app_db(app):
        assert GroupNotice.select().count() == 3
        assert AuditEvent.select().where(AuditEvent.action == "counselling.group_cancelled").count() == 1
    other = app.test_client()
    login_as("counsellor", client_=other)          # may see groups, does not run this one
    with app_db(app):
        fresh = _session()
    assert other.get(f"/counselling/groups/{fresh.id}/cancel").status_code == 403
    assert other.post(f"/counselling/groups/{fresh.id}/cancel").status_code == 403


def test_only_managers_edit_and_only_upcoming_sessions(app, client, login_as):
    with app_db(app):
        session = _session()
        past = _session(day=2)
        shift_time(GroupSession, "starts_at", -dt.timedelta(days=4), GroupSession.id == past.id)
    login_as("counsellor")                       # counselling.groups, not a facilitator
    assert client.get(f"/counselling/groups/{session.id}/edit").status_code == 403
    assert client.post(f"/counselling/groups/{session.id}/edit",
                       data={"title": "Mine"}).status_code == 403
    member = app.test_client()
    login_as("member", client_=member)
    assert member.get(f"/counselling/groups/{session.id}/edit").status_code == 403
    coordinator = app.test_client()
    login_as("coordinator", client_=coordinator)         # counselling.manage
    assert coordinator.get(f"/counselling/groups/{session.id}/edit").status_code == 200
    assert coordinator.get(f"/counselling/groups/{past.id}/edit").status_code == 404
    assert coordinator.get("/counselling/groups/99999/edit").status_code == 404
    with app_db(app):
        assert GroupSession.get_by_id(session.id).title == "Circle"


def test_member_sees_and_dismisses_the_notice_another_member_does_not(app, client, login_as):
    user = login_as("member")
    with app_db(app):
        me = make_member(user=user)
        session = _session()
        groups.sign_up(session, me)
    assert not parse_html(client.get("/me")).select_one("#my-notices")
    with app_db(app):
        groups.cancel_session(GroupSession.get_by_id(session.id))
    page = parse_html(client.get("/me"))
    notice = page.select_one("#my-notices .group-notice")
    assert "was cancelled" in notice.get_text()
    cards = [c.get("id") for c in page.select("main section")]
    assert cards.index("my-notices") < cards.index("my-schedule")   # news first
    assert "ounsel" not in page.select_one("main").get_text()
    assert "Circle" not in page.select_one("main").get_text()

    other_user = app.test_client()
    someone = login_as("member", client_=other_user)
    with app_db(app):
        make_member(user=someone)
    assert not parse_html(other_user.get("/me")).select_one("#my-notices")
    action = notice.select_one("form")["action"]
    assert other_user.post(action).status_code == 404         # not theirs

    response = client.post(action)
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    assert not parse_html(client.get("/me")).select_one("#my-notices")
    with app_db(app):
        assert GroupNotice.get().dismissed_at is not None


def test_notice_is_in_swahili(app, client, login_as):
    user = login_as("member", language="sw")
    with app_db(app):
        me = make_member(user=user)
        session = _session()
        groups.sign_up(session, me)
        _edit(session, starts_at=session.starts_at + dt.timedelta(days=1))
    text = parse_html(client.get("/me")).select_one("#my-notices").get_text()
    assert "umehamishwa" in text and "moved" not in text


def test_places_form_on_the_session_page_keeps_the_same_rule(app, client, login_as):
    trainer = login_as("trainer")
    with app_db(app):
        session = _session(facilitator=trainer, capacity=2)
        for _ in range(2):
            groups.sign_up(session, make_member())
    response = client.post(f"/counselling/groups/{session.id}/capacity", data={"capacity": "1"})
    assert response.status_code == 422
    assert "cannot be fewer" in parse_html(response).select_one("#capacity-error").get_text()
    with app_db(app):
        assert GroupSession.get_by_id(session.id).capacity == 2


def test_unknown_facilitator_is_a_translated_field_error(app, client, login_as):
    trainer = login_as("trainer", language="sw")
    with app_db(app):
        session = _session(facilitator=trainer)
        data = _form(GroupSession.get_by_id(session.id), facilitators=["99999"])
    response = client.post(f"/counselling/groups/{session.id}/edit", data=data)
    assert response.status_code == 422
    assert parse_html(response).select_one("#facilitators-error").get_text() == \
        "Wawezeshaji: chagua kutoka kwenye orodha."      # the field named, as every choice


def test_member_taken_off_by_staff_is_told_but_not_when_they_leave_themselves(app, client, login_as):
    user = login_as("member")
    staff = app.test_client()
    login_as("coordinator", client_=staff)
    with app_db(app):
        me = make_member(user=user)
        session = _session(capacity=1)
        other_session = _session(day=6)
        mine = groups.sign_up(session, me)
        waiting = groups.sign_up(session, make_member())
        left = groups.sign_up(other_session, me)
    assert staff.post(f"/counselling/groups/{session.id}/signups/{mine.id}/cancel").status_code == 303
    page = parse_html(client.get("/me"))
    [notice] = page.select("#my-notices .group-notice")
    assert "no longer have a place" in notice.get_text()
    assert "ounsel" not in page.select_one("main").get_text() and "Circle" not in notice.get_text()
    with app_db(app):
        assert GroupSignup.get_by_id(waiting.id).status == GroupSignup.BOOKED   # seat went on
        groups.cancel_signup(GroupSignup.get_by_id(left.id), user)   # leaving by themselves
        assert len(schedule.open_notices(me)) == 1
        groups.sign_up(GroupSession.get_by_id(session.id), me)       # back on (waiting list)
        assert schedule.open_notices(me) == []


def test_migration_45_adds_removal_notices_to_an_older_database(tmp_path):
    """A database from before step 45 (group notices without removed_at)
    keeps its notices and gets the column."""
    import sqlite3
    from app.migrations import applied_versions
    from tests.conftest import make_test_app
    app = make_test_app(tmp_path)
    with app_db(app):
        member = make_member()
        session = _session()
        groups.sign_up(session, member)
        groups.cancel_session(GroupSession.get_by_id(session.id))
    with sqlite3.connect(tmp_path / "kituo.db") as con:
        con.execute("ALTER TABLE group_notice DROP COLUMN removed_at")
        con.execute("DELETE FROM schema_version WHERE version = 45")
    upgraded = make_test_app(tmp_path)                      # runs upgrade()
    with app_db(upgraded):
        assert 45 in applied_versions()
        [notice] = schedule.open_notices(member)
        assert "was cancelled" in notice["text"]
        assert GroupNotice.get().removed_at is None
