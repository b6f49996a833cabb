"""The backup file: a gzip-compressed tar holding `manifest.json` and
`kituo.db`, encrypted with age to the configured public keys.

    kituo-20261124T230000Z.tar.gz.age          the backup
    kituo-20261124T230000Z.tar.gz.age.sha256   its checksum (sha256sum -c)

The manifest sits inside the encryption: row counts say how many people the
centre serves, which is already more than a thief should learn.
Restoring with stock tools:
    age -d -i key.txt FILE | tar -xzf -    ->  manifest.json, kituo.db
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyrage
from pyrage import x25519

from app.storage import fsync_path

FORMAT = "kituo-backup/1"
DB_MEMBER = "kituo.db"
MANIFEST_MEMBER = "manifest.json"
NAME_PATTERN = re.compile(r"^kituo-(\d{8}T\d{6}Z)\.tar\.gz\.age$")
CHECKSUM_SUFFIX = ".sha256"


class ArchiveError(Exception):
    """The backup cannot be used; `code` names why (no personal data)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def archive_name(at: dt.datetime) -> str:
    return f"kituo-{at:%Y%m%dT%H%M%SZ}.tar.gz.age"


def time_of(name: str) -> dt.datetime | None:
    """UTC time encoded in a backup file name, None for any other file."""
    match = NAME_PATTERN.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match[1], "%Y%m%dT%H%M%SZ")


def file_hashes(path) -> dict[str, str]:
    """sha256, sha1 and md5 in one pass (whichever the remote knows is used
    to verify an upload)."""
    hashes = {"sha256": hashlib.sha256(), "sha1": hashlib.sha1(), "md5": hashlib.md5()}
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def private_file(path) -> io.BufferedWriter:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb")


def build_manifest(*, created_at: dt.datetime, app_version: str, schema_version, tables: dict,
                   database_sha256: str, database_bytes: int) -> dict:
    return {
        "format": FORMAT,
        "created_at": created_at.replace(microsecond=0).isoformat() + "Z",
        "app_version": app_version,
        "schema_version": schema_version,
        "tables": tables,
        "row_count": sum(tables.values()),
        "database": DB_MEMBER,
        "database_bytes": database_bytes,
        "database_sha256": database_sha256,
    }


def _add_file(tar: tarfile.TarFile, name: str, path, mtime: float) -> None:
    info = tar.gettarinfo(str(path), arcname=name)
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    info.mtime = mtime
    with open(path, "rb") as handle:
        tar.addfile(info, handle)


def _write_tar_gz(out, snapshot: Path, manifest: dict) -> None:
    """The manifest, then the database, as a gzip-compressed tar into `out`."""
    mtime = dt.datetime.now(dt.timezone.utc).timestamp()
    # Level 1: a third of level 6's CPU for ~12% more bytes; a backup that
    # runs while people work must leave the Pi's cores to them.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=1,
                       mtime=int(mtime)) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        data = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.size, info.mode, info.mtime = len(data), 0o600, mtime
        tar.addfile(info, io.BytesIO(data))
        _add_file(tar, DB_MEMBER, snapshot, mtime)


def write_encrypted(snapshot: Path, manifest: dict, recipients, target: Path,
                    scratch: Path) -> None:
    """Compress (manifest first, then the database) and encrypt to `target`,
    as one stream: tar and gzip write into a pipe that age reads, so no
    unencrypted archive ever touches the disk. The encrypted file grows in
    the private folder `scratch` (same disk as `target`) and is moved into
    place whole, after an fsync."""
    keys = [x25519.Recipient.from_str(r) for r in recipients]
    if not keys:
        raise ArchiveError("no_recipients")
    partial = scratch / (target.name + ".partial")
    read_end, write_end = os.pipe()
    failed: list[BaseException] = []

    def compress():
        try:
            with os.fdopen(write_end, "wb") as pipe:
                _write_tar_gz(pipe, snapshot, manifest)
        except BaseException as error:  # noqa: BLE001 - handed to the encrypting thread
            failed.append(error)

    producer = threading.Thread(target=compress, name="backup-compress", daemon=True)
    producer.start()
    try:
        with os.fdopen(read_end, "rb") as source, private_file(partial) as out:
            pyrage.encrypt_io(source, out, keys)
            out.flush()
            os.fsync(out.fileno())
    finally:
        producer.join()
    if failed:
        # The stream ended early: what was encrypted is a cut-off archive.
        partial.unlink(missing_ok=True)
        raise failed[0]
    os.replace(partial, target)
    fsync_path(target.parent)


def write_checksum_file(archive: Path, sha256: str) -> Path:
    path = archive.with_name(archive.name + CHECKSUM_SUFFIX)
    with private_file(path) as handle:
        handle.write(f"{sha256}  {archive.name}\n".encode())
    return path


# --- reading a backup (restore, tests) ------------------------------------

def load_identities(path) -> list:
    """age identities (AGE-SECRET-KEY-1...) from a key file made by age-keygen."""
    identities = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            identities.append(x25519.Identity.from_str(line))
    if not identities:
        raise ArchiveError("no_identity", f"no AGE-SECRET-KEY line in {path}")
    return identities


@dataclass
class Extracted:
    manifest: dict
    database: Path


def decrypt_and_extract(backup: Path, identities, into: Path) -> Extracted:
    """Decrypt and unpack into the folder `into`; check the database against
    the manifest's sha256. Only the two expected members are accepted."""
    into.mkdir(parents=True, exist_ok=True, mode=0o700)
    plain = into / "backup.tar.gz"
    try:
        with private_file(plain):
            pass
        pyrage.decrypt_file(str(backup), str(plain), identities)
    except pyrage.DecryptError as error:
        plain.unlink(missing_ok=True)
        raise ArchiveError("decrypt_failed", str(error)) from None
    manifest = None
    database = into / DB_MEMBER
    try:
        with tarfile.open(plain, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or member.name not in (MANIFEST_MEMBER, DB_MEMBER):
                    raise ArchiveError("unexpected_member", member.name[:60])
                source = tar.extractfile(member)
                if member.name == MANIFEST_MEMBER:
                    manifest = json.loads(source.read().decode("utf-8"))
                else:
                    with private_file(database) as out:
                        shutil.copyfileobj(source, out, 1 << 20)
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise ArchiveError("archive_damaged", str(error)) from None
    finally:
        plain.unlink(missing_ok=True)
    if manifest is None or not database.exists():
        raise ArchiveError("archive_incomplete")
    if manifest.get("format") != FORMAT:
        raise ArchiveError("unknown_format", str(manifest.get("format"))[:40])
    actual = file_hashes(database)["sha256"]
    if actual != manifest.get("database_sha256"):
        raise ArchiveError("checksum_mismatch")
    return Extracted(manifest, database)


def describe_manifest(manifest: dict) -> str:
    lines = [
        f"Backup taken:    {manifest['created_at']}",
        f"App version:     {manifest['app_version']}",
        f"Schema version:  {manifest['schema_version']}",
        f"Database:        {manifest['database_bytes']} bytes, sha256 {manifest['database_sha256']}",
        f"Rows:            {manifest['row_count']} in {len(manifest['tables'])} tables",
    ]
    lines += [f"  {name:<32} {count}" for name, count in sorted(manifest["tables"].items())]
    return "\n".join(lines)
