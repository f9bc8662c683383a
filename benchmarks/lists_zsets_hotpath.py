"""In-process micro-benchmark of the list / sorted-set commands that
redis-benchmark runs on one growing key (lpush, rpush, lpop, rpop, zadd,
zpopmin, lrange_100/300/600), without sockets.

    .venv/bin/python benchmarks/lists_zsets_hotpath.py [--pipeline 16] [--n 100000] [--profile] [--cases lpush,lrange_100]
"""
import argparse
import cProfile
import pstats
import random
import time

from benchmarks.hotpath import FakeTransport, enc
from shardis.server.server import Server
from shardis.server.client import Client

CASES = {
    "lpush": lambda i: enc(b"LPUSH", b"mylist", b"xxx"),
    "rpush": lambda i: enc(b"RPUSH", b"mylist", b"xxx"),
    "lpop": lambda i: enc(b"LPOP", b"mylist"),
    "rpop": lambda i: enc(b"RPOP", b"mylist"),
    "zadd": lambda i: enc(b"ZADD", b"myzset", b"%d" % random.randrange(100000),
                          b"element:%012d" % random.randrange(100000)),
    "zpopmin": lambda i: enc(b"ZPOPMIN", b"myzset"),
    "lrange_100": lambda i: enc(b"LRANGE", b"mylist", b"0", b"99"),
    "lrange_300": lambda i: enc(b"LRANGE", b"mylist", b"0", b"299"),
    "lrange_600": lambda i: enc(b"LRANGE", b"mylist", b"0", b"599"),
    "lrange_lp": lambda i: enc(b"LRANGE", b"smalllist", b"0", b"99"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    a = ap.parse_args()
    srv = Server()
    c = Client(srv)
    c.connection_made(FakeTransport())
    # as redis-benchmark: LPUSH fills the list before the LRANGE tests
    c.data_received(enc(b"LPUSH", b"mylist", *[b"xxx"] * 10000))
    c.data_received(enc(b"LPUSH", b"smalllist", *[b"xxx"] * 1000))
    for name in a.cases.split(","):
        nb = max(1, a.n // a.pipeline)
        # as redis-benchmark's zadd: a set of ~63k members (100k random adds)
        # that random scores keep reordering, so every batch is new
        distinct = 200
        if name == "zadd":
            random.seed(1)
            for _ in range(100):
                c.data_received(b"".join(CASES[name](0) for _ in range(1000)))
            # at least 4000 whatever --n (up to 64k commands), so that instruction
            # counts at two values of --n differ by the runs only
            distinct = max(4000, nb * (a.repeat + (1 if a.profile else 0)))
        if name == "zpopmin":
            # a skiplist large enough for every pop of every run
            random.seed(2)
            total = max(200000, a.n * (a.repeat + 1))   # fixed for --n <= 50000
            for k in range(0, total, 1000):
                c.data_received(enc(b"ZADD", b"myzset", *[
                    x for i in range(k, k + 1000)
                    for x in (b"%d" % random.randrange(1000000), b"element:%012d" % i)]))
        batches = [b"".join(CASES[name](b * a.pipeline + j) for j in range(a.pipeline))
                   for b in range(distinct)]
        if name.startswith("lrange"):
            nb //= 5

        it = iter(batches * (1 + nb * 4 // distinct))

        def run():
            for i in range(nb):
                c.data_received(next(it))
        if a.profile:
            pr = cProfile.Profile()
            pr.enable()
            run()
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(10)
        dt = float("inf")
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            run()
            dt = min(dt, time.perf_counter() - t0)
        n = nb * a.pipeline
        print(f"{name:10s} {dt / n * 1e9:8.0f} ns/cmd  ({n / dt / 1000:.0f}k cmd/s)")


if __name__ == "__main__":
    main()
