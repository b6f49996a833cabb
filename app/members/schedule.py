"""Schedule providers for the member home: induction meetings, and
meetings with (or as) a peer buddy. Titles are discreet: they may be seen
on a shared phone."""
from __future__ import annotations

import peewee as pw

from app.i18n import gettext as _

from app.members.models import InductionMeeting, Member
from app.registry import ScheduleItem


def _centre() -> str:
    from flask import current_app
    return current_app.config.get("CENTRE_NAME", "")


def meetings(member, start, end) -> list[ScheduleItem]:
    """The member's induction meetings (with their buddy's name when the
    buddy comes), and the meetings of the members they are buddy to, in
    one query."""
    own, buddy = Member.alias(), Member.alias()
    rows = (InductionMeeting.select(InductionMeeting.starts_at, InductionMeeting.with_buddy,
                                    InductionMeeting.member, own.code, own.preferred_name,
                                    buddy.code, buddy.preferred_name)
            .join(own, on=(InductionMeeting.member == own.id))
            .join(buddy, pw.JOIN.LEFT_OUTER, on=(own.buddy == buddy.id))
            .where(((InductionMeeting.member == member.id)
                    | ((own.buddy == member.id) & InductionMeeting.with_buddy))
                   & InductionMeeting.cancelled_at.is_null()
                   & (InductionMeeting.starts_at >= start) & (InductionMeeting.starts_at < end))
            .order_by(InductionMeeting.starts_at).tuples())
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
