"""Private calendar addresses (iCalendar): make one (shown once), revoke
it, and the feed itself, whose unguessable token is the key."""
from __future__ import annotations

from flask import Response, abort, flash, render_template
from flask_login import current_user

from app.access import public, requires
from app.counselling import bp, feeds
from app.htmx import see_other
from app.i18n import gettext as _
from app.urls import external_url


@bp.route("/me/calendar")
@requires("counselling.feed")
def calendar():
    return render_template("counselling/calendar.html", feed=feeds.feed_of(current_user),
                           new_url=None)


@bp.route("/me/calendar/new", methods=["POST"])
@requires("counselling.feed")
def calendar_new():
    token = feeds.issue(current_user)
    url = external_url("counselling.calendar_feed", token=token)
    return render_template("counselling/calendar.html", feed=feeds.feed_of(current_user),
                           new_url=url, webcal_url="webcal:" + url.split(":", 1)[1])


@bp.route("/me/calendar/revoke", methods=["POST"])
@requires("counselling.feed")
def calendar_revoke():
    feeds.revoke(current_user)
    flash(_("Your calendar address no longer works."), "success")
    return see_other("counselling.calendar")


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """Public by design: the unguessable token is the key (404 when unknown)."""
    user = feeds.user_for_token(token) or abort(404)
    response = Response(feeds.build(user), mimetype="text/calendar")
    response.headers["Cache-Control"] = "no-store"
    return response
