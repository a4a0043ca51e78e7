#!/usr/bin/env bash
# Builds libhv.so and libhv.a for the first user's platform (CentOS 7: glibc 2.17) with
# cargo-zigbuild, then fails unless:
#   - the highest GLIBC_ symbol version referenced is <= 2.17, and no function is left
#     undefined for want of one in glibc 2.17;
#   - NEEDED lists only libc, libm, libpthread, libdl, librt, libgcc_s and the loader;
#   - no aws-lc or OpenSSL crate is in the dependency tree;
#   - a C program linked against the result runs (an echo round trip over loopback).
# Output: target/zig/x86_64-unknown-linux-gnu/release/libhv.{so,a}
# CENTOS7_PROFILE=dev checks an unoptimised build instead (target/zig/.../debug): the same code
# and the same glibc symbols in a third of the build time (scripts/test.sh uses it).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-zigbuild >/dev/null 2>&1 || ! python3 -m ziglang version >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check ziglang cargo-zigbuild
fi

export CARGO_TARGET_DIR=target/zig
if [ "${CENTOS7_PROFILE:-release}" = dev ]; then
    cargo zigbuild --locked --lib --target x86_64-unknown-linux-gnu.2.17
    OUT=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/debug
else
    cargo zigbuild --release --locked --lib --target x86_64-unknown-linux-gnu.2.17
    OUT=$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release
fi
SO=$OUT/libhv.so

fail() { echo "centos7: $*" >&2; exit 1; }

highest=$(objdump -T "$SO" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n1)
[ "$(printf '%s\n2.17\n' "$highest" | sort -V | tail -n1)" = "2.17" ] \
    || fail "references GLIBC_$highest (> 2.17)"

# A function glibc 2.17 lacks is left undefined without a version: the library would fail to
# load (or to call it) on CentOS 7.
unversioned=$(nm -D --undefined-only "$SO" | awk '$1 == "U" && $2 !~ /@/ { print $2 }')
[ -z "$unversioned" ] || fail "functions glibc 2.17 does not have: $unversioned"

allowed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2)$'
bad=$(readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -Ev "$allowed" || true)
[ -z "$bad" ] || fail "unexpected NEEDED libraries: $bad"

crates=$(cargo tree --locked --target x86_64-unknown-linux-gnu -e normal,build --prefix none \
    | grep -E '^(aws-lc|openssl-sys|openssl )' || true)
[ -z "$crates" ] || fail "aws-lc or OpenSSL in the dependency tree: $crates"

ln -sf libhv.so "$OUT/libhv.so.0"
cc -std=c99 -Wall -Wextra -Werror -Iinclude/hv c-examples/consumer-make/main.c \
    -o "$OUT/echo_selftest" -L"$OUT" -lhv -Wl,-rpath,"$PWD/$OUT" -pthread
"$OUT/echo_selftest" | grep -q "echo ok" || fail "the glibc 2.17 build does not run"

echo "centos7: ok (GLIBC <= $highest, NEEDED: $(readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '))"
