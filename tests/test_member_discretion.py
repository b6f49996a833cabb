"""Discretion on a member's phone (#12): every address a member can reach
is neutral (/me/...), so the address bar and the browser history never
name counselling, safeguarding, a concern, a loan or trafficking. Routes
that new modules add are covered as they register."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from app.access import capabilities_of
from app.counselling import bookings, groups, services
from tests.counselling_helpers import counsellor_every_day, days_ahead, local, make_member, no_holidays
from tests.factories import app_db, make_user

TELLING = re.compile(r"counsel|safeguard|concern|loan|traffick", re.I)


def _member_routes(app):
    with app.app_context():
        member_caps = capabilities_of(["member"])
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        if access is None or rule.endpoint == "static":
            continue
        kind, needed = access
        if kind == "public" or set(needed) <= member_caps:
            yield rule.rule


def test_every_route_a_member_may_use_has_a_neutral_address(app):
    routes = list(_member_routes(app))
    assert "/me" in routes and "/me/appointments" in routes and "/me/book" in routes
    telling = [r for r in routes if TELLING.search(r)]
    assert telling == [], f"member-facing addresses that name what they are: {telling}"


def test_walking_every_link_from_me_stays_on_neutral_addresses(app, client, login_as):
    """Sign in as a member with an appointment, a group session and a
    mentor, then follow every link, htmx address and form action reachable
    from /me: no address (nor a redirect) names what it is about."""
    user = login_as("member")
    with app_db(app):
        no_holidays()
        person = counsellor_every_day()
        member = make_member(user=user)
        bookings.book(member, person.id, local(days_ahead(3), 10))
        from app.clock import NAIROBI, to_utc
        import datetime as dt
        start = to_utc(dt.datetime.combine(days_ahead(4), dt.time(15), NAIROBI))
        session = groups.create_sessions("Peer circle", start, 60, "Hall", 10, [person.id])[0]
        groups.sign_up(session, member)
    seen, queue, visited = set(), ["/me"], []
    while queue:
        url = queue.pop()
        if url in seen or len(seen) > 80:
            continue
        seen.add(url)
        response = client.get(url)
        visited.append(url)
        location = response.headers.get("Location")
        if location:
            assert not TELLING.search(location), f"{url} redirects to {location}"
            queue.append(urlsplit(location).path)
        if response.mimetype != "text/html":
            continue
        for address in re.findall(r'(?:href|action|hx-get|hx-post)="([^"]+)"',
                                  response.get_data(as_text=True)):
            address = html.unescape(address)
            parts = urlsplit(address)
            if parts.scheme in ("http", "https", "webcal") and parts.netloc:
                continue
            if not parts.path.startswith("/") or parts.path.startswith("/static/"):
                continue
            assert not TELLING.search(parts.path + "?" + parts.query), \
                f"{address} linked from {url}"
            queue.append(address if parts.query else parts.path)
    assert not [u for u in visited if TELLING.search(u)]   # paths and query strings
    assert {"/me", "/me/appointments", "/me/book", "/me/groups"} <= set(visited)
