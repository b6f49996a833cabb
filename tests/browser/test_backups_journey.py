"""An administrator on a phone opens Backups, presses "Back up now" and sees
the result; a coordinator sees the red banner when backups are late."""
from __future__ import annotations

import datetime as dt

from app.db import SchemaVersion
from tests.backup_support import prepare_drive, write_identity
from tests.browser.conftest import menu_link, sign_in
from tests.factories import PASSWORD, make_user, shift_time


def test_admin_backs_up_from_a_phone(live_server, phone, shot, tmp_path):
    app = live_server.app
    app.config["BACKUP_RECIPIENTS"] = write_identity(tmp_path / "key.txt")
    app.config["BACKUP_DESTINATIONS"] = str(prepare_drive(tmp_path / "usb"))
    app.config["BACKUP_DIR"] = str(tmp_path / "work")
    with live_server.db():
        make_user("admin", username="amina")
    sign_in(phone, live_server.url, "amina", PASSWORD)
    menu_link(phone, "Backups").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", name="Backups", level=1).is_visible()
    shot(phone, "backups-empty")
    phone.get_by_role("button", name="Back up now").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("Backup started.").is_visible()
    first_run = phone.locator(".backup-runs tbody tr").first
    assert "Succeeded" in first_run.inner_text()
    assert "checksum (SHA-256)" in phone.locator(".backup-destination").inner_text()
    shot(phone, "backups-done")
    assert len(list((tmp_path / "usb").glob("*.age"))) == 1


def test_coordinator_sees_the_late_backup_banner_in_swahili(live_server, phone, shot):
    with live_server.db():
        make_user("coordinator", username="baraka", language="sw")
        shift_time(SchemaVersion, "applied_at", -dt.timedelta(days=2))
    sign_in(phone, live_server.url, "baraka", PASSWORD)
    banner = phone.locator(".banner-danger")
    assert banner.count() == 1 and "Pi" in banner.inner_text()
    assert "nakala rudufu" in banner.inner_text()
    shot(phone, "backups-banner-sw")
