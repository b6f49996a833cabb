"""Schedule providers for the member home: induction meetings, and
meetings with (or as) a peer buddy. Titles are discreet: they may be seen
on a shared phone."""
from __future__ import annotations

import peewee as pw

from app.i18n import gettext as _

from app.members.models import InductionMeeting, Member
from app.db import Prepared
from app.registry import ScheduleItem


def _centre() -> str:
    from flask import current_app
    return current_app.config.get("CENTRE_NAME", "")


# On the member's home: built once (app.db.Prepared; README, performance).
_own, _buddy = Member.alias(), Member.alias()
_meetings = Prepared(lambda param: (
    InductionMeeting.select(InductionMeeting.starts_at, InductionMeeting.with_buddy,
                            InductionMeeting.member, _own.code, _own.preferred_name,
                            _buddy.code, _buddy.preferred_name)
    .join(_own, on=(InductionMeeting.member == _own.id))
    .join(_buddy, pw.JOIN.LEFT_OUTER, on=(_own.buddy == _buddy.id))
    .where(((InductionMeeting.member == param("member"))
            | ((_own.buddy == param("member")) & InductionMeeting.with_buddy))
           & InductionMeeting.cancelled_at.is_null()
           & (InductionMeeting.starts_at >= param("start", InductionMeeting.starts_at))
           & (InductionMeeting.starts_at < param("end", InductionMeeting.starts_at)))
    .order_by(InductionMeeting.starts_at)))


def meetings(member, start, end) -> list[ScheduleItem]:
    """The member's induction meetings (with their buddy's name when the
    buddy comes), and the meetings of the members they are buddy to, in
    one query."""
    rows = _meetings.all(member=member.id, start=start, end=end)
    items = []
    for starts_at, with_buddy, member_id, code, name, buddy_code, buddy_name in rows:
        if member_id != member.id:              # they are this member's buddy-mentee
            other = Member(code=code, preferred_name=name)
        elif with_buddy and buddy_code:
            other = Member(code=buddy_code, preferred_name=buddy_name)
        else:
            items.append(ScheduleItem(starts_at, _("Appointment at the centre"), _centre()))
            continue
        items.append(ScheduleItem(starts_at, _("Meeting with your buddy"), _centre(),
                                  _("Your buddy: %(name)s", name=other.display)))
    return items
