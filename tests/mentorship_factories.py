"""Builders for mentorship and safeguarding tests."""
from __future__ import annotations

import datetime as dt

from app.mentorship import services
from app.mentorship.models import Pairing
from tests.factories import make_user
from tests.factories import make_member


def make_mentor(areas=("livelihood",), languages=("sw",), capacity=3, username=None,
                roles=("mentor",)):
    mentor = make_user(*roles, username=username)
    services.save_profile(mentor, list(areas), list(languages), capacity, "")
    return mentor


def make_pairing(mentor=None, member=None, active=True, start_days_ago=10) -> Pairing:
    mentor = mentor or make_mentor()
    member = member or make_member()
    pairing = services.propose(member, mentor)
    if active:
        services.activate(pairing, start_date=services.today() - dt.timedelta(days=start_days_ago))
    return Pairing.get_by_id(pairing.id)


def session_input(**changes) -> services.SessionInput:
    values = dict(held_on=services.today(), duration_minutes=60, mode="in_person",
                  topics=["work"], notes="Talked about work.")
    values.update(changes)
    return services.SessionInput(**values)
