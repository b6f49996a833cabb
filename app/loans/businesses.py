"""Survivor-led businesses: a profile per business, self-reported monthly
figures with a small chart, and the directory of running businesses whose
owner agreed to be promoted (the media, story or "promote my business"
consent)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import fn

from app import audit
from app.clock import utcnow
from app.db import db
from app.i18n import lazy_gettext as _l
from app.loans.models import BUSINESS_STATUSES, SECTORS, Business, BusinessFigure, Loan
from app.members.models import ConsentEvent, Member
from app.members.services import visible_members
from app.money import MAX_CENTS
from app.rules import RuleError, today

NAME_MAX, DESCRIPTION_MAX, CONTACT_MAX = 120, 500, 80
PROMOTION_PURPOSES = ("promote", "media", "story")
DIRECTORY_PAGE = 50
FIRST_YEAR = 1960


class BusinessError(RuleError):
    """A rule about businesses refused the action."""


@dataclass
class BusinessInput:
    name: str
    sector: str = "other"
    status: str = "idea"
    started_on: dt.date | None = None
    employees: int = 0
    description: str = ""
    public_contact: str = ""


def _text(value: str, limit: int, field: str, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise BusinessError(_l("This field is required."), field)
    if len(text) > limit:
        raise BusinessError(_l("Use at most %(max)d characters.", max=limit), field)
    return text


def check(data: BusinessInput) -> dict:
    if data.sector not in SECTORS:
        raise BusinessError(_l("Choose from the list."), "sector")
    if data.status not in BUSINESS_STATUSES:
        raise BusinessError(_l("Choose from the list."), "status")
    if data.started_on and not dt.date(FIRST_YEAR, 1, 1) <= data.started_on <= today():
        raise BusinessError(_l("The date cannot be in the future."), "started_on")
    if not 0 <= (data.employees or 0) <= 10_000:
        raise BusinessError(_l("Between 0 and 10,000 people."), "employees")
    return {"name": _text(data.name, NAME_MAX, "name", required=True), "sector": data.sector,
            "status": data.status, "started_on": data.started_on,
            "employees": data.employees or 0,
            "description": _text(data.description, DESCRIPTION_MAX, "description"),
            "public_contact": _text(data.public_contact, CONTACT_MAX, "public_contact")}


def create(member: Member, data: BusinessInput, actor) -> Business:
    if member.anonymised_at or member.status == "exited":
        raise BusinessError(_l("This member has left; no business can be added."))
    values = check(data)
    with db.atomic():
        business = Business.create(member=member.id, created_by=actor.id if actor else None,
                                   **values)
        audit.record("business.created", "business", business.id, f"member {member.code}",
                     actor=actor)
    return business


def update(business: Business, data: BusinessInput, actor) -> Business:
    values = check(data)
    with db.atomic():
        for key, value in values.items():
            setattr(business, key, value)
        business.updated_at = utcnow()
        business.save()
        audit.record("business.updated", "business", business.id, actor=actor)
    return business


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def record_figures(business: Business, month: dt.date, revenue_cents: int | None,
                   profit_cents: int | None, employees: int | None, actor) -> BusinessFigure:
    """Self-reported figures of one month (recording a month again replaces it)."""
    month = first_of_month(month)
    if not dt.date(FIRST_YEAR, 1, 1) <= month <= first_of_month(today()):
        raise BusinessError(_l("Choose this month or an earlier one."), "month")
    if revenue_cents is None and profit_cents is None and employees is None:
        raise BusinessError(_l("Give at least one figure."), "revenue")
    if revenue_cents is not None and not 0 <= revenue_cents <= MAX_CENTS:
        raise BusinessError(_l("This amount is too large."), "revenue")
    if profit_cents is not None and abs(profit_cents) > MAX_CENTS:
        raise BusinessError(_l("This amount is too large."), "profit")
    if employees is not None and not 0 <= employees <= 10_000:
        raise BusinessError(_l("Between 0 and 10,000 people."), "employees")
    values = {"revenue_cents": revenue_cents, "profit_cents": profit_cents,
              "employees": employees, "recorded_at": utcnow(),
              "recorded_by": actor.id if actor else None}
    with db.atomic():
        BusinessFigure.insert(business=business.id, month=month, **values).on_conflict(
            conflict_target=[BusinessFigure.business, BusinessFigure.month],
            update=values).execute()
        if employees is not None and month == latest_month(business):
            Business.update(employees=employees).where(Business.id == business.id).execute()
        audit.record("business.figures", "business", business.id, month.isoformat(), actor=actor)
    return BusinessFigure.get((BusinessFigure.business == business.id)
                              & (BusinessFigure.month == month))


def latest_month(business: Business) -> dt.date | None:
    return (BusinessFigure.select(fn.MAX(BusinessFigure.month))
            .where(BusinessFigure.business == business.id).scalar())


def figures(business: Business, months: int = 24) -> list[BusinessFigure]:
    since = first_of_month(today()) - dt.timedelta(days=31 * months)
    return list(BusinessFigure.select().where((BusinessFigure.business == business.id)
                                              & (BusinessFigure.month >= since))
                .order_by(BusinessFigure.month))


# --- who sees which business -------------------------------------------------------------

def visible_businesses(user):
    """Businesses of the members this user may see."""
    return Business.select(Business, Member).join(Member, on=(Business.member == Member.id)) \
        .where(Business.member.in_(visible_members(user).select(Member.id)))


def of_member(member: Member) -> list[Business]:
    return list(Business.select().where(Business.member == member.id).order_by(Business.id))


def loans_of(business: Business) -> list[Loan]:
    return list(Loan.select().where(Loan.business == business.id).order_by(Loan.id.desc()))


def list_page(user, status: str = "", page: int = 1, size: int = 25) -> dict:
    query = visible_businesses(user).order_by(Business.id.desc())
    if status in BUSINESS_STATUSES:
        query = query.where(Business.status == status)
    rows = list(query.paginate(max(1, page), size + 1))
    return {"rows": rows[:size], "page": max(1, page), "has_next": len(rows) > size}


# --- the directory --------------------------------------------------------------------------

def promotable_members():
    """Ids of members whose latest answer for a promotion purpose is yes."""
    latest = (ConsentEvent.select(fn.MAX(ConsentEvent.id))
              .where(ConsentEvent.purpose.in_(PROMOTION_PURPOSES))
              .group_by(ConsentEvent.member, ConsentEvent.purpose))
    return (ConsentEvent.select(ConsentEvent.member)
            .where(ConsentEvent.id.in_(latest) & (ConsentEvent.given == True)))  # noqa: E712


def directory(sector: str = "", page: int = 1) -> dict:
    """Running businesses whose owner agreed to be promoted (no member code,
    no personal detail: what the owner chose to show)."""
    query = (Business.select(Business.id, Business.name, Business.sector, Business.started_on,
                             Business.description, Business.public_contact)
             .join(Member, on=(Business.member == Member.id))
             .where((Business.status == "running") & Member.anonymised_at.is_null()
                    & (Member.status != "exited") & Business.member.in_(promotable_members()))
             .order_by(Business.name))
    if sector in SECTORS:
        query = query.where(Business.sector == sector)
    rows = list(query.paginate(max(1, page), DIRECTORY_PAGE + 1))
    return {"rows": rows[:DIRECTORY_PAGE], "page": max(1, page),
            "has_next": len(rows) > DIRECTORY_PAGE}


def businesses_of(member: Member):
    """The member's own businesses, as a query."""
    return Business.select().where(Business.member == member.id)
