#!/bin/sh
# Make (or renew) the centre's own certificate authority and the TLS
# certificate for kituo.local, signed by it.
#     deploy/pi/make-cert.sh DIR [HOSTNAME]
# DIR gets ca.key, ca.crt (give this one to phones and laptops to trust the
# site), kituo.key and kituo.crt. Idempotent: an existing CA is kept; the
# site certificate is only remade when missing, for another name, or within
# 30 days of expiry. Prints "changed" when it wrote anything.
set -eu
DIR=${1:?usage: make-cert.sh DIR [HOSTNAME]}
NAME=${2:-kituo.local}
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
    openssl x509 -in "$DIR/kituo.crt" -noout -ext subjectAltName 2>/dev/null \
        | grep -q "DNS:$NAME\$\|DNS:$NAME," || return 0
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
subjectAltName=DNS:$NAME,DNS:localhost,IP:127.0.0.1
EXT
    # 825 days: the longest that Apple devices accept from a private CA.
    openssl x509 -req -in "$CSR" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
        -days 825 -sha256 -extfile "$EXT" -out "$DIR/kituo.crt" 2>/dev/null
    changed=yes
fi
chmod 600 "$DIR/ca.key" "$DIR/kituo.key"
chmod 644 "$DIR/ca.crt" "$DIR/kituo.crt"
if [ "$changed" = yes ]; then echo changed; fi
