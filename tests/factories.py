"""Test data builders: users, members, and moving stored times.

The database in a test: the `conn` fixture (a whole test inside an app
context with a connection: service tests), or `with app_db(app):` around
the lines that arrange or check data between HTTP calls (view tests).
Pages: the `html` fixture parses a response, `sign_in(user)` signs a user
in through the real form, `login_as(role)` makes one and signs it in."""
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


def make_member(actor=None, consent=True, status=None, user=None, **fields):
    """A member registered through the members services (the next code,
    AZ-0001...), as a coordinator would: with consent to processing unless
    `consent=False`; `status="active"` goes through the induction checklist,
    another status through change_status; `user` links an existing login
    (as create_account does). Other keyword arguments are record fields."""
    from app.members import services
    from app.members.models import Member
    data = {"preferred_name": "Wanjiku", "legal_name": "Wanjiku Kamau", "phone": "0712 345678",
            "location": "Kawangware", "notes": "Sleeps at her aunt's", "language": "sw",
            "gender": "female", "county": "Nairobi"}
    data.update(fields)
    member = services.create_member(data, actor=actor)
    if consent:
        services.record_consent(member, "processing", True, "signed", "sw", actor=actor)
    if status == "active":
        for step in services.checklist():
            services.complete_step(member, step, actor)
        services.confirm_induction(Member.get_by_id(member.id), actor)
    elif status and status != "referred":
        services.change_status(member, status, actor,
                               exit_reason="own_choice" if status == "exited" else "")
    if user is not None:
        Member.update(user=user).where(Member.id == member.id).execute()
    return Member.get_by_id(member.id)


def centre_open_on(*days) -> None:
    """The centre works on `days` whatever the calendar says: each public
    holiday that falls (or is observed, the Monday after a Sunday) on one
    of them is switched off, as a coordinator can on the counselling
    settings page. For a test about something else that needs the centre
    open on days around today (a class session, a free study hour):
    without it, such a test fails on a public holiday, or on the day
    before or after one (a run dated 25 December failed 24 tests).
    education_factories.make_class opens its pattern's days this way;
    tests/test_any_day.py builds those tests' worlds with today and
    tomorrow declared holidays."""
    from app.counselling import holidays
    for holiday in holidays.holiday_list():
        if holiday.active and set(days) & holidays.closed_days(holiday, min(days), max(days)):
            holidays.set_holiday_active(holiday, False)


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


@contextlib.contextmanager
def sql_statements():
    """The SQL statements peewee runs inside the block (from its debug
    log), for tests of what a page reads:

        with sql_statements() as statements:
            client.get("/me/learning")
        assert sum('FROM "member"' in s for s in statements) == 1"""
    import logging
    statements: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            statements.append(record.msg[0] if isinstance(record.msg, tuple) else record.getMessage())

    logger, handler = logging.getLogger("peewee"), Keep()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
