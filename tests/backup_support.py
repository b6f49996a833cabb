"""Helpers for the backup tests: keys, an app configured for backups,
Debian tools the tests need, loopback servers."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from pyrage import x25519

from app.db import db
from tests.conftest import make_test_app

ROOT = Path(__file__).resolve().parent.parent


def require_tools(*names: str) -> None:
    """These tests need Debian packages that scripts/ensure-test-packages
    installs (make test runs it); fail with that hint rather than skip."""
    missing = [n for n in names if shutil.which(n) is None
               and not Path(f"/usr/sbin/{n}").exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/ensure-test-packages")


def write_identity(path: Path) -> str:
    """An age key file like age-keygen writes; returns the public key."""
    identity = x25519.Identity.generate()
    public = str(identity.to_public())
    path.write_text(f"# created: test\n# public key: {public}\n{identity}\n")
    path.chmod(0o600)
    return public


def backup_app(tmp_path: Path, destinations=(), **overrides):
    """An app that backs up to `destinations`; the local folders among them
    are prepared as drives of their own (the marker file), since a test's
    folders share the disk of its instance."""
    for destination in destinations:
        if str(destination).startswith("/"):
            prepare_drive(Path(destination))
    key = tmp_path / "backup-key.txt"
    public = write_identity(key)
    config = {
        "BACKUP_RECIPIENTS": public,
        "BACKUP_DESTINATIONS": ";".join(str(d) for d in destinations),
        "BACKUP_RCLONE_CONFIG": str(tmp_path / "rclone.conf"),
        "BACKUP_DIR": str(tmp_path / "work"),
        "BACKUP_RETRY_SECONDS": 0.01,
        "BACKUP_ATTEMPTS": 3,
    }
    config.update(overrides)
    (tmp_path / "rclone.conf").touch()
    app = make_test_app(tmp_path, **config)
    app.backup_key = key
    return app


@contextlib.contextmanager
def connected(app):
    with app.app_context(), app.test_request_context(), db.connection_context():
        yield


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class WebdavServer:
    """`rclone serve webdav` on loopback, started and stopped by the test."""

    def __init__(self, root: Path, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.process = None

    def start(self) -> "WebdavServer":
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["rclone", "serve", "webdav", "--config", "/dev/null",
             "--addr", f"127.0.0.1:{self.port}", str(self.root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def remote_config(self, name: str = "office") -> str:
        return (f"[{name}]\ntype = webdav\nurl = http://127.0.0.1:{self.port}/\n"
                "vendor = other\n")


# --- real processes on a test instance (crash, restore and disk-full tests) ---

VENV = ROOT / ".venv" / "bin"
MARKER = b"ZEBRA-MARKER-7731"
BACKUP_PLACE_MARKER = ".kituo-backup-place"
# Files of the live instance itself (or its lock) at its top, not copies of it.
LIVE_FILES = {"kituo.db", "kituo.db-wal", "kituo.db-shm", "kituo.db-inuse",
              "huey.db", "huey.db-wal", "huey.db-shm", "secret_key"}


def prepare_drive(folder: Path) -> Path:
    """A backup folder vouched for as a separate drive (the marker file):
    the tests' folders sit on the same disk as their instance."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BACKUP_PLACE_MARKER).write_text("Kituo backups\n")
    return folder


def make_instance(instance: Path):
    """A migrated instance folder, as the Pi's, with a first admin (amina)
    and MARKER in its audit log; made from this process, which neither
    keeps it open nor holds it (HOLD_DATABASE off). Returns the app."""
    from app import audit, create_app
    from app.migrations import upgrade
    from tests.factories import make_user
    instance.mkdir(mode=0o700, exist_ok=True)
    app = create_app({"DATABASE": str(instance / "kituo.db"), "INSTANCE_PATH": str(instance),
                      "SECRET_KEY": "not-used", "HOLD_DATABASE": False})
    with app.app_context():
        upgrade()
        with db.connection_context():
            make_user("admin", username="amina")
            audit.record("test.marker", "thing", 1, MARKER.decode())
    db.close()
    return app


def instance_env(instance: Path, **extra) -> dict:
    """The environment of a Kituo process (web, worker, command line) on a
    test instance."""
    import os
    env = dict(os.environ, PYTHONPATH=str(ROOT), KITUO_INSTANCE=str(instance),
               KITUO_HUEY_DB=str(instance / "huey.db"), KITUO_RCLONE_CONFIG="/dev/null",
               KITUO_BACKUP_RETRY_SECONDS="0.01", KITUO_ACCESS_LOG="/dev/null")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def plaintext_left(root: Path) -> list[Path]:
    """Files under `root`, other than the live database, that hold the
    centre's data unencrypted: a SQLite file, a file with the marker, or a
    gzip stream (whole or cut off) that holds either."""
    import zlib
    found = []
    for path in sorted(root.rglob("*")):
        live = path.parent == root and path.name in LIVE_FILES
        if not path.is_file() or live or path.suffix == ".log":
            continue
        data = path.read_bytes()
        if data.startswith(b"SQLite format 3") or MARKER in data:
            found.append(path)
        elif data[:2] == b"\x1f\x8b":
            try:
                inflated = zlib.decompressobj(wbits=31).decompress(data)
            except zlib.error:
                inflated = b""
            if b"SQLite format 3" in inflated or MARKER in inflated:
                found.append(path)
    return found


def wait_for(condition, timeout: float = 60.0, what: str = "condition", interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def on_a_small_disk(folder: Path, size: str, command: list, env=None, timeout=180,
                    also: tuple = ()):
    """Run `command` with a fresh tmpfs of `size` (e.g. "2M") mounted on
    `folder` (and on each folder of `also`), in a private mount namespace:
    a real small disk that nothing outside the command sees."""
    import os
    require_tools("unshare")
    mounts = [folder, *also]
    for path in mounts:
        path.mkdir(parents=True, exist_ok=True)
    flags = ["-m"] if os.geteuid() == 0 else ["-r", "-m"]
    script = "\n".join([f'mount -t tmpfs -o size={size},mode=0700 tmpfs "{p}" || exit 97'
                        for p in mounts] + ['exec "$@"'])
    return subprocess.run(["unshare", *flags, "sh", "-c", script, "sh", *map(str, command)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
