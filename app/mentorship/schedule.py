"""Schedule providers: the next mentoring meeting appears on the mentee's
schedule and, when the mentor is a member too, on the mentor's. Titles are
discreet (they may be read on a shared phone)."""
from __future__ import annotations

from app.i18n import gettext as _

from app.auth.models import User
from app.members.models import Member
from app.mentorship.models import Pairing
from app.registry import ScheduleItem


def meetings_as_mentee(member, start, end) -> list[ScheduleItem]:
    rows = (Pairing.select(Pairing.next_meeting_at, User.display_name)
            .join(User, on=(Pairing.mentor == User.id))
            .where((Pairing.mentee == member.id) & (Pairing.status == "active")
                   & (Pairing.next_meeting_at >= start) & (Pairing.next_meeting_at < end))
            .objects())
    return [ScheduleItem(row.next_meeting_at, _("Meeting with your mentor"), "",
                         _("Your mentor: %(name)s", name=row.display_name)) for row in rows]


def meetings_as_mentor(member, start, end) -> list[ScheduleItem]:
    if not member.user_id:
        return []
    rows = (Pairing.select(Pairing.next_meeting_at, Member.code, Member.preferred_name)
            .join(Member, on=(Pairing.mentee == Member.id))
            .where((Pairing.mentor == member.user_id) & (Pairing.status == "active")
                   & (Pairing.next_meeting_at >= start) & (Pairing.next_meeting_at < end))
            .objects())
    return [ScheduleItem(row.next_meeting_at, _("Meeting with your mentee"), "",
                         " · ".join(x for x in (row.code, row.preferred_name) if x))
            for row in rows]
