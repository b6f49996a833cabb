"""/healthz stays cheap but says "degraded" (naming the problem) when the
last backup's integrity check failed, when the last write failed for lack
of space, or when the secret key file is empty or unreadable. The secret
key is written whole (fsync of the file and its folder); an empty key file
is made again with a clear log line, never a 500 at /login."""
from __future__ import annotations

import logging
import os

import pytest

from app.backups import services
from app.backups.models import BackupRun
from app.db import db
from tests.backup_support import backup_app, connected, prepare_drive, require_tools
from tests.conftest import make_test_app
from tests.factories import PASSWORD, make_user


def _health(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200            # degraded: Kituo still serves
    return response.get_json()


@pytest.fixture
def backed_up(tmp_path):
    require_tools("rclone")
    return backup_app(tmp_path, destinations=[prepare_drive(tmp_path / "usb")])


@pytest.mark.deployment
def test_a_failed_integrity_check_makes_healthz_degraded_until_one_passes(backed_up, monkeypatch):
    with connected(backed_up):
        assert services.run_backup("manual").status == "ok"
    body = _health(backed_up)
    assert (body["status"], body["problems"]) == ("ok", [])
    with monkeypatch.context() as damaged:
        damaged.setattr(services.snapshots, "file_integrity_problems", lambda p: ["page 7 bad"])
        with connected(backed_up):
            assert services.run_backup("manual").error == "integrity_check_failed"
    body = _health(backed_up)
    assert body["status"] == "degraded" and body["problems"] == ["backup_integrity_check_failed"]
    with connected(backed_up):                  # a run that never reached the check
        BackupRun.create(trigger="cli", status="failed", error="no_recipients")
    assert _health(backed_up)["problems"] == ["backup_integrity_check_failed"]
    with connected(backed_up):
        services.run_backup("manual")
    assert _health(backed_up)["status"] == "ok"


@pytest.mark.deployment
def test_a_backup_that_found_the_disk_full_makes_healthz_degraded(backed_up):
    with connected(backed_up):
        BackupRun.create(trigger="scheduled", status="failed", error="disk_full")
    body = _health(backed_up)
    assert body["status"] == "degraded" and "disk_full" in body["problems"]


def test_a_write_that_failed_for_lack_of_space_makes_healthz_degraded(app, monkeypatch):
    """The process that saw SQLite's "disk full" remembers it while space
    stays short (tests/test_disk_full.py fills a real disk)."""
    from app import storage
    total = 32 * 1024 ** 3
    monkeypatch.setattr(storage, "space", lambda folder: storage.Space(total // 20, total))
    monkeypatch.setattr(storage, "_last_failure", {})
    body = _health(app)
    assert body["status"] == "ok" and body["disk"] == "low" and body["disk_free_percent"] == 5
    storage.note_failure("full", "/")
    body = _health(app)
    assert body["status"] == "degraded" and body["problems"] == ["disk_full"]
    monkeypatch.setattr(storage, "space", lambda folder: storage.Space(total // 15, total))
    body = _health(app)                           # space was freed: low, not full
    assert body["status"] == "ok" and body["disk"] == "low"


def _keyed_app(tmp_path):
    """An app that reads its secret key from the instance folder, as on the Pi."""
    return make_test_app(tmp_path, SECRET_KEY=None)


def test_the_secret_key_is_written_whole(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    app = _keyed_app(tmp_path)
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text().strip()) == 64 and key_file.stat().st_mode & 0o777 == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert str(tmp_path) in synced                        # the folder, after the rename
    assert any(p.startswith(str(tmp_path / ".secret_key-")) for p in synced)   # the file
    assert _keyed_app(tmp_path).config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret_key")] == []


def test_an_empty_secret_key_file_is_made_again_and_sign_in_works(tmp_path, caplog):
    (tmp_path / "secret_key").write_text("")
    with caplog.at_level(logging.WARNING):
        app = _keyed_app(tmp_path)
    assert any("was empty" in r.getMessage() for r in caplog.records)
    assert len((tmp_path / "secret_key").read_text().strip()) == 64
    client = app.test_client()
    with app.app_context(), db.connection_context():
        make_user("admin", username="amina")
    assert client.get("/login").status_code == 200
    assert client.post("/login", data={"username": "amina", "password": PASSWORD}).status_code == 303
    assert client.get("/").status_code == 200
    assert _health(app)["status"] == "ok"


def test_an_emptied_secret_key_file_makes_healthz_degraded(tmp_path):
    app = _keyed_app(tmp_path)
    (tmp_path / "secret_key").write_text("")         # emptied while running
    body = _health(app)
    assert body["status"] == "degraded" and body["problems"] == ["secret_key_empty"]


def test_an_unreadable_secret_key_file_is_no_500_but_degraded(tmp_path, caplog):
    (tmp_path / "secret_key").mkdir()                 # unreadable even for root
    with caplog.at_level(logging.ERROR):
        app = _keyed_app(tmp_path)
    assert any("cannot be read" in r.getMessage() for r in caplog.records)
    assert app.config["SECRET_KEY"]
    assert app.test_client().get("/login").status_code == 200
    body = _health(app)
    assert body["status"] == "degraded" and body["problems"] == ["secret_key_unreadable"]
    from app import secret_key
    assert secret_key.problem(None) is None           # a key given by the config: no file


def test_healthz_stays_cheap(app, monkeypatch):
    """No integrity check of the live database: it takes seconds on a big one."""
    from app import db as database
    from app.backups import snapshots
    monkeypatch.setattr(snapshots, "file_integrity_problems",
                        lambda path: pytest.fail("an integrity check from /healthz"))
    queries = []
    real_execute = database.db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        queries.append(sql)
        return real_execute(sql, params, *args, **kwargs)
    _health(app)                                      # warm: connection and pragmas
    monkeypatch.setattr(database.db.obj, "execute_sql", counting)
    _health(app)
    assert len(queries) <= 8, queries
    assert not any("integrity_check" in q.lower() for q in queries)
