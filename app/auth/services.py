"""Authentication rules: users, login throttling, server-side sessions,
one-time setup codes. Tested without HTTP (tests/test_auth_services.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from peewee import fn

from app.rules import RuleError
from app import audit
from app.access import ROLES
from app.auth.models import LoginThrottle, SetupCode, User, UserRole, UserSession
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
import peewee as pw

from app.db import Prepared, db, string_agg, utcnow, whole_row
from app.storage import write_failure


class AuthError(RuleError):
    """A rule of this module refused the action."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# --- users ------------------------------------------------------------------

def create_user(username: str, display_name: str, roles, language: str = "en",
                password: str | None = None, is_demo: bool = False, actor=None) -> User:
    from app.i18n import lazy_gettext as _l
    username = normalise_username(username)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AuthError(_l("Unknown role."), "roles")
    if User.select().where(User.username == username).exists():
        raise AuthError(_l("This username is already taken."), "username")
    with db.atomic():
        user = User.create(username=username, display_name=display_name.strip(),
                           language=language, is_demo=is_demo)
        set_roles(user, roles)
        if password is not None:
            _store_password(user, password)
        audit.record("user.created", "user", user.id, f"roles: {', '.join(sorted(roles))}",
                     actor=actor)
    return user


def set_roles(user: User, roles) -> None:
    UserRole.delete().where(UserRole.user == user).execute()
    UserRole.insert_many([{"user": user.id, "role": r} for r in sorted(set(roles))]).execute()
    user.__dict__.pop("_role_names", None)
    user.__dict__.pop("_capabilities", None)


def update_user(user: User, display_name: str, language: str, roles, actor=None) -> User:
    from app.i18n import lazy_gettext as _l
    if actor is not None and user.id == actor.id and "admin" not in roles:
        raise AuthError(_l("You cannot remove your own administrator role."), "roles")
    before = (user.display_name, user.language, user.role_names)
    with db.atomic():
        user.display_name = display_name.strip()
        user.language = language
        user.save()
        set_roles(user, roles)
        changed = [name for name, old, new in zip(
            ("display name", "language", "roles"), before,
            (user.display_name, user.language, sorted(set(roles)))) if old != new]
        audit.record("user.updated", "user", user.id,
                     "changed: " + (", ".join(changed) or "nothing"), actor=actor)
    return user


def set_language(user: User, language: str) -> None:
    User.update(language=language).where(User.id == user.id).execute()
    user.language = language


def set_active(user: User, active: bool, actor=None) -> None:
    """Disabling a user ends all of their sessions at once; nobody disables
    their own account."""
    from app.i18n import lazy_gettext as _l
    if not active and actor is not None and user.id == actor.id:
        raise AuthError(_l("You cannot disable your own account."))
    with db.atomic():
        user.active = active
        user.save()
        if not active:
            revoke_all_sessions(user, "disabled")
        audit.record("user.enabled" if active else "user.disabled", "user", user.id, actor=actor)


def _store_password(user: User, password: str) -> None:
    problem = password_problem(password, user.username)
    if problem:
        raise AuthError(problem, "password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.save()


class SessionEnded(AuthError):
    """Too many wrong current passwords: the session was ended."""


def change_password(user: User, current: str, new: str, address: str = "",
                    device: str | None = None) -> None:
    """Set a new password after checking the current one. A wrong current
    password counts as a failed sign-in (same counters and lock, audited),
    and after PASSWORD_CHECK_MAX_FAILURES of them in one session the
    session ends: an unattended session is no way around the sign-in lock."""
    from app.i18n import lazy_gettext as _l
    keys = _throttle_keys(user.username, address, device)
    throttled = _first_lock(keys)
    if throttled or not verify_password(user.password_hash, current):
        if not throttled:
            _count_failures(keys)
        _note_failed_attempt(user)
        audit.record("password.check_failed", "user", user.id,
                     "refused: too many failures" if throttled else "wrong current password",
                     actor=user)
        _end_session_after_guesses(user)
        if throttled:
            raise AuthError(_throttle_message(throttled), "current_password")
        raise AuthError(_l("Your current password is not right."), "current_password")
    with db.atomic():
        _store_password(user, new)
        revoke_all_sessions(user, "password", keep=user.session_token)
        audit.record("password.changed", "user", user.id, actor=user)


def _end_session_after_guesses(user: User) -> None:
    from app.i18n import lazy_gettext as _l
    if not user.session_token:
        return
    token_hash = _sha256(user.session_token)
    (UserSession.update(password_failures=UserSession.password_failures + 1)
     .where(UserSession.token_hash == token_hash).execute())
    failures = (UserSession.select(UserSession.password_failures)
                .where(UserSession.token_hash == token_hash).scalar() or 0)
    if failures >= current_app.config["PASSWORD_CHECK_MAX_FAILURES"]:
        revoke_session(user.session_token, "password guesses")
        audit.record("session.ended", "user", user.id,
                     f"{failures} wrong current passwords", actor=user)
        raise SessionEnded(_l("You were signed out: the current password was wrong "
                              "too many times."), "current_password")


# --- throttling ---------------------------------------------------------------

@dataclass(frozen=True)
class Throttle:
    key: str
    retry_after: int  # seconds; 0 = may try now


def _throttle_keys(username: str, address: str, device: str | None = None) -> list[tuple[str, int]]:
    """What an attempt is counted against: a browser that signed in as this
    user before (its device nonce, app/auth/devices.py) has its own counter
    only; any other browser is counted per username and per address."""
    cfg = current_app.config
    username = normalise_username(username)
    if device:
        return [(f"device:{username}:{device}", cfg["LOGIN_MAX_FAILURES_DEVICE"])]
    return [(f"user:{username}", cfg["LOGIN_MAX_FAILURES_USER"]),
            (f"addr:{address}", cfg["LOGIN_MAX_FAILURES_ADDRESS"])]


def _wait_for(row: LoginThrottle, limit: int, now: dt.datetime) -> int:
    """Locked after `limit` failures; before that, from the 3rd failure on,
    each try must wait 2^(n-3) seconds (at most a minute)."""
    if row.locked_until:
        # Locked, or the lock has been served: then a fresh start.
        return int((row.locked_until - now).total_seconds()) + 1 if row.locked_until > now else 0
    if row.failures >= 3 and row.last_failure_at:
        allowed = row.last_failure_at + dt.timedelta(seconds=min(2 ** (row.failures - 3), 60))
        if allowed > now:
            return int((allowed - now).total_seconds()) + 1
    return 0


def _first_lock(keys: list[tuple[str, int]]) -> Throttle | None:
    now = utcnow()
    for key, limit in keys:
        row = LoginThrottle.get_or_none(LoginThrottle.key == key)
        if row and (wait := _wait_for(row, limit, now)):
            return Throttle(key, wait)
    return None


def login_throttle(username: str, address: str, device: str | None = None) -> Throttle | None:
    return _first_lock(_throttle_keys(username, address, device))


def _throttle_message(throttled: Throttle):
    from app.i18n import lazy_gettext as _l
    if throttled.retry_after < 60:
        return _l("Too many failed attempts. Wait %(n)s seconds and try again.",
                  n=throttled.retry_after)
    minutes = max(1, (throttled.retry_after + 59) // 60)
    return _l("Too many failed attempts. Wait %(n)s minutes and try again.", n=minutes)


def _count_failure(key: str, limit: int) -> None:
    now = utcnow()
    lock = dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    with db.atomic():  # IMMEDIATE: one writer at a time, across workers
        row, _ = LoginThrottle.get_or_create(key=key)
        stale = row.last_failure_at and now - row.last_failure_at > lock
        expired_lock = row.locked_until and row.locked_until <= now
        failures = 1 if (stale or expired_lock) else row.failures + 1
        locked_until = now + lock if failures >= limit else None
        (LoginThrottle.update(failures=failures, last_failure_at=now, locked_until=locked_until)
         .where(LoginThrottle.id == row.id).execute())


def _count_failures(keys: list[tuple[str, int]]) -> None:
    for key, limit in keys:
        _count_failure(key, limit)


def _clear_failures(key: str) -> None:
    LoginThrottle.delete().where(LoginThrottle.key == key).execute()


def _note_failed_attempt(user: User | None) -> None:
    """One more failed attempt on the account, told at the next sign-in."""
    if user is not None:
        User.update(failed_logins=User.failed_logins + 1).where(User.id == user.id).execute()


def _account_keys(username: str):
    """The throttle rows that lock an account (not the per-address ones)."""
    return ((LoginThrottle.key == f"user:{username}")
            | LoginThrottle.key.startswith(f"device:{username}:"))


@dataclass(frozen=True)
class LockState:
    failures: int                    # failed attempts since the last sign-in
    locked_until: dt.datetime | None  # new browsers may not sign in before this
    counted: bool                    # some counter holds failures (unlock clears it)


def lock_state(user: User) -> LockState:
    """For the admin's user page: is sign-in locked, how many failures."""
    now = utcnow()
    rows = list(LoginThrottle.select().where(_account_keys(user.username)))
    locked = [r.locked_until for r in rows if r.locked_until and r.locked_until > now
              and r.key.startswith("user:")]
    return LockState(user.failed_logins, max(locked) if locked else None, bool(rows))


def unlock(user: User, actor=None) -> int:
    """An administrator lifts the sign-in lock of an account (untrusted
    browsers and every device counter of this user); audited."""
    with db.atomic():
        cleared = LoginThrottle.delete().where(_account_keys(user.username)).execute()
        audit.record("login.unlocked", "user", user.id, f"{cleared} counter(s) cleared",
                     actor=actor)
    return cleared


# --- login ----------------------------------------------------------------------

def authenticate(username: str, password: str, address: str, device: str | None = None) -> User:
    """Check a sign-in attempt; every attempt is audited. `device` is the
    nonce of this browser's device cookie for this username, if it has one
    (then only that device's counter applies). The user returned carries
    `failed_attempts_seen`: failed attempts since their previous sign-in."""
    from app.i18n import lazy_gettext as _l
    username = normalise_username(username)
    user = User.by_username(username)
    keys = _throttle_keys(username, address, device)
    throttled = _first_lock(keys)
    if throttled:
        _note_failed_attempt(user)
        audit.record("login.throttled", "user", user.id if user else None,
                     f"retry after {throttled.retry_after}s ({throttled.key.split(':')[0]})",
                     actor=user)
        raise AuthError(_throttle_message(throttled))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or not user.active:
        _count_failures(keys)
        _note_failed_attempt(user)
        reason = "unknown username" if user is None else (
            "account disabled" if ok else "wrong password")
        if device:
            reason += " (known device)"
        audit.record("login.failed", "user", user.id if user else None, reason, actor=user)
        raise AuthError(_l("Wrong username or password."))
    _clear_failures(keys[0][0])  # this user's counter (device or username), not the address
    with db.atomic():
        user = User.get_by_id(user.id)  # the failure count as it is now
        user.failed_attempts_seen = user.failed_logins
        changes = {User.failed_logins: 0, User.last_login_at: utcnow()}
        if needs_rehash(user.password_hash):
            changes[User.password_hash] = hash_password(password)
        User.update(changes).where(User.id == user.id).execute()
        audit.record("login.success", "user", user.id,
                     "known device" if device else "", actor=user)
    return user


def start_session(user: User) -> str:
    """Create a server-side session; the raw token goes in the cookie only."""
    token = secrets.token_urlsafe(32)
    UserSession.create(token_hash=_sha256(token), user=user)
    user.session_token = token
    return token


# The session lookup runs on every request: built once (db.Prepared), it
# costs ~0.1 ms instead of the ~1 ms peewee took to build its SQL each time.
_SESSION_COLUMNS = (UserSession.id, UserSession.created_at, UserSession.last_seen_at,
                    UserSession.revoked_at)
_session_by_token = Prepared(lambda param: (
    UserSession.select(*_SESSION_COLUMNS, User, string_agg(UserRole.role).alias("role_list"))
    .join(User).join(UserRole, pw.JOIN.LEFT_OUTER)
    .where(UserSession.token_hash == param("token_hash"))
    .group_by(UserSession.id, User.id)))


def load_session_user(token: str | None) -> User | None:
    """Flask-Login user_loader: a live session of an active user, or None.
    One query (it runs on every request): the session, its whole user row
    and their roles."""
    if not token:
        return None
    row = _session_by_token.first(token_hash=_sha256(token))
    if row is None:
        return None
    (session_id, created_at, last_seen_at, revoked_at), role_list = row[:4], row[-1]
    user = whole_row(User, row[4:-1])
    if revoked_at is not None or not user.active:
        return None
    now, cfg = utcnow(), current_app.config
    if now - created_at > dt.timedelta(hours=cfg["SESSION_MAX_HOURS"]):
        return _end_session(token, "expired")
    if now - last_seen_at > dt.timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]):
        return _end_session(token, "idle")
    if now - last_seen_at > dt.timedelta(seconds=60):
        _touch(session_id, now)
    user.session_token = token
    user._role_names = sorted(role_list.split(",")) if role_list else []
    return user


def _touch(session_id: int, now) -> None:
    """Note that the session is in use. On a full disk this write fails:
    reading pages must keep working then (saves get the out-of-space page)."""
    try:
        UserSession.update(last_seen_at=now).where(UserSession.id == session_id).execute()
    except pw.OperationalError as error:
        if write_failure(error) is None:
            raise


def _end_session(token: str, reason: str) -> None:
    """A session past its absolute lifetime or idle limit: revoked, and the
    reason kept for this request so the sign-in page can say why."""
    from flask import g, has_request_context
    revoke_session(token, reason)
    if has_request_context():
        g.session_end_reason = reason
    return None


def revoke_session(token: str | None, reason: str) -> None:
    if token:
        (UserSession.update(revoked_at=utcnow(), revoked_reason=reason)
         .where((UserSession.token_hash == _sha256(token)) & UserSession.revoked_at.is_null())
         .execute())


def revoke_all_sessions(user: User, reason: str, keep: str | None = None) -> int:
    query = UserSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
        (UserSession.user == user) & UserSession.revoked_at.is_null())
    if keep:
        query = query.where(UserSession.token_hash != _sha256(keep))
    return query.execute()


# --- setup codes ------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def _canonical_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime


def issue_setup_code(user: User, issued_by: User | None) -> IssuedCode:
    """A new one-time code (72 h); earlier unused codes stop working."""
    now = utcnow()
    code = _new_code()
    hours = current_app.config["SETUP_CODE_HOURS"]
    with db.atomic():
        (SetupCode.update(revoked_at=now)
         .where((SetupCode.user == user) & SetupCode.used_at.is_null()
                & SetupCode.revoked_at.is_null()).execute())
        row = SetupCode.create(user=user, code_hash=_sha256(code), issued_by=issued_by,
                               created_at=now, expires_at=now + dt.timedelta(hours=hours))
        audit.record("setup_code.issued", "user", user.id, f"valid {hours} h", actor=issued_by)
    return IssuedCode(code, row.expires_at)


def redeem_setup_code(code: str, password: str, address: str) -> User:
    """Set a password with a one-time code. Throttled by client address."""
    from app.i18n import lazy_gettext as _l
    problem = password_problem(password)
    if problem:
        raise AuthError(problem, "password")
    key, limit = f"setup:{address}", current_app.config["LOGIN_MAX_FAILURES_ADDRESS"]
    row = LoginThrottle.get_or_none(LoginThrottle.key == key)
    if row and _wait_for(row, limit, utcnow()):
        raise AuthError(_l("Too many failed attempts. Wait a few minutes and try again."), "code")
    now = utcnow()
    setup = (SetupCode.select(SetupCode, User).join(User, on=(SetupCode.user == User.id))
             .where(SetupCode.code_hash == _sha256(_canonical_code(code))).first())
    valid = (setup is not None and setup.used_at is None and setup.revoked_at is None
             and setup.expires_at > now and setup.user.active)
    if not valid:
        _count_failure(key, limit)
        audit.record("setup_code.refused", "user", setup.user.id if setup else None,
                     "expired, used or unknown code")
        raise AuthError(_l("This code is not valid. It may be used or expired: ask the centre for a new one."), "code")
    user = setup.user
    with db.atomic():
        claimed = (SetupCode.update(used_at=now)
                   .where((SetupCode.id == setup.id) & SetupCode.used_at.is_null()).execute())
        if claimed != 1:  # someone else used it a moment ago
            raise AuthError(_l("This code is not valid. It may be used or expired: ask the centre for a new one."), "code")
        _store_password(user, password)
        revoke_all_sessions(user, "setup code")
        audit.record("setup_code.used", "user", user.id, actor=user)
    return user


def users_by_role() -> list[tuple[str, int]]:
    """Active accounts per role, every role listed (dashboard panel)."""
    counts = dict(UserRole.select(UserRole.role, fn.COUNT(UserRole.id)).join(User)
                  .where(User.active == True).group_by(UserRole.role).tuples())  # noqa: E712
    return [(role, counts.get(role, 0)) for role in ROLES]


def recent_sign_ins(limit: int = 10) -> list[User]:
    return list(User.select(User.username, User.last_login_at)
                .where(User.last_login_at.is_null(False))
                .order_by(User.last_login_at.desc()).limit(limit))
