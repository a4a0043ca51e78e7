#!/usr/bin/env bash
# The hv-rs bench (bench/README.md): hv-rs's libhv-style C++ programs against nginx, a bare-hyper
# reference and a minimal C epoll echo, each server pinned to core 0 and the load to core 1,
# alternating round by round; prints a markdown table of medians and ratios and writes
# target/bench/results.json and target/bench/results.png.
#
#   bench/run.sh [rounds] [seconds per run]          (defaults: 3 rounds of 5 s, ~8 minutes)
#   BENCH_ONLY=http,echo bench/run.sh 1 3            (only these scenarios)
#
# Scenarios: http https tls_handshakes echo idle_rss idle_rss_tls static h2c h2 scaling.
# Run it on a quiet machine with at least two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-5}

bash scripts/setup.sh
# What only the bench needs, from Debian (setup.sh brings h2load and matplotlib).
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
[ "$(nproc)" -ge 2 ] || { echo "bench: needs two cores (server and load apart)" >&2; exit 1; }

cargo build --release --locked
lib=$PWD/target/release
ln -sf libhv.so "$lib/libhv.so.0"
work=$PWD/target/bench
mkdir -p "$work/static"
for p in ping_server tcp_echo_server; do
    c++ -std=c++11 -O2 -Wall -Werror -Iinclude/hv "c-examples/bench/$p.cpp" \
        -o "$work/$p" -L"$lib" -lhv -Wl,-rpath,"$lib" -pthread
done
cc -std=c99 -O2 -Wall -Wextra -Werror bench/epoll_echo.c -o "$work/epoll_echo"

# One self-signed RSA-2048 certificate for every HTTPS server, and the 4 KiB static file.
[ -s "$work/cert.pem" ] && [ -s "$work/key.pem" ] ||
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
        -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
[ "$(stat -c %s "$work/static/4k.bin" 2>/dev/null)" = 4096 ] ||
    head -c 4096 /dev/urandom >"$work/static/4k.bin"

exec /usr/bin/python3 bench/bench.py "$rounds" "$seconds"
