"""Shared fixtures: a fresh database per test, a client, huey in immediate
mode (tasks run inline), and one vocabulary for tests:

- `conn`: the test runs inside an app context with a database connection
  (service tests); around HTTP calls use `with app_db(app):`
  (tests/factories.py), the same context for a few lines;
- `html(response)`: the page parsed (BeautifulSoup);
- `sign_in(user)`: sign an existing user in through the real form;
- `login_as(*roles)`: make a user with these roles and sign them in.
"""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.db import db, upgrade
from app.queue import huey
from tests.factories import PASSWORD, app_db, make_user

huey.immediate = True


def make_test_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE": str(tmp_path / "kituo.db"),
        "INSTANCE_PATH": str(tmp_path),
        "JOBS_DIR": str(tmp_path / "jobs"),
        "WTF_CSRF_ENABLED": False,
        "PANEL_CACHE_SECONDS": 0,  # tests/test_core.py covers the cache
    }
    config.update(overrides)
    app = create_app(config)
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
