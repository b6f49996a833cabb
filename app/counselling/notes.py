"""Confidential session notes.

Who may read a note: its author, and holders of `counselling.supervise`.
Nobody else, whatever other capability they hold (administrators
included). Every read is audited with the note id only; the text never
reaches audit summaries, reports, search or exports.
"""
from __future__ import annotations

from app.i18n import lazy_gettext as _l

from app import audit
from app.access import user_can
from app.counselling.models import ATTENDED, RISK_LEVELS, Booking, SessionNote
from app.counselling.services import CounsellingError
from app.db import utcnow


def may_write(user, booking: Booking) -> bool:
    return user_can(user, "counselling.notes") and booking.counsellor_id == user.id


def may_read(user, note: SessionNote) -> bool:
    return (user_can(user, "counselling.notes") and note.author_id == user.id) \
        or user_can(user, "counselling.supervise")


def note_for(booking: Booking) -> SessionNote | None:
    return SessionNote.get_or_none(SessionNote.booking == booking)


def read(user, note: SessionNote) -> SessionNote:
    """Hand a note to a reader who may see it, auditing the read."""
    if not may_read(user, note):
        raise PermissionError("not a reader of this note")
    audit.record("counselling.note_read", "session_note", note.id, actor=user)
    return note


def save(user, booking: Booking, text: str, concerns: str = "", risk_level: str = "",
         follow_up: str = "") -> SessionNote:
    """Write or update the note of an attended session (author only)."""
    if not may_write(user, booking):
        raise PermissionError("only the session's counsellor writes its note")
    if booking.status != ATTENDED:
        raise CounsellingError(_l("Notes can be written once the session is marked attended."))
    text = (text or "").strip()
    if not text:
        raise CounsellingError(_l("Write the note."), "text")
    if risk_level and risk_level not in RISK_LEVELS:
        raise CounsellingError(_l("Choose a risk level."), "risk_level")
    note = note_for(booking)
    if note is not None and note.author_id != user.id:
        raise PermissionError("only the author edits a note")
    fields = {"text": text, "concerns": (concerns or "").strip(), "risk_level": risk_level or "",
              "follow_up": (follow_up or "").strip()}
    if note is None:
        note = SessionNote.create(booking=booking, member=booking.member_id, author=user.id,
                                  **fields)
        audit.record("counselling.note_written", "session_note", note.id, actor=user)
    else:
        for name, value in fields.items():
            setattr(note, name, value)
        note.updated_at = utcnow()
        note.save()
        audit.record("counselling.note_edited", "session_note", note.id, actor=user)
    return note


def readable_notes(user, member_id: int | None = None):
    """Notes this user may open (author's own, or all for supervisors)."""
    query = SessionNote.select(SessionNote.id, SessionNote.booking, SessionNote.created_at,
                               SessionNote.author, SessionNote.risk_level)
    if not user_can(user, "counselling.supervise"):
        if not user_can(user, "counselling.notes"):
            return query.where(False)
        query = query.where(SessionNote.author == user.id)
    if member_id is not None:
        query = query.where(SessionNote.member == member_id)
    return query.order_by(SessionNote.created_at.desc())
