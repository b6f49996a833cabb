"""The deployment on loopback: Debian's nginx with the generated site and
TLS certificate, gunicorn with deploy/pi/gunicorn.conf.py on a unix socket,
and the huey worker as kituo-worker.service runs it. A person's journey:
fetch a page and a static file over TLS, sign in, press "Back up now",
and the worker pushes an encrypted backup."""
from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from app import create_app
from app.backups import archive
from app.backups.models import BackupRun
from app.db import db, utcnow
from app.migrations import upgrade
from tests.backup_support import (free_port, prepare_drive, require_tools, wait_for_port,
                                  write_identity)
from tests.deploy_support import ROOT, make_cert, nginx_main_conf, render_site
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)

VENV = ROOT / ".venv" / "bin"


class Browser:
    """Just enough of a browser: TLS trusting the centre's CA, cookies."""

    def __init__(self, port: int, ca: Path):
        self.port = port
        self.context = ssl.create_default_context(cafile=str(ca))
        self.cookies = SimpleCookie()

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.context,
                                           timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        if body is not None:
            body = "&".join(f"{k}={v}" for k, v in body.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://localhost:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        conn.close()
        return response, data

    def csrf(self, path) -> str:
        _response, data = self.request("GET", path)
        return BeautifulSoup(data, "html.parser").find("input", {"name": "csrf_token"})["value"]


@pytest.fixture
def deployment(tmp_path):
    require_tools("nginx", "openssl", "rclone")
    instance = tmp_path / "var-lib-kituo"
    instance.mkdir(mode=0o700)
    key = tmp_path / "office-laptop-key.txt"
    public = write_identity(key)
    usb = prepare_drive(tmp_path / "usb")
    socket_path = tmp_path / "run" / "web.sock"
    socket_path.parent.mkdir()
    logs = tmp_path / "logs"
    logs.mkdir()
    http_port, https_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), KITUO_INSTANCE=str(instance),
               KITUO_HUEY_DB=str(instance / "huey.db"), KITUO_BIND=f"unix:{socket_path}",
               KITUO_WEB_WORKERS="2", KITUO_HTTPS="1", KITUO_TRUSTED_PROXIES="1",
               KITUO_HOSTNAME=f"localhost:{https_port}",
               KITUO_ACCESS_LOG=str(logs / "gunicorn-access.log"), KITUO_BACKUP_RECIPIENTS=public,
               KITUO_BACKUP_DESTINATIONS=str(usb), KITUO_RCLONE_CONFIG="/dev/null")

    # The database with a first admin, and a backup already done tonight (so
    # the worker's periodic check leaves the button's backup alone).
    app = create_app({"DATABASE": str(instance / "kituo.db"), "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "not-used"})
    with app.app_context():
        upgrade()
        with db.connection_context():
            make_user("admin", username="amina")
            make_user("counsellor", username="baraka")
            BackupRun.create(trigger="scheduled", status="local_only", finished_at=utcnow())
    db.close()

    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static, ignore=shutil.ignore_patterns("*.gz"))
    for path in static.rglob("*"):
        if path.suffix in (".css", ".js"):
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 9))
    tls = make_cert(tmp_path / "tls")
    site = render_site(upstream=f"unix:{socket_path}", http_listen=f"127.0.0.1:{http_port}",
                       http_listen6="", https_listen=f"127.0.0.1:{https_port}",
                       https_listen6="", https_port_suffix=f":{https_port}",
                       hostname="localhost", nginx_log_dir=str(logs),
                       tls_dir=str(tls), static_root=str(static), ca_cert=str(tls / "ca.crt"))
    conf = nginx_main_conf(tmp_path / "nginx", site)

    processes = []

    def start(name, command, stop_signal):
        log = open(logs / f"{name}.log", "wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        processes.append((process, stop_signal, log))
        return process

    web = start("gunicorn", [str(VENV / "gunicorn"), "-c", "deploy/pi/gunicorn.conf.py"],
                signal.SIGTERM)
    start("worker", [str(VENV / "huey_consumer"), "app.worker.huey", "--workers", "2",
                     "--worker-type", "thread", "--flush-locks"], signal.SIGINT)
    start("nginx", ["nginx", "-c", str(conf), "-p", str(tmp_path / "nginx")], signal.SIGQUIT)
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            assert web.poll() is None, (logs / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        wait_for_port(https_port)
        yield {"https": https_port, "http": http_port, "ca": tls / "ca.crt", "usb": usb,
               "key": key, "socket": socket_path, "logs": logs, "tmp": tmp_path}
    finally:
        for process, stop_signal, log in reversed(processes):
            if process.poll() is None:
                process.send_signal(stop_signal)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()


def test_deployment_serves_pages_and_static_files_over_tls_and_backs_up(deployment):
    browser = Browser(deployment["https"], deployment["ca"])

    # A page over TLS, with the certificate the Pi made for itself.
    response, data = browser.request("GET", "/login")
    assert response.status == 200
    assert BeautifulSoup(data, "html.parser").h1.get_text(strip=True) == "Sign in"
    assert response.getheader("Strict-Transport-Security")
    assert response.getheader("Cache-Control") == "no-store"

    # A static file straight from nginx: pre-compressed and cacheable.
    response, data = browser.request("GET", "/static/css/app.css",
                                     headers={"Accept-Encoding": "gzip"})
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    assert b".banner" in gzip.decompress(data)
    assert "public" in response.getheader("Cache-Control")
    assert response.getheader("Expires")
    response, _ = browser.request("GET", "/static/vendor/htmx-2.0.11/htmx.min.js")
    assert response.status == 200 and "immutable" in response.getheader("Cache-Control")

    # Plain http is redirected to https.
    plain = http.client.HTTPConnection("localhost", deployment["http"], timeout=10)
    plain.request("GET", "/login?next=/")
    redirect = plain.getresponse()
    assert redirect.status == 301
    assert redirect.getheader("Location") == \
        f"https://localhost:{deployment['https']}/login?next=/"
    plain.close()

    # Sign in (session cookie is Secure) and press "Back up now".
    response, _ = browser.request("POST", "/login", {
        "username": "amina", "password": PASSWORD.replace(" ", "+"),
        "csrf_token": browser.csrf("/login")})
    assert response.status == 303, response.getheader("Location")
    assert "Secure" in response.getheader("Set-Cookie")
    response, _ = browser.request("POST", "/admin/backups/run",
                                  {"csrf_token": browser.csrf("/admin/backups/")})
    assert response.status == 303 and response.getheader("Location") == "/admin/backups/"

    # The worker takes it: /healthz (through nginx) reports a fresh backup.
    deadline = time.monotonic() + 60
    while True:
        response, data = browser.request("GET", "/healthz")
        if b'"backup":"ok"' in data.replace(b" ", b""):
            break
        assert time.monotonic() < deadline, (deployment["logs"] / "worker.log").read_text()
        time.sleep(0.5)
    _response, page = browser.request("GET", "/admin/backups/")
    row = BeautifulSoup(page, "html.parser").select_one(".backup-runs tbody tr").get_text()
    assert "Back up now" in row and "Succeeded" in row

    backups = [p for p in deployment["usb"].iterdir() if p.name.endswith(".age")]
    assert len(backups) == 1
    extracted = archive.decrypt_and_extract(backups[0], archive.load_identities(deployment["key"]),
                                            deployment["tmp"] / "check")
    assert extracted.manifest["tables"]["user"] == 2
    assert re.match(r"\d+\.\d+\.\d+", extracted.manifest["app_version"])


def _no_answer(connection, host):
    """True when nginx closes the connection without answering (444)."""
    connection.request("GET", "/login", headers={"Host": host})
    try:
        connection.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return True
    finally:
        connection.close()
    return False


def test_nginx_answers_only_the_configured_host_name(deployment):
    """#10 item 19: a request naming another host gets no answer, over
    http and https, so no redirect or page is ever built from it."""
    port, ca = deployment["https"], deployment["ca"]
    context = ssl.create_default_context(cafile=str(ca))
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1"):
        assert _no_answer(http.client.HTTPSConnection("localhost", port, context=context,
                                                      timeout=10), host), host
        assert _no_answer(http.client.HTTPConnection("localhost", deployment["http"],
                                                     timeout=10), host), host
    response, _ = Browser(port, ca).request("GET", "/login")
    assert response.status == 200


def test_access_logs_hold_no_feed_token_and_no_query_string(deployment):
    """#10 item 17: after a calendar app fetches the feed, neither nginx's
    nor gunicorn's access log holds its secret token (nor a search)."""
    browser = Browser(deployment["https"], deployment["ca"])
    response, _ = browser.request("POST", "/login", {
        "username": "baraka", "password": PASSWORD.replace(" ", "+"),
        "csrf_token": browser.csrf("/login")})
    assert response.status == 303
    _response, page = browser.request("POST", "/me/calendar/new",
                                      {"csrf_token": browser.csrf("/me/calendar")})
    url = BeautifulSoup(page, "html.parser").select_one("#feed-url")["value"]
    prefix = f"https://localhost:{deployment['https']}/calendar/"
    assert url.startswith(prefix) and url.endswith(".ics")
    token = url.removeprefix(prefix).removesuffix(".ics")
    calendar_app = Browser(deployment["https"], deployment["ca"])
    response, body = calendar_app.request("GET", url.removeprefix(prefix[:-len("/calendar/")]))
    assert response.status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    browser.request("GET", "/members/?q=Wanjiru")

    logs = deployment["logs"]
    nginx_log, gunicorn_log = logs / "access.log", logs / "gunicorn-access.log"
    # Both servers write a request's line after its answer: wait for the
    # last request's line in each log (a busy machine can take seconds).
    deadline = time.monotonic() + 30
    for log in (nginx_log, gunicorn_log):
        while "/members/" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, f"no access log line for the search in {log.name}"
            time.sleep(0.1)
    for log in (nginx_log, gunicorn_log):
        text = log.read_text()
        assert "/calendar/[token].ics" in text, (log.name, text)
        assert token not in text and "Wanjiru" not in text and "?" not in text, (log.name, text)
        assert "/members/" in text and "/me/calendar/new" in text
