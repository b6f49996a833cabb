"""What the web servers' access logs may say about a request: its method,
path, status, size and time; never the query string (searches hold names)
and never a secret in the path. The calendar feed's address is the only
key its owner has (`/calendar/<token>.ics`): whoever reads a log line
holding it could follow a counsellor's or a member's appointments.

gunicorn uses GunicornLogger (deploy/pi/gunicorn.conf.py); nginx masks the
same paths with the `map` in deploy/pi/nginx-kituo.conf. A test checks both
against every route whose address holds a secret (SECRET_ROUTE_ARGUMENTS).
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Route arguments that are secrets (the route is public: the value is the key).
SECRET_ROUTE_ARGUMENTS = frozenset({"token"})

# (pattern, replacement) for each secret-bearing path. Keep in step with the
# map in deploy/pi/nginx-kituo.conf.
SECRET_PATHS = (
    (re.compile(r"^/calendar/[^/]*\.ics$"), "/calendar/[token].ics"),
)


def mask_path(path: str | None) -> str:
    """The path as a log may show it: the query dropped, secrets replaced."""
    path = (path or "").split("?", 1)[0]
    for pattern, replacement in SECRET_PATHS:
        if pattern.match(path):
            return replacement
    return path


class GunicornLogger(Logger):
    """gunicorn's logger with paths masked in every access-log field that
    could show them (path, request line, query, referer)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = mask_path(environ.get("PATH_INFO"))
        atoms["U"] = path
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = ""
        atoms["f"] = "-"
        for key in ("{raw_uri}e", "{path_info}e", "{query_string}e", "{request_uri}e",
                    "{referer}i"):
            atoms.pop(key, None)
        return atoms
