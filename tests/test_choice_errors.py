"""A "choose from the list" error names its field (#12, staff on phones):
read alone (a screen reader reads the error it is pointed to; errors of
hidden fields stand at the top of the form) it still says which choice."""
from wtforms.widgets import HiddenInput

from app.forms import Choice, IdField, KituoForm, add_error
from app.i18n import lazy_gettext as _l


class _Form(KituoForm):
    class Meta:
        csrf = False
    colour = Choice(_l("Gender"), choices=[("a", "A")])
    row = IdField(_l("Mentor"), choices=[(1, "One")])
    hidden = IdField(widget=HiddenInput())


def test_a_bad_choice_names_the_field_in_the_users_language(app):
    with app.test_request_context("/", method="POST",
                                  data={"colour": "z", "row": "7", "hidden": "x"}):
        form = _Form()
        assert not form.validate()
        assert [str(e) for e in form.colour.errors] == ["Gender: choose from the list."]
        assert [str(e) for e in form.row.errors] == ["Mentor: choose from the list."]
        # a hidden field has no name a person saw: the plain message
        assert [str(e) for e in form.hidden.errors] == ["Choose from the list."]
    with app.test_request_context("/?lang=sw", method="POST", data={"colour": "z"},
                                  headers={"Accept-Language": "sw"}):
        from flask_babel import force_locale
        with force_locale("sw"):
            form = _Form()
            form.validate()
            assert str(form.colour.errors[0]) == "Jinsia: chagua kutoka kwenye orodha."


def test_a_services_plain_choose_from_the_list_is_given_the_fields_name(app):
    with app.test_request_context("/", method="POST", data={"colour": "a"}):
        form = _Form()
        add_error(form, "colour", _l("Choose from the list."))
        add_error(form, None, _l("Choose from the list."))
        assert [str(e) for e in form.colour.errors] == ["Gender: choose from the list."]
        assert [str(e) for e in form.form_errors] == ["Choose from the list."]


def test_the_member_form_names_the_field(app, client, login_as):
    from bs4 import BeautifulSoup
    login_as("coordinator")
    response = client.post("/members/new", data={
        "preferred_name": "Baraka", "gender": "robot", "age_band": "", "county": "",
        "referral_source": "", "language": "sw", "joined_on": "2026-01-10"})
    assert response.status_code == 422
    error = BeautifulSoup(response.data, "html.parser").select_one("#gender-error")
    assert error.get_text(strip=True) == "Gender: choose from the list."
