"""A backup place that is a folder on this machine counts only when it is
on a drive of its own (or carries the marker file): an unplugged USB drive
must give "USB drive not mounted", never a success on the Pi's own card."""
from __future__ import annotations

import json
import sys

import pytest
from bs4 import BeautifulSoup

from app.backups import services
from app.backups.models import BackupRun, DestinationResult
from tests.backup_support import (BACKUP_PLACE_MARKER, backup_app, connected, on_a_small_disk,
                                  prepare_drive, require_tools)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)


@pytest.fixture
def app(tmp_path):
    require_tools("rclone")
    return backup_app(tmp_path)


def _back_up_to(app, destination) -> BackupRun:
    app.config["BACKUP_DESTINATIONS"] = str(destination)
    with connected(app):
        return services.run_backup("manual")


def test_a_folder_on_the_pis_own_card_is_refused(app, tmp_path):
    unplugged = tmp_path / "media" / "usb" / "kituo"        # nothing mounted there
    run = _back_up_to(app, unplugged)
    assert (run.status, run.error) == ("failed", "all_destinations_failed")
    with connected(app):
        result = DestinationResult.get(DestinationResult.run == run.id)
    assert (result.status, result.error, result.attempts) == ("failed", "usb_not_mounted", 0)
    assert not unplugged.exists()                 # rclone never created it on the card
    from app.backups import places
    assert places.problem("/nonexistent/x/y", {}, tmp_path) == places.NOT_MOUNTED


def test_the_page_says_usb_drive_not_mounted_in_both_languages(app, tmp_path):
    unplugged = tmp_path / "media" / "usb"
    unplugged.mkdir(parents=True)
    _back_up_to(app, unplugged)
    client = app.test_client()
    with connected(app):
        make_user("admin", username="amina")
    client.post("/login", data={"username": "amina", "password": PASSWORD})
    page = BeautifulSoup(client.get("/admin/backups/").data, "html.parser")
    place = page.select_one(".backup-destination").get_text(" ", strip=True)
    assert "USB drive not mounted" in place
    assert "USB drive not mounted" in page.select_one(".backup-runs").get_text()
    client.post("/language", data={"lang": "sw", "next": "/admin/backups/"})
    swahili = BeautifulSoup(client.get("/admin/backups/").data, "html.parser")
    assert "USB drive not mounted" not in swahili.get_text()
    assert "USB" in swahili.select_one(".backup-destination").get_text()


def test_the_marker_on_the_drive_makes_a_folder_a_backup_place(app, tmp_path):
    drive = prepare_drive(tmp_path / "media" / "usb")
    run = _back_up_to(app, drive / "kituo")            # a folder below the marked drive
    assert run.status == "ok"
    assert len(list((drive / "kituo").glob("*.age"))) == 1


def test_local_and_alias_rclone_remotes_are_folders_too(app, tmp_path):
    folder = tmp_path / "media" / "usb"
    folder.mkdir(parents=True)
    (tmp_path / "rclone.conf").write_text(
        f"[usb]\ntype = local\n\n[drive]\ntype = alias\nremote = {folder}\n\n"
        "[office]\ntype = webdav\nurl = http://127.0.0.1:9/\n")
    for destination in (f"usb:{folder}/kituo", "drive:kituo", f":local:{folder}"):
        run = _back_up_to(app, destination)
        with connected(app):
            assert DestinationResult.get(DestinationResult.run == run.id).error == \
                "usb_not_mounted", destination
    (folder / BACKUP_PLACE_MARKER).touch()
    assert _back_up_to(app, "drive:kituo").status == "ok"
    from app.backups import places
    remotes = {"office": {"type": "webdav"}}
    assert places.problem("office:kituo", remotes, tmp_path) is None   # elsewhere: not ours to judge


PROBE = """
import json, sys
from pathlib import Path
from app.backups import places

folder, data = Path(sys.argv[1]), Path(sys.argv[2])
print(json.dumps({"mounted": places.problem(str(folder / "kituo"), {}, data),
                  "the data's own disk": places.problem(str(data / "kituo"), {}, data)}))
"""


def test_a_mounted_drive_is_a_backup_place(tmp_path):
    """A real mount (a small tmpfs in a private mount namespace)."""
    drive, data = tmp_path / "media" / "usb", tmp_path / "data"
    data.mkdir()
    done = on_a_small_disk(drive, "1M", [sys.executable, "-c", PROBE, drive, data])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"mounted": None, "the data's own disk": "usb_not_mounted"}
    from app.backups import places
    assert places.problem(str(drive / "kituo"), {}, data) == "usb_not_mounted"   # unmounted again
