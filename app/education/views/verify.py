"""Public certificate verification: anyone with a certificate's code (an
employer, a school) sees the course title, the month it was completed and
the holder's initials, and nothing else. Unknown and revoked codes look
the same. Look-ups are limited per address (guessing stays slow)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.access import public
from app.education import bp, certificates


def _address() -> str:
    return request.remote_addr or ""


@bp.route("/verify")
@public
def verify_form():
    code = certificates.normalise(request.args.get("code", ""))
    if code:
        return redirect(url_for("education.verify", code=code), code=303)
    return render_template("education/verify.html", certificate=None, code="", asked=False)


@bp.route("/verify/<code>")
@public
def verify(code: str):
    if not certificates.verify_allowed(_address()):
        return render_template("education/verify.html", certificate=None, code="",
                               asked=False, limited=True), 429
    certificate = certificates.valid_by_code(code)
    shown = certificates.display_code(certificate.code) if certificate else code[:20]
    return render_template("education/verify.html", certificate=certificate, code=shown,
                           asked=True), (200 if certificate else 404)
