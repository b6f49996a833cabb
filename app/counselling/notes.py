"""Confidential session notes.

Who may read a note: its author, and holders of `counselling.supervise`.
Nobody else, whatever other capability they hold (administrators
included). Every read is audited with the note id only; the text never
reaches audit summaries, reports, search or exports.

The one exception is the member's own data export, and only by a
counsellor's decision: the author (or a supervisor) may release a note to
it, and withdraw that again. Then the export holds the session's date and
the note's text, nothing else: presenting concerns, the risk level and the
follow-up are the team's working assessment and never leave this way (a
risk rating handed to a member can hurt, and can put them at risk if the
paper is found). Editing a released note withdraws the release: the
counsellor decides again on the new words.
"""
from __future__ import annotations

from app.i18n import lazy_gettext as _l

from app import audit
from app.access import user_can
from app.auth.models import User
from app.counselling.models import ATTENDED, RISK_LEVELS, Booking, SessionNote
from app.counselling.services import CounsellingError
from app.db import db, utcnow
from app.members.models import Member

# How long each part of a note may be (characters; the form takes them too).
TEXT_MAX = 20000
CONCERNS_MAX = 4000
FOLLOW_UP_MAX = 4000
SUPERVISION_LIST_SIZE = 100


def may_write(user, booking: Booking) -> bool:
    return user_can(user, "counselling.notes") and booking.counsellor_id == user.id


def may_read(user, note: SessionNote) -> bool:
    return (user_can(user, "counselling.notes") and note.author_id == user.id) \
        or user_can(user, "counselling.supervise")


def may_release(user, note: SessionNote) -> bool:
    """Who decides on the member's export: the author, or a supervisor."""
    return may_read(user, note)


def note_for(booking: Booking) -> SessionNote | None:
    return SessionNote.get_or_none(SessionNote.booking == booking)


def writable_bookings(user):
    """The user's own attended sessions, whose notes they may write."""
    return Booking.select().where((Booking.counsellor == user.id)
                                  & (Booking.status == ATTENDED))


def own_notes(user):
    """Notes this user wrote (what the author's own pages open)."""
    query = SessionNote.select()
    if not user_can(user, "counselling.notes"):
        return query.where(False)
    return query.where(SessionNote.author == user.id)


def supervised_notes(user):
    """Every note, for a supervisor (each read is audited by `read`)."""
    query = SessionNote.select()
    return query if user_can(user, "counselling.supervise") else query.where(False)


def about(note: SessionNote) -> dict:
    """What the note page shows around a note: its session, member, author
    and who released it (never read without `read`)."""
    return {"booking": Booking.get_by_id(note.booking_id),
            "member": Member.get_by_id(note.member_id),
            "author": User.get_by_id(note.author_id),
            "released_by": User.get_or_none(User.id == note.released_by_id)
            if note.released_by_id else None}


def supervision_list(user) -> list[SessionNote]:
    """The latest notes a supervisor may open, with the session's time,
    the member's code and the author's name (no word of any note)."""
    return list(readable_notes(user)
                .select_extend(Booking.starts_at, Member.code, User.display_name)
                .join(Booking, on=(SessionNote.booking == Booking.id))
                .switch(SessionNote).join(Member, on=(SessionNote.member == Member.id))
                .switch(SessionNote).join(User, on=(SessionNote.author == User.id))
                .limit(SUPERVISION_LIST_SIZE))


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
    fields = {"text": text, "concerns": (concerns or "").strip(), "risk_level": risk_level or "",
              "follow_up": (follow_up or "").strip()}
    for name, most in (("text", TEXT_MAX), ("concerns", CONCERNS_MAX),
                       ("follow_up", FOLLOW_UP_MAX)):
        if len(fields[name]) > most:
            raise CounsellingError(_l("Use at most %(max)d characters.", max=most), name)
    with db.atomic():
        note = note_for(booking)
        if note is not None and note.author_id != user.id:
            raise PermissionError("only the author edits a note")
        if note is None:
            note = SessionNote.create(booking=booking, member=booking.member_id, author=user.id,
                                      **fields)
            audit.record("counselling.note_written", "session_note", note.id, actor=user)
            return note
        _update(user, note, fields)
    return note


def _update(user, note: SessionNote, fields: dict) -> None:
    """Edit a note; a released one is withdrawn when its words change."""
    changed = any(getattr(note, name) != value for name, value in fields.items())
    for name, value in fields.items():
        setattr(note, name, value)
    note.updated_at = utcnow()
    withdrawn = changed and note.released_at is not None
    if withdrawn:
        note.released_at, note.released_by = None, None
    note.save()
    audit.record("counselling.note_edited", "session_note", note.id, actor=user)
    if withdrawn:
        audit.record("counselling.note_release_withdrawn", "session_note", note.id,
                     "note edited", actor=user)


def set_release(user, note: SessionNote, release: bool) -> SessionNote:
    """Record the counsellor's decision on the member's own data export:
    released (who and when) or withdrawn. Audited without a word of the
    note."""
    if not may_release(user, note):
        raise PermissionError("only the author or a supervisor decides on a note's release")
    if release == (note.released_at is not None):
        return note                                   # already so: nothing to record
    if release and not (note.text or "").strip():
        raise CounsellingError(_l("An empty note cannot be released."))
    with db.atomic():
        note.released_at, note.released_by = (utcnow(), user.id) if release else (None, None)
        note.save(only=[SessionNote.released_at, SessionNote.released_by])
        action = "counselling.note_released" if release else "counselling.note_release_withdrawn"
        audit.record(action, "session_note", note.id,
                     "to the member's own export" if release else "", actor=user)
    return note


def released_for_export(member) -> list[dict]:
    """The member's own data export: released notes only, each as the
    session's date (Nairobi) and the note's text. Nothing else of a note."""
    from app.clock import to_local
    rows = (SessionNote.select(SessionNote.text, Booking.starts_at)
            .join(Booking, on=(SessionNote.booking == Booking.id))
            .where((SessionNote.member == member) & SessionNote.released_at.is_null(False)
                   & (SessionNote.text != ""))
            .order_by(Booking.starts_at, SessionNote.id))
    return [{"session_date": to_local(row.booking.starts_at).date().isoformat(),
             "note": row.text} for row in rows]


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
