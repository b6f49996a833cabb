from app.i18n import lazy_gettext as _l
from wtforms import HiddenField, SearchField, StringField
from wtforms.validators import ValidationError

from app.access import ROLES
from app.admin.services import SEARCH_MAX
from app.forms import (CheckboxList, Choice, DateInput, GetForm, KituoForm, length, optional,
                       pattern, required)
from app.i18n import LANGUAGE_NAMES


def role_choices():
    return [(key, label) for key, label in ROLES.items()]


class UserEditForm(KituoForm):
    display_name = StringField(_l("Display name"), [required(), length(120)])
    language = Choice(_l("Language"), choices=list(LANGUAGE_NAMES.items()))
    roles = CheckboxList(_l("Roles"), choices=role_choices())

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))


class UserCreateForm(UserEditForm):
    username = StringField(
        _l("Username"),
        [required(), length(32, min=3),
         pattern(r"^[A-Za-z0-9._-]+$", _l("Use letters, digits, dots, dashes or underscores."))],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
        description=_l("Not the person's legal name: a short name they will type to sign in."))


class ActiveForm(KituoForm):
    """Enable (1) or disable (0) an account: one button on the user's page."""
    active = HiddenField()


class UserFilterForm(GetForm):
    """The users list's filters (a GET: read, never validated against)."""
    q = SearchField(_l("Username or name"), id="user-q",
                    render_kw={"autocomplete": "off", "maxlength": SEARCH_MAX})
    role = Choice(_l("Role"), id="role-filter",
                  choices=lambda: [("", _l("All roles"))] + role_choices())


class AuditFilterForm(GetForm):
    action = Choice(_l("Action"), [optional()], choices=[])
    actor = StringField(_l("User"), [optional(), length(64)])
    object_type = StringField(_l("Object type"), [optional(), length(32)])
    since = DateInput(_l("From"), [optional()])
    until = DateInput(_l("Until"), [optional()])
