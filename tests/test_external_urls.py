"""Links that leave the Pi (#10 item 19): built from the configured host
name (KITUO_HOSTNAME), never from the Host header a client sends."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from app.config import host_name
from app.urls import external_url
from tests.conftest import make_test_app
from tests.factories import PASSWORD, app_db, make_user


@pytest.mark.parametrize("value, expected", [
    (None, "kituo.local"), ("", "kituo.local"), ("  ", "kituo.local"),
    ("kituo", "kituo.local"), ("Kituo.Local.", "kituo.local"),
    ("intranet", "intranet.local"), ("intranet:8443", "intranet.local:8443"),
    ("kituo.azadi.or.ke", "kituo.azadi.or.ke"), ("192.168.1.20", "192.168.1.20"),
    ("127.0.0.1:8000", "127.0.0.1:8000"), ("localhost:8000", "localhost:8000"),
])
def test_host_name_setting(value, expected):
    assert host_name(value) == expected


@pytest.mark.parametrize("value", ["evil.example/x", "kituo local", "https://kituo.local",
                                   "-kituo", "kituo.local:port", "a@b", "kituo..local"])
def test_a_host_name_that_is_not_one_stops_the_start(value):
    with pytest.raises(ValueError, match="KITUO_HOSTNAME"):
        host_name(value)


def test_calendar_address_uses_the_configured_host_not_the_request_host(tmp_path, monkeypatch):
    """A client (or a proxy passing X-Forwarded-Host) cannot make the
    one-time calendar address point elsewhere."""
    monkeypatch.setenv("KITUO_HOSTNAME", "kituo.local")
    monkeypatch.setenv("KITUO_HTTPS", "1")
    monkeypatch.setenv("KITUO_TRUSTED_PROXIES", "1")
    app = make_test_app(tmp_path)
    with app_db(app):
        user = make_user("counsellor")
    client = app.test_client()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Proto": "https"}
    assert client.post("/login", data={"username": user.username, "password": PASSWORD},
                       headers=forged).status_code == 303
    page = client.post("/me/calendar/new", headers=forged)
    url = BeautifulSoup(page.data, "html.parser").select_one("#feed-url")["value"]
    assert url.startswith("https://kituo.local/calendar/") and url.endswith(".ics")
    assert "evil" not in page.get_data(as_text=True)


def test_external_url_works_without_a_request_as_in_the_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("KITUO_HOSTNAME", "centre")
    app = make_test_app(tmp_path)
    with app.app_context():
        assert external_url("auth.setup") == "http://centre.local/setup"
