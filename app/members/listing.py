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


def search(user, q: str = "", status: str = "", need: str = ""):
    """The members list query for this user (newest first), with only the
    columns of the record parts the user sees (fields.parts_for): the needs
    and date joined, and the needs filter, only for those who see them.
    Identity fields are searched only with members.identity."""
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
    if q:
        query = query.where(_matching(q, identity_search))
    return query.order_by(Member.id.desc()), identity_search


def _matching(q: str, identity: bool):
    """Members whose code or preferred name contain `q` (any case), and,
    for those who may search identity, whose legal name does or whose
    phone holds its last nine digits (four digits at least). Through the
    trigram index (search_index) when `q` is long enough for it."""
    columns = ("code", "preferred_name") + (("legal_name",) if identity else ())
    digits = "".join(c for c in q if c.isdigit())[-9:] if identity else ""
    digits = digits if len(digits) >= 4 else ""
    if search_index.indexable(q):
        return Member.id.in_(search_index.matching_ids(q, columns + (("phone",) if digits else ()),
                                                       digits))
    condition = Member.code.contains(q)
    for name in columns[1:]:
        condition |= getattr(Member, name).contains(q)
    return condition


def list_page(user, q: str = "", status: str = "", need: str = "",
              page: int = 1) -> tuple[dict, bool]:
    """One page of the members list for this user, and whether it searched
    identity fields."""
    query, identity_search = search(user, q, status, need)
    return page_of(query, page), identity_search


def page_of(query, page: int) -> dict:
    """One page plus a capped count: counting stops at COUNT_CAP rows so the
    cost does not grow with the number of members. A page with rows but
    fewer than PAGE_SIZE is the last: the count is known without counting
    (a search for a code or a rare name scans the members once, not twice)."""
    page = max(1, page)
    rows = list(query.paginate(page, PAGE_SIZE))
    if len(rows) < PAGE_SIZE and (rows or page == 1):
        capped = (page - 1) * PAGE_SIZE + len(rows)
    else:
        capped = query.order_by().limit(COUNT_CAP + 1).count()
    return _page_dict(rows, page, capped)


def _page_dict(rows: list, page: int, capped: int) -> dict:
    total = min(capped, COUNT_CAP)
    return {"rows": rows, "page": page, "total": total, "more": capped > COUNT_CAP,
            "has_next": page * PAGE_SIZE < capped,
            "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE}



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
