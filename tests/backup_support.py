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
