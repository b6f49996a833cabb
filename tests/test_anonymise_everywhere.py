"""Anonymising a member removes the free text every module holds about them,
and keeps the pseudonymous activity for statistics."""
import datetime as dt

from app.counselling.models import Booking, SessionNote
from app.members import services as members
from app.mentorship import services as mentoring
from app.mentorship.models import GoalNote, Pairing, SessionLog
from app.safeguarding import services as safeguarding
from app.safeguarding.models import Concern
from tests.factories import make_user
from tests.mentorship_factories import make_pairing, session_input


def test_anonymise_scrubs_mentoring_concerns_and_counselling_notes(conn):
    pairing = make_pairing()
    member = pairing.mentee
    goal = mentoring.add_goal(pairing, "Leave Wanjiku's house", "wellbeing", None)
    mentoring.log_session(pairing, pairing.mentor, session_input(
        notes="Met at Wanjiku's place in Kibera", follow_up="Call her sister",
        goal_updates={goal.id: ("in_progress", "Moved out of Kibera")}))
    safeguarding.raise_concern(member, pairing.mentor, "work_exploitation", "urgent",
                               "Employer in Kibera took her ID", "Called the lead")
    counsellor = make_user("counsellor")
    booking = Booking.create(counsellor=counsellor, member=member,
                             starts_at=dt.datetime(2026, 1, 5, 6), ends_at=dt.datetime(2026, 1, 5, 7),
                             status="attended")
    SessionNote.create(booking=booking, member=member, author=counsellor,
                       text="Spoke about Kibera", concerns="nightmares", follow_up="week 2")

    members.anonymise(member, member.code, actor=make_user("coordinator"))

    log = SessionLog.get(SessionLog.pairing == pairing)
    assert (log.notes, log.follow_up) == ("", "") and log.duration_minutes == 60
    assert all(n.text == "" for n in GoalNote.select())
    assert "Wanjiku" not in goal.__class__.get_by_id(goal.id).title
    concern = Concern.get(Concern.member == member)
    assert (concern.what_happened, concern.action_taken) == ("", "")
    assert concern.category == "work_exploitation" and concern.urgency == "urgent"
    note = SessionNote.get(SessionNote.member == member)
    assert (note.text, note.concerns, note.follow_up) == ("", "", "")
    assert Pairing.select().where(Pairing.mentee == member).count() == 1
