"""The huey queue (SqliteHuey in the instance folder) and `task`, a
decorator that runs a task inside an app context with a database connection.

The worker is its own process: `huey_consumer app.worker.huey`.
Tests switch `huey.immediate = True` so tasks run inline.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os

from flask import current_app, has_app_context, has_request_context
from huey import SqliteHuey

from app.config import queue_path


def _queue_file() -> str:
    path = queue_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def _open_queue() -> SqliteHuey:
    """The queue; a disk too full to open it stops the process with one
    clear line (the web, the worker and the command line all need it)."""
    import sqlite3
    path = _queue_file()
    try:
        return SqliteHuey("kituo", filename=path, fsync=True)
    except sqlite3.OperationalError as error:
        from app.storage import explain
        if explain(error, os.path.dirname(path)) != "full":
            raise
        raise SystemExit("Kituo cannot start: the disk is full; nothing was saved. "
                         "Free some space, then try again.") from None


huey = _open_queue()

_worker_app = None


def _app():
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app
        _worker_app = create_app()
    return _worker_app


@contextlib.contextmanager
def app_context():
    """Enter an app context (reusing the current one, e.g. in immediate mode)
    and make sure a database connection is open for the task."""
    from app.db import db
    app = _app()
    ctx = contextlib.nullcontext() if has_app_context() else app.app_context()
    with ctx:
        opened = db.connect(reuse_if_open=True)
        try:
            yield app
        finally:
            if opened and not db.is_closed():
                db.close()


def _run_task(func, args, kwargs):
    """A task's body as the worker runs it: an app context and a database
    connection, no request and so no signed-in user (a task that acts for
    someone is given their id), in the centre's default language unless
    the task says which (a member's PDF: their language)."""
    from app.i18n import in_language
    from app.memory import give_back_freed
    try:
        with app_context() as app, in_language(app.config["BABEL_DEFAULT_LOCALE"]):
            return func(*args, **kwargs)
    finally:
        give_back_freed()


def _in_app_context(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        if has_request_context():
            # Immediate mode (tests) runs a task inside the request that
            # queued it. Run it in a fresh context instead, with no request,
            # user or cached language, exactly as in the worker: a task
            # that needed the request fails in the tests, not on the Pi.
            app = _app()
            return contextvars.Context().run(_with_app, app, func, args, kwargs)
        return _run_task(func, args, kwargs)
    return run


def _with_app(app, func, args, kwargs):
    with app.app_context():
        return _run_task(func, args, kwargs)


def task(**options):
    """Like huey.task, but the function runs inside an app context."""
    def decorate(func):
        name = f"{func.__module__}.{func.__name__}"
        return huey.task(name=name, **options)(_in_app_context(func))
    return decorate


def periodic_task(schedule, **options):
    """Like huey.periodic_task, inside an app context."""
    def decorate(func):
        name = f"{func.__module__}.{func.__name__}"
        return huey.periodic_task(schedule, name=name, **options)(_in_app_context(func))
    return decorate


def put_back_interrupted_work(app) -> dict[str, int]:
    """Before the consumer runs any task: whatever a crash or power cut cut
    off (a job "running", an import "importing") is put back or marked
    failed, module by module (registry.interrupted_work)."""
    from app.db import db
    done = {}
    with app.app_context():
        opened = db.connect(reuse_if_open=True)
        try:
            for put_back in app.extensions["kituo"].interrupted_work:
                name = f"{put_back.__module__}.{put_back.__name__}"
                try:
                    with db.atomic():
                        done[name] = put_back()
                except Exception:  # noqa: BLE001 - e.g. a schema not migrated yet: start anyway
                    app.logger.exception("worker start: %s failed", name)
        finally:
            if opened:
                db.close()
    return done
