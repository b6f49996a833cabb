"""A counsellor's decision to release a session note into the member's own
data export: who may decide, what the export then holds (date and text
only), what it never holds, and the audit trail."""
import datetime as dt
import json

import pytest

from app.audit import AuditEvent
from app.counselling import bookings, notes
from app.counselling.models import Booking, SessionNote
from app.clock import to_local
from app.members import services as members
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import PASSWORD, app_db, make_user, shift_time
from tests.conftest import parse_html

SHARED = "We agreed on three small steps for the week."
PRIVATE = "Mentions of the old employer in Mombasa."
CONCERNS = "Poor sleep, intrusive memories."
FOLLOW_UP = "Ask the safeguarding lead about the address."


def _attended(person, member, days_back=3, hour=10):
    booking = bookings.book(member, person.id, local(days_ahead(days_back + 1), hour))
    shift_time(Booking, "starts_at", -dt.timedelta(days=2 * days_back + 1),
               Booking.id == booking.id)
    shift_time(Booking, "ends_at", -dt.timedelta(days=2 * days_back + 1), Booking.id == booking.id)
    bookings.mark(Booking.get_by_id(booking.id), "attended")
    return Booking.get_by_id(booking.id)


def _two_notes():
    """A member with two notes by one counsellor: one to share, one not."""
    no_holidays()
    author = counsellor_every_day()
    member = make_member(notes="")   # no identity text that looks like a note
    shared = notes.save(author, _attended(author, member, 3), SHARED, concerns=CONCERNS,
                        risk_level="high", follow_up=FOLLOW_UP)
    private = notes.save(author, _attended(author, member, 5), PRIVATE, risk_level="low")
    return author, member, shared, private


def _actions(note_id):
    return [(e.action, e.actor, e.summary) for e in AuditEvent.select().where(
        AuditEvent.action.startswith("counselling.note_release")
        & (AuditEvent.object_id == str(note_id))).order_by(AuditEvent.id)]


# --- services ---------------------------------------------------------------------------------

def test_author_and_supervisor_decide_others_may_not(conn):
    author, _member, note, _private = _two_notes()
    supervisor = make_user("counsellor", "counselling_supervisor")
    other = make_user("counsellor")
    coordinator = make_user("admin", "coordinator", "safeguarding_lead")
    for outsider in (other, coordinator, make_user("mentor"), make_user("member")):
        assert not notes.may_release(outsider, note)
        with pytest.raises(PermissionError):
            notes.set_release(outsider, note, True)
    assert SessionNote.get_by_id(note.id).released_at is None

    notes.set_release(author, note, True)
    saved = SessionNote.get_by_id(note.id)
    assert saved.released_at is not None and saved.released_by_id == author.id
    with pytest.raises(PermissionError):
        notes.set_release(other, saved, False)             # nor withdraw it
    notes.set_release(supervisor, saved, False)
    saved = SessionNote.get_by_id(note.id)
    assert saved.released_at is None and saved.released_by_id is None
    notes.set_release(supervisor, saved, True)
    assert SessionNote.get_by_id(note.id).released_by_id == supervisor.id

    assert [(a, who) for a, who, _s in _actions(note.id)] == [
        ("counselling.note_released", author.id),
        ("counselling.note_release_withdrawn", supervisor.id),
        ("counselling.note_released", supervisor.id)]
    summaries = " ".join(e.summary for e in AuditEvent.select())
    assert "steps" not in summaries and "sleep" not in summaries


def test_export_holds_released_notes_only_date_and_text(conn):
    author, member, shared, private = _two_notes()
    before = members.export_data(member)
    assert before["appointment_notes"] == []
    assert SHARED not in json.dumps(before) and PRIVATE not in json.dumps(before)

    notes.set_release(author, shared, True)
    data = members.export_data(member)
    booking = Booking.get_by_id(shared.booking_id)
    assert data["appointment_notes"] == [
        {"session_date": to_local(booking.starts_at).date().isoformat(), "note": SHARED}]
    dump = json.dumps(data, ensure_ascii=False)
    for secret in (PRIVATE, CONCERNS, FOLLOW_UP, "high", "risk"):
        assert secret not in dump, secret

    notes.set_release(author, SessionNote.get_by_id(shared.id), False)
    assert members.export_data(member)["appointment_notes"] == []


def test_editing_a_released_note_withdraws_the_release(conn):
    author, member, shared, _private = _two_notes()
    notes.set_release(author, shared, True)
    booking = Booking.get_by_id(shared.booking_id)
    notes.save(author, booking, SHARED, concerns=CONCERNS, risk_level="high",
               follow_up=FOLLOW_UP)                          # unchanged: stays released
    assert SessionNote.get_by_id(shared.id).released_at is not None
    notes.save(author, booking, SHARED + " And the phone number of X.", concerns=CONCERNS,
               risk_level="high", follow_up=FOLLOW_UP)
    assert SessionNote.get_by_id(shared.id).released_at is None
    assert members.export_data(member)["appointment_notes"] == []
    assert _actions(shared.id)[-1][0] == "counselling.note_release_withdrawn"


def test_anonymising_removes_released_notes_from_the_export(conn):
    author, member, shared, _private = _two_notes()
    notes.set_release(author, shared, True)
    coordinator = make_user("coordinator")
    members.anonymise(member, member.code, coordinator)
    assert members.export_data(member)["appointment_notes"] == []
    assert SessionNote.get_by_id(shared.id).released_at is None


def test_released_notes_stay_out_of_reports_search_and_panels(app, conn):
    author, member, shared, _private = _two_notes()
    notes.set_release(author, shared, True)
    from app.counselling import panels
    coordinator = make_user("admin", "coordinator")
    for context in (panels.sessions_panel(coordinator), panels.capacity_panel(coordinator),
                    panels.waitlists_panel(coordinator)):
        assert SHARED not in repr(context)
    found, _identity = members.search(coordinator, "three small steps")
    assert list(found) == []


# --- the PDF export -----------------------------------------------------------------------------

@pytest.mark.parametrize("language, heading", [
    ("en", "Notes from your appointments at the centre"),
    ("sw", "Kumbukumbu za miadi yako kituoni")])
def test_pdf_export_shows_released_notes_discreetly(app, client, login_as, pdf_text, language,
                                                    heading):
    with app_db(app):
        author, member, shared, _private = _two_notes()
        notes.set_release(author, shared, True)
    login_as("coordinator", language=language)
    response = client.post(f"/members/{member.id}/export.pdf")
    assert response.status_code == 303
    text = pdf_text(client.get(response.headers["Location"] + "/download").data)
    assert heading in text
    assert "three small" in text
    for secret in ("Mombasa", "sleep", "safeguarding", "risk", "counsel", "ushauri", "hatari"):
        assert secret.lower() not in text.lower(), secret


def test_pdf_export_without_released_notes_has_no_such_section(app, client, login_as, pdf_text):
    with app_db(app):
        _author, member, _shared, _private = _two_notes()
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/export.pdf")
    text = pdf_text(client.get(response.headers["Location"] + "/download").data)
    assert "appointments at the centre" not in text and "Mombasa" not in text


# --- pages --------------------------------------------------------------------------------------

def test_author_releases_and_withdraws_from_the_note_page(app, client, sign_in):
    with app_db(app):
        author, member, shared, _private = _two_notes()
    sign_in(author)
    page = parse_html(client.get(f"/counselling/notes/{shared.id}"))
    assert page.select_one(".note-release .status-unreleased")
    button = page.select_one(".note-release button[name=action][value=release]")
    assert button.find_parent("form")["action"] == f"/counselling/notes/{shared.id}/release"

    response = client.post(f"/counselling/notes/{shared.id}/release", data={"action": "release"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/counselling/notes/{shared.id}"
    page = parse_html(client.get(response.headers["Location"]))
    assert author.display_name in page.select_one(".note-release .status-released").get_text()
    assert page.select_one(".note-release button[value=withdraw]")
    with app_db(app):
        assert members.export_data(member)["appointment_notes"][0]["note"] == SHARED

    assert client.post(f"/counselling/notes/{shared.id}/release",
                       data={"action": "withdraw"}).status_code == 303
    with app_db(app):
        assert SessionNote.get_by_id(shared.id).released_at is None
    assert client.post(f"/counselling/notes/{shared.id}/release",
                       data={"action": "maybe"}).status_code == 400


def test_supervisor_releases_through_supervision(app, client, login_as):
    with app_db(app):
        _author, _member, shared, _private = _two_notes()
    supervisor = login_as("counsellor", "counselling_supervisor")
    page = parse_html(client.get(f"/counselling/supervision/notes/{shared.id}"))
    form = page.select_one(".note-release form")
    assert form["action"] == f"/counselling/supervision/notes/{shared.id}/release"
    assert client.post(form["action"], data={"action": "release"}).status_code == 303
    with app_db(app):
        assert SessionNote.get_by_id(shared.id).released_by_id == supervisor.id


def test_nobody_else_reaches_the_release(app, client, login_as):
    with app_db(app):
        _author, member, shared, _private = _two_notes()
    expected = {("counsellor",): (404, 403), ("admin", "coordinator"): (403, 403),
                ("mentor",): (403, 403), ("safeguarding_lead",): (403, 403),
                ("member",): (403, 403)}
    for roles, (own_route, supervision_route) in expected.items():
        other = app.test_client()
        login_as(*roles, client_=other)
        for action in ("release", "withdraw"):
            assert other.post(f"/counselling/notes/{shared.id}/release",
                              data={"action": action}).status_code == own_route, roles
            assert other.post(f"/counselling/supervision/notes/{shared.id}/release",
                              data={"action": action}).status_code == supervision_route, roles
    supervisor = app.test_client()
    login_as("counsellor", "counselling_supervisor", client_=supervisor)
    assert supervisor.post("/counselling/supervision/notes/99999/release",
                           data={"action": "release"}).status_code == 404
    with app_db(app):
        assert SessionNote.get_by_id(shared.id).released_at is None
        assert members.export_data(member)["appointment_notes"] == []
        assert not AuditEvent.select().where(
            AuditEvent.action == "counselling.note_released").exists()


def test_note_form_warns_that_editing_withdraws(app, client, sign_in):
    with app_db(app):
        author, _member, shared, _private = _two_notes()
        notes.set_release(author, shared, True)
    sign_in(author)
    page = parse_html(client.get(f"/counselling/bookings/{shared.booking_id}/note"))
    assert page.select_one(".notice-released")


def test_an_emptied_note_cannot_be_released(app, client, sign_in):
    with app_db(app):
        author, member, shared, _private = _two_notes()
        members.anonymise(member, member.code, make_user("coordinator"))
    sign_in(author)
    response = client.post(f"/counselling/notes/{shared.id}/release", data={"action": "release"})
    assert response.status_code == 303
    with app_db(app):
        assert SessionNote.get_by_id(shared.id).released_at is None
