"""Pages of education, one file per area. Views parse input, call a
service, render or redirect; every lookup by id is scoped (app.education
.scope), so anything the user may not see is a 404."""
from flask import abort


def found(row):
    """The row, or a 404 page."""
    if row is None:
        abort(404)
    return row


from app.education.views import (  # noqa: E402,F401
    classes, courses, me, progress_pages, records, register_pages, study_pages, support, verify)
