"""A fresh Pi, as a person sets it up from the README: the checkout copied
to /home/pi/kituo, `sudo deploy/pi/install.sh`, the first administrator,
backups; then a reboot and a power cut. One booted Pi for the module; the
tests run in order and each leaves the Pi as the next one expects."""
from __future__ import annotations

import json
import re
import subprocess
import threading
import time

import pytest
from bs4 import BeautifulSoup

from tests.pi.pi_support import (
    ADMIN, CHECKOUT, HOST, NICE, ROOT, PiBrowser, emulated_pi, fetch_ca, install, wait_healthy)

UNITS = ("kituo-web", "kituo-worker", "nginx")
USB = "/media/usb-backup/kituo"


@pytest.fixture(scope="module")
def pi(pi_image, tmp_path_factory):
    with emulated_pi.Pi(pi_image, nice=NICE) as machine:
        machine.boot_seconds = machine.boot()
        machine.host_folder = tmp_path_factory.mktemp("pi")
        started = time.monotonic()
        machine.install_output = install(machine, ROOT)
        machine.install_seconds = time.monotonic() - started
        print(f"\n[emulated pi] booted in {machine.boot_seconds:.0f} s, "
              f"install.sh took {machine.install_seconds:.0f} s")
        yield machine


@pytest.fixture(scope="module")
def ca(pi):
    return fetch_ca(pi, pi.host_folder)


@pytest.fixture(scope="module")
def admin(pi, ca):
    """The first administrator, exactly as the README says."""
    done = pi.run("sudo", "kituo", "create-user", ADMIN[0], "--role", "admin", "--name",
                  "Amina Wanjiru", user="pi", input=f"{ADMIN[1]}\n{ADMIN[1]}\n")
    assert f"created {ADMIN[0]} (admin)" in done.stdout
    browser = PiBrowser(ca)
    browser.sign_in(*ADMIN)
    return browser


def test_install_reports_what_it_did_and_a_second_run_changes_nothing(pi):
    assert "Kituo is installed: https://kituo.local/" in pi.install_output
    assert "sudo kituo create-user" in pi.install_output
    again = pi.run("sudo", "deploy/pi/install.sh", user="pi", cwd=CHECKOUT, timeout=900)
    assert "Nothing changed" in again.stdout, again.stdout + again.stderr
    env = pi.path("/etc/kituo/kituo.env").read_text()
    assert "KITUO_HOSTNAME=kituo.local" in env
    assert pi.run("hostname").stdout.strip() == "kituo"


def test_web_worker_and_nginx_are_active_and_enabled(pi):
    for unit in UNITS:
        assert pi.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", \
            pi.journal(unit)
        assert pi.run("systemctl", "is-enabled", unit, check=False).stdout.strip() == "enabled"
    failed = pi.run("systemctl", "--failed", "--no-legend", "--plain").stdout.strip()
    assert failed == "", failed
    # gunicorn as the service user, on the socket only nginx may reach.
    socket_line = pi.run("stat", "-c", "%U:%G %a", "/run/kituo/web.sock").stdout.strip()
    assert socket_line == "kituo:kituo 770"


def test_https_with_the_generated_certificate_and_http_redirects(pi, ca):
    response, body = PiBrowser(ca).request("GET", "/login")
    assert response.status == 200 and b"csrf_token" in body
    assert "max-age" in response.getheader("Strict-Transport-Security", "")
    plain = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                            "-H", f"Host: {HOST}", "http://127.0.0.1/members/?q=x"],
                           capture_output=True, text=True, check=True)
    assert plain.stdout == f"301 https://{HOST}/members/?q=x"
    # Another host name gets no answer (#10 item 19).
    other = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-k",
                            "-H", "Host: evil.example", "https://127.0.0.1/login"],
                           capture_output=True, text=True)
    assert other.stdout == "000" and other.returncode != 0


def test_healthz_is_ok(pi):
    health = wait_healthy(pi)
    assert health["db"] == "ok", health


def test_first_administrator_signs_in(admin):
    response, body = admin.request("GET", "/admin/users")
    assert response.status == 200
    assert ADMIN[0] in BeautifulSoup(body, "html.parser").get_text()


def _wait_for_job(browser, location, timeout=300) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        response, body = browser.request("GET", location)
        assert response.status == 200, response.status
        link = BeautifulSoup(body, "html.parser").select_one(f'a[href="{location}/download"]')
        if link:
            response, pdf = browser.request("GET", f"{location}/download")
            assert response.status == 200
            return pdf
        assert b"failed" not in body.lower(), body[:2000]
        assert time.monotonic() < deadline, "the worker did not finish the PDF"
        time.sleep(2)


def test_the_worker_renders_a_pdf(pi, admin):
    response, _ = admin.submit("/admin/users/new", username="wanjiku", display_name="Wanjiku",
                               language="sw", roles="coordinator")
    assert response.status == 303, response.status
    user_page = response.getheader("Location")
    response, _ = admin.submit(f"{user_page}/setup-slip", form_path=user_page)
    assert response.status == 303
    job = response.getheader("Location")
    assert job.startswith("/jobs/")
    pdf = _wait_for_job(admin, job)
    assert pdf.startswith(b"%PDF")
    (pi.host_folder / "setup-slip.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(pi.host_folder / "setup-slip.pdf"), "-"],
                          capture_output=True, text=True).stdout
    assert "wanjiku" in text


def test_backup_to_a_local_folder_restores_with_stock_age_and_sqlite3(pi, admin):
    """The README's backup steps with a test key: the private key stays on
    this machine until the restore, like a key stick brought to the Pi."""
    key = pi.host_folder / "kituo-backup-key.txt"
    done = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True,
                          check=True)
    public = re.search(r"age1\w+", done.stderr + done.stdout).group(0)
    pi.sh(f"""
        echo '{public}' >> /etc/kituo/backup-recipients.txt
        install -d -o kituo -g kituo -m 700 {USB}
        sed -i 's|^KITUO_BACKUP_DESTINATIONS=.*|KITUO_BACKUP_DESTINATIONS={USB}|' /etc/kituo/kituo.env
        systemctl restart kituo-web kituo-worker
    """)
    backup = pi.run("sudo", "kituo", "backup", "run", user="pi", timeout=900)
    status = pi.run("sudo", "kituo", "backup", "status", user="pi").stdout
    assert "ok" in (backup.stdout + status).lower(), backup.stdout + backup.stderr + status
    archives = sorted(pi.path(USB).glob("kituo-*.tar.gz.age"))
    assert len(archives) == 1, list(pi.path(USB).iterdir())
    name = archives[0].name
    pi.path("/root/key.txt").write_text(key.read_text())
    restore = pi.sh(f"""
        cd {USB}
        sha256sum -c {name}.sha256
        mkdir -p /root/restored
        age -d -i /root/key.txt {name} | tar -xzf - -C /root/restored
        sqlite3 /root/restored/kituo.db 'PRAGMA integrity_check'
        sqlite3 /root/restored/kituo.db "SELECT username FROM user ORDER BY id"
        sha256sum /root/restored/kituo.db
        cat /root/restored/manifest.json
    """, timeout=600)
    lines = restore.stdout.splitlines()
    assert f"{name}: OK" in lines and "ok" in lines and ADMIN[0] in lines and "wanjiku" in lines
    manifest = json.loads(restore.stdout[restore.stdout.index("{"):])
    assert manifest["database_sha256"] in restore.stdout.replace(json.dumps(manifest), "")
    pi.sh("shred -u /root/key.txt; rm -rf /root/restored")


def test_access_logs_hold_no_query_strings_and_no_feed_tokens(pi, ca):
    """#10 item 17 on the Pi: nginx's log and gunicorn's (the journal)."""
    pi.run("sudo", "kituo", "create-user", "baraka", "--role", "counsellor", user="pi",
           input="counsellor passphrase 1\ncounsellor passphrase 1\n")
    counsellor = PiBrowser(ca)
    counsellor.sign_in("baraka", "counsellor passphrase 1")
    _response, page = counsellor.submit("/me/calendar/new", form_path="/me/calendar")
    url = BeautifulSoup(page, "html.parser").select_one("#feed-url")["value"]
    assert url.startswith(f"https://{HOST}/calendar/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    response, body = PiBrowser(ca).request("GET", url.removeprefix(f"https://{HOST}"))
    assert response.status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    counsellor.request("GET", "/members/?q=Wanjiru+Secret")
    time.sleep(2)
    nginx_log = pi.path("/var/log/nginx/access.log").read_text()
    gunicorn_log = pi.run("journalctl", "-u", "kituo-web", "--no-pager", "-o", "cat").stdout
    for name, text in (("nginx", nginx_log), ("gunicorn", gunicorn_log)):
        assert "/calendar/[token].ics" in text, name
        assert token not in text, name
        assert "Secret" not in text and "?q=" not in text, name


def test_memory_fits_a_pi_3b(pi, admin, ca):
    """After sign-ins on every worker and a warm-up, the summed PSS of
    nginx, gunicorn's master and workers and the huey consumer stays within
    160 MB (a Pi 3B has 1 GB), and the whole system within 1 GB."""
    for _ in range(2):
        threads = [threading.Thread(target=lambda: PiBrowser(ca).sign_in(*ADMIN))
                   for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    for path in ("/", "/admin/users", "/members/", "/admin/backups/", "/counselling/slots"):
        for _ in range(3):
            admin.request("GET", path)
    time.sleep(3)
    rows = emulated_pi.service_memory(pi)
    app_kb = sum(own for _unit, _pid, own, _emulator in rows)
    with_emulator = sum(own + emulator for _unit, _pid, own, emulator in rows)
    everything = emulated_pi.system_memory_kb(pi)
    report = "\n".join(f"    {unit:<13} pid {pid:<7} PSS {own / 1024:6.1f} MB "
                       f"(+ emulator {emulator / 1024:5.1f} MB)" for unit, pid, own, emulator in rows)
    print(f"\n[emulated pi] memory:\n{report}\n    Kituo + nginx: {app_kb / 1024:.1f} MB without "
          f"the emulator ({with_emulator / 1024:.1f} MB with it); whole system "
          f"{everything / 1024:.1f} MB with the emulator")
    (pi.host_folder / "memory.txt").write_text(report)
    assert len([r for r in rows if r[0] == "kituo-web"]) >= 3     # master + 2 workers
    assert len([r for r in rows if r[0] == "nginx"]) == 2, report   # master + 1 worker
    assert app_kb <= 160 * 1024, report
    assert everything <= 1024 * 1024, report


def test_reboot_brings_everything_back_with_the_data(pi, ca):
    took = pi.shutdown(reboot=True)
    print(f"\n[emulated pi] clean reboot took {took:.0f} s")
    for unit in UNITS:
        assert pi.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", \
            pi.journal(unit)
    wait_healthy(pi)
    browser = PiBrowser(ca)
    browser.sign_in(*ADMIN)
    _response, body = browser.request("GET", "/admin/users")
    assert b"wanjiku" in body
    assert len(list(pi.path(USB).glob("kituo-*.tar.gz.age"))) == 1


class Writer:
    """Registers members through the web, as fast as the Pi answers, and
    remembers every registration the Pi acknowledged (a 303 to the new
    member's page)."""

    def __init__(self, ca):
        self.browser = PiBrowser(ca)
        self.browser.sign_in(*ADMIN)
        self.acknowledged: list[int] = []
        self.errors = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.write, daemon=True)

    def write(self):
        number = 0
        form = self.browser.form("/members/new")
        while not self.stop.is_set():
            number += 1
            try:
                response, _ = self.browser.request("POST", "/members/new", dict(
                    form, preferred_name=f"Cut {number}", gender="undisclosed"), timeout=30)
            except OSError:
                self.errors += 1
                time.sleep(0.2)
                continue
            location = response.getheader("Location") or ""
            match = re.fullmatch(r"/members/(\d+)", location)
            if response.status == 303 and match:
                self.acknowledged.append(int(match.group(1)))
            else:
                self.errors += 1


def test_power_cut_while_writing(pi, ca):
    """SIGKILL to the whole Pi while members are being registered; after
    the next boot the services are back by themselves, every acknowledged
    registration is there, the database is sound, the missed backup
    catches up and the clock is seen as right."""
    # The night's backup was missed: the last success is two days old.
    pi.sh("""systemctl stop kituo-worker
        sqlite3 /var/lib/kituo/kituo.db "UPDATE backup_run SET started_at = datetime(started_at, '-2 days'),
            finished_at = datetime(finished_at, '-2 days'); UPDATE destination_result SET
            finished_at = datetime(finished_at, '-2 days')"
        systemctl start kituo-worker""")
    writer = Writer(ca)
    writer.thread.start()
    deadline = time.monotonic() + 120
    while len(writer.acknowledged) < 10 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(writer.acknowledged) >= 10, f"{writer.errors} errors"
    pi.power_cut()
    writer.stop.set()
    writer.thread.join(60)
    acknowledged = list(writer.acknowledged)

    pi.boot()
    for unit in UNITS:
        assert pi.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", \
            pi.journal(unit)
    wait_healthy(pi)
    check = pi.run("sqlite3", "/var/lib/kituo/kituo.db", "PRAGMA integrity_check").stdout.strip()
    assert check == "ok"
    stored = {int(x) for x in pi.run("sqlite3", "/var/lib/kituo/kituo.db",
                                     "SELECT id FROM member").stdout.split()}
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"acknowledged but lost after the power cut: {missing}"
    print(f"\n[emulated pi] power cut: {len(acknowledged)} acknowledged registrations, all kept")

    # The clock: the container runs on this machine's clock, which is right.
    browser = PiBrowser(ca)
    browser.sign_in(*ADMIN)
    response, body = browser.request("GET", "/admin/backups/")
    assert response.status == 200
    assert b"clock is wrong" not in body and b"clock is behind" not in body

    # The missed backup catches up (the worker checks every 10 minutes).
    deadline = time.monotonic() + 11 * 60
    while len(list(pi.path(USB).glob("kituo-*.tar.gz.age"))) < 2:
        assert time.monotonic() < deadline, pi.journal("kituo-worker")
        time.sleep(5)
    # The archive is on the drive before the run records the place as
    # reached (checksum verified): /healthz says "ok" once it has.
    while (health := wait_healthy(pi)).get("backup") != "ok":
        assert time.monotonic() < deadline, health
        time.sleep(5)
