"""Pairings: a coordinator proposes a mentor for a member, starts the
pairing once both agree (one active mentor per member unless the
coordinator allows a second: the database enforces it) and ends it."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw

from app import audit
from app.access import user_can
from app.auth.models import User
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.mentorship.models import LIMITS, OPEN_STATUSES, Pairing
from app.mentorship.services import MentorshipError, is_mentor, profile_for
from app.rules import clean_text, today


def _load(mentor_id: int) -> int:
    return Pairing.select().where((Pairing.mentor == mentor_id)
                                  & Pairing.status.in_(OPEN_STATUSES)).count()


def propose(mentee: Member, mentor: User, actor=None) -> Pairing:
    if mentee.anonymised_at or mentee.status == "exited":
        raise MentorshipError(_l("This member has left the centre."), "mentee")
    if not is_mentor(mentor):
        raise MentorshipError(_l("Choose a mentor from the list."), "mentor")
    if mentee.user_id and mentee.user_id == mentor.id:
        raise MentorshipError(_l("A mentor cannot mentor themselves."), "mentor")
    with db.atomic():
        if _load(mentor.id) >= profile_for(mentor).capacity:
            raise MentorshipError(_l("This mentor has no free place."), "mentor")
        try:
            with db.atomic():
                pairing = Pairing.create(mentee=mentee.id, mentor=mentor.id, status="proposed",
                                         proposed_by=actor.id if actor else None)
        except pw.IntegrityError:
            raise MentorshipError(_l("This mentor is already paired with this member."),
                                  "mentor") from None
        audit.record("pairing.proposed", "pairing", pairing.id, f"member {mentee.id}",
                     actor=actor)
    return pairing


class OpenPairing(NamedTuple):
    """A member's current pairing as the pages show it."""
    id: int
    status: str
    start_date: dt.date | None
    next_meeting_at: dt.datetime | None
    mentor_name: str


# On the member page (a key page): built once (app.db.Prepared; README,
# performance). `mentor` None: every pairing.
_open_pairings = Prepared(lambda param: (
    Pairing.select(Pairing.id, Pairing.status, Pairing.start_date, Pairing.next_meeting_at,
                   User.display_name.alias("mentor_name"))
    .join(User, on=(Pairing.mentor == User.id))
    .where((Pairing.mentee == param("member")) & Pairing.status.in_(OPEN_STATUSES)
           & (param("mentor").is_null() | (Pairing.mentor == param("mentor"))))
    .order_by(Pairing.status, Pairing.proposed_at)), row=OpenPairing)


def open_pairings_of(member: Member, viewer=None) -> list[OpenPairing]:
    """The member's current mentors: active pairings first, then proposed
    ones, each with its mentor's name (one query). With a `viewer`, only the
    pairings they may see (every one with mentorship.manage, a mentor's own).
    What the pages show of them only (the member page, the new pairing
    form): id, status, since when, next meeting, the mentor's name."""
    mentor = None
    if viewer is not None and not user_can(viewer, "mentorship.manage"):
        if not user_can(viewer, "mentorship.view_own"):
            return []
        mentor = viewer.id
    return _open_pairings.all(member=member.id, mentor=mentor)


def propose_for_code(member_code: str, mentor_id: int, actor, second: bool = False) -> Pairing:
    """The coordinator's form: the member by code (one `actor` may see) and
    a mentor from the list. A member who already has a mentor (active or
    proposed) gets a second one only when the coordinator says so
    (`second`), after the page warned them."""
    from app.members.services import member_by_code
    from app.mentorship.services import mentor_users
    mentee = member_by_code(member_code, viewer=actor, include_anonymised=True)
    if mentee is None:
        raise MentorshipError(_l("No member with this code."), "member_code")
    mentor = mentor_users().where(User.id == mentor_id).first()
    if mentor is None:
        raise MentorshipError(_l("Choose a mentor from the list."), "mentor")
    with db.atomic():
        current = open_pairings_of(mentee)
        if current and not second:
            raise MentorshipError(_l("%(code)s already has a mentor: %(name)s. Propose a second "
                                     "mentor only if that is what everyone wants.",
                                     code=mentee.code, name=current[0].mentor_name))
        return propose(mentee, mentor, actor)


def has_other_active(pairing: Pairing) -> bool:
    return Pairing.select().where((Pairing.mentee == pairing.mentee_id)
                                  & (Pairing.status == "active")
                                  & (Pairing.id != pairing.id)).exists()


def activate(pairing: Pairing, actor=None, override: bool = False,
             start_date: dt.date | None = None) -> Pairing:
    """proposed -> active. A second active pairing for the same mentee needs
    the coordinator's override (the database refuses it otherwise)."""
    if pairing.status != "proposed":
        raise MentorshipError(_l("Only a proposed pairing can start."))
    start_date = start_date or today()
    if start_date > today():
        raise MentorshipError(_l("The date cannot be in the future."), "start_date")
    with db.atomic():
        other = has_other_active(pairing)
        if other and not override:
            raise MentorshipError(_l("This member already has an active mentor. Tick "
                                     "“allow a second mentor” to pair them anyway."), "override")
        pairing.status, pairing.start_date = "active", start_date
        pairing.override = bool(other and override)
        try:
            with db.atomic():
                pairing.save(only=[Pairing.status, Pairing.start_date, Pairing.override])
        except pw.IntegrityError:
            raise MentorshipError(_l("This member already has an active mentor."),
                                  "override") from None
        audit.record("pairing.activated", "pairing", pairing.id,
                     "with override" if pairing.override else "", actor=actor)
    return pairing


def end(pairing: Pairing, outcome: str, reason: str, actor=None,
        end_date: dt.date | None = None) -> Pairing:
    """active -> completed or ended (with a reason); proposed -> ended."""
    reason = (reason or "").strip()
    if outcome not in ("completed", "ended"):
        raise MentorshipError(_l("Choose from the list."), "outcome")
    if pairing.status not in OPEN_STATUSES:
        raise MentorshipError(_l("This pairing is already closed."))
    if pairing.status == "proposed" and outcome == "completed":
        raise MentorshipError(_l("A pairing that never started cannot be completed."), "outcome")
    if outcome == "ended" and not reason:
        raise MentorshipError(_l("Say why the pairing ends."), "reason")
    reason = clean_text(reason, "reason", LIMITS["end_reason"], error=MentorshipError)
    end_date = end_date or today()
    if end_date > today() or (pairing.start_date and end_date < pairing.start_date):
        raise MentorshipError(_l("Choose a date between the start and today."), "end_date")
    with db.atomic():
        pairing.status, pairing.end_date, pairing.end_reason = outcome, end_date, reason
        pairing.override, pairing.next_meeting_at, pairing.overdue_since = False, None, None
        pairing.save(only=[Pairing.status, Pairing.end_date, Pairing.end_reason,
                           Pairing.override, Pairing.next_meeting_at, Pairing.overdue_since])
        audit.record(f"pairing.{outcome}", "pairing", pairing.id, actor=actor)
    return pairing
