"""How fast do untouched keys with short TTLs get reclaimed, and at what memory cost?

Three measurements, each against a fresh redis-server and a fresh shardis
(started here), keys loaded through a pipelined connection as
SET key:<i> value:<i> PX <random 100..2000>; DBSIZE (which touches no key) is
polled every 50 ms:

- backlog: active expiry is switched off (DEBUG SET-ACTIVE-EXPIRE 0) while the
  N keys are loaded, all deadlines pass, then it is switched on: time until the
  database is empty (reclaim throughput), RSS with N volatile keys.
- concurrent: keys expire while the (slow, Python) client is still loading;
  time from the end of the load until the database is empty (>= ~2 s, the
  longest TTL).
- plain: the same keys without TTL (memory per key), then a full SCAN
  iteration with COUNT 1000 (shardis builds its SCAN index meanwhile): total
  time, slowest call, and the memory the index adds.

    .venv/bin/python benchmarks/expiry_reclaim.py [N] [backlog,concurrent,plain]

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


def _simple(p, *args):
    p.s.sendall(p.cmd(*args))
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += p.s.recv(4096)
    return buf


def bench_backlog(kind, n):
    """Active expiry off while N keys with PX 100..2000 are loaded; wait until
    every deadline passed; switch it on and time how long until DBSIZE is 0."""
    srv = ServerProc(kind)
    try:
        p = Pipe(srv.port)
        pid = int(p.info_field("server", "process_id"))
        base = rss_kb(pid)
        _simple(p, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
        lt = load(p, n)
        time.sleep(2.1)
        loaded = rss_kb(pid)
        assert p.call_int("DBSIZE") == n
        _simple(p, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
        rt, _ = reclaim(p)
        return dict(kind=kind, mode="backlog", keys=n, load_s=round(lt, 1),
                    reclaim_s=None if rt is None else round(rt, 2),
                    keys_per_s=None if not rt else int(n / rt),
                    rss_base_mb=round(base / 1024, 1), rss_loaded_mb=round(loaded / 1024, 1),
                    volatile_bytes_per_key=round((loaded - base) * 1024 / n, 1),
                    rss_after_reclaim_mb=round(rss_kb(pid) / 1024, 1),
                    time_cap_reached=p.info_field("stats", "expired_time_cap_reached_count"),
                    expire_cpu_ms=p.info_field("stats", "expire_cycle_cpu_milliseconds"))
    finally:
        srv.stop()


def bench_concurrent(kind, n):
    """Keys expire while they are being loaded: reclaim lag after the load."""
    srv = ServerProc(kind)
    try:
        p = Pipe(srv.port)
        lt = load(p, n)
        size_at_end = p.call_int("DBSIZE")
        rt, peak = reclaim(p)
        return dict(kind=kind, mode="concurrent", keys=n, load_s=round(lt, 1),
                    dbsize_at_load_end=size_at_end,
                    empty_after_load_s=None if rt is None else round(rt, 2))
    finally:
        srv.stop()


def _parse_scan(buf):
    """(cursor, number of keys) of a complete SCAN reply, or raise."""
    lines = buf.split(b"\r\n")
    cur = lines[2]
    nkeys = int(lines[3][1:])
    if len(lines) < 4 + 2 * nkeys + 1:
        raise ValueError("incomplete")
    return cur, nkeys


def bench_plain_and_scan(kind, n):
    """Keys without TTL: memory a key, then the first SCAN (builds shardis's
    index) and the memory it adds."""
    srv = ServerProc(kind)
    try:
        p = Pipe(srv.port)
        pid = int(p.info_field("server", "process_id"))
        base = rss_kb(pid)
        load(p, n, ttl=False)
        plain = rss_kb(pid) - base
        # a full SCAN iteration: latency of the slowest call and total time
        t = time.perf_counter()
        cur = b"0"
        worst = 0.0
        calls = seen = 0
        while True:
            t1 = time.perf_counter()
            p.s.sendall(p.cmd("SCAN", cur, "COUNT", "1000"))
            buf = b""
            while True:
                buf += p.s.recv(1 << 20)
                try:
                    cur, keys = _parse_scan(buf)
                    break
                except (ValueError, IndexError):
                    continue
            worst = max(worst, time.perf_counter() - t1)
            calls += 1
            seen += keys
            if cur == b"0":
                break
        full = time.perf_counter() - t
        with_index = rss_kb(pid) - base
        return dict(kind=kind, mode="plain", keys=n,
                    plain_bytes_per_key=round(plain * 1024 / n, 1),
                    full_scan_s=round(full, 2), scan_calls=calls, keys_seen=seen,
                    slowest_scan_call_ms=round(worst * 1000, 1),
                    scan_index_bytes_per_key=round((with_index - plain) * 1024 / n, 1))
    finally:
        srv.stop()


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    modes = sys.argv[2].split(",") if len(sys.argv) > 2 else ["backlog", "concurrent", "plain"]
    fns = {"backlog": bench_backlog, "concurrent": bench_concurrent, "plain": bench_plain_and_scan}
    for mode in modes:
        for kind in ("redis", "shardis"):
            print(fns[mode](kind, n), flush=True)

# RESULTS
#
# 2 vCPUs shared with other builds (load average 6-7.5: a trivial Python
# dict.get loop ran at ~430 ns an iteration instead of ~40), N = 1,000,000,
# hz 10, redis-server 7.0.15. Numbers vary ~30% between runs on this box.
#
# backlog (active expiry switched on with 1,000,000 expired keys):
#   redis    reclaim 16.4-21.9 s (46-61k keys/s), expire_cycle_cpu 4.1-5.7 s
#   shardis, slow cycle only (25% of a CPU), before fast cycles:
#            reclaim 29.8-42.5 s (24-34k keys/s)
#   shardis, slow + fast cycles (current code):
#            reclaim 9.4 s (106k keys/s), expire_cycle_cpu 4.2 s
#   In-process, shardis spends ~1.4 us CPU an expired key on this machine
#   (~3 iterations of the trivial dict loop).
#
# memory with 1,000,000 volatile keys (RSS growth / N):
#   redis 132.7-136.9 B/key, shardis 236.3-236.9 B/key;
#   without TTL: redis 97.5, shardis 139.1.
#   A deadline costs redis ~35-40 B and shardis ~98 B: the core expires dict
#   entry and its int (~60-70 B) plus the timing-wheel slot (~10 B).
#   After reclaiming, RSS stays high in both (allocators keep their arenas):
#   redis 121-124 MB, shardis 145-163 MB.
#
# concurrent (keys expire while the Python client is still loading them):
#   redis:   DBSIZE at end of load 42-97k, empty 2.1-2.6 s after the load.
#   shardis, slow cycle only: DBSIZE at end of load 510-590k, empty 17.5-22 s
#            after (the 25% budget could not keep up with the load).
#   shardis, slow + fast cycles: DBSIZE at end of load 45k, empty 2.2 s after.
#
# SCAN index (plain keys):
#   one-shot build (earlier code): first SCAN took 1.32 s for 1,000,000 keys;
#   22.7 B/key RSS.
#   incremental build (current): full iteration with COUNT 1000:
#     redis   2.96 s, 1000 calls, slowest call 96 ms (machine noise)
#     shardis 10.3 s, 1058 calls (58 empty pages while building), slowest call
#             145 ms; RSS +30.9 B/key (the index plus the freed build list,
#             which the allocator keeps).
#   Deleting a key costs +~1.7 us on this machine once the index exists
#   (bucket lookup + list.remove; none before the first SCAN).
