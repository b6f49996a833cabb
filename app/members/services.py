"""The rules of the members module, tested without HTTP.

Other modules use: `may(member, purpose)`, `members_who_may(purpose)`,
`contact_phone(member)`, `member_for_user(user)`, `visible_members(user)`.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw
from flask import current_app
from app.i18n import lazy_gettext as _l
from peewee import fn

from app.rules import RuleError, today
from app import audit
from app.access import user_can
from app.db import Prepared, db, utcnow
from app.members.labels import FIELD_LABELS
from app.members.models import (
    AGE_BANDS, CONSENT_METHODS, CONSENT_PURPOSES, COUNTIES, EXIT_REASONS, GENDERS, LANGUAGES,
    NEEDS, STATUSES, ConsentEvent, InductionCompletion, InductionMeeting, InductionStep, Member,
    MemberChange, ReferralSource, needs_from_mask, needs_mask)
from app.registry import registry

PAGE_SIZE = 25
COUNT_CAP = 1000   # lists count at most this many rows: the cost stays flat


class MemberError(RuleError):
    """A rule of this module refused the action."""


# --- configuration and defaults -------------------------------------------------

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


def prefix() -> str:
    return current_app.config["MEMBER_PREFIX"]


def retention_years() -> int:
    return int(current_app.config["RETENTION_YEARS"])




# --- who sees whom ------------------------------------------------------------------

def visible_members(user):
    """Members this user may find and open (never anyone else): every
    member with members.view_all, else the union of the module scopes
    (registry().member_scopes, e.g. a mentor's mentees)."""
    query = Member.select()
    if user_can(user, "members.view_all"):
        return query
    if not user_can(user, "members.view"):
        return query.where(False)
    subqueries = [q for q in (p(user) for p in registry().member_scopes) if q is not None]
    if not subqueries:
        return query.where(False)
    condition = Member.id.in_(subqueries[0])
    for sub in subqueries[1:]:
        condition |= Member.id.in_(sub)
    return query.where(condition)


_MEMBER_BY_ID = Prepared(lambda p: Member.select().where(Member.id == p("id")).limit(1))


def member_by_id(member_id: int) -> Member | None:
    """Any member by id, unscoped (e.g. the buddy shown on a visible member's page)."""
    return _MEMBER_BY_ID.first(id=member_id)


def account_summary(user_id: int):
    """A member's login as their page shows it (username, active)."""
    return _ACCOUNT.first(id=user_id)


def _account_query(p):
    from app.auth.models import User
    return User.select(User.id, User.username, User.active).where(User.id == p("id")).limit(1)


_ACCOUNT = Prepared(_account_query)


def visible_member(user, member_id) -> Member | None:
    if user_can(user, "members.view_all"):   # visible_members(user) is every member
        try:
            return _MEMBER_BY_ID.first(id=int(member_id))
        except (TypeError, ValueError):
            return None
    return visible_members(user).where(Member.id == member_id).first()


def member_by_code(code: str, viewer=None, include_anonymised: bool = False) -> Member | None:
    """The member with this pseudonymous code (typed in any case, spaces
    around ignored), or None. With `viewer`, only a member that user may
    see (visible_members); anonymised members only when asked for (a
    booking or a buddy refuses them with its own message)."""
    code = (code or "").strip().upper()
    if not code:
        return None
    query = visible_members(viewer) if viewer is not None else Member.select()
    query = query.where(Member.code == code)
    if not include_anonymised:
        query = query.where(Member.anonymised_at.is_null())
    return query.first()


def member_for_user(user) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.get_or_none(Member.user == user.id)


# --- codes -----------------------------------------------------------------------------

def format_code(number: int, code_prefix: str | None = None) -> str:
    return f"{code_prefix or prefix()}-{number:04d}"


def _next_number() -> int:
    return (Member.select(fn.MAX(Member.number)).scalar() or 0) + 1


# --- validation of the record --------------------------------------------------------

RESTRICTED_FIELDS = ("legal_name", "phone", "location", "notes")
EDITABLE_FIELDS = ("preferred_name", "legal_name", "gender", "birth_year", "age_band", "phone",
                   "language", "county", "location", "referral_source", "referring_org",
                   "joined_on", "needs", "notes")


def clean_record(data: dict, partial: bool = False) -> dict:
    """Check and normalise a member record; raise MemberError for the first
    problem. Keys not in `data` are left alone when `partial`."""
    out = {}

    def text(name, max_len, required=False):
        if name not in data:
            if required and not partial:
                raise MemberError(_l("This field is required."), name)
            return
        value = (data.get(name) or "").strip()
        if required and not value:
            raise MemberError(_l("This field is required."), name)
        if len(value) > max_len:
            raise MemberError(_l("Use at most %(max)d characters.", max=max_len), name)
        out[name] = value

    def choice(name, allowed, blank_ok=True):
        if name not in data:
            return
        value = (data.get(name) or "").strip()
        if value == "" and blank_ok:
            out[name] = ""
            return
        if value not in allowed:
            raise MemberError(_l("Choose from the list."), name)
        out[name] = value

    text("preferred_name", 80, required=True)
    text("legal_name", 120)
    text("location", 120)
    text("referring_org", 120)
    text("notes", 4000)
    if "phone" in data:
        phone = " ".join((data.get("phone") or "").split())
        digits = [c for c in phone if c.isdigit()]
        if phone and (len(digits) < 9 or len(digits) > 15
                      or any(not (c.isdigit() or c in "+ -") for c in phone)):
            raise MemberError(_l("Write a phone number like 0712 345678 or +254 712 345678."),
                              "phone")
        out["phone"] = phone
    choice("gender", GENDERS, blank_ok=False)
    if "gender" in data and not data.get("gender"):
        out["gender"] = "undisclosed"
    choice("age_band", AGE_BANDS)
    choice("language", LANGUAGES, blank_ok=False)
    choice("county", COUNTIES)
    if "birth_year" in data:
        raw = data.get("birth_year")
        if raw in (None, ""):
            out["birth_year"] = None
        else:
            try:
                year = int(raw)
            except (TypeError, ValueError):
                raise MemberError(_l("Write the year of birth with four digits, like 1998."),
                                  "birth_year") from None
            if not 1920 <= year <= today().year:
                raise MemberError(_l("Write the year of birth with four digits, like 1998."),
                                  "birth_year")
            out["birth_year"] = year
    if "joined_on" in data:
        joined = data.get("joined_on")
        if not isinstance(joined, dt.date):
            raise MemberError(_l("Enter a date like 2026-11-23."), "joined_on")
        if joined > today():
            raise MemberError(_l("The date joined cannot be in the future."), "joined_on")
        out["joined_on"] = joined
    if "needs" in data:
        needs = list(data.get("needs") or [])
        if any(n not in NEEDS for n in needs):
            raise MemberError(_l("Choose from the list."), "needs")
        out["needs_mask"] = needs_mask(needs)
    if "referral_source" in data:
        source = data.get("referral_source")
        if source in (None, "", 0):
            out["referral_source"] = None
        else:
            row = ReferralSource.get_or_none(ReferralSource.id == int(source))
            if row is None:
                raise MemberError(_l("Choose from the list."), "referral_source")
            out["referral_source"] = row.id
    return out


# --- members -----------------------------------------------------------------------

def create_member(data: dict, actor=None, status: str = "referred") -> Member:
    """Register a member with the next free code. Writers are serialised by
    the IMMEDIATE transaction; the unique index is the last word."""
    values = clean_record(data)
    values.setdefault("joined_on", today())
    for attempt in range(5):
        try:
            with db.atomic():
                number = _next_number()
                member = Member.create(number=number, code=format_code(number), status=status,
                                       created_by=actor.id if actor else None, **values)
                audit.record("member.created", "member", member.id, f"code {member.code}",
                             actor=actor)
            return member
        except pw.IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _display_value(field: str, value) -> str:
    if value is None:
        return ""
    if field == "needs":
        return ", ".join(value)
    if field == "referral_source":
        source = ReferralSource.get_or_none(ReferralSource.id == value)
        return source_label(source) if source else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _current_value(member: Member, field: str):
    if field == "needs":
        return member.needs
    if field == "referral_source":
        return member.referral_source_id
    return getattr(member, field)


def update_member(member: Member, data: dict, actor=None, may_identity: bool = False) -> list[str]:
    """Apply an edit; keep old -> new per field. Identity fields are only
    touched by someone allowed to see them. Returns the changed fields."""
    if member.anonymised_at:
        raise MemberError(_l("This member was anonymised: the record cannot be changed."))
    if not may_identity:
        data = {k: v for k, v in data.items() if k not in RESTRICTED_FIELDS}
    values = clean_record(data, partial=True)
    changed = []
    with db.atomic():
        for field in EDITABLE_FIELDS:
            key = "needs_mask" if field == "needs" else field
            if key not in values:
                continue
            old = _current_value(member, field)
            new = needs_from_mask(values[key]) if field == "needs" else values[key]
            if old == new:
                continue
            MemberChange.create(member=member, actor=actor.id if actor else None, field=field,
                                old_value=_display_value(field, old),
                                new_value=_display_value(field, new),
                                restricted=field in RESTRICTED_FIELDS)
            setattr(member, key, values[key])
            changed.append(field)
        if changed:
            member.save()
            audit.record("member.updated", "member", member.id,
                         "changed: " + ", ".join(changed), actor=actor)
    return changed


def _log_change(member, field, old, new, actor) -> None:
    MemberChange.create(member=member, actor=actor.id if actor else None, field=field,
                        old_value=old or "", new_value=new or "")


TRANSITIONS = {
    "referred": ("inducting", "exited"),
    "inducting": ("exited",),            # -> active only by confirming the induction
    "active": ("alumni", "exited"),
    "alumni": ("active", "exited"),
    "exited": ("referred",),              # a returning member starts again
}


def allowed_transitions(member: Member) -> tuple[str, ...]:
    if member.anonymised_at:
        return ()
    return TRANSITIONS[member.status]


def change_status(member: Member, new_status: str, actor=None, exit_reason: str = "") -> None:
    if new_status not in STATUSES:
        raise MemberError(_l("Choose from the list."), "status")
    if new_status not in allowed_transitions(member):
        raise MemberError(_l("This change of status is not possible now."), "status")
    if new_status == "exited" and exit_reason not in EXIT_REASONS:
        raise MemberError(_l("Say why the member leaves."), "exit_reason")
    if new_status == "inducting":
        require_processing_consent(member)
    _set_status(member, new_status, actor, exit_reason if new_status == "exited" else "")


def _set_status(member: Member, new_status: str, actor, exit_reason: str = "") -> None:
    old = member.status
    with db.atomic():
        member.status = new_status
        member.status_changed_at = utcnow()
        member.exit_reason = exit_reason
        member.exited_on = today() if new_status == "exited" else None
        member.save(only=[Member.status, Member.status_changed_at, Member.exit_reason,
                          Member.exited_on])
        _log_change(member, "status", old, new_status, actor)
        summary = f"{old} -> {new_status}" + (f" ({exit_reason})" if exit_reason else "")
        audit.record("member.status", "member", member.id, summary, actor=actor)


# --- consent ------------------------------------------------------------------------

def _member_id(member) -> int:
    return member if isinstance(member, int) else member.id


_LATEST_CONSENTS = Prepared(lambda p: ConsentEvent.select().where(ConsentEvent.id.in_(
    ConsentEvent.select(fn.MAX(ConsentEvent.id)).where(ConsentEvent.member == p("member"))
    .group_by(ConsentEvent.purpose))))


def latest_consents(member) -> dict[str, ConsentEvent | None]:
    """purpose -> the latest event (None if never asked)."""
    rows = {row.purpose: row for row in _LATEST_CONSENTS.iterate(member=_member_id(member))}
    return {purpose: rows.get(purpose) for purpose in CONSENT_PURPOSES}


def may(member, purpose: str) -> bool:
    """May the centre do `purpose` for this member right now? The one
    question every module asks; a withdrawal counts from the moment it is
    recorded."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    row = (ConsentEvent.select(ConsentEvent.given)
           .where((ConsentEvent.member == _member_id(member)) & (ConsentEvent.purpose == purpose))
           .order_by(ConsentEvent.id.desc()).first())
    return bool(row and row.given)


def members_who_may(purpose: str):
    """A subquery of the ids of members whose latest answer for `purpose`
    is yes (for call lists and the like)."""
    latest = (ConsentEvent.select(fn.MAX(ConsentEvent.id))
              .where(ConsentEvent.purpose == purpose).group_by(ConsentEvent.member))
    return (ConsentEvent.select(ConsentEvent.member)
            .where(ConsentEvent.id.in_(latest) & (ConsentEvent.given == True)))  # noqa: E712


def contact_phone(member: Member) -> str | None:
    """The phone number for calling or SMS, only with contact consent."""
    if member.anonymised_at or not member.phone or not may(member, "contact"):
        return None
    return member.phone


def require_processing_consent(member: Member) -> None:
    if not may(member, "processing"):
        raise MemberError(_l("First record the member's consent to keeping and using their "
                             "information."))


def record_consent(member: Member, purpose: str, given: bool, method: str, language: str,
                   actor=None, recorded_on: dt.date | None = None, note: str = "") -> ConsentEvent:
    if member.anonymised_at:
        raise MemberError(_l("This member was anonymised: the record cannot be changed."))
    if purpose not in CONSENT_PURPOSES:
        raise MemberError(_l("Choose from the list."), "purpose")
    if method not in CONSENT_METHODS:
        raise MemberError(_l("Choose from the list."), "method")
    if language not in LANGUAGES:
        raise MemberError(_l("Choose from the list."), "language")
    recorded_on = recorded_on or today()
    if recorded_on > today():
        raise MemberError(_l("The date cannot be in the future."), "recorded_on")
    with db.atomic():
        event = ConsentEvent.create(member=member, purpose=purpose, given=given,
                                    method=method, language=language,
                                    recorded_on=recorded_on, note=(note or "").strip()[:255],
                                    recorded_by=actor.id if actor else None)
        audit.record("consent.given" if given else "consent.withdrawn", "member", member.id,
                     f"purpose: {purpose}; {method}; {language}", actor=actor)
    return event


def consent_history(member: Member):
    return (ConsentEvent.select().where(ConsentEvent.member == member)
            .order_by(ConsentEvent.id.desc()))


# --- induction ---------------------------------------------------------------------------

def _checklist_query(include_retired: bool):
    query = InductionStep.select().order_by(InductionStep.position, InductionStep.id)
    if not include_retired:
        query = query.where(InductionStep.active == True)  # noqa: E712
    return query


_CHECKLIST = {retired: Prepared(lambda p, r=retired: _checklist_query(r))
              for retired in (False, True)}


def checklist(include_retired: bool = False):
    return list(_CHECKLIST[bool(include_retired)].iterate())


def _completions_query(p):
    from app.auth.models import User
    return (InductionCompletion.select(InductionCompletion, User.id, User.display_name)
            .join(User, pw.JOIN.LEFT_OUTER, on=(InductionCompletion.completed_by == User.id))
            .where(InductionCompletion.member == p("member")))


_COMPLETIONS = Prepared(_completions_query)


def induction_progress(member: Member) -> dict:
    steps = checklist()
    done = {c.step_id: c for c in _COMPLETIONS.iterate(member=_member_id(member))}
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
    note = (note or "").strip()
    if len(note) > 255:
        raise MemberError(_l("Use at most %(max)d characters.", max=255), "note")
    with db.atomic():
        exists = InductionCompletion.select().where(
            (InductionCompletion.member == member) & (InductionCompletion.step == step)).exists()
        if exists:
            raise MemberError(_l("This step is already done."))
        InductionCompletion.create(member=member, step=step, note=note,
                                   completed_by=actor.id if actor else None)
        audit.record("induction.step", "member", member.id, f"step {step.id} done", actor=actor)
        if member.status == "referred":
            _set_status(member, "inducting", actor)


def confirm_induction(member: Member, actor=None) -> None:
    """All required steps done: the coordinator confirms, the member is active."""
    if member.status != "inducting":
        raise MemberError(_l("Only a member in induction can be confirmed."))
    if not induction_progress(member)["ready"]:
        raise MemberError(_l("Some required steps are not done yet."))
    _set_status(member, "active", actor)
    audit.record("induction.confirmed", "member", member.id, actor=actor)


def oldest_waiting():
    return (Member.select(Member.id, Member.code, Member.status_changed_at)
            .where(Member.status == "inducting")
            .order_by(Member.status_changed_at).first())


def save_step(step: InductionStep | None, title_en: str, title_sw: str, required: bool,
              actor=None) -> InductionStep:
    title_en, title_sw = (title_en or "").strip(), (title_sw or "").strip()
    if not title_en:
        raise MemberError(_l("This field is required."), "title_en")
    if not title_sw:
        raise MemberError(_l("This field is required."), "title_sw")
    with db.atomic():
        if step is None:
            last = InductionStep.select(fn.MAX(InductionStep.position)).scalar() or 0
            step = InductionStep.create(title_en=title_en[:160], title_sw=title_sw[:160],
                                        required=required, position=last + 1)
            audit.record("induction.step_added", "induction_step", step.id, actor=actor)
        else:
            step.title_en, step.title_sw, step.required = title_en[:160], title_sw[:160], required
            step.save()
            audit.record("induction.step_changed", "induction_step", step.id, actor=actor)
    return step


def set_step_active(step: InductionStep, active: bool, actor=None) -> None:
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

def source_label(source: ReferralSource) -> str:
    from app.members.labels import REFERRAL_LABELS, label
    if source.key and source.key in REFERRAL_LABELS:
        return label(REFERRAL_LABELS, source.key)
    return source.name


_SOURCE_BY_ID = Prepared(lambda p: ReferralSource.select()
                        .where(ReferralSource.id == p("id")).limit(1))


def referral_source_label(source_id: int | None) -> str:
    """The label of a member's referral source ("" if none)."""
    source = _SOURCE_BY_ID.first(id=source_id) if source_id else None
    return source_label(source) if source else ""


def referral_sources(include_retired: bool = False):
    query = ReferralSource.select().order_by(ReferralSource.position, ReferralSource.id)
    if not include_retired:
        query = query.where(ReferralSource.active == True)  # noqa: E712
    return list(query)


def add_source(name: str, actor=None) -> ReferralSource:
    name = (name or "").strip()
    if not name:
        raise MemberError(_l("This field is required."), "name")
    if len(name) > 80:
        raise MemberError(_l("Use at most %(max)d characters.", max=80), "name")
    last = ReferralSource.select(fn.MAX(ReferralSource.position)).scalar() or 0
    source = ReferralSource.create(name=name, position=last + 1)
    audit.record("referral_source.added", "referral_source", source.id, actor=actor)
    return source


def set_source_active(source: ReferralSource, active: bool, actor=None) -> None:
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
    meeting = InductionMeeting.create(member=member, starts_at=starts_at_utc,
                                      with_buddy=with_buddy,
                                      created_by=actor.id if actor else None)
    audit.record("induction.meeting", "member", member.id, f"meeting {meeting.id} planned",
                 actor=actor)
    return meeting


def cancel_meeting(meeting: InductionMeeting, actor=None) -> None:
    meeting.cancelled_at = utcnow()
    meeting.save(only=[InductionMeeting.cancelled_at])
    audit.record("induction.meeting_cancelled", "member", meeting.member_id,
                 f"meeting {meeting.id}", actor=actor)


_PLANNED_MEETINGS = Prepared(lambda p: InductionMeeting.select().where(
    (InductionMeeting.member == p("member")) & InductionMeeting.cancelled_at.is_null()
    & (InductionMeeting.starts_at >= p("start"))).order_by(InductionMeeting.starts_at))


def planned_meetings(member: Member) -> list[InductionMeeting]:
    """The member's meetings from now on (as `upcoming_meetings(member)`)."""
    return list(_PLANNED_MEETINGS.iterate(member=_member_id(member), start=str(utcnow())))


def upcoming_meetings(member: Member, start=None, end=None):
    start = start or utcnow()
    query = (InductionMeeting.select()
             .where((InductionMeeting.member == member) & InductionMeeting.cancelled_at.is_null()
                    & (InductionMeeting.starts_at >= start))
             .order_by(InductionMeeting.starts_at))
    if end is not None:
        query = query.where(InductionMeeting.starts_at < end)
    return query


def assign_buddy(member: Member, buddy_code: str, actor=None) -> Member | None:
    """Give `member` an active member as peer buddy ("" removes the buddy)."""
    code = (buddy_code or "").strip().upper()
    if member.anonymised_at or member.status == "exited":
        raise MemberError(_l("This member has left; no buddy can be assigned."))
    old = member.buddy.code if member.buddy_id else ""
    if not code:
        buddy = None
    else:
        require_processing_consent(member)
        buddy = member_by_code(code, include_anonymised=True)
        if buddy is None:
            raise MemberError(_l("No member has this code."), "buddy_code")
        if buddy.id == member.id:
            raise MemberError(_l("A member cannot be their own buddy."), "buddy_code")
        if buddy.status != "active" or buddy.anonymised_at:
            raise MemberError(_l("A buddy must be an active member."), "buddy_code")
    with db.atomic():
        member.buddy = buddy
        member.save(only=[Member.buddy])
        _log_change(member, "buddy", old, buddy.code if buddy else "", actor)
        audit.record("member.buddy", "member", member.id,
                     f"buddy {buddy.code}" if buddy else "buddy removed", actor=actor)
    return buddy


_BUDDIES_OF = Prepared(lambda p: Member.select(Member.id, Member.code, Member.preferred_name)
                      .where((Member.buddy == p("member")) & (Member.status != "exited"))
                      .order_by(Member.code))


def buddies_of(member: Member) -> list[Member]:
    """Members who have `member` as their buddy."""
    return list(_BUDDIES_OF.iterate(member=_member_id(member)))


# --- accounts ---------------------------------------------------------------------------------

def create_account(member: Member, actor=None):
    """A login with the member role; the username is the pseudonymous code."""
    from app.auth import services as auth
    if member.user_id:
        raise MemberError(_l("This member already has a login."))
    if member.anonymised_at or member.status == "exited":
        raise MemberError(_l("This member has left; no login can be created."))
    require_processing_consent(member)
    with db.atomic():
        try:
            user = auth.create_user(member.code.lower(), member.preferred_name or member.code,
                                    ["member"], language=member.language,
                                    is_demo=member.is_demo, actor=actor)
        except auth.AuthError as error:
            raise MemberError(error.message) from None
        member.user = user
        member.save(only=[Member.user])
        audit.record("member.account_created", "member", member.id, f"user {user.id}",
                     actor=actor)
    return user


# --- finding members ---------------------------------------------------------------------------

def search(user, q: str = "", status: str = "", need: str = ""):
    """The members list query for this user (newest first). Identity
    fields are searched only with members.identity."""
    query = visible_members(user).select(
        Member.id, Member.code, Member.preferred_name, Member.status, Member.joined_on,
        Member.needs_mask, Member.anonymised_at)
    if status in STATUSES:
        query = query.where(Member.status == status)
    if need in NEEDS:
        query = query.where(Member.needs_mask.bin_and(1 << NEEDS.index(need)) != 0)
    q = " ".join((q or "").split())[:80]
    identity_search = False
    if q:
        condition = Member.code.contains(q) | Member.preferred_name.contains(q)
        if user_can(user, "members.identity"):
            identity_search = True
            condition |= Member.legal_name.contains(q)
            digits = "".join(c for c in q if c.isdigit())
            if len(digits) >= 4:
                condition |= Member.phone.contains(digits[-9:]) | Member.phone.contains(q)
        query = query.where(condition)
    return query.order_by(Member.id.desc()), identity_search


_LIST_COLUMNS = (Member.id, Member.code, Member.preferred_name, Member.status, Member.joined_on,
                 Member.needs_mask, Member.anonymised_at)


def _all_members_filtered(p, by_status: bool, by_need: bool, columns=_LIST_COLUMNS):
    query = Member.select(*columns)
    if by_status:
        query = query.where(Member.status == p("status"))
    if by_need:
        query = query.where(Member.needs_mask.bin_and(p("need_bit")) != 0)
    return query


def _list_rows(p, by_status: bool, by_need: bool):
    return (_all_members_filtered(p, by_status, by_need).order_by(Member.id.desc())
            .limit(p("limit")).offset(p("offset")))


def _list_count(p, by_status: bool, by_need: bool):
    capped = (_all_members_filtered(p, by_status, by_need, (Member.id,))
              .limit(COUNT_CAP + 1).alias("capped"))
    return pw.Select([capped], [fn.COUNT(capped.c.id)]).tuples()


# The members list of someone who sees every member, without a text search
# (the common case, and a key page): built once per filter shape.
_LIST_QUERIES = {
    (by_status, by_need): (
        Prepared(lambda p, s=by_status, n=by_need: _list_rows(p, s, n)),
        Prepared(lambda p, s=by_status, n=by_need: _list_count(p, s, n)))
    for by_status in (False, True) for by_need in (False, True)}


def list_page(user, q: str = "", status: str = "", need: str = "",
              page: int = 1) -> tuple[dict, bool]:
    """One page of the members list for this user, and whether it searched
    identity fields: `page_of(search(...))`, with prepared queries when the
    user sees every member and no text is searched."""
    q = " ".join((q or "").split())[:80]
    if q or not user_can(user, "members.view_all"):
        query, identity_search = search(user, q, status, need)
        return page_of(query, page), identity_search
    by_status, by_need = status in STATUSES, need in NEEDS
    values = {}
    if by_status:
        values["status"] = status
    if by_need:
        values["need_bit"] = 1 << NEEDS.index(need)
    rows_query, count_query = _LIST_QUERIES[by_status, by_need]
    page = max(1, page)
    rows = list(rows_query.iterate(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **values))
    capped = count_query.first(**values)[0]
    return _page_dict(rows, page, capped), False


def page_of(query, page: int) -> dict:
    """One page plus a capped count: counting stops at COUNT_CAP rows so the
    cost does not grow with the number of members."""
    page = max(1, page)
    rows = list(query.paginate(page, PAGE_SIZE))
    capped = query.order_by().limit(COUNT_CAP + 1).count()
    return _page_dict(rows, page, capped)


def _page_dict(rows: list, page: int, capped: int) -> dict:
    total = min(capped, COUNT_CAP)
    return {"rows": rows, "page": page, "total": total, "more": capped > COUNT_CAP,
            "has_next": page * PAGE_SIZE < capped,
            "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE}


def view_identity(member: Member, actor=None) -> dict:
    """The restricted fields, audited on every view."""
    audit.record("member.identity_viewed", "member", member.id, actor=actor)
    return {"legal_name": member.legal_name, "phone": member.phone,
            "location": member.location, "notes": member.notes,
            "contact_allowed": may(member, "contact")}


def history(member: Member):
    return (MemberChange.select().where(MemberChange.member == member)
            .order_by(MemberChange.id.desc()))


# --- dashboard ---------------------------------------------------------------------------------

def counts_by_status() -> list[tuple[str, int]]:
    rows = (Member.select(Member.status, fn.COUNT(Member.id).alias("n"))
            .group_by(Member.status))
    counts = {r.status: r.n for r in rows}
    return [(status, counts.get(status, 0)) for status in STATUSES]


def new_this_month() -> int:
    first = today().replace(day=1)
    return Member.select().where(Member.joined_on >= first).count()


def inductions_in_progress() -> dict:
    return {"count": Member.select().where(Member.status == "inducting").count(),
            "oldest": oldest_waiting()}


# --- data rights ------------------------------------------------------------------------------

def retention_due():
    """Members who left more than RETENTION_YEARS ago and are not yet anonymised."""
    years = retention_years()
    now = today()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    return (Member.select().where((Member.status == "exited") & (Member.exited_on < cutoff)
                                  & Member.anonymised_at.is_null())
            .order_by(Member.exited_on))


def anonymise(member: Member, typed_code: str, actor=None) -> None:
    """Remove identity and free text for good; keep the pseudonymous
    activity (code, status, dates, consents given, induction) for statistics."""
    if member.anonymised_at:
        raise MemberError(_l("This member is already anonymised."))
    if (typed_code or "").strip().upper() != member.code.upper():
        raise MemberError(_l("Type the member's code exactly to confirm."), "confirm")
    from app.auth import services as auth
    from app.auth.models import User
    now = utcnow()
    with db.atomic():
        was = member.status
        member.preferred_name = ""
        member.legal_name = member.phone = member.location = member.notes = ""
        member.referring_org = ""
        member.birth_year = None
        member.buddy = None
        member.anonymised_at = now
        if member.status != "exited":
            member.status, member.exit_reason = "exited", "anonymised"
            member.exited_on = today()
            member.status_changed_at = now
        member.save()
        Member.update(buddy=None).where(Member.buddy == member).execute()
        MemberChange.update(old_value="", new_value="").where(
            (MemberChange.member == member)
            & (MemberChange.field.in_(RESTRICTED_FIELDS + ("preferred_name", "referring_org",
                                                           "birth_year")))).execute()
        MemberChange.create(member=member, actor=actor.id if actor else None,
                            field="status", old_value=was, new_value="anonymised")
        ConsentEvent.update(note="").where(ConsentEvent.member == member).execute()
        InductionCompletion.update(note="").where(InductionCompletion.member == member).execute()
        for scrub in registry().anonymisers:  # other modules' free text
            scrub(member)
        if member.user_id:
            user = User.get_by_id(member.user_id)
            auth.set_active(user, False, actor=actor)
            User.update(display_name=member.code).where(User.id == user.id).execute()
        audit.record("member.anonymised", "member", member.id, f"code {member.code}",
                     actor=actor)


def export_data(member: Member) -> dict:
    """Everything held about one member (for their data-rights request),
    with what other modules add through registry().member_export_sections."""
    from app.members.labels import PURPOSE_LABELS
    steps = {s.id: s for s in checklist(include_retired=True)}
    return {
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "member": {
            "code": member.code, "preferred_name": member.preferred_name,
            "legal_name": member.legal_name, "gender": member.gender,
            "birth_year": member.birth_year, "age_band": member.age_band,
            "phone": member.phone, "language": member.language, "county": member.county,
            "location": member.location,
            "referral_source": source_label(member.referral_source)
            if member.referral_source_id else "",
            "referring_organisation": member.referring_org,
            "date_joined": member.joined_on.isoformat(), "needs": member.needs,
            "status": member.status, "exit_reason": member.exit_reason,
            "exited_on": member.exited_on.isoformat() if member.exited_on else None,
            "notes": member.notes,
            "buddy": member.buddy.code if member.buddy_id else None,
            "login": member.user.username if member.user_id else None,
            "anonymised_at": member.anonymised_at.isoformat() if member.anonymised_at else None,
        },
        "consents": [
            {"purpose": c.purpose, "purpose_label": str(PURPOSE_LABELS[c.purpose]),
             "given": c.given, "date": c.recorded_on.isoformat(), "method": c.method,
             "language": c.language, "note": c.note,
             "recorded_by": c.recorded_by.display_name if c.recorded_by_id else ""}
            for c in consent_history(member).order_by(ConsentEvent.id)],
        "induction": [
            {"step": steps[c.step_id].title(member.language) if c.step_id in steps else "",
             "completed_at": c.completed_at.isoformat(timespec="minutes") + "Z",
             "completed_by": c.completed_by.display_name if c.completed_by_id else "",
             "note": c.note}
            for c in InductionCompletion.select().where(InductionCompletion.member == member)
            .order_by(InductionCompletion.id)],
        "meetings": [
            {"starts_at": m.starts_at.isoformat(timespec="minutes") + "Z",
             "with_buddy": m.with_buddy, "cancelled": m.cancelled_at is not None}
            for m in InductionMeeting.select().where(InductionMeeting.member == member)
            .order_by(InductionMeeting.starts_at)],
        "changes": [
            {"at": h.at.isoformat(timespec="minutes") + "Z", "field": h.field,
             "old": h.old_value, "new": h.new_value,
             "by": h.actor.display_name if h.actor_id else ""}
            for h in history(member).order_by(MemberChange.id)],
        # other modules' parts (registry.ExportSection), each under its key
        **{section.key: section.collect(member) for section in registry().export_sections()},
    }


def record_export(member: Member, kind: str, actor=None) -> None:
    audit.record("member.exported", "member", member.id, kind, actor=actor)
