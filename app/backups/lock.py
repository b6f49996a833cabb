"""One backup at a time, across every process (web, worker, command line):
an advisory lock (flock) on a file in the backup work folder.

The kernel drops the lock when its holder ends, however it ends (kill -9,
an out-of-memory kill, a power cut), so a crash never leaves a lock behind
and nothing has to guess whether a lock is stale. (Before, the lock was a
row in huey's queue database: a killed backup left it there and blocked
every later one; `clear_legacy_lock` removes such a row.)

    with held(work_dir):          # raises BackupBusy when another holds it
        ...
    is_held(work_dir)             # a backup is running now
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = ".backup.lock"
LEGACY_HUEY_LOCK = "kituo-backup"
# A look at the lock (is_held, from a page) holds it shared for microseconds:
# taking it waits this long before calling the backup busy.
ACQUIRE_SECONDS = 2.0


class BackupBusy(Exception):
    """Another backup is running."""


@contextlib.contextmanager
def held(work_dir: Path, wait_seconds: float = ACQUIRE_SECONDS):
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(work_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BackupBusy() from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)   # releases the lock


def is_held(work_dir: Path) -> bool:
    try:
        fd = os.open(work_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return False           # no backup ever ran here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def clear_legacy_lock() -> None:
    """The huey lock the versions before this one used: left in the queue
    by a crash, nothing reads it any more, but it goes."""
    from app.queue import huey
    huey.flush_locks(LEGACY_HUEY_LOCK)
