"""Research extracts: build, approve (another person), download once."""
from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_login import current_user

from app.access import requires
from app.forms import add_error, submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.reports import bp, periods, research
from app.reports.forms import ExtractForm
from app.clock import today
from app.rules import RuleError


def _extract_or_404(extract_id):
    extract = research.visible(extract_id)
    if extract is None:
        abort(404)
    return extract


@bp.route("/research")
@requires("reports.research")
def extracts():
    return render_template("reports/extracts.html", extracts=research.listing())


@bp.route("/research/new", methods=["GET", "POST"])
@requires("reports.research")
def new_extract():
    form = ExtractForm()
    form.fields.choices = [(k, str(v)) for k, v in research.FIELDS.items()]
    built = {}
    if request.method == "GET":
        form.period.data = periods.containing("year", today()).previous().key
        form.fields.data = list(research.QUASI)
    elif submit(form, lambda: built.setdefault("extract", research.build(
            form.title.data, form.purpose.data, form.fields.data, form.period.data,
            current_user))):
        return see_other("reports.extract", extract_id=built["extract"].id)
    status = 422 if request.method == "POST" else 200
    return render_template("reports/extract_form.html", form=form), status


@bp.route("/research/<extract_id>")
@requires("reports.research")
def extract(extract_id):
    item = _extract_or_404(extract_id)
    return render_template("reports/extract.html", extract=item,
                           fields=research.field_labels(item),
                           summary=research.check_summary(item), error=None)


def _act(item, action, done: str):
    try:
        action()
    except RuleError as error:
        return render_template("reports/extract.html", extract=item,
                               fields=research.field_labels(item),
                               summary=research.check_summary(item), error=error.message), 422
    from flask import flash
    flash(done, "success")
    return see_other("reports.extract", extract_id=item.id)


@bp.route("/research/<extract_id>/approve", methods=["POST"])
@requires("reports.research")
def approve_extract(extract_id):
    item = _extract_or_404(extract_id)
    return _act(item, lambda: research.approve(item, current_user), _("Extract approved."))


@bp.route("/research/<extract_id>/withdraw", methods=["POST"])
@requires("reports.research")
def withdraw_extract(extract_id):
    item = _extract_or_404(extract_id)
    return _act(item, lambda: research.withdraw(item, current_user), _("Extract withdrawn."))


@bp.route("/research/<extract_id>/download", methods=["POST"])
@requires("reports.research")
def download_extract(extract_id):
    item = _extract_or_404(extract_id)
    try:
        name, text = research.take(item, current_user)
    except RuleError as error:
        return render_template("reports/extract.html", extract=item,
                               fields=research.field_labels(item),
                               summary=research.check_summary(item), error=error.message), 422
    response = make_response(("\ufeff" + text).encode("utf-8"))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
