"""What several counselling pages share: the member a typed code names,
and a button's refusal shown after redirect. (A date from the query
string: app.urls.date_arg.)"""
from __future__ import annotations

from flask import flash
from flask_login import current_user

from app.counselling import bookings
from app.counselling.services import CounsellingError
from app.i18n import lazy_gettext as _l
from app.members.services import member_for_typed_code


def member_or_refuse(code: str, to_book: bool = False):
    """The member with this code (anonymised ones too: the rules refuse
    them with their own message), or a refusal next to the code field. A
    code outside the user's members is counted and throttled
    (member_for_typed_code); `to_book`: only a member the user may book
    (bookings.may_book_for)."""
    member, visible = member_for_typed_code(code, current_user, include_anonymised=True)
    if member is None:
        raise CounsellingError(_l("No member has this code."), "member_code")
    if to_book and not bookings.may_book_for(current_user, visible):
        raise CounsellingError(_l("You can book only members you already counsel. A "
                                  "coordinator books a first appointment."), "member_code")
    return member


def flash_errors(form) -> None:
    """A button's refusal (it has no page of its own to show again): its
    messages go to the page it redirects back to."""
    for message in [*form.form_errors, *(e for f in form for e in f.errors)]:
        flash(str(message), "error")
