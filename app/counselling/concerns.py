"""The link from a high-risk session note to the safeguarding module.

`concern_url(member, booking)` returns the safeguarding module's pre-filled
"raise a concern" form (issue 4: GET /safeguarding/concerns/new with
member, category, urgency, source and ref), or None when no safeguarding
module is installed (the note page then tells the counsellor to reach the
safeguarding lead directly). Only the member id, the category and the
booking id travel in the URL: never a word of the note.
"""
from __future__ import annotations

from flask import current_app, url_for

CONCERN_ENDPOINT = "safeguarding.new"


def concern_url(member, booking=None) -> str | None:
    if CONCERN_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(CONCERN_ENDPOINT, member=member.id, category="self_harm", urgency="urgent",
                   source="counselling_note", ref=str(booking.id) if booking else "")
