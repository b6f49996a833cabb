"""Schedule providers for the member home: induction meetings, and
meetings with (or as) a peer buddy. Titles are discreet: they may be seen
on a shared phone."""
from __future__ import annotations

from app.i18n import gettext as _

from app.members.models import InductionMeeting, Member
from app.registry import ScheduleItem


def _centre() -> str:
    from flask import current_app
    return current_app.config.get("CENTRE_NAME", "")


def induction_meetings(member, start, end) -> list[ScheduleItem]:
    rows = (InductionMeeting.select()
            .where((InductionMeeting.member == member) & InductionMeeting.cancelled_at.is_null()
                   & (InductionMeeting.starts_at >= start) & (InductionMeeting.starts_at < end))
            .order_by(InductionMeeting.starts_at))
    items, buddy = [], None
    for meeting in rows:
        if meeting.with_buddy and member.buddy_id:
            if buddy is None:
                from app.members.services import member_by_id
                buddy = member_by_id(member.buddy_id)
            items.append(ScheduleItem(meeting.starts_at, _("Meeting with your buddy"), _centre(),
                                      _("Your buddy: %(name)s", name=buddy.display)))
        else:
            items.append(ScheduleItem(meeting.starts_at, _("Appointment at the centre"),
                                      _centre()))
    return items


def buddy_meetings(member, start, end) -> list[ScheduleItem]:
    """Meetings of the members this member is buddy to."""
    rows = (InductionMeeting.select(InductionMeeting.starts_at, Member.code, Member.preferred_name)
            .join(Member, on=(InductionMeeting.member == Member.id))
            .where((Member.buddy == member) & InductionMeeting.with_buddy
                   & InductionMeeting.cancelled_at.is_null()
                   & (InductionMeeting.starts_at >= start) & (InductionMeeting.starts_at < end)))
    return [ScheduleItem(m.starts_at, _("Meeting with your buddy"), _centre(),
                         _("Your buddy: %(name)s", name=m.member.display)) for m in rows]
