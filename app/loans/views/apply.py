"""Recording an application (a coordinator or a mentor, often on a phone),
with the schedule previewed before anything is written."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app.access import requires
from app.forms import add_error, submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.loans import applications, bp, businesses, products
from app.loans import forms as F
from app.loans import schedule as S
from app.members.services import member_by_code


def _form():
    if request.method == "POST":
        form = F.ApplicationForm()
    else:
        form = F.ApplicationForm(formdata=request.args, meta={"csrf": False})
    offered = list(products.active_products())
    form.product.choices = [(p.id, p.name) for p in offered]
    member = member_by_code(form.member_code.data, current_user)
    owned = businesses.of_member(member) if member else []
    form.business.choices = [(0, _("No business named"))] + [(b.id, b.name) for b in owned]
    return form, member, {p.id: p for p in offered}, {b.id: b for b in owned}


def _application(form, member, offered, owned) -> applications.Application:
    codes = (form.guarantors.data or "").replace(";", ",").split(",")
    return applications.Application(
        member=member, product=offered[form.product.data], amount_cents=form.amount.data,
        term=form.term.data, purpose=form.purpose.data or "",
        business=owned.get(form.business.data), guarantor_codes=codes,
        share_with_mentor=form.share_with_mentor.data)


@bp.route("/loans/apply", methods=["GET", "POST"])
@requires("loans.apply")
def apply():
    form, member, offered, owned = _form()
    preview, status = None, 200
    if form.member_code.data and member is None:
        add_error(form, "member_code", _("No member with this code."))
    if request.method == "POST":
        status = 422
        if request.form.get("action") == "preview":
            preview = _preview(form, member, offered, owned)
            status = 200 if preview else 422
        elif member is not None:
            outcome = submit(form, lambda: applications.apply(
                _application(form, member, offered, owned), current_user),
                _("Application recorded. Finance will look at it; the decision shows on "
                  "this page."))
            if outcome:
                return see_other("loans.show", loan_id=outcome.result.id)
    return render_template("loans/apply.html", form=form, member=member, preview=preview,
                           summary=S.summarise(preview) if preview else None,
                           products=list(offered.values())), status


def _preview(form, member, offered, owned) -> list | None:
    """The schedule the application would give, written nowhere."""
    if member is None or not form.validate():
        return None
    data = _application(form, member, offered, owned)
    try:
        applications.check(data)
        return applications.preview(data.product, data.amount_cents, data.term)
    except (applications.ApplicationError, S.ScheduleError) as error:
        add_error(form, error.field, error.message)
        return None
