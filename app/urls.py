"""Numbers in URLs, and URLs built once.

- `IdConverter` is this app's `<int:name>` converter (it replaces
  Werkzeug's, so every route gets it): a database id, 1 up to the largest
  integer SQLite stores. Anything else, `abc`, `1e309`, a 20-digit number,
  is a 404 before the view runs, never a 500.
- `int_arg(name, default, lo, hi)` and `page_arg()`: integer query
  arguments (`?page=`, `?counsellor_id=`) read safely: a value that is not a
  number or out of range gives the default; `date_arg(name, default)`
  the same for a date (`?day=`, `?week=`), within app.clock.date_bounds.
- `fixed_url`: URLs that never change while the app runs (static files,
  pages without arguments), built once per app: base.html asks for ten of
  them on every request. A row's link is plain `url_for` (~15 µs).
"""
from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.routing import IntegerConverter

from app.db import MAX_INTEGER

# The highest page number a list accepts: far beyond any real list, and
# (page - 1) * page size stays well inside the database's integers.
MAX_PAGE = 1_000_000


class IdConverter(IntegerConverter):
    """`<int:member_id>`: a positive integer the database can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def parse_int(value, lo: int = 1, hi: int = MAX_INTEGER) -> int | None:
    """`value` (text from a request) as an integer in lo..hi, else None.
    Only plain decimal digits with an optional sign count: not `1e3`,
    `NaN`, `0x10` or digits of other scripts."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        digits = text[1:] if text[:1] in "+-" else text
        if not digits or len(digits) > 19 or not (digits.isascii() and digits.isdigit()):
            return None
        number = int(text)
    return number if lo <= number <= hi else None


def int_arg(name: str, default: int | None = None, lo: int = 1, hi: int = MAX_INTEGER):
    """The query argument `name` as an integer in lo..hi, or `default` when
    it is missing, not a number or out of range (a query argument is a
    filter: the page falls back rather than refuses)."""
    number = parse_int(request.args.get(name), lo, hi)
    return default if number is None else number


def date_arg(name: str, default, near: bool = True):
    """The query argument `name` as an ISO date within app.clock.date_bounds
    (near today unless `near` is False), or `default` when it is missing,
    unreadable or out at the edge of the calendar (browsing to year 9999
    shows today's page instead of failing)."""
    from app.clock import parse_day
    day = parse_day(request.args.get(name), near)
    return default if day is None else day


def page_arg(name: str = "page") -> int:
    """`?page=` as a page number, 1 when missing or not a sensible number."""
    return int_arg(name, 1, 1, MAX_PAGE)


def current_url() -> str:
    """This request's path and query, as a `next=` target: no trailing "?"
    when there is no query (Flask's full_path always adds one)."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


FIXED_URLS_KEPT = 4096


def fixed_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values), remembered per app and script root.
    Only for URLs that depend on nothing but their arguments: a page's
    own links, and a list's row links by id (url_for takes ~25 us; a class
    page has 55). At most FIXED_URLS_KEPT (~1 MB), then it starts again."""
    cache = current_app.extensions.setdefault("kituo_fixed_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = cache.get(key)
    if url is None:
        if len(cache) >= FIXED_URLS_KEPT:
            cache.clear()
        url = cache[key] = url_for(endpoint, **values)
    return url


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of a page for use outside the browser (a calendar
    app, a printed slip): https://KITUO_HOSTNAME/... (http:// unless
    KITUO_HTTPS). Built from the configured host name, never from the
    request's Host header, which a client chooses; works without a request
    (in the worker)."""
    config = current_app.config
    scheme = "https" if config["HTTPS"] else "http"
    adapter = current_app.url_map.bind(config["HOSTNAME"], url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter   # every integer in a path is an id here
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["current_url"] = current_url
    app.jinja_env.globals["external_url"] = external_url   # printed slips and packs
