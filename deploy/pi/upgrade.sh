#!/usr/bin/env bash
# Upgrade Kituo on the Pi to the version in this checkout:
#
#     git pull   (or unpack the new release), then
#     sudo deploy/pi/upgrade.sh [--skip-backup]
#
# 1. takes a backup first: a plain checked copy on the Pi
#    (/var/lib/kituo/pre-upgrade.db, for a quick roll-back without the
#    private key) and a normal encrypted backup pushed to every destination;
# 2. stops the worker (running tasks finish) and the web service;
# 3. installs the new code and packages (install.sh);
# 4. migrates the database;
# 5. starts the services and checks /healthz.
# If the encrypted backup fails, nothing is upgraded (--skip-backup to
# go ahead anyway, e.g. when no destination is reachable today). When this
# checkout is already what is installed, it says so and changes nothing
# (no backup, no restart).
set -euo pipefail

PI_DIR="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
DATA=/var/lib/kituo
SKIP_BACKUP=no
case "${1:-}" in
    --skip-backup) SKIP_BACKUP=yes ;;
    "") ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
    echo "Run as root: sudo $0" >&2
    exit 1
fi
if [ ! -x /opt/kituo/venv/bin/python ] || [ ! -x /usr/local/bin/kituo ]; then
    echo "Kituo is not installed yet: run sudo $PI_DIR/install.sh" >&2
    exit 1
fi

if "$PI_DIR/install.sh" --check >/dev/null; then
    echo "Kituo is already at this version: nothing to do."
    exit 0
fi

echo "1/5 Backing up before the upgrade..."
kituo backup snapshot "$DATA/pre-upgrade.db"
if ! kituo backup run --trigger upgrade; then
    if [ "$SKIP_BACKUP" != yes ]; then
        echo "The backup failed: nothing was upgraded. Fix the backup (sudo kituo backup status)," >&2
        echo "or run again with --skip-backup (the copy in $DATA/pre-upgrade.db stays)." >&2
        exit 1
    fi
    echo "The encrypted backup failed; going ahead (--skip-backup)."
fi

echo "2/5 Stopping the worker and the web service..."
systemctl stop kituo-worker kituo-web

echo "3/5 Installing the new version..."
KITUO_NO_START=1 "$PI_DIR/install.sh"

echo "4/5 Migrating the database..."
kituo init-db

echo "5/5 Starting..."
systemctl start kituo-web kituo-worker
for _ in $(seq 1 30); do
    if curl -fsS --unix-socket /run/kituo/web.sock http://localhost/healthz >/dev/null 2>&1; then
        echo "Kituo is running: $(curl -fsS --unix-socket /run/kituo/web.sock http://localhost/healthz)"
        exit 0
    fi
    sleep 1
done
echo "Kituo did not answer /healthz after the upgrade: see journalctl -u kituo-web" >&2
echo "To roll back: sudo systemctl stop kituo-worker kituo-web; install the previous version;" >&2
echo "copy $DATA/pre-upgrade.db over $DATA/kituo.db (as user kituo); start the services." >&2
exit 1
