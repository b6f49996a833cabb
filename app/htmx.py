"""Page-or-partial rendering for htmx, HX-Redirect, and Vary: HX-Request."""
from __future__ import annotations

from flask import make_response, render_template, request


def wants_partial() -> bool:
    """An htmx request that swaps part of a page (not boosted navigation or
    a history restore, which need the full page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, partial: str, /, status: int = 200, **context):
    """Render `partial` for htmx swaps, else the full `page` (which includes
    the partial)."""
    template = partial if wants_partial() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(location: str, status: int = 200):
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def redirect_after_post(location: str):
    """303 for plain forms; HX-Redirect for htmx requests."""
    from flask import redirect
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(location)
    return redirect(location, code=303)


def see_other(endpoint: str, **values):
    """After a POST: 303 to `endpoint` (HX-Redirect for htmx requests)."""
    from flask import url_for
    return redirect_after_post(url_for(endpoint, **values))
