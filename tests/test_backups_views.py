"""The backups page, the "Back up now" button, the 36-hour banner, the
clock-sanity banner and /healthz."""
from __future__ import annotations

import datetime as dt

import pytest

from app.audit import AuditEvent
from app.backups.models import BackupRun, DestinationResult
from app.db import SchemaVersion, db, utcnow
from app.jobs.models import Job
from tests.backup_support import backup_app, require_tools
from tests.factories import shift_time
from tests.conftest import parse_html

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)


@pytest.fixture
def app(tmp_path):
    require_tools("rclone")
    return backup_app(tmp_path, destinations=[str(tmp_path / "usb")])


def _banners(client, path="/"):
    return [p.get_text(" ", strip=True) for p in parse_html(client.get(path)).select(".banner")]


def test_admin_sees_the_page_and_nav_item(client, login_as):
    login_as("admin")
    response = client.get("/admin/backups/")
    assert response.status_code == 200
    page = parse_html(response)
    assert page.h1.get_text(strip=True) == "Backups"
    assert "/admin/backups/" in {a["href"] for a in page.select(".module-nav a")}
    assert page.select_one("#backup-now")
    places = page.select(".backup-destination")
    assert len(places) == 1 and "Never" in places[0].get_text()
    assert "No backup has been made yet." in page.get_text()


@pytest.mark.parametrize("role", ["coordinator", "mentor", "member"])
def test_others_may_not_see_or_start_backups(client, login_as, role):
    login_as(role)
    assert client.get("/admin/backups/").status_code == 403
    assert client.post("/admin/backups/run").status_code == 403


def test_back_up_now_runs_a_job_and_shows_the_result(app, client, login_as, tmp_path):
    user = login_as("admin")
    response = client.post("/admin/backups/run")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/backups/"
    with app.app_context(), db.connection_context():
        run = BackupRun.get()
        assert (run.status, run.trigger, run.requested_by) == ("ok", "manual", user.id)
        job = Job.get(Job.kind == "backup")
        assert job.status == "done" and str(job.id) == run.job_id and job.owner_id == user.id
        assert AuditEvent.get(AuditEvent.action == "backup.requested").actor == user.id
    assert (tmp_path / "usb" / run.filename).exists()
    page = parse_html(client.get("/admin/backups/"))
    assert "Succeeded" in page.select_one(".backup-runs tbody tr").get_text()
    place = page.select_one(".backup-destination").get_text()
    assert "Never" not in place and "checksum (SHA-256)" in place


def test_running_backup_shows_a_polling_progress_bar(app, client, login_as, monkeypatch):
    login_as("admin")
    with app.app_context(), db.connection_context():
        BackupRun.create(trigger="scheduled", progress=40, phase="encrypt")
    from app.backups import services
    monkeypatch.setattr(services, "backup_running", lambda: True)
    page = parse_html(client.get("/admin/backups/"))
    status = page.select_one("#backup-status")
    assert status["hx-trigger"] == "every 1s"
    assert page.select_one("progress#backup-progress")["value"] == "40"
    assert "Compressing and encrypting" in status.get_text()
    # pressing the button again does not start a second backup
    client.post("/admin/backups/run")
    with app.app_context(), db.connection_context():
        assert BackupRun.select().count() == 1
    # the poller gets the partial while running, a page refresh when done
    partial = client.get("/admin/backups/", headers={"HX-Request": "true"})
    assert parse_html(partial).select_one("progress") and not parse_html(partial).select_one("h1")
    monkeypatch.setattr(services, "backup_running", lambda: False)
    finished = client.get("/admin/backups/", headers={"HX-Request": "true"})
    assert finished.headers["HX-Refresh"] == "true"


def test_a_queued_backup_shows_while_it_waits_for_the_worker(app, client, login_as):
    user = login_as("admin")
    with app.app_context(), db.connection_context():
        Job.create(kind="backup", owner=user.id)
        old = Job.create(kind="backup", owner=user.id)
        shift_time(Job, "created_at", -dt.timedelta(hours=2), Job.id == old.id)
    page = parse_html(client.get("/admin/backups/"))
    assert page.select_one("#backup-status")["hx-trigger"] == "every 1s"
    assert "Waiting for the worker" in page.select_one("#backup-status").get_text()
    client.post("/admin/backups/run")               # no second backup queued
    with app.app_context(), db.connection_context():
        assert Job.select().count() == 2 and BackupRun.select().count() == 0
    partial = client.get("/admin/backups/", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in partial.headers


def test_missing_configuration_is_explained(tmp_path):
    app = backup_app(tmp_path, BACKUP_RECIPIENTS="", BACKUP_DESTINATIONS="")
    client = app.test_client()
    from tests.factories import PASSWORD, make_user
    with app.app_context(), db.connection_context():
        make_user("admin", username="boss")
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    text = parse_html(client.get("/admin/backups/")).get_text()
    assert "No public key is set" in text and "No backup place is set" in text


def _age_everything(delta):
    shift_time(SchemaVersion, "applied_at", delta)
    shift_time(DestinationResult, "finished_at", delta)


def test_red_banner_after_36_hours_without_an_off_pi_backup(app, client, login_as):
    login_as("admin")
    assert _banners(client) == []                   # a new install is not late yet
    client.post("/admin/backups/run")
    with app.app_context(), db.connection_context():
        _age_everything(-dt.timedelta(hours=35))
    assert _banners(client) == []
    with app.app_context(), db.connection_context():
        _age_everything(-dt.timedelta(hours=2))
    banners = _banners(client)
    assert len(banners) == 1 and "37 hours" in banners[0]
    assert parse_html(client.get("/")).select_one(".banner")["class"] == ["banner", "banner-danger"]
    # coordinators see it too, mentors do not
    for role, expected in (("coordinator", 1), ("mentor", 0)):
        other = client.application.test_client()
        with app.app_context(), db.connection_context():
            from tests.factories import PASSWORD, make_user
            user = make_user(role)
        other.post("/login", data={"username": user.username, "password": PASSWORD})
        assert len(_banners(other)) == expected, role


def test_banner_when_backups_were_never_set_up(app, client, login_as):
    login_as("coordinator", language="sw")
    with app.app_context(), db.connection_context():
        shift_time(SchemaVersion, "applied_at", -dt.timedelta(days=3))
    banners = _banners(client)
    assert len(banners) == 1 and "No backup has reached" not in banners[0]


def test_healthz_reports_the_age_of_the_last_good_backup(app, client, login_as):
    body = client.get("/healthz").get_json()
    assert body["backup"] == "never" and body["backup_age_seconds"] is None
    login_as("admin")
    client.post("/admin/backups/run")
    with app.app_context(), db.connection_context():
        shift_time(DestinationResult, "finished_at", -dt.timedelta(hours=3))
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["backup"] == "ok"
    assert 3 * 3600 <= body["backup_age_seconds"] < 3 * 3600 + 60
    assert "usb" not in str(body)


def test_clock_behind_warns_admins(app, client, login_as):
    with app.app_context(), db.connection_context():
        # Kituo once wrote down a time two days ahead of the clock now.
        AuditEvent.create(action="test.future", at=utcnow() + dt.timedelta(days=2))
    login_as("admin")
    banners = _banners(client, "/admin/backups/")
    assert any("clock is wrong" in b for b in banners)


@pytest.mark.parametrize("role, sees", [("coordinator", True), ("mentor", False)])
def test_clock_banner_goes_to_coordinators_too(app, login_as, role, sees):
    with app.app_context(), db.connection_context():
        AuditEvent.create(action="test.future", at=utcnow() + dt.timedelta(days=2))
    other = app.test_client()
    login_as(role, client_=other)
    assert any("clock is wrong" in b for b in _banners(other)) is sees


def _clock_goes_back(app, delta):
    """The stored backup times end up `delta` ahead of the clock."""
    with app.app_context(), db.connection_context():
        for model, field in ((BackupRun, "started_at"), (BackupRun, "finished_at"),
                             (DestinationResult, "started_at"), (DestinationResult, "finished_at")):
            shift_time(model, field, delta)


def test_a_last_backup_in_the_future_is_an_unknown_age_and_backs_up_now(app, client, login_as):
    login_as("admin")
    client.post("/admin/backups/run")
    _clock_goes_back(app, dt.timedelta(days=3))
    from app.backups import services
    with app.app_context(), db.connection_context():
        assert services.due_trigger() is not None        # not "none due for 84 hours"
    body = client.get("/healthz").get_json()
    assert body["backup"] == "unknown" and body["backup_age_seconds"] is None    # never 0
    assert body["status"] == "degraded" and "clock_behind_last_backup" in body["problems"]
    coordinator = app.test_client()
    login_as("coordinator", client_=coordinator)
    for who in (client, coordinator):
        banners = _banners(who)
        assert any("cannot be told" in b for b in banners), banners       # the stale banner
        assert any("clock is wrong" in b for b in banners), banners
    with app.app_context(), db.connection_context():
        assert services.run_if_due().status == "ok"
        assert services.due_trigger() is None
    body = client.get("/healthz").get_json()
    assert body["backup"] == "ok" and 0 <= body["backup_age_seconds"] < 60
    assert not any("cannot be told" in b for b in _banners(coordinator))


def test_back_up_now_is_disabled_with_the_reason_while_no_key_is_set(tmp_path):
    app = backup_app(tmp_path, BACKUP_RECIPIENTS="")
    client = app.test_client()
    from tests.factories import PASSWORD, make_user
    with app.app_context(), db.connection_context():
        make_user("admin", username="boss")
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    page = parse_html(client.get("/admin/backups/"))
    button = page.select_one("#backup-now")
    assert button.has_attr("disabled")
    assert "public key" in page.select_one("#" + button["aria-describedby"]).get_text()
    text = page.get_text(" ", strip=True)
    assert "0 keys" not in text and "for 0" not in text
    assert "Backups are not set up yet" in text
    response = client.post("/admin/backups/run")          # an old page, or a crafted post
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        assert Job.select().count() == 0 and BackupRun.select().count() == 0
    assert "not set up yet" in parse_html(client.get("/admin/backups/")).get_text()


def test_a_due_backup_without_a_key_is_said_once_and_calmly(tmp_path, caplog):
    import logging
    from app.backups import tasks
    app = backup_app(tmp_path, BACKUP_RECIPIENTS="")
    caplog.set_level(logging.INFO)
    with app.app_context(), db.connection_context():
        for _ in range(3):
            tasks.backup_if_due.call_local()
        assert BackupRun.select().count() == 0
    said = [r for r in caplog.records if r.name.startswith("app.backups")]
    assert [r.levelno for r in said] == [logging.INFO]
    assert "not set up yet" in said[0].getMessage()


def test_a_correct_clock_gives_no_banner(app, client, login_as):
    login_as("admin")
    assert not any("clock" in b for b in _banners(client, "/admin/backups/"))
