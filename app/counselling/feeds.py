"""Private calendar feeds (iCalendar, built with the icalendar library).

Each user may have one secret address; only a SHA-256 of its token is
stored, so the address is shown once when made. Making a new one or
revoking it makes the old address answer 404. Titles are discreet: the
feed leaves the Pi (phone calendars sync to the cloud). A counsellor's
feed names members by code only; a member's feed never says what the
appointment is for.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from flask_babel import force_locale
from app.i18n import gettext as _

from app import audit
from app.access import user_can
from app.counselling.models import (
    BOOKED, HOLDING, Booking, CalendarFeed, GroupFacilitator, GroupSession, GroupSignup)
from app.db import db, utcnow
from app.registry import registry
from app.members.models import Member

PAST_DAYS = 30
FUTURE_DAYS = 120


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.get_or_none(CalendarFeed.user == user.id)


def issue(user) -> str:
    """A new secret token (replacing any old one). Returns the token."""
    token = secrets.token_urlsafe(24)
    with db.atomic():
        CalendarFeed.delete().where(CalendarFeed.user == user.id).execute()
        CalendarFeed.create(user=user.id, token_hash=_hash(token))
        audit.record("counselling.feed_issued", "user", user.id, actor=user)
    return token


def revoke(user) -> None:
    with db.atomic():
        CalendarFeed.delete().where(CalendarFeed.user == user.id).execute()
        audit.record("counselling.feed_revoked", "user", user.id, actor=user)


def user_for_token(token: str):
    """The user whose calendar this token opens (an active one who may
    have a feed), noting when it was last used; None otherwise."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.get_or_none(CalendarFeed.token_hash == _hash(token))
    if feed is None or not feed.user.active or not user_can(feed.user, "counselling.feed"):
        return None
    CalendarFeed.update(last_used_at=utcnow()).where(CalendarFeed.id == feed.id).execute()
    return feed.user


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.timezone.utc)


def _event(uid: str, start, end, summary: str, location: str = ""):
    from icalendar import Event       # see build()
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", _utc(utcnow()))
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    return event


def _schedule_event(item, host: str) -> Event:
    starts = item.starts_at.astimezone(dt.timezone.utc).replace(tzinfo=None) \
        if item.starts_at.tzinfo else item.starts_at
    ends = item.ends_at
    if ends is not None and ends.tzinfo:
        ends = ends.astimezone(dt.timezone.utc).replace(tzinfo=None)
    uid = item.uid or "me-" + hashlib.sha256(
        f"{item.title}|{starts.isoformat()}|{item.place}".encode()).hexdigest()[:20]
    event = _event(f"{uid}@kituo", starts, ends or starts + dt.timedelta(hours=1), item.title,
                   item.place or host)
    if item.tentative:
        event.add("status", "TENTATIVE")
    return event


def build(user) -> bytes:
    """The user's calendar: sessions they give, appointments they have."""
    from app.members.services import member_for_user
    now = utcnow()
    start, end = now - dt.timedelta(days=PAST_DAYS), now + dt.timedelta(days=FUTURE_DAYS)
    host = current_app.config.get("CENTRE_NAME", "Kituo")
    # icalendar costs ~10 MB per process: imported here, so the huey worker
    # (which never builds a feed) does not carry it; the web master loads it
    # once for its workers (app.preload.compile_for_workers).
    from icalendar import Calendar
    cal = Calendar()
    cal.add("prodid", "-//Kituo//Calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", host)
    with force_locale(user.language or "en"):
        if user_can(user, "counselling.agenda"):
            rows = (Booking.select(Booking, Member.code)
                    .join(Member, on=(Booking.member == Member.id))
                    .where((Booking.counsellor == user.id) & Booking.status.in_(HOLDING)
                           & (Booking.starts_at >= start) & (Booking.starts_at < end)))
            for b in rows:
                cal.add_component(_event(f"booking-{b.id}@kituo", b.starts_at, b.ends_at,
                                         _("Session: %(code)s", code=b.member.code), b.room))
        facilitated = (GroupSession.select().join(
            GroupFacilitator, on=(GroupFacilitator.session == GroupSession.id))
            .where((GroupFacilitator.user == user.id) & GroupSession.cancelled_at.is_null()
                   & (GroupSession.starts_at >= start) & (GroupSession.starts_at < end)))
        for s in facilitated:
            cal.add_component(_event(f"group-{s.id}@kituo", s.starts_at, s.ends_at,
                                     _("Group session at the centre"), s.room))
        member = member_for_user(user)
        if member is not None and not member.anonymised_at:
            # Everything the member's schedule on /me shows (every module's
            # schedule provider): titles and places only, never the details.
            for item in registry().schedule_for(member, start, end):
                cal.add_component(_schedule_event(item, host))
    return cal.to_ical()
