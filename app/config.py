"""Configuration: defaults, then KITUO_* environment variables, then test_config.

The instance folder (KITUO_INSTANCE, default ./instance) holds the database,
the huey queue, job results and the generated secret key. Nothing secret is
ever a default value or committed.
"""
import os
import secrets
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


def load_or_create_secret_key(folder: Path) -> str:
    """Read instance/secret_key, creating it (0600) on first start."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment() -> dict:
    folder = instance_path()
    https = _env_bool("KITUO_HTTPS", False)
    return {
        "INSTANCE_PATH": str(folder),
        "DATABASE": os.environ.get("KITUO_DATABASE", str(folder / "kituo.db")),
        "JOBS_DIR": os.environ.get("KITUO_JOBS_DIR", str(folder / "jobs")),
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "kituo_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "IDLE_TIMEOUT_MINUTES": _env_int("KITUO_IDLE_MINUTES", 30),
        "SETUP_CODE_HOURS": _env_int("KITUO_SETUP_CODE_HOURS", 72),
        "LOGIN_MAX_FAILURES_USER": _env_int("KITUO_LOGIN_MAX_FAILURES", 10),
        "LOGIN_MAX_FAILURES_ADDRESS": _env_int("KITUO_LOGIN_MAX_FAILURES_ADDRESS", 30),
        "LOGIN_LOCK_MINUTES": _env_int("KITUO_LOGIN_LOCK_MINUTES", 15),
        "TRUSTED_PROXIES": _env_int("KITUO_TRUSTED_PROXIES", 0),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Africa/Nairobi",
        "LANGUAGES": ("en", "sw"),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        "CENTRE_NAME": os.environ.get("KITUO_CENTRE_NAME", "Azadi Kenya"),
        "CENTRE_CONTACT": os.environ.get("KITUO_CENTRE_CONTACT", ""),
        "NEUTRAL_EXIT_PATH": "/recipes",
        "PANEL_CACHE_SECONDS": 60,
    }
