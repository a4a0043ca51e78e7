#!/usr/bin/env bash
# Builds libhv.so (release) and the demo programs, starts the C++ TcpServer echo server (written
# exactly as a libhv 1.3.3 program is) and talks to it with the C client, over TCP and TLS.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release --locked
LIB=target/release
ln -sf libhv.so "$LIB/libhv.so.0"
OUT=target/demo
mkdir -p "$OUT"
c++ -std=c++11 -Wall -Werror -Iinclude/hv c-examples/evpp/tcp_server.cpp -o "$OUT/tcp_server" \
    -L"$LIB" -lhv -Wl,-rpath,"$PWD/$LIB" -pthread
cc -std=c99 -Wall -Wextra -Werror -Iinclude/hv c-examples/tcp_client.c -o "$OUT/tcp_client" \
    -L"$LIB" -lhv -Wl,-rpath,"$PWD/$LIB" -pthread
cc -std=c99 -Wall -Wextra -Werror -Iinclude/hv c-examples/tcp_echo_server.c -o "$OUT/tcp_echo_server" \
    -L"$LIB" -lhv -Wl,-rpath,"$PWD/$LIB" -pthread

# A fresh self-signed certificate for the TLS part of the demo.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost" -addext "basicConstraints=critical,CA:FALSE" -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

PORT=${PORT:-10514}
echo "== C++ TcpServer (libhv API) echoing on 127.0.0.1:$PORT"
coproc SERVER { "$OUT/tcp_server" "$PORT"; }
sleep 0.5
"$OUT/tcp_client" 127.0.0.1 "$PORT" "hello from C over TCP"
echo "stop" >&"${SERVER[1]}"
wait "$SERVER_PID" || true

echo "== C echo server over TLS (rustls), verified by the C client"
coproc TLS { "$OUT/tcp_echo_server" 0 1 --tls "$OUT/cert.pem" "$OUT/key.pem"; }
read -r line <&"${TLS[0]}"
echo "$line"
TLS_PORT=$(echo "$line" | awk '{print $4}')
"$OUT/tcp_client" localhost "$TLS_PORT" --tls-verify "$OUT/cert.pem" "hello over TLS 1.3"
exec {TLS[1]}>&-
wait "$TLS_PID" || true
echo "== demo done (libhv.so: $LIB/libhv.so, no OpenSSL linked: $(ldd $LIB/libhv.so | grep -c -E 'libssl|libcrypto') OpenSSL libraries)"
