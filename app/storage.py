"""The disk the centre's data lives on: how much of it is free, what a
write that failed for lack of space (or a disk error) means for the page,
the admin banner and /healthz, durable writes, and the lock that keeps a
restore from replacing the database under a running process.

    kind = explain(error, folder)   # "full", "io" or None (SQLite's codes, the OS's errnos)
    note_failure(kind, folder)      # remembered by this process for /healthz
    state(folder)                   # "ok", "low" (under 10 % free) or "full"
    fsync_path(path)                # a file or a folder's entries, on the disk
    hold_in_use(database)           # every Kituo process, while it runs
    with exclusive_use(database):   # a restore; DatabaseInUse when Kituo runs
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOW_FRACTION = 0.10          # the admin banner shows the free space below this
# SQLite needs room for its journal: below this (or 1 % of a small disk), "full".
FULL_BYTES = 32 * 1024 * 1024
REMEMBER_SECONDS = 15 * 60

_last_failure: dict[str, tuple[float, int]] = {}    # kind -> (when, free bytes then)


@dataclass(frozen=True)
class Space:
    free: int
    total: int

    @property
    def fraction(self) -> float:
        return self.free / self.total if self.total else 1.0


def space(folder) -> Space:
    usage = shutil.disk_usage(folder)
    return Space(usage.free, usage.total)


def explain(error: BaseException, folder) -> str | None:
    """write_failure(), except that a disk I/O error on a disk with almost
    nothing left is a full disk (SQLite says "I/O error" when it cannot
    make its shared-memory file, say)."""
    kind = write_failure(error)
    if kind == "io":
        try:
            if state(folder)[0] == "full":
                return "full"
        except OSError:
            pass
    return kind


def note_failure(kind: str, folder) -> None:
    try:
        free = space(folder).free
    except OSError:
        free = 0
    _last_failure[kind] = (time.monotonic(), free)


def _failed_recently(kind: str, now: Space | None = None) -> bool:
    """A write failed with `kind` lately (and, given `now`, no space has
    been freed since: a thousandth of the disk, at least 64 kB)."""
    found = _last_failure.get(kind)
    if found is None or time.monotonic() - found[0] > REMEMBER_SECONDS:
        return False
    return now is None or now.free <= found[1] + max(1 << 16, now.total // 1000)


def state(folder) -> tuple[str, Space]:
    """"full" when a write here failed for lack of space lately and no
    space was freed since, or when almost nothing is left; "low" under
    LOW_FRACTION free; else "ok"."""
    now = space(folder)
    nearly_nothing = min(FULL_BYTES, now.total // 100)
    if now.free < nearly_nothing or _failed_recently("full", now):
        return "full", now
    return ("low" if now.fraction < LOW_FRACTION else "ok"), now


def health(folder) -> dict:
    """For /healthz: the state and the free share, no paths."""
    status, now = state(folder)
    result = {"disk": status, "disk_free_percent": round(now.fraction * 100, 1)}
    if status == "full":
        result["problems"] = ["disk_full"]
    if _failed_recently("io", None):
        result["problems"] = result.get("problems", []) + ["disk_error"]
    return result


# --- failed writes: a full disk, a disk error ------------------------------

SQLITE_IOERR, SQLITE_FULL = 10, 13


def write_failure(error: BaseException | None) -> str | None:
    """"full" when `error` (SQLite's own, as peewee wraps it, or the OS's)
    says the disk is full, "io" for a disk I/O error, else None."""
    seen, stack = set(), [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        code = getattr(current, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (SQLITE_FULL, SQLITE_IOERR):
            return "full" if code & 0xFF == SQLITE_FULL else "io"
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return "full"
        if isinstance(current, OSError) and current.errno == errno.EIO:
            return "io"
        stack += [current.__cause__, current.__context__,
                  *(a for a in current.args if isinstance(a, BaseException))]
    return None


# --- durable writes -------------------------------------------------------

def fsync_path(path) -> None:
    """Flush a file, or a folder's entries (after a create or a rename), to
    the disk: a power cut right after cannot undo it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- the database in use: a restore never replaces it under a running process

class DatabaseInUse(Exception):
    """Another process (web, worker, command line) has the database open."""


_IN_USE: dict[str, int] = {}


def in_use_lock_path(database) -> str:
    return f"{database}-inuse"


def hold_in_use(database: str, logger=None) -> None:
    """Every Kituo process (web, worker, command line) holds a shared lock
    on DATABASE-inuse for as long as it runs (forked gunicorn workers share
    the master's); scripts/restore takes it exclusively, so it cannot keep
    the file aside while anything could still save into it. The kernel
    drops the lock when a process ends, however it ends."""
    if database == ":memory:" or database.startswith("file:"):
        return
    path = in_use_lock_path(os.path.abspath(database))
    if path in _IN_USE or not os.path.isdir(os.path.dirname(path)):
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        if logger is not None:
            logger.warning("waiting: the database is being restored (scripts/restore)")
        fcntl.flock(fd, fcntl.LOCK_SH)
    _IN_USE[path] = fd


@contextmanager
def exclusive_use(database, owner: tuple[int, int] | None = None):
    """Hold DATABASE-inuse exclusively (a restore); raises DatabaseInUse,
    naming the processes that hold it, when Kituo is running."""
    path = in_use_lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if owner is not None:
            os.fchown(fd, *owner)   # created by root: the service must open it too
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(", ".join(_lock_holders(os.fstat(fd).st_ino))) from None
        yield
    finally:
        os.close(fd)


def _lock_holders(inode: int) -> list[str]:
    """"PID (program)" of the processes holding a flock on `inode`
    (/proc/locks names the process that took it)."""
    holders = []
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return holders
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            pid = fields[4]
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                name = "?"
            holders.append(f"process {pid} ({name})")
    return sorted(set(holders))
