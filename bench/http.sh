#!/usr/bin/env bash
# GET /ping, requests per second: hv-rs (c-examples/bench/ping_server.cpp, a C++ program written
# like a libhv user's, one worker thread), the same with its access log off, and nginx from
# Debian (one worker, access_log off, the same answer). Each server runs pinned to core 0 and
# wrk (-t1 -c100) to core 1; the servers alternate round by round, and the table gives medians
# and the ratio to nginx. Run it on a quiet machine.
#
#   bench/http.sh [rounds] [seconds per run]      (defaults: 3 rounds of 5 s)
#
# Writes the figures as JSON to target/bench/http.json too.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-5}

bash scripts/setup.sh
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
[ "$(nproc)" -ge 2 ] || { echo "bench: needs two cores (server and load apart)" >&2; exit 1; }

cargo build --release --locked
lib=$PWD/target/release
ln -sf libhv.so "$lib/libhv.so.0"
work=$PWD/target/bench
mkdir -p "$work"
c++ -std=c++11 -O2 -Wall -Werror -Iinclude/hv c-examples/bench/ping_server.cpp \
    -o "$work/ping_server" -L"$lib" -lhv -Wl,-rpath,"$lib" -pthread

cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $work/nginx-error.log;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work;
    proxy_temp_path $work;
    fastcgi_temp_path $work;
    uwsgi_temp_path $work;
    scgi_temp_path $work;
    server {
        listen 127.0.0.1:18181;
        location = /ping { default_type text/plain; return 200 "pong"; }
    }
}
CONF

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT

# Starts one server on core 0 and waits until it answers.
start_server() {
    case $1 in
    hv-rs) taskset -c 0 "$work/ping_server" 18180 1 >/dev/null & ;;
    hv-rs-nolog) taskset -c 0 "$work/ping_server" 18180 0 >/dev/null & ;;
    nginx) taskset -c 0 /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" & ;;
    esac
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$(port "$1")/ping" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "bench: $1 did not start" >&2
    exit 1
}

port() { [ "$1" = nginx ] && echo 18181 || echo 18180; }

# wrk's requests per second against one server.
measure() {
    taskset -c 1 wrk -t1 -c100 -d"${seconds}s" "http://127.0.0.1:$(port "$1")/ping" \
        | awk '/^Requests\/sec:/ { printf "%d\n", $2 }'
}

servers=(hv-rs hv-rs-nolog nginx)
declare -A results
for round in $(seq "$rounds"); do
    for s in "${servers[@]}"; do
        start_server "$s"
        rps=$(measure "$s")
        stop_server
        results[$s]="${results[$s]:-} $rps"
        echo "round $round: $s $rps req/s"
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
nginx_median=$(echo "${results[nginx]}" | median)
printf '\n| server | GET /ping req/s (median of %s) | ratio to nginx |\n| --- | --- | --- |\n' "$rounds"
json="{"
for s in "${servers[@]}"; do
    m=$(echo "${results[$s]}" | median)
    ratio=$(awk -v a="$m" -v b="$nginx_median" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s |\n' "$s" "$m" "$ratio"
    json="$json\"$s\": {\"runs\": [$(echo "${results[$s]}" | xargs | tr ' ' ',')], \"median\": $m, \"ratio_to_nginx\": $ratio},"
done
echo "${json%,}}" >"$work/http.json"
echo "figures: $work/http.json"
