"""The WHO-5 Well-Being Index (World Health Organization, 1998; free to
use): five statements about the last two weeks, each answered from "at no
time" (0) to "all of the time" (5); the score is the sum times 4 (0-100).

The English wording is the WHO's. The Swahili wording is Kituo's own
careful translation: a validated Swahili version exists (Kenyan coast,
Global Health Research and Policy 2018) and the WHO-5 website publishes
the language versions; the centre should put that text in the Swahili
catalogue and mark any difference, as the WHO-5 authors ask.

Offered to a member at induction and then every 3 months, only with the
member's wellbeing consent; withdrawing it hides every score from everyone
(reports included) except the member's own data export."""
from __future__ import annotations

import datetime as dt

from app import audit
from app.db import db
from app.i18n import lazy_gettext as _l
from app.members import services as members
from app.clock import today
from app.rules import RuleError
from app.wellbeing.models import WellbeingCheck

PURPOSE = "wellbeing"
EVERY_DAYS = 91
QUESTIONS = {
    "cheerful": _l("I have felt cheerful and in good spirits"),
    "calm": _l("I have felt calm and relaxed"),
    "active": _l("I have felt active and vigorous"),
    "rested": _l("I woke up feeling fresh and rested"),
    "interested": _l("My daily life has been filled with things that interest me"),
}
ANSWERS = [
    (5, _l("All of the time")),
    (4, _l("Most of the time")),
    (3, _l("More than half of the time")),
    (2, _l("Less than half of the time")),
    (1, _l("Some of the time")),
    (0, _l("At no time")),
]


class WellbeingError(RuleError):
    pass


def consented(member) -> bool:
    return members.may(member, PURPOSE)


def asked(member) -> bool:
    return members.consent_answer(member, PURPOSE) is not None


def _checks(member):
    return (WellbeingCheck.select().where(WellbeingCheck.member == member.id)
            .order_by(WellbeingCheck.taken_on, WellbeingCheck.id))


def last_check(member) -> WellbeingCheck | None:
    return (WellbeingCheck.select().where(WellbeingCheck.member == member.id)
            .order_by(WellbeingCheck.taken_on.desc(), WellbeingCheck.id.desc()).first())


def due(member, day: dt.date | None = None) -> bool:
    """Offered at induction (no check yet) and every 3 months, while the
    member is in induction or active and has not said no."""
    if member.anonymised_at or member.status not in ("inducting", "active"):
        return False
    if members.consent_answer(member, PURPOSE) is False:
        return False
    last = last_check(member)
    return last is None or (day or today()) - last.taken_on >= dt.timedelta(days=EVERY_DAYS)


def agree(member, language: str, actor=None) -> None:
    """The member agrees on their own phone."""
    members.record_consent(member, PURPOSE, True, "self", language, actor=actor)


def score_of(answers: dict) -> int:
    return 4 * sum(answers[q] for q in QUESTIONS)


def record(member, answers: dict, language: str, actor=None, day: dt.date | None = None):
    """Keep one check (one a day). Refused without consent."""
    if not consented(member):
        raise WellbeingError(_l("First say whether you agree to the wellbeing check."))
    for question in QUESTIONS:
        if answers.get(question) not in range(6):
            raise WellbeingError(_l("Choose one answer for each sentence."), question)
    day = day or today()
    with db.atomic():
        if WellbeingCheck.select().where((WellbeingCheck.member == member.id)
                                         & (WellbeingCheck.taken_on == day)).exists():
            raise WellbeingError(_l("You already filled it in today. Thank you!"))
        check = WellbeingCheck.create(member=member.id, taken_on=day, language=language,
                                      score=score_of(answers),
                                      entered_by=actor.id if actor else None,
                                      **{q: answers[q] for q in QUESTIONS})
        audit.record("wellbeing.check", "member", member.id, actor=actor)
    return check


def trend(member) -> list[WellbeingCheck]:
    """The member's own scores, oldest first; nothing without consent."""
    if not consented(member):
        return []
    return list(_checks(member))


def for_counsellor(user, member_id) -> tuple[object, list[WellbeingCheck]] | None:
    """A member the counsellor may see, and their scores if consent stands."""
    member = members.visible_member(user, member_id)
    if member is None:
        return None
    audit.record("wellbeing.viewed", "member", member.id, actor=user)
    return member, trend(member)


def export_rows(member) -> list[dict]:
    """The member's own data export: every check, consent or not."""
    return [{"date": c.taken_on.isoformat(), "score": c.score,
             **{q: getattr(c, q) for q in QUESTIONS}} for c in _checks(member)]


def scrub_member(member) -> None:
    """Anonymisation: wellbeing answers are health data: they go."""
    WellbeingCheck.delete().where(WellbeingCheck.member == member.id).execute()
