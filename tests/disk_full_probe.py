"""Runs inside a private mount namespace where a small tmpfs is mounted
(tests/test_disk_full.py): a real disk that fills up.

    python -m tests.disk_full_probe web INSTANCE     # saves on a full disk, as JSON
    python -m tests.disk_full_probe fill FOLDER      # fill the disk to the last byte
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bs4 import BeautifulSoup

NEW_USER = {"username": "baraka", "display_name": "Baraka", "language": "en",
            "roles": "mentor"}


def fill(folder: Path, leave: int = 0) -> Path:
    """Write a filler file until the disk is full (or `leave` bytes remain)."""
    import shutil
    filler = folder / "filler"
    with open(filler, "ab") as handle:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while shutil.disk_usage(folder).free - size >= leave:
                    handle.write(b"\0" * size)
                    handle.flush()
            except OSError:
                pass
    return filler


def _text(response) -> dict:
    page = BeautifulSoup(response.data, "html.parser")
    return {"status": response.status_code,
            "h1": page.h1.get_text(" ", strip=True) if page.h1 else "",
            "text": page.get_text(" ", strip=True),
            "banners": [b.get_text(" ", strip=True) for b in page.select(".banner")],
            "retarget": response.headers.get("HX-Retarget")}


def web(instance: Path) -> dict:
    from app.audit import AuditEvent
    from app.auth.models import User
    from app.db import db
    from tests.conftest import make_test_app
    from tests.factories import PASSWORD, make_user
    app = make_test_app(instance)
    with app.app_context(), db.connection_context():
        make_user("admin", username="amina")
    client = app.test_client()
    client.post("/login", data={"username": "amina", "password": PASSWORD})

    def rows():
        # On the connection the requests use (kept open, as a web worker keeps it).
        with app.app_context():
            db.connect(reuse_if_open=True)
            return [User.select().count(), AuditEvent.select().count()]

    found = {"before": rows()}
    filler = fill(instance)
    found["save"] = _text(client.post("/admin/users/new", data=NEW_USER))
    found["save_htmx"] = _text(client.post("/admin/users/new", data=NEW_USER,
                                           headers={"HX-Request": "true"}))
    found["after"] = rows()
    found["read"] = _text(client.get("/admin/users"))
    found["health"] = client.get("/healthz").get_json()
    filler.unlink()
    total = __import__("shutil").disk_usage(instance).total
    fill(instance, leave=total // 20)                 # 5 % free
    found["low"] = _text(client.get("/"))
    found["health_low"] = client.get("/healthz").get_json()
    found["save_again"] = _text(client.post("/admin/users/new", data=NEW_USER))
    found["after_again"] = rows()
    return found


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(Path(sys.argv[2]))
    else:
        print(json.dumps(web(Path(sys.argv[2]))))
