"""Shared form glue: translated validator messages and error helpers.

WTForms ships no Swahili catalogue, so every validator message used in
Kituo comes from here, marked for translation.
"""
from __future__ import annotations

from app.i18n import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, validators, widgets


class KituoForm(FlaskForm):
    class Meta:
        # Messages come from our catalogue (see helpers below), not WTForms'.
        locales = False


def required():
    return validators.InputRequired(message=_l("This field is required."))


def length(max: int, min: int = -1):
    if min > 0:
        return validators.Length(min=min, max=max,
                                 message=_l("Use between %(min)d and %(max)d characters."))
    return validators.Length(max=max, message=_l("Use at most %(max)d characters."))


def optional():
    return validators.Optional()


def equal_to(field: str):
    return validators.EqualTo(field, message=_l("The two entries do not match."))


def pattern(regex: str, message):
    return validators.Regexp(regex, message=message)


def add_error(form: FlaskForm, field: str | None, message) -> None:
    """Attach a service-level error to a field (or to the form as a whole)."""
    if field and field in form:
        form[field].errors = list(form[field].errors) + [message]
    else:
        form.form_errors.append(message)


def field_attrs(field, described_by: str | None) -> dict:
    """ARIA attributes for a field: invalid state and its message/hint."""
    attrs = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = described_by
    return attrs


def init_app(app) -> None:
    app.jinja_env.globals["field_attrs"] = field_attrs


def submit(form: FlaskForm, action, success_message=None) -> bool:
    """The usual POST: validate `form`, then run `action()` (a service call).
    A refused rule (RuleError) lands next to its field and nothing is
    flashed; on success the message is flashed. True when the action ran:
    the view redirects; False: it re-renders the form with status 422."""
    from flask import flash

    from app.rules import RuleError
    if not form.validate_on_submit():
        return False
    try:
        action()
    except RuleError as error:
        add_error(form, error.field, error.message)
        return False
    if success_message:
        flash(success_message, "success")
    return True


# Choice fields whose "not a valid choice" message is ours (translated).
def _check_choice(field, values) -> None:
    allowed = {str(value) for value, _label in field.choices}
    if any(str(v) not in allowed for v in values):
        raise validators.ValidationError(_l("Choose from the list."))


class Choice(SelectField):
    def pre_validate(self, form):
        _check_choice(self, [self.data])


class Radio(RadioField):
    def pre_validate(self, form):
        _check_choice(self, [self.data])


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes."""
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        _check_choice(self, self.data or [])
