"""Micro-benchmark of the dispatch hot path without sockets.

Feeds pipelined batches (as redis-benchmark -P 16 sends them) into a Client
with a fake transport and reports nanoseconds per command, per command type
(the best of ``--repeat`` runs: the machine is noisy, the minimum is the
figure to compare).

    .venv/bin/python benchmarks/hotpath.py [--pipeline 16] [--batches 20000] [--repeat 5] [--profile]

``get`` reads keys ``set`` wrote (hits); ``getmiss`` reads keys that do not
exist, as redis-benchmark's GET mostly does.
"""
import argparse
import cProfile
import pstats
import time

from shardis.server.server import Server
from shardis.server.client import Client


class FakeTransport:
    def __init__(self):
        self.n = 0

    def write(self, data):
        self.n += len(data)

    def get_write_buffer_size(self):
        return 0

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_extra_info(self, name):
        return None

    def close(self):
        pass


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


CASES = {
    "set": lambda i: enc(b"SET", b"key:%012d" % i, b"xxx"),
    "get": lambda i: enc(b"GET", b"key:%012d" % i),
    "getmiss": lambda i: enc(b"GET", b"nokey:%012d" % i),
    "incr": lambda i: enc(b"INCR", b"counter:%012d" % i),
    "mset": lambda i: enc(b"MSET", *[x for k in range(10) for x in (b"key:%012d" % (i + k), b"xxx")]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--batches", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cases", default=",".join(CASES))
    a = ap.parse_args()
    srv = Server()
    c = Client(srv)
    c.connection_made(FakeTransport())
    for name in a.cases.split(","):
        batches = [b"".join(CASES[name]((b * a.pipeline + j) % 100000) for j in range(a.pipeline))
                   for b in range(200)]

        def run():
            for i in range(a.batches):
                c.data_received(batches[i % 200])
        if a.profile:
            pr = cProfile.Profile()
            pr.enable()
            run()
            pr.disable()
            pstats.Stats(pr).sort_stats("tottime").print_stats(12)
        best = None
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            run()
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        n = a.batches * a.pipeline
        print(f"{name:7s} {best / n * 1e9:8.0f} ns/cmd  ({n / best / 1000:.0f}k cmd/s)")


if __name__ == "__main__":
    main()
