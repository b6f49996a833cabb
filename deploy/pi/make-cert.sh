#!/bin/sh
# Make (or renew) the centre's own certificate authority and the TLS
# certificate for kituo.local, signed by it.
#     deploy/pi/make-cert.sh DIR [HOSTNAME [ALIAS...]]
# DIR gets ca.key, ca.crt (give this one to phones and laptops to trust the
# site), kituo.key and kituo.crt. Idempotent: an existing CA is kept; the
# site certificate is only remade when missing, for another name, or within
# 30 days of expiry, or without one of the aliases (other names or IPv4
# addresses). Prints "changed" when it wrote anything.
set -eu
DIR=${1:?usage: make-cert.sh DIR [HOSTNAME [ALIAS...]]}
NAME=${2:-kituo.local}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
# Subject alternative names: the name, localhost, 127.0.0.1 and the aliases.
SAN="DNS:$NAME,DNS:localhost,IP:127.0.0.1"
WANTED="DNS:$NAME"
for alias in "$@"; do
    if printf '%s' "$alias" | grep -Eqx '[0-9]+(\.[0-9]+){3}'; then entry="IP:$alias"
    else entry="DNS:$alias"; fi
    case ",$SAN," in *",$entry,"*) ;; *) SAN="$SAN,$entry" ;; esac
    WANTED="$WANTED $entry"
done
umask 077
mkdir -p "$DIR"
changed=no

if [ ! -s "$DIR/ca.key" ] || [ ! -s "$DIR/ca.crt" ]; then
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -days 3650 -subj "/O=Kituo/CN=Kituo centre certificate authority" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
    changed=yes
fi

needs_cert() {
    [ -s "$DIR/kituo.key" ] && [ -s "$DIR/kituo.crt" ] || return 0
    openssl x509 -in "$DIR/kituo.crt" -noout -checkend 2592000 >/dev/null || return 0
    have=$(openssl x509 -in "$DIR/kituo.crt" -noout -ext subjectAltName 2>/dev/null \
        | tr -d ' ' | tr ',' '\n' | sed 's/^IPAddress:/IP:/')
    for entry in $WANTED; do
        printf '%s\n' "$have" | grep -qxF "$entry" || return 0
    done
    openssl verify -CAfile "$DIR/ca.crt" "$DIR/kituo.crt" >/dev/null 2>&1 || return 0
    return 1
}

if needs_cert; then
    CSR=$(mktemp)
    EXT=$(mktemp)
    trap 'rm -f "$CSR" "$EXT"' EXIT
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/O=Kituo/CN=$NAME" -keyout "$DIR/kituo.key" -out "$CSR" 2>/dev/null
    cat > "$EXT" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$SAN
EXT
    # 825 days: the longest that Apple devices accept from a private CA.
    openssl x509 -req -in "$CSR" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
        -days 825 -sha256 -extfile "$EXT" -out "$DIR/kituo.crt" 2>/dev/null
    changed=yes
fi
chmod 600 "$DIR/ca.key" "$DIR/kituo.key"
chmod 644 "$DIR/ca.crt" "$DIR/kituo.crt"
if [ "$changed" = yes ]; then echo changed; fi
