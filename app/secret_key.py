"""The instance's secret key (it signs session cookies and CSRF tokens):
made on first start in the instance folder, never a default, never
committed.

It is written whole or not at all (a temporary file, fsync, rename, fsync
of the folder), so a power cut right after the first start cannot leave an
empty key. A key file found empty anyway (an older version, a full card)
is made again, with a clear log line: everyone signs in again, nobody gets
an error page. A key file that cannot be read is left alone; the process
uses a temporary key and /healthz says so until someone fixes it.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import tempfile
from pathlib import Path

from app.storage import fsync_path

log = logging.getLogger(__name__)
FILE_NAME = "secret_key"


def _read(path: Path) -> tuple[str, str]:
    """(key, "") or ("", problem) with problem "missing", "empty" or "unreadable"."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return "", "missing"
    except (OSError, UnicodeDecodeError):
        return "", "unreadable"
    return (key, "") if key else ("", "empty")


@contextlib.contextmanager
def _folder_locked(folder: Path):
    """One process at a time makes the key (the web and the worker start together)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(path: Path, key: str) -> None:
    fd, temporary = tempfile.mkstemp(prefix=".secret_key-", dir=path.parent)   # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def load_or_create(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    key, problem = _read(path)
    if key:
        return key
    if problem == "unreadable":
        log.error("The secret key file %s cannot be read: using a temporary key, so everyone "
                  "must sign in again after the next restart. Give it back to the service "
                  "user (mode 0600).", path)
        return secrets.token_hex(32)
    try:
        with _folder_locked(folder):
            key, problem = _read(path)          # made meanwhile by the other process?
            if key:
                return key
            if problem == "empty":
                log.warning("The secret key file %s was empty (the power went right after the "
                            "first start?): a new key is written; everyone must sign in again.",
                            path)
            _write(path, secrets.token_hex(32))
            return _read(path)[0] or secrets.token_hex(32)
    except OSError as error:
        log.error("The secret key file %s cannot be written (%s): using a temporary key.",
                  path, error.strerror)
        return secrets.token_hex(32)


def problem(path: str | None) -> str | None:
    """For /healthz (cheap: the file is 65 bytes): "secret_key_empty" or
    "secret_key_unreadable" when the key file would fail the next start."""
    if not path:
        return None
    found = _read(Path(path))[1]
    if found == "empty":
        return "secret_key_empty"
    return "secret_key_unreadable" if found else None
