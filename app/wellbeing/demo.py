"""Demo wellbeing checks: members who agreed answer at induction and about
every three months, their scores drifting up over time (two years)."""
from __future__ import annotations

import datetime as dt
import random

from app.db import db
from app.members.models import Member
from app.members.services import members_who_may
from app.clock import today
from app.wellbeing.models import WellbeingCheck
from app.wellbeing.services import QUESTIONS

CHUNK = 500


def seed_wellbeing(members: int = 200, rng=None, users=None) -> None:
    rng = rng or random.Random()
    day, rows = today(), []
    people = (Member.select(Member.id, Member.joined_on, Member.language)
              .where(Member.is_demo & Member.status.in_(("active", "inducting"))
                     & Member.id.in_(members_who_may("wellbeing"))).tuples())
    earliest = day - dt.timedelta(days=730)
    for member_id, joined, language in people.iterator():
        taken = max(joined + dt.timedelta(days=rng.randint(3, 20)), earliest)
        level = rng.uniform(1.2, 3.2)
        while taken < day:
            answers = {q: max(0, min(5, round(rng.gauss(level, 0.9)))) for q in QUESTIONS}
            rows.append({"member": member_id, "taken_on": taken, "language": language,
                         "score": 4 * sum(answers.values()), **answers})
            level = min(4.6, level + rng.uniform(-0.2, 0.45))
            taken += dt.timedelta(days=rng.randint(85, 110))
    with db.atomic():
        for start in range(0, len(rows), CHUNK):
            WellbeingCheck.insert_many(rows[start:start + CHUNK]).execute()
