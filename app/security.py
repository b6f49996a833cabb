"""Security headers on every response; no caching of personal pages."""
from __future__ import annotations

import re

from flask import request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict

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


# --- control characters in what people type -------------------------------

# C0 controls (and DEL) except tab and newline: a NUL or an escape in a name
# or a note is never meant, breaks exports and terminals, and a newline in a
# header value is an injection. Line ends become "\n" (textareas post "\r\n").
_LINE_ENDS = re.compile(r"\r\n?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str) -> str:
    """`value` without C0 control characters other than tab and newline."""
    if value.isprintable():   # the usual case, checked in C
        return value
    return _CONTROLS.sub("", _LINE_ENDS.sub("\n", value))


class CleanParameters(ImmutableMultiDict):
    """Query arguments and form fields, every text value through
    clean_text: the one place where typed text is cleaned, for every form
    field and query argument of every route (uploaded files are not text
    values and pass as they are)."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for key, values in list(dict.items(self)):
            if any(isinstance(v, str) and not v.isprintable() for v in values):
                dict.__setitem__(self, key, [clean_text(v) if isinstance(v, str) else v
                                             for v in values])


def init_app(app) -> None:
    # On top of the request class already in place (htmx-flask's).
    app.request_class = type("KituoRequest", (app.request_class,),
                             {"parameter_storage_class": CleanParameters})
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
