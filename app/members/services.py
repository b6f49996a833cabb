"""The rules of the members module, tested without HTTP: the member record
(codes, checks, changes with history, status) and who sees whom.

Next to it, each with its own rules: fields.py (what of a record each
role sees: `parts_for(user)`), consent.py (`may(member, purpose)`),
induction.py (checklist, referral sources, meetings, buddy), listing.py
(the members list and search), data_rights.py (export, anonymisation,
retention). Their public functions are also importable from here
(`from app.members import services; services.record_consent(...)`).

Other modules use: `may(member, purpose)`, `members_who_may(purpose)`,
`contact_phone(member)`, `member_for_user(user)`, `visible_members(user)`,
`visible_member(user, member_id)`, `member_by_code(code, viewer, include_anonymised)`.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw
from flask import current_app
from peewee import fn

from app import audit
from app.access import user_can
from app.auth.models import User
from app.clock import CALENDAR_FIRST, utcnow
from app.db import Prepared, db, whole_row
from app.i18n import lazy_gettext as _l
from app.members.labels import source_label
from app.members.models import (
    AGE_BANDS, COUNTIES, EXIT_REASONS, GENDERS, LANGUAGES, LIMITS, NEEDS, STATUSES, Member,
    MemberChange, ReferralSource, needs_from_mask, needs_mask)
from app.registry import registry
from app.rules import RuleError, clean_text, today


class MemberError(RuleError):
    """A rule of this module refused the action."""


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



# Every member route reads the member by id (the member page is a key page):
# built once (app.db.Prepared; README, performance).
_member_by_id = Prepared(lambda param: Member.select().where(Member.id == param("id")))


def visible_member(user, member_id: int) -> Member | None:
    """The member with this id (the whole row) if `user` may see them
    (visible_members), else None: one query for the row and, for a user
    without members.view_all, one asking whether it is in their scope."""
    row = _member_by_id.first(id=member_id)
    if row is None:
        return None
    if not user_can(user, "members.view_all") and not (
            visible_members(user).where(Member.id == member_id).exists()):
        return None
    return whole_row(Member, row)

class Account(NamedTuple):
    """A member's login as their page shows it."""
    id: int
    username: str
    active: bool


# On the member page (a key page): built once (app.db.Prepared).
_account = Prepared(lambda param: User.select(User.id, User.username, User.active)
                    .where(User.id == param("user")), row=Account)


def account_summary(user_id: int) -> Account | None:
    """A member's login as their page shows it (username, active)."""
    return _account.first(user=user_id)


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


# Codes typed by staff about a member they may not see (a concern, a
# booking): at most this many in CODE_LOOKUP_WINDOW, so codes cannot be
# tried one by one. Each is audited (member.code_lookup).
CODE_LOOKUP_LIMIT = 10
CODE_LOOKUP_WINDOW = dt.timedelta(hours=1)


class TooManyLookups(RuleError):
    status = 429


def member_for_typed_code(code: str, viewer, field: str = "member_code",
                          include_anonymised: bool = False) -> tuple[Member | None, bool]:
    """A member code `viewer` typed into a form about someone: (member or
    None, whether viewer may see that member). A code outside the viewer's
    members (or no member's) is counted and audited, and after
    CODE_LOOKUP_LIMIT of them within CODE_LOOKUP_WINDOW the look-up is
    refused (TooManyLookups on `field`). Callers show a member the viewer
    may not see by code only, never by name."""
    code = (code or "").strip().upper()
    if not code:
        return None, False
    visible = member_by_code(code, viewer, include_anonymised)
    if visible is not None:
        return visible, True
    since = utcnow() - CODE_LOOKUP_WINDOW
    recent = (audit.AuditEvent.select()
              .where((audit.AuditEvent.actor == viewer.id)
                     & (audit.AuditEvent.action == "member.code_lookup")
                     & (audit.AuditEvent.at > since)).count())
    if recent >= CODE_LOOKUP_LIMIT:
        raise TooManyLookups(_l("Too many member codes typed. Wait an hour, or ask a "
                                "coordinator."), field)
    member = member_by_code(code, None, include_anonymised)
    with db.atomic():
        audit.record("member.code_lookup", "member", member.id if member else "",
                     "code outside the user's members" if member else "no member with the code",
                     actor=viewer)
    return member, False


# Every page of a member reads their record: built once (app.db.Prepared),
# ~0.1 ms instead of the ~1 ms peewee took to build it each time.
_member_of_user = Prepared(lambda param: Member.select().where(Member.user == param("user_id")))


def member_for_user(user) -> Member | None:
    """The signed-in person's own member record (the whole row), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = _member_of_user.first(user_id=user.id)
    return whole_row(Member, row) if row else None


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

    def text(name, required=False):
        if name not in data:
            if required and not partial:
                raise MemberError(_l("This field is required."), name)
            return
        out[name] = clean_text(data.get(name), name, LIMITS[name], required=required,
                               error=MemberError)

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

    text("preferred_name", required=True)
    for name in ("legal_name", "location", "referring_org", "notes"):
        text(name)
    if "phone" in data:
        phone = " ".join((data.get("phone") or "").split())
        digits = [c for c in phone if c.isdigit()]
        if phone and (len(digits) < 9 or len(digits) > 15
                      or any(not (c.isdigit() or c in "+ -") for c in phone)):
            raise MemberError(_l("Write a phone number like 0712 345678 or +254 712 345678."),
                              "phone")
        out["phone"] = phone
    choice("gender", GENDERS)
    if out.get("gender") == "":        # not given: not disclosed (never a guess)
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
        if joined < CALENDAR_FIRST:
            raise MemberError(_l("Enter a date between %(first)s and %(last)s.",
                                 first=CALENDAR_FIRST.isoformat(),
                                 last=today().isoformat()), "joined_on")
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


def log_change(member, field, old, new, actor) -> None:
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
        consent.require_processing_consent(member)
    set_status(member, new_status, actor, exit_reason if new_status == "exited" else "")


def set_status(member: Member, new_status: str, actor, exit_reason: str = "") -> None:
    old = member.status
    with db.atomic():
        member.status = new_status
        member.status_changed_at = utcnow()
        member.exit_reason = exit_reason
        member.exited_on = today() if new_status == "exited" else None
        member.save(only=[Member.status, Member.status_changed_at, Member.exit_reason,
                          Member.exited_on])
        log_change(member, "status", old, new_status, actor)
        summary = f"{old} -> {new_status}" + (f" ({exit_reason})" if exit_reason else "")
        audit.record("member.status", "member", member.id, summary, actor=actor)



# --- accounts ---------------------------------------------------------------------------------

def create_account(member: Member, actor=None):
    """A login with the member role; the username is the pseudonymous code."""
    from app.auth import services as auth
    if member.user_id:
        raise MemberError(_l("This member already has a login."))
    if member.anonymised_at or member.status == "exited":
        raise MemberError(_l("This member has left; no login can be created."))
    consent.require_processing_consent(member)
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



def view_identity(member: Member, actor=None) -> dict:
    """The restricted fields, audited on every view."""
    audit.record("member.identity_viewed", "member", member.id, actor=actor)
    return {"legal_name": member.legal_name, "phone": member.phone,
            "location": member.location, "notes": member.notes,
            "contact_allowed": consent.may(member, "contact")}


def history(member: Member, viewer=None):
    """The member's change history as `viewer` may see it: only changes to
    fields of the record parts their roles see (fields.parts_for), the same
    as on the member page. Without a viewer, all of it: the member's own
    data export (data rights), never a page."""
    query = MemberChange.select().where(MemberChange.member == member)
    if viewer is not None:
        query = query.where(MemberChange.field.in_(history_fields_for(viewer)))
    return query.order_by(MemberChange.id.desc())


# Consent is part of the record's rules (a status change needs it); the other
# parts import from this module, so they come last.
from app.members import consent  # noqa: E402
from app.members.consent import (  # noqa: E402,F401  (public imports)
    answer as consent_answer, consent_history, contact_phone, latest_consents, may,
    members_who_may, record_answers, record_consent, require_processing_consent)
from app.members.induction import (  # noqa: E402,F401
    DEFAULT_SOURCES, DEFAULT_STEPS, add_source, assign_buddy, buddy_and_buddies_of,
    cancel_meeting,
    remove_buddy,
    checklist, complete_step, confirm_induction, ensure_defaults, induction_progress,
    meetings_of, move_step, oldest_waiting, planned_meetings, referral_source_label,
    referral_sources, save_step, schedule_meeting, set_source_active, set_step_active,
    upcoming_meetings)
from app.members.fields import (  # noqa: E402,F401
    PARTS, ROLE_PARTS, history_fields_for, part_of_field, parts_for, record_parts_table)
from app.members.listing import (  # noqa: E402,F401
    COUNT_CAP, PAGE_SIZE, SEARCH_COUNT_CAP, counts_by_status, inducting_count, list_page,
    new_this_month, page_of, search)
from app.members.data_rights import (  # noqa: E402,F401
    anonymise, export_data, record_export, retention_due)
