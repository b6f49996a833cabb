"""`scripts/bench --pi`: Kituo's key pages on the emulated Raspberry Pi.

A fresh emulated Pi (scripts/emulated_pi.py: Debian bookworm arm64 under
qemu-user, systemd-nspawn) gets Kituo from this checkout through
deploy/pi/install.sh, exactly as the Pi tier installs it. Then:

 1. Demo data: `seed-demo --members N --seed 1` (default 20,000) runs on
    this machine with the project's .venv (the same code; under emulation
    it would take most of an hour) and the database is copied into
    /var/lib/kituo with the services stopped; starting them checks the
    schema.
 2. Pages: the key pages of scripts/bench (the app registry's bench_pages,
    resolved against that database), each signed in as its role through
    the real /login form, requested through nginx over https
    (https://kituo.local on 127.0.0.1:443, TLS and keep-alive as a browser
    does) at 1, 4 and 8 concurrent connections for --seconds each:
    requests/s, p50 and p95.
 3. The nightly backup at that size: "Back up now" through the web (the
    worker runs it, with its unit's CPU weight) to a local folder with a
    test age key; its wall time, and every page's p95 at 4 connections
    while it runs, against the quiet p95.
 4. Memory (PSS) of nginx, gunicorn and huey after the run, the
    emulator's own share left out (as the Pi tier measures it).

The load generator runs on this machine, outside the Pi, like the phones
would; it shares this machine's CPUs with the emulated Pi. Figures are
"emulated arm64, about 7x slower than native here": a cautious stand-in
for a Pi 4, see the README. A measurement, not a test: it exits 0 unless
the bench itself broke. Needs root.
"""
from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import emulated_pi  # noqa: E402


def _load_bench():
    """scripts/bench (a file without .py) as a module, for its helpers."""
    if "kituo_bench" in sys.modules:
        return sys.modules["kituo_bench"]
    loader = importlib.machinery.SourceFileLoader("kituo_bench", str(ROOT / "scripts" / "bench"))
    spec = importlib.util.spec_from_loader("kituo_bench", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kituo_bench"] = module
    loader.exec_module(module)
    return module


bench = _load_bench()

LEVELS = (1, 4, 8)
GOAL_P95_MS = 300.0          # every key page at 4 connections
GOAL_MEMBER_P95_MS = 200.0   # member-facing pages
GOAL_BACKUP_SECONDS = 300.0
GOAL_BACKUP_SLOWDOWN = 2.0
MEMBER_ROLES = {"member"}
USB = "/media/usb-backup/kituo"


@dataclass
class Load:
    connections: int
    rps: float = math.nan
    p50: float = math.nan
    p95: float = math.nan
    requests: int = 0
    errors: int = 0


@dataclass
class Page:
    name: str
    role: str
    path: str
    problem: str = ""
    loads: dict[int, Load] = field(default_factory=dict)
    during_backup: Load | None = None


def log(text: str) -> None:
    print(f"[bench --pi] {text}", file=sys.stderr, flush=True)


class Session:
    """A signed-in browser on https://kituo.local (cookies by hand)."""

    def __init__(self, context):
        self.context = context
        self.cookies: dict[str, str] = {}

    def connection(self, timeout=60):
        return emulated_pi.NamedHTTPSConnection(emulated_pi.PI_HOST, context=self.context,
                                                timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        conn = self.connection()
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = self.cookie_header()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response, data

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def post_form(self, path, form_path, **fields):
        _response, page = self.request("GET", form_path)
        token = bench.csrf_token_from(page.decode("utf-8", "replace"))
        body = urllib.parse.urlencode(dict(fields, csrf_token=token))
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{emulated_pi.PI_HOST}{form_path}"})

    def login(self, username, password) -> str | None:
        response, _ = self.post_form("/login", "/login", username=username, password=password)
        location = response.getheader("Location") or ""
        if response.status != 303 or location.startswith("/login"):
            return f"sign-in as {username} answered {response.status} {location}"
        return None


def run_load(context, path, cookie, seconds, connections) -> Load:
    """`connections` threads, each one keep-alive TLS connection, until the
    deadline; latencies from request sent to body read."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker(index):
        conn = None
        while time.monotonic() < deadline:
            try:
                if conn is None:
                    conn = emulated_pi.NamedHTTPSConnection(emulated_pi.PI_HOST, context=context,
                                                            timeout=30)
                began = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                latencies[index].append((time.perf_counter() - began) * 1000)
                if response.status != 200:
                    errors[index] += 1
                if response.will_close:
                    conn.close()
                    conn = None
            except OSError:
                errors[index] += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    every = [value for bucket in latencies for value in bucket]
    return Load(connections, len(every) / elapsed if elapsed else math.nan,
                bench.percentile(every, 50), bench.percentile(every, 95), len(every), sum(errors))


class PiBench:
    def __init__(self, options):
        self.options = options
        self.tmp = Path(tempfile.mkdtemp(prefix="kituo-bench-pi-"))
        self.pages: list[Page] = []
        self.backup_seconds = math.nan
        self.backup_bytes = 0
        self.backup_status = ""
        self.memory: list[tuple[str, int, int, int]] = []
        self.timings: dict[str, float] = {}

    # -- data, made on this machine -------------------------------------------------
    def seed(self) -> Path:
        instance = self.tmp / "instance"
        instance.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITUO_")}
        env["KITUO_INSTANCE"] = str(instance)
        flask = [str(ROOT / ".venv/bin/flask"), "--app", "app"]
        began = time.monotonic()
        subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(flask + ["seed-demo", "--members", str(self.options.members), "--seed", "1"],
                       cwd=ROOT, env=env, check=True, capture_output=True, timeout=3600)
        self.timings["seed-demo on this machine"] = time.monotonic() - began
        listing = subprocess.run([str(ROOT / ".venv/bin/python"), str(ROOT / "scripts/bench"),
                                  "--list-pages"], cwd=ROOT, env=env, check=True,
                                 capture_output=True, text=True).stdout
        line = [l for l in listing.splitlines() if l.startswith(bench.PAGES_MARKER)][-1]
        for item in json.loads(line[len(bench.PAGES_MARKER):]):
            self.pages.append(Page(item["name"], item["role"], item.get("path", ""),
                                   item.get("error", "")))
        self.logins = bench.parse_demo_logins((instance / "demo-logins.txt").read_text())
        return instance / "kituo.db"

    def put_database(self, pi, database: Path) -> None:
        pi.run("systemctl", "stop", "kituo-worker", "kituo-web")
        pi.sh("rm -f /var/lib/kituo/kituo.db /var/lib/kituo/kituo.db-wal /var/lib/kituo/kituo.db-shm")
        shutil.copy(database, pi.path("/var/lib/kituo/kituo.db"))
        pi.sh("chown kituo:kituo /var/lib/kituo/kituo.db && chmod 600 /var/lib/kituo/kituo.db")
        pi.run("systemctl", "start", "kituo-web", "kituo-worker", timeout=900)

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> None:
        database = self.seed()
        log(f"seeded {self.options.members:,} members here in "
            f"{self.timings['seed-demo on this machine']:.0f} s; {len(self.pages)} key pages")
        with emulated_pi.Pi() as pi:
            self.timings["boot"] = pi.boot()
            began = time.monotonic()
            pi.copy_in(emulated_pi.checkout_files(ROOT), ROOT, "/home/pi/kituo")
            pi.run("sudo", "deploy/pi/install.sh", user="pi", cwd="/home/pi/kituo", timeout=3600)
            self.timings["install.sh"] = time.monotonic() - began
            log(f"installed in {self.timings['install.sh']:.0f} s")
            self.put_database(pi, database)
            ca = self.tmp / "ca.crt"
            shutil.copy(pi.path("/etc/kituo/tls/ca.crt"), ca)
            import ssl
            context = ssl.create_default_context(cafile=str(ca))
            emulated_pi.wait_for_https(context)
            sessions = self.sign_in(context)
            self.measure_pages(context, sessions)
            self.measure_backup(pi, context, sessions)
            self.memory = emulated_pi.service_memory(pi)

    def sign_in(self, context) -> dict[str, Session]:
        sessions: dict[str, Session] = {}
        for page in self.pages:
            if page.problem or page.role in sessions:
                continue
            if page.role not in self.logins:
                page.problem = f"no demo login for {page.role}"
                continue
            session = Session(context)
            problem = session.login(*self.logins[page.role])
            if problem:
                page.problem = problem
            else:
                sessions[page.role] = session
        # Every gunicorn worker has hashed a password (argon2's memory stays).
        username, password = self.logins["admin"]
        threads = [threading.Thread(target=lambda: Session(context).login(username, password))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        return sessions

    def measure_pages(self, context, sessions) -> None:
        for page in self.pages:
            if page.problem:
                continue
            if page.role not in sessions:
                page.problem = page.problem or f"not signed in as {page.role}"
                continue
            cookie = sessions[page.role].cookie_header()
            warm = run_load(context, page.path, cookie, self.options.warmup, 2)
            if warm.requests == 0 or warm.errors:
                page.problem = f"warm-up: {warm.errors} errors of {warm.requests}"
                continue
            for level in LEVELS:
                log(f"{page.name} ({page.path}) at {level} connections")
                page.loads[level] = run_load(context, page.path, cookie, self.options.seconds, level)

    def measure_backup(self, pi, context, sessions) -> None:
        key = self.tmp / "key.txt"
        made = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True,
                              check=True)
        public = re.search(r"age1\w+", made.stderr + made.stdout).group(0)
        pi.sh(f"""echo '{public}' >> /etc/kituo/backup-recipients.txt
            install -d -o kituo -g kituo -m 700 {USB}
            sed -i 's|^KITUO_BACKUP_DESTINATIONS=.*|KITUO_BACKUP_DESTINATIONS={USB}|' /etc/kituo/kituo.env
            systemctl restart kituo-web kituo-worker""", timeout=900)
        emulated_pi.wait_for_https(context)
        admin = Session(context)
        admin.login(*self.logins["admin"])
        for role, session in list(sessions.items()):     # sessions survive restarts (server-side)
            sessions[role] = session
        before = len(list(pi.path(USB).glob("*.age")))
        response, _ = admin.post_form("/admin/backups/run", "/admin/backups/")
        started = time.monotonic()
        if response.status != 303:
            self.backup_status = f"Back up now answered {response.status}"
            return
        done = threading.Event()

        def watch():
            while not done.is_set():
                runs = pi.run("sqlite3", "/var/lib/kituo/kituo.db",
                              "SELECT status, finished_at IS NOT NULL FROM backup_run "
                              "ORDER BY id DESC LIMIT 1", check=False).stdout.strip()
                if runs.endswith("|1"):
                    self.backup_seconds = time.monotonic() - started
                    self.backup_status = runs.split("|")[0]
                    done.set()
                    return
                if time.monotonic() - started > 3600:
                    self.backup_status = "still running after an hour"
                    done.set()
                    return
                time.sleep(2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        measurable = [p for p in self.pages if not p.problem and p.loads]
        while not done.is_set():
            for page in measurable:
                if done.is_set():
                    break
                cookie = sessions[page.role].cookie_header()
                run = run_load(context, page.path, cookie, min(5, self.options.seconds), 4)
                if page.during_backup is None:
                    page.during_backup = run
                else:                       # merge: keep the worst p95 seen
                    page.during_backup.p95 = max(page.during_backup.p95, run.p95)
                    page.during_backup.requests += run.requests
                    page.during_backup.errors += run.errors
        watcher.join(60)
        archives = sorted(pi.path(USB).glob("*.age"))
        if len(archives) > before:
            self.backup_bytes = archives[-1].stat().st_size

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def mark(value: float, limit: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    return "PASS" if value <= limit else "MISS"


def report(result: PiBench, markdown: bool) -> None:
    o = result.options
    print()
    print(f"Kituo on the emulated Pi (emulated arm64, about 7x slower than native here): "
          f"{o.members:,} members, {o.seconds} s per level, client on this machine "
          f"({os.cpu_count()} CPUs shared with the emulated Pi)")
    print("timings: " + ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items()))
    print()
    if markdown:
        print("| page | role | 1 conn p50 / p95 ms, req/s | 4 conn p50 / p95 ms, req/s | "
              "8 conn p50 / p95 ms, req/s | p95 during backup |")
        print("|---|---|---|---|---|---|")
    else:
        print(f"{'page':<24} {'role':<12}" + "".join(f" {f'{n} conn p50/p95 ms, req/s':>30}"
                                                    for n in LEVELS) + f" {'backup p95':>11}")
    for page in result.pages:
        if page.problem:
            print(f"{page.name:<24} {page.role:<12} ERROR: {page.problem}")
            continue
        cells = []
        for level in LEVELS:
            load = page.loads.get(level)
            cells.append("-" if load is None else
                         f"{bench.fmt(load.p50, 0)} / {bench.fmt(load.p95, 0)}, {bench.fmt(load.rps, 1)}"
                         + (f" ({load.errors} errors)" if load.errors else ""))
        during = page.during_backup
        during_text = "-" if during is None else f"{bench.fmt(during.p95, 0)}"
        if markdown:
            print(f"| {page.name} | {page.role} | " + " | ".join(cells) + f" | {during_text} |")
        else:
            print(f"{page.name:<24} {page.role:<12}" + "".join(f" {c:>30}" for c in cells)
                  + f" {during_text:>11}")
    print()
    goals = []
    for page in result.pages:
        load = page.loads.get(4)
        if not load:
            continue
        limit = GOAL_MEMBER_P95_MS if page.role in MEMBER_ROLES else GOAL_P95_MS
        goals.append(f"    {page.name:<24} p95 at 4 connections {bench.fmt(load.p95, 0):>6} ms "
                     f"(goal {limit:.0f}) {mark(load.p95, limit)}")
        if page.during_backup:
            ratio = page.during_backup.p95 / load.p95 if load.p95 else math.nan
            goals[-1] += (f"; during the backup {bench.fmt(page.during_backup.p95, 0)} ms, "
                          f"x{bench.fmt(ratio, 2)} (goal 2) {mark(ratio, GOAL_BACKUP_SLOWDOWN)}")
    print("goals:")
    print("\n".join(goals))
    print(f"    nightly backup at {o.members:,} members: {bench.fmt(result.backup_seconds, 0)} s "
          f"(goal {GOAL_BACKUP_SECONDS:.0f}) {mark(result.backup_seconds, GOAL_BACKUP_SECONDS)}, "
          f"{result.backup_status}, archive {result.backup_bytes / 1e6:.1f} MB")
    if result.memory:
        units: dict[str, int] = {}
        for unit, _pid, own, _emulator in result.memory:
            units[unit] = units.get(unit, 0) + own
        total = sum(units.values())
        print("    memory after the run (PSS without the emulator): "
              + ", ".join(f"{unit} {kb / 1024:.1f} MB" for unit, kb in units.items())
              + f"; total {total / 1024:.1f} MB (goal 160) {mark(total / 1024, 160)}")
    print("A measurement, not a test.")


def main(argv) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench --pi", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pi", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--markdown", action="store_true", help="the page table as markdown")
    options = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("bench --pi needs root (systemd-nspawn)", file=sys.stderr)
        return 1
    result = PiBench(options)
    try:
        result.run()
    except (emulated_pi.PiError, subprocess.CalledProcessError) as error:
        print(f"bench --pi broke: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nbench --pi interrupted; the emulated Pi is stopped", file=sys.stderr)
        return 130
    finally:
        result.cleanup()
    report(result, options.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
