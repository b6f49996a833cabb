"""The disk the centre's data lives on: how much of it is free, and what a
write that failed for lack of space (or a disk error) means for the page,
the admin banner and /healthz.

    kind = explain(error, folder)   # "full", "io" or None (app.db knows SQLite's codes)
    note_failure(kind, folder)      # remembered by this process for /healthz
    state(folder)                   # "ok", "low" (under 10 % free) or "full"
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from app.db import write_failure  # noqa: F401  (re-exported: the one classifier)

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
