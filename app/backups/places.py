"""Is a backup place really off the Pi's card? A destination that is a
folder on this machine (`/media/usb/kituo`, or an rclone remote of type
`local` or an `alias` of such a folder) counts only when it is on a
mounted drive of its own, or when it or a folder above it holds the
marker file MARKER.

Without this, an unplugged USB drive leaves `/media/usb` an empty folder
on the SD card: rclone creates the path and the backup "succeeds" onto the
very card it should protect. The marker is for the rare folder that is a
separate drive Kituo cannot tell apart (a bind mount, say); put it there
by hand (`touch DRIVE/.kituo-backup-place`) on the drive itself.
"""
from __future__ import annotations

import os
from pathlib import Path

from app.backups.rclone import split_remote

MARKER = ".kituo-backup-place"
NOT_MOUNTED = "usb_not_mounted"


def is_named_remote(destination: str) -> bool:
    parts = split_remote(destination)
    return parts is not None and not parts[0].startswith(":")


def local_folder(destination: str, remotes: dict, depth: int = 0) -> Path | None:
    """The folder on this machine that `destination` writes to; None for
    a place elsewhere (SFTP, WebDAV, cloud...)."""
    parts = split_remote(destination)
    if parts is None:
        return Path(os.path.abspath(destination))
    name, path = parts
    if name.startswith(":"):                   # on-the-fly remote, e.g. :local:/media/usb
        backend = name[1:].split(",", 1)[0]
        return Path(os.path.abspath(path)) if backend == "local" and path else None
    remote = remotes.get(name.split(",", 1)[0]) or {}
    if remote.get("type") == "local":
        return Path(os.path.abspath(path or "."))
    if remote.get("type") == "alias" and remote.get("remote") and depth < 5:
        target = remote["remote"].rstrip("/")
        joined = f"{target}/{path}" if path else target
        return local_folder(joined, remotes, depth + 1)
    return None


def _mount_of(path: Path) -> Path:
    """The mount point of the filesystem that holds `path` (or its nearest
    existing parent)."""
    path = Path(os.path.realpath(path))
    while not path.exists():
        path = path.parent
    while not os.path.ismount(path):
        path = path.parent
    return path


def problem(destination: str, remotes: dict, data_dir: Path) -> str | None:
    """NOT_MOUNTED when `destination` is a folder here that is not on a
    drive of its own (the root filesystem, or the one with Kituo's data)
    and holds no marker; None when it may be used."""
    folder = local_folder(destination, remotes)
    if folder is None or any((f / MARKER).is_file() for f in (folder, *folder.parents)):
        return None
    mount = _mount_of(folder)
    if mount == Path("/") or mount == _mount_of(data_dir):
        return NOT_MOUNTED
    return None
