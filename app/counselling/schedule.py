"""What the member home shows (schedule providers, a banner and the
notices of cancelled or moved group meetings). Discreet: never the word
counselling, never a group's own title."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from flask import current_app
from app.i18n import gettext as _

from app.counselling.models import BOOKED, Booking, GroupNotice, GroupSession, GroupSignup
from app.db import Prepared, db, utcnow
from app.members.models import Member
from app.registry import Banner, HomeSection, ScheduleItem


def _centre() -> str:
    return current_app.config.get("CENTRE_NAME", "")


# The schedule of the member's home (/me, a key page): its queries are built
# once (app.db.Prepared; README, performance).
_appointments = Prepared(lambda param: (
    Booking.select(Booking.id, Booking.starts_at, Booking.ends_at, Booking.room)
    .where((Booking.member == param("member")) & (Booking.status == BOOKED)
           & (Booking.starts_at >= param("start", Booking.starts_at))
           & (Booking.starts_at < param("end", Booking.starts_at)))
    .order_by(Booking.starts_at)))


def appointments(member, start, end) -> list[ScheduleItem]:
    return [ScheduleItem(starts_at, _("Appointment at the centre"), _centre(),
                         _("Room: %(room)s", room=room) if room else "",
                         ends_at=ends_at, uid=f"appointment-{booking_id}")
            for booking_id, starts_at, ends_at, room in _appointments.all(
                member=member.id, start=start, end=end)]


_group_seats = Prepared(lambda param: (
    GroupSignup.select(GroupSignup.id, GroupSignup.status, GroupSignup.promoted_at,
                       GroupSession.starts_at, GroupSession.ends_at)
    .join(GroupSession, on=(GroupSignup.session == GroupSession.id))
    .where((GroupSignup.member == param("member"))
           & GroupSignup.status.in_([GroupSignup.BOOKED, GroupSignup.WAITLISTED])
           & GroupSession.cancelled_at.is_null()
           & (GroupSession.starts_at >= param("start", GroupSession.starts_at))
           & (GroupSession.starts_at < param("end", GroupSession.starts_at)))
    .order_by(GroupSession.starts_at)))


def group_sessions(member, start, end) -> list[ScheduleItem]:
    items = []
    for signup_id, status, promoted_at, starts_at, ends_at in _group_seats.all(
            member=member.id, start=start, end=end):
        if status == GroupSignup.WAITLISTED:
            detail = _("You are on the waiting list.")
        elif promoted_at:
            detail = _("A place became free: you are in.")
        else:
            detail = _("Your place is confirmed.")
        items.append(ScheduleItem(starts_at, _("Group meeting at the centre"),
                                  _centre(), detail, ends_at=ends_at,
                                  uid=f"seat-{signup_id}",
                                  tentative=status == GroupSignup.WAITLISTED))
    return items


# The banner is on every page a member opens: its query is built once
# (app.db.Prepared), ~0.1 ms instead of the ~0.7 ms peewee took to build it.
_promoted_seat = Prepared(lambda param: (
    GroupSignup.select(GroupSession.starts_at)
    .join(GroupSession, on=(GroupSignup.session == GroupSession.id))
    .where(GroupSignup.member.in_(Member.select(Member.id).where(Member.user == param("user")))
           & (GroupSignup.status == GroupSignup.BOOKED) & GroupSignup.promoted_at.is_null(False)
           & GroupSession.cancelled_at.is_null() & (GroupSession.starts_at > param("now")))
    .order_by(GroupSession.starts_at).limit(1)))


def promotion_banner(user) -> list[Banner]:
    """Tell a member when a waiting-list place became theirs."""
    if "counselling.group_signup" not in user.capabilities:
        return []
    promoted = _promoted_seat.first(user=user.id,
                                    now=GroupSession.starts_at.db_value(utcnow()))
    if promoted is None:
        return []
    from app.filters import local_datetime
    return [Banner(_("Good news: a place became free for you at the group meeting on "
                     "%(when)s.", when=local_datetime(promoted[0])), "info")]


def notice_text(notice: GroupNotice, session: GroupSession) -> str | None:
    """The member's notice, worded from the session as it is now; None when
    nothing differs any more from what they knew (moved back)."""
    from app.filters import local_datetime
    known = local_datetime(notice.known_starts_at)
    if notice.removed_at:
        return _("You no longer have a place at the group meeting on %(when)s. If you did not "
                 "expect this, please ask at the centre.", when=known)
    if session.cancelled_at:
        return _("The group meeting you joined on %(when)s was cancelled.", when=known)
    moved = session.starts_at != notice.known_starts_at
    new_room = (session.room or "") != (notice.known_room or "")
    if moved and new_room and session.room:
        return _("The group meeting you joined on %(when)s has moved to %(new)s, room: "
                 "%(room)s.", when=known, new=local_datetime(session.starts_at), room=session.room)
    if moved:
        return _("The group meeting you joined on %(when)s has moved to %(new)s.", when=known,
                 new=local_datetime(session.starts_at))
    if new_room and session.room:
        return _("The group meeting you joined on %(when)s is now in another room: %(room)s.",
                 when=known, room=session.room)
    if new_room:
        return _("The group meeting you joined on %(when)s has changed place: please ask at "
                 "the centre.", when=known)
    return None


class OpenNotice(NamedTuple):
    """A notice with its session as it is now: notice_text() reads the
    notice's fields (known_*, removed_at) and the session's (starts_at,
    room, cancelled_at) from the one row."""
    id: int
    known_starts_at: dt.datetime
    known_room: str | None
    removed_at: dt.datetime | None
    starts_at: dt.datetime
    room: str | None
    cancelled_at: dt.datetime | None


_open_notices = Prepared(lambda param: (
    GroupNotice.select(GroupNotice.id, GroupNotice.known_starts_at, GroupNotice.known_room,
                       GroupNotice.removed_at, GroupSession.starts_at, GroupSession.room,
                       GroupSession.cancelled_at)
    .join(GroupSession, on=(GroupNotice.session == GroupSession.id))
    .join(GroupSignup, on=((GroupSignup.session == GroupSession.id)
                           & (GroupSignup.member == GroupNotice.member)))
    .where((GroupNotice.member == param("member")) & GroupNotice.dismissed_at.is_null()
           & (GroupNotice.show_until > param("now", GroupNotice.show_until))
           & ((GroupNotice.removed_at.is_null()
               & GroupSignup.status.in_([GroupSignup.BOOKED, GroupSignup.WAITLISTED]))
              | (GroupNotice.removed_at.is_null(False)
                 & (GroupSignup.status == GroupSignup.CANCELLED))))
    .order_by(GroupNotice.show_until)), row=OpenNotice)


def open_notices(member) -> list[dict]:
    """Notices the member has not dismissed, while their date is ahead: for
    meetings they are still signed up for (seat or waiting list), and for
    those staff took them off."""
    notices = []
    for row in _open_notices.all(member=member.id, now=utcnow()):
        text = notice_text(row, row)
        if text:
            notices.append({"id": row.id, "text": text})
    return notices


def group_notices(member) -> HomeSection | None:
    """A block on the member's home (/me) with the open notices."""
    notices = open_notices(member)
    if not notices:
        return None
    return HomeSection("group_notices", "counselling/_home_notices.html",
                       {"notices": notices}, 5)  # above the schedule: news not to miss


def dismiss_notice(member, notice_id: int) -> bool:
    """The member has read it: hide it (until the next change). False when
    the member has no such notice."""
    with db.atomic():
        notice = GroupNotice.get_or_none((GroupNotice.id == notice_id)
                                         & (GroupNotice.member == member))
        if notice is None:
            return False
        GroupNotice.update(dismissed_at=utcnow()).where(
            (GroupNotice.id == notice.id) & GroupNotice.dismissed_at.is_null()).execute()
    return True
