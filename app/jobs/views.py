"""Follow a job: a progress bar that polls every second, then a download."""
from flask import abort, request, send_file
from flask_login import current_user

from app.access import requires
from app.htmx import render
from app.jobs import bp, services


def _own_job(job_id):
    job = services.visible_job(job_id, current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/<job_id>")
@requires("account.manage")
def show(job_id):
    return render("jobs/page.html", "jobs/_progress.html", job=_own_job(job_id))


@bp.route("/<job_id>/download")
@requires("account.manage")
def download(job_id):
    job = _own_job(job_id)
    if job.status != job.DONE or not job.result_path:
        abort(404)
    # ?open=1: a PDF shown in the browser (a phone opens its viewer), not saved
    opened = request.args.get("open") == "1" and job.result_mimetype == "application/pdf"
    if opened:
        services.mark_opened(job)
    try:
        return send_file(job.result_path, mimetype=job.result_mimetype, as_attachment=not opened,
                         download_name=job.result_name, max_age=0)
    except FileNotFoundError:
        abort(404)
