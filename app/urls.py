"""URLs that never change while the app runs (static files, pages without
arguments), built once per app instead of on every page: base.html asks
for ten of them on every request."""
from __future__ import annotations

from flask import current_app, request, url_for


def fixed_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values), remembered per app and script root.
    Only for URLs that depend on nothing but their arguments."""
    cache = current_app.extensions.setdefault("kituo_fixed_urls", {})
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = cache.get(key)
    if url is None:
        url = cache[key] = url_for(endpoint, **values)
    return url


_SENTINEL_ID = 2147483647


def url_around_id(endpoint: str, key: str, **values) -> tuple[str, str]:
    """(head, tail) of the url of a route with an integer id `key`: its url
    is head + id + tail. Built once per app, so a list of 50 rows does not
    build 50 urls (each ~15 µs); pages may pass head and tail to templates."""
    cache = current_app.extensions.setdefault("kituo_fixed_urls", {})
    cache_key = ("id", request.script_root, endpoint, key, *sorted(values.items()))
    parts = cache.get(cache_key)
    if parts is None:
        head, found, tail = url_for(endpoint, **{key: _SENTINEL_ID}, **values).partition(
            str(_SENTINEL_ID))
        if not found:
            raise ValueError(f"{endpoint}: {key} is not in its url")
        parts = cache[cache_key] = (head, tail)
    return parts


def url_before_id(endpoint: str, key: str, **values) -> str:
    """The url of a route whose integer id comes last, without the id."""
    head, tail = url_around_id(endpoint, key, **values)
    if tail:
        raise ValueError(f"{endpoint}: the id is not at the end of the url")
    return head


def id_url(endpoint: str, key: str, id_value: int, **values) -> str:
    """url_for(endpoint, **{key: id_value}, **values), from url_around_id."""
    head, tail = url_around_id(endpoint, key, **values)
    return f"{head}{int(id_value)}{tail}"


def init_app(app) -> None:
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.globals["id_url"] = id_url
