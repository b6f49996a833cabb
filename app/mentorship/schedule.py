"""Schedule providers: the next mentoring meeting appears on the mentee's
schedule and, when the mentor is a member too, on the mentor's. Titles are
discreet (they may be read on a shared phone)."""
from __future__ import annotations

from app.i18n import gettext as _

from app.auth.models import User
from app.db import Prepared
from app.members.models import Member
from app.mentorship.models import Pairing
from app.registry import ScheduleItem


# The schedule of the member's home (/me, a key page): built once
# (app.db.Prepared; README, performance). A member without a login has
# mentor None, which matches no pairing.
_meetings = Prepared(lambda param: (
    Pairing.select(Pairing.next_meeting_at, Pairing.mentee, User.display_name,
                   Member.code, Member.preferred_name)
    .join(User, on=(Pairing.mentor == User.id))
    .switch(Pairing).join(Member, on=(Pairing.mentee == Member.id))
    .where(((Pairing.mentee == param("member")) | (Pairing.mentor == param("user")))
           & (Pairing.status == "active")
           & (Pairing.next_meeting_at >= param("start", Pairing.next_meeting_at))
           & (Pairing.next_meeting_at < param("end", Pairing.next_meeting_at)))))


def meetings(member, start, end) -> list[ScheduleItem]:
    """The next meeting of each active pairing the member is in: as mentee
    (with the mentor's name) or, for a member who mentors, as mentor (with
    the mentee's code and name), in one query."""
    rows = _meetings.all(member=member.id, user=member.user_id, start=start, end=end)
    items = []
    for next_meeting_at, mentee_id, mentor_name, code, name in rows:
        if mentee_id == member.id:
            items.append(ScheduleItem(next_meeting_at, _("Meeting with your mentor"), "",
                                      _("Your mentor: %(name)s", name=mentor_name)))
        else:
            items.append(ScheduleItem(next_meeting_at, _("Meeting with your mentee"), "",
                                      " · ".join(x for x in (code, name) if x)))
    return items
