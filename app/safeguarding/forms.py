"""Forms of safeguarding (messages from app.forms: translated)."""
from app.i18n import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField

from app.forms import Choice, DateInput, KituoForm, Radio, length, optional, required
from app.members.models import LIMITS as MEMBER_LIMITS
from app.safeguarding.models import LIMITS
from app.safeguarding.labels import CATEGORY_LABELS, STATUS_LABELS, URGENCY_LABELS


class ConcernForm(KituoForm):
    member_code = StringField(_l("Member code"), [optional(), length(MEMBER_LIMITS["code"])],
                              render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    category = Radio(_l("What is the concern about?"), choices=list(CATEGORY_LABELS.items()))
    urgency = Radio(_l("How urgent is it?"), choices=list(URGENCY_LABELS.items()))
    what_happened = TextAreaField(_l("What happened?"), [required(), length(LIMITS["what_happened"])],
                                  description=_l("Facts: what you saw or were told, when, by whom. "
                                                 "Use the member's own words where you can."))
    action_taken = TextAreaField(_l("What have you done already?"), [optional(), length(LIMITS["action_taken"])])
    source = HiddenField()
    ref = HiddenField()


class StatusForm(KituoForm):
    status = Choice(_l("New status"), id="new-status", choices=[   # the section is #status
        (k, v) for k, v in STATUS_LABELS.items() if k != "open"])

    def offer(self, statuses) -> "StatusForm":
        """Show only the statuses a concern can move to now (the rule
        itself is services.TRANSITIONS, checked by set_status)."""
        self.status.choices = [(k, v) for k, v in self.status.choices if k in statuses]
        return self
    outcome = TextAreaField(_l("Outcome"), [optional(), length(LIMITS["outcome"])],
                            description=_l("Needed to close the concern."))


class NoteForm(KituoForm):
    text = TextAreaField(_l("Action or note"), [required(), length(LIMITS["note"])])


class ReviewForm(KituoForm):
    review_on = DateInput(_l("Review on"), [optional()], near=True)


class ReopenForm(KituoForm):
    reason = TextAreaField(_l("Why reopen it?"), [required(), length(LIMITS["reason"])],
                           description=_l("For example: new information, or the risk came back."))
