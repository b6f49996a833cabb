#!/usr/bin/env python3
"""An emulated Raspberry Pi for the Pi test tier and `scripts/bench --pi`.

Raspberry Pi OS is Debian bookworm on arm64. This builds a bookworm arm64
root filesystem with debootstrap (arm64 programs run through qemu-user and
binfmt_misc) holding what a fresh Raspberry Pi OS Lite already has, caches
it under ~/.cache/kituo/pi-images/KEY (KEY: a hash of the recipe below), and
boots a fresh overlay of it with `systemd-nspawn -b`: a real systemd as
PID 1, the network of this machine (nginx inside answers on 127.0.0.1:80
and :443), nothing of a previous run.

    scripts/emulated_pi.py image            build the cached image (if needed)
    scripts/emulated_pi.py shell            boot a fresh Pi, run a shell in it
    scripts/emulated_pi.py cleanup          stop what a killed run left behind

Every container is stopped and its overlay removed on every exit path: by
the owner (Pi.destroy, a context manager), by a watchdog process that
outlives a killed owner, and at the start of the next run. Needs root,
debootstrap, qemu-user-static, binfmt-support and systemd-container
(ensure_host_tools installs them).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(os.environ.get("KITUO_PI_CACHE", Path.home() / ".cache" / "kituo"))
IMAGES = CACHE / "pi-images"
RUNS = CACHE / "pi-runs"
DOWNLOADS = CACHE / "pi-downloads"     # .deb files and pip wheels, shared between runs
LOCK = CACHE / "pi.lock"               # one emulated Pi at a time (it uses ports 80, 443)

SUITE = "bookworm"
ARCH = "arm64"
MIRROR = os.environ.get("KITUO_PI_MIRROR", "http://deb.debian.org/debian")
SECURITY_MIRROR = os.environ.get("KITUO_PI_SECURITY_MIRROR", "http://deb.debian.org/debian-security")

# What a fresh Raspberry Pi OS Lite (bookworm, 64-bit) has among the things
# Kituo touches; everything else (python3-venv, nginx, rclone, age,
# sqlite3, WeasyPrint's libraries, fonts) is deploy/pi/install.sh's job.
BASE_PACKAGES = [
    "systemd-sysv", "dbus", "systemd-timesyncd", "sudo", "ca-certificates", "curl",
    "python3", "avahi-daemon", "libnss-mdns", "fake-hwclock", "rsync", "openssl",
    "iproute2", "procps", "less",
]
PI_USER = "pi"
PI_UID = 1000
PI_HOST = "kituo.local"          # the name install.sh gives the site
# A USB drive plugged into the Pi: a folder of this machine, mounted there
# (a mount point of its own, as Kituo asks of a backup drive). It outlives
# reboots and power cuts, like a real stick.
USB_MOUNT = "/media/usb-backup"

# Emulation only (written into each run, not the image): qemu-user cannot
# set up systemd's credentials mounts or a unit's private network namespace
# (its netlink emulation fails), so Debian's units that ask for them
# (systemd-sysusers, -tmpfiles-*, -sysctl, -hostnamed, procps, ...) would
# fail where a real Pi runs them. emulation_dropins() finds them in the
# image; Kituo's own units use neither and are never changed.
EMULATION_FIXES = {
    re.compile(r"^(LoadCredential|ImportCredential|SetCredential)\w*=", re.M):
        "LoadCredential=\n",
    re.compile(r"^PrivateNetwork=yes", re.M): "PrivateNetwork=no\n",
}
RECIPE_VERSION = 1

QEMU_BINFMT = "/usr/lib/binfmt.d/qemu-aarch64.conf"
HOST_PACKAGES = {"debootstrap": "/usr/sbin/debootstrap",
                 "qemu-user-static": "/usr/bin/qemu-aarch64-static",
                 "binfmt-support": "/usr/sbin/update-binfmts",
                 "systemd-container": "/usr/bin/systemd-nspawn"}


class PiError(RuntimeError):
    """The emulated Pi could not do what was asked (with the reason)."""


def log(message: str) -> None:
    print(f"[emulated pi] {message}", file=sys.stderr, flush=True)


# --- host preparation ----------------------------------------------------------------

def ensure_host_tools() -> None:
    if os.geteuid() != 0:
        raise PiError("the emulated Pi needs root (systemd-nspawn, mounts, binfmt_misc)")
    missing = [name for name, path in HOST_PACKAGES.items() if not Path(path).exists()]
    if missing:
        log(f"installing {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    ensure_binfmt()


def ensure_binfmt() -> None:
    """arm64 programs run through qemu-aarch64-static, with flags F (the
    interpreter is opened now, so it works inside the container) and C
    (setuid programs such as sudo get their credentials, as on a Pi). An
    existing registration without C is replaced."""
    binfmt = Path("/proc/sys/fs/binfmt_misc")
    if not (binfmt / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(binfmt)], check=True)
    entry = binfmt / "qemu-aarch64"
    if entry.exists():
        text = entry.read_text()
        flags = next((line.split()[1] for line in text.splitlines()
                      if line.startswith("flags:")), "")
        if "C" in flags and "F" in flags:
            if "enabled" not in text.splitlines()[0]:
                entry.write_text("1")
            return
        entry.write_text("-1")
    line = next(line for line in Path(QEMU_BINFMT).read_text().splitlines()
                if line.startswith(":"))
    fields = line.split(":")
    fields[-1] = "".join(sorted(set(fields[-1]) | {"P", "O", "C", "F"}))
    (binfmt / "register").write_text(":".join(fields))


# --- the cached image -------------------------------------------------------------------

def recipe() -> dict:
    return {"suite": SUITE, "arch": ARCH, "packages": sorted(BASE_PACKAGES),
            "user": PI_USER, "version": RECIPE_VERSION}


def image_key() -> str:
    return hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:16]


@contextlib.contextmanager
def locked(path: Path, what: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another run ({what})...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure_image() -> Path:
    """The cached root filesystem for this recipe, built if missing."""
    ensure_host_tools()
    image = IMAGES / image_key()
    if (image / ".kituo-image.json").exists():
        return image
    with locked(IMAGES / ".build.lock", "building the image"):
        if (image / ".kituo-image.json").exists():
            return image
        build_image(image)
    return image


def _chroot(root: Path, *command: str, **kwargs) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["chroot", str(root), *command], check=True, env=env, **kwargs)


def build_image(image: Path) -> None:
    started = time.monotonic()
    building = image.with_name(image.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    log(f"building the arm64 image {image.name} (debootstrap {SUITE}, once per recipe)...")
    debootstrap = ["debootstrap", f"--arch={ARCH}", "--variant=minbase",
                   f"--include={','.join(BASE_PACKAGES)}", SUITE, str(building), MIRROR]
    done = subprocess.run(debootstrap, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise PiError(f"debootstrap failed:\n{tail}")
    write_base_files(building)
    _chroot(building, "useradd", "--create-home", "--uid", str(PI_UID), "--shell", "/bin/bash",
            "--groups", "sudo", PI_USER)
    _chroot(building, "apt-get", "clean")
    shutil.rmtree(building / "var/lib/apt/lists", ignore_errors=True)
    (building / "var/lib/apt/lists/partial").mkdir(parents=True)
    manifest = dict(recipe(), built_seconds=round(time.monotonic() - started))
    (building / ".kituo-image.json").write_text(json.dumps(manifest, indent=1))
    for old in IMAGES.iterdir():
        if old.is_dir() and old.name not in (building.name, image.name) and \
                not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    building.rename(image)
    log(f"image built in {manifest['built_seconds']} s")


def emulation_dropins(root: Path) -> dict[str, str]:
    """{unit: [Service] lines} for the image's units qemu-user cannot start."""
    found: dict[str, str] = {}
    for unit in sorted((root / "usr/lib/systemd/system").glob("*.service")):
        if unit.is_symlink():
            continue
        text = unit.read_text(errors="replace")
        lines = "".join(fix for pattern, fix in EMULATION_FIXES.items() if pattern.search(text))
        if lines:
            found[unit.name] = lines
    return found


def write_base_files(root: Path) -> None:
    (root / "etc/hostname").write_text("raspberrypi\n")
    (root / "etc/hosts").write_text(
        "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
        "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n\n127.0.1.1\traspberrypi\n")
    (root / "etc/apt/sources.list").write_text("")
    (root / "etc/apt/sources.list.d/debian.sources").write_text(
        f"Types: deb\nURIs: {MIRROR}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        f"Types: deb\nURIs: {SECURITY_MIRROR}\nSuites: {SUITE}-security\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    sudoers = root / "etc/sudoers.d/010_pi-nopasswd"
    sudoers.write_text(f"{PI_USER} ALL=(ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)
    # A fixed machine id: every run boots the same installed system, not a first boot.
    (root / "etc/machine-id").write_text(hashlib.md5(b"kituo-emulated-pi").hexdigest() + "\n")


# --- one booted container ---------------------------------------------------------------

def ports_free(*ports: int) -> list[int]:
    busy = []
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                busy.append(port)
    return busy


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _container_init(nspawn: int) -> int | None:
    """The container's PID 1 among nspawn's descendants (nspawn first forks
    a helper that soon exits): the process that is pid 1 in its namespace."""
    queue = list(_children(nspawn))
    while queue:
        pid = queue.pop(0)
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            nspid = next((line.split()[1:] for line in status.splitlines()
                          if line.startswith("NSpid:")), [])
            if len(nspid) > 1 and nspid[-1] == "1":
                return pid
        queue += _children(pid)
    return None


def teardown(state: dict) -> None:
    """Kill a container hard and remove its overlay (idempotent)."""
    for key in ("leader", "nspawn"):
        pid = state.get(key)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while any(_alive(state.get(k)) for k in ("leader", "nspawn")) and time.monotonic() < deadline:
        time.sleep(0.1)
    merged = state.get("merged")
    if merged:
        for _ in range(50):
            if not os.path.ismount(merged):
                break
            if subprocess.run(["umount", merged], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", merged], capture_output=True)
            time.sleep(0.1)
    if state.get("workdir"):
        shutil.rmtree(state["workdir"], ignore_errors=True)
    if state.get("name"):
        shutil.rmtree(f"/run/systemd/nspawn/propagate/{state['name']}", ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(f"/run/systemd/nspawn/unix-export/{state['name']}")


def cleanup_stale() -> None:
    """Stop what a run killed before its own cleanup left behind."""
    RUNS.mkdir(parents=True, exist_ok=True)
    for path in RUNS.glob("*.json"):
        with contextlib.suppress(OSError, ValueError):
            state = json.loads(path.read_text())
            if not _alive(state.get("owner")):
                log(f"cleaning up container {state.get('name')} left by process {state.get('owner')}")
                teardown(state)
                path.unlink()


def watchdog(state_file: str) -> None:
    """Runs detached: when the owner dies without cleaning up, clean up."""
    path = Path(state_file)
    while path.exists():
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            time.sleep(0.5)
            continue
        if not _alive(state.get("owner")):
            teardown(state)
            with contextlib.suppress(OSError):
                path.unlink()
            return
        time.sleep(1)


class Pi:
    """A fresh emulated Pi from the cached image. Use as a context manager:

        with Pi() as pi:
            pi.boot()
            pi.run("systemctl", "is-system-running")
    """

    def __init__(self, image: Path | None = None, name: str | None = None, nice: int = 0):
        """nice: the Pi's CPU priority on this machine (19: it yields to
        everything else, for a shared machine; 0 when measuring speed)."""
        self.nice = nice
        self.image = image or ensure_image()
        self.name = name or f"kituo-pi-{os.getpid()}"
        RUNS.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="kituo-pi-", dir="/var/tmp"))
        self.root = self.workdir / "root"
        self.state_file = RUNS / f"{self.name}.json"
        self.console = self.workdir / "console.log"
        self.usb = self.workdir / "usb"
        self.nspawn: subprocess.Popen | None = None
        self.leader: int | None = None
        self.boots = 0
        self._lock = None

    # -- lifecycle

    def __enter__(self):
        self._lock = open(LOCK, "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another emulated Pi run to finish...")
            fcntl.flock(self._lock, fcntl.LOCK_EX)
        cleanup_stale()
        try:
            self._mount()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc):
        self.destroy()

    def _save_state(self) -> None:
        state = {"owner": os.getpid(), "name": self.name, "workdir": str(self.workdir),
                 "merged": str(self.root),
                 "nspawn": self.nspawn.pid if self.nspawn else None, "leader": self.leader}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_file)

    def _mount(self) -> None:
        for part in ("upper", "work", "root", "usb"):
            (self.workdir / part).mkdir()
        self._save_state()
        subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "watchdog",
                          str(self.state_file)], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={self.image},upperdir={self.workdir / 'upper'},"
                        f"workdir={self.workdir / 'work'}", str(self.root)], check=True)
        self._environment()

    def _environment(self) -> None:
        """What the emulation needs (EMULATION_DROPINS) and what this
        machine's network needs (not what a Pi has): its CA certificates (a
        proxy may re-sign TLS), and pip told to use them."""
        for unit, text in emulation_dropins(self.root).items():
            dropin = self.root / "etc/systemd/system" / f"{unit}.d" / "emulation.conf"
            dropin.parent.mkdir(parents=True, exist_ok=True)
            dropin.write_text("# Only under qemu-user (scripts/emulated_pi.py).\n[Service]\n" + text)
        bundle = Path("/etc/ssl/certs/ca-certificates.crt")
        if bundle.exists():
            shutil.copy(bundle, self.root / "etc/ssl/certs/ca-certificates.crt")
            extra = Path("/usr/local/share/ca-certificates")
            if extra.is_dir():
                shutil.copytree(extra, self.root / "usr/local/share/ca-certificates",
                                dirs_exist_ok=True)
            (self.root / "etc/pip.conf").write_text(
                "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
        for part in ("apt-archives", "pip"):
            (DOWNLOADS / part / "partial" if part == "apt-archives" else DOWNLOADS / part).mkdir(
                parents=True, exist_ok=True)

    def boot(self, timeout: float = 600) -> float:
        """Boot (systemd as PID 1) and wait until systemd finished starting
        units; returns the seconds it took."""
        busy = ports_free(80, 443)
        if busy:
            raise PiError(f"ports {busy} are in use on this machine: the emulated Pi's nginx "
                          "needs 80 and 443 (it shares this machine's network)")
        started = time.monotonic()
        command = ["systemd-nspawn", "--quiet", "--boot", f"--directory={self.root}",
                   f"--machine={self.name}", "--register=no", "--keep-unit",
                   "--console=passive", "--resolv-conf=copy-host", "--timezone=copy",
                   f"--bind={DOWNLOADS / 'apt-archives'}:/var/cache/apt/archives",
                   f"--bind={DOWNLOADS / 'pip'}:/root/.cache/pip",
                   f"--bind={self.usb}:{USB_MOUNT}"]
        console = open(self.console, "ab")
        self.nspawn = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=console,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        console.close()
        if self.nice:
            # Its own session is its own scheduler autogroup: nice applies there.
            with contextlib.suppress(OSError):
                Path(f"/proc/{self.nspawn.pid}/autogroup").write_text(str(self.nice))
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.nspawn.pid, self.nice)
        self.leader = None
        while self.leader is None:
            self.leader = _container_init(self.nspawn.pid)
            if self.leader:
                break
            if self.nspawn.poll() is not None:
                raise PiError(f"systemd-nspawn exited: {self.console.read_text()[-2000:]}")
            elif time.monotonic() - started > 60:
                raise PiError("systemd-nspawn started no container in 60 s")
            else:
                time.sleep(0.05)
        self._save_state()
        self.boots += 1
        while True:
            done = self.run("systemctl", "is-system-running", check=False, timeout=120)
            state = done.stdout.strip()
            if state in ("running", "degraded"):
                break
            if self.nspawn.poll() is not None:
                raise PiError(f"the container stopped while booting: {self.console.read_text()[-2000:]}")
            if time.monotonic() - started > timeout:
                raise PiError(f"not booted after {timeout} s (systemd says {state!r}; "
                              f"{done.stderr.strip()})")
            time.sleep(1)
        if state == "degraded":
            failed = self.run("systemctl", "--failed", "--no-legend", "--plain", check=False)
            raise PiError(f"units failed at boot:\n{failed.stdout}")
        return time.monotonic() - started

    def running(self) -> bool:
        return self.nspawn is not None and self.nspawn.poll() is None

    def shutdown(self, reboot: bool = False, timeout: float = 300) -> float:
        """A clean shutdown (systemctl poweroff); with reboot=True boot again."""
        started = time.monotonic()
        self.run("systemctl", "poweroff", "--no-block", check=False)
        try:
            self.nspawn.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.power_cut()
            raise PiError(f"no clean shutdown in {timeout} s") from exc
        self.leader = None
        self._save_state()
        took = time.monotonic() - started
        if reboot:
            took += self.boot()
        return took

    def power_cut(self) -> None:
        """Every process of the Pi dies at once (SIGKILL to its PID 1, whose
        death kills the whole PID namespace, and to nspawn)."""
        for pid in (self.leader, self.nspawn.pid if self.nspawn else None):
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if self.nspawn:
            self.nspawn.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(self.leader) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.leader = None
        self._save_state()

    def destroy(self) -> None:
        if self.running() and self.leader:
            with contextlib.suppress(Exception):
                self.shutdown(timeout=60)
        teardown({"leader": self.leader, "nspawn": self.nspawn.pid if self.nspawn else None,
                  "merged": str(self.root), "workdir": str(self.workdir), "name": self.name})
        with contextlib.suppress(OSError):
            self.state_file.unlink()
        if self._lock:
            self._lock.close()
            self._lock = None

    # -- inside

    def run(self, *command: str, user: str | None = None, input: str | bytes | None = None,
            check: bool = True, timeout: float = 600, env: dict | None = None,
            cwd: str | None = None) -> subprocess.CompletedProcess:
        """Run a command inside the Pi (as root, or as `user` via runuser),
        like a person at its console."""
        if not self.leader:
            raise PiError("the Pi is not running")
        environment = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "LANG": "C.UTF-8", "HOME": "/root", "TERM": "dumb"}
        environment.update(env or {})
        inner = ["/usr/bin/env", "-i", *[f"{k}={v}" for k, v in environment.items()]]
        if user:
            inner = ["/usr/sbin/runuser", "-l", user, "-c",
                     " ".join(_quote(part) for part in command)]
            if cwd:
                inner[-1] = f"cd {_quote(cwd)} && {inner[-1]}"
        else:
            inner += list(command)
            if cwd:
                inner = ["/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", cwd, *inner]
        full = ["nsenter", f"--target={self.leader}", "--mount", "--uts", "--ipc", "--net",
                "--pid", "--cgroup", "--", *inner]
        text = not isinstance(input, bytes)
        done = subprocess.run(full, input=input, capture_output=True, text=text, timeout=timeout)
        if check and done.returncode != 0:
            raise PiError(f"{' '.join(command)} exited {done.returncode}:\n"
                          f"{_tail(done.stdout)}\n{_tail(done.stderr)}")
        return done

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        return self.run("/bin/bash", "-euo", "pipefail", "-c", script, **kwargs)

    def path(self, inside: str) -> Path:
        """The host path of a file inside the Pi (through the overlay, or
        on the USB drive)."""
        if inside == USB_MOUNT or inside.startswith(USB_MOUNT + "/"):
            return self.usb / inside[len(USB_MOUNT):].lstrip("/")
        return self.root / inside.lstrip("/")

    def copy_in(self, files: list[Path], source_root: Path, dest: str, owner: int = PI_UID) -> None:
        """Copy files (relative to source_root) to `dest` inside the Pi,
        owned by `owner` (the pi user), modes kept."""
        target = self.path(dest)
        for relative in files:
            source = source_root / relative
            if source.is_symlink() or not source.is_file():
                continue
            destination = target / relative
            for folder in [*reversed(destination.relative_to(self.root).parents)][1:]:
                folder = self.root / folder
                if not folder.exists():
                    folder.mkdir()
                    if folder.is_relative_to(target):
                        os.chown(folder, owner, owner)
            shutil.copy2(source, destination)
            os.chown(destination, owner, owner)
        if target.exists():
            os.chown(target, owner, owner)

    def journal(self, *units: str, lines: int = 200) -> str:
        args = [arg for unit in units for arg in ("-u", unit)]
        return self.run("journalctl", "--no-pager", "-b", "-n", str(lines), *args,
                        check=False).stdout


def _quote(text: str) -> str:
    import shlex
    return shlex.quote(text)


def _tail(text, size: int = 4000) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "")[-size:]


# --- reaching the Pi from this machine ------------------------------------------------

class NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the Pi's nginx on 127.0.0.1 (it shares this machine's
    network) as if its name resolved there: SNI, certificate check and
    Host header all say `host` (kituo.local)."""

    def __init__(self, host=PI_HOST, port=443, address="127.0.0.1", **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def wait_for_https(context, path: str = "/healthz", timeout: float = 600) -> str:
    """Wait until nginx and gunicorn answer `path` with 200; returns the body."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        conn = NamedHTTPSConnection(context=context, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
            if response.status == 200:
                return body
            last = f"{response.status} {body[:200]}"
        except OSError as error:
            last = str(error)
        finally:
            conn.close()
        time.sleep(2)
    raise PiError(f"https://{PI_HOST}{path} did not answer 200 in {timeout:.0f} s: {last}")


# --- processes and memory of the Pi, seen from this machine -------------------------------

def in_pi(pi: "Pi", pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid") == os.readlink(f"/proc/{pi.leader}/ns/pid")
    except OSError:
        return False


def host_pid(pi: "Pi", inner: int) -> int:
    """The pid on this machine of the process the Pi calls `inner`."""
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            nspid = next((line.split()[1:] for line in status.read_text().splitlines()
                          if line.startswith("NSpid:")), [])
            if len(nspid) > 1 and int(nspid[-1]) == inner and in_pi(pi, int(nspid[0])):
                return int(nspid[0])
    raise LookupError(f"no process {inner} in the Pi")


def unit_pids(pi: "Pi", unit: str) -> list[int]:
    """This machine's pids of every process of a systemd unit in the Pi."""
    group = pi.run("systemctl", "show", "-p", "ControlGroup", "--value", unit).stdout.strip()
    procs = pi.run("sh", "-c", f"cat /sys/fs/cgroup/systemd{group}/cgroup.procs 2>/dev/null || "
                   f"cat /sys/fs/cgroup{group}/cgroup.procs", check=False).stdout
    return [host_pid(pi, int(p)) for p in procs.split()]


def pss_kb(pid: int) -> tuple[int, int]:
    """(PSS of a process of the Pi, the emulator's share of it) in kB, from
    /proc/PID/smaps. qemu-user keeps the arm64 program low in the address
    space (below 0x7f0000000000) and its own code, heap and translation
    cache above it: only the program's part is what a real Pi holds."""
    total = emulator = 0
    current_is_emulator = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if line[:1] in "0123456789abcdef" and re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split()
            start = int(parts[0].split("-")[0], 16)
            path = parts[5] if len(parts) > 5 else ""
            current_is_emulator = (start >= 0x7F0000000000 or path == "[heap]"
                                   or "qemu" in path or "binfmt" in path)
        elif line.startswith("Pss:"):
            value = int(line.split()[1])
            total += value
            if current_is_emulator:
                emulator += value
    return total, emulator


SERVICE_UNITS = ("kituo-web", "kituo-worker", "nginx")


def service_memory(pi: "Pi") -> list[tuple[str, int, int, int]]:
    """[(unit, pid, PSS without the emulator, the emulator's share)] in kB
    for every process of Kituo's units and nginx."""
    rows = []
    for unit in SERVICE_UNITS:
        for pid in unit_pids(pi, unit):
            with contextlib.suppress(OSError):
                total, emulator = pss_kb(pid)
                rows.append((unit, pid, total - emulator, emulator))
    return rows


def system_memory_kb(pi: "Pi") -> int:
    """PSS of every process of the Pi, the emulator's share included."""
    total = 0
    for entry in Path("/proc").glob("[0-9]*"):
        if entry.name.isdigit() and in_pi(pi, int(entry.name)):
            with contextlib.suppress(OSError):
                total += pss_kb(int(entry.name))[0]
    return total


def checkout_files(root: Path) -> list[Path]:
    """The files a person copies to the Pi: tracked and new files of the
    working tree (not .venv, instance, caches: what .gitignore leaves out)."""
    done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=root, capture_output=True, check=True)
    return [Path(p.decode()) for p in done.stdout.split(b"\0") if p and (root / p.decode()).exists()]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "help"
    if command == "watchdog":
        watchdog(argv[2])
        return 0
    if command == "image":
        print(ensure_image())
        return 0
    if command == "cleanup":
        ensure_host_tools()
        cleanup_stale()
        return 0
    if command == "shell":
        with Pi() as pi:
            log(f"booted in {pi.boot():.0f} s; the shell runs inside the Pi (exit to stop it)")
            subprocess.run(["nsenter", f"--target={pi.leader}", "--mount", "--uts", "--ipc",
                            "--net", "--pid", "--cgroup", "--", "/bin/bash", "-l"])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
