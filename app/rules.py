"""What every module's services share: the error a refused rule raises, the
one check of a typed text against its limit, and today's date at the centre
(`today`, from app.clock)."""
from __future__ import annotations

from app.clock import today  # noqa: F401  (services: `from app.rules import RuleError, today`)
from app.i18n import lazy_gettext as _l


class RuleError(Exception):
    """A rule refused the action.

    RuleError(message, field=None, *, status=None, **context)

    `field` names the form field to blame (None: the form as a whole); views
    show `message` next to it. `status` is what the page answers with: 422
    (the class default) when the input breaks a rule, 409 when someone else
    got there first (a slot just taken). `context` carries what the view
    needs to show the form again, e.g. `alternatives=[...]` free slots;
    `app.forms.submit()` hands both to the view (Outcome.status,
    Outcome.context). Modules subclass it (MemberError, SlotTaken...) and
    may set `status` on the subclass."""

    status = 422

    def __init__(self, message, field: str | None = None, *, status: int | None = None,
                 **context):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if status is not None:
            self.status = status
        self.context = context


def clean_text(value, field: str, limit: int, *, required: bool = False,
               error: type[RuleError] = RuleError) -> str:
    """`value` stripped, or `error` (on `field`) when it is required and
    empty or longer than `limit` characters. Each limit is one constant of
    its module (e.g. mentorship.models.LIMITS), used here by the service and
    by the form's `length()`, so the two never disagree."""
    text = (value or "").strip()
    if required and not text:
        raise error(_l("This field is required."), field)
    if len(text) > limit:
        raise error(_l("Use at most %(max)d characters.", max=limit), field)
    return text
