#!/usr/bin/env python3
"""The soak: the first user's gateway (c-examples/gateway.cpp: HTTP + HTTPS HttpService ->
TcpClient -> TcpServer) under mixed legitimate and hostile traffic for a given time, sampled
every second. scripts/soak.sh builds what it runs and starts it; see soak/README.md.

Legitimate traffic, every answer checked:
  - h2load at a fixed rate on GET /ping: HTTP/1.1, HTTPS (HTTP/1.1), h2c and h2 (TLS, ALPN);
  - POST /forward over HTTP/1.1 and HTTPS keep-alive connections (new ones now and then), each
    body unique and its upper-cased echo checked; a 503 "backend unavailable" is right only
    while the backend restarts.
Hostile traffic, from 127.0.0.2 (another client address): the hostile catalogue
(`hostile --skip-slow`, HTTP and HTTPS, which judges every answer itself), slowloris
connections, scanner floods of *.php probes, peers that hang up mid-answer or reset, TLS
garbage, oversized bodies.
Events: certificate reloads (a new leaf of the same CA, checked on the next handshake) and
backend restarts (the TcpClient reconnects).

It fails (exit 1) if the gateway dies, any legitimate request fails or gets a wrong answer, a
reload does not take effect, the forward path does not come back after a restart, the hostile
catalogue fails, RSS grows by more than --rss-growth-mib or the heap in use (the gateway's
mallinfo2) by more than --heap-growth-mib after warm-up, or, once the traffic has stopped,
the gateway keeps more fds or threads than it had before the traffic started.
"""

import argparse
import csv
import http.client
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

HOSTILE_ADDR = "127.0.0.2"
SCANNER_PATHS = ["/wp-login.php", "/xmlrpc.php", "/.env", "/phpmyadmin/index.php",
                 "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/cgi-bin/luci",
                 "/admin.php", "/shell.php?cmd=id", "/.git/config", "/boaform/admin/formLogin"]


class Failures:
    """Every failure seen, kept with its time; the first few are printed as they come."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []

    def add(self, what):
        with self.lock:
            self.items.append(f"{time.monotonic() - START:.1f}s {what}")
            if len(self.items) <= 20:
                print(f"soak: FAIL {what}", file=sys.stderr, flush=True)

    def count(self):
        with self.lock:
            return len(self.items)


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def add(self, n=1):
        with self.lock:
            self.value += n

    def take(self):
        with self.lock:
            v, self.value = self.value, 0
            return v


class Tally:
    """Counts by name, shared by the traffic threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, name, n=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def get(self, name):
        with self.lock:
            return self.counts.get(name, 0)

    def summary(self):
        with self.lock:
            return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))


START = time.monotonic()
FAIL = Failures()
STOP = threading.Event()


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


class Certs:
    """A CA made once and a leaf for localhost that a reload replaces with a new one."""

    def __init__(self, folder):
        self.folder = folder
        self.ca, self.ca_key = f"{folder}/ca.pem", f"{folder}/ca.key"
        self.cert, self.key = f"{folder}/cert.pem", f"{folder}/key.pem"
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "30", "-subj", "/CN=soak CA", "-keyout", self.ca_key,
                "-out", self.ca)
        with open(f"{folder}/leaf.ext", "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n")
        self.generation = 0
        self.leaf_der = self.new_leaf()

    def new_leaf(self):
        """Writes a new key and certificate (renamed into place, key first) and returns the
        certificate's DER."""
        self.generation += 1
        tmp = f"{self.folder}/next"
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-subj", f"/CN=localhost {self.generation}", "-keyout", f"{tmp}.key",
                "-out", f"{tmp}.csr")
        openssl("x509", "-req", "-in", f"{tmp}.csr", "-CA", self.ca, "-CAkey", self.ca_key,
                "-set_serial", str(1000 + self.generation), "-days", "2",
                "-extfile", f"{self.folder}/leaf.ext", "-out", f"{tmp}.pem")
        with open(f"{tmp}.pem") as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        os.replace(f"{tmp}.key", self.key)
        os.replace(f"{tmp}.pem", self.cert)
        return der

    def context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


class Gateway:
    """The gateway process; a command on its stdin is answered by a line on its stdout."""

    def __init__(self, exe, ports, certs):
        self.proc = subprocess.Popen(
            [exe, str(ports["http"]), str(ports["https"]), certs.cert, certs.key,
             str(ports["backend"])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        ready = self.proc.stdout.readline()
        if "gateway ready" not in ready:
            sys.exit(f"soak: the gateway did not start: {ready!r}, exit {self.proc.wait()}")
        self.lock = threading.Lock()

    def ask(self, line):
        """Sends a command; its answer line, stripped."""
        with self.lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            return self.proc.stdout.readline().strip()

    def command(self, line):
        answer = self.ask(line)
        if answer != f"{line} ok":
            FAIL.add(f"gateway command {line!r} answered {answer!r}")

    def heap_kib(self):
        """What malloc holds in use, KiB; 0 where the gateway's glibc cannot tell."""
        answer = self.ask("heap").split()
        if answer[:2] != ["heap", "ok"]:
            FAIL.add(f"gateway command 'heap' answered {answer!r}")
            return 0
        return int(answer[2]) // 1024

    def alive(self):
        return self.proc.poll() is None


class Backend:
    """When the backend last restarted, so a checker knows whether a 503 is right."""

    GRACE = 3.0

    def __init__(self):
        self.lock = threading.Lock()
        self.restarting_since = None
        self.last_restart_end = -1e9

    def begin(self):
        with self.lock:
            self.restarting_since = time.monotonic()

    def end(self):
        with self.lock:
            self.restarting_since = None
            self.last_restart_end = time.monotonic()

    def unavailable_is_right(self, sent_at):
        with self.lock:
            return (self.restarting_since is not None
                    or sent_at - self.last_restart_end < self.GRACE
                    or time.monotonic() - self.last_restart_end < self.GRACE)


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def h2load_loop(name, url, extra, rate, chunk, stats):
    """h2load in back-to-back runs of `chunk` seconds at `rate` requests/s; every request must
    succeed with a 2xx. h2load prints its counts only at the end of a run, so the per-second
    samples carry the rate of the run before."""
    clients = 4
    while not STOP.is_set():
        cmd = ["h2load", "-c", str(clients), "--rps", str(max(1, rate // clients)),
               "-n", str(rate * chunk), *extra, url]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        reqs = [l for l in out.splitlines() if l.startswith("requests:")]
        codes = [l for l in out.splitlines() if l.startswith("status codes:")]
        if not reqs or not codes:
            FAIL.add(f"h2load {name}: no summary: {out[-300:]!r}")
            continue
        n = [int(w) for w in reqs[0].replace(",", " ").split() if w.isdigit()]
        total, succeeded = n[0], n[3]
        ok2xx = int(codes[0].split(":")[1].split()[0])
        if succeeded != total or ok2xx != total:
            FAIL.add(f"h2load {name}: {reqs[0]} / {codes[0]}")
        RATES[name] = total / chunk
        stats.add(name, total)


def forward_checker(tag, port, tls_ctx, backend, done, stats):
    """POSTs unique lines to /forward on a keep-alive connection (a new one every 200 requests)
    and checks each echo; about 100 requests/s."""
    n = 0
    conn = None
    while not STOP.is_set():
        if conn is None or n % 200 == 0:
            if conn is not None:
                conn.close()
            conn = (http.client.HTTPSConnection("localhost", port, context=tls_ctx(), timeout=10)
                    if tls_ctx else http.client.HTTPConnection("127.0.0.1", port, timeout=10))
        n += 1
        body = f"{tag}-{n}-{random.getrandbits(32):08x}"
        sent = time.monotonic()
        try:
            conn.request("POST", "/forward", body=body)
            r = conn.getresponse()
            answer = r.read().decode()
        except Exception as e:  # any failure of a legitimate request is a finding
            FAIL.add(f"forward {tag} #{n}: {type(e).__name__}: {e}")
            conn = None
            continue
        if r.status == 200 and answer == body.upper():
            done.add()
            stats.add("forward_ok", 1)
        elif r.status == 503 and answer == "backend unavailable" and backend.unavailable_is_right(sent):
            stats.add("forward_503_in_restart", 1)
        else:
            FAIL.add(f"forward {tag} #{n}: {r.status} {answer[:80]!r} for {body!r}")
        time.sleep(0.01)


def hostile_socket(port, timeout=5):
    s = socket.socket()
    s.bind((HOSTILE_ADDR, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def reset(s):
    """Closes with an RST instead of a FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()


def read_status(s):
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else ""


def hostile_mix(ports, count):
    """One round of the raw hostile traffic: each kind once. A probe that expects an answer
    checks it; the rest only have to leave the gateway standing."""
    http_port, https_port = ports["http"], ports["https"]
    # A scanner flood: pipelined *.php probes on one connection, each answered 404.
    with hostile_socket(http_port) as s:
        reqs = "".join(f"GET {p} HTTP/1.1\r\nHost: localhost\r\n\r\n" for p in SCANNER_PATHS)
        s.sendall(reqs.encode())
        got = b""
        while got.count(b"HTTP/1.1 404") < len(SCANNER_PATHS):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        if got.count(b"HTTP/1.1 404") != len(SCANNER_PATHS):
            FAIL.add(f"scanner flood: {got.count(b'HTTP/1.1 404')} of {len(SCANNER_PATHS)} 404s")
    # A peer that hangs up mid-answer: many pipelined requests, then a reset without reading.
    s = hostile_socket(http_port)
    s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" * 400)
    reset(s)
    # The same over TLS: the handshake done, requests sent, then a reset.
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        t = ctx.wrap_socket(hostile_socket(https_port), server_hostname="localhost")
        t.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
        reset(t)
    except OSError:
        pass
    # An abrupt reset in the middle of a head.
    s = hostile_socket(http_port)
    s.sendall(b"POST /forward HTTP/1.1\r\nHost: x\r\nContent-Le")
    reset(s)
    # An oversized body: refused with 413 before it is read.
    with hostile_socket(http_port) as s:
        s.sendall(b"POST /forward HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + b"x" * 1024)
        try:
            status = read_status(s)
        except OSError as e:
            status = f"{type(e).__name__}"
        if status != "413":
            FAIL.add(f"oversized body: {status!r} instead of 413")
    # TLS garbage on the HTTPS port, a TLS ClientHello on the HTTP port.
    with hostile_socket(https_port) as s:
        s.sendall(os.urandom(512))
        try:
            s.recv(4096)
        except OSError:
            pass
    with hostile_socket(http_port) as s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64))
        try:
            s.recv(4096)
        except OSError:
            pass
    # A handshake abandoned halfway.
    s = hostile_socket(https_port)
    s.sendall(b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + os.urandom(32))
    reset(s)
    count.add(8)


def hostile_loop(ports, hostile_exe, count):
    rounds = 0
    while not STOP.is_set():
        try:
            hostile_mix(ports, count)
        except OSError as e:
            FAIL.add(f"hostile mix: the gateway refused a connection: {e}")
        rounds += 1
        if rounds % 20 == 0:
            for args in ([f"127.0.0.1:{ports['http']}"],
                         [f"127.0.0.1:{ports['https']}", "--tls", "--sni", "localhost"]):
                r = subprocess.run([hostile_exe, *args, "--skip-slow"], capture_output=True, text=True)
                count.add(r.stdout.count("| PASS |") + r.stdout.count("| FAIL |"))
                if r.returncode != 0:
                    fails = [l for l in r.stdout.splitlines() if "FAIL" in l]
                    FAIL.add(f"hostile {' '.join(args)}: {fails[:5]}")
        STOP.wait(0.2)


def slowloris(port, conns):
    """Holds `conns` connections open trickling a head one byte every 2 s; the gateway closes
    each at its head timeout and a new one takes its place."""
    held = []
    while not STOP.is_set():
        while len(held) < conns:
            try:
                s = hostile_socket(port)
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                held.append(s)
            except OSError:
                break
        for s in list(held):
            try:
                s.send(b"X")
            except OSError:
                held.remove(s)
                s.close()
        STOP.wait(2)
    for s in held:
        s.close()


def events(gateway, certs, backend, reload_every, restart_every, stats):
    """Certificate reloads and backend restarts at their periods; each reload is checked by
    the certificate the next handshake gets."""
    next_reload, next_restart = time.monotonic() + reload_every, time.monotonic() + restart_every
    while not STOP.wait(0.5):
        now = time.monotonic()
        if now >= next_reload:
            der = certs.new_leaf()
            gateway.command("reload")
            with socket.create_connection(("127.0.0.1", PORTS["https"]), timeout=5) as raw:
                with certs.context().wrap_socket(raw, server_hostname="localhost") as t:
                    if t.getpeercert(binary_form=True) != der:
                        FAIL.add(f"reload {certs.generation}: the old certificate is still served")
            stats.add("reloads", 1)
            EVENTS.append((now - START, "reload"))
            next_reload = now + reload_every
        if now >= next_restart:
            backend.begin()
            gateway.command("restart-backend")
            backend.end()
            stats.add("backend_restarts", 1)
            EVENTS.append((now - START, "restart"))
            next_restart = now + restart_every


def sample(pid, ports):
    with open(f"/proc/{pid}/status") as f:
        status = dict(l.split(":", 1) for l in f if ":" in l)
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    served = {ports["http"], ports["https"]}
    conns = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) in served:
                    conns += 1
    return int(status["VmRSS"].split()[0]), fds, int(status["Threads"]), conns


EVENTS = []
PORTS = {}
# h2load's rate by protocol, from its latest run.
RATES = {}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--hostile", required=True)
    ap.add_argument("--out", required=True, help="folder for soak.csv, soak.png and the certificates")
    ap.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    ap.add_argument("--warmup", type=float, default=None, help="seconds (default: 20%% of the duration, at most 120)")
    ap.add_argument("--rate", type=int, default=400, help="h2load requests/s per protocol (default 400)")
    ap.add_argument("--reload-every", type=float, default=30)
    ap.add_argument("--restart-every", type=float, default=45)
    ap.add_argument("--rss-growth-mib", type=float, default=16)
    ap.add_argument("--heap-growth-mib", type=float, default=4)
    ap.add_argument("--slowloris", type=int, default=16, help="slowloris connections held (default 16)")
    a = ap.parse_args()
    warmup = a.warmup if a.warmup is not None else min(120, a.duration * 0.2)
    os.makedirs(a.out, exist_ok=True)

    PORTS.update(zip(["http", "https", "backend"], free_ports(3)))
    certs = Certs(a.out)
    gateway = Gateway(a.gateway, PORTS, certs)
    backend = Backend()
    time.sleep(0.5)
    base_rss, base_fds, base_threads, _ = sample(gateway.proc.pid, PORTS)
    print(f"soak: gateway pid {gateway.proc.pid} on {PORTS}, {a.duration:.0f} s, "
          f"warm-up {warmup:.0f} s; at start: RSS {base_rss} KiB, {base_fds} fds, "
          f"{base_threads} threads", flush=True)

    legit, hostile_count, stats = Counter(), Counter(), Tally()
    http_url, https_url = f"http://127.0.0.1:{PORTS['http']}/ping", f"https://127.0.0.1:{PORTS['https']}/ping"
    workers = [
        threading.Thread(target=h2load_loop, args=("http1", http_url, ["--h1"], a.rate, 10, stats)),
        threading.Thread(target=h2load_loop, args=("https1", https_url, ["--h1"], a.rate, 10, stats)),
        threading.Thread(target=h2load_loop, args=("h2c", http_url, [], a.rate, 10, stats)),
        threading.Thread(target=h2load_loop, args=("h2", https_url, [], a.rate, 10, stats)),
        threading.Thread(target=hostile_loop, args=(PORTS, a.hostile, hostile_count)),
        threading.Thread(target=slowloris, args=(PORTS["http"], a.slowloris // 2)),
        threading.Thread(target=slowloris, args=(PORTS["https"], a.slowloris - a.slowloris // 2)),
        threading.Thread(target=events, args=(gateway, certs, backend, a.reload_every, a.restart_every, stats)),
    ]
    for i in range(2):
        workers.append(threading.Thread(target=forward_checker, args=(f"plain{i}", PORTS["http"], None, backend, legit, stats)))
        workers.append(threading.Thread(target=forward_checker, args=(f"tls{i}", PORTS["https"], certs.context, backend, legit, stats)))
    for w in workers:
        w.daemon = True
        w.start()

    rows = []
    csv_path = f"{a.out}/soak.csv"
    with open(csv_path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["seconds", "rss_kib", "fds", "threads", "connections", "legit_rps", "hostile_per_s", "failures",
                      "heap_kib"])
        end = START + a.duration
        next_tick = time.monotonic() + 1
        while time.monotonic() < end:
            time.sleep(max(0, next_tick - time.monotonic()))
            next_tick += 1
            if not gateway.alive():
                FAIL.add(f"the gateway died: exit {gateway.proc.returncode}")
                break
            row = [round(time.monotonic() - START), *sample(gateway.proc.pid, PORTS),
                   round(legit.take() + sum(RATES.values())), hostile_count.take(), FAIL.count(),
                   gateway.heap_kib()]
            rows.append(row)
            out.writerow(row)
            f.flush()
            if row[0] % 60 == 0:
                print(f"soak: {row[0]} s: RSS {row[1]} KiB, {row[2]} fds, {row[3]} threads, "
                      f"{row[4]} connections, {FAIL.count()} failures", flush=True)

    STOP.set()
    for w in workers:
        w.join(timeout=30)
    # Once the traffic is gone the gateway must hold what it held before it came.
    quiet = None
    for _ in range(30):
        if not gateway.alive():
            break
        quiet = sample(gateway.proc.pid, PORTS)
        if quiet[1] <= base_fds and quiet[2] <= base_threads:
            break
        time.sleep(1)
    after = [r for r in rows if r[0] > warmup]
    # Threads the library starts on first use (the log flusher, the certificate reload) are
    # there by the end of warm-up.
    warm_threads = after[0][3] if after else base_threads
    if quiet is not None:
        if quiet[1] > base_fds:
            FAIL.add(f"fds: {quiet[1]} after the traffic, {base_fds} before it")
        if quiet[2] > warm_threads:
            FAIL.add(f"threads: {quiet[2]} after the traffic, {warm_threads} at warm-up's end: "
                     f"{thread_names(gateway.proc.pid)}")
    # A leak keeps climbing; the allocator's high-water mark steps up now and then and stays.
    # The median of the last quarter may not pass the peak of the quarter after warm-up by more
    # than the bound.
    early, late = rss_windows(after)
    if early and late and late - early > a.rss_growth_mib * 1024:
        FAIL.add(f"RSS grew from a peak of {early} KiB after warm-up to a median of {late} KiB "
                 f"in the last quarter (bound {a.rss_growth_mib} MiB)")
    # The heap in use rises and falls with the bodies in flight, so medians on both sides; a
    # leak of 20 bytes a request passes the bound within three minutes of this traffic.
    heap_early, heap_late = heap_windows(after)
    if heap_early and heap_late and heap_late - heap_early > a.heap_growth_mib * 1024:
        FAIL.add(f"the heap in use grew from a median of {heap_early} KiB after warm-up to "
                 f"{heap_late} KiB in the last quarter (bound {a.heap_growth_mib} MiB)")
    if stats.get("backend_restarts") and not stats.get("forward_ok"):
        FAIL.add("no forwarded request was answered")
    if gateway.alive():
        gateway.proc.stdin.close()
        if gateway.proc.wait(timeout=30) != 0:
            FAIL.add(f"the gateway exited with {gateway.proc.returncode}")
    chart(rows, warmup, f"{a.out}/soak.png")

    print(f"soak: {len(rows)} s sampled; legitimate requests answered: "
          f"{stats.summary()}")
    if rows:
        print(f"soak: RSS {base_rss} KiB at start, peak {early} KiB after warm-up, median {late} KiB in "
              f"the last quarter, {rows[-1][1]} KiB at the end; fds {base_fds} at start, peak "
              f"{max(r[2] for r in rows)}, {quiet[1] if quiet else '-'} after; threads {base_threads} "
              f"at start, {warm_threads} after warm-up, {quiet[2] if quiet else '-'} after; heap "
              f"in use {heap_early} KiB after warm-up, {heap_late} KiB in the last quarter (medians)")
    print(f"soak: wrote {csv_path} and {a.out}/soak.png")
    if FAIL.count():
        print(f"soak: FAILED, {FAIL.count()} failures:", *FAIL.items[:50], sep="\n  ")
        return 1
    print("soak: passed")
    return 0


def rss_windows(after):
    """The RSS peak (KiB) of the first quarter of the samples after warm-up, and the median of
    the last quarter."""
    if len(after) < 8:
        return None, None
    q = len(after) // 4
    return max(r[1] for r in after[:q]), sorted(r[1] for r in after[-q:])[q // 2]


def heap_windows(after):
    """The medians (KiB) of the heap in use over the first and the last quarter after warm-up;
    None where the gateway cannot tell."""
    if len(after) < 8 or not any(r[8] for r in after):
        return None, None
    q = len(after) // 4
    return tuple(sorted(r[8] for r in window)[q // 2] for window in (after[:q], after[-q:]))


def thread_names(pid):
    names = []
    for tid in sorted(os.listdir(f"/proc/{pid}/task")):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            names.append(f.read().strip())
    return ", ".join(names)


def chart(rows, warmup, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not rows:
        return
    t = [r[0] / 60 for r in rows]
    fig, axes = plt.subplots(5, 1, figsize=(10, 12), sharex=True)
    panels = [
        ("MiB", [("RSS", [r[1] / 1024 for r in rows]), ("heap in use", [r[8] / 1024 for r in rows])]),
        ("count", [("open fds", [r[2] for r in rows]), ("threads", [r[3] for r in rows])]),
        ("connections", [("established", [r[4] for r in rows])]),
        ("per second", [("legitimate requests", [r[5] for r in rows])]),
        ("per second", [("hostile connections", [r[6] for r in rows])]),
    ]
    for ax, (label, series) in zip(axes, panels):
        for name, ys in series:
            ax.plot(t, ys, label=name, linewidth=1)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.axvline(warmup / 60, color="grey", linestyle=":", linewidth=1)
        for when, kind in EVENTS:
            ax.axvline(when / 60, color="tab:red" if kind == "restart" else "tab:green",
                       alpha=0.25, linewidth=0.8)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel("minutes (dotted: end of warm-up; green: certificate reload; red: backend restart)")
    fig.suptitle("hv-rs soak: the gateway under mixed legitimate and hostile traffic")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


if __name__ == "__main__":
    sys.exit(main())
