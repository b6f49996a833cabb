"""Security headers on every response; no caching of personal pages."""
from __future__ import annotations

from flask import request
from flask_login import current_user

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        # Any page may show personal data once signed in, and the login page
        # must not be replayed from a shared phone's cache either.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
    return response


def init_app(app) -> None:
    app.after_request(set_security_headers)
    if app.config["HTTPS"]:
        @app.after_request
        def _hsts(response):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
            return response
    app.jinja_env.globals["current_user_is_member_facing"] = member_facing


def member_facing() -> bool:
    """Quick exit is offered to members and anyone not signed in."""
    if not current_user.is_authenticated:
        return True
    return "member" in current_user.role_names


# --- where to go after sign-in or a language switch (?next=) --------------

# A browser's URL parser (WHATWG URL standard) removes tabs and newlines
# anywhere, strips control characters and spaces at either end and reads
# "\\" as "/" before it looks at a URL: "/\t/evil.example" and
# "/\\evil.example" both become "//evil.example", another site. A target
# holding any of those is refused outright rather than "cleaned".


def safe_next_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site however a browser reads it,
    else `default`: it starts with exactly one "/", holds no control
    character, backslash or edge space, and parses with no scheme or host.
    Anything else (a newline too: it would be a header injection) is
    ignored, never an error."""
    from urllib.parse import urlsplit
    if not target or len(target) > 2000 or target != target.strip(" "):
        return default
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
