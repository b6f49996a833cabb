"""Counselling: availability, exceptions, holidays, one-to-one bookings,
group sessions and their sign-ups, confidential notes, calendar feeds.

Times are stored as naive UTC; availability templates are wall-clock
times in Africa/Nairobi (the centre's time) and turned into UTC slots by
`slots.compute_slots`.
"""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.db import BaseModel, in_calendar, utcnow, years_in_calendar
from app.members.models import Member

# booked -> attended | no_show | cancelled_member | cancelled_centre
BOOKED, ATTENDED, NO_SHOW = "booked", "attended", "no_show"
CANCELLED_MEMBER, CANCELLED_CENTRE = "cancelled_member", "cancelled_centre"
STATUSES = (BOOKED, ATTENDED, NO_SHOW, CANCELLED_MEMBER, CANCELLED_CENTRE)
HOLDING = (BOOKED, ATTENDED, NO_SHOW)          # statuses that hold the time
RISK_LEVELS = ("none", "low", "medium", "high")
EXCEPTION_KINDS = ("leave", "holiday", "training", "other")


class CounsellingSettings(BaseModel):
    """One row: the booking rules the coordinator may change."""
    self_booking = pw.BooleanField(default=True)
    notice_minutes = pw.IntegerField(default=120)
    window_days = pw.IntegerField(default=42)
    member_cutoff_hours = pw.IntegerField(default=24)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")


class Holiday(BaseModel):
    """A public holiday: every year on month/day, or once when `year` is set.
    Seeded rows carry a `key` (translated name); added rows a typed name."""
    key = pw.CharField(max_length=32, null=True, unique=True)
    name = pw.CharField(max_length=80)
    month = pw.IntegerField()
    day = pw.IntegerField()
    year = pw.IntegerField(null=True)
    active = pw.BooleanField(default=True)

    class Meta:
        constraints = years_in_calendar("year")


class AvailabilityTemplate(BaseModel):
    counsellor = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    weekday = pw.IntegerField()                  # 0 = Monday
    start_time = pw.TimeField(formats=["%H:%M:%S", "%H:%M"])   # Nairobi wall clock
    end_time = pw.TimeField(formats=["%H:%M:%S", "%H:%M"])     # <= start: ends next day
    session_minutes = pw.IntegerField(default=50)
    buffer_minutes = pw.IntegerField(default=10)
    room = pw.CharField(max_length=60, default="")
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("counsellor", "weekday"), False),)


class AvailabilityException(BaseModel):
    """Time a counsellor is away (leave, training); naive UTC range."""
    counsellor = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField()
    kind = pw.CharField(max_length=16, default="leave")
    note = pw.CharField(max_length=120, default="")
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = ((("counsellor", "ends_at"), False),)
        constraints = in_calendar("starts_at", "ends_at")


class Booking(BaseModel):
    """A one-to-one session. `slot_key` is set while the booking holds its
    time and NULL once cancelled: a UNIQUE index on it is the database's
    guarantee of one active booking per counsellor and start time;
    `member_key` does the same for one member and start time."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    counsellor = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField()
    buffer_minutes = pw.IntegerField(default=10)
    room = pw.CharField(max_length=60, default="")
    status = pw.CharField(max_length=20, default=BOOKED)
    slot_key = pw.CharField(max_length=40, null=True, unique=True)
    member_key = pw.CharField(max_length=40, null=True, unique=True)
    booked_by_member = pw.BooleanField(default=False)
    cancel_reason = pw.CharField(max_length=255, default="")
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    status_changed_at = pw.DateTimeField(default=utcnow)
    is_demo = pw.BooleanField(default=False)

    class Meta:
        indexes = (
            (("counsellor", "starts_at"), False),
            (("member", "starts_at"), False),
            (("starts_at", "status"), False),
        )
        constraints = in_calendar("starts_at", "ends_at")

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDING


class BookingEvent(BaseModel):
    """History of a booking: made, moved (old and new time), cancelled,
    marked attended or no-show. Never edited."""
    booking = pw.ForeignKeyField(Booking, backref="events", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow)
    actor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    action = pw.CharField(max_length=20)
    old_starts_at = pw.DateTimeField(null=True)
    new_starts_at = pw.DateTimeField(null=True)
    old_counsellor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    reason = pw.CharField(max_length=255, default="")

    class Meta:
        indexes = ((("booking", "id"), False),)


class GroupSession(BaseModel):
    """A training or peer-support circle; `series` groups weekly repeats."""
    title = pw.CharField(max_length=120)
    description = pw.TextField(default="")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField()
    room = pw.CharField(max_length=60, default="")
    capacity = pw.IntegerField(default=12)
    series = pw.CharField(max_length=36, default="", index=True)
    cancelled_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("starts_at",), False),)
        constraints = in_calendar("starts_at", "ends_at")


class GroupFacilitator(BaseModel):
    session = pw.ForeignKeyField(GroupSession, backref="facilitators", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")

    class Meta:
        indexes = ((("session", "user"), True), (("user", "session"), False))


class GroupSignup(BaseModel):
    """A seat (`booked`) or a place in the queue (`waitlisted`, first come
    first served by id); `promoted_at` when a freed seat moved it up."""
    BOOKED, WAITLISTED, CANCELLED = "booked", "waitlisted", "cancelled"
    session = pw.ForeignKeyField(GroupSession, backref="signups", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    status = pw.CharField(max_length=12, default="booked")
    attended = pw.BooleanField(null=True)
    promoted_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    cancelled_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("session", "member"), True), (("member", "status"), False),
                   (("session", "status", "id"), False))


class SessionNote(BaseModel):
    """Confidential: read only by the author and counselling.supervise,
    every read audited, never in reports, search or summaries. Never in an
    export either, except the member's own data export once a counsellor
    released it (`released_at`; only its date and text go, see notes.py)."""
    booking = pw.ForeignKeyField(Booking, unique=True, backref="+", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    text = pw.TextField()
    concerns = pw.TextField(default="")
    risk_level = pw.CharField(max_length=8, default="")
    follow_up = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    released_at = pw.DateTimeField(null=True)
    released_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")


class GroupNotice(BaseModel):
    """Tells a member that a group session they signed up for (seat or
    waiting list) was cancelled, or moved to another time or room. One row
    per member and session: a later change updates it. `known_starts_at`
    and `known_room` are what the member last knew; the wording is worked
    out from the session as it is now (schedule.group_notices). Shown on
    the member's home until `show_until` (the later of the old and new
    start) or until they dismiss it; a change after a dismissal shows it
    again. `removed_at`: staff took the member off the session (they are
    told, until its start, unless they sign up again)."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    session = pw.ForeignKeyField(GroupSession, backref="+", on_delete="CASCADE")
    known_starts_at = pw.DateTimeField()
    known_room = pw.CharField(max_length=60, default="")
    show_until = pw.DateTimeField()
    changed_at = pw.DateTimeField(default=utcnow)
    dismissed_at = pw.DateTimeField(null=True)
    removed_at = pw.DateTimeField(null=True)   # staff took the member off the session

    class Meta:
        indexes = ((("member", "session"), True), (("member", "show_until"), False))


class CalendarFeed(BaseModel):
    """A user's secret calendar address; only a hash of the token is kept."""
    user = pw.ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)


class SlotsVersion(BaseModel):
    """One row whose random `token` changes with every write that can change
    free slots (bookings, availability, exceptions, group sessions,
    holidays, rules). Each worker keeps computed free slots only while the
    token it read before computing them is still the current one
    (services.free_slots); no row yet means nothing is cached."""
    token = pw.CharField(max_length=32)


MODELS = [CounsellingSettings, Holiday, AvailabilityTemplate, AvailabilityException, Booking,
          BookingEvent, GroupSession, GroupFacilitator, GroupSignup, SessionNote, CalendarFeed,
          SlotsVersion, GroupNotice]
