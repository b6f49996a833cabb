"""Wellbeing figures for the reports: who answered, who answered again, and
the total change of their scores since their first check (the indicator
divides it by the people followed: the average change of that cohort, shown
only when at least 5 people stand behind it). Members whose consent does
not stand now are left out of every figure, past periods included."""
from __future__ import annotations

import peewee as pw

from app.i18n import lazy_gettext as _l
from app.members.models import ConsentEvent
from app.members.services import members_who_may
from app.registry import BREAKDOWNS, EVENTS, PEOPLE, Metric
from app.wellbeing.models import WellbeingCheck

# A withdrawn consent hides a member's scores from every period: any
# consent change clears every cached period ("*").
SOURCES = ((WellbeingCheck, ("taken_on",)), (ConsentEvent, ("*",)))


def _consented():
    return WellbeingCheck.member.in_(members_who_may("wellbeing"))


def checked(period, scope):
    """Members who answered the wellbeing check in the period."""
    query = WellbeingCheck.select().where(period.contains(WellbeingCheck.taken_on) & _consented())
    return scope.count(query, member=WellbeingCheck.member)


def _latest_follow_ups(period):
    """Each member's latest check in the period that is not their first."""
    earlier = WellbeingCheck.alias("earlier")
    first_on = (earlier.select(pw.fn.MIN(earlier.taken_on))
                .where(earlier.member == WellbeingCheck.member))
    later = WellbeingCheck.alias("later")
    latest_id = (later.select(later.id)
                 .where((later.member == WellbeingCheck.member) & period.contains(later.taken_on))
                 .order_by(later.taken_on.desc(), later.id.desc()).limit(1))
    return WellbeingCheck.select().where(
        period.contains(WellbeingCheck.taken_on) & _consented()
        & (WellbeingCheck.taken_on > first_on) & (WellbeingCheck.id == latest_id))


def followed(period, scope):
    """Members who answered again in the period (a check after their first)."""
    return scope.count(_latest_follow_ups(period), member=WellbeingCheck.member)


def change_total(period, scope):
    """The sum, over those members, of their latest score in the period
    minus their first score (points of 0-100)."""
    first = WellbeingCheck.alias("first")
    first_score = (first.select(first.score).where(first.member == WellbeingCheck.member)
                   .order_by(first.taken_on, first.id).limit(1))
    return scope.total(_latest_follow_ups(period), WellbeingCheck.score - first_score,
                       member=WellbeingCheck.member)


METRICS = [
    Metric("wellbeing.members_checked", _l("Members who answered the wellbeing check"),
           _l("people"), PEOPLE, checked, BREAKDOWNS, sources=SOURCES, order=25),
    Metric("wellbeing.members_followed", _l("Members who answered the wellbeing check again"),
           _l("people"), PEOPLE, followed, BREAKDOWNS, sources=SOURCES, order=26),
    Metric("wellbeing.change_total", _l("Total change in wellbeing scores since the first check"),
           _l("points"), EVENTS, change_total, BREAKDOWNS, sources=SOURCES, order=27),
]
