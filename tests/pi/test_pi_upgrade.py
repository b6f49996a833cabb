"""Upgrade on a fresh Pi: the previous release (the last tag, else the
commit before the newest schema step, so the upgrade has a migration to
apply) installed with its own install.sh and given data, then this
checkout copied over it and `sudo deploy/pi/upgrade.sh`, as the README
says. Migrations apply, the data stays, the services restart; a second
run changes nothing."""
from __future__ import annotations

import io
import re
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from app.migrations import MIGRATIONS
from tests.conftest import make_test_app
from tests.pi.pi_support import (
    ADMIN, CHECKOUT, NICE, ROOT, PiBrowser, emulated_pi, fetch_ca, install, wait_healthy)

USB = "/media/usb-backup/kituo"


def previous_release() -> str:
    """The last tag; without tags, the parent of the newest commit that
    added a schema step (an upgrade that applies no migration proves
    little); HEAD^ only in a clone without that history."""
    tags = subprocess.run(["git", "describe", "--tags", "--abbrev=0", "HEAD^"], cwd=ROOT,
                          capture_output=True, text=True)
    if tags.returncode == 0 and tags.stdout.strip():
        return tags.stdout.strip()
    newest_step = subprocess.run(
        ["git", "log", "-1", "--format=%H", "-G@migration\\(", "HEAD", "--",
         "app/migrations.py", "app/*/migrations.py"],
        cwd=ROOT, capture_output=True, text=True).stdout.strip()
    if newest_step:
        parent = subprocess.run(["git", "rev-parse", "--verify", "-q", f"{newest_step}^"],
                                cwd=ROOT, capture_output=True, text=True).stdout.strip()
        if parent:
            return parent
    return "HEAD^"


def export_revision(revision: str, folder: Path) -> list[Path]:
    """The files of `revision`, as a release tarball or a checkout has them."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=ROOT,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="tar")
        return [Path(m.name) for m in tar.getmembers() if m.isfile()]


def schema_versions(pi) -> set[int]:
    out = pi.run("sqlite3", "/var/lib/kituo/kituo.db", "SELECT version FROM schema_version").stdout
    return {int(v) for v in out.split()}


def main_pids(pi) -> dict[str, str]:
    return {unit: pi.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
            for unit in ("kituo-web", "kituo-worker")}


def database_rows(pi) -> str:
    return pi.run("sqlite3", "/var/lib/kituo/kituo.db",
                  "SELECT id, code, preferred_name FROM member ORDER BY id").stdout


@pytest.fixture(scope="module")
def upgraded(pi_image, tmp_path_factory):
    folder = tmp_path_factory.mktemp("upgrade")
    revision = previous_release()
    old = folder / "previous"
    old_files = export_revision(revision, old)
    with emulated_pi.Pi(pi_image, nice=NICE) as pi:
        pi.boot()
        install(pi, old, old_files)
        ca = fetch_ca(pi, folder)
        pi.run("sudo", "kituo", "create-user", ADMIN[0], "--role", "admin", user="pi",
               input=f"{ADMIN[1]}\n{ADMIN[1]}\n")
        browser = PiBrowser(ca)
        browser.sign_in(*ADMIN)
        for name in ("Upgrade One", "Upgrade Two", "Upgrade Three"):
            response, _ = browser.submit("/members/new", preferred_name=name, language="sw",
                                         joined_on=time.strftime("%Y-%m-%d"),
                                         gender="undisclosed")
            assert response.status == 303, response.status
        # Backups go to a USB folder, as the README sets them up: upgrade.sh
        # backs up before it changes anything.
        key = folder / "key.txt"
        made = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True,
                              check=True)
        public = re.search(r"age1\w+", made.stderr + made.stdout).group(0)
        pi.sh(f"""echo '{public}' >> /etc/kituo/backup-recipients.txt
            install -d -o kituo -g kituo -m 700 {USB}
            sed -i 's|^KITUO_BACKUP_DESTINATIONS=.*|KITUO_BACKUP_DESTINATIONS={USB}|' /etc/kituo/kituo.env
            systemctl restart kituo-web kituo-worker""")
        before = {"rows": database_rows(pi), "versions": schema_versions(pi),
                  "pids": main_pids(pi), "revision": revision}

        # `git pull`: the checkout becomes this one (files gone upstream go).
        pi.run("rm", "-rf", CHECKOUT)
        pi.copy_in(emulated_pi.checkout_files(ROOT), ROOT, CHECKOUT)
        started = time.monotonic()
        first = pi.run("sudo", "deploy/pi/upgrade.sh", user="pi", cwd=CHECKOUT, timeout=1800,
                       check=False)
        took = time.monotonic() - started
        print(f"\n[emulated pi] upgrade from {revision} took {took:.0f} s")
        yield {"pi": pi, "ca": ca, "before": before, "first": first, "folder": folder}


def test_upgrade_applies_migrations_and_keeps_the_data(upgraded, tmp_path):
    pi, before, first = upgraded["pi"], upgraded["before"], upgraded["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Kituo is running" in first.stdout
    make_test_app(tmp_path)                 # this checkout's modules register their steps
    wanted = {step.version for step in MIGRATIONS}
    assert wanted - before["versions"], f"{before['revision']} already had every schema step"
    assert schema_versions(pi) >= wanted, wanted - schema_versions(pi)
    assert database_rows(pi) == before["rows"]
    assert "Upgrade Three" in before["rows"]
    assert pi.path("/var/lib/kituo/pre-upgrade.db").exists()
    assert len(list(pi.path(USB).glob("kituo-*.tar.gz.age"))) == 1     # taken before


def test_services_restarted_and_answer(upgraded):
    pi, before = upgraded["pi"], upgraded["before"]
    after = main_pids(pi)
    for unit, pid in after.items():
        assert pid not in ("0", before["pids"][unit]), (unit, pid)
    wait_healthy(pi)
    browser = PiBrowser(upgraded["ca"])
    browser.sign_in(*ADMIN)
    response, body = browser.request("GET", "/members/")
    assert response.status == 200 and b"Upgrade Two" in body


def test_a_second_run_changes_nothing(upgraded):
    pi = upgraded["pi"]
    pids, rows = main_pids(pi), database_rows(pi)
    backups = sorted(p.name for p in pi.path(USB).iterdir())
    again = pi.run("sudo", "deploy/pi/upgrade.sh", user="pi", cwd=CHECKOUT, timeout=900)
    assert "already at this version: nothing to do" in again.stdout, again.stdout
    assert main_pids(pi) == pids
    assert database_rows(pi) == rows
    assert sorted(p.name for p in pi.path(USB).iterdir()) == backups
    install_again = pi.run("sudo", "deploy/pi/install.sh", user="pi", cwd=CHECKOUT, timeout=900)
    assert "Nothing changed" in install_again.stdout
