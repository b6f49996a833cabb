"""What several counselling pages share: the member a typed code names,
and a button's refusal shown after redirect. (A date from the query
string: app.urls.date_arg.)"""
from __future__ import annotations

from flask import flash

from app.counselling.services import CounsellingError
from app.i18n import lazy_gettext as _l
from app.members.services import member_by_code


def member_or_refuse(code: str):
    """The member with this code (anonymised ones too: the rules refuse
    them with their own message), or a refusal next to the code field."""
    member = member_by_code(code, include_anonymised=True)
    if member is None:
        raise CounsellingError(_l("No member has this code."), "member_code")
    return member


def flash_errors(form) -> None:
    """A button's refusal (it has no page of its own to show again): its
    messages go to the page it redirects back to."""
    for message in [*form.form_errors, *(e for f in form for e in f.errors)]:
        flash(str(message), "error")
