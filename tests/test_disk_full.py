"""A disk that fills up, for real: a small tmpfs in a private mount
namespace (tests/backup_support.on_a_small_disk). A save gets a page that
says so and writes nothing; reading keeps working; /healthz says
"degraded"; the admin banner shows the free space under 10 %; `flask
backup run` says it in one line, not a traceback."""
from __future__ import annotations

import json
import sys

import pytest

from app.backups.models import BackupRun
from app.db import db
from tests.backup_support import (VENV, instance_env, make_instance, on_a_small_disk,
                                  prepare_drive, require_tools, write_identity)

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)

OUT_OF_SPACE = "The centre's computer is out of space."


def test_a_save_on_a_full_disk_says_so_and_writes_nothing(tmp_path):
    instance = tmp_path / "instance"
    done = on_a_small_disk(instance, "8M", [sys.executable, "-m", "tests.disk_full_probe",
                                            "web", instance])
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)

    save = found["save"]
    assert save["status"] == 507 and save["h1"] == OUT_OF_SPACE
    assert "Nothing was saved. Tell the administrator." in save["text"]
    assert found["save_htmx"]["status"] == 507 and found["save_htmx"]["retarget"] == "#main"
    assert found["after"] == found["before"]                 # no user, no audit row: nothing half-written
    assert found["read"]["status"] == 200                    # reading still works
    assert found["health"]["status"] == "degraded" and "disk_full" in found["health"]["problems"]
    assert "Traceback" not in done.stderr

    assert any("% of the centre's computer's disk is free" in b for b in found["low"]["banners"])
    assert found["health_low"]["disk"] == "low" and found["health_low"]["status"] == "ok"
    assert found["save_again"]["status"] == 303             # space again: the same save works
    assert found["after_again"][0] == found["before"][0] + 1


@pytest.fixture
def centre(tmp_path):
    require_tools("rclone")
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    env = instance_env(instance, KITUO_BACKUP_RECIPIENTS=write_identity(tmp_path / "key.txt"),
                       KITUO_BACKUP_DESTINATIONS=prepare_drive(tmp_path / "usb"),
                       KITUO_BACKUP_DIR=tmp_path / "work")
    return {"instance": instance, "env": env, "work": tmp_path / "work"}


def test_backup_run_with_a_full_backup_folder_says_one_line(centre):
    app = make_instance(centre["instance"])
    done = on_a_small_disk(centre["work"], "64k", [VENV / "flask", "--app", "app", "backup",
                                                   "run"], env=centre["env"])
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "backup 1 failed: the disk is full; nothing was saved. Free some space, then try again."]
    with app.app_context(), db.connection_context():
        run = BackupRun.get()
        assert (run.status, run.error) == ("failed", "disk_full")
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded" and "disk_full" in body["problems"]


HOLD_OPEN = """
import sqlite3, sys, time
from pathlib import Path

connections = [sqlite3.connect(p) for p in sys.argv[2:]]
for c in connections:
    c.execute("select count(*) from sqlite_master").fetchall()
Path(sys.argv[1]).touch()
time.sleep(120)
"""


@pytest.mark.parametrize("others, said", [
    # Nothing else has the databases open: even the queue cannot be opened.
    (False, "Kituo cannot start: the disk is full; nothing was saved. "
            "Free some space, then try again."),
    # The web and the worker have them open (as on the Pi): the run itself fails.
    (True, "backup failed: the disk is full; nothing was saved. Free some space, then try again."),
])
def test_backup_run_on_a_full_disk_says_one_line(centre, others, said):
    instance = centre["instance"]
    flask, python = VENV / "flask", sys.executable
    holder = (f"{python} -c '{HOLD_OPEN}' {instance}/open {instance}/kituo.db {instance}/huey.db & "
              f"HOLDER=$!; while [ ! -e {instance}/open ]; do sleep 0.1; done; ") if others else ""
    script = (f"{flask} --app app init-db >/dev/null && {holder}"
              f"{python} -m tests.disk_full_probe fill {instance}; "
              f"{flask} --app app backup run; RC=$?; "
              + ("kill $HOLDER; " if others else "") + "exit $RC")
    env = dict(centre["env"], KITUO_BACKUP_DIR=str(instance / "backups"))
    done = on_a_small_disk(instance, "4M", ["sh", "-c", script], env=env)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == [said]


def test_a_job_that_found_the_disk_full_says_so(app, client, login_as):
    """A PDF that cannot be written (ENOSPC): the job page says the
    computer is out of space, not "try again"."""
    import errno

    from app.jobs import services as jobs
    from app.jobs.models import Job
    user = login_as("admin")
    with app.app_context(), db.connection_context():
        job = Job.create(kind="setup_slip", owner=user.id)
        with pytest.raises(OSError):
            with jobs.running(job.id):
                raise OSError(errno.ENOSPC, "No space left on device")
        assert Job.get_by_id(job.id).message == "disk_full"
    text = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert OUT_OF_SPACE in text and "Please try again" not in text
