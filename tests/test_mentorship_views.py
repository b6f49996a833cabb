"""Mentorship through HTTP: scoping by URL, the session log form, the
coordinator's pairing flow, the mentee's page and the dashboard panels."""
import datetime as dt

import pytest

from app.audit import AuditEvent
from app.members import services as members
from app.members.models import Member
from app.mentorship import services
from app.mentorship.models import Goal, GoalNote, Pairing, SessionCorrection, SessionLog
from tests.factories import PASSWORD, app_db, make_user, shift_time
from tests.factories import make_member
from tests.mentorship_factories import make_mentor, make_pairing, session_input
from tests.conftest import parse_html


@pytest.fixture
def two_mentors(app):
    """(mentor A, A's pairing with one session and a goal, mentor B)."""
    with app_db(app):
        a = make_mentor(username="mentora")
        pairing = make_pairing(mentor=a)
        services.add_goal(pairing, "Find steady work", "livelihood", None, a)
        log = services.log_session(pairing, a, session_input(notes="Private notes of A"))
        b = make_mentor(username="mentorb")
        make_pairing(mentor=b)
        return a, pairing, log, b


def test_a_mentor_cannot_open_another_mentors_pairings_or_logs(app, client, two_mentors, sign_in):
    _a, pairing, log, b = two_mentors
    sign_in(b)
    with app_db(app):
        goal_id = Goal.get(Goal.pairing == pairing.id).id
    for url in (f"/mentoring/pairings/{pairing.id}", f"/mentoring/sessions/{log.id}",
                f"/mentoring/sessions/{log.id}/edit", f"/mentoring/pairings/{pairing.id}/phone",
                f"/mentoring/pairings/{pairing.id}/sessions/new",
                f"/members/{pairing.mentee_id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/mentoring/pairings/{pairing.id}/sessions/new",
                f"/mentoring/sessions/{log.id}/corrections", f"/mentoring/goals/{goal_id}/notes",
                f"/mentoring/pairings/{pairing.id}/goals"):
        assert client.post(url, data={"text": "x", "title": "x", "area": "livelihood",
                                      "status": "achieved"}).status_code == 404, url
    for url in (f"/mentoring/pairings/{pairing.id}/activate", f"/mentoring/pairings/{pairing.id}/end",
                "/mentoring/overview", "/mentoring/pairings/new"):
        assert client.open(url, method="POST" if "pairings/" in url and "new" not in url
                           else "GET").status_code == 403, url
    with app_db(app):
        assert Goal.select().count() == 1 and SessionCorrection.select().count() == 0
    home = parse_html(client.get("/mentoring/"))
    assert "Private notes of A" not in home.get_text()
    assert pairing.mentee.code not in home.get_text()


def test_members_and_other_staff_are_refused(app, client, login_as, two_mentors):
    _a, pairing, log, _b = two_mentors
    login_as("member")
    assert client.get("/mentoring/").status_code == 403
    assert client.get(f"/mentoring/pairings/{pairing.id}").status_code == 403
    assert client.get(f"/mentoring/sessions/{log.id}").status_code == 403


def test_counsellor_without_mentoring_sees_nothing(app, client, login_as, two_mentors):
    _a, pairing, log, _b = two_mentors
    login_as("counsellor")
    assert client.get(f"/mentoring/pairings/{pairing.id}").status_code == 403


def test_mentor_home_lists_own_mentees_and_the_log_button(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    page = parse_html(client.get("/mentoring/"))
    assert pairing.mentee.code in page.select_one("#mentees").get_text()
    assert page.find("a", href=f"/mentoring/pairings/{pairing.id}/sessions/new")
    assert page.select_one("#recent")


def test_log_a_session_through_the_form(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    form = parse_html(client.get(f"/mentoring/pairings/{pairing.id}/sessions/new"))
    assert form.find("input", {"name": "held_on"})["value"] == services.today().isoformat()
    with app_db(app):
        goal = Goal.get(Goal.pairing == pairing.id)
    response = client.post(f"/mentoring/pairings/{pairing.id}/sessions/new", data={
        "held_on": services.today().isoformat(), "duration_minutes": "45", "mode": "phone",
        "topics": ["work", "money"], "notes": "Budget for the stall",
        "next_meeting": (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "follow_up": "Bring receipts", f"goal-{goal.id}-status": "in_progress",
        f"goal-{goal.id}-note": "Two interviews"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/mentoring/pairings/{pairing.id}"
    with app_db(app):
        log = SessionLog.select().order_by(SessionLog.id.desc()).first()
        assert (log.duration_minutes, log.mode, log.topics) == (45, "phone", "work,money")
        assert Goal.get_by_id(goal.id).status == "in_progress"
        assert Pairing.get_by_id(pairing.id).next_meeting_at is not None


def test_invalid_session_keeps_values_writes_nothing(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    response = client.post(f"/mentoring/pairings/{pairing.id}/sessions/new", data={
        "held_on": (services.today() + dt.timedelta(days=2)).isoformat(),
        "duration_minutes": "45", "mode": "phone", "notes": "Keep me"})
    assert response.status_code == 422
    page = parse_html(response)
    assert page.find("textarea", {"name": "notes"}).get_text().strip() == "Keep me"
    assert page.select_one("#held_on-error")
    with app_db(app):
        assert SessionLog.select().count() == 1


def test_worried_mentor_goes_straight_to_a_prefilled_concern(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    response = client.post(f"/mentoring/pairings/{pairing.id}/sessions/new", data={
        "held_on": services.today().isoformat(), "duration_minutes": "30", "mode": "in_person",
        "notes": "She was scared", "worried": "y"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/safeguarding/concerns/new?")
    assert f"member={pairing.mentee_id}" in location and "source=session_log" in location
    page = parse_html(client.get(location))
    assert pairing.mentee.code in page.select_one(".concern-about").get_text()
    assert page.find("input", {"name": "source"})["value"] == "session_log"


def test_locked_log_redirects_and_takes_corrections(app, client, two_mentors, sign_in):
    a, _pairing, log, _b = two_mentors
    with app_db(app):
        shift_time(SessionLog, "created_at", -dt.timedelta(days=8), SessionLog.id == log.id)
    sign_in(a)
    response = client.get(f"/mentoring/sessions/{log.id}/edit")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/mentoring/sessions/{log.id}"
    assert client.post(f"/mentoring/sessions/{log.id}/edit", data={
        "held_on": services.today().isoformat(), "duration_minutes": "30",
        "mode": "phone"}).status_code == 303
    assert client.post(f"/mentoring/sessions/{log.id}/corrections",
                       data={"text": ""}).status_code == 422
    assert client.post(f"/mentoring/sessions/{log.id}/corrections",
                       data={"text": "It was on Tuesday"}).status_code == 303
    page = parse_html(client.get(f"/mentoring/sessions/{log.id}"))
    assert "It was on Tuesday" in page.select_one("#corrections").get_text()
    assert "Private notes of A" in page.get_text()


def test_edit_within_the_window(app, client, two_mentors, sign_in):
    a, _pairing, log, _b = two_mentors
    sign_in(a)
    form = parse_html(client.get(f"/mentoring/sessions/{log.id}/edit"))
    assert form.find("textarea", {"name": "notes"}).get_text().strip() == "Private notes of A"
    response = client.post(f"/mentoring/sessions/{log.id}/edit", data={
        "held_on": services.today().isoformat(), "duration_minutes": "90", "mode": "group",
        "notes": "Better notes"})
    assert response.status_code == 303
    with app_db(app):
        assert SessionLog.get_by_id(log.id).notes == "Better notes"


def _edit_data(goal_id, status, note, **changes):
    data = {"held_on": services.today().isoformat(), "duration_minutes": "60",
            "mode": "in_person", "notes": "Private notes of A",
            f"goal-{goal_id}-status": status, f"goal-{goal_id}-note": note}
    data.update(changes)
    return data


def test_editing_a_log_shows_and_changes_its_goal_progress(app, client, two_mentors, sign_in):
    a, pairing, _log, b = two_mentors
    with app_db(app):
        goal = Goal.get(Goal.pairing == pairing.id)
        log = services.log_session(pairing, a, session_input(
            goal_updates={goal.id: ("in_progress", "Two interviews")}))
    sign_in(a)
    url = f"/mentoring/sessions/{log.id}/edit"
    form = parse_html(client.get(url))
    select = form.find("select", {"name": f"goal-{goal.id}-status"})
    assert select.find("option", selected=True)["value"] == "in_progress"
    assert "Not started" in select.find("option", {"value": ""}).get_text()
    assert form.find("input", {"name": f"goal-{goal.id}-note"})["value"] == "Two interviews"

    # Refused input keeps the goal rows as sent and writes nothing.
    response = client.post(url, data=_edit_data(goal.id, "achieved", "Got the job",
                                                duration_minutes="7"))
    assert response.status_code == 422
    page = parse_html(response)
    assert page.find("select", {"name": f"goal-{goal.id}-status"}).find(
        "option", selected=True)["value"] == "achieved"
    assert page.find("input", {"name": f"goal-{goal.id}-note"})["value"] == "Got the job"
    with app_db(app):
        assert Goal.get_by_id(goal.id).status == "in_progress"

    response = client.post(url, data=_edit_data(goal.id, "achieved", "Got the job"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/mentoring/sessions/{log.id}"
    with app_db(app):
        assert Goal.get_by_id(goal.id).status == "achieved"
        note = GoalNote.get(GoalNote.session == log.id)
        assert (note.status, note.text) == ("achieved", "Got the job") and note.edited_at
    shown = parse_html(client.get(f"/mentoring/sessions/{log.id}")).select_one(".goal-notes")
    assert "Got the job" in shown.get_text() and shown.select_one(".edited")
    card = parse_html(client.get(f"/mentoring/pairings/{pairing.id}")).select_one(f"#goal-{goal.id}")
    assert "Achieved" in card.header.get_text() and card.select_one(".progress-notes .edited")

    # The achieved goal is still offered on the form: this log recorded it.
    form = parse_html(client.get(url))
    assert form.find("select", {"name": f"goal-{goal.id}-status"}).find(
        "option", selected=True)["value"] == "achieved"
    # Taking it back: the goal returns to where it was before this log.
    assert client.post(url, data=_edit_data(goal.id, "", "")).status_code == 303
    with app_db(app):
        assert Goal.get_by_id(goal.id).status == "open"
        assert not GoalNote.select().where(GoalNote.session == log.id).exists()

    # Another mentor can neither see nor change it.
    client.post("/logout")
    sign_in(b)
    assert client.get(url).status_code == 404
    assert client.post(url, data=_edit_data(goal.id, "dropped", "x")).status_code == 404
    with app_db(app):
        assert Goal.get_by_id(goal.id).status == "open"


def test_a_locked_log_points_to_adding_progress_on_the_goal(app, client, two_mentors, sign_in):
    a, pairing, log, _b = two_mentors
    with app_db(app):
        shift_time(SessionLog, "created_at", -dt.timedelta(days=8), SessionLog.id == log.id)
    sign_in(a)
    page = parse_html(client.get(f"/mentoring/sessions/{log.id}"))
    link = page.find("a", href=f"/mentoring/pairings/{pairing.id}#goals")
    assert link and page.find("form", action=f"/mentoring/sessions/{log.id}/corrections")


def test_phone_shown_to_the_mentor_only_with_contact_consent(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    assert "0712" not in client.get(f"/mentoring/pairings/{pairing.id}/phone").get_data(True)
    with app_db(app):
        members.record_consent(pairing.mentee, "contact", True, "signed", "sw")
    page = parse_html(client.get(f"/mentoring/pairings/{pairing.id}/phone",
                            headers={"HX-Request": "true"}))
    assert page.find("a", href="tel:0712345678")
    assert "0712" not in client.get(f"/mentoring/pairings/{pairing.id}").get_data(True)


def test_coordinator_proposes_from_suggestions_and_starts_and_ends(app, client, login_as):
    with app_db(app):
        mentee = make_member(language="sw", needs=["education"])
        make_mentor(areas=["education"], username="teacher")
        make_mentor(areas=["business"], languages=["en"], username="trader")
    login_as("coordinator")
    page = parse_html(client.get(f"/mentoring/pairings/new?member_code={mentee.code}"))
    names = [li.strong.get_text() for li in page.select("ol.suggestions > li")]
    assert names == ["Teacher", "Trader"]
    teacher_id = page.select("ol.suggestions form input[name=mentor]")[0]["value"]
    response = client.post("/mentoring/pairings/new",
                           data={"member_code": mentee.code, "mentor": teacher_id})
    assert response.status_code == 303
    pairing_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/mentoring/pairings/{pairing_id}/activate",
                       data={"start_date": services.today().isoformat()}).status_code == 303
    assert client.post(f"/mentoring/pairings/{pairing_id}/end", data={
        "outcome": "ended", "reason": "", "end_date": services.today().isoformat()}
    ).status_code == 422
    assert client.post(f"/mentoring/pairings/{pairing_id}/end", data={
        "outcome": "ended", "reason": "Moved away", "end_date": services.today().isoformat()}
    ).status_code == 303
    with app_db(app):
        assert Pairing.get_by_id(pairing_id).status == "ended"


def test_second_active_pairing_needs_the_override_box(app, client, login_as):
    with app_db(app):
        mentee = make_member()
        make_pairing(member=mentee)
        second = make_pairing(member=mentee, active=False)
    login_as("coordinator")
    data = {"start_date": services.today().isoformat()}
    response = client.post(f"/mentoring/pairings/{second.id}/activate", data=data)
    assert response.status_code == 422
    assert parse_html(response).find("input", {"name": "override"})
    data["override"] = "y"
    assert client.post(f"/mentoring/pairings/{second.id}/activate", data=data).status_code == 303


def test_unknown_member_code_is_an_error_next_to_the_field(client, login_as):
    login_as("coordinator")
    page = parse_html(client.get("/mentoring/pairings/new?member_code=ZZ-9999"))
    assert page.select_one("#member_code-error")


def test_coordinator_edits_a_mentor_profile(app, client, login_as):
    with app_db(app):
        mentor = make_mentor()
    login_as("coordinator")
    response = client.post(f"/mentoring/mentors/{mentor.id}", data={
        "areas": ["education", "wellbeing"], "languages": ["sw", "en"], "capacity": "4",
        "availability": "Saturdays"})
    assert response.status_code == 303
    with app_db(app):
        profile = services.profile_for(mentor)
        assert (profile.areas, profile.capacity) == (["education", "wellbeing"], 4)
    assert client.post(f"/mentoring/mentors/{mentor.id}", data={
        "areas": ["education"], "languages": [], "capacity": "4"}).status_code == 422


def test_mentor_edits_own_profile_but_not_capacity(app, client, sign_in):
    with app_db(app):
        mentor = make_mentor(capacity=2)
    sign_in(mentor)
    response = client.post("/mentoring/profile", data={
        "areas": ["leadership"], "languages": ["sw"], "capacity": "15",
        "availability": "Evenings"})
    assert response.status_code == 303
    with app_db(app):
        profile = services.profile_for(mentor)
        assert (profile.areas, profile.capacity, profile.availability) == (
            ["leadership"], 2, "Evenings")


def test_mentee_sees_next_meeting_and_goals_read_only(app, client, sign_in):
    with app_db(app):
        pairing = make_pairing()
        services.add_goal(pairing, "Apply for a scholarship", "education", None)
        services.log_session(pairing, pairing.mentor, session_input(
            notes="Confidential notes", next_meeting_at=dt.datetime.utcnow().replace(
                microsecond=0) + dt.timedelta(days=2)))
        user = make_user("member", username="mentee1")
        Member.update(user=user.id).where(Member.id == pairing.mentee_id).execute()
    sign_in(user)
    page = parse_html(client.get("/me/mentoring"))
    text = page.get_text()
    assert "Apply for a scholarship" in text and "Confidential notes" not in text
    assert page.select_one("#my-mentoring") and not page.find("form", method="post",
                                                                 action=lambda a: a and "mentoring" in a)
    me = parse_html(client.get("/me"))
    assert "Meeting with your mentor" in me.select_one("#my-schedule").get_text()


def test_dashboard_panels(app, client, login_as, two_mentors):
    login_as("coordinator")
    page = parse_html(client.get("/"))
    assert page.select_one("#panel-mentoring_figures")
    assert page.select_one("#panel-mentoring_overdue")
    assert page.select_one("#panel-mentors_at_capacity")
    overview = parse_html(client.get("/mentoring/overview"))
    assert len(overview.select("#pairing-rows tr")) == 2


def test_overview_overdue_filter(app, client, login_as):
    with app_db(app):
        quiet = make_pairing(start_days_ago=60)
        make_pairing()
        services.flag_overdue(services.today())
    login_as("coordinator")
    rows = parse_html(client.get("/mentoring/overview?status=active&overdue=1")).select(
        "#pairing-rows tr")
    assert len(rows) == 1 and quiet.mentee.code in rows[0].get_text()


def test_phone_reveal_is_audited(app, client, two_mentors, sign_in):
    a, pairing, _log, _b = two_mentors
    with app_db(app):
        members.record_consent(pairing.mentee, "contact", True, "signed", "sw")
    sign_in(a)
    client.get(f"/mentoring/pairings/{pairing.id}/phone")
    with app_db(app):
        assert AuditEvent.select().where(AuditEvent.action == "mentorship.phone_shown").count() == 1


def test_pages_speak_swahili(app, client, two_mentors, sign_in):
    a, pairing, log, _b = two_mentors
    with app_db(app):
        from app.auth import services as auth
        auth.set_language(a, "sw")
    sign_in(a)
    for url, english in (("/mentoring/", "My mentees"),
                         (f"/mentoring/pairings/{pairing.id}/sessions/new", "Log a session"),
                         (f"/mentoring/sessions/{log.id}", "Session on"),
                         ("/safeguarding/concerns/new", "Raise a safeguarding concern")):
        page = parse_html(client.get(url))
        assert page.html["lang"] == "sw"
        assert english not in page.h1.get_text(), url
    form = parse_html(client.get(f"/mentoring/pairings/{pairing.id}/sessions/new"))
    assert "Ana kwa ana" in form.get_text()


def test_member_home_section_comes_from_the_registry(app, two_mentors):
    _a, pairing, _log, _b = two_mentors
    with app_db(app):
        from app.registry import registry
        sections = registry().home_sections_for(pairing.mentee)
        assert [s.key for s in sections] == ["mentoring"]
        assert sections[0].ctx["pairings"][0].id == pairing.id
        assert registry().home_sections_for(make_member()) == []


def test_each_goal_has_its_own_progress_form_through_the_field_macro(app, client, two_mentors,
                                                                      sign_in):
    a, pairing, _log, _b = two_mentors
    sign_in(a)
    with app_db(app):
        goal_id = Goal.get(Goal.pairing == pairing.id).id
    status, text = f"note{goal_id}-status", f"note{goal_id}-text"
    page = parse_html(client.get(f"/mentoring/pairings/{pairing.id}"))
    assert page.select_one(f'label[for="{status}"]') and page.select_one(f'label[for="{text}"]')
    assert page.select_one(f"select#{status} option[selected]")["value"] == "open"
    bad = client.post(f"/mentoring/goals/{goal_id}/notes", data={status: "flying", text: ""})
    assert bad.status_code == 422
    again = parse_html(bad)
    assert again.select_one(f"#{status}-error") and again.select_one(f"details[open] select#{status}")
    done = client.post(f"/mentoring/goals/{goal_id}/notes",
                       data={status: "achieved", text: "Started at the bakery"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"#goal-{goal_id}")
    with app_db(app):
        assert Goal.get_by_id(goal_id).status == "achieved"
        assert GoalNote.get(GoalNote.goal == goal_id).text == "Started at the bakery"


def test_a_wrong_choice_on_ending_or_a_goal_is_refused_in_swahili(app, client, two_mentors,
                                                                   login_as, sign_in):
    a, pairing, _log, _b = two_mentors
    login_as("coordinator", language="sw")
    response = client.post(f"/mentoring/pairings/{pairing.id}/end", data={
        "outcome": "vanished", "reason": "x", "end_date": services.today().isoformat()})
    assert response.status_code == 422
    error = parse_html(response).select_one("#outcome-error").get_text(strip=True)
    assert error.endswith(": chagua kutoka kwenye orodha.")
    with app_db(app):
        a.language = "sw"
        a.save()
    mentor = app.test_client()
    sign_in(a, mentor)
    response = mentor.post(f"/mentoring/pairings/{pairing.id}/goals", data={
        "title": "Open a kiosk", "area": "astrology"})
    assert response.status_code == 422
    error = parse_html(response).select_one("#area-error").get_text(strip=True)
    assert error.endswith(": chagua kutoka kwenye orodha.")
    with app_db(app):
        assert Pairing.get_by_id(pairing.id).status == "active"
        assert Goal.select().where(Goal.pairing == pairing.id).count() == 1
