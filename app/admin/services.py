"""Reads behind the admin pages. The users list is a key page: its query is
built once (`app.db.Prepared`) and each label or date is put into words once
per request, not once per row."""
from __future__ import annotations

from typing import NamedTuple

import peewee as pw
from app.i18n import gettext as _
from markupsafe import Markup, escape

from app.access import ROLES
from app.auth.models import User, UserRole
from app.db import Prepared, string_agg
from app.filters import local_datetime


PAGE_SIZE = 50


def _listing(p, by_role: bool, by_text: bool):
    """One page of users by username with their roles, one row each (as
    User.listing); one row more than a page tells whether there is a next."""
    query = (User.select(User.id, User.username, User.display_name, User.active,
                         User.last_login_at, string_agg(UserRole.role).alias("role_list"))
             .join(UserRole, pw.JOIN.LEFT_OUTER).group_by(User.id).order_by(User.username))
    if by_role:
        query = query.where(User.id.in_(
            UserRole.select(UserRole.user).where(UserRole.role == p("role"))))
    if by_text:
        query = query.where(_like(User.username, p("text")) | _like(User.display_name, p("text")))
    return query.limit(p("limit")).offset(p("offset")).tuples()


_LISTINGS = {(by_role, by_text): Prepared(lambda p, r=by_role, t=by_text: _listing(p, r, t))
             for by_role in (False, True) for by_text in (False, True)}


def _like(field, pattern):
    return pw.NodeList((pw.fn.LOWER(field), pw.SQL("LIKE"), pattern, pw.SQL("ESCAPE '\\'")))


def _contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains what the user typed", their % and _
    taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class UserRow(NamedTuple):
    id: int
    username: str
    display_name: str
    roles: Markup      # role labels in the reader's language, comma-separated
    status: str        # "Active" / "Disabled" in words
    last_sign_in: str  # local short date and time, or "—"


def role_labels() -> dict[str, Markup]:
    """Role -> label in the current language (labels are our own text, shown
    as they are, like the lazy strings they come from)."""
    return {key: escape(str(label)) for key, label in ROLES.items()}


def user_rows(role: str | None = None, text: str = "", page: int = 1) -> tuple[list[UserRow], bool]:
    """One page of the users list, ready to show, and whether a next page
    exists. Optionally only holders of `role`, and only usernames or display
    names containing `text` (any case)."""
    text = text.strip()[:100]
    values = {"limit": PAGE_SIZE + 1, "offset": (max(page, 1) - 1) * PAGE_SIZE}
    if role:
        values["role"] = role
    if text:
        values["text"] = _contains_pattern(text)
    rows = list(_LISTINGS[bool(role), bool(text)].iterate(**values))
    has_next = len(rows) > PAGE_SIZE
    return _ready_rows(rows[:PAGE_SIZE]), has_next


def _ready_rows(rows) -> list[UserRow]:
    labels = {key: str(label) for key, label in ROLES.items()}
    status = {True: _("Active"), False: _("Disabled")}
    roles: dict = {}   # role_list -> labels; many users share a set of roles
    dates: dict = {}   # and a sign-in time (demo data, imports)
    out = []
    for user_id, username, display_name, active, last_login_at, role_list in rows:
        if role_list not in roles:
            names = sorted(role_list.split(",")) if role_list else []
            roles[role_list] = Markup(", ").join(escape(labels.get(r, "")) for r in names)
        if last_login_at not in dates:
            dates[last_login_at] = local_datetime(last_login_at, "short")
        out.append(UserRow(user_id, username, display_name, roles[role_list],
                           status[bool(active)], dates[last_login_at]))
    return out
