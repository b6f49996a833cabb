"""Induction: the checklist (and its settings), the referral sources,
induction meetings and the peer buddy."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw
from peewee import fn

from app import audit
from app.auth.models import User
from app.clock import utcnow
from app.db import Prepared, db, whole_row
from app.i18n import lazy_gettext as _l
from app.members import services as record
from app.members.consent import require_processing_consent
from app.members.labels import source_label
from app.members.models import (
    LIMITS, InductionCompletion, InductionMeeting, InductionStep, Member, ReferralSource,
    member_id)
from app.members.services import MemberError
from app.rules import clean_text


DEFAULT_SOURCES = [("partner_ngo", "Partner NGO"), ("government", "Government service"),
                   ("community", "Community"), ("self", "Self-referral"), ("other", "Other")]

DEFAULT_STEPS = [
    ("welcome", "Welcome and introductions", "Karibu na kujuana", True),
    ("consent", "Data protection and consent explained",
     "Ulinzi wa taarifa na ridhaa vimeelezwa", True),
    ("safeguarding", "Safeguarding briefing", "Maelezo kuhusu usalama na ulinzi", True),
    ("needs_goals", "Needs and goals conversation", "Mazungumzo kuhusu mahitaji na malengo", True),
    ("buddy", "Peer buddy assigned", "Rafiki rika amechaguliwa", True),
    ("orientation", "Orientation to the programmes (mental-health support, skills and "
     "employment, entrepreneurship and microloans, education, leadership and mentorship)",
     "Kuelezwa kuhusu programu (msaada wa afya ya akili, ujuzi na ajira, ujasiriamali na "
     "mikopo midogo, elimu, uongozi na ushauri)", True),
]


def ensure_defaults() -> None:
    """Fill a list nobody has ever filled with the defaults: the referral
    sources and the induction checklist of the work plan. Runs once per
    database, from its schema steps (a new database: right after its tables
    are created; an older one: steps 10 and 60), never on first use, so a
    list that holds anything, even only retired rows, is the admin's and
    stays as they left it, and a row they removed is never added back."""
    with db.atomic():
        if not ReferralSource.select().exists():
            ReferralSource.insert_many(
                [{"key": k, "name": n, "position": i} for i, (k, n) in enumerate(DEFAULT_SOURCES)]
            ).execute()
        if not InductionStep.select().exists():
            InductionStep.insert_many(
                [{"key": k, "title_en": en, "title_sw": sw, "position": i, "required": req}
                 for i, (k, en, sw, req) in enumerate(DEFAULT_STEPS)]
            ).execute()



# --- induction ---------------------------------------------------------------------------

# The member page (a key page) shows the checklist, the member's steps done
# and meetings: built once (app.db.Prepared; README, performance).
_checklist = Prepared(lambda param: (
    InductionStep.select()
    .where((InductionStep.active == True) | (param("retired") == 1))  # noqa: E712
    .order_by(InductionStep.position, InductionStep.id)))


def checklist(include_retired: bool = False) -> list[InductionStep]:
    return [whole_row(InductionStep, row)
            for row in _checklist.all(retired=int(include_retired))]


class StepDone(NamedTuple):
    """A step the member has done: when, by whom (their name), the note."""
    step: int
    completed_at: dt.datetime
    completed_by: int | None
    note: str
    completed_by_name: str | None


_steps_done = Prepared(lambda param: (
    InductionCompletion.select(
        InductionCompletion.step, InductionCompletion.completed_at,
        InductionCompletion.completed_by, InductionCompletion.note,
        User.display_name.alias("completed_by_name"))
    .join(User, pw.JOIN.LEFT_OUTER, on=(InductionCompletion.completed_by == User.id))
    .where(InductionCompletion.member == param("member"))), row=StepDone)


def induction_progress(member: Member) -> dict:
    """The checklist with the member's completed steps (`done`: step id ->
    when, by whom, note) and the counts the progress bar shows."""
    steps = checklist()
    done = {c.step: c for c in _steps_done.all(member=member_id(member))}
    required = [s for s in steps if s.required]
    required_done = sum(1 for s in required if s.id in done)
    counted = sum(1 for s in steps if s.id in done)
    return {
        "steps": steps, "done": done,
        "required_total": len(required), "required_done": required_done,
        "percent": round(100 * counted / len(steps)) if steps else 100,
        "ready": required_done == len(required),
    }


def complete_step(member: Member, step: InductionStep, actor=None, note: str = "") -> None:
    if member.status not in ("referred", "inducting"):
        raise MemberError(_l("Induction steps can only be recorded before the member is active."))
    require_processing_consent(member)
    if not step.active:
        raise MemberError(_l("This step is no longer on the checklist."))
    note = clean_text(note, "note", LIMITS["step_note"], error=MemberError)
    with db.atomic():
        exists = InductionCompletion.select().where(
            (InductionCompletion.member == member) & (InductionCompletion.step == step)).exists()
        if exists:
            raise MemberError(_l("This step is already done."))
        InductionCompletion.create(member=member, step=step, note=note,
                                   completed_by=actor.id if actor else None)
        audit.record("induction.step", "member", member.id, f"step {step.id} done", actor=actor)
        if member.status == "referred":
            record.set_status(member, "inducting", actor)


def confirm_induction(member: Member, actor=None) -> None:
    """All required steps done: the coordinator confirms, the member is active."""
    if member.status != "inducting":
        raise MemberError(_l("Only a member in induction can be confirmed."))
    if not induction_progress(member)["ready"]:
        raise MemberError(_l("Some required steps are not done yet."))
    record.set_status(member, "active", actor)
    audit.record("induction.confirmed", "member", member.id, actor=actor)


def oldest_waiting():
    return (Member.select(Member.id, Member.code, Member.status_changed_at)
            .where(Member.status == "inducting")
            .order_by(Member.status_changed_at).first())


def save_step(step: InductionStep | None, title_en: str, title_sw: str, required: bool,
              actor=None) -> InductionStep:
    title_en = clean_text(title_en, "title_en", LIMITS["step_title"], required=True,
                          error=MemberError)
    title_sw = clean_text(title_sw, "title_sw", LIMITS["step_title"], required=True,
                          error=MemberError)
    with db.atomic():
        if step is None:
            last = InductionStep.select(fn.MAX(InductionStep.position)).scalar() or 0
            step = InductionStep.create(title_en=title_en, title_sw=title_sw,
                                        required=required, position=last + 1)
            audit.record("induction.step_added", "induction_step", step.id, actor=actor)
        else:
            step.title_en, step.title_sw, step.required = title_en, title_sw, required
            step.save()
            audit.record("induction.step_changed", "induction_step", step.id, actor=actor)
    return step


def set_step_active(step: InductionStep, active: bool, actor=None) -> None:
    with db.atomic():
        step.active = active
        step.save(only=[InductionStep.active])
        audit.record("induction.step_retired" if not active else "induction.step_restored",
                     "induction_step", step.id, actor=actor)


def move_step(step: InductionStep, direction: int, actor=None) -> None:
    """Swap the step with its neighbour (-1 up, +1 down)."""
    steps = checklist(include_retired=True)
    index = [s.id for s in steps].index(step.id)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(steps):
        return
    with db.atomic():
        steps[index], steps[other] = steps[other], steps[index]
        for position, s in enumerate(steps):
            if s.position != position:
                InductionStep.update(position=position).where(InductionStep.id == s.id).execute()
        audit.record("induction.step_moved", "induction_step", step.id, actor=actor)


# --- referral sources -----------------------------------------------------------------

def referral_source_label(source_id: int | None) -> str:
    """The label of a member's referral source ("" if none)."""
    source = ReferralSource.get_or_none(ReferralSource.id == source_id) if source_id else None
    return source_label(source) if source else ""


def referral_sources(include_retired: bool = False):
    query = ReferralSource.select().order_by(ReferralSource.position, ReferralSource.id)
    if not include_retired:
        query = query.where(ReferralSource.active == True)  # noqa: E712
    return list(query)


def add_source(name: str, actor=None) -> ReferralSource:
    name = clean_text(name, "name", LIMITS["source_name"], required=True, error=MemberError)
    with db.atomic():
        last = ReferralSource.select(fn.MAX(ReferralSource.position)).scalar() or 0
        source = ReferralSource.create(name=name, position=last + 1)
        audit.record("referral_source.added", "referral_source", source.id, actor=actor)
    return source


def set_source_active(source: ReferralSource, active: bool, actor=None) -> None:
    with db.atomic():
        source.active = active
        source.save(only=[ReferralSource.active])
        audit.record("referral_source.changed", "referral_source", source.id,
                     "active" if active else "retired", actor=actor)


# --- meetings and buddies ------------------------------------------------------------------

def schedule_meeting(member: Member, starts_at_utc: dt.datetime, with_buddy: bool,
                     actor=None) -> InductionMeeting:
    require_processing_consent(member)
    if member.status in ("exited",) or member.anonymised_at:
        raise MemberError(_l("This member has left; no meetings can be planned."))
    if starts_at_utc < utcnow() - dt.timedelta(minutes=5):
        raise MemberError(_l("Choose a time in the future."), "starts_at")
    if with_buddy and not member.buddy_id:
        raise MemberError(_l("Assign a peer buddy first."), "with_buddy")
    with db.atomic():
        meeting = InductionMeeting.create(member=member, starts_at=starts_at_utc,
                                          with_buddy=with_buddy,
                                          created_by=actor.id if actor else None)
        audit.record("induction.meeting", "member", member.id, f"meeting {meeting.id} planned",
                     actor=actor)
    return meeting


def meetings_of(member: Member):
    """A member's induction meetings (for the page that cancels one)."""
    return InductionMeeting.select().where(InductionMeeting.member == member)


def cancel_meeting(meeting: InductionMeeting, actor=None) -> None:
    with db.atomic():
        meeting.cancelled_at = utcnow()
        meeting.save(only=[InductionMeeting.cancelled_at])
        audit.record("induction.meeting_cancelled", "member", meeting.member_id,
                     f"meeting {meeting.id}", actor=actor)


def planned_meetings(member: Member) -> list[Meeting]:
    """The member's meetings from now on."""
    return upcoming_meetings(member)


class Meeting(NamedTuple):
    """A planned meeting as the member page and the induction pack show it."""
    id: int
    starts_at: dt.datetime
    with_buddy: bool


_upcoming = Prepared(lambda param: (
    InductionMeeting.select(InductionMeeting.id, InductionMeeting.starts_at,
                            InductionMeeting.with_buddy)
    .where((InductionMeeting.member == param("member")) & InductionMeeting.cancelled_at.is_null()
           & (InductionMeeting.starts_at >= param("start", InductionMeeting.starts_at))
           & (param("end", InductionMeeting.starts_at).is_null()
              | (InductionMeeting.starts_at < param("end", InductionMeeting.starts_at))))
    .order_by(InductionMeeting.starts_at)), row=Meeting)


def upcoming_meetings(member: Member, start=None, end=None) -> list[Meeting]:
    """The member's meetings from `start` (now) until `end` (if given): id,
    time and whether the buddy comes, as the member page and the induction
    pack show them."""
    return _upcoming.all(member=member_id(member), start=start or utcnow(), end=end)


def assign_buddy(member: Member, buddy_code: str, actor=None) -> Member | None:
    """Give `member` an active member as peer buddy. An empty code is an
    error, never a removal: removing a buddy is remove_buddy, asked first."""
    code = (buddy_code or "").strip().upper()
    if member.anonymised_at or member.status == "exited":
        raise MemberError(_l("This member has left; no buddy can be assigned."))
    if not code:
        raise MemberError(_l("Enter the buddy's member code."), "buddy_code")
    require_processing_consent(member)
    buddy = record.member_by_code(code, include_anonymised=True)
    if buddy is None:
        raise MemberError(_l("No member has this code."), "buddy_code")
    if buddy.id == member.id:
        raise MemberError(_l("A member cannot be their own buddy."), "buddy_code")
    if buddy.status != "active" or buddy.anonymised_at:
        raise MemberError(_l("A buddy must be an active member."), "buddy_code")
    return _set_buddy(member, buddy, actor)


def remove_buddy(member: Member, actor=None) -> None:
    """Take away the member's peer buddy (the page asks first)."""
    if not member.buddy_id:
        raise MemberError(_l("This member has no peer buddy."))
    _set_buddy(member, None, actor)


def _set_buddy(member: Member, buddy: Member | None, actor) -> Member | None:
    old = member.buddy.code if member.buddy_id else ""
    with db.atomic():
        member.buddy = buddy
        member.save(only=[Member.buddy])
        record.log_change(member, "buddy", old, buddy.code if buddy else "", actor)
        audit.record("member.buddy", "member", member.id,
                     f"buddy {buddy.code}" if buddy else "buddy removed", actor=actor)
    return buddy


class BuddyLink(NamedTuple):
    """A buddy as a link shows them (code and preferred name)."""
    id: int
    code: str
    preferred_name: str
    buddy: int | None
    status: str


# On the member's home and on their record: built once (app.db.Prepared).
_buddy_and_buddies_of = Prepared(lambda param: (
    Member.select(Member.id, Member.code, Member.preferred_name, Member.buddy, Member.status)
    .where((Member.id == param("buddy"))
           | ((Member.buddy == param("member")) & (Member.status != "exited")))
    .order_by(Member.code)), row=BuddyLink)


def buddy_and_buddies_of(member: Member) -> tuple[BuddyLink | None, list[BuddyLink]]:
    """The member's buddy (as a link shows them: id, code, preferred name)
    and the members who have `member` as their buddy, in one query."""
    buddy, buddy_of = None, []
    for row in _buddy_and_buddies_of.all(buddy=member.buddy_id, member=member.id):
        if row.id == member.buddy_id:
            buddy = row
        if row.buddy == member.id and row.status != "exited":
            buddy_of.append(row)
    return buddy, buddy_of
