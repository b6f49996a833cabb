"""The machinery of the hostile-input property test (tests/test_hostile_input.py),
in the manner of schemathesis: an inventory of every route's inputs taken
from the running app (its url map, and the forms and links its pages
show to each role), hypothesis strategies of hostile values for them, and
a recorder of which tables a request wrote to."""
from __future__ import annotations

import functools
import inspect
import io
import re
import sqlite3
from collections import defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit

from bs4 import BeautifulSoup, SoupStrainer
from flask import has_request_context, request
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict

from app.db import db

# --- hostile values -------------------------------------------------------------

# Each list starts with its worst value: hypothesis tries a strategy's
# simplest value (a list's first) first, so a one- or two-example run
# still sends it.
NUMBERS = [
    "99999999999999999999", "-99999999999999999999", "9223372036854775808",
    "9223372036854775807", "18446744073709551616", "2147483648", "0", "-1", "1",
    "1e309", "-1e309", "1e-400", "NaN", "nan", "inf", "-Infinity", "1.5", "0x1F", "1_000",
    "١٢", "１２", "12abc", "abc", " 7 ", "+5", "0" * 30 + "1", "9" * 400,
]
DATES = [
    "0001-01-01", "9999-12-31", "0002-01-01", "1899-12-31", "2101-01-01", "0000-00-00",
    "2026-02-30", "2026-13-01", "-2026-01-01", "20260101", "2026-1-1", "10000-01-01",
]
DATETIMES = [
    "9999-12-31T23:59", "0001-01-01T00:00", "0002-01-01T08:00", "2026-02-30T10:00",
    "2026-01-01T24:00", "2026-01-01T23:60", "2026-01-01 10:00", "9999-12-31T23:59:59.999999",
    "2026-01-01T10:00+25:00",
]
TIMES = ["24:00", "23:60", "-1:00", "99:99", "7", "noon", "00:00", "23:59"]
TEXTS = [
    "a\x00b\x1b[31m", "\x00", "", " ", "\n", "\t", "😀", "𝕂ituo", "\u202e", "\ufeff",
    "'; DROP TABLE member;--", "<script>alert(1)</script>", "%", "_", "\\", "../../etc/passwd",
    "AZ-0001", "az-99999999999999999999", "a" * 5000, "//evil.example", "/\t/evil.example",
]
HOSTILE = NUMBERS + DATES + DATETIMES + TIMES + TEXTS

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_generated = st.one_of(
    _text,
    st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
)
hostile_value = st.one_of(st.sampled_from(HOSTILE), _generated)

# Values aimed at a field's type (as a schema-driven fuzzer would), then
# anything hostile at all.
_BY_KIND = {
    "number": st.one_of(st.sampled_from(NUMBERS),
                        st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str)),
    "date": st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat())),
    "datetime-local": st.one_of(st.sampled_from(DATETIMES),
                                st.datetimes().map(lambda d: d.isoformat(timespec="minutes"))),
    "time": st.sampled_from(TIMES),
    "select": st.sampled_from(NUMBERS + TEXTS[:12]),
    "hidden": st.sampled_from(NUMBERS + TEXTS[:12]),
    "text": st.one_of(st.sampled_from(TEXTS), _text),
    "textarea": st.one_of(st.sampled_from(TEXTS), _text),
}


@functools.cache
def hostile_for(kind: str):
    aimed = _BY_KIND.get(kind)
    return st.one_of(aimed, hostile_value) if aimed is not None else hostile_value


# --- the inventory ------------------------------------------------------------------

@dataclass
class Field:
    name: str
    kind: str                       # text, number, date, select, checkbox, file, ...
    options: list[str] = field(default_factory=list)
    default: list[str] = field(default_factory=list)   # the values the page sent


@dataclass
class Form:
    path: str                       # where it posts (a concrete URL of this site)
    fields: dict[str, Field]


@dataclass
class Inventory:
    """What one role's pages show: concrete URLs per endpoint (their path
    and query values) and the forms that post to each endpoint."""
    urls: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    path_values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    query_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    forms: dict[str, list[Form]] = field(default_factory=lambda: defaultdict(list))


def _fields_of(form) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for element in form.find_all(["input", "select", "textarea", "button"]):
        name = element.get("name")
        if not name or name == "csrf_token":
            continue
        if element.name == "select":
            options = [o.get("value", o.get_text()) for o in element.find_all("option")]
            chosen = [o.get("value", o.get_text()) for o in element.find_all("option")
                      if o.has_attr("selected")] or options[:1]
            kind = "select-multiple" if element.has_attr("multiple") else "select"
            fields[name] = Field(name, kind, options, chosen)
            continue
        if element.name == "textarea":
            fields[name] = Field(name, "textarea", [], [element.get_text()])
            continue
        kind = element.get("type", "submit" if element.name == "button" else "text").lower()
        value = element.get("value", "on" if kind in ("checkbox", "radio") else "")
        spec = fields.setdefault(name, Field(name, kind))
        if kind in ("checkbox", "radio", "submit"):
            spec.options.append(value)
            if element.has_attr("checked"):
                spec.default.append(value)
        else:
            spec.default = [value]
    return fields


def crawl(app, client, starts, per_endpoint: int = 2, max_pages: int = 70) -> Inventory:
    """Follow the links and GET forms a role's pages show, from `starts`,
    breadth first; a second page of an endpoint only once no page of a new
    endpoint is waiting (within `max_pages`, as many endpoints as can be)."""
    adapter = app.url_map.bind("localhost")
    inventory, queue, later, seen, pages = Inventory(), deque(starts), deque(), set(), 0
    while (queue or later) and pages < max_pages:
        url = queue.popleft() if queue else later.popleft()
        if url in seen:
            continue
        parts = urlsplit(url)
        matched = match(adapter, parts.path, "GET")
        if matched is None or matched[0] == "static":
            continue
        endpoint, view_args = matched
        for name, value in view_args.items():
            inventory.path_values[f"{endpoint}:{name}"].add(str(value))
        inventory.query_names[endpoint].update(name for name, _ in parse_qsl(parts.query))
        if queue and inventory.urls[endpoint]:
            later.append(url)
            continue
        seen.add(url)
        if len(inventory.urls[endpoint]) >= per_endpoint:
            continue
        response = client.get(url)
        response.close()   # a streamed download (CSV) ends here, in its request
        pages += 1
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        inventory.urls[endpoint].append(url)
        # Only links and forms (with what is inside them) become a tree.
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser",
                             parse_only=SoupStrainer(["a", "form"]))
        for link in page.find_all("a", href=True):
            href = link["href"]
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href.split("#")[0])
        for form in page.find_all("form"):
            _note_form(adapter, inventory, queue, url, form)
    return inventory


def _note_form(adapter, inventory: Inventory, queue, page_url: str, form) -> None:
    action = form.get("action") or page_url
    method = form.get("method", "get").lower()
    path = urlsplit(action).path
    matched = match(adapter, path, method.upper())
    if matched is None:
        return
    endpoint, view_args = matched
    fields = _fields_of(form)
    for name, value in view_args.items():
        inventory.path_values[f"{endpoint}:{name}"].add(str(value))
    if method == "post":
        known = [f for f in inventory.forms[endpoint] if shape(f.fields) == shape(fields)]
        if len(inventory.forms[endpoint]) < 3 and not known:
            inventory.forms[endpoint].append(Form(action, fields))
    else:
        inventory.query_names[endpoint].update(fields)
        query = "&".join(f"{quote(n)}={quote(f.default[0] if f.default else '')}"
                         for n, f in fields.items() if f.kind != "submit")
        queue.append(f"{path}?{query}" if query else path)


def shape(fields) -> set[str]:
    """A form's field names with the numbers in them left out: the same
    form on another row (prefix `fee12-` or `fee13-`) is one form."""
    return {re.sub(r"\d+", "#", name) for name in fields}


def match(adapter, path: str, method: str):
    try:
        return adapter.match(path, method=method)
    except Exception:  # noqa: BLE001 - not a route of ours (404, 405, redirect)
        return None


# --- requests from the inventory ------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_]+)>")
HOSTILE_IDS = ["99999999999999999999", "9223372036854775808", "9223372036854775807", "0",
               "-1", "abc", "1e3", "%00", "😀"]


def _known_values(rule, inventory: Inventory, name: str) -> list[str]:
    known = sorted(inventory.path_values.get(f"{rule.endpoint}:{name}", ()))
    if not known:   # another route's pages may name the same object
        known = sorted({v for key, values in inventory.path_values.items()
                        if key.endswith(f":{name}") for v in values})
    return known or ["1", "2"]


def path_strategy(rule, inventory: Inventory):
    """A URL for `rule`: known values of its arguments (from the role's own
    pages) or hostile ones."""
    strategies = [st.one_of(st.sampled_from(HOSTILE_IDS),
                            st.sampled_from(_known_values(rule, inventory, name)), _text)
                  for _converter, name in _ARGUMENT.findall(rule.rule)]
    return _build_path(rule, strategies)


def known_path(rule, inventory: Inventory):
    """A URL for `rule` with values of its arguments the role's pages name."""
    return _build_path(rule, [st.sampled_from(_known_values(rule, inventory, name))
                              for _converter, name in _ARGUMENT.findall(rule.rule)])


def _build_path(rule, strategies):
    def build(values):
        it = iter(values)
        return _ARGUMENT.sub(lambda m: quote(next(it), safe=""), rule.rule)
    return st.tuples(*strategies).map(build) if strategies else st.just(rule.rule)


def baseline(spec: Field, today) -> list:
    """A value the field accepts in the usual case: what the page sent,
    else a typical one for its type (so that the other fields of a form
    pass and the hostile one reaches the code behind the form)."""
    import datetime as dt
    if spec.kind == "file":
        return [(io.BytesIO(b"preferred_name,language\nAkinyi,sw\n"), "list.csv")]
    if spec.kind == "submit":
        return spec.options[:1]
    if spec.default and any(v not in ("", None) for v in spec.default):
        return spec.default
    later = today + dt.timedelta(days=3)
    typical = {"number": "1", "date": today.isoformat(), "time": "10:00",
               "datetime-local": f"{later.isoformat()}T10:00"}
    if spec.kind in typical:
        return [typical[spec.kind]]
    if spec.kind in ("select", "radio"):
        chosen = [o for o in spec.options if o]
        return chosen[:1]
    if spec.kind in ("select-multiple", "checkbox"):
        return spec.default
    return ["Akinyi"] if spec.kind in ("text", "textarea", "search") else spec.default


def hostile_values(spec: Field):
    """Hostile values for one field: aimed at its type, anything hostile,
    several at once, or (for choices) a real option repeated."""
    return _hostile_values(spec.kind, tuple(spec.options))


@functools.cache
def _hostile_values(kind: str, options: tuple[str, ...]):
    """One strategy object per kind of field and its options: hypothesis
    works out a new strategy's properties when it first draws from it,
    which cost more than the drawing (a third of the property test's
    time when every draw built its own)."""
    spec = Field("", kind, list(options))
    if spec.kind == "file":
        return st.binary(max_size=300).map(lambda b: [(io.BytesIO(b), "list.csv")])
    single = hostile_for(spec.kind).map(lambda v: [v])
    several = st.lists(hostile_for(spec.kind), min_size=2, max_size=3)
    if spec.options:
        return st.one_of(single, several, st.lists(st.sampled_from(spec.options), min_size=2,
                                                   max_size=4))
    return st.one_of(single, several)


EVERY_FIELD = "*"


@st.composite
def form_data(draw, form: Form, target: str, today):
    """The form filled as usual, with `target` hostile (EVERY_FIELD: all
    of them at once)."""
    data = {}
    for name, spec in sorted(form.fields.items()):
        hostile = target in (EVERY_FIELD, name)
        value = draw(hostile_values(spec)) if hostile else baseline(spec, today)
        if value:
            data[name] = value
    return data


@st.composite
def query_args(draw, target: str):
    return {target: draw(hostile_value)}


# --- what a request wrote ---------------------------------------------------------------

class WriteRecorder:
    """Temporary triggers on every table of the test's connection note
    which tables a request inserted into, updated or deleted from; a clean
    copy of the database puts everything back after a request that wrote."""

    def __init__(self, pristine_path: str):
        self.pristine_path = pristine_path
        connection = db.connection()
        # The note of what a request wrote lives in memory: in a temporary
        # file, emptying it before each request was a commit of its own
        # (~2 ms, a tenth of the property test's requests).
        connection.execute("PRAGMA temp_store = MEMORY")
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS hostile_writes (tbl TEXT)")
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM main.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]    # no triggers there (its own tables do)
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                connection.execute(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "hw_{event}_{table}" AFTER {event} '
                    f'ON main."{table}" BEGIN INSERT INTO hostile_writes VALUES (\'{table}\'); END')

    def start(self) -> None:
        db.connection().execute("DELETE FROM temp.hostile_writes")

    def tables(self) -> set[str]:
        return {row[0] for row in db.connection().execute(
            "SELECT DISTINCT tbl FROM temp.hostile_writes")}

    def sessions_ended(self) -> bool:
        """A request ended a session (sign-out, password guesses): writes to
        the sessions table are otherwise only their "last seen" time."""
        return "user_session" in self.tables() and db.connection().execute(
            "SELECT COUNT(*) FROM user_session WHERE revoked_at IS NOT NULL").fetchone()[0] > 0

    def restore(self) -> None:
        source = sqlite3.connect(self.pristine_path)
        try:
            source.backup(db.connection())
        finally:
            source.close()


# --- which query arguments a view reads ------------------------------------------------

EVERY_ARGUMENT = "*"


class ArgumentReads:
    """While on, notes which query arguments each endpoint's code reads
    (request.args.get, [...], in; going through all of them notes
    EVERY_ARGUMENT) on GET pages that answered 200. An argument an endpoint
    never read on its own pages cannot change its answer there: the
    property test sends `?page=` only where some code reads it (or where
    no page of the endpoint was seen)."""

    def __init__(self, app):
        self.on = False
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.seen: set[str] = set()
        recorder = self

        class Args(ImmutableMultiDict):
            def _note(self, key):
                if recorder.on and has_request_context() and request.endpoint:
                    recorder.reads[request.endpoint].add(key)

            def __getitem__(self, key):
                self._note(key)
                return super().__getitem__(key)

            def get(self, key, default=None, type=None):
                self._note(key)
                return super().get(key, default, type)

            def getlist(self, key, type=None):
                self._note(key)
                return super().getlist(key, type)

            def __contains__(self, key):
                self._note(key)
                return super().__contains__(key)

            def __iter__(self):
                self._note(EVERY_ARGUMENT)
                return super().__iter__()

            def items(self, multi=False):
                self._note(EVERY_ARGUMENT)
                return super().items(multi)

            def lists(self):
                self._note(EVERY_ARGUMENT)
                return super().lists()

            def to_dict(self, flat=True):
                self._note(EVERY_ARGUMENT)
                return super().to_dict(flat)

        class RecordingRequest(app.request_class):
            parameter_storage_class = Args

        app.request_class = RecordingRequest

        @app.after_request
        def _seen(response):
            if recorder.on and request.method == "GET" and response.status_code == 200:
                recorder.seen.add(request.endpoint)
            return response

    def may_read(self, endpoint: str, name: str) -> bool:
        return (endpoint not in self.seen
                or bool({name, EVERY_ARGUMENT} & self.reads.get(endpoint, set())))


# --- inputs of a route no page showed: its form classes --------------------------------

_KINDS = {"DateField": "date", "DateInput": "date", "DateTimeLocalField": "datetime-local",
          "DateTimeInput": "datetime-local", "TimeField": "time", "TimeInput": "time",
          "IntegerField": "number", "IntInput": "number", "BooleanField": "checkbox",
          "FileField": "file", "TextAreaField": "textarea"}


def form_classes_of(view) -> list[type]:
    """The Flask-WTF form classes a view function builds: those it names
    (in its body or a function nested in it, directly as CancelForm() or
    through a module as F.CancelForm()); if it names none, those of the
    helpers of its own module it calls that build one form each (such as
    `_placement_form(member)`; a helper that renders a page with several
    forms, such as education's `_page`, is not where the posted form is
    read)."""
    view = getattr(view, "__wrapped__", view)
    direct = _classes_named(view, _names_in(view.__code__))
    if direct:
        return direct
    helpers = [view.__globals__.get(name) for name in sorted(_names_in(view.__code__))]
    helpers = [h for h in helpers if inspect.isfunction(h) and h.__module__ == view.__module__]
    built = [_classes_named(view, _names_in(h.__code__)) for h in helpers]
    single = [classes[0] for classes in built if len(classes) == 1]
    return list(dict.fromkeys(single or [c for classes in built for c in classes]))


def _names_in(code) -> set[str]:
    names, codes = set(), [code]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return names


def _classes_named(view, names) -> list[type]:
    from flask_wtf import FlaskForm
    modules = [m for m in view.__globals__.values() if inspect.ismodule(m)]
    found = []
    for name in sorted(names):
        # A class named directly (CancelForm()) or through a module (F.CancelForm()).
        found += [view.__globals__.get(name), *(getattr(m, name, None) for m in modules)]
    return list(dict.fromkeys(c for c in found if isinstance(c, type)
                              and issubclass(c, FlaskForm)))


def fields_of_class(form_class) -> dict[str, Field]:
    """Field specs of a form class (call inside a request context)."""
    form = form_class(formdata=None, meta={"csrf": False})
    fields = {}
    for wtf in form:
        kind = next((k for cls, k in ((c.__name__, _KINDS.get(c.__name__))
                                      for c in type(wtf).__mro__) if k), None)
        choices = [str(value) for value, *_rest in (getattr(wtf, "choices", None) or [])]
        if kind is None:
            multiple = "Multiple" in type(wtf).__name__ or type(wtf).__name__ == "CheckboxList"
            kind = ("select-multiple" if multiple else "select") if hasattr(wtf, "choices") else "text"
        if kind == "checkbox":
            choices = ["y"]
        default = [] if wtf.data in (None, "", [], False) else [str(wtf.data)]
        fields[wtf.name] = Field(wtf.name, kind, choices, default)
    return fields
