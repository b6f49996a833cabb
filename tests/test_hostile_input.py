"""No 500 on any input (issue #10 item 12), as a property: for every role
(and someone not signed in), every route that role may use gets hostile
values in every form field its pages show and every query argument its
links and search forms use, plus hostile ids in its URL. Whatever the
values, the answer is never a 5xx, and an answer of 422 wrote nothing
(beyond the audit trail and sign-in counters).

The inventory comes from the running app: the url map, and a crawl of
each role's pages (their links and forms) over a small demo centre. The
values come from hypothesis (tests/hostile_support.py): out-of-range and
non-numbers, dates at the edge of the calendar, control characters,
emoji, 20-digit ids, long text. Bounded: FUZZ_EXAMPLES examples per case
(a route, role and field; default 1, the worst value of each kind, so the
normal suite stays well under a minute; seeded: the same every run); set
it higher for a deeper run, e.g. FUZZ_EXAMPLES=40.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import zlib
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings, strategies as st

from app.access import capabilities_of
from app.cli import DEMO_USERS
from app.db import db
from app.queue import huey
from tests.conftest import make_test_app
from tests.factories import PASSWORD, app_db, make_user
from tests.hostile_support import (EVERY_FIELD, Field, Form, WriteRecorder, crawl, fields_of_class, form_classes_of,
                                   form_data, match, path_strategy, query_args)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
ROLES = {role: (name, [role]) for name, _display, role, _lang in DEMO_USERS}
ROLES["counselling_supervisor"] = ("supervisor", ["counsellor", "counselling_supervisor"])
ANONYMOUS = "anonymous"

# Tables a refused (422) answer may still write: the audit trail, sign-in
# counters and the session's own bookkeeping (last seen, wrong passwords).
BOOKKEEPING = {"audit_event", "login_throttle", "user_session"}
# ... and on the sign-in pages, the account's failed-attempt count.
AUTH_BOOKKEEPING = BOOKKEEPING | {"user"}
# Query arguments no link shows (where to go after signing in).
QUERY_ARGS = {"auth.login": {"next"}}
# POST routes whose forms are a button and nothing else: fuzzed by their
# URL (and whatever fields are sent anyway).
BUTTON_ONLY = {
    "auth.logout", "admin.unlock", "members.confirm_induction", "members.import_confirm",
    "members.import_cancel", "counselling.note_release", "counselling.supervise_note_release",
    "counselling.remove_exception", "counselling.dismiss_notice", "counselling.calendar_revoke",
    "admin.setup_slip", "reports.approve_extract", "reports.withdraw_extract",
    "reports.download_extract", "education.cancel_class", "education.confirm_completion",
    "education.not_completed", "education.make_certificate", "education.make_my_certificate",
    "loans.my_statement", "loans.import_confirm", "wellbeing.agree",
}
# Fields a view reads without a form class, on a page the demo centre
# does not show (attendance of a past group session).
READ_DIRECTLY = {"counselling.group_register": {"present": "select-multiple"}}


class World:
    def __init__(self, tmp_path):
        self.app = make_test_app(tmp_path)
        result = self.app.test_cli_runner().invoke(
            args=["seed-demo", "--members", "40", "--seed", "3"])
        assert result.exit_code == 0, result.output
        password = re.search(r"password: (\S+)", (tmp_path / "demo-logins.txt").read_text())[1]
        with app_db(self.app):
            make_user("counsellor", "counselling_supervisor", username="supervisor")
        self.clients, self.cookies, self.roles = {}, {}, {}
        for role, (username, roles) in ROLES.items():
            client = self.app.test_client()
            response = client.post("/login", data={
                "username": username,
                "password": PASSWORD if username == "supervisor" else password})
            assert response.status_code == 303, role
            self.clients[role], self.roles[role] = client, roles
            self.cookies[role] = client.get_cookie("kituo_session").value
        self.clients[ANONYMOUS], self.roles[ANONYMOUS] = self.app.test_client(), []
        self.requests = 0
        self.inventories = {role: crawl(self.app, client, ["/", "/me", "/login"])
                            for role, client in self.clients.items()}
        pristine = str(tmp_path / "pristine.db")
        with self.app.app_context():
            import sqlite3
            target = sqlite3.connect(pristine)
            db.connection().backup(target)
            target.close()
            # Fast writes: this database is thrown away (the app syncs each
            # commit to disk, which is most of a test request's time).
            db.execute_sql("PRAGMA synchronous=OFF")
            self.recorder = WriteRecorder(pristine)

    def may_use(self, role, rule) -> bool:
        kind, capabilities = self.app.view_functions[rule.endpoint].access_rule
        if kind == "public":
            return True
        with self.app.app_context():
            held = capabilities_of(self.roles[role])
        return bool(self.roles[role]) and all(c in held for c in capabilities)

    def forms_for(self, role, rule) -> list[Form]:
        """The role's own forms for the route, else any role's (the fields
        are the same; the ids in them may not be the role's), else the
        fields of the form classes its view uses (no page showed it: the
        demo centre holds nothing in the state it needs)."""
        own = self.inventories[role].forms.get(rule.endpoint)
        if own:
            return own
        shown = [f for inventory in self.inventories.values()
                 for f in inventory.forms.get(rule.endpoint, ())]
        if shown:
            return shown
        if rule.endpoint in READ_DIRECTLY:
            return [Form(rule.rule, {name: Field(name, kind) for name, kind
                                     in READ_DIRECTLY[rule.endpoint].items()})]
        with self.app.test_request_context(method="POST"):
            return [Form(rule.rule, fields_of_class(form_class)) for form_class
                    in form_classes_of(self.app.view_functions[rule.endpoint])]

    def query_names(self, role, endpoint) -> set[str]:
        names = {"page"} | QUERY_ARGS.get(endpoint, set())
        for inventory in self.inventories.values():
            names |= inventory.query_names.get(endpoint, set())
        return names

    def send(self, role, method, url, query, data, htmx):
        client = self.clients[role]
        if role in self.cookies:   # a fuzzed sign-out or password change ended it
            client.set_cookie("kituo_session", self.cookies[role])
        self.recorder.start()
        if query and "?" in url:
            url, _sep, own = url.partition("?")
            query = {**dict(parse_qsl(own)), **query}
        response = client.open(url, method=method, query_string=query or None, data=data,
                               headers={"HX-Request": "true"} if htmx else {})
        wrote = self.recorder.tables()
        status = response.status_code
        matched = match(self.app.url_map.bind("localhost"), url.split("?")[0], method)
        endpoint = matched[0] if matched else None
        self.requests += 1
        allowed = AUTH_BOOKKEEPING if (endpoint or "").startswith("auth.") else BOOKKEEPING
        problem = None
        if status >= 500:
            problem = f"{status}"
        elif status == 422 and wrote - allowed:
            problem = f"422 but wrote {sorted(wrote - allowed)}"
        if wrote - {"audit_event", "user_session"} or self.recorder.sessions_ended():
            self.recorder.restore()
        assert problem is None, (f"{role}: {method} {url} query={query!r} data={_short(data)} "
                                 f"-> {problem}")


def _short(data) -> str:
    text = repr({k: v for k, v in (data or {}).items()})
    return text if len(text) < 600 else text[:600] + "…"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        # Jobs are queued, not run: PDFs and backups are tested elsewhere
        # (tests/test_worker_context.py); here only the answer counts.
        patch.setattr(huey, "enqueue", lambda task: None)
        yield World(tmp_path_factory.mktemp("hostile"))


def _cases(world, role, rule, method):
    """(what is hostile, strategy of (url, query, data, htmx)) for a route:
    one field or query argument at a time with the rest as usual, all
    fields at once, and hostile ids in the URL."""
    today = dt.date.today()
    hostile_path = path_strategy(rule, world.inventories[role])
    if method == "GET":
        known = world.inventories[role].urls.get(rule.endpoint) or []
        usual = st.sampled_from(known) if known else hostile_path
        if "<" in rule.rule:
            yield "path", st.tuples(hostile_path, st.just({}), st.none(), st.booleans())
        for name in sorted(world.query_names(role, rule.endpoint)):
            yield f"?{name}", st.tuples(usual, query_args(name), st.none(), st.booleans())
        return
    forms = world.forms_for(role, rule)
    if not forms and rule.endpoint in BUTTON_ONLY:
        forms = [Form(rule.rule, {"hostile": Field("hostile", "text")})]
    if not forms:
        yield "no form", None
        return
    for number, form in enumerate(forms):
        usual = hostile_path if "<" in form.path else st.just(form.path)
        if "<" in rule.rule:
            yield f"form {number} path", st.tuples(hostile_path, st.just({}),
                                                  form_data(form, "", today), st.booleans())
        for target in [EVERY_FIELD, *sorted(form.fields)]:
            yield f"form {number} {target}", st.tuples(
                usual, st.just({}), form_data(form, target, today), st.booleans())


def _fuzz(world, role, rule, method) -> list[str]:
    problems = []
    for case, requests in _cases(world, role, rule, method):
        if requests is None:
            problems.append(f"{rule.endpoint}: no page shows a form that posts here")
            continue

        # Deterministic, and different for every route, role and field.
        @seed(zlib.crc32(f"{role} {method} {rule.rule} {case}".encode()))
        # No shrinking: the failing request is reported as it was sent.
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(requests)
        def run(request):
            url, query, data, htmx = request
            world.send(role, method, url, query, data, htmx)

        try:
            run()
        except AssertionError as error:
            problems.append(str(error).splitlines()[0][:1500])
    return problems


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
def test_no_route_answers_500_to_hostile_input(world, role):
    problems = []
    for rule in sorted(world.app.url_map.iter_rules(), key=lambda r: r.rule):
        if not world.may_use(role, rule):
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            problems += _fuzz(world, role, rule, method)
    print(f"{role}: {world.requests} requests so far")
    assert problems == [], "\n".join(problems)


def test_every_post_route_has_its_inputs_in_the_inventory(world):
    """Every POST route's fields are known, from a page's form or the
    view's form classes (else only its URL would be fuzzed)."""
    shown = {endpoint for inventory in world.inventories.values() for endpoint in inventory.forms}
    unknown = [rule.endpoint for rule in world.app.url_map.iter_rules()
               if "POST" in rule.methods and rule.endpoint not in BUTTON_ONLY | shown
               and not any(f.fields for f in world.forms_for(ANONYMOUS, rule))]
    assert unknown == [], " ".join(unknown)
