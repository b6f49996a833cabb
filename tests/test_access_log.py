"""#10 item 17: access logs never hold a secret from a URL path (the
calendar feed's token) nor a query string. The real servers are checked in
tests/test_deploy_integration.py (nginx and gunicorn on loopback) and in the
emulated-Pi tier; these check the rule itself and that it covers every
route whose address holds a secret."""
from __future__ import annotations

import secrets

from app.access_log import SECRET_PATHS, SECRET_ROUTE_ARGUMENTS, mask_path
from tests.deploy_support import PI


def test_mask_path_hides_the_feed_token_and_drops_queries():
    token = secrets.token_urlsafe(24)
    assert mask_path(f"/calendar/{token}.ics") == "/calendar/[token].ics"
    assert mask_path(f"/calendar/{token}.ics?x=1") == "/calendar/[token].ics"
    assert mask_path("/members/?q=Wanjiru") == "/members/"
    assert mask_path("/counselling/calendar") == "/counselling/calendar"
    assert mask_path(None) == ""


def test_every_route_with_a_secret_in_its_address_is_masked(app):
    """A new public route keyed by a token must be added to the masks."""
    secret_rules = [rule for rule in app.url_map.iter_rules()
                    if SECRET_ROUTE_ARGUMENTS & set(rule.arguments)]
    assert secret_rules, "the calendar feed route is gone or renamed"
    adapter = app.url_map.bind("kituo.local")
    for rule in secret_rules:
        value = secrets.token_urlsafe(24)
        path = adapter.build(rule.endpoint, {name: value for name in rule.arguments})
        assert value not in mask_path(path), rule.rule


def test_nginx_masks_the_same_paths():
    site = (PI / "nginx-kituo.conf").read_text()
    for pattern, replacement in SECRET_PATHS:
        assert f'"~{pattern.pattern}"  "{replacement}";' in site


def test_gunicorn_uses_the_masking_logger():
    import runpy
    settings = runpy.run_path(str(PI / "gunicorn.conf.py"))
    assert settings["logger_class"] == "app.access_log.GunicornLogger"
    assert "%(U)s" in settings["access_log_format"]
    assert "%(r)s" not in settings["access_log_format"] and "%(q)s" not in settings["access_log_format"]
