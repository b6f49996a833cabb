"""scripts/restore over a running instance (the web and the worker as
`make run` starts them, no systemd): it refuses and changes nothing while
either runs; once they are stopped it restores; and a save made after the
restore goes into the restored database, never into the copy kept aside."""
from __future__ import annotations

import http.cookiejar
import signal
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.backup_support import (ROOT, VENV, free_port, instance_env, make_instance,
                                  prepare_drive, require_tools, wait_for, wait_for_port,
                                  write_identity)
from tests.factories import PASSWORD

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)


class Browser:
    """A browser on loopback (urllib): cookies, the CSRF token, redirects."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def submit(self, path: str, fields: dict) -> str:
        """Fill in the form at `path` and send it; the path it lands on."""
        with self.opener.open(self.base + path, timeout=30) as response:
            page = BeautifulSoup(response.read(), "html.parser")
        fields = dict(fields, csrf_token=page.find("input", {"name": "csrf_token"})["value"])
        with self.opener.open(self.base + path, urllib.parse.urlencode(fields).encode(),
                              timeout=30) as response:
            return urllib.parse.urlsplit(response.url).path


def _usernames(database: Path) -> set[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("select username from user")}


@pytest.fixture
def centre(tmp_path):
    require_tools("rclone")
    instance = tmp_path / "instance"
    make_instance(instance)
    key = tmp_path / "key.txt"
    port = free_port()
    env = instance_env(instance, KITUO_BACKUP_RECIPIENTS=write_identity(key),
                       KITUO_BACKUP_DESTINATIONS=prepare_drive(tmp_path / "usb"),
                       KITUO_BIND=f"127.0.0.1:{port}", KITUO_WEB_WORKERS=2)
    done = subprocess.run([str(VENV / "flask"), "--app", "app", "backup", "run"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    backup = next((tmp_path / "usb").glob("*.age"))
    running = []

    def start():
        """The web and the worker, as scripts/run-dev (`make run`) starts them."""
        logs = open(tmp_path / "processes.log", "ab")
        for command, stop in (([str(VENV / "gunicorn"), "-c", "deploy/pi/gunicorn.conf.py"],
                               signal.SIGTERM),
                              ([str(VENV / "huey_consumer"), "app.worker.huey", "-w", "1", "-k",
                                "thread", "-n"], signal.SIGINT)):
            running.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs,
                                             stderr=subprocess.STDOUT), stop))
        wait_for_port(port, timeout=60)
        wait_for(lambda: b"consumer started" in (tmp_path / "processes.log").read_bytes(),
                 what="the worker")

    def stop():
        while running:
            process, stop_signal = running.pop()
            process.send_signal(stop_signal)
            process.wait(timeout=30)

    def restore():
        return subprocess.run([str(ROOT / "scripts" / "restore"), str(backup), "--identity",
                               str(key), "--yes", "--env-file", "/dev/null"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    try:
        yield {"database": instance / "kituo.db", "instance": instance, "start": start,
               "stop": stop, "restore": restore, "port": port}
    finally:
        stop()


def _save_a_user(centre, username) -> None:
    browser = Browser(centre["port"])
    assert browser.submit("/login", {"username": "amina", "password": PASSWORD}) == "/"
    landed = browser.submit("/admin/users/new", {"username": username, "display_name": username,
                                                 "language": "en", "roles": "mentor"})
    assert landed.startswith("/admin/users/") and landed != "/admin/users/new"


def test_restore_refuses_while_kituo_runs_and_saves_never_go_aside(centre):
    database = centre["database"]
    centre["start"]()
    inode = database.stat().st_ino

    refused = centre["restore"]()
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Kituo is running" in refused.stderr and "Nothing was changed" in refused.stderr
    assert "gunicorn" in refused.stderr or "huey" in refused.stderr     # who holds it
    assert database.stat().st_ino == inode
    assert not list(centre["instance"].glob("kituo.db.before-restore-*"))
    _save_a_user(centre, "saved_while_running")              # the live file still takes saves
    assert "saved_while_running" in _usernames(database)

    centre["stop"]()
    restored = centre["restore"]()
    assert restored.returncode == 0, restored.stdout + restored.stderr
    aside, = [p for p in centre["instance"].glob("kituo.db.before-restore-*")
              if not p.name.endswith(("-wal", "-shm"))]
    assert "saved_while_running" in _usernames(aside)        # kept aside whole
    assert "saved_while_running" not in _usernames(database)  # the backup is older

    centre["start"]()
    _save_a_user(centre, "saved_after_restore")
    centre["stop"]()
    assert "saved_after_restore" in _usernames(database)
    assert "saved_after_restore" not in _usernames(aside)
