"""PING latency while the keyspace grows (issue 11, "the key table").

Each server in turn (never both at once) is started fresh on a free 127.0.0.1
port, then
    redis-benchmark -t set -n N -r 100000000 -P 64 -c 4
fills it (about 9.5 million distinct keys for the default N = 10,000,000) while
a pinger thread, with its own socket, sends PING, waits for +PONG and sleeps
until the next millisecond tick (a tick already passed is skipped, never
caught up in a burst). Every round trip sent between the benchmark's start and
its end is recorded. The server is stopped (by pid: SIGTERM, SIGKILL after
5 s) before the next one starts.

Reported per server: pings, p50, p99, p99.9 and worst round trip in ms, when
the worst happened (seconds after the benchmark started), the five worst,
final DBSIZE, RSS at the end, the benchmark's wall time and its own
requests/s. Then shardis/redis ratios for p99 and worst, against the issue's
bounds (p99 at most 1.5x, worst at most 2x redis-server's in the same run).

    .venv/bin/python benchmarks/growth_ping.py                 # the 10M run
    .venv/bin/python benchmarks/growth_ping.py -n 1000000 --json growth.json
    .venv/bin/python benchmarks/growth_ping.py --only shardis \\
        --target-cmd '.venv/bin/python -m shardis --port {port} --bind 127.0.0.1 --save ""'

Run from the project root (relative paths in --target-cmd are resolved there).
--check makes the exit status 1 when a bound is missed. Progress goes to
stderr, the report to stdout.
"""
import argparse
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TARGET = '.venv/bin/python -m shardis --port {port} --bind 127.0.0.1 --save ""'
P99_BOUND = 1.5
WORST_BOUND = 2.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Terminate(Exception):
    pass


def _on_signal(signum, frame):
    raise Terminate("signal %d" % signum)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------
# a tiny blocking RESP client (only simple replies are needed here)
# ---------------------------------------------------------------------------

def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def connect(port, timeout):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def simple_call(port, *args, timeout=30.0):
    """One command on a fresh connection; returns the first reply line (bytes)."""
    with connect(port, timeout) as s:
        s.sendall(encode(*args))
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n" not in buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply to %r" % (args,))
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed")
            buf += chunk
        return buf.split(b"\r\n", 1)[0]


# ---------------------------------------------------------------------------
# servers we start, and stop by pid
# ---------------------------------------------------------------------------

class Server:
    def __init__(self, name, argv, port, workdir):
        self.name = name
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.logpath = os.path.join(workdir, name + ".log")
        self.proc = None
        self._log = None

    def start(self, timeout=30.0):
        self._log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s before answering PING:\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            try:
                if simple_call(self.port, "PING", timeout=2.0) == b"+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING on %s:%d within %.0f s:\n%s"
                           % (self.name, HOST, self.port, timeout, self.log_tail()))

    def log_tail(self, n=20):
        try:
            with open(self.logpath, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, grace=5.0):
        """SIGTERM the process we started (by pid), SIGKILL it after `grace` s."""
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                log("%s (pid %d) ignored SIGTERM for %.0f s: SIGKILL" % (self.name, p.pid, grace))
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    p.wait(grace)
                except subprocess.TimeoutExpired:
                    log("%s (pid %d) still not gone after SIGKILL" % (self.name, p.pid))
        if self._log:
            self._log.close()
            self._log = None
        self.proc = None


def stop_pid(proc, grace=5.0):
    """The same for a helper subprocess (redis-benchmark)."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except OSError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------------------
# the pinger
# ---------------------------------------------------------------------------

class Pinger(threading.Thread):
    """PING once per millisecond tick on its own connection; records
    (send offset from t0 in ns, round trip in ns) for every PING."""

    def __init__(self, port, interval_ns, max_seconds, ping_timeout):
        super().__init__(daemon=True)
        self.port = port
        self.interval = interval_ns
        self.max_ns = int(max_seconds * 1e9)
        self.max_count = int(max_seconds * 1e9 / interval_ns) + 1000
        self.ping_timeout = ping_timeout
        self.offsets = []
        self.rtts = []
        self.timeouts = 0
        self.errors = []
        self.stop_event = threading.Event()
        self.t0 = None
        self.go = threading.Event()
        self.sock = connect(port, ping_timeout)
        self._roundtrip()           # a first PING, outside the measurement

    def _roundtrip(self):
        self.sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = self.sock.recv(64)
            if not chunk:
                raise ConnectionError("server closed the pinger's connection")
            buf += chunk
        if buf != b"+PONG\r\n":
            raise RuntimeError("PING answered %r" % buf[:80])

    def start_at(self, t0):
        self.t0 = t0
        self.go.set()

    def run(self):
        if not self.go.wait(60):
            return
        clock = time.perf_counter_ns
        t0, interval = self.t0, self.interval
        tick = 0
        try:
            while not self.stop_event.is_set() and len(self.rtts) < self.max_count:
                sent = clock()
                if sent - t0 > self.max_ns:
                    break
                try:
                    self._roundtrip()
                    rtt = clock() - sent
                except socket.timeout:
                    # a stall longer than the per-PING timeout: count it at the timeout
                    rtt = clock() - sent
                    self.timeouts += 1
                    self.sock.close()
                    self.sock = connect(self.port, self.ping_timeout)
                self.offsets.append(sent - t0)
                self.rtts.append(rtt)
                now = clock()
                tick = max(tick + 1, (now - t0) // interval + 1)
                delay = t0 + tick * interval - clock()
                if delay > 0:
                    time.sleep(delay / 1e9)
        except Exception as e:      # reported, not raised: the thread must end
            self.errors.append("%s: %s" % (e.__class__.__name__, e))
        finally:
            try:
                self.sock.close()
            except OSError:
                pass


def percentile(sorted_vals, q):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_vals:
        return None
    k = max(1, math.ceil(q / 100.0 * len(sorted_vals)))
    return sorted_vals[min(k, len(sorted_vals)) - 1]


# ---------------------------------------------------------------------------
# one measured run
# ---------------------------------------------------------------------------

def run_one(name, argv_for_port, args, workdir):
    port = free_port()
    srv = Server(name, argv_for_port(port), port, workdir)
    log("[%s] starting on %s:%d: %s" % (name, HOST, port, " ".join(map(shlex.quote, srv.argv))))
    bench = None
    pinger = None
    try:
        srv.start(args.start_timeout)
        pid = srv.proc.pid
        if args.cpus:
            # the server alone on one CPU, this script's pinger and redis-benchmark on the
            # others, as ../shared/bench/compare-throughput pins them: on a 2-CPU machine the
            # three otherwise take turns on both, and PINGs measure the scheduler
            server_cpus, client_cpus = args.cpus
            os.sched_setaffinity(pid, server_cpus)
            os.sched_setaffinity(0, client_cpus)
        rss_start = rss_kb(pid)
        pinger = Pinger(port, int(args.interval_ms * 1e6), args.time_limit, args.ping_timeout)
        pinger.start()
        bench_argv = [args.redis_benchmark, "-h", HOST, "-p", str(port), "-t", "set",
                      "-n", str(args.n), "-r", str(args.r), "-P", str(args.pipeline),
                      "-c", str(args.clients), "-q"]
        log("[%s] %s" % (name, " ".join(bench_argv)))
        bench_out = os.path.join(workdir, name + ".bench.out")
        with open(bench_out, "wb") as bo:
            t0 = time.perf_counter_ns()
            bench = subprocess.Popen(bench_argv, stdin=subprocess.DEVNULL, stdout=bo,
                                     stderr=subprocess.STDOUT, start_new_session=True)
            pinger.start_at(t0)
            completed = True
            try:
                bench.wait(args.time_limit)
            except subprocess.TimeoutExpired:
                completed = False
                log("[%s] redis-benchmark still running after the %.0f s limit: stopping it"
                    % (name, args.time_limit))
                stop_pid(bench)
            wall = (time.perf_counter_ns() - t0) / 1e9
            pinger.stop_event.set()
            pinger.join(args.ping_timeout + 5)
        rc = bench.returncode
        with open(bench_out, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        m = re.findall(r"SET: ([\d.]+) requests per second", text.replace("\r", "\n"))
        bench_rps = float(m[-1]) if m else None
        if rc != 0 or bench_rps is None:
            log("[%s] redis-benchmark exit %s; its output ends with:\n%s"
                % (name, rc, text.replace("\r", "\n")[-1500:]))
        try:
            dbsize_line = simple_call(port, "DBSIZE", timeout=60.0)
            dbsize = int(dbsize_line[1:]) if dbsize_line.startswith(b":") else None
        except (OSError, ValueError) as e:
            log("[%s] DBSIZE failed: %s" % (name, e))
            dbsize = None
        rss_end = rss_kb(pid)
        alive = srv.proc.poll() is None
    finally:
        if bench is not None:
            stop_pid(bench)
        if pinger is not None:
            pinger.stop_event.set()
        srv.stop()
        log("[%s] stopped" % name)

    rtts = pinger.rtts
    order = sorted(range(len(rtts)), key=rtts.__getitem__, reverse=True)[:5]
    s = sorted(rtts)
    ms = lambda ns: None if ns is None else ns / 1e6  # noqa: E731
    return {
        "server": name,
        "command": srv.argv,
        "pings": len(rtts),
        "p50_ms": ms(percentile(s, 50)),
        "p99_ms": ms(percentile(s, 99)),
        "p999_ms": ms(percentile(s, 99.9)),
        "worst_ms": ms(s[-1]) if s else None,
        "worst_at_s": pinger.offsets[order[0]] / 1e9 if order else None,
        "top5": [{"ms": ms(rtts[i]), "at_s": pinger.offsets[i] / 1e9} for i in order],
        "over_2ms": sum(1 for v in rtts if v > 2_000_000),
        "over_10ms": sum(1 for v in rtts if v > 10_000_000),
        "ping_timeouts": pinger.timeouts,
        "pinger_errors": pinger.errors,
        "dbsize": dbsize,
        "rss_start_mb": None if rss_start is None else rss_start / 1024,
        "rss_end_mb": None if rss_end is None else rss_end / 1024,
        "bench_wall_s": wall,
        "bench_rps": bench_rps,
        "bench_exit": rc,
        "bench_completed": completed and rc == 0,
        "server_alive_at_end": alive,
    }


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def report(results, args):
    rows = [
        ("pings", "pings", "%d"),
        ("PING p50 ms", "p50_ms", "%.3f"),
        ("PING p99 ms", "p99_ms", "%.3f"),
        ("PING p99.9 ms", "p999_ms", "%.3f"),
        ("PING worst ms", "worst_ms", "%.3f"),
        ("worst at s", "worst_at_s", "%.2f"),
        ("pings > 2 ms", "over_2ms", "%d"),
        ("pings > 10 ms", "over_10ms", "%d"),
        ("final DBSIZE", "dbsize", "%d"),
        ("RSS at end MB", "rss_end_mb", "%.0f"),
        ("benchmark wall s", "bench_wall_s", "%.2f"),
        ("benchmark SET/s", "bench_rps", "%.0f"),
    ]
    names = [r["server"] for r in results]
    print()
    print("growth_ping: redis-benchmark -t set -n %d -r %d -P %d -c %d, PING every %g ms%s"
          % (args.n, args.r, args.pipeline, args.clients, args.interval_ms,
             "; server on CPU %s, clients on %s" % (sorted(args.cpus[0]), sorted(args.cpus[1]))
             if args.cpus else "; not pinned"))
    print("%-18s" % "" + "".join("%16s" % n for n in names))
    for label, key, spec in rows:
        print("%-18s" % label + "".join("%16s" % fmt(r[key], spec) for r in results))
    for r in results:
        print("%s five worst: %s" % (r["server"], ", ".join(
            "%.3f ms @ %.2f s" % (t["ms"], t["at_s"]) for t in r["top5"])))
        problems = []
        if not r["bench_completed"]:
            problems.append("redis-benchmark did not complete (exit %s)" % r["bench_exit"])
        if r["ping_timeouts"]:
            problems.append("%d PINGs timed out (> %.0f s)" % (r["ping_timeouts"], args.ping_timeout))
        if r["pinger_errors"]:
            problems.append("pinger error: %s" % "; ".join(r["pinger_errors"]))
        if not r["server_alive_at_end"]:
            problems.append("server was not alive at the end")
        if problems:
            print("%s WARNING: %s" % (r["server"], "; ".join(problems)))
    verdict = None
    by = {r["server"]: r for r in results}
    if "redis" in by and "shardis" in by:
        rr, sr = by["redis"], by["shardis"]
        p99_ratio = sr["p99_ms"] / rr["p99_ms"] if rr["p99_ms"] and sr["p99_ms"] else None
        worst_ratio = sr["worst_ms"] / rr["worst_ms"] if rr["worst_ms"] and sr["worst_ms"] else None
        ok_p99 = p99_ratio is not None and p99_ratio <= P99_BOUND
        ok_worst = worst_ratio is not None and worst_ratio <= WORST_BOUND
        complete = all(r["bench_completed"] and not r["pinger_errors"] for r in results)
        verdict = {"p99_ratio": p99_ratio, "worst_ratio": worst_ratio,
                   "p99_ok": ok_p99, "worst_ok": ok_worst,
                   "pass": ok_p99 and ok_worst and complete}
        print("shardis/redis  p99 %s (bound %.1fx: %s)   worst %s (bound %.1fx: %s)   -> %s"
              % (fmt(p99_ratio, "%.2fx"), P99_BOUND, "ok" if ok_p99 else "MISSED",
                 fmt(worst_ratio, "%.2fx"), WORST_BOUND, "ok" if ok_worst else "MISSED",
                 "PASS" if verdict["pass"] else "FAIL"))
    return verdict


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=10_000_000, help="redis-benchmark -n (requests)")
    ap.add_argument("-r", type=int, default=100_000_000, help="redis-benchmark -r (keyspace)")
    ap.add_argument("-P", dest="pipeline", type=int, default=64, help="redis-benchmark -P")
    ap.add_argument("-c", dest="clients", type=int, default=4, help="redis-benchmark -c")
    ap.add_argument("--target-cmd", default=DEFAULT_TARGET,
                    help="shardis command, {port} is replaced; split like a shell line but "
                         "run without a shell: the process started must be the server itself "
                         "(it is stopped by its pid; wrap in sh -c '... && exec ...' if need be)"
                         " (default: %(default)s)")
    ap.add_argument("--redis-server", default=os.environ.get("REDIS_SERVER", "redis-server"))
    ap.add_argument("--redis-benchmark",
                    default=os.environ.get("REDIS_BENCHMARK", "redis-benchmark"))
    ap.add_argument("--only", choices=["redis", "shardis"], help="measure one server only")
    ap.add_argument("--interval-ms", type=float, default=1.0, help="PING period")
    ap.add_argument("--time-limit", type=float, default=1800.0,
                    help="hard limit in s on each benchmark (and its pinger)")
    ap.add_argument("--ping-timeout", type=float, default=30.0,
                    help="a PING unanswered this long counts as a timeout")
    ap.add_argument("--start-timeout", type=float, default=60.0)
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--pin", dest="pin", action="store_true", default=None,
                    help="pin the server to one CPU, the pinger and redis-benchmark to the others "
                         "(default when there are at least 2 CPUs)")
    ap.add_argument("--no-pin", dest="pin", action="store_false")
    ap.add_argument("--check", action="store_true",
                    help="exit status 1 if a bound is missed or a run is incomplete")
    args = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin is None:
        args.pin = len(cpus) >= 2
    args.cpus = ({cpus[-1]}, set(cpus[:-1])) if args.pin and len(cpus) >= 2 else None
    if "{port}" not in args.target_cmd:
        ap.error("--target-cmd must contain {port}")
    for opt in ("redis_benchmark", "redis_server"):
        path = shutil.which(getattr(args, opt))
        if path is None and (opt == "redis_benchmark" or args.only != "shardis"):
            ap.error("cannot find %s" % getattr(args, opt))
        setattr(args, opt, path)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)

    workdir = tempfile.mkdtemp(prefix="growth-ping-")
    plans = []
    if args.only in (None, "redis"):
        plans.append(("redis", lambda port: [
            args.redis_server, "--port", str(port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", workdir, "--daemonize", "no", "--logfile", ""]))
    if args.only in (None, "shardis"):
        plans.append(("shardis", lambda port: shlex.split(
            args.target_cmd.replace("{port}", str(port)))))
    results = []
    try:
        for name, argv_for_port in plans:
            results.append(run_one(name, argv_for_port, args, workdir))
    except (Terminate, KeyboardInterrupt) as e:
        log("interrupted (%s); servers stopped" % (e or "Ctrl-C"))
        return 130
    verdict = report(results, args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"params": {"n": args.n, "r": args.r, "pipeline": args.pipeline,
                                  "clients": args.clients, "interval_ms": args.interval_ms,
                                  "pinned": bool(args.cpus),
                                  "target_cmd": args.target_cmd},
                       "results": results, "verdict": verdict}, f, indent=2)
        log("wrote %s" % args.json)
    shutil.rmtree(workdir, ignore_errors=True)
    if args.check and (verdict is None or not verdict["pass"]):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
