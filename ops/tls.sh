#!/usr/bin/env bash
# A throwaway certificate authority and a server certificate it signs, for the services' TLS listeners
# in tests. Nothing here is fit for production: the CA's key lies beside its certificate.
#   ops/tls.sh make DIR   writes DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key
#                         (server.pem: CN localhost, SANs DNS:localhost and IP:127.0.0.1, signed by ca.pem)
# TO_TLS_DAYS (3) sets how long both are valid. Running it again replaces all four files.
set -euo pipefail

DAYS=${TO_TLS_DAYS:-3}

make_certificates() {
    local dir=$1
    mkdir -p "$dir"
    # RSA 2048: the most widely accepted key type (Erlang's ssl, OpenSSL, BoringSSL in swift-nio-ssl).
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" -subj "/CN=tableorder test CA $(date +%s)" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$dir/server.key" -out "$dir/server.csr" \
        -subj "/CN=localhost" 2>/dev/null
    # What strict verifiers (BoringSSL, Erlang) look for in a server certificate: SANs (the CN is not read
    # for names any more), serverAuth, not a CA, and the issuer's key identifier to build the chain.
    cat >"$dir/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EXT
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days "$DAYS" -sha256 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
    chmod 600 "$dir/ca.key" "$dir/server.key"
    chmod 644 "$dir/ca.pem" "$dir/server.pem"
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null
}

case "${1:-}" in
    make) make_certificates "${2:?directory}" ;;
    *) echo "usage: $0 make DIR" >&2; exit 64 ;;
esac
