#!/usr/bin/env bash
# Install or update Kituo on a Raspberry Pi (Raspberry Pi OS Bookworm 64-bit):
#
#     sudo deploy/pi/install.sh
#
# Idempotent: a second run changes nothing and says so. It installs the
# Debian packages, creates the `kituo` system user, copies the code to
# /opt/kituo/src with its virtualenv in /opt/kituo/venv, keeps data in
# /var/lib/kituo (0700) and settings in /etc/kituo/kituo.env, makes the
# secret key and a TLS certificate for kituo.local, and sets up systemd
# (kituo-web, kituo-worker), nginx and avahi. See
# the README, "Running at the centre".
#
# Other uses:
#     deploy/pi/install.sh --print-nginx-site   the generated nginx site
#                         (KITUO_UPSTREAM, KITUO_HTTP_LISTEN, ... override)
#     deploy/pi/install.sh --check   exit 0 when this checkout is what is
#                         installed (code, Python and Debian packages), else
#                         list what differs and exit 1 (upgrade.sh uses it)
# Environment (kept in /etc/kituo/kituo.env; set here only to change them):
#   KITUO_HOSTNAME      the name people open, default kituo.local (a bare
#                       name such as `kituo` means kituo.local); links that
#                       leave the Pi use it and nginx answers only it
#   KITUO_HOST_ALIASES  other names or addresses nginx answers to, e.g. the
#                       Pi's fixed address for phones that cannot open .local
#   KITUO_SET_HOSTNAME=no keeps the Pi's own name; KITUO_NO_START=1 installs
#                       without starting services.
set -euo pipefail

SRC_DIR="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
PI_DIR="$SRC_DIR/deploy/pi"
PREFIX=/opt/kituo
DATA=/var/lib/kituo
ETC=/etc/kituo
TLS_DIR="$ETC/tls"
SERVICE_USER=kituo

# A setting: from the environment, else from kituo.env (so an upgrade keeps
# what the centre chose), else the default.
setting() {  # setting NAME DEFAULT
    local name=$1 default=$2 value
    if [ -n "${!name+set}" ]; then
        printf '%s' "${!name}"
        return
    fi
    value=$(sed -n "s/^$name=//p" "$ETC/kituo.env" 2>/dev/null | tail -n 1)
    value=${value#\"}; value=${value%\"}
    printf '%s' "${value:-$default}"
}

# The name people open (the same rule as app/config.py host_name): lower
# case, a bare name is NAME.local; no port (nginx listens on 80 and 443).
host_name() {
    local name
    name=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
    name=${name%%:*}; name=${name%.}
    if [ -z "$name" ]; then name=kituo.local; fi
    if ! printf '%s' "$name" | grep -Eqx '[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*'; then
        echo "KITUO_HOSTNAME is not a host name: $1" >&2
        exit 2
    fi
    case "$name" in *.*|localhost) ;; *) name="$name.local" ;; esac
    printf '%s' "$name"
}

SERVER_NAME=$(host_name "$(setting KITUO_HOSTNAME kituo.local)")
HOST_ALIASES=$(setting KITUO_HOST_ALIASES "")
# The Pi's own name: kituo for kituo.local (avahi announces NAME.local).
PI_NAME=""
case "$SERVER_NAME" in *.local) PI_NAME=${SERVER_NAME%.local} ;; esac

PACKAGES=(
    python3 python3-venv
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
    nginx rclone age sqlite3 openssl rsync curl ca-certificates
    avahi-daemon fake-hwclock
)

CHANGES=()
note() { printf '%s\n' "$*"; }
changed() { CHANGES+=("$1"); note "changed: $1"; }

# --- nginx site -------------------------------------------------------------

render_nginx() {
    local upstream="${KITUO_UPSTREAM:-unix:/run/kituo/web.sock}"
    local http="${KITUO_HTTP_LISTEN:-80}" https="${KITUO_HTTPS_LISTEN:-443}"
    local http6="${KITUO_HTTP_LISTEN6-[::]:80}" https6="${KITUO_HTTPS_LISTEN6-[::]:443}"
    local tls="${KITUO_TLS_DIR:-$TLS_DIR}" static="${KITUO_STATIC_ROOT:-$PREFIX/src/static}"
    local ca="${KITUO_CA_CERT:-$PREFIX/public/kituo-ca.crt}"
    local logs="${KITUO_NGINX_LOG_DIR:-/var/log/nginx}"
    local names="$SERVER_NAME${HOST_ALIASES:+ $HOST_ALIASES}"
    local line6="" sline6="" named6="" snamed6=""
    if [ -n "$http6" ]; then line6="listen $http6 default_server;"; named6="listen $http6;"; fi
    if [ -n "$https6" ]; then
        sline6="listen $https6 ssl http2 default_server;"; snamed6="listen $https6 ssl http2;"
    fi
    sed -e "s|@UPSTREAM@|$upstream|g" \
        -e "s|@HTTP_LISTEN@|$http|g" -e "s|@HTTPS_LISTEN@|$https|g" \
        -e "s|@HTTP_LISTEN6@|$line6|g" -e "s|@HTTPS_LISTEN6@|$sline6|g" \
        -e "s|@HTTP_LISTEN6_NAMED@|$named6|g" -e "s|@HTTPS_LISTEN6_NAMED@|$snamed6|g" \
        -e "s|@HTTPS_PORT_SUFFIX@|${KITUO_HTTPS_PORT_SUFFIX:-}|g" \
        -e "s|@SERVER_NAMES@|$names|g" \
        -e "s|@ACCESS_LOG@|$logs/access.log|g" -e "s|@ERROR_LOG@|$logs/error.log|g" \
        -e "s|@TLS_CERT@|$tls/kituo.crt|g" -e "s|@TLS_KEY@|$tls/kituo.key|g" \
        -e "s|@CA_CERT@|$ca|g" -e "s|@STATIC_ROOT@|$static|g" \
        "$PI_DIR/nginx-kituo.conf"
}

# The code as installed in $PREFIX/src: everything of the checkout but
# what only development needs. `sync_code --dry-run` lists what would change.
sync_code() {
    rsync -rlptO --delete --itemize-changes --chmod=go-w "$@" \
        --exclude=/.git --exclude=/.venv --exclude=/instance --exclude=/tests \
        --exclude=/test-artifacts --exclude=__pycache__ --exclude='*.pyc' \
        --exclude='*.mo' --exclude='static/**.gz' --exclude=/.pytest_cache \
        "$SRC_DIR/" "$PREFIX/src/"
}

missing_packages() {
    local package
    for package in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            printf '%s\n' "$package"
        fi
    done
}

requirements_installed() {
    [ "$(cat "$PREFIX/venv/.requirements.sha256" 2>/dev/null || true)" = \
      "$(sha256sum "$SRC_DIR/requirements.txt" | cut -d' ' -f1)" ]
}

check_installed() {
    local pending=0 changes packages
    packages=$(missing_packages | tr '\n' ' ')
    if [ -n "$packages" ]; then echo "Debian packages to install: $packages"; pending=1; fi
    if [ ! -d "$PREFIX/src" ] || ! command -v rsync >/dev/null; then
        echo "Kituo is not installed"; return 1
    fi
    changes=$(sync_code --dry-run | wc -l)
    if [ "$changes" -gt 0 ]; then echo "code: $changes files differ from $PREFIX/src"; pending=1; fi
    if ! requirements_installed; then echo "Python packages differ"; pending=1; fi
    return "$pending"
}

case "${1:-}" in
    --print-nginx-site) render_nginx; exit 0 ;;
    --check) check_installed; exit ;;
    "") ;;
    *) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
    echo "Run as root: sudo $0" >&2
    exit 1
fi

# --- helpers: change files only when their content or mode differs -----------

# put_file SOURCE DEST MODE OWNER:GROUP LABEL
put_file() {
    local source=$1 dest=$2 mode=$3 owner=$4 label=$5
    if [ -f "$dest" ] && cmp -s "$source" "$dest" \
        && [ "$(stat -c '%a %U:%G' "$dest")" = "$mode $owner" ]; then
        return 1
    fi
    install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$source" "$dest"
    changed "$label"
}

# put_text DEST MODE OWNER:GROUP LABEL < text
put_text() {
    local tmp rc=0
    tmp=$(mktemp)
    cat > "$tmp"
    put_file "$tmp" "$@" || rc=$?
    rm -f "$tmp"
    return "$rc"
}

# ensure_dir PATH MODE OWNER:GROUP
ensure_dir() {
    local path=$1 mode=$2 owner=$3
    if [ -d "$path" ] && [ "$(stat -c '%a %U:%G' "$path")" = "$mode $owner" ]; then
        return 0
    fi
    install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$path"
    changed "folder $path ($mode $owner)"
}

systemd_running() { [ -d /run/systemd/system ]; }

# one_nginx_worker CONF: Debian starts one nginx worker per core ("auto":
# four on a Pi). One event-driven worker serves the centre's phones easily,
# and each is ~3 MB of a Pi 3B's memory. An administrator's own number is
# left alone. Returns 1 when nothing changed.
one_nginx_worker() {
    grep -qE '^[[:space:]]*worker_processes[[:space:]]+auto;' "$1" || return 1
    sed -i -E 's/^([[:space:]]*)worker_processes[[:space:]]+auto;/\1worker_processes 1;/' "$1"
}

# --- 1. Debian packages -------------------------------------------------------

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -gt 0 ]; then
    note "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    changed "packages ${missing[*]}"
fi

# --- 2. user and folders ------------------------------------------------------------

if ! getent passwd "$SERVICE_USER" >/dev/null; then
    adduser --system --group --home "$DATA" --no-create-home \
        --shell /usr/sbin/nologin "$SERVICE_USER" >/dev/null
    changed "system user $SERVICE_USER"
fi
# nginx reaches gunicorn's socket in /run/kituo (group kituo, 0750).
if ! id -nG www-data | tr ' ' '\n' | grep -qx "$SERVICE_USER"; then
    usermod -a -G "$SERVICE_USER" www-data
    changed "www-data in group $SERVICE_USER"
fi
ensure_dir "$PREFIX" 755 root:root
ensure_dir "$PREFIX/public" 755 root:root
ensure_dir "$DATA" 700 "$SERVICE_USER:$SERVICE_USER"
ensure_dir "$DATA/backups" 700 "$SERVICE_USER:$SERVICE_USER"
ensure_dir "$ETC" 750 "root:$SERVICE_USER"

# --- 3. code and virtualenv ---------------------------------------------------------

code_changes=$(sync_code)
if [ -n "$code_changes" ]; then
    changed "code in $PREFIX/src"
fi

if [ ! -x "$PREFIX/venv/bin/python" ]; then
    /usr/bin/python3 -m venv "$PREFIX/venv"   # Debian's Python, not one on PATH
    changed "virtualenv $PREFIX/venv"
fi
if ! requirements_installed; then
    "$PREFIX/venv/bin/pip" install --disable-pip-version-check -q -r "$PREFIX/src/requirements.txt"
    sha256sum "$PREFIX/src/requirements.txt" | cut -d' ' -f1 > "$PREFIX/venv/.requirements.sha256"
    changed "Python packages"
fi

# Compiled translations and pre-compressed static files, when code changed.
if [ -n "$code_changes" ] || [ -z "$(find "$PREFIX/src/app" -name '*.mo' -print -quit)" ]; then
    (cd "$PREFIX/src" && "$PREFIX/venv/bin/python" scripts/i18n compile)
    find "$PREFIX/src/static" -type f \( -name '*.css' -o -name '*.js' \) \
        -exec gzip -9 -k -n -f {} \;
    changed "translations and compressed static files"
fi

# --- 4. secret key, settings, TLS ---------------------------------------------------

if [ ! -s "$DATA/secret_key" ]; then
    (umask 077; openssl rand -hex 32 > "$DATA/secret_key")
    chown "$SERVICE_USER:$SERVICE_USER" "$DATA/secret_key"
    changed "secret key"
fi

memory_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
workers=2
if [ "$memory_kb" -gt 1500000 ] && [ "$(nproc)" -ge 4 ]; then workers=3; fi
if [ ! -f "$ETC/kituo.env" ]; then
    put_text "$ETC/kituo.env" 640 "root:$SERVICE_USER" "settings $ETC/kituo.env" <<EOF || true
# Kituo settings, read by kituo-web, kituo-worker and the \`kituo\` command.
# After a change: sudo systemctl restart kituo-web kituo-worker
KITUO_INSTANCE=$DATA
# The name people open: links that leave the Pi (calendar addresses, printed
# slips) use it, and nginx answers only it (and KITUO_HOST_ALIASES). Change
# it with: sudo KITUO_HOSTNAME=new.name deploy/pi/install.sh
KITUO_HOSTNAME=$SERVER_NAME
KITUO_BIND=unix:/run/kituo/web.sock
KITUO_WEB_WORKERS=$workers
KITUO_HTTPS=1
KITUO_TRUSTED_PROXIES=1
KITUO_ACCESS_LOG=-
KITUO_CENTRE_NAME="Azadi Kenya"
# Backups (the README, "Running at the centre"): public keys, one per line, in
# this file; destinations are rclone paths separated by ";", for example
# KITUO_BACKUP_DESTINATIONS="usb:kituo-backups;office:kituo"
KITUO_BACKUP_RECIPIENTS=$ETC/backup-recipients.txt
KITUO_BACKUP_DESTINATIONS=
KITUO_RCLONE_CONFIG=$DATA/rclone.conf
KITUO_BACKUP_TIME=02:00
KITUO_BACKUP_TIMEZONE=Africa/Nairobi
KITUO_BACKUP_RETENTION=7,4,12
EOF
fi
# The names in kituo.env, as chosen (an older kituo.env has none: added).
keep_setting() {  # keep_setting NAME VALUE
    local name=$1 value=$2
    if [ "$(sed -n "s/^$name=//p" "$ETC/kituo.env" | tail -n 1)" = "$value" ]; then return 0; fi
    if grep -q "^$name=" "$ETC/kituo.env"; then
        sed -i "s|^$name=.*|$name=$value|" "$ETC/kituo.env"
    else
        printf '%s=%s\n' "$name" "$value" >> "$ETC/kituo.env"
    fi
    changed "setting $name=$value"
}
keep_setting KITUO_HOSTNAME "$SERVER_NAME"
if [ -n "$HOST_ALIASES" ] || grep -q "^KITUO_HOST_ALIASES=" "$ETC/kituo.env"; then
    keep_setting KITUO_HOST_ALIASES "\"$HOST_ALIASES\""
fi
if [ ! -f "$ETC/backup-recipients.txt" ]; then
    put_text "$ETC/backup-recipients.txt" 640 "root:$SERVICE_USER" "backup recipients file" <<'EOF' || true
# Public keys (age1...) that backups are encrypted to, one per line.
# Make a key pair on the office laptop with `age-keygen -o kituo-backup-key.txt`
# and paste its "public key" line here. The private key never goes on the Pi.
EOF
fi
if [ ! -f "$DATA/rclone.conf" ]; then
    install -m 600 -o "$SERVICE_USER" -g "$SERVICE_USER" /dev/null "$DATA/rclone.conf"
    changed "empty rclone configuration"
fi

ensure_dir "$TLS_DIR" 750 "root:$SERVICE_USER"
# shellcheck disable=SC2086 # the aliases are separate words
if [ -n "$("$PI_DIR/make-cert.sh" "$TLS_DIR" "$SERVER_NAME" $HOST_ALIASES)" ]; then
    changed "TLS certificate for $SERVER_NAME"
fi
put_file "$TLS_DIR/ca.crt" "$PREFIX/public/kituo-ca.crt" 644 root:root "CA certificate download" || true

# --- 5. command line, systemd units --------------------------------------------------

put_file "$PI_DIR/kituo" /usr/local/bin/kituo 755 root:root "kituo command" || true
units_changed=no
for unit in kituo-web.service kituo-worker.service; do
    if put_file "$PI_DIR/$unit" "/etc/systemd/system/$unit" 644 root:root "unit $unit"; then
        units_changed=yes
    fi
done

# --- 5b. compiled bytecode for the services ---------------------------------------------
# The services run with PYTHONOPTIMIZE=2 (no docstrings held in memory) and
# keep their bytecode in $PYCACHE, the units' CacheDirectory (/opt and /usr
# are read-only to them). A module with no cached bytecode is compiled in
# each process that imports it, and what compiling leaves behind stays in
# that process: the web master, its workers and the worker held ~7 MB more
# in all. Fill the cache now, as the service user, with what they import.
PYCACHE=/var/cache/kituo/pycache
if [ "${#CHANGES[@]}" -gt 0 ] || [ ! -d "$PYCACHE" ]; then
    ensure_dir /var/cache/kituo 750 "$SERVICE_USER:$SERVICE_USER"
    # shellcheck disable=SC2016 # the inner shell expands its own arguments
    runuser -u "$SERVICE_USER" -- env PYTHONOPTIMIZE=2 PYTHONPYCACHEPREFIX="$PYCACHE" \
        sh -c 'set -a; . "$1"; set +a; cd "$2/src" && exec "$2/venv/bin/python" -c "$3"' \
        warm-bytecode "$ETC/kituo.env" "$PREFIX" \
        "from app import create_app; create_app(); import app.pdf_render, gunicorn.app.wsgiapp, gunicorn.arbiter, gunicorn.workers.sync, gunicorn.glogging, huey.bin.huey_consumer, huey.consumer"
    changed "compiled bytecode in $PYCACHE"
fi

# --- 6. nginx ----------------------------------------------------------------------------

nginx_changed=no
if render_nginx | put_text /etc/nginx/sites-available/kituo 644 root:root "nginx site"; then
    nginx_changed=yes
fi
if [ "$(readlink /etc/nginx/sites-enabled/kituo 2>/dev/null || true)" != /etc/nginx/sites-available/kituo ]; then
    ln -sfn /etc/nginx/sites-available/kituo /etc/nginx/sites-enabled/kituo
    nginx_changed=yes
    changed "nginx site enabled"
fi
if [ -L /etc/nginx/sites-enabled/default ]; then
    rm /etc/nginx/sites-enabled/default
    nginx_changed=yes
    changed "nginx default site disabled"
fi
if one_nginx_worker /etc/nginx/nginx.conf; then
    nginx_changed=yes
    changed "nginx: one worker process"
fi
nginx -t -q

# --- 7. avahi: kituo.local ----------------------------------------------------------------

hosts_line=$(printf '127.0.1.1\t%s %s' "$SERVER_NAME" "$PI_NAME")
if [ "${KITUO_SET_HOSTNAME:-yes}" != no ] && [ -n "$PI_NAME" ] \
    && { [ "$(hostname)" != "$PI_NAME" ] || ! grep -qxF "$hosts_line" /etc/hosts; }; then
    old=$(hostname)
    if [ "$old" != "$PI_NAME" ]; then
        if systemd_running; then hostnamectl set-hostname "$PI_NAME"; else hostname "$PI_NAME"; fi
    fi
    echo "$PI_NAME" > /etc/hostname
    # The Pi opens its own name without asking the network.
    sed -i "s/^127\.0\.1\.1.*/$hosts_line/" /etc/hosts
    grep -qxF "$hosts_line" /etc/hosts || printf '%s\n' "$hosts_line" >> /etc/hosts
    changed "host name $old -> $PI_NAME (answers as $SERVER_NAME)"
fi
avahi_changed=no
if put_file "$PI_DIR/avahi-kituo.service" /etc/avahi/services/kituo.service 644 root:root "avahi service"; then
    avahi_changed=yes
fi

# --- 8. start or restart --------------------------------------------------------------------

if systemd_running; then
    if [ "$units_changed" = yes ]; then systemctl daemon-reload; fi
    for unit in avahi-daemon fake-hwclock nginx kituo-web kituo-worker; do
        if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
            systemctl enable --quiet "$unit"
            changed "enabled $unit"
        fi
    done
    if [ "${KITUO_NO_START:-}" != 1 ]; then
        if [ "${#CHANGES[@]}" -gt 0 ]; then
            systemctl restart kituo-web kituo-worker
        else
            systemctl start kituo-web kituo-worker
        fi
    fi
    if [ "$nginx_changed" = yes ] || [ "${#CHANGES[@]}" -gt 0 ]; then
        systemctl reload-or-restart nginx
    fi
    if [ "$avahi_changed" = yes ]; then systemctl reload-or-restart avahi-daemon; fi
else
    note "systemd is not running here: services were installed but not started."
fi

# --- summary ------------------------------------------------------------------------------------

if [ "${#CHANGES[@]}" -eq 0 ]; then
    note "Nothing changed: Kituo is installed and up to date."
    exit 0
fi
cat <<EOF

Kituo is installed: https://$SERVER_NAME/

Next steps (the README, "Running at the centre" explains each):
  1. First administrator:   sudo kituo create-user NAME --role admin
  2. Trust the certificate: on each phone and laptop open http://$SERVER_NAME/kituo-ca.crt
     and install it as a trusted certificate authority (CA).
  3. Backups: put the public key from \`age-keygen\` in $ETC/backup-recipients.txt,
     add places with \`sudo -u kituo rclone config --config $DATA/rclone.conf\`,
     list them in KITUO_BACKUP_DESTINATIONS in $ETC/kituo.env, then
     sudo systemctl restart kituo-web kituo-worker && sudo kituo backup run
EOF
