"""The shared pieces every module uses: ids in URLs, forms and query strings,
get_or_404, submit() and its outcome, the time module, settings and the
registry's documented plug-in points."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import NamedTuple

import peewee as pw
import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from wtforms import BooleanField, RadioField
from wtforms.validators import NumberRange

from app import clock
from app.db import MAX_INTEGER, Prepared, db, get_or_404, whole_rows
from app.forms import CheckboxList, Choice, IdField, KituoForm, IntInput, Radio, required, submit
from app.registry import Registry
from app.rules import RuleError
from app.urls import int_arg, page_arg, parse_int

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_NUMBERS = ["99999999999999999999", str(MAX_INTEGER + 1), "abc", "1e309", "NaN",
                   "-1", "0", "1.5", "0x10", "\U0001F600", "１２", " "]


# --- ids in URLs -------------------------------------------------------------------------

def _id_rules(app):
    for rule in app.url_map.iter_rules():
        names = [name for name, conv in rule._converters.items()
                 if type(conv).__name__ == "IdConverter"]
        if names:
            yield rule, names


def test_every_integer_in_a_path_is_the_id_converter(app):
    integer_args = [(rule.rule, name) for rule in app.url_map.iter_rules()
                    for name, conv in rule._converters.items()
                    if "Integer" in type(conv).__mro__[1].__name__ + type(conv).__name__
                    and type(conv).__name__ != "IdConverter"]
    assert integer_args == []
    assert len(list(_id_rules(app))) > 30


def _sample(converter):
    items = getattr(converter, "items", None)
    return sorted(items)[0] if items else "x"


@pytest.mark.parametrize("value", ["99999999999999999999", str(MAX_INTEGER + 1), "abc",
                                   "1e309", "0", "-3"])
def test_an_id_out_of_range_or_not_a_number_is_a_404_on_every_route(app, client, login_as,
                                                                     value):
    """Signed in with every role, so the answer is the router's, not a 403."""
    login_as("admin", "coordinator", "counsellor", "mentor", "safeguarding_lead", "member",
             "counselling_supervisor")
    adapter = app.url_map.bind("localhost")
    for rule, names in _id_rules(app):
        for name in names:
            values = {arg: (777777 if arg == name else 1) if arg in names
                      else _sample(rule._converters[arg]) for arg in rule.arguments}
            bad = adapter.build(rule.endpoint, values).replace("777777", value)
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(bad, method=method)
            assert response.status_code == 404, (rule.rule, bad, response.status_code)


def test_the_largest_id_is_routed_and_simply_not_found(client, login_as):
    login_as("coordinator")
    assert client.get(f"/members/{MAX_INTEGER}").status_code == 404


# --- numbers in query strings and forms ---------------------------------------------------

@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_parse_int_refuses_what_is_not_a_plain_number_in_range(value):
    assert parse_int(value) is None


def test_parse_int_takes_plain_numbers_in_range():
    assert parse_int("42") == 42
    assert parse_int(" 7 ") == 7
    assert parse_int(str(MAX_INTEGER)) == MAX_INTEGER
    assert parse_int("5", lo=1, hi=4) is None
    assert parse_int(3) == 3


def test_page_and_integer_arguments_fall_back_to_the_default(app):
    for value in HOSTILE_NUMBERS:
        with app.test_request_context("/", query_string={"page": value, "n": value}):
            assert page_arg() == 1
            assert int_arg("n", default=None) is None
    with app.test_request_context("/?page=3&n=12"):
        assert page_arg() == 3
        assert int_arg("n", 5, lo=1, hi=10) == 5
        assert int_arg("n", 5, lo=1, hi=20) == 12


@pytest.mark.parametrize("path", ["/members/", "/admin/users", "/admin/audit",
                                  "/mentoring/overview", "/safeguarding/", "/members/retention"])
def test_a_hostile_page_number_shows_the_first_page(client, login_as, path):
    login_as("admin", "coordinator", "safeguarding_lead")
    for value in HOSTILE_NUMBERS:
        assert client.get(path, query_string={"page": value}).status_code == 200, (path, value)


class _PickForm(KituoForm):
    class Meta:
        csrf = False

    row = IdField("Row", [required()], choices=[(3, "three"), (5, "five")])
    hidden = IdField("Hidden", choices=None)


def test_id_field_takes_a_listed_id(app):
    with app.test_request_context("/", method="POST", data={"row": "5", "hidden": "12"}):
        form = _PickForm()
        assert form.validate(), form.errors
        assert form.row.data == 5 and form.hidden.data == 12


@pytest.mark.parametrize("value", HOSTILE_NUMBERS[:-1] + ["4"])
def test_id_field_names_the_field_for_a_bad_value(app, value):
    with app.test_request_context("/", method="POST", data={"row": value, "hidden": value}):
        form = _PickForm()
        assert not form.validate()
        assert form.row.errors
        if value != "4":                        # any id in range is fine for choices=None
            assert form.hidden.errors == ["Choose from the list."]


class _NumberForm(KituoForm):
    minutes = IntInput("Minutes", [required(), NumberRange(15, 240)])


@pytest.mark.parametrize("value", ["9" * 400, "-" + "9" * 400, "1e309", "NaN", "abc", "1.5"])
def test_a_whole_number_beyond_any_range_is_an_error_on_its_field(app, value):
    """A 400-digit number crashed wtforms' NumberRange (float overflow): 500."""
    with app.test_request_context("/", method="POST", data={"minutes": value}):
        form = _NumberForm()
        assert not form.validate()
        assert form.minutes.errors


def test_a_whole_number_in_range_is_read(app):
    with app.test_request_context("/", method="POST", data={"minutes": " 50 "}):
        form = _NumberForm()
        assert form.validate(), form.errors
        assert form.minutes.data == 50


def test_a_huge_break_between_sessions_is_422_not_500(app, client, login_as):
    me = login_as("counsellor")
    response = client.post(f"/counselling/availability/{me.id}/templates", data={
        "weekday": "0", "start_time": "10:00", "end_time": "12:00", "session_minutes": "50",
        "buffer_minutes": "9" * 400})
    assert response.status_code == 422


def _form_classes():
    import importlib
    import pkgutil

    import app as package
    from flask_wtf import FlaskForm
    for info in pkgutil.walk_packages(package.__path__, "app."):
        if info.name.rsplit(".", 1)[-1].startswith("forms"):
            importlib.import_module(info.name)
    seen, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


def test_every_typed_number_and_date_is_the_one_shared_field(app):
    """One field type per kind of typed value, so the range and message
    rules hold everywhere: a plain IntegerField crashes on a 400-digit value
    (NumberRange's float overflow) and says 'Not a valid integer' in
    English; a plain DateField has no range."""
    from wtforms import DateField, DateTimeLocalField, IntegerField
    from wtforms.fields.core import UnboundField

    from app.forms import DateInput, DateTimeInput, MonthField
    shared = (IntInput, DateInput, DateTimeInput, MonthField)
    plain = []
    for form in _form_classes():
        for name in dir(form):
            field = getattr(form, name, None)
            if isinstance(field, UnboundField) and issubclass(
                    field.field_class, (IntegerField, DateField, DateTimeLocalField)) \
                    and not issubclass(field.field_class, shared):
                plain.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not plain


def test_every_choice_field_is_kituos(app):
    """A choice is Choice, Radio, CheckboxList, MultiChoice or IdField:
    WTForms' own SelectField, RadioField and SelectMultipleField answer a
    wrong choice (or one `coerce` cannot read) in English only. A select
    that never validates its choice (validate_choice=False) says nothing."""
    from wtforms.fields.choices import SelectFieldBase
    from wtforms.fields.core import UnboundField

    from app.forms import MultiChoice
    ours = (Choice, Radio, CheckboxList, MultiChoice, IdField)
    plain = []
    for form in _form_classes():
        for name in dir(form):
            field = getattr(form, name, None)
            if form.__module__.startswith("app.") and isinstance(field, UnboundField) \
                    and issubclass(field.field_class, SelectFieldBase) \
                    and not issubclass(field.field_class, ours) \
                    and field.kwargs.get("validate_choice", True):
                plain.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not plain


def test_no_template_writes_a_select_or_radio_by_hand():
    """Choices are drawn by the field() macro from a form's field (label,
    fieldset and legend, the error next to it), never hand-written."""
    hand_written = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                    if re.search(r"<select\b|type=.?radio", path.read_text())]
    assert not hand_written


class _CoercedForm(KituoForm):
    class Meta:
        csrf = False

    day = Choice("Weekday", coerce=int, choices=[(0, "Mon"), (1, "Tue")])
    when = Radio("How soon", coerce=int, choices=[(0, "Now"), (1, "Later")])
    days = CheckboxList("Open on", coerce=int, choices=[(0, "Mon"), (1, "Tue")])


@pytest.mark.parametrize("value", ["abc", "1.5", "", "0x1"])
def test_a_choice_coerce_cannot_read_gets_our_one_message(app, value):
    with app.test_request_context("/", method="POST", data={
            "day": value, "when": value, "days": value}):
        form = _CoercedForm()
        assert not form.validate()
        assert form.day.errors == ["Weekday: choose from the list."]
        assert form.when.errors == ["How soon: choose from the list."]
        assert form.days.errors == ["Open on: choose from the list."]


def test_id_field_blank_is_missing_not_invalid(app):
    with app.test_request_context("/", method="POST", data={"row": "", "hidden": ""}):
        form = _PickForm()
        assert not form.validate()
        assert form.row.errors == ["This field is required."]
        assert form.hidden.errors == [] and form.hidden.data is None


# --- get_or_404 and submit ----------------------------------------------------------------

def test_get_or_404_finds_the_row_or_answers_404(conn):
    from app.auth.models import User
    from tests.factories import make_user
    user = make_user("admin")
    assert get_or_404(User, User.id == user.id) == user
    assert get_or_404(User.select().where(User.active == True), User.id == user.id) == user  # noqa: E712
    for missing in (user.id + 1000, MAX_INTEGER, MAX_INTEGER * 10):
        with pytest.raises(NotFound):
            get_or_404(User, User.id == missing)
    with pytest.raises(NotFound):
        get_or_404(User.select().where(User.active == False), User.id == user.id)  # noqa: E712


def test_prepared_builds_its_sql_once_and_reads_values_as_the_fields_do(conn):
    from peewee import fn
    from app.auth.models import User
    from tests.factories import make_user
    built = []

    def build(param):
        built.append(1)
        return (User.select(User.id, User.created_at, User.active, fn.COUNT(User.id))
                .where(User.username == param("name")).group_by(User.id))

    by_name = Prepared(build)
    user, other = make_user("admin"), make_user("mentor")
    assert by_name.first(name=user.username) == (user.id, user.created_at, True, 1)
    assert isinstance(by_name.first(name=other.username)[1], dt.datetime)
    assert by_name.first(name="nobody") is None
    assert len(built) == 1


class _Probe(pw.Model):
    """A table of every kind of value Prepared converts (not a BaseModel:
    it is no part of the schema)."""
    name = pw.TextField(null=True)
    on = pw.DateField(null=True)
    at = pw.DateTimeField(null=True)
    flag = pw.BooleanField(default=False)
    parent = pw.ForeignKeyField("self", null=True)

    class Meta:
        database = db
        table_name = "prepared_probe"


@pytest.fixture
def probes(conn):
    db.create_tables([_Probe])
    a = _Probe.create(name="a", on=dt.date(2026, 1, 2), at=dt.datetime(2026, 1, 2, 3, 4, 5),
                      flag=True)
    b = _Probe.create(name="b", on=dt.date(2026, 2, 2), at=dt.datetime(2026, 2, 2, 3, 4, 5, 6),
                      parent=a)
    c = _Probe.create()
    yield a, b, c
    db.drop_tables([_Probe])


def test_prepared_converts_values_as_the_fields_store_and_read_them(probes):
    a, b, c = probes
    built = []

    def build(param):
        built.append(1)
        return (_Probe.select(_Probe.id, _Probe.name.alias("label"), _Probe.on, _Probe.at,
                              _Probe.flag, _Probe.parent)
                .where(((_Probe.on >= param("since", _Probe.on)) | param("since", _Probe.on).is_null())
                       & (_Probe.flag == param("flag", _Probe.flag))
                       & ((_Probe.at < param("before", _Probe.at)) | _Probe.at.is_null()))
                .order_by(_Probe.id))

    query = Prepared(build)
    rows = query.all(since=None, flag=False, before=dt.datetime(2026, 2, 2, 3, 4, 5, 7))
    assert rows == [(b.id, "b", dt.date(2026, 2, 2), dt.datetime(2026, 2, 2, 3, 4, 5, 6), False,
                     a.id), (c.id, None, None, None, False, None)]
    assert query.all(since=None, flag=False, before=dt.datetime(2026, 2, 2, 3, 4, 5, 6)) == [
        (c.id, None, None, None, False, None)]    # microseconds kept, compared as stored
    assert query.all(since=dt.date(2026, 1, 3), flag=True, before=dt.datetime(2027, 1, 1)) == []
    assert query.first(since=dt.date(2026, 1, 2), flag=True, before=dt.datetime(2027, 1, 1)) \
        == (a.id, "a", dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5), True, None)
    assert query.first(since=dt.date(2030, 1, 1), flag=True, before=dt.datetime(2027, 1, 1)) \
        is None
    assert len(built) == 1


def test_prepared_takes_a_list_of_any_length_in_one_parameter(probes):
    a, b, c = probes
    built = []

    def build(param):
        built.append(1)
        return (_Probe.select(_Probe.name)
                .where(_Probe.at.in_(param("ats", _Probe.at, many=True))
                       | _Probe.parent.in_(param("parents", _Probe.parent, many=True)))
                .order_by(_Probe.id))

    query = Prepared(build)
    assert query.all(ats=[], parents=[]) == []               # an empty list matches nothing
    assert query.all(ats=[dt.datetime(2026, 2, 2, 3, 4, 5, 6)], parents=[]) == [("b",)]
    assert query.all(ats=[dt.datetime(2026, 1, 2, 3, 4, 5), None], parents=[a]) == [
        ("a",), ("b",)]                                       # a model instance for a foreign key
    assert query.all(ats=(x for x in ()), parents=[c.id, b.id, 999]) == []
    assert len(built) == 1 and query._compile()[0].count("?") == 2
    not_on = Prepared(lambda param: _Probe.select(_Probe.name).where(
        _Probe.on.not_in(param("days", _Probe.on, many=True))).order_by(_Probe.id))
    assert not_on.all(days=[dt.date(2026, 1, 2)]) == [("b",)]      # NULL is never "not in"
    assert not_on.all(days=[]) == [("a",), ("b",), (None,)]   # not in nothing: every row
    with pytest.raises(TypeError):
        not_on.all(days="2026-01-02")                          # one value where a list belongs


class _Named(NamedTuple):
    id: int
    label: str | None
    at: dt.datetime | None


def test_prepared_gives_rows_as_a_named_tuple_of_exactly_the_selected_fields(probes):
    a, b, c = probes
    query = Prepared(lambda param: _Probe.select(_Probe.id, _Probe.name.alias("label"), _Probe.at)
                     .where(_Probe.id.in_(param("ids", _Probe.id, many=True)))
                     .order_by(_Probe.id), row=_Named)
    first, second = query.all(ids=[a.id, c.id])
    assert (first.id, first.label, first.at) == (a.id, "a", dt.datetime(2026, 1, 2, 3, 4, 5))
    assert second == _Named(c.id, None, None)
    assert query.first(ids=[b.id]).at == dt.datetime(2026, 2, 2, 3, 4, 5, 6)
    wrong = Prepared(lambda param: _Probe.select(_Probe.id, _Probe.name, _Probe.at), row=_Named)
    with pytest.raises(TypeError, match="name"):
        wrong.all()                          # 'name' selected where the row says 'label'


def test_whole_rows_makes_each_model_of_a_joined_row_whole(probes):
    a, b, c = probes
    parent = _Probe.alias()
    query = Prepared(lambda param: _Probe.select(_Probe, parent)
                     .join(parent, on=(_Probe.parent == parent.id))
                     .where(_Probe.id == param("id")))
    child, its_parent = whole_rows(query.first(id=b.id), _Probe, _Probe)
    assert child.__data__ == _Probe.get_by_id(b.id).__data__
    assert its_parent.__data__ == _Probe.get_by_id(a.id).__data__
    assert its_parent.at == dt.datetime(2026, 1, 2, 3, 4, 5) and its_parent.flag is True
    with pytest.raises(ValueError):
        whole_rows(query.first(id=b.id)[:-1], _Probe, _Probe)   # a field short


def test_prepared_refuses_a_missing_or_unknown_value(probes):
    query = Prepared(lambda param: _Probe.select(_Probe.id).where(_Probe.name == param("name")))
    assert query.all(name="a") == [(probes[0].id,)]
    with pytest.raises(TypeError):
        query.all()
    with pytest.raises(TypeError):
        query.first(name="a", nmae="b")


class _NameForm(KituoForm):
    class Meta:
        csrf = False

    row = IdField("Row", [required()], choices=None)


class _ChoicesForm(KituoForm):
    """Kituo's choice fields, WTForms' own, and subclasses of both: the
    field() macro knows them by what they are, not by their class name."""
    kind = Radio("Kind", choices=[("a", "A"), ("b", "B")])
    plain = RadioField("Plain", choices=[("a", "A"), ("b", "B")])
    many = CheckboxList("Many", choices=[("x", "X"), ("y", "Y")])
    sub_many = type("Topics", (CheckboxList,), {})("Topics", choices=[("x", "X")])
    agree = BooleanField("Agree")
    sub_agree = type("Consent", (BooleanField,), {})("Consent")
    one = Choice("One", choices=[("a", "A")])


@pytest.mark.parametrize("name", ["kind", "plain", "many", "sub_many"])
def test_the_field_macro_groups_every_choice_list_in_a_fieldset_with_its_legend(app, name):
    from bs4 import BeautifulSoup
    from flask import render_template_string
    with app.test_request_context("/"):
        form = _ChoicesForm(formdata=None)
        page = BeautifulSoup(render_template_string(
            '{% from "_macros.html" import field %}{{ field(form[name]) }}', form=form, name=name),
            "html.parser")
    legend = page.select_one("fieldset > legend")
    assert legend is not None and legend.get_text(strip=True) == form[name].label.text
    options = page.select("fieldset input")
    assert options and all(page.select_one(f'label[for="{o["id"]}"]') for o in options)
    assert page.select_one(f'label[for="{form[name].id}"]') is None   # no label for the group


@pytest.mark.parametrize("name", ["agree", "sub_agree"])
def test_the_field_macro_shows_every_yes_no_field_as_a_switch(app, name):
    from bs4 import BeautifulSoup
    from flask import render_template_string
    with app.test_request_context("/"):
        form = _ChoicesForm(formdata=None)
        page = BeautifulSoup(render_template_string(
            '{% from "_macros.html" import field %}{{ field(form[name]) }}', form=form, name=name),
            "html.parser")
    box = page.select_one(f'label > input#{name}[type="checkbox"]')
    assert box is not None and box.get("role") == "switch"


def test_the_field_macro_keeps_a_select_a_labelled_select(app):
    from bs4 import BeautifulSoup
    from flask import render_template_string
    with app.test_request_context("/"):
        form = _ChoicesForm(formdata=None)
        page = BeautifulSoup(render_template_string(
            '{% from "_macros.html" import field %}{{ field(form.one) }}', form=form),
            "html.parser")
    assert page.select_one('label[for="one"]') and page.select_one("select#one")
    assert page.select_one("fieldset") is None


def test_submit_outcomes(app):
    with app.test_request_context("/", method="GET"):
        outcome = submit(_NameForm(), lambda: 1 / 0)
        assert not outcome and outcome.status == 200
    with app.test_request_context("/", method="POST", data={"row": "x"}):
        outcome = submit(_NameForm(), lambda: 1 / 0)
        assert not outcome and outcome.status == 422
    with app.test_request_context("/", method="POST", data={"row": "4"}):
        form = _NameForm()

        def taken():
            raise RuleError("Just taken.", "row", status=409, alternatives=["a", "b"])
        outcome = submit(form, taken)
        assert not outcome and outcome.status == 409
        assert outcome.context == {"alternatives": ["a", "b"]}
        assert form.row.errors == ["Just taken."]
    with app.test_request_context("/", method="POST", data={"row": "4"}):
        outcome = submit(_NameForm(), lambda: "made", "Saved.")
        assert outcome and outcome.result == "made" and outcome.context == {}


def test_a_rule_error_subclass_may_carry_its_status():
    class Taken(RuleError):
        status = 409
    assert Taken("x").status == 409
    assert RuleError("x").status == 422
    assert RuleError("x", status=403).status == 403


# --- time --------------------------------------------------------------------------------

def test_clock_converts_between_nairobi_and_stored_utc():
    stored = dt.datetime(2026, 3, 1, 21, 30)           # UTC
    assert clock.to_local(stored).hour == 0 and clock.to_local(stored).day == 2
    assert clock.local_naive(stored) == dt.datetime(2026, 3, 2, 0, 30)
    assert clock.to_utc(dt.datetime(2026, 3, 2, 0, 30)) == stored
    assert clock.local_midnight(dt.date(2026, 3, 2)) == dt.datetime(2026, 3, 1, 21, 0)
    assert clock.to_local(None) is None and clock.to_utc(None) is None
    assert clock.today() == clock.to_local(clock.utcnow()).date()


def test_rules_today_is_the_clock_and_imports_no_template_filter():
    source = (ROOT / "app" / "rules.py").read_text()
    assert "filters" not in source
    from app import rules
    assert rules.today is clock.today


# --- settings and plug-in points ---------------------------------------------------------

def test_kituo_settings_are_read_in_app_config_only():
    reads = re.compile(r"(environ\.get\(|environ\[|getenv\()\s*[\"']KITUO_")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "app").rglob("*.py")
                 if path.name != "config.py" and reads.search(path.read_text())]
    assert offenders == [], "read KITUO_* settings in app/config.py"


def test_every_registry_hook_is_documented_and_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    hooks = Registry.hooks()
    assert {"nav", "panels", "member_scopes", "anonymisers"} <= set(hooks)
    for name, meta in hooks.items():
        assert meta["signature"] and meta["doc"], name
        assert re.search(rf"^\s*\| `{name}` \|", readme, re.M), \
            f"add the hook {name} to the README's plug-in table"
    list_fields = {f for f, v in vars(Registry()).items() if isinstance(v, list)}
    assert list_fields == set(hooks), "a list on the Registry is a hook: declare it with hook()"



def test_a_text_typed_in_both_languages_is_read_in_the_page_language():
    from app.i18n import bilingual

    class Row:
        title_en, title_sw = "Tailoring", "Ushonaji"
        title = bilingual("title")
    assert [Row().title(code) for code in ("sw", "sw-KE", "en", "")] == [
        "Ushonaji", "Ushonaji", "Tailoring", "Tailoring"]


def test_the_field_macro_draws_a_choice_list_as_chips_when_asked(app):
    """The big tap targets of the session log and the concern form are the
    field() macro too (the mentorship chips() copy is gone)."""
    from bs4 import BeautifulSoup
    from flask import render_template_string
    with app.test_request_context("/"):
        form = _ChoicesForm(formdata=None)
        form.kind.errors = ["Choose one."]
        page = BeautifulSoup(render_template_string(
            '{% from "_macros.html" import field %}{{ field(form.kind, chips=True) }}', form=form),
            "html.parser")
    chips = page.select_one("fieldset.chips")
    assert chips.legend.get_text(strip=True) == "Kind"
    assert [label.select_one("input + span").get_text() for label in chips.select("label")] == [
        "A", "B"]
    assert chips["aria-describedby"] == "kind-error" and page.select_one("#kind-error")


def test_a_get_form_carries_no_csrf_token_and_a_post_form_does(app):
    """GET filters and choosers (app.forms.GetForm) change nothing: no token
    in their query arguments; every other form keeps Flask-WTF's token."""
    from app.counselling.forms import CounsellorChoice
    from app.forms import GetForm
    from app.loans.forms import BookFilter
    from app.reports.forms import PeriodForm
    from app.safeguarding.forms import ConcernForm
    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context("/"):
        for form_class in (BookFilter, CounsellorChoice, PeriodForm):
            assert issubclass(form_class, GetForm)
            assert "csrf_token" not in form_class(formdata=None)._fields, form_class
        assert "csrf_token" in ConcernForm()._fields


# --- the template environment ----------------------------------------------------------

def test_template_globals_answer_keys_as_jinja_s_chain_map_does(app):
    """Kituo's templates get their globals in app.templating.TemplateGlobals,
    whose keys() is a dict view (Jinja's set difference at every macro
    import was ~100 us on a ChainMap): same keys, later globals still seen,
    a template's own globals over the environment's."""
    from collections import ChainMap
    from app.templating import TemplateGlobals
    env = app.jinja_env
    template = env.from_string("{{ shout }}", globals={"own": 1})
    assert isinstance(template.globals, TemplateGlobals)
    assert set(template.globals.keys()) == set(ChainMap(*template.globals.maps).keys())
    env.globals["added_later"] = "late"
    try:
        assert "added_later" in template.globals.keys() and "own" in template.globals.keys()
        assert env.from_string("{{ added_later }}").render() == "late"
    finally:
        del env.globals["added_later"]
    assert "added_later" not in template.globals.keys()
    layered = TemplateGlobals({"x": "template"}, {"x": "environment", "y": 2})
    assert layered["x"] == "template" and sorted(layered.keys()) == ["x", "y"]



def test_fixed_url_is_url_for_and_keeps_a_bounded_number(app, monkeypatch):
    """Row links by id go through fixed_url (the class page, the report):
    the same URL as url_for, and the kept ones never grow past the bound."""
    from flask import url_for
    from app import urls
    monkeypatch.setattr(urls, "FIXED_URLS_KEPT", 10)
    with app.test_request_context("/"):
        for session_id in range(1, 26):
            assert urls.fixed_url("education.register", session_id=session_id) == url_for(
                "education.register", session_id=session_id)
            assert len(app.extensions["kituo_fixed_urls"]) <= 10
        assert urls.fixed_url("reports.breakdown", key="referred", period="2026") == url_for(
            "reports.breakdown", key="referred", period="2026")
