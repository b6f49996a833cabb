"""Start the donor report, CSV or Excel workbook of a period in the worker."""
from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from app import audit
from app.access import requires
from app.htmx import redirect_after_post
from app.jobs import services as jobs
from app.reports import bp, periods, tasks


@bp.route("/export", methods=["POST"])
@requires("reports.open")
def export():
    fmt, language = request.args.get("format", ""), request.args.get("language", "")
    if fmt not in tasks.EXPORTS or language not in ("en", "sw"):
        abort(404)
    try:
        period = periods.parse(request.args.get("period", ""))
    except periods.PeriodError:
        abort(404)
    job = jobs.start(f"report_{fmt}", current_user, tasks.render_export, user_id=current_user.id,
                     period_key=period.key, fmt=fmt, language=language)
    audit.record("report.exported", "report", period.key, f"{fmt} {language}")
    return redirect_after_post(url_for("jobs.show", job_id=job.id))
