"""What the member home shows (schedule providers and a banner). Discreet:
never the word counselling, never a group's own title."""
from __future__ import annotations

from flask import current_app
from app.i18n import gettext as _

from app.counselling.models import BOOKED, Booking, GroupSession, GroupSignup
from app.db import utcnow
from app.registry import Banner, ScheduleItem


def _centre() -> str:
    return current_app.config.get("CENTRE_NAME", "")


def appointments(member, start, end) -> list[ScheduleItem]:
    rows = (Booking.select(Booking.starts_at, Booking.room)
            .where((Booking.member == member) & (Booking.status == BOOKED)
                   & (Booking.starts_at >= start) & (Booking.starts_at < end))
            .order_by(Booking.starts_at))
    return [ScheduleItem(b.starts_at, _("Appointment at the centre"), _centre(),
                         _("Room: %(room)s", room=b.room) if b.room else "") for b in rows]


def group_sessions(member, start, end) -> list[ScheduleItem]:
    rows = (GroupSignup.select(GroupSignup, GroupSession)
            .join(GroupSession, on=(GroupSignup.session == GroupSession.id))
            .where((GroupSignup.member == member)
                   & GroupSignup.status.in_([GroupSignup.BOOKED, GroupSignup.WAITLISTED])
                   & GroupSession.cancelled_at.is_null()
                   & (GroupSession.starts_at >= start) & (GroupSession.starts_at < end))
            .order_by(GroupSession.starts_at))
    items = []
    for signup in rows:
        if signup.status == GroupSignup.WAITLISTED:
            detail = _("You are on the waiting list.")
        elif signup.promoted_at:
            detail = _("A place became free: you are in.")
        else:
            detail = _("Your place is confirmed.")
        items.append(ScheduleItem(signup.session.starts_at, _("Group meeting at the centre"),
                                  _centre(), detail))
    return items


def promotion_banner(user) -> list[Banner]:
    """Tell a member when a waiting-list place became theirs."""
    if "counselling.group_signup" not in user.capabilities:
        return []
    from app.members.services import member_for_user
    member = member_for_user(user)
    if member is None:
        return []
    promoted = (GroupSignup.select(GroupSession.starts_at)
                .join(GroupSession, on=(GroupSignup.session == GroupSession.id))
                .where((GroupSignup.member == member) & (GroupSignup.status == GroupSignup.BOOKED)
                       & GroupSignup.promoted_at.is_null(False)
                       & GroupSession.cancelled_at.is_null()
                       & (GroupSession.starts_at > utcnow()))
                .order_by(GroupSession.starts_at).first())
    if promoted is None:
        return []
    from app.filters import local_datetime
    return [Banner(_("Good news: a place became free for you at the group meeting on "
                     "%(when)s.", when=local_datetime(promoted.session.starts_at)), "info")]
