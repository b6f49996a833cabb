"""Which backups a destination keeps: the newest of each of the last N days,
ISO weeks and months that have a backup (default 7 daily, 4 weekly,
12 monthly), counted in the centre's time zone. Pure functions."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from app.backups.archive import CHECKSUM_SUFFIX, time_of
from app.backups.settings import Retention


def to_keep(names, policy: Retention, timezone: str = "Africa/Nairobi") -> set[str]:
    zone = ZoneInfo(timezone)
    dated = sorted(((time_of(n), n) for n in names if time_of(n) is not None), reverse=True)
    keep: set[str] = set()
    buckets: dict[str, set] = {"daily": set(), "weekly": set(), "monthly": set()}
    limits = {"daily": policy.daily, "weekly": policy.weekly, "monthly": policy.monthly}
    for at, name in dated:
        local = at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
        keys = {"daily": local.date(), "weekly": local.isocalendar()[:2],
                "monthly": (local.year, local.month)}
        for kind, key in keys.items():
            seen = buckets[kind]
            if key not in seen and len(seen) < limits[kind]:
                seen.add(key)
                keep.add(name)
    if dated:
        keep.add(dated[0][1])   # the newest backup is never pruned
    return keep


def to_delete(names, policy: Retention, timezone: str = "Africa/Nairobi") -> list[str]:
    """Backup files to delete and their checksum files (also orphaned ones).
    Files that are not Kituo backups are never touched."""
    names = list(names)
    keep = to_keep(names, policy, timezone)
    doomed = [n for n in names if time_of(n) is not None and n not in keep]
    for name in names:
        if name.endswith(CHECKSUM_SUFFIX):
            archive = name[: -len(CHECKSUM_SUFFIX)]
            if time_of(archive) is not None and archive not in keep:
                doomed.append(name)
    return sorted(set(doomed))
