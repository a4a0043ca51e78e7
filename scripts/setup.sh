#!/usr/bin/env bash
# Installs the system packages the build, demo and tests need on a fresh Debian machine.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
set -euo pipefail

need=()
command -v cc  >/dev/null 2>&1 || need+=(gcc)
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# A test that finds a hung program prints its threads with gdb.
command -v gdb >/dev/null 2>&1 || need+=(gdb)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# h2load: the HTTP/2 stream flood of tests/hostile_h2.rs.
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
# The soak's chart (scripts/soak.sh, run by scripts/test.sh) is drawn by Debian's python3.
/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1 || need+=(python3-matplotlib)
[ -f /usr/include/nlohmann/json.hpp ] || need+=(nlohmann-json3-dev)
# tests/hostile_policy.rs puts HAProxy (send-proxy / send-proxy-v2) in front of the server.
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
# The sanitizer pass of scripts/test.sh links every test program with ASan and UBSan: gcc 12's
# runtimes (installed with Debian 12's gcc, but separate packages that can be missing).
dpkg -s libasan8 >/dev/null 2>&1 || need+=(libasan8)
dpkg -s libubsan1 >/dev/null 2>&1 || need+=(libubsan1)

if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo (Rust toolchain) is required" >&2; exit 1; }
