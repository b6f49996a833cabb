"""Device cookies, after OWASP's "Slow down online guessing attacks with
device cookies": a browser that signed in successfully as a user keeps a
signed cookie naming that user and a random nonce. Sign-in attempts from
that browser for that user are counted against the nonce only, so nobody
else's failures (an attacker typing a member's predictable code, say) can
lock the owner out of their own phone; attempts from any other browser are
throttled per username and per address (app.auth.services).

The cookie holds up to five users (a phone shared at the centre), newest
first, signed with the app's secret key and valid DEVICE_COOKIE_DAYS after
the last successful sign-in from that browser. A new nonce is issued at
every successful sign-in.
"""
from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "kituo_device"
MAX_USERS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="kituo.device-cookie")


def _max_age() -> int:
    return current_app.config["DEVICE_COOKIE_DAYS"] * 24 * 3600


def known_users(cookie: str | None) -> list[tuple[str, str]]:
    """(username, nonce) pairs of a valid cookie, newest first; [] for a
    missing, forged, expired or malformed one."""
    if not cookie:
        return []
    try:
        data = _serializer().loads(cookie, max_age=_max_age())
    except BadData:
        return []
    if not isinstance(data, list):
        return []
    return [(entry[0], entry[1]) for entry in data[:MAX_USERS]
            if isinstance(entry, list) and len(entry) == 2
            and all(isinstance(part, str) for part in entry)]


def nonce_for(cookie: str | None, username: str) -> str | None:
    """The nonce this browser holds for `username` (normalised), if any."""
    return next((nonce for name, nonce in known_users(cookie) if name == username), None)


def remember(response, cookie: str | None, username: str) -> None:
    """After a successful sign-in: a new nonce for `username` at the front."""
    others = [[name, nonce] for name, nonce in known_users(cookie) if name != username]
    entries = [[username, secrets.token_urlsafe(16)]] + others[:MAX_USERS - 1]
    response.set_cookie(COOKIE, _serializer().dumps(entries), max_age=_max_age(),
                        httponly=True, samesite="Lax", secure=current_app.config["HTTPS"])
