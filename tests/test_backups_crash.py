"""A backup killed with SIGKILL in each phase (the command line's and the
worker's): the next worker start leaves no unencrypted copy of the
database anywhere in the instance (old versions' leftovers included), the
history says the run failed because it was interrupted, and the next backup
runs and succeeds (no lock left behind blocks it)."""
from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys

import pytest

from app.backups.models import BackupRun
from app.db import db
from app.jobs.models import Job
from tests.backup_crash_harness import PHASES
from tests.backup_support import (MARKER, ROOT, VENV, instance_env, make_instance,
                                  plaintext_left, prepare_drive, require_tools, wait_for,
                                  write_identity)

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)


@pytest.fixture
def centre(tmp_path):
    """An instance with data (a marker in the audit log) and a USB drive."""
    require_tools("rclone")
    instance = tmp_path / "instance"
    app = make_instance(instance)
    public = write_identity(tmp_path / "key.txt")
    usb = prepare_drive(tmp_path / "usb")
    logs = tmp_path / "logs"
    logs.mkdir()
    env = instance_env(instance, KITUO_BACKUP_RECIPIENTS=public, KITUO_BACKUP_DESTINATIONS=usb,
                       KITUO_TEST_PAUSED=tmp_path / "paused")
    return {"app": app, "instance": instance, "usb": usb, "env": env, "logs": logs,
            "paused": tmp_path / "paused", "tmp": tmp_path}


def _start(centre, name, command):
    log = open(centre["logs"] / f"{name}.log", "ab")
    return subprocess.Popen(command, cwd=ROOT, env=centre["env"], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _kill_in(centre, mode, phase):
    process = _start(centre, f"{mode}-{phase}",
                     [sys.executable, "-m", "tests.backup_crash_harness", mode, phase])
    try:
        wait_for(lambda: centre["paused"].exists() or process.poll() is not None,
                 what=f"the backup to reach {phase}")
        assert process.poll() is None, (centre["logs"] / f"{mode}-{phase}.log").read_text()
        assert centre["paused"].read_text() == phase
        if phase != "upload":   # the test looks where the plain copies are
            assert plaintext_left(centre["instance"]), "no plain copy while running?"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _leave_what_older_versions_left(centre):
    """A crash under the version before this one left these behind."""
    work = centre["instance"] / "backups"
    (work / "run-7").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(centre["instance"] / "kituo.db", work / "run-7" / "kituo.db")
    plain = work / "kituo-20261124T230000Z.tar.gz.age.tmp-plain"
    plain.write_bytes(gzip.compress(MARKER * 100))


def _start_the_worker(centre):
    """The next worker start, as systemd or `make run` start it (no periodic
    tasks, so nothing but the start itself runs)."""
    log = centre["logs"] / "next-worker.log"
    worker = _start(centre, "next-worker", [str(VENV / "huey_consumer"), "app.worker.huey",
                                            "--workers", "1", "--worker-type", "thread",
                                            "--no-periodic"])
    try:
        wait_for(lambda: log.exists() and b"consumer started" in log.read_bytes()
                 or worker.poll() is not None, what="the worker to start")
        assert worker.poll() is None, log.read_text()
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    return log.read_text()


def _next_backup(centre):
    done = subprocess.run([str(VENV / "flask"), "--app", "app", "backup", "run"], cwd=ROOT,
                          env=centre["env"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _runs(centre):
    with centre["app"].app_context(), db.connection_context():
        return [(r.status, r.error) for r in BackupRun.select().order_by(BackupRun.id)]


@pytest.mark.parametrize("phase", PHASES)
def test_backup_command_killed_in_each_phase(centre, phase):
    _kill_in(centre, "cli", phase)
    _leave_what_older_versions_left(centre)

    _start_the_worker(centre)
    assert plaintext_left(centre["instance"]) == []
    assert _runs(centre) == [("failed", "interrupted")]

    output = _next_backup(centre)
    assert ": ok " in output
    assert _runs(centre) == [("failed", "interrupted"), ("ok", "")]
    assert plaintext_left(centre["instance"]) == []
    assert len([p for p in centre["usb"].iterdir() if p.name.endswith(".age")]) == 1


def test_worker_killed_while_encrypting_a_back_up_now(centre):
    _kill_in(centre, "worker", "encrypt")
    _leave_what_older_versions_left(centre)

    _start_the_worker(centre)
    assert plaintext_left(centre["instance"]) == []
    assert _runs(centre) == [("failed", "interrupted")]
    with centre["app"].app_context(), db.connection_context():
        job = Job.get(Job.kind == "backup")
        assert job.status == "failed"          # no progress bar polling for ever

    _next_backup(centre)
    assert _runs(centre)[-1] == ("ok", "")


def test_the_next_backup_needs_no_worker_start_after_a_crash(centre):
    """`backup run` killed, then run again at once (the worker never
    restarted): the lock died with the process, the run is marked failed and
    its leftovers are swept by the next run itself."""
    _kill_in(centre, "cli", "encrypt")
    _next_backup(centre)
    assert _runs(centre) == [("failed", "interrupted"), ("ok", "")]
    assert plaintext_left(centre["instance"]) == []
