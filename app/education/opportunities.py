"""Scholarships and other opportunities (work plan Objective 2, Goal 3,
Activity 2): a catalogue, and members' applications moving from interest
to award with a checklist of the documents each one needs. Deadlines within
14 days reach the coordinator's dashboard."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from peewee import JOIN, Case, fn

from app import audit
from app.clock import utcnow
from app.db import Prepared, db
from app.education.support_models import (
    APPLICATION_STATUSES, DOCUMENTS, OPEN_APPLICATION, OPPORTUNITY_KINDS, Application, Opportunity,
    mask_of)
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError, today

DEADLINE_DAYS = 14
MAX_CENTS = 100_000_000_000
# Where an application may go from each status.
NEXT = {
    "interested": ("preparing", "applied", "withdrawn"),
    "preparing": ("applied", "withdrawn"),
    "applied": ("shortlisted", "awarded", "not_awarded", "withdrawn"),
    "shortlisted": ("awarded", "not_awarded", "withdrawn"),
    "awarded": (),
    "not_awarded": (),
    "withdrawn": ("interested",),
}


@dataclass
class OpportunityInput:
    title: str
    provider: str
    kind: str
    amount_cents: int | None
    deadline: dt.date | None
    eligibility: str = ""
    how_to_apply: str = ""
    documents: tuple = ()
    active: bool = True


def _clean(data: OpportunityInput) -> dict:
    title, provider = (data.title or "").strip(), (data.provider or "").strip()
    if not title:
        raise RuleError(_l("Give it a title."), "title")
    if not provider:
        raise RuleError(_l("Say who offers it."), "provider")
    if data.kind not in OPPORTUNITY_KINDS:
        raise RuleError(_l("Choose from the list."), "kind")
    if data.amount_cents is not None and not 0 <= data.amount_cents <= MAX_CENTS:
        raise RuleError(_l("An amount between 0 and 1,000,000,000."), "amount")
    if data.deadline is not None and not 2000 <= data.deadline.year <= 2100:
        raise RuleError(_l("Give a date between %(first)d and %(last)d.", first=2000, last=2100),
                        "deadline")
    if any(d not in DOCUMENTS for d in data.documents):
        raise RuleError(_l("Choose from the list."), "documents")
    return dict(title=title[:160], provider=provider[:120], kind=data.kind,
                amount_cents=data.amount_cents, deadline=data.deadline,
                eligibility=(data.eligibility or "").strip(),
                how_to_apply=(data.how_to_apply or "").strip(),
                documents_mask=mask_of(data.documents, DOCUMENTS), active=data.active)


def save_opportunity(opportunity: Opportunity | None, data: OpportunityInput,
                     actor=None) -> Opportunity:
    values = _clean(data)
    with db.atomic():
        if opportunity is None:
            opportunity = Opportunity.create(created_by=actor, **values)
        else:
            for name, value in values.items():
                setattr(opportunity, name, value)
            opportunity.save()
        audit.record("education.opportunity_saved", "education_opportunity", opportunity.id,
                     actor=actor)
    return opportunity


def catalogue(kind: str = "", include_closed: bool = False):
    """Open opportunities, nearest deadline first (no deadline last)."""
    query = (Opportunity.select().where(Opportunity.active == True)  # noqa: E712
             .order_by(Opportunity.deadline.is_null(), Opportunity.deadline, Opportunity.title))
    if kind in OPPORTUNITY_KINDS:
        query = query.where(Opportunity.kind == kind)
    if not include_closed:
        query = query.where(Opportunity.deadline.is_null() | (Opportunity.deadline >= today()))
    return query


def application_counts(opportunity_ids) -> dict[int, int]:
    ids = list(opportunity_ids)
    rows = (Application.select(Application.opportunity, fn.COUNT(Application.id))
            .where(Application.opportunity.in_(ids) & (Application.status != "withdrawn"))
            .group_by(Application.opportunity).tuples()) if ids else []
    return dict(rows)


def start_application(opportunity: Opportunity, member: Member, actor=None) -> Application:
    if member.anonymised_at or member.status == "exited":
        raise RuleError(_l("This member has left the centre."), "member_code")
    with db.atomic():
        existing = Application.get_or_none((Application.opportunity == opportunity)
                                           & (Application.member == member))
        if existing and existing.status != "withdrawn":
            raise RuleError(_l("This member already has an application for it."), "member_code")
        if existing:
            existing.status, existing.updated_at, existing.updated_by = "interested", utcnow(), actor
            existing.save()
            application = existing
        else:
            application = Application.create(opportunity=opportunity, member=member,
                                             updated_by=actor)
        audit.record("education.application_started", "education_opportunity", opportunity.id,
                     actor=actor)
    return application


def update_application(application: Application, status: str, documents, awarded_cents,
                       note: str, actor=None) -> Application:
    if status not in APPLICATION_STATUSES:
        raise RuleError(_l("Choose from the list."), "status")
    if status != application.status and status not in NEXT[application.status]:
        raise RuleError(_l("An application cannot go from this status to that one."), "status")
    if any(d not in DOCUMENTS for d in documents or ()):
        raise RuleError(_l("Choose from the list."), "documents")
    if status == "awarded":
        if awarded_cents is None:
            raise RuleError(_l("Give the amount awarded (0 when it is not money)."), "awarded")
        if not 0 <= awarded_cents <= MAX_CENTS:
            raise RuleError(_l("An amount between 0 and 1,000,000,000."), "awarded")
    else:
        awarded_cents = None
    with db.atomic():
        changed = status != application.status
        application.status, application.awarded_cents = status, awarded_cents
        application.documents_mask = mask_of(documents, DOCUMENTS)
        application.note = (note or "").strip()[:4000]
        application.updated_at, application.updated_by = utcnow(), actor
        application.save()
        audit.record("education.application_" + ("status" if changed else "updated"),
                     "education_application", application.id, status if changed else "",
                     actor=actor)
    return application


def application_by_id(application_id: int) -> Application | None:
    return (Application.select(Application, Opportunity).join(Opportunity)
            .where(Application.id == application_id).first())


def applications_of(opportunity: Opportunity):
    return (Application.select(Application, Member).join(Member)
            .where(Application.opportunity == opportunity)
            .order_by(Application.status == "withdrawn", Application.updated_at.desc()))


def applications_of_member(member: Member):
    return (Application.select(Application, Opportunity).join(Opportunity)
            .where(Application.member == member).order_by(Application.updated_at.desc()))


class Deadline(NamedTuple):
    id: int
    title: str
    deadline: dt.date
    preparing: int


# The dashboard's panel (a key page): built once (app.db.Prepared; README,
# performance).
_deadlines = Prepared(lambda param: (
    Opportunity.select(Opportunity.id, Opportunity.title, Opportunity.deadline,
                       fn.COALESCE(fn.SUM(Case(None, [(Application.status.in_(
                           ("interested", "preparing")), 1)], 0)), 0).alias("preparing"))
    .join(Application, on=(Application.opportunity == Opportunity.id), join_type=JOIN.LEFT_OUTER)
    .where((Opportunity.active == True)  # noqa: E712
           & (Opportunity.deadline >= param("first", Opportunity.deadline))
           & (Opportunity.deadline <= param("last", Opportunity.deadline)))
    .group_by(Opportunity.id).order_by(Opportunity.deadline).limit(param("limit"))),
    row=Deadline)


def deadlines_soon(days: int = DEADLINE_DAYS, limit: int = 10) -> list[Deadline]:
    """Open opportunities whose deadline is within `days`, with how many
    applications are still being prepared."""
    return _deadlines.all(first=today(), last=today() + dt.timedelta(days=days), limit=limit)


def open_applications_count() -> int:
    return Application.select().where(Application.status.in_(OPEN_APPLICATION)).count()


def awarded_totals() -> tuple[int, int]:
    """(applications awarded, total awarded in cents)."""
    row = (Application.select(fn.COUNT(Application.id), fn.COALESCE(fn.SUM(Application.awarded_cents), 0))
           .where(Application.status == "awarded").tuples().first())
    return row or (0, 0)
