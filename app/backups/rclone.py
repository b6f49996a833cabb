"""A thin wrapper around the `rclone` command: copy a file, list a folder,
delete a file. rclone covers a USB drive, SFTP, WebDAV and cloud storage."""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass


class RcloneError(Exception):
    """rclone failed; the message is rclone's last line (no data)."""


def join(destination: str, name: str) -> str:
    """`remote:` + name, `remote:folder` + / + name, `/local/dir` + / + name."""
    if destination.endswith(":") or destination.endswith("/"):
        return destination + name
    return f"{destination}/{name}"


_USERINFO = re.compile(r"//[^/@\s]+@")


def split_remote(destination: str) -> tuple[str, str] | None:
    """("remote-spec", "path") for `remote:path` or `:backend,opt='x':path`;
    None for a local path. Colons inside quoted options do not count."""
    quote = ""
    for index, char in enumerate(destination):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "/" and not destination.startswith(":"):
            return None
        elif char == ":" and index > 0:
            return destination[:index], destination[index + 1:]
    return None


def scrub(text: str) -> str:
    """Remove user:password@ from URLs in a message before it is stored."""
    return _USERINFO.sub("//", text)


def label(destination: str) -> str:
    """A destination as shown and stored: connection-string options and
    user:password@ parts removed (they may hold credentials)."""
    parts = split_remote(destination)
    shown = destination if parts is None else f"{parts[0].split(',', 1)[0]}:{parts[1]}"
    return _USERINFO.sub("//", shown)[:255]


@dataclass(frozen=True)
class Rclone:
    binary: str = "rclone"
    config: str = ""
    timeout: int = 3600

    def _run(self, *args: str) -> str:
        command = [self.binary]
        if self.config:
            command += ["--config", self.config]
        command += ["--retries", "1", "--low-level-retries", "2",
                    "--contimeout", "10s", "--timeout", "60s", *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise RcloneError("rclone is not installed") from None
        except subprocess.TimeoutExpired:
            raise RcloneError(f"rclone timed out after {self.timeout} s") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise RcloneError((lines[-1] if lines else f"rclone exit {done.returncode}")[-250:])
        return done.stdout

    def copy_file(self, local: str, remote: str) -> None:
        self._run("copyto", local, remote)

    def stat(self, remote: str) -> dict | None:
        """Size and hashes of one remote file; None when it is missing."""
        try:
            entries = json.loads(self._run("lsjson", "--hash", "--no-mimetype", remote) or "[]")
        except RcloneError as error:
            if "not found" in str(error).lower():
                return None
            raise
        files = [e for e in entries if not e.get("IsDir")]
        return files[0] if len(files) == 1 else None

    def list_names(self, destination: str) -> list[str]:
        entries = json.loads(self._run("lsjson", "--files-only", "--no-mimetype",
                                       "--no-modtime", destination) or "[]")
        return [e["Name"] for e in entries]

    def delete_file(self, remote: str) -> None:
        self._run("deletefile", remote)

    def remotes(self) -> dict:
        """The configured remotes' types (and an alias's target); read, never
        stored or shown: the configuration holds credentials."""
        dump = json.loads(self._run("config", "dump") or "{}")
        return {name: {"type": conf.get("type", ""), "remote": conf.get("remote", "")}
                for name, conf in dump.items()}
