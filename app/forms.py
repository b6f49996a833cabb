"""Shared form glue: the one POST pattern (`submit`), translated validator
messages, field types (`IdField` for rows chosen by id, `Choice`, `Radio`,
`CheckboxList`, `MultiChoice`) and error helpers. A GET filter is a form
too (`GetForm`: no CSRF token), drawn by the field() macro: the view reads the
query arguments with its fallbacks (app.urls) and builds the form with
formdata=None and the values it used (admin's UserFilterForm).

WTForms ships no Swahili catalogue, so every validator message used in
Kituo comes from here, marked for translation.
"""
from __future__ import annotations

import datetime as dt

from app.i18n import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, FieldList, IntegerField,
    MonthField as _MonthField, RadioField, SelectField, SelectMultipleField, StringField,
    TimeField, validators, widgets)
from wtforms.fields.choices import SelectFieldBase
from wtforms.utils import unset_value

from app.clock import date_bounds
from app.db import MAX_INTEGER


class KituoForm(FlaskForm):
    class Meta:
        # Messages come from our catalogue (see helpers below), not WTForms'.
        locales = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = getattr(self, "csrf_token", None)
        if token is not None:
            # A page may hold several forms: their hidden tokens carry no id
            # (id="csrf_token" twice is a duplicate id).
            token.render_kw = {**(token.render_kw or {}), "id": False}


class GetForm(KituoForm):
    """A form a GET reads (a filter, a chooser): it changes nothing, so it
    carries no CSRF token, and its query arguments stay short."""
    class Meta:
        csrf = False


class ButtonForm(KituoForm):
    """A POST made by a button alone (the CSRF token is its only field):
    `submit(ButtonForm(), action)`, and on refusal flash `outcome.message`."""


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


CHOOSE_FROM_THE_LIST = _l("Choose from the list.")


def choose_from_the_list(field):
    """The "not one of the choices" message, naming the field: read alone
    (by a screen reader, or at the top of the form) it still says which."""
    label = getattr(getattr(field, "label", None), "text", "")
    hidden = getattr(field.widget, "input_type", None) == "hidden"
    # WTForms makes up a plain, untranslated label from the name when none was given
    unnamed = isinstance(label, str) and label == field.name.replace("_", " ").title()
    if not label or hidden or unnamed:
        return CHOOSE_FROM_THE_LIST
    return _l("%(field)s: choose from the list.", field=label)


def add_error(form: FlaskForm, field: str | None, message) -> None:
    """Attach a service-level error to a field (or to the form as a whole).
    A service's plain "Choose from the list." names the field it is about."""
    if field and field in form:
        if str(message) == str(CHOOSE_FROM_THE_LIST):
            message = choose_from_the_list(form[field])
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


# Typed values with translated messages (WTForms' own are English only).

class TimeInput(TimeField):
    def __init__(self, label=None, validators_=None, **kwargs):
        super().__init__(label, validators_, format="%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a time like 09:30."))


class IntInput(IntegerField):
    """A whole number a person types (the one integer form field). Anything
    else (1e309, NaN, 1.5) and any number beyond the database's integers (a
    400-digit value crashed wtforms' NumberRange with a float overflow) is
    refused on the field with a message: 422, never a 500."""

    def process_formdata(self, valuelist):
        from app.urls import parse_int
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        self.data = parse_int(valuelist[0], lo=-MAX_INTEGER)
        if self.data is None:
            raise ValueError(_l("Enter a whole number."))


def is_choice_group(field) -> bool:
    """A choice field shown as one input per option (radio buttons, a
    checkbox list): the field() macro puts it in a fieldset whose legend is
    the label. Known by what it is, not by its class name, so Kituo's own
    Radio and CheckboxList and any subclass are grouped too."""
    return isinstance(field, SelectFieldBase) and isinstance(
        field.widget, (widgets.ListWidget, widgets.TableWidget))


def is_switch(field) -> bool:
    """A yes/no field (BooleanField or a subclass): a labelled switch."""
    return isinstance(field, BooleanField)


def init_app(app) -> None:
    app.jinja_env.globals["field_attrs"] = field_attrs
    app.jinja_env.tests["choice_group"] = is_choice_group
    app.jinja_env.tests["switch"] = is_switch


class Outcome:
    """What `submit()` did. True when the action ran (the view redirects),
    False when it did not (the view shows the form again):

    - `status`: the status to show the form again with: 200 when nothing
      was submitted (a GET), 422 when the input is invalid, the refusing
      RuleError's status otherwise (409 for a slot just taken);
    - `result`: what the action returned (e.g. the new row), when it ran;
    - `error`: the RuleError that refused it, or None;
    - `context`: what the refusal handed over to show the form again
      (RuleError(..., alternatives=[...]) -> {"alternatives": [...]}).
    """

    __slots__ = ("ran", "result", "error", "status")

    def __init__(self, ran: bool, status: int, result=None, error=None):
        self.ran, self.status, self.result, self.error = ran, status, result, error

    def __bool__(self) -> bool:
        return self.ran

    @property
    def context(self) -> dict:
        return dict(self.error.context) if self.error is not None else {}

    @property
    def message(self):
        """The refusal's message ("" when there is none): for a button
        without fields (ButtonForm), shown as a flash message."""
        return self.error.message if self.error is not None else ""


def submit(form: FlaskForm, action, success_message=None) -> Outcome:
    """The one POST pattern: validate `form`, then run `action()` (a
    service call, which owns its transaction). A refused rule (RuleError)
    lands next to its field, nothing is flashed, and the outcome carries
    its status and context; on success `success_message` is flashed.

        outcome = submit(form, lambda: services.book(...), _("Booked."))
        if outcome:
            return see_other("counselling.booking", booking_id=outcome.result.id)
        return render_template("counselling/book.html", form=form,
                               **outcome.context), outcome.status

    On a GET (nothing submitted) the outcome is False with status 200."""
    from flask import flash, request

    from app.rules import RuleError
    if not form.is_submitted():
        return Outcome(False, 200)
    if not form.validate():
        return Outcome(False, 422)
    try:
        result = action()
    except RuleError as error:
        add_error(form, error.field, error.message)
        return Outcome(False, error.status, error=error)
    if success_message:
        flash(success_message, "success")
    return Outcome(True, 303 if request.method == "POST" else 200, result=result)


# Choice fields whose "not a valid choice" message is ours (translated).
# Use them, never WTForms' SelectField/RadioField/SelectMultipleField, whose
# messages are English only (tests/test_shared_helpers.py looks for them).
def _check_choice(field, values) -> None:
    allowed = {str(value) for value, _label in field.choices}
    if any(str(v) not in allowed for v in values):
        raise validators.ValidationError(choose_from_the_list(field))


class _OurChoiceMessages:
    """A value the field's `coerce` cannot read (coerce=int given "abc")
    gets our message, not WTForms' English "Invalid Choice: could not
    coerce."; it is then the field's only error."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(choose_from_the_list(self)) from None


class Choice(_OurChoiceMessages, SelectField):
    def pre_validate(self, form):
        if not self.process_errors:
            _check_choice(self, [self.data])


class Radio(_OurChoiceMessages, RadioField):
    """Radio buttons; with `blank_ok`, choosing none of them is allowed
    (`data` is None), e.g. a question not asked this time."""

    def __init__(self, *args, blank_ok: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.blank_ok = blank_ok

    def pre_validate(self, form):
        if self.process_errors or (self.blank_ok and self.data in (None, "")):
            return
        _check_choice(self, [self.data])


class MultiChoice(_OurChoiceMessages, SelectMultipleField):
    """Several choices in one <select multiple>."""

    def pre_validate(self, form):
        if not self.process_errors:
            _check_choice(self, self.data or [])


class CheckboxList(MultiChoice):
    """Several choices as a list of checkboxes."""
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IdField(SelectField):
    """A row chosen by its database id: a <select> of rows (`choices` of
    (id, label)), or a hidden id (`choices=None`: any id in range). `data`
    is an int, or None when nothing was chosen. A value that is not a
    number, beyond the database's integers or not among the choices is an
    error on this field ("Choose from the list."): the page answers 422,
    never a 500."""

    def __init__(self, label=None, validators=None, choices=None, **kwargs):
        kwargs.pop("coerce", None)
        super().__init__(label, validators, coerce=_id_or_none, choices=choices, **kwargs)

    def _value(self):
        """The id as a hidden input shows it (widget=HiddenInput())."""
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        raw = (self.raw_data or [""])[0]
        if self.data is None:
            if raw not in ("", None):
                raise validators.ValidationError(choose_from_the_list(self))
            return
        if self.choices is not None:
            allowed = {_id_or_none(value) for value, *_rest in self.choices}
            if self.data not in allowed:
                raise validators.ValidationError(choose_from_the_list(self))


def _id_or_none(value):
    from app.urls import parse_int
    return parse_int(value)


class KeyedList(FieldList):
    """A list of sub-forms whose rows are named by a key of each row, not by
    their position: the row for goal 12 is `goal-12-status`, `goal-12-note`,
    whatever rows come before it, so a form sent back keeps each value with
    its row. Rows come from the submitted form (the keys found there), else
    from `data`: [{key: 12, ...}, ...]. Each entry's key is `entry.index`.

        goal = KeyedList(FormField(GoalProgressForm), key="goal_id")
    """

    def __init__(self, unbound_field, key: str = "id", **kwargs):
        super().__init__(unbound_field, **kwargs)
        self.key_name = key

    def process(self, formdata, data=unset_value, extra_filters=None):
        rows = [] if data in (unset_value, None) else list(data)
        self.entries, self.object_data = [], rows
        if formdata:
            by_key = {row.get(self.key_name): row for row in rows}
            for key in sorted(set(self._extract_indices(self.name, formdata))):
                self._add_entry(formdata, by_key.get(key, unset_value), index=key)
        else:
            for row in rows:
                self._add_entry(None, row, index=row[self.key_name])


# --- dates people type -------------------------------------------------------
# One range for every date a person types (app.clock.date_bounds: the
# calendar, 2000-2100, or near today), the same the database CHECKs allow.

def _check_date_range(field, day: dt.date | None, near: bool) -> None:
    if day is None:
        return
    first, last = date_bounds(near)
    if not first <= day <= last:
        field.data = None
        raise validators.StopValidation(_l(
            "Enter a date between %(first)s and %(last)s.",
            first=first.isoformat(), last=last.isoformat()))


class _TypedDate:
    """What DateInput, DateTimeInput and MonthField share: an unreadable
    value is `unreadable` on the field; a readable one outside the range
    (the calendar, or with `near=True` near today) is refused."""
    unreadable = _l("Enter a date like 2026-11-23.")

    def __init__(self, label=None, validators=None, near: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.near = near

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.unreadable) from None

    def pre_validate(self, form):
        day = self.data.date() if isinstance(self.data, dt.datetime) else self.data
        _check_date_range(self, day, self.near)


class DateInput(_TypedDate, DateField):
    """A date a person types (2026-11-23), in the calendar range
    (app.clock.CALENDAR_FIRST..LAST, 2000 to 2100), or with `near=True`
    (appointments, leave, holidays, meetings) within app.clock.NEAR_YEARS of
    today."""


class DateTimeInput(_TypedDate, DateTimeLocalField):
    """A date and time a person types (Nairobi wall-clock time, as a
    datetime-local input sends it), in the same ranges as DateInput."""
    unreadable = _l("Enter a date and time.")

    def __init__(self, label=None, validators=None, near: bool = False, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(label, validators, near, **kwargs)


class MonthField(_TypedDate, _MonthField):
    """A month (<input type=month>, 2026-11) as the first day of that month,
    in the calendar range."""
    unreadable = _l("Enter a month like 2026-11.")


class MoneyField(StringField):
    """An amount typed in shillings ("1500.50") -> integer cents in `data`
    (app.money.parse_cents: digits only; a clear message otherwise).
    `signed=True` accepts a leading minus (a loss)."""

    def __init__(self, label=None, validators=None, signed: bool = False, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None)
                                                                       or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.signed = signed

    def _value(self):
        from app.money import cents_to_text
        if self.raw_data:
            return self.raw_data[0]
        return cents_to_text(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist):
        from app.money import AmountError, parse_cents
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        negative = self.signed and text.startswith("-")
        try:
            cents = parse_cents(text[1:].strip() if negative else text)
        except AmountError as error:
            raise ValueError(str(error.message)) from None
        self.data = -cents if negative else cents
