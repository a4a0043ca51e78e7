"""The bench's driver, started by bench/run.sh once everything is built (see bench/README.md).

    bench.py <rounds> <seconds>      (BENCH_ONLY=name,name picks scenarios)

Runs every scenario for <rounds> rounds; in each round every server of the scenario runs once,
one after the other (in reverse order every other round), pinned to core 0 with the load on
core 1 (the scaling scenario leaves both unpinned). Prints a markdown table of each server's
median and its median ratio to the scenario's reference within a round, and writes
target/bench/results.json and target/bench/results.png.
"""

import json
import os
import platform
import re
import resource
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "bench")
REL = os.path.join(ROOT, "target", "release")
CERT = os.path.join(WORK, "cert.pem")
KEY = os.path.join(WORK, "key.pem")
STATIC_DIR = os.path.join(WORK, "static")
STATIC_PATH = "/static/4k.bin"
ACCESS_LOG = os.path.join(WORK, "hv-rs-access.log")
SERVER_CORE = "0"
LOAD_CORE = "1"
# Connections per HTTP load and idle connections per memory figure.
CONNECTIONS = 100
IDLE_CONNECTIONS = int(os.environ.get("BENCH_IDLE_CONNECTIONS", "2000"))
ECHO_MESSAGE = 1024

warnings = []


def warn(msg):
    warnings.append(msg)
    print("bench: warning: " + msg, file=sys.stderr)


# ---------------------------------------------------------------- servers


# Every port is BENCH_PORT_BASE (default 28180) plus an offset.
BASE = int(os.environ.get("BENCH_PORT_BASE", "28180"))
HV_HTTP, NGINX_HTTP, HYPER_HTTP, HV_ECHO, EPOLL_ECHO = (BASE + i for i in range(5))
HV_HTTPS, NGINX_HTTPS, HYPER_HTTPS = (BASE + 10 + i for i in range(3))
NGINX_H2C = BASE + 21


def ping_server(access_log, threads="1"):
    log = ACCESS_LOG if access_log == "1" else "-"
    return [os.path.join(WORK, "ping_server"), str(HV_HTTP), access_log, threads, log,
            STATIC_DIR, str(HV_HTTPS), CERT, KEY]


# name -> (command, ports to wait for, http port, https port, h2c port)
SERVERS = {
    "hv-rs": (ping_server("1"), [HV_HTTP, HV_HTTPS], HV_HTTP, HV_HTTPS, HV_HTTP),
    "hv-rs-nolog": (ping_server("0"), [HV_HTTP, HV_HTTPS], HV_HTTP, HV_HTTPS, HV_HTTP),
    "nginx": (["/usr/sbin/nginx", "-c", os.path.join(WORK, "nginx.conf"), "-p", WORK],
              [NGINX_HTTP, NGINX_HTTPS, NGINX_H2C], NGINX_HTTP, NGINX_HTTPS, NGINX_H2C),
    "hyper_ref": ([os.path.join(REL, "hyper_ref"), str(HYPER_HTTP),
                   os.path.join(STATIC_DIR, "4k.bin"), str(HYPER_HTTPS), CERT, KEY],
                  [HYPER_HTTP, HYPER_HTTPS], HYPER_HTTP, HYPER_HTTPS, HYPER_HTTP),
    "hv-rs-echo": ([os.path.join(WORK, "tcp_echo_server"), str(HV_ECHO), "1"], [HV_ECHO],
                   HV_ECHO, None, None),
    "epoll-echo": ([os.path.join(WORK, "epoll_echo"), str(EPOLL_ECHO)], [EPOLL_ECHO],
                   EPOLL_ECHO, None, None),
    "hv-rs-1w": (ping_server("1", "1"), [HV_HTTP], HV_HTTP, None, None),
    "hv-rs-2w": (ping_server("1", "2"), [HV_HTTP], HV_HTTP, None, None),
}


def nginx_conf():
    locations = f"""
        location = /ping {{ default_type text/plain; return 200 "pong"; }}
        location /static/ {{ alias {STATIC_DIR}/; }}"""
    return f"""daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
error_log {WORK}/nginx-error.log;
pid {WORK}/nginx.pid;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ application/octet-stream bin; }}
    default_type application/octet-stream;
    client_body_temp_path {WORK};
    proxy_temp_path {WORK};
    fastcgi_temp_path {WORK};
    uwsgi_temp_path {WORK};
    scgi_temp_path {WORK};
    ssl_certificate {CERT};
    ssl_certificate_key {KEY};
    ssl_protocols TLSv1.2 TLSv1.3;
    server {{
        listen 127.0.0.1:{NGINX_HTTP};
        listen 127.0.0.1:{NGINX_HTTPS} ssl http2;{locations}
    }}
    server {{
        listen 127.0.0.1:{NGINX_H2C} http2;{locations}
    }}
}}
"""


class Server:
    """One server process, started on core 0 (or unpinned) and stopped when done."""

    def __init__(self, name, pinned=True, env=None):
        self.name = name
        cmd, wait_ports, self.http, self.https, self.h2c = SERVERS[name]
        if pinned:
            cmd = ["taskset", "-c", SERVER_CORE] + cmd
        busy = [p for p in wait_ports if self._listens(p)]
        if busy:
            sys.exit(f"bench: port {busy[0]} is taken by another program (set BENCH_PORT_BASE)")
        if os.path.exists(ACCESS_LOG):
            os.remove(ACCESS_LOG)
        self.stderr = open(os.path.join(WORK, name + ".stderr"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, env=dict(os.environ, **(env or {})))
        deadline = time.time() + 10
        for port in wait_ports:
            while not self._listens(port):
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    sys.exit(f"bench: {name} did not start (see {self.stderr.name})")
                time.sleep(0.05)

    @staticmethod
    def _listens(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid  # taskset execs the server: same process

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are the stat file's 14th and 15th fields (after pid and comm).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


# ---------------------------------------------------------------- loads


def run(cmd, pinned=True, timeout=None):
    if pinned:
        cmd = ["taskset", "-c", LOAD_CORE] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def wrk(server, url, seconds, threads=1, pinned=True):
    out = run(["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", url], pinned,
              seconds + 30)
    for bad in ("Non-2xx or 3xx responses", "Socket errors"):
        if bad in out:
            warn(f"{server.name} {url}: wrk saw {out[out.index(bad):].splitlines()[0]}")
    return float(re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M).group(1))


def h2load(server, url, seconds):
    out = run(["h2load", "-t1", f"-c{CONNECTIONS}", "-m10", "-D", str(seconds), url], True,
              seconds + 30)
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded", out)
    if m is None or m.group(3) != m.group(4) or int(m.group(4)) == 0:
        warn(f"{server.name} {url}: h2load {m.group(0) if m else out.strip()[-200:]}")
    return float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))


def handshakes(port, seconds):
    """Full TLS handshakes per second: four openssl s_time clients, each making fresh
    connections for the given time; their connections summed over the wall time."""
    cmd = ["taskset", "-c", LOAD_CORE, "openssl", "s_time", "-connect", f"127.0.0.1:{port}",
           "-new", "-time", str(seconds)]
    start = time.time()
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=seconds + 30)[0] for p in procs]
    elapsed = time.time() - start
    total = 0
    for out in outs:
        m = re.search(r"^(\d+) connections in [\d.]+s;", out, re.M)
        if m is None:
            sys.exit(f"bench: openssl s_time gave no count:\n{out}")
        total += int(m.group(1))
    return total / elapsed


# ---------------------------------------------------------------- scenarios
# Each scenario: its servers, the reference its ratios are to, and what one run of one server
# measures (a value per metric). Metrics: (key, label, unit, higher is better).


def http_get(path, tls=False):
    def measure(s, seconds):
        port, scheme = (s.https, "https") if tls else (s.http, "http")
        return {"rps": wrk(s, f"{scheme}://127.0.0.1:{port}{path}", seconds)}
    return measure


def h2(tls):
    def measure(s, seconds):
        url = f"https://127.0.0.1:{s.https}/ping" if tls else f"http://127.0.0.1:{s.h2c}/ping"
        return {"rps": h2load(s, url, seconds)}
    return measure


def tls_handshakes(s, seconds):
    return {"hs": handshakes(s.https, seconds)}


def echo(s, seconds):
    before = s.cpu_seconds()
    out = run([os.path.join(REL, "echo_load"), f"127.0.0.1:{s.http}", str(CONNECTIONS),
               str(ECHO_MESSAGE), str(seconds)], True, seconds + 30)
    cpu = s.cpu_seconds() - before
    m = re.search(r"echoed (\d+) bytes in [\d.]+ s, ([\d.]+) MB/s", out)
    echoed = int(m.group(1))
    return {"mbps": float(m.group(2)), "cpu": cpu / (echoed / 1e9)}


def idle_rss(tls):
    def measure(s, _seconds):
        before = s.rss_kib()
        port = s.https if tls else s.http
        cmd = ["taskset", "-c", LOAD_CORE, os.path.join(REL, "idle_conns"), f"127.0.0.1:{port}",
               str(IDLE_CONNECTIONS), "120"] + (["--tls"] if tls else [])
        holder = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = holder.stdout.readline()
        if not line.startswith("ready"):
            holder.kill()
            sys.exit(f"bench: idle_conns failed: {line}{holder.communicate()[1]}")
        # hv-rs parks a connection idle for 0.5 s and gives the freed pages back 1 s later
        # (README, Performance); nginx needs no time. Both get the same.
        time.sleep(3)
        after = s.rss_kib()
        holder.kill()
        holder.wait()
        return {"kib": (after - before) / IDLE_CONNECTIONS}
    return measure


def scaling(s, seconds):
    return {"rps": wrk(s, f"http://127.0.0.1:{s.http}/ping", seconds, threads=2, pinned=False)}


RPS = ("rps", "req/s", "req/s", True)
# Enough connections per hv-rs worker loop for the idle-connection figures.
IDLE_ENV = {"HV_WORKER_CONNECTIONS": str(IDLE_CONNECTIONS + 1000)}

SCENARIOS = [
    dict(name="http", title="GET /ping, default settings (hv-rs-nolog: enable_access_log = 0)",
         servers=["hv-rs", "hv-rs-nolog", "nginx", "hyper_ref"], ref="nginx",
         measure=http_get("/ping"), metrics=[RPS]),
    dict(name="https", title="GET /ping, HTTPS keep-alive, TLS 1.3",
         servers=["hv-rs", "nginx", "hyper_ref"], ref="nginx",
         measure=http_get("/ping", tls=True), metrics=[RPS]),
    dict(name="tls_handshakes", title="full TLS handshakes, RSA-2048, 4 s_time clients",
         servers=["hv-rs", "nginx"], ref="nginx", measure=tls_handshakes,
         metrics=[("hs", "handshakes/s", "handshakes/s", True)]),
    dict(name="echo", title=f"TCP echo, {CONNECTIONS} connections x 1 KiB",
         servers=["hv-rs-echo", "epoll-echo"], ref="epoll-echo", measure=echo,
         metrics=[("mbps", "MB/s", "MB/s", True),
                  ("cpu", "server CPU s per GB echoed", "s/GB", False)]),
    dict(name="idle_rss", title=f"RSS per idle keep-alive connection, plain ({IDLE_CONNECTIONS})",
         servers=["hv-rs", "nginx"], ref="nginx", measure=idle_rss(False), env=IDLE_ENV,
         metrics=[("kib", "KiB per connection", "KiB", False)]),
    dict(name="idle_rss_tls", title=f"RSS per idle keep-alive connection, TLS ({IDLE_CONNECTIONS})",
         servers=["hv-rs", "nginx"], ref="nginx", measure=idle_rss(True), env=IDLE_ENV,
         metrics=[("kib", "KiB per connection", "KiB", False)]),
    dict(name="static", title="GET of a 4 KiB static file",
         servers=["hv-rs", "nginx", "hyper_ref"], ref="nginx",
         measure=http_get(STATIC_PATH), metrics=[RPS]),
    dict(name="h2c", title="HTTP/2 by prior knowledge (h2load -c100 -m10) GET /ping",
         servers=["hv-rs", "nginx", "hyper_ref"], ref="nginx", measure=h2(False),
         metrics=[RPS]),
    dict(name="h2", title="HTTP/2 over TLS, ALPN (h2load -c100 -m10) GET /ping",
         servers=["hv-rs", "nginx", "hyper_ref"], ref="nginx", measure=h2(True),
         metrics=[RPS]),
    dict(name="scaling", title="GET /ping, 1 vs 2 worker threads, unpinned, wrk -t2",
         servers=["hv-rs-1w", "hv-rs-2w"], ref="hv-rs-1w", measure=scaling, pinned=False,
         metrics=[RPS]),
]


# ---------------------------------------------------------------- report


def machine():
    def cmd(args):
        try:
            p = subprocess.run(args, capture_output=True, text=True)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    model = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        if m:
            model = m.group(1)
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "nginx": cmd(["/usr/sbin/nginx", "-v"]), "wrk": cmd(["wrk", "-v"]),
            "h2load": cmd(["h2load", "--version"]), "openssl": cmd(["openssl", "version"])}


def report(chosen, results, rounds, seconds):
    rows, metrics = [], []
    for sc in chosen:
        for key, label, unit, higher in sc["metrics"]:
            ref_runs = results[(sc["name"], key, sc["ref"])]
            servers = {}
            for name in sc["servers"]:
                runs = results[(sc["name"], key, name)]
                med = statistics.median(runs)
                # Each round's servers run back to back, so a round's ratio is free of the
                # machine's drift between rounds, which the medians of the values are not.
                ratios = [v / r if r else float("nan") for v, r in zip(runs, ref_runs)]
                ratio = statistics.median(ratios)
                servers[name] = {"runs": runs, "median": med, "round_ratios": ratios,
                                 "ratio": ratio}
                rows.append(f"| {sc['name']} | {sc['title']}, {label} | {name} | {med:,.1f} | "
                            f"{ratio:.2f}{' (ref)' if name == sc['ref'] else ''} |")
            metrics.append({"scenario": sc["name"], "title": sc["title"], "metric": key,
                            "label": label, "unit": unit,
                            "better": "higher" if higher else "lower", "reference": sc["ref"],
                            "servers": servers})
    print(f"\n| scenario | figure | server | median of {rounds} | median ratio of a round |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    doc = {"rounds": rounds, "seconds": seconds, "machine": machine(),
           "setup": f"servers on core {SERVER_CORE}, load on core {LOAD_CORE} (scaling: both "
                    f"unpinned), {CONNECTIONS} connections, {IDLE_CONNECTIONS} idle connections",
           "metrics": metrics, "warnings": warnings}
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    chart(metrics, rounds, seconds)
    print(f"\nfigures: {WORK}/results.json, chart: {WORK}/results.png")
    if warnings:
        print("warnings:\n  " + "\n  ".join(warnings))


def chart(metrics, rounds, seconds):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    names = []
    for m in metrics:
        names += [n for n in m["servers"] if n not in names]
    colors = {n: plt.cm.tab10(i % 10) for i, n in enumerate(names)}
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(metrics) + 2), 5.5))
    width = 0.8 / max(len(m["servers"]) for m in metrics)
    labelled = set()
    for i, m in enumerate(metrics):
        servers = list(m["servers"].items())
        for j, (name, fig_) in enumerate(servers):
            x = i + (j - (len(servers) - 1) / 2) * width
            # Each bar grows from the reference line (1.0) up or down to its ratio.
            ax.bar(x, fig_["ratio"] - 1, width, bottom=1, color=colors[name],
                   label=None if name in labelled else name)
            labelled.add(name)
            ax.text(x, fig_["ratio"], f"{fig_['ratio']:.2f}", ha="center",
                    va="bottom" if fig_["ratio"] >= 1 else "top", fontsize=7)
    # Log scale: a ratio of 2 and one of 0.5 are as far from the reference.
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(metrics)))
    ax.set_xticklabels([f"{m['scenario']}\n{m['unit']} ({m['better']} better)\nref {m['reference']}"
                        for m in metrics], fontsize=8)
    ax.set_ylabel("ratio to the scenario's reference (median of the rounds)")
    ax.set_title(f"hv-rs bench: medians of {rounds} round(s) of {seconds} s, "
                 f"server on core {SERVER_CORE}, load on core {LOAD_CORE}")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(WORK, "results.png"), dpi=110)


# ---------------------------------------------------------------- main


def main():
    rounds, seconds = int(sys.argv[1]), int(sys.argv[2])
    only = [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n]
    known = [sc["name"] for sc in SCENARIOS]
    unknown = [n for n in only if n not in known]
    if unknown:
        sys.exit(f"bench: unknown scenario {', '.join(unknown)} (known: {', '.join(known)})")
    chosen = [sc for sc in SCENARIOS if not only or sc["name"] in only]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    with open(os.path.join(WORK, "nginx.conf"), "w") as f:
        f.write(nginx_conf())

    results = {}
    for sc in chosen:
        for rnd in range(1, rounds + 1):
            # Every other round runs the servers in reverse, so none always runs first.
            order = sc["servers"] if rnd % 2 else sc["servers"][::-1]
            for name in order:
                server = Server(name, sc.get("pinned", True), sc.get("env"))
                try:
                    got = sc["measure"](server, seconds)
                finally:
                    server.stop()
                for key, value in got.items():
                    results.setdefault((sc["name"], key, name), []).append(value)
                shown = ", ".join(f"{k} {v:,.1f}" for k, v in got.items())
                print(f"{sc['name']} round {rnd}: {name}: {shown}", flush=True)
    report(chosen, results, rounds, seconds)


if __name__ == "__main__":
    main()
