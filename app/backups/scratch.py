"""Where unencrypted data may exist for a moment: a private folder (0700)
inside the backup work folder (or next to the database, for a restore or
an upgrade's snapshot), removed on every way out of the block. A crash or
a power cut can still leave one: `sweep` removes them, and what older
versions left (`run-N/kituo.db`, `*.tar.gz.age.tmp-plain`, `*.partial`,
`.kituo-restore-*`), at worker start and before every backup.

    with private_folder(work_dir) as folder:
        ...   # the plain snapshot lives here, and only here
"""
from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
PREFIX = ".kituo-scratch-"
# What versions before this one left behind after a crash: in the backup
# work folder, and in the data folder (a restore's or a snapshot's).
LEGACY_IN_WORK_DIR = ("run-*", "*.tar.gz.age.tmp-plain", "*.tar.gz.age.partial")
LEGACY_IN_DATA_DIR = (".kituo-restore-*", "*.db.partial")


@contextlib.contextmanager
def private_folder(parent: Path):
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))   # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(work_dir: Path, data_dir: Path) -> int:
    """Remove private folders and older versions' leftovers; how many."""
    removed = 0
    for folder, legacy in ((work_dir, LEGACY_IN_WORK_DIR), (data_dir, LEGACY_IN_DATA_DIR)):
        if not folder.is_dir():
            continue
        for pattern in (PREFIX + "*", *legacy):
            for path in folder.glob(pattern):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed += 1
    if removed:
        log.warning("removed %d unencrypted leftover(s) of an interrupted backup or restore",
                    removed)
    return removed
