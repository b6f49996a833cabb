"""The data-quality page and the records behind each problem."""
from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app.access import requires
from app.reports import bp, quality


@bp.route("/quality")
@requires("reports.quality")
def quality_page():
    return render_template("reports/quality.html", data=quality.overview(current_user))


@bp.route("/quality/<key>")
@requires("reports.quality")
def quality_items(key: str):
    check = quality.check_for(current_user, key)
    if check is None:
        abort(404)
    return render_template("reports/quality_items.html", check=check, count=check.count(),
                           items=check.items(quality.ITEMS), limit=quality.ITEMS)
