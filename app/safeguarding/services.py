"""Safeguarding rules, tested without HTTP.

Other modules raise concerns with `raise_concern(...)` (e.g. from a
counselling note) or send people to the pre-filled form:
`url_for("safeguarding.new", member=ID, source="counselling_note", ref=ID,
category=..., urgency=...)`.
Reports use `counts_by_category(since, until)`: counts only, "<5" below 5.
Every read of a concern is audited; audit summaries carry no personal data.
"""
from __future__ import annotations

import datetime as dt

from app.i18n import lazy_gettext as _l
from peewee import JOIN, fn

from app.clock import local_midnight
from app.rules import RuleError, clean_text, today
from app import audit
from app.access import scoped, user_can
from app.auth.models import User
from app.db import db, utcnow
from app.members.models import Member
from app.safeguarding.models import (
    CATEGORIES, LIMITS, SOURCES, STATUSES, URGENCIES, Concern, ConcernAction)

PAGE_SIZE = 25
SUPPRESS_BELOW = 5
TRANSITIONS = {"open": ("in_progress", "closed"), "in_progress": ("closed",), "closed": ()}


class SafeguardingError(RuleError):
    """A rule of this module refused the action."""


# --- raising ------------------------------------------------------------------------------

def raise_concern_about(member: Member | None, member_code: str, raised_by, category: str,
                        urgency: str, what_happened: str, action_taken: str = "",
                        source: str = "other", source_ref: str | int = "") -> Concern:
    """The concern form: about `member` (from the page it was raised on),
    else the member whose code was typed (anonymised members are gone).
    A typed code goes through members' member_for_typed_code: a code
    outside the raiser's members is audited and throttled, and the concern
    then shows the raiser the code only (members_named_for)."""
    if member is None and (member_code or "").strip():
        from app.members.services import member_for_typed_code
        member = member_for_typed_code(member_code, raised_by)[0]
        if member is None:
            raise SafeguardingError(_l("No member with this code."), "member_code")
    return raise_concern(member, raised_by, category, urgency, what_happened, action_taken,
                         source, source_ref)


def raise_concern(member: Member, raised_by, category: str, urgency: str, what_happened: str,
                  action_taken: str = "", source: str = "other",
                  source_ref: str | int = "") -> Concern:
    """Record a concern; it reaches every safeguarding lead at once (the
    urgent badge polls for it)."""
    if member is None:
        raise SafeguardingError(_l("Enter the member's code, like AZ-0042."), "member_code")
    if category not in CATEGORIES:
        raise SafeguardingError(_l("Choose from the list."), "category")
    if urgency not in URGENCIES:
        raise SafeguardingError(_l("Choose from the list."), "urgency")
    what_happened = clean_text(what_happened, "what_happened", LIMITS["what_happened"],
                               required=True, error=SafeguardingError)
    action_taken = clean_text(action_taken, "action_taken", LIMITS["action_taken"],
                              error=SafeguardingError)
    source = source if source in SOURCES else "other"
    with db.atomic():
        concern = Concern.create(member=member.id, raised_by=raised_by.id if raised_by else None,
                                 category=category, urgency=urgency, what_happened=what_happened,
                                 action_taken=action_taken, source=source,
                                 source_ref=str(source_ref or "")[:LIMITS["source_ref"]])
        ConcernAction.create(concern=concern.id, actor=raised_by.id if raised_by else None,
                             kind="raised")
        audit.record("concern.raised", "concern", concern.id,
                     f"urgency {urgency}; from {source}", actor=raised_by)
    return concern


# --- who sees what ------------------------------------------------------------------------------

def members_to_name(user):
    """The members a concern `user` raises may be about: those the user may
    see, not anonymised."""
    from app.members.services import visible_members
    return visible_members(user).where(Member.anonymised_at.is_null())


def visible_concerns(user):
    """Safeguarding leads see every concern; whoever raised one sees their own."""
    return scoped(Concern.select(Concern, Member).join(Member, on=(Concern.member == Member.id)),
                  user, "safeguarding.manage", "safeguarding.raise", Concern.raised_by)


def record_read(concern: Concern, user) -> None:
    """Every read of a concern is audited (the page loads it with
    get_or_404(visible_concerns(user), ...))."""
    audit.record("concern.viewed", "concern", concern.id, actor=user)


def list_concerns(user, status: str = "", page: int = 1, mine: bool = False) -> dict:
    query = visible_concerns(user)
    if mine:
        query = query.where(Concern.raised_by == user.id)
    if status in STATUSES:
        query = query.where(Concern.status == status)
    elif status == "active":
        query = query.where(Concern.status != "closed")
    query = query.order_by(Concern.status == "closed", Concern.urgency == "routine",
                           Concern.urgency == "soon", Concern.raised_at.desc())
    page = max(1, page)
    rows = list(query.paginate(page, PAGE_SIZE + 1))
    audit.record("concern.listed", "concern", None,
                 f"{min(len(rows), PAGE_SIZE)} shown, page {page}", actor=user)
    concerns = rows[:PAGE_SIZE]
    return {"concerns": concerns, "page": page, "has_next": len(rows) > PAGE_SIZE,
            "named": members_named_for(user, concerns)}


def members_named_for(user, concerns) -> set[int]:
    """Ids of the concerns' members `user` may see (visible_members): those
    are shown by code and preferred name, the others by code only. Anyone
    may raise a concern about any member code; raising one must not tell
    them whose code it is."""
    from app.members.services import visible_members
    ids = {c.member_id for c in concerns}
    if not ids:
        return set()
    return {m.id for m in visible_members(user).select(Member.id).where(Member.id.in_(ids))}


def actions_of(concern: Concern):
    return (ConcernAction.select(ConcernAction, User)
            .join(User, JOIN.LEFT_OUTER, on=(ConcernAction.actor == User.id))
            .where(ConcernAction.concern == concern.id).order_by(ConcernAction.id))


def review_passed(concern: Concern, on: dt.date | None = None) -> bool:
    return bool(concern.status != "closed" and concern.review_on
                and concern.review_on < (on or today()))


# --- handling (safeguarding leads) -------------------------------------------------------------

def _log(concern: Concern, actor, kind: str, text: str = "") -> None:
    ConcernAction.create(concern=concern.id, actor=actor.id if actor else None, kind=kind,
                         text=text)


def acknowledge(concern: Concern, actor) -> Concern:
    """A lead takes the concern: the urgent badge clears for everyone."""
    if concern.acknowledged_at:
        return concern
    with db.atomic():
        concern.acknowledged_at, concern.acknowledged_by = utcnow(), actor.id
        fields = [Concern.acknowledged_at, Concern.acknowledged_by]
        if concern.status == "open":
            concern.status = "in_progress"
            fields.append(Concern.status)
        concern.save(only=fields)
        _log(concern, actor, "acknowledged")
        audit.record("concern.acknowledged", "concern", concern.id, actor=actor)
    return concern


def add_note(concern: Concern, actor, text: str) -> None:
    text = clean_text(text, "text", LIMITS["note"], required=True, error=SafeguardingError)
    with db.atomic():
        _log(concern, actor, "note", text)
        audit.record("concern.note", "concern", concern.id, actor=actor)


def set_status(concern: Concern, actor, status: str, outcome: str = "") -> Concern:
    """open -> in progress -> closed; closing needs an outcome."""
    outcome = clean_text(outcome, "outcome", LIMITS["outcome"], error=SafeguardingError)
    if status not in TRANSITIONS.get(concern.status, ()):
        raise SafeguardingError(_l("This change of status is not possible now."), "status")
    if status == "closed" and not outcome:
        raise SafeguardingError(_l("Write the outcome before closing."), "outcome")
    with db.atomic():
        old = concern.status
        concern.status = status
        fields = [Concern.status]
        if status == "closed":
            concern.outcome, concern.closed_at = outcome, utcnow()
            fields += [Concern.outcome, Concern.closed_at]
            if not concern.acknowledged_at:
                concern.acknowledged_at, concern.acknowledged_by = utcnow(), actor.id
                fields += [Concern.acknowledged_at, Concern.acknowledged_by]
        concern.save(only=fields)
        _log(concern, actor, "closed" if status == "closed" else "status", outcome or status)
        audit.record("concern.status", "concern", concern.id, f"{old} -> {status}", actor=actor)
    return concern


def reopen(concern: Concern, actor, reason: str) -> Concern:
    """closed -> in progress, by a safeguarding lead, with a reason. The
    concern goes back to "in progress", not "open": "open" means no lead has
    taken it yet, and the lead who reopens it is taking it (it stays
    acknowledged, so the urgent badge does not call every lead again). The
    earlier outcome stays in the action log; the concern's own outcome and
    closing time are cleared until it is closed again."""
    reason = (reason or "").strip()
    if not user_can(actor, "safeguarding.manage"):
        raise SafeguardingError(_l("Only a safeguarding lead can reopen a concern."))
    if concern.status != "closed":
        raise SafeguardingError(_l("Only a closed concern can be reopened."), "reason")
    if not reason:
        raise SafeguardingError(_l("Say why the concern is reopened."), "reason")
    reason = clean_text(reason, "reason", LIMITS["reason"], error=SafeguardingError)
    with db.atomic():
        concern.status, concern.outcome, concern.closed_at = "in_progress", "", None
        concern.save(only=[Concern.status, Concern.outcome, Concern.closed_at])
        _log(concern, actor, "reopened", reason)
        audit.record("concern.reopened", "concern", concern.id, "closed -> in_progress",
                     actor=actor)
    return concern


def set_review(concern: Concern, actor, review_on: dt.date | None) -> Concern:
    if concern.status == "closed":
        raise SafeguardingError(_l("This concern is closed."), "review_on")
    if review_on is not None and review_on < today():
        raise SafeguardingError(_l("Choose today or a later date."), "review_on")
    with db.atomic():
        concern.review_on = review_on
        concern.save(only=[Concern.review_on])
        _log(concern, actor, "review", review_on.isoformat() if review_on else "")
        audit.record("concern.review", "concern", concern.id, actor=actor)
    return concern


# --- dashboard figures (cheap indexed counts) ----------------------------------------------------

def urgent_waiting_count() -> int:
    """Every lead's dashboard polls this every few seconds: one index."""
    return Concern.select().where((Concern.urgency == "urgent") & Concern.acknowledged_at.is_null()
                                  & (Concern.status != "closed")).count()


def summary() -> dict:
    counts = dict(Concern.select(Concern.status, fn.COUNT(Concern.id))
                  .where(Concern.status != "closed").group_by(Concern.status).tuples())
    review = Concern.select().where((Concern.status != "closed") & Concern.review_on.is_null(False)
                                    & (Concern.review_on < today())).count()
    return {"open": counts.get("open", 0), "in_progress": counts.get("in_progress", 0),
            "review_passed": review}


# --- reports: counts only ---------------------------------------------------------------------------

def counts_by_category(since: dt.date | None = None, until: dt.date | None = None) -> dict:
    """category -> count, or "<5" when under 5 (and above 0): the only view
    of concerns a report may show. Dates are local calendar days, inclusive."""
    query = Concern.select(Concern.category, fn.COUNT(Concern.id)).group_by(Concern.category)
    if since:
        query = query.where(Concern.raised_at >= local_midnight(since))
    if until:
        query = query.where(Concern.raised_at < local_midnight(until + dt.timedelta(days=1)))
    counts = dict(query.tuples())
    return {category: suppressed(counts.get(category, 0)) for category in CATEGORIES}


def suppressed(count: int):
    return f"<{SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else count




def scrub_member(member) -> None:
    """Anonymisation (members.anonymise): the concern records stay (category,
    urgency, dates, status: the centre's safeguarding history and counts), the
    free text about the person goes."""
    concerns = Concern.select(Concern.id).where(Concern.member == member)
    Concern.update(what_happened="", action_taken="", outcome="").where(
        Concern.member == member).execute()
    ConcernAction.update(text="").where(ConcernAction.concern.in_(concerns)).execute()
