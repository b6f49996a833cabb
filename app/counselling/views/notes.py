"""Confidential session notes: the author writes and reads their own, a
supervisor reads every note (each read audited, notes.py), and either
releases a note to the member's own data export or withdraws it."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.access import requires, user_can
from app.counselling import bp, notes
from app.counselling import forms as F
from app.counselling.concerns import concern_url
from app.counselling.models import Booking, SessionNote
from app.counselling.views.common import flash_errors
from app.db import get_or_404
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _


@bp.route("/counselling/bookings/<int:booking_id>/note", methods=["GET", "POST"])
@requires("counselling.notes")
def note(booking_id: int):
    item = get_or_404(notes.writable_bookings(current_user), Booking.id == booking_id)
    existing = notes.note_for(item)
    if existing is not None and existing.author_id != current_user.id:
        abort(404)
    shown = existing if existing is not None and request.method == "GET" else None
    form = F.NoteForm(obj=notes.read(current_user, shown) if shown else None)
    outcome = submit(form, lambda: notes.save(current_user, item, form.text.data,
                                              form.concerns.data, form.risk_level.data,
                                              form.follow_up.data), _("Note saved."))
    if outcome:
        return see_other("counselling.note_saved", note_id=outcome.result.id)
    return render_template("counselling/note_form.html", form=form, booking=item,
                           released=existing is not None and existing.released_at is not None
                           ), outcome.status


@bp.route("/counselling/notes/<int:note_id>")
@requires("counselling.notes")
def note_saved(note_id: int):
    """The author's view of a note (with the safeguarding prompt on high risk)."""
    return _show_note(get_or_404(notes.own_notes(current_user), SessionNote.id == note_id))


def _show_note(item):
    notes.read(current_user, item)
    around = notes.about(item)
    high = item.risk_level == "high"
    return render_template(
        "counselling/note.html", note=item, **around, concern_prompt=high,
        concern_link=concern_url(around["member"], around["booking"]) if high else None,
        release_url=_release_url(item))


def _release_url(item) -> str | None:
    """The author decides through their own page, a supervisor through
    supervision (each route declares its own capability)."""
    if item.author_id == current_user.id and user_can(current_user, "counselling.notes"):
        return url_for("counselling.note_release", note_id=item.id)
    if user_can(current_user, "counselling.supervise"):
        return url_for("counselling.supervise_note_release", note_id=item.id)
    return None


def _set_release(item, endpoint: str):
    """Release the note to the member's own data export, or withdraw it."""
    form = F.ReleaseForm()
    if form.action.data not in ("release", "withdraw"):
        abort(400)
    release = form.action.data == "release"
    done = (_("The note is released to the member's own data export.") if release
            else _("The note is withdrawn from the member's own data export."))
    if not submit(form, lambda: notes.set_release(current_user, item, release), done):
        flash_errors(form)
    return see_other(endpoint, note_id=item.id)


@bp.route("/counselling/notes/<int:note_id>/release", methods=["POST"])
@requires("counselling.notes")
def note_release(note_id: int):
    return _set_release(get_or_404(notes.own_notes(current_user), SessionNote.id == note_id),
                        "counselling.note_saved")


@bp.route("/counselling/supervision")
@requires("counselling.supervise")
def supervision():
    return render_template("counselling/supervision.html",
                           rows=notes.supervision_list(current_user))


@bp.route("/counselling/supervision/notes/<int:note_id>")
@requires("counselling.supervise")
def supervise_note(note_id: int):
    return _show_note(get_or_404(notes.supervised_notes(current_user),
                                 SessionNote.id == note_id))


@bp.route("/counselling/supervision/notes/<int:note_id>/release", methods=["POST"])
@requires("counselling.supervise")
def supervise_note_release(note_id: int):
    return _set_release(get_or_404(notes.supervised_notes(current_user),
                                   SessionNote.id == note_id), "counselling.supervise_note")
