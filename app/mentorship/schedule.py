"""Schedule providers: the next mentoring meeting appears on the mentee's
schedule and, when the mentor is a member too, on the mentor's. Titles are
discreet (they may be read on a shared phone)."""
from __future__ import annotations

from app.i18n import gettext as _

from app.auth.models import User
from app.members.models import Member
from app.mentorship.models import Pairing
from app.registry import ScheduleItem


def meetings(member, start, end) -> list[ScheduleItem]:
    """The next meeting of each active pairing the member is in: as mentee
    (with the mentor's name) or, for a member who mentors, as mentor (with
    the mentee's code and name), in one query."""
    theirs = Pairing.mentee == member.id
    if member.user_id:
        theirs |= Pairing.mentor == member.user_id
    rows = (Pairing.select(Pairing.next_meeting_at, Pairing.mentee, User.display_name,
                           Member.code, Member.preferred_name)
            .join(User, on=(Pairing.mentor == User.id))
            .switch(Pairing).join(Member, on=(Pairing.mentee == Member.id))
            .where(theirs & (Pairing.status == "active")
                   & (Pairing.next_meeting_at >= start) & (Pairing.next_meeting_at < end))
            .tuples())
    items = []
    for next_meeting_at, mentee_id, mentor_name, code, name in rows:
        if mentee_id == member.id:
            items.append(ScheduleItem(next_meeting_at, _("Meeting with your mentor"), "",
                                      _("Your mentor: %(name)s", name=mentor_name)))
        else:
            items.append(ScheduleItem(next_meeting_at, _("Meeting with your mentee"), "",
                                      " · ".join(x for x in (code, name) if x)))
    return items
