"""Configuration: defaults, then KITUO_* environment variables, then test_config.

This is the only module that reads KITUO_* variables (a test fails on a read
anywhere else in app/): a module that needs a setting adds it here and reads
`current_app.config[...]`. The README's configuration table lists them all.

The instance folder (KITUO_INSTANCE, default ./instance) holds the database,
the huey queue, job results and the generated secret key. Nothing secret is
ever a default value or committed.
"""
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    return Path(os.environ.get("KITUO_INSTANCE", ROOT / "instance")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def database_path() -> Path:
    """KITUO_DATABASE, else kituo.db in the instance folder (also for tools
    that run without the app, e.g. scripts/restore)."""
    value = os.environ.get("KITUO_DATABASE")
    return Path(value) if value else instance_path() / "kituo.db"


def queue_path() -> str:
    """The huey queue's SQLite file: KITUO_HUEY_DB, else huey.db in the
    instance folder (read when app.queue is imported, before any app)."""
    return os.environ.get("KITUO_HUEY_DB") or str(instance_path() / "huey.db")


def rclone_config_path() -> str:
    """KITUO_RCLONE_CONFIG, or "" (rclone's own default)."""
    return os.environ.get("KITUO_RCLONE_CONFIG", "")


def backup_settings(instance: str) -> dict:
    """The backup settings (app/backups/settings.py checks and explains
    them); paths default inside the app's instance folder `instance`."""
    env = os.environ.get
    return {
        "BACKUP_RECIPIENTS": env("KITUO_BACKUP_RECIPIENTS", ""),
        "BACKUP_DESTINATIONS": env("KITUO_BACKUP_DESTINATIONS", ""),
        "BACKUP_RCLONE_CONFIG": rclone_config_path(),
        "BACKUP_RCLONE": env("KITUO_RCLONE", "rclone"),
        "BACKUP_TIME": env("KITUO_BACKUP_TIME", "02:00"),
        "BACKUP_TIMEZONE": env("KITUO_BACKUP_TIMEZONE", "Africa/Nairobi"),
        "BACKUP_RETENTION": env("KITUO_BACKUP_RETENTION", "7,4,12"),
        "BACKUP_DIR": env("KITUO_BACKUP_DIR", str(Path(instance) / "backups")),
        "BACKUP_KEEP_LOCAL": _env_int("KITUO_BACKUP_KEEP_LOCAL", 2),
        "BACKUP_ATTEMPTS": _env_int("KITUO_BACKUP_ATTEMPTS", 4),
        "BACKUP_RETRY_SECONDS": _env_float("KITUO_BACKUP_RETRY_SECONDS", 30),
        "BACKUP_RETRY_HOURS": _env_float("KITUO_BACKUP_RETRY_HOURS", 1),
        "BACKUP_STALE_HOURS": _env_float("KITUO_BACKUP_STALE_HOURS", 36),
        "BACKUP_RCLONE_TIMEOUT": _env_int("KITUO_RCLONE_TIMEOUT", 3600),
        "BACKUP_CLOCK_TOLERANCE_MINUTES": _env_int("KITUO_CLOCK_TOLERANCE_MINUTES", 5),
    }


# A host name as people type it, with an optional port: letters, digits,
# hyphens and dots (or an IPv4 address).
_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?::\d{1,5})?")


def host_name(value: str | None) -> str:
    """The centre's host name from KITUO_HOSTNAME: `kituo.local` when unset;
    a bare name (`kituo`, as deploy/pi/install.sh takes it) is the Pi's
    name on the local network, `kituo.local`. Anything that is not a host
    name stops the start with a clear message (it goes into every link that
    leaves the Pi)."""
    name = (value or "").strip().lower().rstrip(".") or "kituo.local"
    if not _HOST_NAME.fullmatch(name):
        raise ValueError(f"KITUO_HOSTNAME is not a host name: {value!r}")
    if "." not in name.split(":")[0] and name.split(":")[0] != "localhost":
        name = name.replace(":", ".local:", 1) if ":" in name else f"{name}.local"
    return name


def from_environment() -> dict:
    folder = instance_path()
    https = _env_bool("KITUO_HTTPS", False)
    return {
        "INSTANCE_PATH": str(folder),
        "DATABASE": str(database_path()),
        "JOBS_DIR": os.environ.get("KITUO_JOBS_DIR", str(folder / "jobs")),
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "kituo_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "IDLE_TIMEOUT_MINUTES": _env_int("KITUO_IDLE_MINUTES", 30),
        # However active, a session ends this long after sign-in.
        "SESSION_MAX_HOURS": _env_int("KITUO_SESSION_MAX_HOURS", 12),
        "SETUP_CODE_HOURS": _env_int("KITUO_SETUP_CODE_HOURS", 72),
        "LOGIN_MAX_FAILURES_USER": _env_int("KITUO_LOGIN_MAX_FAILURES", 10),
        "LOGIN_MAX_FAILURES_ADDRESS": _env_int("KITUO_LOGIN_MAX_FAILURES_ADDRESS", 30),
        "LOGIN_LOCK_MINUTES": _env_int("KITUO_LOGIN_LOCK_MINUTES", 15),
        # A browser that signed in as a user has a device cookie: its own
        # failure count, untouched by failures from anywhere else.
        "LOGIN_MAX_FAILURES_DEVICE": _env_int("KITUO_LOGIN_MAX_FAILURES_DEVICE", 10),
        "DEVICE_COOKIE_DAYS": _env_int("KITUO_DEVICE_COOKIE_DAYS", 180),
        # Wrong current passwords on /account/password before the session ends.
        "PASSWORD_CHECK_MAX_FAILURES": _env_int("KITUO_PASSWORD_CHECK_MAX_FAILURES", 3),
        "TRUSTED_PROXIES": _env_int("KITUO_TRUSTED_PROXIES", 0),
        # Links that leave the browser (calendar addresses, printed slips) use
        # this name, never the Host header a request came with.
        "HOSTNAME": host_name(os.environ.get("KITUO_HOSTNAME")),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Africa/Nairobi",
        "LANGUAGES": ("en", "sw"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Validator messages come from Kituo's catalogue (app/forms.py);
        # WTForms has no Swahili one. With this on, Flask-WTF would read
        # WTForms' catalogue from disk on every request that builds a form
        # (and its English one renames some messages wrongly).
        "WTF_I18N_ENABLED": False,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        "CENTRE_NAME": os.environ.get("KITUO_CENTRE_NAME", "Azadi Kenya"),
        "CENTRE_CONTACT": os.environ.get("KITUO_CENTRE_CONTACT", ""),
        # Certificates (app/education): the name they are issued under (a
        # certificate shown to an employer need not name the centre), where
        # their PDFs are kept, and an address that verifies them, if any.
        "CERTIFICATE_ISSUER": (os.environ.get("KITUO_CERTIFICATE_ISSUER")
                               or os.environ.get("KITUO_CENTRE_NAME", "Azadi Kenya")),
        "CERTIFICATES_DIR": os.environ.get("KITUO_CERTIFICATES_DIR", ""),   # "": instance/certificates
        "CERTIFICATE_VERIFY_URL": os.environ.get("KITUO_CERTIFICATE_VERIFY_URL", ""),
        "NEUTRAL_EXIT_PATH": "/recipes",
        # the backups banner reads the backup state at most this often per worker
        "BACKUP_STATE_SECONDS": 30,
        # centre-wide counts of the dashboard panels are kept this long per
        # worker (app/figures.py: numbers only, never per user)
        "FIGURES_SECONDS": 60,
        # members: the prefix of pseudonymous codes (AZ-0042); the retention
        # review lists members who left more than this many years ago
        "MEMBER_PREFIX": os.environ.get("KITUO_MEMBER_PREFIX", "AZ"),
        "RETENTION_YEARS": _env_int("KITUO_RETENTION_YEARS", 5),
        # mentorship: a pairing without a session for this many days is
        # overdue; a session log stays editable by its author this long
        "MENTORING_OVERDUE_DAYS": _env_int("KITUO_MENTORING_OVERDUE_DAYS", 30),
        "MENTORING_EDIT_DAYS": 7,
        # reports: counts below this are hidden ("<5")
        "REPORTS_SUPPRESS_BELOW": _env_int("KITUO_REPORTS_SUPPRESS_BELOW", 5),
    }
