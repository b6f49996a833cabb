"""The admin's backups page and the "Back up now" button."""
from __future__ import annotations

from flask import current_app, flash, make_response, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app.access import requires
from app.backups import bp, labels, services, status
from app.backups.settings import SettingsError, current, recipients
from app.htmx import redirect_after_post, render, wants_partial


HISTORY_RUNS = 15


def _page_context() -> dict:
    try:
        keys = recipients()
    except SettingsError:
        keys = ()
    try:
        settings = current()
        next_run = services.next_run_at()
    except SettingsError:
        settings, next_run = None, None
    problems = status.configuration_problems()
    runs, results = status.history(HISTORY_RUNS)
    return {
        "run": services.current_run(),
        "waiting": services.waiting_job(),
        "runs": runs,
        "results": results,
        "destinations": status.destination_overview() if settings else [],
        "problems": problems,
        "key_missing": status.key_missing(problems),
        "settings": settings,
        "keys": keys,
        "next_run": next_run,
        "labels": labels,
        "stale_hours": current_app.config["BACKUP_STALE_HOURS"],
    }


@bp.route("/")
@requires("backups.view")
def index():
    context = _page_context()
    if wants_partial() and context["run"] is None and context["waiting"] is None:
        # The progress bar was polling and the backup has finished: reload
        # the whole page so the tables show the new result.
        response = make_response("", 200)
        response.headers["HX-Refresh"] = "true"
        return response
    return render("backups/page.html", "backups/_status.html", **context)


@bp.route("/run", methods=["POST"])
@requires("backups.run")
def run_now():
    if services.current_run() is not None or services.waiting_job() is not None:
        flash(_("A backup is already running: follow it below."), "info")
        return redirect_after_post(url_for("backups.index"))
    if status.key_missing(status.configuration_problems()):
        flash(_("Backups are not set up yet: there is no public key to encrypt them to."),
              "error")
        return redirect_after_post(url_for("backups.index"))
    services.request_backup(current_user)
    flash(_("Backup started. You can leave this page: it carries on without you."), "success")
    return redirect_after_post(url_for("backups.index"))
