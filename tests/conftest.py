"""Shared fixtures: a fresh database per test, a client, huey in immediate
mode (tasks run inline), and one vocabulary for tests:

- `conn`: the test runs inside an app context with a database connection
  (service tests); around HTTP calls use `with app_db(app):`
  (tests/factories.py), the same context for a few lines;
- `html(response)`: the page parsed (BeautifulSoup);
- `sign_in(user)`: sign an existing user in through the real form;
- `login_as(*roles)`: make a user with these roles and sign them in;
- `pdf_text(pdf_bytes)`: the text of a PDF (Debian's pdftotext).

Tiers (`make test` runs them all; `make test-fast` leaves out the two marks):
- `browser`: everything under tests/browser (Debian's Chromium);
- `deployment`: everything under tests/pi, and what needs Debian packages of the Pi (rclone, age, sqlite3,
  nginx, openssl, shellcheck, systemd-analyze, poppler's pdftotext) or runs
  the deployment's programs; marked per module or test, and every test that
  uses the `pdf_text` fixture.
"""
from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type
from bs4 import BeautifulSoup
from flask import Flask
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule

from app import create_app, pdf, pdf_render
from app.auth import passwords
from app.db import SQLITE_PRAGMAS, db
from app.migrations import upgrade
from app.queue import huey
from tests.factories import PASSWORD, app_db, make_user
from tests.page_checks import check_unique_ids

huey.immediate = True

# Passwords in this test process are hashed with argon2id at its smallest
# cost (8 KiB, one pass): at the production cost (19 MiB, three passes,
# app/auth/passwords.py) every make_user and every sign-in paid for a full
# hash (make_user: 71 -> 11 ms CPU, measured at a load of ~8). The
# production code has no switch for this: only this file replaces the
# module's hasher, so nothing outside pytest can ever use it, and
# tests/test_auth_services.py checks in a separate process (without this
# file) that the app hashes at the full cost. Hashes keep their cost inside
# them, so a full-cost hash made by a subprocess still verifies here (at its
# own cost), and the reverse.
passwords.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32,
                                  salt_len=16, type=Type.ID)
passwords._DUMMY_HASH = passwords.hasher.hash("not a real password, used to even out timing")


_compile_builder = Rule._compile_builder
_BUILDERS: dict[tuple, object] = {}


def _builder_compiled_once(rule, append_unknown=True):
    """Every test builds its own app (its own config and database), and
    werkzeug compiles two Python functions per URL rule as the app adds
    it (url_for's builders): ~80 % of create_app()'s time, so of every
    test's set-up (make_test_app: 250 -> 46 ms CPU, measured at a load of
    ~8). A builder depends only on the
    rule's text and defaults and takes the rule as an argument, so this
    test process compiles each once and every app after the first reuses
    it; the app's own code is unchanged (Werkzeug is pinned,
    requirements.txt)."""
    key = (rule.rule, rule.host if rule.map.host_matching else rule.subdomain,
           tuple(rule._trace), repr(sorted((rule.defaults or {}).items())), append_unknown)
    if key not in _BUILDERS:
        _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return _BUILDERS[key]


Rule._compile_builder = _builder_compiled_once


class _CompiledTemplates(BytecodeCache):
    """Every test builds its own app, so its own Jinja environment, which
    compiled every template the test rendered anew: ~25 ms per template,
    a few per test (about a tenth of the suite's CPU). Jinja's own
    bytecode cache, kept in this test process's memory and shared by every
    app: a template is compiled once per process, and Jinja checks the
    source's checksum before it uses the code, so an edited template is
    compiled again. Every app is built by create_app() with the same
    Jinja options; production is unchanged (no cache there)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _CompiledTemplates()
_create_jinja_environment = Flask.create_jinja_environment


def _jinja_environment_sharing_compiled_templates(self):
    environment = _create_jinja_environment(self)
    environment.bytecode_cache = _COMPILED_TEMPLATES
    return environment


Flask.create_jinja_environment = _jinja_environment_sharing_compiled_templates

# Test databases are thrown away: no fsync on every commit (the app's
# "synchronous=FULL", app/db.py, is for power cuts; a test never loses
# power, and a process killed mid-write loses nothing in WAL mode either).
# Like the hasher above, only this file changes it: subprocesses that test
# the deployment run the app's own settings.
SQLITE_PRAGMAS["synchronous"] = "off"


# PDFs are made in this process. The app makes each in a child process
# (app/pdf.py: no long-lived process keeps WeasyPrint's ~30 MB), which
# starts Python and imports WeasyPrint every time: ~1 s of CPU and ~2 s
# of wall time a PDF here, a fifth of `make test-fast`. A test process
# imports WeasyPrint once and makes the PDF with the renderer's own call
# (app/pdf_render.py: the same url_fetcher that refuses every URL). The
# child-process path keeps its own tests, which run it for real:
# tests/test_pdf.py (a test's own RENDERER goes to the child, as below)
# and tests/test_process_imports.py (a process that made a PDF does not
# keep WeasyPrint; its subprocesses do not load this file).
_PDF_RENDERER = pdf.RENDERER
_pdf_in_a_child_process = pdf.html_to_pdf


def _pdf_in_this_process(html: str) -> bytes:
    if pdf.RENDERER != _PDF_RENDERER:
        return _pdf_in_a_child_process(html)
    from weasyprint import HTML
    try:
        return HTML(string=html, url_fetcher=pdf_render._no_network).write_pdf()
    except Exception as error:  # noqa: BLE001 - as the child reports it (app/pdf.py)
        raise pdf.PdfFailed(f"PDF not made (exit 1): {type(error).__name__}") from error


pdf.html_to_pdf = _pdf_in_this_process

_TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = item.path.resolve().relative_to(_TESTS).parts[0]
        if tier == "browser":
            item.add_marker(pytest.mark.browser)
        if tier == "pi":                 # the emulated Pi (also skipped unless KITUO_TEST_PI=1)
            item.add_marker(pytest.mark.deployment)
        if "pdf_text" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.deployment)


_KEPT: dict[str, Path] = {}
_KEPT_ROOT: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _kept_templates_root(tmp_path_factory):
    """Where kept templates live: in this session's pytest temp folder,
    which pytest-xdist's workers share (their own folders sit inside it)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "kept-templates"
    root.mkdir(exist_ok=True)
    _KEPT_ROOT[:] = [root]


def kept_template(name: str, build) -> Path:
    """A folder that `build(folder)` fills once per test session, kept for
    every later test that copies from it (a database at the latest schema;
    the hostile-input test's demo centre). Under pytest-xdist the workers of
    a session share it: the first to ask builds it, under a lock, and the
    others wait for it and use it. Outside a pytest session (a script that
    imports this file) it is built once per process."""
    if name not in _KEPT:
        if not _KEPT_ROOT:
            _KEPT_ROOT.append(Path(tempfile.mkdtemp(prefix="kituo-kept-")))
            atexit.register(shutil.rmtree, _KEPT_ROOT[0], ignore_errors=True)
        folder = _KEPT_ROOT[0] / name
        with open(_KEPT_ROOT[0] / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / ".built").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                (folder / ".built").touch()
        _KEPT[name] = folder
    return _KEPT[name]


def _build_schema(folder: Path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "schema-template",
                      "DATABASE": str(folder / "kituo.db"), "INSTANCE_PATH": str(folder),
                      "HOLD_DATABASE": False})
    with app.app_context():
        upgrade()


def schema_template() -> Path:
    """A database file at the latest schema, kept for the session
    (kept_template): copying it costs a few milliseconds, building the
    schema ~60% of a test's setup (measured on this machine: 1.9 s against
    4 ms under a load of 20, ~0.15 s against 1 ms idle)."""
    return kept_template("schema", _build_schema) / "kituo.db"


def make_test_app(tmp_path, **overrides):
    """An app on tmp_path. A new database starts as a copy of the schema
    template; an existing file (a migration test's old schema) is upgraded."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE": str(tmp_path / "kituo.db"),
        "INSTANCE_PATH": str(tmp_path),
        "JOBS_DIR": str(tmp_path / "jobs"),
        "WTF_CSRF_ENABLED": False,
        "BACKUP_STATE_SECONDS": 0,   # the backups banner reads the state each time
        "FIGURES_SECONDS": 0,        # panels' figures computed each time (tests/test_figures.py)
    }
    config.update(overrides)
    database = Path(config["DATABASE"])
    if not database.exists():
        shutil.copyfile(schema_template(), database)
    app = create_app(config)
    app.after_request(check_unique_ids)   # every page any test renders
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(tmp_path):
    return make_test_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def conn(app):
    """The whole test inside `app_db(app)`: app and request context with an
    open connection, for service tests."""
    with app_db(app):
        yield db


def parse_html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def html():
    """html(response) -> the page parsed with BeautifulSoup."""
    return parse_html


@pytest.fixture
def sign_in(client):
    """sign_in(user, client_=None): sign `user` in on `client` (or
    `client_`) through the real login form (the test password)."""
    def sign(user, client_=None):
        response = (client_ or client).post(
            "/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 303, response.data[:500]
        return user
    return sign


@pytest.fixture
def login_as(app, sign_in):
    """login_as("coordinator") -> a new User with these roles, signed in on
    `client` (or `client_`) through the real login form."""
    def login(*roles, username=None, client_=None, language="en"):
        with app_db(app):
            user = make_user(*roles, username=username, language=language)
        return sign_in(user, client_)
    return login


@pytest.fixture
def pdf_text():
    """pdf_text(pdf_bytes) -> its text, whitespace as pdftotext lays it out."""
    def text(pdf: bytes) -> str:
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode()
    return text
