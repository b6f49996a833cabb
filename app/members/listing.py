"""Finding members: the members list and search (one query for every
user and filter), pages with a capped count, and the dashboard's figures."""
from __future__ import annotations

from peewee import fn

from app.access import user_can
from app.members import search_index
from app.members.fields import parts_for
from app.members.models import LIMITS, NEEDS, STATUSES, Member
from app.members.services import visible_members
from app.rules import today

PAGE_SIZE = 25
COUNT_CAP = 1000   # lists count at most this many rows: the cost stays flat
# A search counts at most this many matches: each costs the trigram index
# far more than a row of the list costs the member table.
SEARCH_COUNT_CAP = 100


def search(user, q: str = "", status: str = "", need: str = ""):
    """The members list query for this user (newest first), with only the
    columns of the record parts the user sees (fields.parts_for): the needs
    and date joined, and the needs filter, only for those who see them.
    Identity fields are searched only with members.identity. A search long
    enough for the trigram index (search_index) reads the index's matches
    newest first: a page costs the same however many members match."""
    parts = parts_for(user)
    columns = [Member.id, Member.code, Member.preferred_name, Member.status, Member.anonymised_at]
    if "needs" in parts:
        columns.append(Member.needs_mask)
    if "profile" in parts:
        columns.append(Member.joined_on)
    query = visible_members(user).select(*columns)
    if status in STATUSES:
        query = query.where(Member.status == status)
    if need in NEEDS and "needs" in parts:
        query = query.where(Member.needs_mask.bin_and(1 << NEEDS.index(need)) != 0)
    q = " ".join((q or "").split())[:LIMITS["search"]]
    identity_search = bool(q) and user_can(user, "members.identity")
    if q and search_index.indexable(q):
        query = (query.join(search_index.MemberSearch,
                            on=(search_index.MemberSearch.rowid == Member.id))
                 .where(_indexed_match(q, identity_search))
                 .order_by(search_index.MemberSearch.rowid.desc()))    # = Member.id
        return query, identity_search
    if q:
        query = query.where(_compared_match(q, identity_search))
    return query.order_by(Member.id.desc()), identity_search


def _columns(q: str, identity: bool) -> tuple[tuple[str, ...], str]:
    """What a search compares: code and preferred name, and, for those who
    may search identity, the legal name and the phone's last nine digits
    of `q` (four digits at least)."""
    columns = ("code", "preferred_name") + (("legal_name",) if identity else ())
    digits = "".join(c for c in q if c.isdigit())[-9:] if identity else ""
    return columns, digits if len(digits) >= 4 else ""


def _indexed_match(q: str, identity: bool):
    """Members whose code or preferred name contain `q` (any case), and,
    for those who may search identity, whose legal name does or whose
    phone holds its last nine digits: through the trigram index
    (search_index), for a `q` long enough for it."""
    columns, digits = _columns(q, identity)
    return search_index.matches(q, columns + (("phone",) if digits else ()), digits)


def _compared_match(q: str, identity: bool):
    """The same for a `q` too short for the index: the rows are compared.
    (A phone needs four digits, so it is never searched here.)"""
    columns, _digits = _columns(q, identity)
    condition = Member.code.contains(q)
    for name in columns[1:]:
        condition |= getattr(Member, name).contains(q)
    return condition


def list_page(user, q: str = "", status: str = "", need: str = "",
              page: int = 1) -> tuple[dict, bool]:
    """One page of the members list for this user, and whether it searched
    identity fields. A search counts at most SEARCH_COUNT_CAP matches."""
    query, identity_search = search(user, q, status, need)
    cap = SEARCH_COUNT_CAP if " ".join((q or "").split()) else COUNT_CAP
    return page_of(query, page, cap), identity_search


def page_of(query, page: int, cap: int = COUNT_CAP) -> dict:
    """One page plus a capped count: counting stops at `cap` rows so the
    cost does not grow with the number of members. One row more than the
    page says whether a next page exists; a last page with rows is counted
    without counting (a search for a code or a rare name reads once)."""
    page = max(1, page)
    rows = list(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if not has_next and (rows or page == 1):
        capped = (page - 1) * PAGE_SIZE + len(rows)
    else:
        capped = query.order_by().limit(cap + 1).count()
    return _page_dict(rows, page, capped, has_next, cap)


def _page_dict(rows: list, page: int, capped: int, has_next: bool, cap: int) -> dict:
    total = min(capped, cap)
    return {"rows": rows, "page": page, "total": total, "more": capped > cap,
            "has_next": has_next, "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE}



# --- dashboard ---------------------------------------------------------------------------------

def counts_by_status() -> list[tuple[str, int]]:
    rows = (Member.select(Member.status, fn.COUNT(Member.id).alias("n"))
            .group_by(Member.status))
    counts = {r.status: r.n for r in rows}
    return [(status, counts.get(status, 0)) for status in STATUSES]


def new_this_month() -> int:
    first = today().replace(day=1)
    return Member.select().where(Member.joined_on >= first).count()


def inducting_count() -> int:
    return Member.select().where(Member.status == "inducting").count()
