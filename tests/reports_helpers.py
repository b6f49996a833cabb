"""Small known datasets for the reports tests: every figure is counted by
hand in the test that uses it."""
from __future__ import annotations

import datetime as dt

from app.members.models import Member, MemberChange, ReferralSource
from tests.factories import make_member


def member(joined_on, gender="female", county="Kisumu", source=None, birth_year=None,
           age_band="", status="referred") -> Member:
    """A member (the one factory, tests.factories.make_member) who joined on
    `joined_on`; `status` is set without history (see status_change)."""
    source_id = ReferralSource.get(ReferralSource.key == source).id if source else None
    created = make_member(consent=False, preferred_name="Test", legal_name="", phone="",
                          location="", notes="", gender=gender, county=county,
                          referral_source=source_id, birth_year=birth_year,
                          age_band=age_band, joined_on=joined_on)
    Member.update(status=status).where(Member.id == created.id).execute()
    return Member.get_by_id(created.id)


def status_change(person: Member, old: str, new: str, on: dt.date, hour: int = 9) -> None:
    """A status change at `hour` o'clock Nairobi time on `on` (stored UTC)."""
    MemberChange.create(member=person, field="status", old_value=old, new_value=new,
                        at=dt.datetime.combine(on, dt.time(hour - 3)))
    Member.update(status=new).where(Member.id == person.id).execute()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """`hour` o'clock Nairobi time on `day`, stored as naive UTC."""
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=3)


def booking(person, counsellor, day, status, hour=10):
    from app.counselling.models import Booking
    starts = at(day, hour)
    return Booking.create(member=person, counsellor=counsellor, starts_at=starts,
                          ends_at=starts + dt.timedelta(minutes=50), status=status)


def group_session(day, cancelled=False, seats=()):
    """A group session on `day`; `seats`: (member, attended) pairs."""
    from app.counselling.models import GroupSession, GroupSignup
    starts = at(day, 14)
    session = GroupSession.create(title="Circle", starts_at=starts,
                                  ends_at=starts + dt.timedelta(hours=2),
                                  cancelled_at=starts if cancelled else None)
    for person, attended in seats:
        GroupSignup.create(session=session, member=person, status="booked", attended=attended)
    return session


def pairing(mentee, mentor, start, end=None, status="active"):
    from app.mentorship.models import Pairing
    return Pairing.create(mentee=mentee, mentor=mentor, status=status, start_date=start,
                          end_date=end, override=status == "active" and Pairing.select().where(
                              (Pairing.mentee == mentee) & (Pairing.status == "active")).exists())


def session_log(pair, day):
    from app.mentorship.models import SessionLog
    return SessionLog.create(pairing=pair, held_on=day, duration_minutes=60, mode="in_person")


def goal(pair, achieved_on=None, notes=1):
    """A goal; achieved on `achieved_on` (a note with that status `notes` times)."""
    from app.mentorship.models import Goal, GoalNote
    row = Goal.create(pairing=pair, title="Open a stall", area="business",
                      status="achieved" if achieved_on else "open")
    for _ in range(notes if achieved_on else 0):
        GoalNote.create(goal=row, status="achieved", at=at(achieved_on), text="")
    return row


def concern(person, category, day):
    from app.safeguarding.models import Concern
    return Concern.create(member=person, category=category, urgency="routine",
                          what_happened="(test)", raised_at=at(day))
