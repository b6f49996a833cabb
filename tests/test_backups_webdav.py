"""Pushing to a network server: `rclone serve webdav` on loopback, started
by the test, stopped mid-way, then recovering (retry with backoff within a
run, and the next run after a night when the server stayed down)."""
from __future__ import annotations

import pytest

from app.backups import services
from app.backups.models import DestinationResult
from tests.backup_support import WebdavServer, backup_app, connected, require_tools

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)


@pytest.fixture
def server(tmp_path):
    require_tools("rclone")
    server = WebdavServer(tmp_path / "office-server").start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, server):
    app = backup_app(tmp_path, destinations=[str(tmp_path / "usb"), "office:kituo"])
    (tmp_path / "rclone.conf").write_text(server.remote_config("office"))
    return app


def _result(run, destination="office:kituo") -> DestinationResult:
    return DestinationResult.get((DestinationResult.run == run)
                                 & (DestinationResult.destination == destination))


def test_push_to_webdav_is_verified_by_size(app, server):
    with connected(app):
        run = services.run_backup("manual")
        result = _result(run)
    assert run.status == "ok"
    assert result.status == "ok" and result.verified_by == "size"
    uploaded = server.root / "kituo" / run.filename
    assert uploaded.stat().st_size == run.size_bytes
    assert (server.root / "kituo" / (run.filename + ".sha256")).read_text().startswith(run.sha256)


def test_server_stops_mid_way_and_the_retry_recovers(app, server):
    waits = []

    def wait_and_bring_server_back(seconds):
        waits.append(seconds)
        server.start()

    with connected(app):
        services.run_backup("manual")           # a good night first
        server.stop()                           # then the server goes down
        run = services.run_backup("manual", sleep=wait_and_bring_server_back)
        result = _result(run)
    assert run.status == "ok"
    assert result.status == "ok" and result.attempts == 2
    assert waits == [0.01]
    assert (server.root / "kituo" / run.filename).stat().st_size == run.size_bytes


def test_server_down_all_night_then_back(app, server, tmp_path):
    with connected(app):
        first = services.run_backup("manual")
        server.stop()
        down = services.run_backup("manual", sleep=lambda s: None)
        failed = _result(down)
        assert down.status == "partial"
        assert failed.status == "failed" and failed.attempts == 3 and failed.error
        assert DestinationResult.last_success("office:kituo").run_id == first.id
        usb = _result(down, str(tmp_path / "usb"))
        assert usb.status == "ok"

        server.start()
        back = services.run_backup("manual")
        assert back.status == "ok"
        assert DestinationResult.last_success("office:kituo").run_id == back.id
    on_server = sorted(p.name for p in (server.root / "kituo").iterdir())
    assert back.filename in on_server
