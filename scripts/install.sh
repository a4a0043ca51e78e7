#!/usr/bin/env bash
# Installs hv-rs into a prefix with libhv's layout:
#   include/hv/*.h, lib/libhv.so (+ SONAME links), lib/libhv.a, lib/libhv_static.a,
#   lib/pkgconfig/libhv.pc, lib/cmake/libhv/libhvConfig*.cmake
#
#   scripts/install.sh [--libdir DIR] [PREFIX]     (default PREFIX /usr/local)
# Without --libdir it builds the release library first; with it, it installs what DIR holds
# (libhv.so and libhv.a, e.g. target/debug or a zigbuild output directory).
set -euo pipefail
cd "$(dirname "$0")/.."

LIBDIR=""
if [ "${1:-}" = "--libdir" ]; then
    LIBDIR=$2
    shift 2
fi
PREFIX=${1:-/usr/local}
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
SONAME=$(sed -n 's/^const SONAME: &str = "\(.*\)";/\1/p' build.rs)

if [ -z "$LIBDIR" ]; then
    cargo build --release --locked
    LIBDIR=target/release
fi
[ -f "$LIBDIR/libhv.so" ] && [ -f "$LIBDIR/libhv.a" ] || { echo "install: no libhv.so/libhv.a in $LIBDIR" >&2; exit 1; }

mkdir -p "$PREFIX/include/hv" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake/libhv"
shopt -s nullglob
install -m 0644 include/hv/*.h include/hv/*.hpp "$PREFIX/include/hv/"
install -m 0755 "$LIBDIR/libhv.so" "$PREFIX/lib/libhv.so.$VERSION"
ln -sfn "libhv.so.$VERSION" "$PREFIX/lib/$SONAME"
ln -sfn "$SONAME" "$PREFIX/lib/libhv.so"
install -m 0644 "$LIBDIR/libhv.a" "$PREFIX/lib/libhv.a"
ln -sfn libhv.a "$PREFIX/lib/libhv_static.a"

subst() {
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@VERSION@|$VERSION|g" -e "s|@SONAME@|$SONAME|g" "$1" > "$2"
}
subst packaging/libhv.pc.in "$PREFIX/lib/pkgconfig/libhv.pc"
subst packaging/libhvConfig.cmake.in "$PREFIX/lib/cmake/libhv/libhvConfig.cmake"
subst packaging/libhvConfigVersion.cmake.in "$PREFIX/lib/cmake/libhv/libhvConfigVersion.cmake"
echo "installed hv-rs $VERSION into $PREFIX"
