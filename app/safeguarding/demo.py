"""Demo concerns: a handful across categories and statuses, one urgent
concern still waiting for a lead (so the badge shows in the demo)."""
from __future__ import annotations

import datetime as dt

from app.db import db, utcnow
from app.members.models import Member
from app.safeguarding import services
from app.safeguarding.models import CATEGORIES, Concern, ConcernAction

TEXTS = ["Alisema mtu asiyemjua amekuwa akimpigia simu na kumtaja wakala wa zamani.",
         "She said her employer keeps her passport and has not paid her for two months.",
         "Alikuja akiwa na homa kali na hakuweza kusimama vizuri.",
         "Her landlord gave notice; she has nowhere to go at the end of the week.",
         "He mentioned his neighbour's child is sent to work at night instead of school."]


def seed_concerns(members: int = 200, rng=None, users=None) -> None:
    import random
    rng = rng or random.Random()
    users = users or {}
    raiser = users.get("mentor") or users.get("counsellor")
    lead = users.get("safeguarding_lead")
    pool = [row[0] for row in Member.select(Member.id).where(
        Member.is_demo & (Member.status == "active")).limit(200).tuples()]
    if not pool or raiser is None:
        return
    now = utcnow()
    with db.atomic():
        for i in range(12):
            member = Member.get_by_id(rng.choice(pool))
            urgency = "urgent" if i in (0, 5) else rng.choice(["soon", "routine"])
            concern = services.raise_concern(
                member, raiser, rng.choice(CATEGORIES), urgency, rng.choice(TEXTS),
                "Nilimpa nambari ya simu ya kituo." if rng.random() < 0.5 else "",
                source=rng.choice(["member_page", "session_log"]))
            back = dt.timedelta(days=rng.randint(1, 300)) if i else dt.timedelta(minutes=20)
            Concern.update(raised_at=now - back).where(Concern.id == concern.id).execute()
            ConcernAction.update(at=now - back).where(ConcernAction.concern == concern.id).execute()
            if i == 0 or lead is None:
                continue
            concern = Concern.get_by_id(concern.id)
            services.acknowledge(concern, lead)
            if i % 3 == 0:
                services.set_status(concern, lead, "closed", "Referred to the county children's "
                                    "officer; follow-up done.")
            elif i % 3 == 1:
                Concern.update(review_on=services.today() - dt.timedelta(days=rng.randint(1, 9))
                               ).where(Concern.id == concern.id).execute()
