"""Group sessions: trainings and peer-support circles, weekly series,
sign-ups with a first-come waiting list, and the attendance register.

An upcoming session can be changed (title, facilitators, time, length,
room, places) by whoever may manage it. Places never drop below the
people who already have one: nobody loses a confirmed place because the
number changed (remove someone first, and they are told in person). More
places move people up from the waiting list, first come first. When a
session is cancelled or moves to another time or room, everyone signed up
(seat or waiting list) gets a notice on their home page (GroupNotice)."""
from __future__ import annotations

import datetime as dt
import uuid

from app.i18n import lazy_gettext as _l

from app import audit
from app.access import user_can
from app.auth.models import User, UserRole
from app.counselling import services
from app.counselling.models import GroupFacilitator, GroupNotice, GroupSession, GroupSignup
from app.counselling.services import CounsellingError
from app.db import db, utcnow
from app.members.models import Member
from app.waitlist import Waitlist

BOOKED, WAITLISTED, CANCELLED = GroupSignup.BOOKED, GroupSignup.WAITLISTED, GroupSignup.CANCELLED
# Seats and the first-come waiting list: the one implementation (app/waitlist.py),
# which education's class enrolments use too.
SEATS = Waitlist(GroupSignup, "session", holding=(BOOKED,), waiting=WAITLISTED, seated=BOOKED)

# Limits, stated once (the forms take them from here).
CAPACITY = (1, 200)
WEEKS = (1, 52)
MINUTES = (15, 8 * 60)
TITLE_MAX = GroupSession.title.max_length
ROOM_MAX = GroupSession.room.max_length
DESCRIPTION_MAX = 2000           # what the form accepts
FACILITATOR_ROLES = ("counsellor", "trainer", "coordinator", "mentor")


def _check_minutes(minutes: int) -> None:
    if not MINUTES[0] <= minutes <= MINUTES[1]:
        raise CounsellingError(_l("A session lasts between %(low)d and %(high)d minutes.",
                                  low=MINUTES[0], high=MINUTES[1]), "minutes")


def _check_capacity_range(capacity: int) -> None:
    if not CAPACITY[0] <= capacity <= CAPACITY[1]:
        raise CounsellingError(_l("Capacity is between %(low)d and %(high)d people.",
                                  low=CAPACITY[0], high=CAPACITY[1]), "capacity")


def create_sessions(title: str, starts_at: dt.datetime, minutes: int, room: str, capacity: int,
                    facilitator_ids, weeks: int = 1, description: str = "",
                    actor=None) -> list[GroupSession]:
    """One session, or a weekly series of `weeks` sessions."""
    title = (title or "").strip()
    if not title:
        raise CounsellingError(_l("Give the session a title."), "title")
    _check_capacity_range(capacity)
    if not WEEKS[0] <= weeks <= WEEKS[1]:
        raise CounsellingError(_l("A series has between %(low)d and %(high)d weeks.",
                                  low=WEEKS[0], high=WEEKS[1]), "weeks")
    _check_minutes(minutes)
    facilitators = list(User.select().where(User.id.in_(list(facilitator_ids or []))
                                            & (User.active == True)))  # noqa: E712
    if not facilitators:
        raise CounsellingError(_l("Choose at least one facilitator."), "facilitators")
    series = uuid.uuid4().hex if weeks > 1 else ""
    sessions = []
    with db.atomic():
        for week in range(weeks):
            start = starts_at + dt.timedelta(weeks=week)
            session = GroupSession.create(
                title=title[:TITLE_MAX], description=description or "",
                starts_at=start, ends_at=start + dt.timedelta(minutes=minutes),
                room=(room or "")[:ROOM_MAX], capacity=capacity, series=series, created_by=actor)
            GroupFacilitator.insert_many([{"session": session.id, "user": f.id}
                                          for f in facilitators]).execute()
            sessions.append(session)
        services.slots_changed()
        audit.record("counselling.group_created", "group_session", sessions[0].id,
                     f"{weeks} week(s)", actor=actor)
    return sessions


def active_signups(session: GroupSession):
    """The sign-ups of this session that are not cancelled (seats and the
    waiting list)."""
    return GroupSignup.select().where((GroupSignup.session == session)
                                      & (GroupSignup.status != CANCELLED))


def facilitator_choices(session: GroupSession | None = None) -> list[tuple[int, str]]:
    """Active staff who may facilitate; when changing a session, also its
    current facilitators (so keeping them is always a valid choice)."""
    people = (User.select(User.id, User.display_name)
              .join(UserRole, on=(UserRole.user == User.id))
              .where(UserRole.role.in_(FACILITATOR_ROLES) & (User.active == True))  # noqa: E712
              .distinct().order_by(User.display_name))
    choices = [(p.id, p.display_name) for p in people]
    if session is not None:
        known = {pid for pid, _name in choices}
        extra = (User.select(User.id, User.display_name)
                 .join(GroupFacilitator, on=(GroupFacilitator.user == User.id))
                 .where((GroupFacilitator.session == session) & User.id.not_in(list(known))
                        & (User.active == True)))  # noqa: E712
        choices += [(p.id, p.display_name) for p in extra]
    return choices


def upcoming(now: dt.datetime | None = None, limit: int = 50):
    return (GroupSession.select()
            .where(GroupSession.cancelled_at.is_null()
                   & (GroupSession.ends_at > (now or utcnow())))
            .order_by(GroupSession.starts_at).limit(limit))


def facilitator_names(sessions) -> dict[int, list[str]]:
    ids = [s.id for s in sessions]
    names: dict[int, list[str]] = {i: [] for i in ids}
    rows = (GroupFacilitator.select(GroupFacilitator.session, User.display_name)
            .join(User, on=(GroupFacilitator.user == User.id))
            .where(GroupFacilitator.session.in_(ids)).order_by(User.display_name))
    for row in rows:
        names[row.session_id].append(row.user.display_name)
    return names


def counts(sessions) -> dict[int, dict[str, int]]:
    from peewee import fn
    ids = [s.id for s in sessions]
    result = {i: {BOOKED: 0, WAITLISTED: 0} for i in ids}
    rows = (GroupSignup.select(GroupSignup.session, GroupSignup.status,
                               fn.COUNT(GroupSignup.id).alias("n"))
            .where(GroupSignup.session.in_(ids) & (GroupSignup.status != CANCELLED))
            .group_by(GroupSignup.session, GroupSignup.status))
    for row in rows:
        result[row.session_id][row.status] = row.n
    return result


def is_facilitator(user, session: GroupSession) -> bool:
    return GroupFacilitator.select().where((GroupFacilitator.session == session)
                                           & (GroupFacilitator.user == user.id)).exists()


def may_manage(user, session: GroupSession) -> bool:
    return user_can(user, "counselling.manage") or is_facilitator(user, session) \
        or session.created_by_id == user.id


def signups(session: GroupSession):
    return (GroupSignup.select(GroupSignup, Member)
            .join(Member, on=(GroupSignup.member == Member.id))
            .where((GroupSignup.session == session) & (GroupSignup.status != CANCELLED))
            .order_by(GroupSignup.status, GroupSignup.created_at, GroupSignup.id))


def booked_count(session: GroupSession) -> int:
    return SEATS.held(session.id)


def sign_up(session: GroupSession, member: Member, actor=None) -> GroupSignup:
    """A seat if one is free, else a place on the waiting list, in one
    transaction (IMMEDIATE on SQLite: the seat count cannot change under us)."""
    with db.atomic():
        if session.cancelled_at or session.starts_at <= utcnow():
            raise CounsellingError(_l("This session is no longer open for sign-up."))
        if member.anonymised_at or member.status == "exited":
            raise CounsellingError(_l("This member has left the centre: no new sign-ups."),
                                   "member")
        status = SEATS.status_for_new(session.id, session.capacity)
        existing = GroupSignup.get_or_none((GroupSignup.session == session)
                                           & (GroupSignup.member == member))
        if existing and existing.status != CANCELLED:
            raise CounsellingError(_l("Already signed up for this session."), "member")
        if existing:
            existing.status, existing.created_at, existing.cancelled_at = status, utcnow(), None
            existing.promoted_at, existing.created_by = None, actor
            existing.save()
            signup = existing
            GroupNotice.delete().where((GroupNotice.session == session)
                                       & (GroupNotice.member == member)
                                       & GroupNotice.removed_at.is_null(False)).execute()
        else:
            signup = GroupSignup.create(session=session, member=member, status=status,
                                        created_by=actor)
        audit.record("counselling.group_signup", "group_session", session.id, status,
                     actor=actor)
    return signup


def cancel_signup(signup: GroupSignup, actor=None, tell_member: bool = False) -> GroupSignup | None:
    """Free the seat; the first person waiting gets it. Returns them.
    `tell_member`: staff took them off, so their home page says so (a
    member who leaves by themselves knows)."""
    with db.atomic():
        was_booked = signup.status == BOOKED
        signup.status, signup.cancelled_at = CANCELLED, utcnow()
        signup.save(only=[GroupSignup.status, GroupSignup.cancelled_at])
        if tell_member:
            _notify_removed(signup)
        audit.record("counselling.group_signup_cancelled", "group_session", signup.session_id,
                     actor=actor)
        promoted = promote(signup.session) if was_booked else []
    return promoted[0] if promoted else None


def promote(session: GroupSession) -> list[GroupSignup]:
    """Move people from the waiting list into free seats, first come first."""
    if session.starts_at <= utcnow():
        return []
    promoted = SEATS.promote(session.id, session.capacity)
    for _signup in promoted:
        audit.record("counselling.group_promoted", "group_session", session.id)
    return promoted


def _check_capacity(session: GroupSession, capacity: int) -> None:
    _check_capacity_range(capacity)
    SEATS.refuse_fewer_than_held(session.id, capacity, error=CounsellingError)


def set_capacity(session: GroupSession, capacity: int, actor=None) -> None:
    with db.atomic():
        _check_capacity(session, capacity)
        session.capacity = capacity
        session.save(only=[GroupSession.capacity])
        promote(session)
        audit.record("counselling.group_capacity", "group_session", session.id, str(capacity),
                     actor=actor)


def cancel_session(session: GroupSession, actor=None) -> None:
    with db.atomic():
        _notify_signed_up(session, session.starts_at)
        session.cancelled_at = utcnow()
        session.save(only=[GroupSession.cancelled_at])
        services.slots_changed()
        audit.record("counselling.group_cancelled", "group_session", session.id, actor=actor)


def editable(session: GroupSession) -> bool:
    """Only an upcoming, not cancelled session can be changed."""
    return session.cancelled_at is None and session.starts_at > utcnow()


def minutes_of(session: GroupSession) -> int:
    return int((session.ends_at - session.starts_at).total_seconds() // 60)


def update_session(session: GroupSession, title: str, starts_at: dt.datetime, minutes: int,
                   room: str, capacity: int, facilitator_ids, description: str | None = None,
                   actor=None) -> list[str]:
    """Change an upcoming session (this one only, not the rest of its
    series). Everything is checked before anything is written. Returns the
    names of the changed fields (also the audit summary: no values)."""
    with db.atomic():
        new, facilitators = _checked_change(session, title, starts_at, minutes, room, capacity,
                                            facilitator_ids, description)
        current = {f.user_id for f in GroupFacilitator.select(GroupFacilitator.user)
                   .where(GroupFacilitator.session == session)}
        changed = [name for name, value in new.items() if getattr(session, name) != value]
        if facilitators != current:
            changed.append("facilitators")
        if not changed:
            return []
        if "starts_at" in changed or "room" in changed:
            _notify_signed_up(session, starts_at)
        more_places = capacity > session.capacity
        for name, value in new.items():
            setattr(session, name, value)
        session.save()
        if "facilitators" in changed:
            GroupFacilitator.delete().where((GroupFacilitator.session == session)
                                            & GroupFacilitator.user.not_in(list(facilitators))
                                            ).execute()
            GroupFacilitator.insert_many([{"session": session.id, "user": uid}
                                          for uid in sorted(facilitators - current)]).execute()
        if {"starts_at", "ends_at", "facilitators"} & set(changed):
            services.slots_changed()      # facilitating blocks a counsellor's free slots
        audit.record("counselling.group_edited", "group_session", session.id,
                     ", ".join(changed), actor=actor)
        if more_places:
            promote(session)
    return changed


def _checked_change(session, title, starts_at, minutes, room, capacity, facilitator_ids,
                    description) -> tuple[dict, set[int]]:
    """The new values of a session and its facilitators' ids, or a refusal."""
    if not editable(session):
        raise CounsellingError(_l("This session has started or is cancelled: it can no "
                                  "longer be changed."))
    title = (title or "").strip()[:TITLE_MAX]
    if not title:
        raise CounsellingError(_l("Give the session a title."), "title")
    _check_minutes(minutes)
    if starts_at <= utcnow():
        raise CounsellingError(_l("This date and time have already passed: choose a later "
                                  "one."), "day")
    _check_capacity(session, capacity)
    facilitators = {u.id for u in User.select(User.id).where(
        User.id.in_(list(facilitator_ids or [])) & (User.active == True))}  # noqa: E712
    if not facilitators:
        raise CounsellingError(_l("Choose at least one facilitator."), "facilitators")
    new = {"title": title, "starts_at": starts_at,
           "ends_at": starts_at + dt.timedelta(minutes=minutes),
           "room": (room or "").strip()[:ROOM_MAX], "capacity": capacity}
    if description is not None:
        new["description"] = description.strip()
    return new, facilitators


def _notify_removed(signup: GroupSignup) -> None:
    session = GroupSession.get_by_id(signup.session_id)
    if session.starts_at <= utcnow():
        return
    now = utcnow()
    GroupNotice.delete().where((GroupNotice.session == session)
                               & (GroupNotice.member == signup.member_id)).execute()
    GroupNotice.create(member=signup.member_id, session=session.id,
                       known_starts_at=session.starts_at, known_room=session.room or "",
                       show_until=session.starts_at, changed_at=now, removed_at=now)


def _notify_signed_up(session: GroupSession, new_starts_at: dt.datetime) -> None:
    """Before a cancellation or a move is saved (`session` still as the
    members knew it): a notice for everyone signed up (seat or waiting
    list), shown until the later of the old and the new start. A notice
    the member has not dismissed keeps what they knew before; a dismissed
    one starts again from the session as it is now."""
    now = utcnow()
    known_starts_at, known_room = session.starts_at, session.room or ""
    people = [row.member_id for row in GroupSignup.select(GroupSignup.member).where(
        (GroupSignup.session == session)
        & GroupSignup.status.in_([BOOKED, WAITLISTED]))]
    if not people:
        return
    open_ = {n.member_id: n for n in GroupNotice.select().where(
        (GroupNotice.session == session) & GroupNotice.member.in_(people))}
    for member_id in people:
        notice = open_.get(member_id)
        if notice is None:
            GroupNotice.create(member=member_id, session=session.id,
                               known_starts_at=known_starts_at, known_room=known_room,
                               show_until=max(known_starts_at, new_starts_at), changed_at=now)
            continue
        if notice.dismissed_at is not None:
            notice.known_starts_at, notice.known_room = known_starts_at, known_room
            notice.dismissed_at = None
        notice.show_until = max(notice.known_starts_at, new_starts_at)
        notice.changed_at = now
        notice.save()


def record_attendance(session: GroupSession, present_ids, actor=None) -> int:
    """The register: every confirmed seat is marked present or absent."""
    with db.atomic():
        if session.starts_at > utcnow():
            raise CounsellingError(_l("The register opens when the session starts."))
        present = {int(i) for i in present_ids}
        rows = list(GroupSignup.select().where((GroupSignup.session == session)
                                               & (GroupSignup.status == BOOKED)))
        for row in rows:
            row.attended = row.id in present
            row.save(only=[GroupSignup.attended])
        audit.record("counselling.group_register", "group_session", session.id,
                     f"{len(present & {r.id for r in rows})}/{len(rows)} present", actor=actor)
    return len(rows)


def member_signups(member: Member, now: dt.datetime | None = None):
    return (GroupSignup.select(GroupSignup, GroupSession)
            .join(GroupSession, on=(GroupSignup.session == GroupSession.id))
            .where((GroupSignup.member == member) & (GroupSignup.status != CANCELLED)
                   & GroupSession.cancelled_at.is_null()
                   & (GroupSession.ends_at > (now or utcnow())))
            .order_by(GroupSession.starts_at))
