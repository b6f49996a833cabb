"""Demo data for the reports (seed-demo, after every other module): two
years of history so every seeded indicator has a trend.

The other modules' demo data hold today's state (statuses, a few weeks of
group sessions, a dozen concerns); here the history behind it is filled
in: the members' status changes, two years of group sessions (a weekly
peer-support circle, a monthly training) with attendance, safeguarding
concerns spread over two years (counts by category only, neutral text),
narratives for the last quarters, baselines and targets for the seeded
indicators, and the usual periods computed ahead (as the hourly task
does)."""
from __future__ import annotations

import datetime as dt
import random

from app.db import db
from app.members.models import Member, MemberChange
from app.reports import indicators, narratives, periods, warmup
from app.clock import today

CHUNK = 500
YEARS = 2


def _insert(model, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=3)   # Nairobi -> UTC


def _status_history(rng) -> None:
    """referred -> inducting -> active (-> alumni | exited), dated."""
    day, rows = today(), []
    members = Member.select(Member.id, Member.status, Member.joined_on, Member.exited_on).where(
        Member.is_demo & Member.status.in_(("inducting", "active", "alumni", "exited"))
        & ~Member.id.in_(MemberChange.select(MemberChange.member)))
    for m in members.tuples().iterator():
        member_id, status, joined, exited = m
        last = exited or day
        started = min(joined + dt.timedelta(days=rng.randint(0, 5)), last)
        rows.append((member_id, "referred", "inducting", started))
        if status == "inducting":
            continue
        active = started + dt.timedelta(days=rng.randint(10, 40))
        if active >= last:
            if status == "exited":
                rows.append((member_id, "inducting", "exited", last))
            continue
        rows.append((member_id, "inducting", "active", active))
        if status == "alumni":
            rows.append((member_id, "active", "alumni",
                         min(active + dt.timedelta(days=rng.randint(300, 900)),
                             day - dt.timedelta(days=1))))
        elif status == "exited":
            rows.append((member_id, "active", "exited", last))
    _insert(MemberChange, [{"member": member_id, "field": "status", "old_value": old,
                            "new_value": new, "at": _at(on, rng.randint(9, 16))}
                           for member_id, old, new, on in rows])


def _group_history(rng, users) -> None:
    """Two years of a weekly circle and a monthly training, attendance kept."""
    from app.counselling.models import GroupFacilitator, GroupSession, GroupSignup
    pool = [r[0] for r in Member.select(Member.id).where(
        Member.is_demo & (Member.status == "active")).limit(400).tuples()]
    facilitator = users.get("counsellor")
    if len(pool) < 20 or facilitator is None:
        return
    first, last = today() - dt.timedelta(days=365 * YEARS), today() - dt.timedelta(days=1)
    day = first + dt.timedelta(days=(2 - first.weekday()) % 7)       # Wednesdays
    while day <= last:
        sessions = [("Peer-support circle", 15, 90, 12)]
        if day.day <= 7:
            sessions.append(("Managing stress: a training", 10, 120, 20))
        for title, hour, minutes, capacity in sessions:
            starts = _at(day, hour)
            session = GroupSession.create(title=title, starts_at=starts, room="Hall",
                                          ends_at=starts + dt.timedelta(minutes=minutes),
                                          capacity=capacity, is_demo=True,
                                          created_at=starts - dt.timedelta(days=14))
            GroupFacilitator.create(session=session, user=facilitator)
            seats = rng.sample(pool, rng.randint(capacity // 2, capacity))
            _insert(GroupSignup, [{"session": session.id, "member": member_id,
                                   "status": "booked", "attended": rng.random() < 0.78,
                                   "created_at": starts - dt.timedelta(days=7)}
                                  for member_id in seats])
        day += dt.timedelta(days=7)


def _concerns(rng, users) -> None:
    """About four concerns a month over two years, closed with an outcome."""
    from app.safeguarding.models import CATEGORIES, Concern, ConcernAction
    raiser, lead = users.get("mentor") or users.get("counsellor"), users.get("safeguarding_lead")
    pool = [r[0] for r in Member.select(Member.id).where(
        Member.is_demo & (Member.status == "active")).limit(300).tuples()]
    if not pool or raiser is None:
        return
    weights = [3, 2, 4, 3, 5, 1, 2]
    day = today() - dt.timedelta(days=365 * YEARS)
    while day < today() - dt.timedelta(days=14):
        for _ in range(rng.randint(2, 6)):
            raised = _at(day + dt.timedelta(days=rng.randint(0, 27)), rng.randint(9, 17))
            concern = Concern.create(
                member=rng.choice(pool), raised_by=raiser, raised_at=raised,
                category=rng.choices(CATEGORIES, weights)[0], urgency="routine",
                what_happened="(demo)", status="closed", outcome="(demo)",
                acknowledged_at=raised + dt.timedelta(hours=2),
                acknowledged_by=lead, closed_at=raised + dt.timedelta(days=10))
            ConcernAction.create(concern=concern, at=raised, actor=raiser, kind="raised")
        day += dt.timedelta(days=28)


NARRATIVES = {
    1: ("More members came to the peer-support circle; the monthly training on managing "
        "stress was full every time.",
        "Waiting times for one-to-one sessions grew in the busiest weeks.",
        "Holding the circle on the same day each week helped members plan around work."),
    2: ("Several members finished their training and started work or a small business.",
        "Transport costs keep some members from coming to the centre.",
        "Short courses at the centre fit members' lives better than long ones."),
    3: ("Mentoring pairings were steady and most mentees set goals in the first month.",
        "Some pairings went quiet for weeks; the overdue list helped the coordinator follow up.",
        "Mentors who meet by phone between visits keep their pairings going."),
}


def _narratives(users) -> None:
    """Written a week after each of the last eight quarters ended."""
    from app.reports.models import Narrative
    author = users.get("coordinator")
    for period in periods.last_complete("quarter", today()).trend(8):
        for objective, (highlights, challenges, lessons) in NARRATIVES.items():
            row = narratives.save(period.key, objective, {"highlights": highlights,
                                                          "challenges": challenges,
                                                          "lessons": lessons}, author)
            Narrative.update(at=_at(period.end + dt.timedelta(days=7))).where(
                Narrative.id == row.id).execute()


def _baselines_and_targets() -> None:
    """Baseline: the last financial year's value; target: 15 % more for
    this one (demo figures, for the share-of-target column)."""
    from app.reports import engine, services
    from app.reports.models import SCALE, Indicator
    current = periods.containing("fy", today())
    baseline_period = current.previous()
    for indicator in Indicator.select().where(Indicator.active):
        if not indicators.measurable(indicator):
            continue
        figures, _left = engine.figures([engine.Request(k, baseline_period)
                                         for k in indicators.metric_keys(indicator)])
        shown = services.shown_for(indicator, baseline_period, figures)
        if shown is None or shown.number is None:
            continue
        baseline = int(shown.number * SCALE[indicator.kind])
        growth = 1 if indicator.kind == "average" else 1.15
        target = max(1, round(baseline * growth))
        if indicator.kind == "percent":
            target = min(target, 1000)
        Indicator.update(baseline=baseline, baseline_on=baseline_period.end,
                         target=target if baseline > 0 else None,
                         target_period=current.key if baseline > 0 else "").where(
            Indicator.id == indicator.id).execute()


def seed_reports(members: int = 200, rng=None, users=None) -> None:
    rng = rng or random.Random()
    users = users or {}
    indicators.ensure_seeded()
    with db.atomic():
        _status_history(rng)
        _group_history(rng, users)
        _concerns(rng, users)
    _narratives(users)
    warmup.warm(kinds=("quarter", "year"))   # the hourly task does the rest
    _baselines_and_targets()
