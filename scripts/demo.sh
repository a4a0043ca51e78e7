#!/usr/bin/env bash
# The main demo: the first user's gateway, rebuilt unchanged against hv-rs. Builds libhv.so
# (release) and c-examples/gateway.cpp, makes a fresh self-signed certificate, starts the
# gateway on 8080 (HTTP) and 8443 (HTTPS, HTTP/2 by ALPN), checks it with curl, prints curl
# lines to try, and runs until Enter (or at once when stdin is not a terminal).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release --locked
LIB=target/release
ln -sf libhv.so "$LIB/libhv.so.0"
OUT=target/demo
mkdir -p "$OUT"
c++ -std=c++11 -Wall -Werror -Iinclude/hv c-examples/gateway.cpp -o "$OUT/gateway" \
    -L"$LIB" -lhv -Wl,-rpath,"$PWD/$LIB" -pthread

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=critical,CA:FALSE" \
    -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

HTTP_PORT=${HTTP_PORT:-8080}
HTTPS_PORT=${HTTPS_PORT:-8443}
coproc GW { "$OUT/gateway" "$HTTP_PORT" "$HTTPS_PORT" "$OUT/cert.pem" "$OUT/key.pem"; }
read -r line <&"${GW[0]}"
echo "$line"

echo "== self-check"
curl -sS "http://127.0.0.1:$HTTP_PORT/ping"; echo
curl -sS -d 'hello over http/1.1' "http://127.0.0.1:$HTTP_PORT/forward"; echo
curl -sS --cacert "$OUT/cert.pem" -w ' (HTTP/%{http_version})' -d 'hello over https' "https://127.0.0.1:$HTTPS_PORT/forward"; echo
echo "linked OpenSSL libraries: $(ldd "$LIB/libhv.so" | grep -c -E 'libssl|libcrypto')"

cat <<TRY
== try it
  curl http://127.0.0.1:$HTTP_PORT/ping
  curl -d 'hello' http://127.0.0.1:$HTTP_PORT/forward
  curl --http2-prior-knowledge -d 'hello h2c' http://127.0.0.1:$HTTP_PORT/forward
  curl --cacert $OUT/cert.pem -d 'hello h2' https://127.0.0.1:$HTTPS_PORT/forward
TRY
if [ -t 0 ]; then
    read -r -p "Press Enter to stop the gateway. " _
fi
exec {GW[1]}>&-
wait "$GW_PID" || true
