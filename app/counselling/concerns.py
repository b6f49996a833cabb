"""The link from a high-risk session note to the safeguarding module.

Small interface, so the note page knows no other module by name:
`concern_url(member, booking)` returns the safeguarding module's
pre-filled "raise a concern" form for this member, or None when no
module offers one (the page then tells the counsellor to reach the
safeguarding lead directly). A safeguarding module offers the form by
exposing the endpoint named in CONCERN_ENDPOINTS that accepts the query
arguments `member` (id), `category`, `urgency` and `source`.
"""
from __future__ import annotations

from flask import current_app, url_for

CONCERN_ENDPOINTS = ("safeguarding.new_concern", "safeguarding.raise_concern",
                     "safeguarding.concern_new")


def concern_url(member, booking=None) -> str | None:
    for endpoint in CONCERN_ENDPOINTS:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, member=member.id, category="self_harm", urgency="urgent",
                           source="counselling")
    return None
