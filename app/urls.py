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


def init_app(app) -> None:
    app.jinja_env.globals["fixed_url"] = fixed_url
