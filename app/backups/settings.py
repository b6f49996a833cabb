"""Backup settings: checked and explained. They are read from these KITUO_*
environment variables by app/config.py (backup_settings):

  KITUO_BACKUP_RECIPIENTS    age public keys (age1...), or a file of them
                             (one per line, # comments). The Pi never holds
                             the private key.
  KITUO_BACKUP_DESTINATIONS  rclone paths, separated by ";" or new lines:
                             a local folder (/media/usb/kituo), a configured
                             remote (office-sftp:kituo) or any rclone path.
  KITUO_RCLONE_CONFIG        rclone.conf (default: instance/rclone.conf if present)
  KITUO_BACKUP_TIME          nightly time, HH:MM (default 02:00)
  KITUO_BACKUP_TIMEZONE      default Africa/Nairobi
  KITUO_BACKUP_RETENTION     daily,weekly,monthly copies kept (default 7,4,12)
  KITUO_BACKUP_DIR           work folder on the Pi (default instance/backups)
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

AGE_KEY = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


class SettingsError(ValueError):
    """The backup configuration is unusable; `code` names the problem."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


@dataclass(frozen=True)
class Settings:
    destinations: tuple[str, ...]
    rclone: str
    rclone_config: str
    time_of_day: dt.time
    timezone: str
    retention: Retention
    work_dir: Path
    keep_local: int
    attempts: int
    retry_seconds: float
    retry_hours: float
    stale_hours: float
    rclone_timeout: int
    clock_tolerance: dt.timedelta


def parse_recipients(value: str) -> tuple[str, ...]:
    """Keys given inline (comma/space separated) or the path of a file."""
    value = (value or "").strip()
    if not value:
        return ()
    if not value.startswith("age1") and ("/" in value or Path(value).is_file()):
        path = Path(value)
        if not path.is_file():
            raise SettingsError("recipients_file_missing", str(path))
        lines = path.read_text(encoding="utf-8").splitlines()
        words = [line.split("#", 1)[0].strip() for line in lines]
    else:
        words = re.split(r"[\s,]+", value)
    keys = tuple(dict.fromkeys(w for w in words if w))
    for key in keys:
        if not AGE_KEY.match(key):
            raise SettingsError("recipient_invalid", key[:16])
    return keys


def parse_destinations(value: str) -> tuple[str, ...]:
    parts = re.split(r"[;\n]", value or "")
    return tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))


def parse_time(value: str) -> dt.time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", (value or "").strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise SettingsError("time_invalid", value)
    return dt.time(int(match[1]), int(match[2]))


def parse_retention(value: str) -> Retention:
    try:
        daily, weekly, monthly = (int(p) for p in str(value).split(","))
    except ValueError:
        raise SettingsError("retention_invalid", str(value)) from None
    if min(daily, weekly, monthly) < 0 or daily < 1:
        raise SettingsError("retention_invalid", str(value))
    return Retention(daily, weekly, monthly)


def from_config(config) -> Settings:
    """Settings from a Flask config. Recipients are read separately
    (`recipients()`) so a bad key file shows on the page, not as a crash."""
    rclone_config = config["BACKUP_RCLONE_CONFIG"]
    if not rclone_config:
        candidate = Path(config["INSTANCE_PATH"]) / "rclone.conf"
        rclone_config = str(candidate) if candidate.is_file() else ""
    return Settings(
        destinations=parse_destinations(config["BACKUP_DESTINATIONS"]),
        rclone=config["BACKUP_RCLONE"],
        rclone_config=rclone_config,
        time_of_day=parse_time(config["BACKUP_TIME"]),
        timezone=config["BACKUP_TIMEZONE"],
        retention=parse_retention(config["BACKUP_RETENTION"]),
        work_dir=Path(config["BACKUP_DIR"]),
        keep_local=max(0, int(config["BACKUP_KEEP_LOCAL"])),
        attempts=max(1, int(config["BACKUP_ATTEMPTS"])),
        retry_seconds=float(config["BACKUP_RETRY_SECONDS"]),
        retry_hours=float(config["BACKUP_RETRY_HOURS"]),
        stale_hours=float(config["BACKUP_STALE_HOURS"]),
        rclone_timeout=int(config["BACKUP_RCLONE_TIMEOUT"]),
        clock_tolerance=dt.timedelta(minutes=int(config["BACKUP_CLOCK_TOLERANCE_MINUTES"])),
    )


_CONFIG_KEYS = ("BACKUP_RCLONE_CONFIG", "INSTANCE_PATH", "BACKUP_DESTINATIONS", "BACKUP_RCLONE",
                "BACKUP_TIME", "BACKUP_TIMEZONE", "BACKUP_RETENTION", "BACKUP_DIR",
                "BACKUP_KEEP_LOCAL", "BACKUP_ATTEMPTS", "BACKUP_RETRY_SECONDS", "BACKUP_RETRY_HOURS",
                "BACKUP_STALE_HOURS", "BACKUP_RCLONE_TIMEOUT", "BACKUP_CLOCK_TOLERANCE_MINUTES")


def current() -> Settings:
    """The app's settings, parsed once for as long as the config values
    (and whether instance/rclone.conf exists) stay the same."""
    from flask import current_app
    config = current_app.config
    key = tuple(config[name] for name in _CONFIG_KEYS)
    if not config["BACKUP_RCLONE_CONFIG"]:
        key += ((Path(config["INSTANCE_PATH"]) / "rclone.conf").is_file(),)
    cache = current_app.extensions.setdefault("kituo_backup_settings", {})
    settings = cache.get(key)
    if settings is None:
        settings = from_config(config)
        cache.clear()
        cache[key] = settings
    return settings


def recipients() -> tuple[str, ...]:
    from flask import current_app
    return parse_recipients(current_app.config["BACKUP_RECIPIENTS"])
