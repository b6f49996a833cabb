"""Classes and their timetable: sessions generated from a weekly pattern,
skipping Kenya's public holidays (the list counselling keeps), and single
sessions moved, added or cancelled. A trainer or a room is never in two
sessions at once: every write checks for clashes, inside its transaction
(IMMEDIATE on SQLite, so two people saving at once cannot both pass)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from app import audit
from app.auth.models import User
from app.clock import utcnow
from app.db import Prepared, db
from app.education.models import (
    HOLDING, ClassSession, ClassTrainer, Course, Enrolment, TrainingClass)
from app import clock
from app.filters import local_datetime
from app.i18n import gettext as _, lazy_gettext as _l
from app.rules import RuleError, today
from app.waitlist import Waitlist

MAX_WEEKS = 104
MOST_PLACES = 200
FIRST_YEAR, LAST_YEAR = clock.CALENDAR_FIRST.year, clock.CALENDAR_LAST.year

PLACES = Waitlist(Enrolment, "klass", holding=HOLDING, waiting="waitlisted", seated="enrolled")


def to_utc(day: dt.date, at: dt.time) -> dt.datetime:
    """A day and a time at the centre, as stored (naive UTC)."""
    return clock.to_utc(dt.datetime.combine(day, at))


def weekdays_of(mask: int) -> list[int]:
    return [d for d in range(7) if mask & (1 << d)]


def mask_of(weekdays) -> int:
    mask = 0
    for day in weekdays or ():
        mask |= 1 << int(day)
    return mask


@dataclass
class Pattern:
    """Every `weekdays` (0 = Monday) from `first` to `last`, `starts`-`ends`
    Nairobi time."""
    weekdays: list[int]
    starts: dt.time
    ends: dt.time
    first: dt.date
    last: dt.date


def check_pattern(pattern: Pattern) -> None:
    if pattern.first is None:
        raise RuleError(_l("This field is required."), "start_date")
    if pattern.last is None:
        raise RuleError(_l("This field is required."), "end_date")
    for name, day in (("start_date", pattern.first), ("end_date", pattern.last)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise RuleError(_l("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR,
                               last=LAST_YEAR), name)
    if pattern.last < pattern.first:
        raise RuleError(_l("The end date is before the start date."), "end_date")
    if (pattern.last - pattern.first).days > MAX_WEEKS * 7:
        raise RuleError(_l("A class runs for at most %(n)d weeks.", n=MAX_WEEKS), "end_date")
    if not pattern.weekdays:
        raise RuleError(_l("Choose at least one day of the week."), "weekdays")
    if pattern.starts is None:
        raise RuleError(_l("This field is required."), "starts_time")
    if pattern.ends is None:
        raise RuleError(_l("This field is required."), "ends_time")
    if pattern.ends <= pattern.starts:
        raise RuleError(_l("The end time is before the start time."), "ends_time")


def session_days(pattern: Pattern, holidays: set[dt.date]) -> list[dt.date]:
    """The dates the pattern gives, public holidays left out."""
    days = []
    day = pattern.first
    wanted = set(pattern.weekdays)
    while day <= pattern.last:
        if day.weekday() in wanted and day not in holidays:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def holidays_between(first: dt.date, last: dt.date) -> set[dt.date]:
    from app.counselling.holidays import holidays_between as counselling_holidays
    return counselling_holidays(first, last)


def sessions_for(pattern: Pattern) -> list[tuple[dt.datetime, dt.datetime]]:
    check_pattern(pattern)
    days = session_days(pattern, holidays_between(pattern.first, pattern.last))
    if not days:
        raise RuleError(_l("This pattern gives no sessions between these dates (check the days "
                           "of the week and the public holidays)."), "weekdays")
    return [(to_utc(d, pattern.starts), to_utc(d, pattern.ends)) for d in days]


# --- clashes -------------------------------------------------------------------------------

@dataclass
class Clash:
    session: ClassSession
    course_title: str
    who: str            # the trainer's name, or "" for the room
    place: str

    def describe(self) -> str:
        when = local_datetime(self.session.starts_at)
        if self.who:
            return _("%(who)s already teaches %(course)s on %(when)s.", who=self.who,
                     course=self.course_title, when=when)
        return _("%(place)s is taken by %(course)s on %(when)s.", place=self.place,
                 course=self.course_title, when=when)


def find_clashes(times, trainer_ids, place: str, ignore_class: int | None = None,
                 ignore_session: int | None = None, limit: int = 3) -> list[Clash]:
    """Sessions (not cancelled) overlapping any of `times` that share a
    trainer or the place (same name, any case)."""
    if not times:
        return []
    lo, hi = min(s for s, _e in times), max(e for _s, e in times)
    place_key = (place or "").strip().lower()
    trainer_ids = [int(i) for i in trainer_ids or ()]
    candidates = (ClassSession.select(ClassSession, TrainingClass, Course)
                  .join(TrainingClass).join(Course)
                  .where(ClassSession.cancelled_at.is_null() & TrainingClass.cancelled_at.is_null()
                         & (ClassSession.starts_at < hi) & (ClassSession.ends_at > lo)))
    shares = pw.fn.LOWER(ClassSession.place) == place_key if place_key else None
    if trainer_ids:
        taught = ClassSession.klass.in_(ClassTrainer.select(ClassTrainer.klass)
                                        .where(ClassTrainer.user.in_(trainer_ids)))
        shares = taught if shares is None else (shares | taught)
    if shares is None:
        return []
    candidates = candidates.where(shares)
    if ignore_class:
        candidates = candidates.where(ClassSession.klass != ignore_class)
    if ignore_session:
        candidates = candidates.where(ClassSession.id != ignore_session)
    rows = list(candidates)
    if not rows:
        return []
    teaching: dict[int, list[int]] = {}
    for link in ClassTrainer.select().where(
            ClassTrainer.klass.in_({r.klass_id for r in rows}) & ClassTrainer.user.in_(trainer_ids)):
        teaching.setdefault(link.klass_id, []).append(link.user_id)
    names = {u.id: u.display_name for u in User.select(User.id, User.display_name)
             .where(User.id.in_(trainer_ids))} if trainer_ids else {}
    ordered = sorted(times)
    clashes: list[Clash] = []
    for row in sorted(rows, key=lambda r: r.starts_at):
        if not any(s < row.ends_at and row.starts_at < e for s, e in ordered):
            continue
        title = row.klass.course.title_en
        shared = teaching.get(row.klass_id, [])
        if shared:
            clashes.append(Clash(row, title, names.get(shared[0], ""), row.place))
        elif place_key and (row.place or "").strip().lower() == place_key:
            clashes.append(Clash(row, title, "", row.place))
        if len(clashes) >= limit:
            break
    return clashes


def refuse_clashes(clashes: list[Clash], field_name: str) -> None:
    if clashes:
        raise RuleError(" ".join(c.describe() for c in clashes), field_name)


# --- classes -------------------------------------------------------------------------------

@dataclass
class ClassInput:
    course_id: int
    trainer_ids: list[int]
    place: str
    pattern: Pattern
    capacity: int
    label: str = ""
    language: str = "sw"
    open_to_requests: bool = True
    trainers: list = field(default_factory=list)   # filled by _check_trainers


def check_capacity(capacity: int | None) -> None:
    if not 1 <= (capacity or 0) <= MOST_PLACES:
        raise RuleError(_l("Places are between 1 and %(most)d.", most=MOST_PLACES), "capacity")


def trainers() -> list[User]:
    """Everyone who may teach a class (active users with the trainer role)."""
    from app.auth.models import UserRole
    return list(User.select(User.id, User.display_name).join(
        UserRole, on=(UserRole.user == User.id))
        .where((UserRole.role == "trainer") & (User.active == True))  # noqa: E712
        .order_by(User.display_name))


def _check_trainers(ids) -> list[User]:
    from app.auth.models import UserRole
    trainers = list(User.select().join(UserRole, on=(UserRole.user == User.id))
                    .where(User.id.in_([int(i) for i in ids or ()]) & (User.active == True)  # noqa: E712
                           & (UserRole.role == "trainer")).distinct())
    if not trainers:
        raise RuleError(_l("Choose at least one trainer."), "trainers")
    return trainers


def create_class(data: ClassInput, actor=None) -> TrainingClass:
    course = Course.get_or_none((Course.id == data.course_id) & (Course.active == True))  # noqa: E712
    if course is None:
        raise RuleError(_l("Choose from the list."), "course")
    check_capacity(data.capacity)
    times = sessions_for(data.pattern)
    trainers = _check_trainers(data.trainer_ids)
    place = (data.place or "").strip()[:60]
    with db.atomic():
        refuse_clashes(find_clashes(times, [t.id for t in trainers], place), "weekdays")
        klass = TrainingClass.create(
            course=course, label=(data.label or "").strip()[:80], place=place,
            start_date=data.pattern.first, end_date=data.pattern.last, capacity=data.capacity,
            language=data.language, open_to_requests=data.open_to_requests,
            weekdays_mask=mask_of(data.pattern.weekdays), starts_time=data.pattern.starts,
            ends_time=data.pattern.ends, created_by=actor)
        ClassTrainer.insert_many([{"klass": klass.id, "user": t.id} for t in trainers]).execute()
        ClassSession.insert_many([{"klass": klass.id, "starts_at": s, "ends_at": e, "place": place}
                                  for s, e in times]).execute()
        audit.record("education.class_created", "education_class", klass.id,
                     f"{len(times)} sessions", actor=actor)
    return klass


def trainer_ids_of(klass_id: int) -> list[int]:
    return [row.user_id for row in ClassTrainer.select(ClassTrainer.user)
            .where(ClassTrainer.klass == klass_id)]


def update_class(klass: TrainingClass, label: str, place: str, capacity: int, trainer_ids,
                 open_to_requests: bool, actor=None) -> list[str]:
    """Change a class's label, trainers, places and place. A new place or
    trainer applies to the sessions still ahead (moved ones keep theirs)
    and must not clash with anything. Returns the changed fields."""
    if klass.cancelled_at:
        raise RuleError(_l("This class is cancelled."))
    trainers = _check_trainers(trainer_ids)
    place = (place or "").strip()[:60]
    with db.atomic():
        check_capacity(capacity)
        PLACES.refuse_fewer_than_held(klass.id, capacity)
        now = utcnow()
        ahead = list(ClassSession.select().where((ClassSession.klass == klass)
                                                 & ClassSession.cancelled_at.is_null()
                                                 & (ClassSession.starts_at > now)))
        new_ids = {t.id for t in trainers}
        old_ids = set(trainer_ids_of(klass.id))
        changed = [name for name, old, new in (
            ("label", klass.label, (label or "").strip()[:80]), ("place", klass.place, place),
            ("capacity", klass.capacity, capacity),
            ("open_to_requests", klass.open_to_requests, open_to_requests)) if old != new]
        if new_ids != old_ids:
            changed.append("trainers")
        if not changed:
            return []
        keep_place = [s for s in ahead if s.original_place is None and s.place == klass.place]
        if "trainers" in changed or "place" in changed:
            times = [(s.starts_at, s.ends_at) for s in ahead]
            refuse_clashes(find_clashes(times, list(new_ids - old_ids), "", ignore_class=klass.id),
                           "trainers")
            if "place" in changed:
                refuse_clashes(find_clashes([(s.starts_at, s.ends_at) for s in keep_place], [],
                                            place, ignore_class=klass.id), "place")
        more_places = capacity > klass.capacity
        if "place" in changed and keep_place:
            ClassSession.update(place=place).where(
                ClassSession.id.in_([s.id for s in keep_place])).execute()
        klass.label, klass.place, klass.capacity = (label or "").strip()[:80], place, capacity
        klass.open_to_requests = open_to_requests
        klass.save()
        if "trainers" in changed:
            ClassTrainer.delete().where((ClassTrainer.klass == klass)
                                        & ClassTrainer.user.not_in(list(new_ids))).execute()
            ClassTrainer.insert_many([{"klass": klass.id, "user": uid}
                                      for uid in sorted(new_ids - old_ids)]).execute()
        if more_places and klass.end_date >= today():
            PLACES.promote(klass.id, klass.capacity)
        audit.record("education.class_changed", "education_class", klass.id, ", ".join(changed),
                     actor=actor)
    return changed


def cancel_class(klass: TrainingClass, actor=None) -> None:
    """Call off a whole class: its sessions ahead are cancelled too."""
    if klass.cancelled_at:
        raise RuleError(_l("This class is cancelled."))
    with db.atomic():
        now = utcnow()
        klass.cancelled_at = now
        klass.save(only=[TrainingClass.cancelled_at])
        ClassSession.update(cancelled_at=now, changed_at=now).where(
            (ClassSession.klass == klass) & ClassSession.cancelled_at.is_null()
            & (ClassSession.starts_at > now)).execute()
        audit.record("education.class_cancelled", "education_class", klass.id, actor=actor)


# --- single sessions ---------------------------------------------------------------------------

def _check_session_time(day: dt.date | None, starts: dt.time | None, ends: dt.time | None):
    if day is None:
        raise RuleError(_l("This field is required."), "day")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RuleError(_l("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR,
                           last=LAST_YEAR), "day")
    if starts is None:
        raise RuleError(_l("This field is required."), "starts_time")
    if ends is None:
        raise RuleError(_l("This field is required."), "ends_time")
    if ends <= starts:
        raise RuleError(_l("The end time is before the start time."), "ends_time")
    start, end = to_utc(day, starts), to_utc(day, ends)
    if start <= utcnow():
        raise RuleError(_l("This date and time have already passed: choose a later one."), "day")
    return start, end


def move_session(session: ClassSession, day: dt.date, starts: dt.time, ends: dt.time,
                 place: str, actor=None) -> ClassSession:
    """Another day, time or place for one session; its members see the
    change on their home page."""
    klass = TrainingClass.get_by_id(session.klass_id)
    if session.cancelled_at or session.starts_at <= utcnow():
        raise RuleError(_l("This session has started or is cancelled: it can no longer be "
                           "changed."))
    start, end = _check_session_time(day, starts, ends)
    place = (place or "").strip()[:60]
    with db.atomic():
        refuse_clashes(find_clashes([(start, end)], trainer_ids_of(klass.id), place,
                                    ignore_session=session.id), "day")
        if session.original_starts_at is None:
            session.original_starts_at = session.starts_at
        if session.original_place is None and place != session.place:
            session.original_place = session.place
        session.starts_at, session.ends_at, session.place = start, end, place
        session.changed_at = utcnow()
        session.save()
        audit.record("education.session_moved", "education_class", klass.id,
                     f"session {session.id}", actor=actor)
    return session


def cancel_session(session: ClassSession, reason: str = "", actor=None) -> None:
    if session.cancelled_at or session.starts_at <= utcnow():
        raise RuleError(_l("This session has started or is cancelled: it can no longer be "
                           "changed."))
    with db.atomic():
        session.cancelled_at = session.changed_at = utcnow()
        session.cancel_reason = (reason or "").strip()[:255]
        session.save(only=[ClassSession.cancelled_at, ClassSession.changed_at,
                           ClassSession.cancel_reason])
        audit.record("education.session_cancelled", "education_class", session.klass_id,
                     f"session {session.id}", actor=actor)


def add_session(klass: TrainingClass, day: dt.date, starts: dt.time, ends: dt.time,
                place: str, actor=None) -> ClassSession:
    """One extra session (a catch-up, say)."""
    if klass.cancelled_at:
        raise RuleError(_l("This class is cancelled."))
    start, end = _check_session_time(day, starts, ends)
    place = (place or klass.place or "").strip()[:60]
    with db.atomic():
        refuse_clashes(find_clashes([(start, end)], trainer_ids_of(klass.id), place), "day")
        session = ClassSession.create(klass=klass, starts_at=start, ends_at=end, place=place)
        if day > klass.end_date:
            klass.end_date = day
            klass.save(only=[TrainingClass.end_date])
        audit.record("education.session_added", "education_class", klass.id,
                     f"session {session.id}", actor=actor)
    return session


# The class page is a key page (DESIGN §10): the trainers' names are read by
# a query built once per worker (app.db.Prepared; README, performance).
_trainer_names = Prepared(lambda param: (
    User.select(User.display_name).join(ClassTrainer, on=(ClassTrainer.user == User.id))
    .where(ClassTrainer.klass == param("klass")).order_by(User.display_name)))


# The class page's sessions: built once per worker too.
_SESSION_COLUMNS = (ClassSession.id, ClassSession.klass, ClassSession.starts_at,
                    ClassSession.ends_at, ClassSession.place, ClassSession.original_starts_at,
                    ClassSession.cancelled_at, ClassSession.register_taken_at)
_sessions_of = Prepared(lambda param: (
    ClassSession.select(*_SESSION_COLUMNS)
    .where(ClassSession.klass == param("klass")).order_by(ClassSession.starts_at)))


def sessions_of(klass_id: int) -> list[ClassSession]:
    """Every session of the class (cancelled ones too), in time order: each
    a ClassSession of the columns above."""
    return [ClassSession(**{f.name: value for f, value in zip(_SESSION_COLUMNS, row)})
            for row in _sessions_of.all(klass=klass_id)]


def trainer_names(klass_id: int) -> list[str]:
    return [name for (name,) in _trainer_names.all(klass=klass_id)]
