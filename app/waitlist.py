"""Places and a first-come waiting list, for anything that holds a number
of people: a class's enrolments, a group session's sign-ups.

The rows live in the module's own table (one row per person and thing,
with a status); this module only knows which statuses hold a place, which
one waits, and how people move up. Call it inside the module's own
`db.atomic()` (IMMEDIATE on SQLite): a place counted here cannot be taken
by someone else before the transaction writes.

    ENROLMENT_PLACES = Waitlist(Enrolment, "klass", holding=("enrolled", "completed"),
                                waiting="waitlisted", seated="enrolled")
    status = ENROLMENT_PLACES.status_for_new(klass.id, klass.capacity)
    ...
    ENROLMENT_PLACES.promote(klass.id, klass.capacity)   # after a place is freed

The model needs `status`, `created_at` (first come, first served; ties by
id) and `promoted_at` fields.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from peewee import fn

from app.clock import utcnow
from app.db import Prepared
from app.i18n import lazy_gettext as _l
from app.rules import RuleError


@dataclass(frozen=True)
class Waitlist:
    model: type
    parent: str                    # the foreign key to the thing with places
    holding: tuple[str, ...]       # statuses that hold a place
    waiting: str                   # the status of a place in the queue
    seated: str                    # the status someone moving up gets

    def _parent_field(self):
        return getattr(self.model, self.parent)

    def held(self, parent_id: int) -> int:
        """How many places are taken."""
        m = self.model
        return m.select().where((self._parent_field() == parent_id)
                                & m.status.in_(self.holding)).count()

    def status_for_new(self, parent_id: int, capacity: int) -> str:
        """A place if one is free, else the waiting list."""
        return self.seated if self.held(parent_id) < capacity else self.waiting

    def promote(self, parent_id: int, capacity: int) -> list:
        """Move people from the waiting list into free places, first come
        first served. Returns the rows that moved up."""
        free = capacity - self.held(parent_id)
        if free <= 0:
            return []
        m = self.model
        waiting = list(m.select().where((self._parent_field() == parent_id)
                                        & (m.status == self.waiting))
                       .order_by(m.created_at, m.id).limit(free))
        now = utcnow()
        for row in waiting:
            row.status, row.promoted_at = self.seated, now
            row.save(only=[m.status, m.promoted_at])
        return waiting

    def refuse_fewer_than_held(self, parent_id: int, capacity: int,
                               field: str = "capacity", error: type = RuleError) -> None:
        """Refuse a number of places below the people who already hold one
        (nobody loses a confirmed place because the number changed), with
        `error` (a RuleError: the module's own, such as CounsellingError)."""
        held = self.held(parent_id)
        if capacity < held:
            raise error(_l("Places cannot be fewer than the people who already have one "
                           "(%(n)d). Remove someone from the list first.", n=held), field)

    @cached_property
    def _ahead(self) -> Prepared:
        """How many wait before a row: /me/learning asks it for each class
        the member waits for, so it is built once (app.db.Prepared)."""
        m, parent = self.model, self._parent_field()
        return Prepared(lambda param: m.select(fn.COUNT(m.id)).where(
            (parent == param("parent")) & (m.status == self.waiting)
            & ((m.created_at < param("created_at", m.created_at))
               | ((m.created_at == param("created_at", m.created_at)) & (m.id < param("id"))))))

    def position(self, row) -> int | None:
        """1 for the first person waiting; None when the row is not waiting."""
        if row.status != self.waiting:
            return None
        parent_id = getattr(row, self._parent_field().object_id_name)
        (ahead,) = self._ahead.first(parent=parent_id, created_at=row.created_at, id=row.id)
        return ahead + 1

    def counts(self, parent_ids) -> dict[int, tuple[int, int]]:
        """parent id -> (places held, people waiting), in one query."""
        ids = list(parent_ids)
        result = {i: (0, 0) for i in ids}
        if not ids:
            return result
        m, parent = self.model, self._parent_field()
        rows = (m.select(parent.alias("parent_id"), m.status, fn.COUNT(m.id).alias("n"))
                .where(parent.in_(ids) & m.status.in_(self.holding + (self.waiting,)))
                .group_by(parent, m.status).tuples())
        for parent_id, status, n in rows:
            held, waiting = result[parent_id]
            if status == self.waiting:
                result[parent_id] = (held, waiting + n)
            else:
                result[parent_id] = (held + n, waiting)
        return result
