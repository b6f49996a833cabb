"""Reads behind the admin pages. The users list is a key page: one query
for the page's users with their roles, and each label or date is put into
words once per page, not once per row."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw
from app.i18n import gettext as _
from markupsafe import Markup, escape

from app import audit
from app.access import ROLES
from app.audit import AuditEvent
from app.clock import local_midnight
from app.csv_export import csv_lines
from app.auth.models import User, UserRole
from app.db import string_agg
from app.filters import local_datetime


PAGE_SIZE = 50
SEARCH_MAX = 100   # characters of a search that count


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


def user_rows(role: str | None = None, text: str = "", page: int = 1) -> tuple[list[UserRow], bool]:
    """One page of the users list, ready to show, and whether a next page
    exists. Optionally only holders of `role`, and only usernames or display
    names containing `text` (any case)."""
    text = text.strip()[:SEARCH_MAX]
    query = (User.select(User.id, User.username, User.display_name, User.active,
                         User.last_login_at, string_agg(UserRole.role).alias("role_list"))
             .join(UserRole, pw.JOIN.LEFT_OUTER).group_by(User.id).order_by(User.username))
    if role:
        query = query.where(User.id.in_(UserRole.select(UserRole.user).where(UserRole.role == role)))
    if text:
        pattern = _contains_pattern(text)
        query = query.where(_like(User.username, pattern) | _like(User.display_name, pattern))
    rows = list(query.limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE).tuples())
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


# --- the audit log ---------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50
AUDIT_CSV_COLUMNS = ["at_utc", "user", "action", "object_type", "object_id", "client_address",
                     "summary"]


def audit_actions() -> list[str]:
    """Every action the log holds (the filter's choices)."""
    return AuditEvent.distinct_actions()


def audit_events(action=None, actor=None, object_type=None, since=None, until=None):
    """Audit events, newest first; `since` and `until` are days at the centre
    (until included)."""
    return AuditEvent.filtered(
        action=action or None, actor=actor or None, object_type=object_type or None,
        since=local_midnight(since) if since else None,
        until=local_midnight(until + dt.timedelta(days=1)) if until else None)


def audit_page(page: int, **filters) -> dict:
    """One page of the filtered log and whether a next page exists."""
    events = list(audit_events(**filters).limit(AUDIT_PAGE_SIZE + 1)
                  .offset((max(page, 1) - 1) * AUDIT_PAGE_SIZE))
    return {"events": events[:AUDIT_PAGE_SIZE], "page": page,
            "has_next": len(events) > AUDIT_PAGE_SIZE}


def audit_csv(exported_by, **filters) -> str:
    """The filtered log as CSV (times in UTC); the export itself is audited."""
    rows = ([event.at.isoformat(timespec="seconds"), event.actor_username, event.action,
             event.object_type, event.object_id, event.client_address, event.summary]
            for event in audit_events(**filters).iterator())
    text = "".join(csv_lines(AUDIT_CSV_COLUMNS, rows))
    audit.record("audit.exported", "audit", None, "csv export", actor=exported_by)
    return text
