"""What of a member's record each role sees (issue #10 item 14): the one
per-role field table. The member page, its change history, the members
list and search, and the list's needs filter all ask it; a part a role
may not see is neither queried nor shown, and a change to one of its
fields is left out of the history.

Finding a member (members.view, members.view_all) is not seeing the whole
record: finance, trainers and safeguarding leads find every member but
see only the basics; what their own work needs is shown by their module's
section of the member page (a loan, a class, a concern). Mentors and
counsellors see the basics of their own people, their induction progress,
and a mentor their mentee's peer buddy. The identity part (legal name,
phone, location, restricted notes) is members.identity, audited on every
view. The README's "What each role sees of a member" and /admin/access
show this table.
"""
from __future__ import annotations

from app.access import ROLES
from app.i18n import lazy_gettext as _l

# The parts of a record, in the member page's order, with the fields of
# the change history (MemberChange.field) that belong to each.
PARTS: dict[str, tuple] = {
    "basics": (_l("Code, preferred name, status, preferred language"),
               ("preferred_name", "status", "language")),
    "profile": (_l("Gender, age, county, date joined"),
                ("gender", "birth_year", "age_band", "county", "joined_on")),
    "referral": (_l("Referred by"), ("referral_source", "referring_org")),
    "needs": (_l("Needs (health, legal help…)"), ("needs",)),
    "exit": (_l("Date left and reason"), ("exit_reason",)),
    "consent": (_l("Consents"), ()),
    "induction": (_l("Induction progress"), ()),
    "induction_notes": (_l("Notes on induction steps"), ()),
    "meetings": (_l("Meetings at the centre"), ()),
    "buddy": (_l("Peer buddy"), ("buddy",)),
    "login": (_l("Login name"), ("account",)),
    "identity": (_l("Legal name, phone, location, restricted notes (every view audited)"),
                 ("legal_name", "phone", "location", "notes")),
}
EVERY_PART = frozenset(PARTS)

# Role -> the parts it sees. A person with several roles sees the union.
# A role not listed sees nothing of the record (a member uses /me).
ROLE_PARTS: dict[str, frozenset[str]] = {
    "admin": EVERY_PART,
    "coordinator": EVERY_PART,
    "counsellor": frozenset({"basics", "induction"}),
    "counselling_supervisor": frozenset({"basics"}),
    "mentor": frozenset({"basics", "induction", "buddy"}),
    "finance": frozenset({"basics"}),
    "trainer": frozenset({"basics"}),
    "safeguarding_lead": frozenset({"basics"}),
}
assert set(ROLE_PARTS) <= set(ROLES)
_FIELD_PART = {field: part for part, (_label, fields) in PARTS.items() for field in fields}


def parts_for(user) -> frozenset[str]:
    """The parts of a member record `user` sees (by their roles); identity
    only with members.identity as well."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    parts = frozenset().union(*(ROLE_PARTS.get(role, ()) for role in user.role_names))
    if "members.identity" not in user.capabilities:
        parts -= {"identity"}
    return parts


def history_fields_for(user) -> list[str]:
    """The change-history fields `user` sees."""
    parts = parts_for(user)
    return [field for field, part in _FIELD_PART.items() if part in parts]


def part_of_field(field: str) -> str | None:
    return _FIELD_PART.get(field)


def record_parts_table() -> list[tuple[str, object, set[str]]]:
    """The table as /admin/access shows it: (part, label, roles)."""
    return [(part, label, {role for role, parts in ROLE_PARTS.items() if part in parts})
            for part, (label, _fields) in PARTS.items()]
