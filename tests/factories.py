"""Test data builders."""
from __future__ import annotations

import contextlib
import itertools

from app.auth import services as auth

PASSWORD = "a long enough test passphrase"
_counter = itertools.count(1)


def make_user(*roles, username=None, language="en", password=PASSWORD, active=True):
    roles = roles or ("admin",)
    name = username or f"{roles[0].replace('_', '')}{next(_counter)}"
    user = auth.create_user(name, name.title(), list(roles), language=language, password=password)
    if not active:
        auth.set_active(user, False)
    return user


def shift_time(model, field_name: str, delta, where=None):
    """Move a timestamp column of every (matching) row by `delta`."""
    query = model.select()
    if where is not None:
        query = query.where(where)
    for row in query:
        value = getattr(row, field_name)
        if value is not None:
            setattr(row, field_name, value + delta)
            row.save(only=[model._meta.fields[field_name]])


@contextlib.contextmanager
def app_db(app):
    """App and request context with an open database connection: for
    arranging or checking data around HTTP calls in a test."""
    from app.db import db
    with app.app_context(), app.test_request_context():
        opened = db.connect(reuse_if_open=True)
        try:
            yield app
        finally:
            if opened:
                db.close()
