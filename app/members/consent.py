"""Consent per purpose, with its full history: the one question every
module asks is `may(member, purpose)`; a withdrawal counts from the moment
it is recorded."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from peewee import fn

from app import audit
from app.db import Prepared, db
from app.i18n import lazy_gettext as _l
from app.members.models import (
    CONSENT_METHODS, CONSENT_PURPOSES, LANGUAGES, LIMITS, ConsentEvent, Member, member_id)
from app.members.services import MemberError
from app.rules import clean_text, today


class Consent(NamedTuple):
    """The latest answer for a purpose, as every page shows it: the answer
    (`given`) and since when (`recorded_on`)."""
    id: int
    purpose: str
    given: bool
    recorded_on: dt.date


# The consents are on the member's home and on their record: both queries
# are built once (app.db.Prepared; README, performance).
_events_of = Prepared(lambda param: (
    ConsentEvent.select(ConsentEvent.id, ConsentEvent.purpose, ConsentEvent.given,
                        ConsentEvent.recorded_on)
    .where(ConsentEvent.member == param("member")).order_by(ConsentEvent.id)), row=Consent)
_answer = Prepared(lambda param: (
    ConsentEvent.select(ConsentEvent.given)
    .where((ConsentEvent.member == param("member")) & (ConsentEvent.purpose == param("purpose")))
    .order_by(ConsentEvent.id.desc()).limit(1)))


def latest_consents(member) -> dict[str, Consent | None]:
    """purpose -> the latest answer (None if never asked): all any page
    shows of it; consent_history() has the whole events."""
    rows = {}
    for row in _events_of.all(member=member_id(member)):
        rows[row.purpose] = row        # a member has a few events: the last one counts
    return {purpose: rows.get(purpose) for purpose in CONSENT_PURPOSES}


def answer(member, purpose: str) -> bool | None:
    """The member's latest answer for `purpose`: True (yes), False (no or
    withdrawn), None (never asked). One narrow query."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    row = _answer.first(member=member_id(member), purpose=purpose)
    return None if row is None else row[0]


def may(member, purpose: str) -> bool:
    """May the centre do `purpose` for this member right now? The one
    question every module asks; a withdrawal counts from the moment it is
    recorded."""
    return answer(member, purpose) is True


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
    note = clean_text(note, "note", LIMITS["consent_note"], error=MemberError)
    recorded_on = recorded_on or today()
    if recorded_on > today():
        raise MemberError(_l("The date cannot be in the future."), "recorded_on")
    with db.atomic():
        event = ConsentEvent.create(member=member, purpose=purpose, given=given,
                                    method=method, language=language,
                                    recorded_on=recorded_on, note=note,
                                    recorded_by=actor.id if actor else None)
        audit.record("consent.given" if given else "consent.withdrawn", "member", member.id,
                     f"purpose: {purpose}; {method}; {language}", actor=actor)
    return event


def record_answers(member: Member, answers: dict[str, bool], method: str, language: str,
                   actor=None, recorded_on: dt.date | None = None,
                   note: str = "") -> list[ConsentEvent]:
    """The consent form in one step, as the paper form reads: a yes or no
    per purpose. Only an answer that differs from the one on record (or a
    purpose never asked) is recorded; all of them or none."""
    current = latest_consents(member)
    changed = {purpose: given for purpose, given in answers.items()
               if current.get(purpose) is None or current[purpose].given != given}
    if not changed:
        raise MemberError(_l("Nothing changed: give a different answer for at least one "
                             "purpose."))
    with db.atomic():
        return [record_consent(member, purpose, given, method, language, actor, recorded_on, note)
                for purpose, given in changed.items()]


def consent_history(member: Member):
    return (ConsentEvent.select().where(ConsentEvent.member == member)
            .order_by(ConsentEvent.id.desc()))
