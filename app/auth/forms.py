from app.i18n import lazy_gettext as _l
from wtforms import PasswordField, StringField

from app.forms import KituoForm, equal_to, length, required


class LoginForm(KituoForm):
    username = StringField(_l("Username"), [required(), length(64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), [required(), length(128)],
                             render_kw={"autocomplete": "current-password"})


class NewPasswordMixin:
    password = PasswordField(_l("New password"), [required(), length(128)],
                             render_kw={"autocomplete": "new-password", "minlength": 8})
    confirm = PasswordField(_l("New password again"), [required(), equal_to("password")],
                            render_kw={"autocomplete": "new-password"})


class SetupForm(NewPasswordMixin, KituoForm):
    code = StringField(_l("Setup code"), [required(), length(20)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters",
                                  "placeholder": "XXXX-XXXX-XXXX"})


class ChangePasswordForm(NewPasswordMixin, KituoForm):
    current_password = PasswordField(_l("Current password"), [required(), length(128)],
                                     render_kw={"autocomplete": "current-password"})
