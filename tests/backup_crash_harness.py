"""A real backup process that stops in a chosen phase, for the crash tests
to kill with SIGKILL (tests/test_backups_crash.py).

    python -m tests.backup_crash_harness cli PHASE      # flask --app app backup run
    python -m tests.backup_crash_harness worker PHASE   # "Back up now", in the huey consumer

PHASE is snapshot (the plain copy is on disk), check (the integrity check
is about to run), encrypt (half the database is through the compressor and
the encryption) or upload (the encrypted file is about to be copied). When
the process gets there it writes PHASE to $KITUO_TEST_PAUSED and waits to
be killed. Everything else is the code as it runs on the Pi.
"""
from __future__ import annotations

import os
import sys
import tarfile
import time
from pathlib import Path

PHASES = ("snapshot", "check", "encrypt", "upload")


def _pause(phase: str) -> None:
    Path(os.environ["KITUO_TEST_PAUSED"]).write_text(phase)
    while True:
        time.sleep(60)


def _stop_in(phase: str) -> None:
    from app.backups import snapshots
    from app.backups.rclone import Rclone
    if phase == "snapshot":
        real_snapshot = snapshots.snapshot_to

        def snapshot_then_pause(target, *args, **kwargs):
            real_snapshot(target, *args, **kwargs)
            _pause(phase)
        snapshots.snapshot_to = snapshot_then_pause
    elif phase == "check":
        snapshots.file_integrity_problems = lambda path: _pause(phase)
    elif phase == "encrypt":
        real_copy = tarfile.copyfileobj

        def copy_half_then_pause(src, dst, length=None, *args, **kwargs):
            if length and length > 4096:
                real_copy(src, dst, length // 2, *args, **kwargs)
                dst.flush()
                _pause(phase)
            return real_copy(src, dst, length, *args, **kwargs)
        tarfile.copyfileobj = copy_half_then_pause
    elif phase == "upload":
        Rclone.copy_file = lambda self, local, remote: _pause(phase)
    else:
        raise SystemExit(f"unknown phase {phase}")


def _enqueue_backup_now() -> None:
    """What the "Back up now" button does, from this process into the queue."""
    from app.auth.models import User
    from app.backups import tasks
    from app.db import db
    from app.jobs import services as jobs
    from app.worker import app
    with app.app_context(), db.connection_context():
        jobs.start("backup", User.get(), tasks.backup_now, user_id=User.get().id)


def main(mode: str, phase: str) -> None:
    _stop_in(phase)
    if mode == "cli":
        from flask.cli import main as flask_main
        sys.argv = ["flask", "--app", "app", "backup", "run"]
        flask_main()
    elif mode == "worker":
        from huey.bin.huey_consumer import consumer_main
        _enqueue_backup_now()
        sys.argv = ["huey_consumer", "app.worker.huey", "--workers", "2", "--worker-type",
                    "thread", "--max-delay", "1"]
        consumer_main()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
