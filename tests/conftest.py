"""Shared fixtures: a fresh database per test, a client, login_as(role),
and huey in immediate mode (tasks run inline)."""
from __future__ import annotations

import pytest

from app import create_app
from app.db import db, upgrade
from app.queue import huey
from tests.factories import PASSWORD, make_user

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
    """An app context with an open connection, for service tests."""
    with app.app_context(), app.test_request_context(), db.connection_context():
        yield db


@pytest.fixture
def login_as(app, client):
    """login_as("coordinator") -> the User, signed in on `client` through
    the real login form."""
    def login(*roles, username=None, client_=None, language="en"):
        target = client_ or client
        with app.app_context(), db.connection_context():
            user = make_user(*roles, username=username, language=language)
        response = target.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 303, response.data[:500]
        return user
    return login
