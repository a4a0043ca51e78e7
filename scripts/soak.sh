#!/usr/bin/env bash
# The soak (soak/README.md): builds the release library, the gateway (c-examples/gateway.cpp)
# and the hostile catalogue, then runs soak/soak.py against the gateway for SECONDS (default
# 600) and writes soak.csv and soak.png to OUT (default target/soak). Exit status 1 on any
# failure it names.
#
#   bash scripts/soak.sh            # 10 minutes
#   bash scripts/soak.sh 86400      # 24 hours
# Further options go to soak.py (bash scripts/soak.sh 600 target/soak --rate 800).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
out=${2:-target/soak}
shift $(( $# > 2 ? 2 : $# ))
bash scripts/setup.sh
cargo build --release --locked --lib --bin hostile
LIB=target/release
ln -sf libhv.so "$LIB/libhv.so.0"
mkdir -p "$out"
c++ -std=c++11 -O2 -Wall -Werror -Iinclude/hv c-examples/gateway.cpp -o "$out/gateway" \
    -L"$LIB" -lhv -Wl,-rpath,"$PWD/$LIB" -pthread
exec /usr/bin/python3 soak/soak.py --gateway "$out/gateway" --hostile "$LIB/hostile" \
    --out "$out" --duration "$seconds" "$@"
