"""One-to-one bookings, tested without HTTP: booking a free slot, moving,
cancelling, marking attendance, and who sees which booking.

Every write opens its own transaction (IMMEDIATE on SQLite). The UNIQUE
`slot_key` and `member_key` columns are the database's guarantee of one
active booking per counsellor and start time, and per member and start
time: two people racing for one time get one booking and one SlotTaken
with the next free times.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw
from app.i18n import lazy_gettext as _l

from app import audit
from app.access import scoped, user_can
from app.auth.models import User
from app.clock import to_local, today
from app.counselling import services
from app.counselling.models import (
    ATTENDED, BOOKED, CANCELLED_CENTRE, CANCELLED_MEMBER, HOLDING, NO_SHOW, Booking,
    BookingEvent, SessionNote)
from app.counselling.services import CounsellingError
from app.db import db, utcnow
from app.members.models import Member

REASON_MAX = Booking.cancel_reason.max_length


class SlotTaken(CounsellingError):
    """Someone else took the time first (409); `alternatives` are the next
    free slots (also in `context`, for app.forms.submit)."""
    status = 409

    def __init__(self, alternatives=()):
        super().__init__(_l("This time was just taken. Here are the next free times."),
                         alternatives=list(alternatives))
        self.alternatives = self.context["alternatives"]


def slot_key(counsellor_id: int, starts_at: dt.datetime) -> str:
    return f"{counsellor_id}@{starts_at:%Y-%m-%dT%H:%M}"


def member_key(member_id: int, starts_at: dt.datetime) -> str:
    return f"{member_id}@{starts_at:%Y-%m-%dT%H:%M}"


# --- booking, moving, cancelling, marking ------------------------------------------------------

def book(member: Member, counsellor_id: int, starts_at: dt.datetime, actor=None,
         by_member: bool = False) -> Booking:
    """Book a free slot, or raise SlotTaken with the next free times. The
    check and the insert run in one transaction; the next free times are
    looked up after it, so the write lock is never held for them."""
    try:
        with db.atomic():
            _check_member(member)
            if by_member:
                _refuse_self_service_off()
            slot = services.offered_slot(counsellor_id, starts_at, by_member)
            if slot is None:
                raise SlotTaken()
            if _member_overlap(member.id, slot.start, slot.end):
                raise CounsellingError(_l("The member already has an appointment at that "
                                          "time."), "starts_at")
            booking = Booking.create(
                member=member, counsellor=slot.counsellor_id, starts_at=slot.start,
                ends_at=slot.end, buffer_minutes=slot.buffer_minutes, room=slot.room,
                slot_key=slot_key(slot.counsellor_id, slot.start),
                member_key=member_key(member.id, slot.start), booked_by_member=by_member,
                created_by=actor)
            _log(booking, BOOKED, actor, new_starts_at=slot.start)
            services.slots_changed()
            audit.record("counselling.booked", "booking", booking.id,
                         "by member" if by_member else "by staff", actor=actor)
    except (SlotTaken, pw.IntegrityError):     # the UNIQUE keys: someone was faster
        raise SlotTaken(_next_free(counsellor_id, starts_at, by_member)) from None
    return booking


def _next_free(counsellor_id: int, after: dt.datetime, by_member: bool):
    """What a refused booking offers instead: this counsellor's next free
    times, else anyone's."""
    return (services.next_free_slots(counsellor_id, by_member=by_member, after=after)
            or services.next_free_slots(None, by_member=by_member, after=after))


def _check_member(member: Member) -> None:
    if member.anonymised_at or member.status == "exited":
        raise CounsellingError(_l("This member has left the centre: no new bookings."), "member")


def _member_overlap(member_id: int, start: dt.datetime, end: dt.datetime, ignore=None) -> bool:
    query = Booking.select(Booking.id).where(
        (Booking.member == member_id) & Booking.status.in_(HOLDING)
        & (Booking.starts_at < end) & (Booking.ends_at > start))
    if ignore is not None:
        query = query.where(Booking.id != ignore.id)
    return query.exists()


def _log(booking: Booking, action: str, actor=None, old_starts_at=None, new_starts_at=None,
         old_counsellor=None, reason: str = "") -> None:
    BookingEvent.create(booking=booking, action=action, actor=actor, old_starts_at=old_starts_at,
                        new_starts_at=new_starts_at, old_counsellor=old_counsellor,
                        reason=reason[:BookingEvent.reason.max_length])


def within_member_cutoff(booking: Booking, now: dt.datetime | None = None) -> bool:
    """True when it is too late for the member to change this booking."""
    now = now or utcnow()
    return booking.starts_at - now < dt.timedelta(
        hours=services.settings().member_cutoff_hours)


def _refuse_self_service_off() -> None:
    if not services.self_booking_on():
        raise CounsellingError(_l("Booking online is switched off. Please contact the centre."))


def _refuse_inside_cutoff(booking: Booking) -> None:
    if within_member_cutoff(booking):
        raise CounsellingError(_l(
            "This appointment is less than %(hours)d hours away and can no longer be changed "
            "here. Please contact the centre.", hours=services.settings().member_cutoff_hours))


def reschedule(booking: Booking, counsellor_id: int, starts_at: dt.datetime, actor=None,
               by_member: bool = False) -> Booking:
    """Move a booking; its history keeps the old time and counsellor. As
    `book`: one transaction, the next free times looked up after it."""
    try:
        with db.atomic():
            if booking.status != BOOKED:
                raise CounsellingError(_l("Only a booked appointment can be moved."))
            if by_member:
                _refuse_self_service_off()
                _refuse_inside_cutoff(booking)
            if counsellor_id == booking.counsellor_id and starts_at == booking.starts_at:
                raise CounsellingError(
                    _l("The appointment is already at that time. Choose another."), "starts_at")
            slot = services.offered_slot(counsellor_id, starts_at, by_member,
                                         ignore_booking=booking)
            if slot is None:
                raise SlotTaken()
            if _member_overlap(booking.member_id, slot.start, slot.end, ignore=booking):
                raise CounsellingError(_l("The member already has an appointment at that "
                                          "time."), "starts_at")
            Booking.update(counsellor=slot.counsellor_id, starts_at=slot.start, ends_at=slot.end,
                           buffer_minutes=slot.buffer_minutes, room=slot.room,
                           slot_key=slot_key(slot.counsellor_id, slot.start),
                           member_key=member_key(booking.member_id, slot.start)
                           ).where(Booking.id == booking.id).execute()
            _log(booking, "rescheduled", actor, old_starts_at=booking.starts_at,
                 new_starts_at=slot.start, old_counsellor=booking.counsellor_id)
            services.slots_changed()
            audit.record("counselling.rescheduled", "booking", booking.id,
                         "by member" if by_member else "by staff", actor=actor)
    except (SlotTaken, pw.IntegrityError):
        raise SlotTaken(services.next_free_slots(counsellor_id, by_member=by_member,
                                                 after=starts_at, ignore_booking=booking)
                        ) from None
    return Booking.get_by_id(booking.id)


def cancel(booking: Booking, reason: str, actor=None, by_member: bool = False) -> None:
    with db.atomic():
        if booking.status != BOOKED:
            raise CounsellingError(_l("Only a booked appointment can be cancelled."))
        reason = (reason or "").strip()
        if not reason:
            raise CounsellingError(_l("Say why the appointment is cancelled."), "reason")
        if by_member:
            _refuse_inside_cutoff(booking)
        status = CANCELLED_MEMBER if by_member else CANCELLED_CENTRE
        Booking.update(status=status, slot_key=None, member_key=None,
                       cancel_reason=reason[:REASON_MAX], status_changed_at=utcnow()
                       ).where(Booking.id == booking.id).execute()
        services.slots_changed()
        _log(booking, status, actor, old_starts_at=booking.starts_at, reason=reason)
        audit.record("counselling.cancelled", "booking", booking.id, status, actor=actor)


def mark(booking: Booking, status: str, actor=None, now: dt.datetime | None = None) -> None:
    """booked -> attended | no_show once the session has begun; the two
    may be swapped to correct a mistake unless a note exists."""
    with db.atomic():
        if status not in (ATTENDED, NO_SHOW):
            raise CounsellingError(_l("Choose attended or did not come."))
        if booking.status not in (BOOKED, ATTENDED, NO_SHOW):
            raise CounsellingError(_l("A cancelled appointment cannot be marked."))
        if booking.starts_at > (now or utcnow()):
            raise CounsellingError(_l("The appointment has not started yet."))
        if status == NO_SHOW and SessionNote.select().where(
                SessionNote.booking == booking).exists():
            raise CounsellingError(_l("This session has notes: it was attended."))
        Booking.update(status=status, status_changed_at=utcnow()).where(
            Booking.id == booking.id).execute()
        services.slots_changed()
        _log(booking, status, actor)
        audit.record("counselling.marked", "booking", booking.id, status, actor=actor)


def history(booking: Booking):
    return BookingEvent.select().where(BookingEvent.booking == booking).order_by(BookingEvent.id)


def counsellor_of(booking: Booking) -> User:
    return User.get_by_id(booking.counsellor_id)


# --- who sees which booking ----------------------------------------------------------------------

def visible_bookings(user):
    """Coordinators (counselling.manage) see all; a counsellor their own."""
    return scoped(Booking.select(Booking, Member).join(Member, on=(Booking.member == Member.id)),
                  user, "counselling.manage", "counselling.agenda", Booking.counsellor)


def movable_bookings(user):
    """The bookings `user` may see that still hold their time (to move)."""
    return visible_bookings(user).where(Booking.status == BOOKED)


def visible_booking(user, booking_id) -> Booking | None:
    return visible_bookings(user).where(Booking.id == booking_id).first()


def member_bookings(member: Member, upcoming_only: bool = True):
    query = (Booking.select(Booking, User.display_name.alias("counsellor_name"))
             .join(User, on=(Booking.counsellor == User.id)).where(Booking.member == member))
    if upcoming_only:
        query = query.where((Booking.status == BOOKED) & (Booking.ends_at > utcnow()))
    return query.order_by(Booking.starts_at).objects()


def own_booking(member: Member, booking_id) -> Booking | None:
    """The member's own booking that still holds its time (to cancel or move)."""
    return Booking.get_or_none((Booking.id == booking_id) & (Booking.member == member)
                               & (Booking.status == BOOKED))


def counsellor_members(user):
    """A counsellor's clients: members with an appointment with them that
    was not cancelled (booked, attended, did not come). The members module
    lets counsellors find these, and no one else; a cancelled booking opens
    nothing (booking a code and cancelling it is not a way in)."""
    if not user_can(user, "counselling.agenda"):
        return None
    return Booking.select(Booking.member).where((Booking.counsellor == user.id)
                                                & Booking.status.in_(HOLDING))


def may_book_for(user, visible: bool) -> bool:
    """Whom staff may book by member code: with counselling.manage
    (coordinators, admins) any member; a counsellor only members they may
    already see (their clients, their mentees). A first appointment is
    booked by a coordinator or by the member (self-booking)."""
    return visible or user_can(user, "counselling.manage")


# --- agendas and lists ---------------------------------------------------------------------------

def bookings_between(counsellor_id: int, start: dt.datetime, end: dt.datetime):
    return (Booking.select(Booking, Member.code, Member.preferred_name, Member.id)
            .join(Member, on=(Booking.member == Member.id))
            .where((Booking.counsellor == counsellor_id) & (Booking.starts_at >= start)
                   & (Booking.starts_at < end))
            .order_by(Booking.starts_at))


def week_view(counsellor: User, monday: dt.date, by_member: bool = False) -> list[dict]:
    """Seven local days: free slots and (for staff) the bookings."""
    start, end = services.local_range(monday, monday + dt.timedelta(days=6))
    free = services.free_slots([counsellor.id], start, end, by_member)
    days = [{"date": monday + dt.timedelta(days=i), "slots": [], "bookings": []}
            for i in range(7)]
    for slot in free:
        days[(to_local(slot.start).date() - monday).days]["slots"].append(slot)
    if not by_member:
        for booking in bookings_between(counsellor.id, start, end):
            days[(to_local(booking.starts_at).date() - monday).days]["bookings"].append(booking)
    return days


def agenda(counsellor_id: int, first: dt.date, days: int) -> list[dict]:
    """`days` local days from `first`, each with its bookings (cancelled
    ones too, marked as such)."""
    start, end = services.local_range(first, first + dt.timedelta(days=days - 1))
    result = [{"date": first + dt.timedelta(days=i), "bookings": []} for i in range(days)]
    rows = (bookings_between(counsellor_id, start, end)
            .select(Booking.id, Booking.starts_at, Booking.ends_at, Booking.status,
                    Booking.room, Member.code, Member.preferred_name, Member.id)
            .where(Booking.status.in_(HOLDING + (CANCELLED_MEMBER, CANCELLED_CENTRE))))
    for row in rows:
        result[(to_local(row.starts_at).date() - first).days]["bookings"].append(row)
    return result


def tomorrows_appointments(day_before: dt.date | None = None):
    """Tomorrow's booked appointments (for the reminder calls)."""
    day = (day_before or today()) + dt.timedelta(days=1)
    start, end = services.local_range(day, day)
    rows = (Booking.select(Booking, Member, User)
            .join(Member, on=(Booking.member == Member.id))
            .switch(Booking).join(User, on=(Booking.counsellor == User.id))
            .where((Booking.status == BOOKED) & (Booking.starts_at >= start)
                   & (Booking.starts_at < end))
            .order_by(Booking.starts_at, User.display_name))
    return day, list(rows)


def reminder_list(actor) -> tuple[dt.date, list[dict]]:
    """Tomorrow's appointments with the phone number to call: a look at
    personal data, so it is audited (counts only)."""
    from app.members.services import contact_phone
    day, rows = tomorrows_appointments()
    entries = [{"booking": b, "member": b.member, "counsellor": b.counsellor,
                "phone": contact_phone(b.member)} for b in rows]
    audit.record("counselling.reminder_list", "booking", None, f"{len(entries)} appointments",
                 actor=actor)
    return day, entries


def scrub_member(member) -> None:
    """Anonymisation (members.anonymise): session notes and reasons typed
    about the member go; times, statuses and attendance stay for statistics."""
    with db.atomic():
        SessionNote.update(text="", concerns="", follow_up="", released_at=None,
                           released_by=None).where(SessionNote.member == member).execute()
        bookings = Booking.select(Booking.id).where(Booking.member == member)
        Booking.update(cancel_reason="").where(Booking.member == member).execute()
        BookingEvent.update(reason="").where(BookingEvent.booking.in_(bookings)).execute()
