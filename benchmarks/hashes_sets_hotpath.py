"""In-process micro-benchmark of the hash / set commands that
redis-benchmark runs on one growing key (hset, sadd, spop), without sockets,
and reads of the same large values (hget, sismember, hrandfield, srandmember).

redis-benchmark sends ``HSET myhash element:R v`` and ``SADD myset element:R``
with R random below 100000 (-r 100000), so the hash and the set grow into the
hashtable encoding; SPOP then pops from the set (refilled here before each run
to the size redis-benchmark's SADD test leaves).

    .venv/bin/python -m benchmarks.hashes_sets_hotpath [--pipeline 16] [--n 100000] [--profile]
        [--cases hset,sadd,spop,hget,...]
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
    "hset": lambda i: enc(b"HSET", b"myhash", b"element:%012d" % random.randrange(100000), b"xxx"),
    "sadd": lambda i: enc(b"SADD", b"myset", b"element:%012d" % random.randrange(100000)),
    "spop": lambda i: enc(b"SPOP", b"myset"),
    # reads of the same keys (filled first): hits on the hashtable encodings
    "hget": lambda i: enc(b"HGET", b"myhash", b"element:%012d" % random.randrange(40000)),
    "sismember": lambda i: enc(b"SISMEMBER", b"myset", b"element:%012d" % random.randrange(40000)),
    "hrandfield": lambda i: enc(b"HRANDFIELD", b"myhash"),
    "srandmember": lambda i: enc(b"SRANDMEMBER", b"myset"),
    # small keys: the compact encodings (listpack / intset)
    "hset_lp": lambda i: enc(b"HSET", b"smallhash", b"f%d" % random.randrange(100), b"xxx"),
    "sadd_lp": lambda i: enc(b"SADD", b"smallset", b"m%d" % random.randrange(100)),
    "sadd_int": lambda i: enc(b"SADD", b"intset", b"%d" % random.randrange(400)),
}


def fill_hash(c):
    c.data_received(enc(b"DEL", b"myhash"))
    for k in range(0, 40000, 1000):
        c.data_received(enc(b"HSET", b"myhash", *[x for j in range(k, k + 1000)
                                                  for x in (b"element:%012d" % j, b"xxx")]))


def refill(c):
    # as after redis-benchmark's sadd (-n 50000 -r 100000): ~40k members;
    # a run pops at most 32000 of them, so every pop finds a member
    c.data_received(enc(b"DEL", b"myset"))
    for k in range(0, 40000, 1000):
        c.data_received(enc(b"SADD", b"myset", *[b"element:%012d" % j for j in range(k, k + 1000)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--n", type=int, default=100000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cases", default="hset,sadd,spop")
    ap.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    a = ap.parse_args()
    random.seed(1)
    srv = Server()
    c = Client(srv)
    c.connection_made(FakeTransport())
    for name in a.cases.split(","):
        batches = [b"".join(CASES[name](b * a.pipeline + j) for j in range(a.pipeline))
                   for b in range(200)]
        nb = max(1, a.n // a.pipeline)
        if name == "spop":
            nb = min(nb, 32000 // a.pipeline)

        if name in ("hget", "hrandfield"):
            fill_hash(c)
        elif name in ("sismember", "srandmember"):
            refill(c)

        def run():
            if name == "spop":
                refill(c)
            t0 = time.perf_counter()
            for i in range(nb):
                c.data_received(batches[i % 200])
            return time.perf_counter() - t0
        if a.profile:
            if name == "spop":
                refill(c)
            pr = cProfile.Profile()
            pr.enable()
            for i in range(nb):
                c.data_received(batches[i % 200])
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(10)
        dt = min(run() for _ in range(a.repeat))
        n = nb * a.pipeline
        print(f"{name:10s} {dt / n * 1e9:8.0f} ns/cmd  ({n / dt / 1000:.0f}k cmd/s)")


if __name__ == "__main__":
    main()
