"""In-process hot path over a realistic keyspace: 100k random keys, many
clients taking turns, any pipeline depth; shardis or the bare loop
(benchmarks/bare_server.py) through the same fake transport.

    .venv/bin/python -m benchmarks.random_keys [--bare] [--p 1] [--cases get,set,incr,mset]

Unlike benchmarks/hotpath.py (a small key set, cache-friendly), this shows
what cache misses on a big dict cost per command, for both servers alike.
Reports the best of three passes in ns per command.
"""
import argparse
import random
import time

from benchmarks.hotpath import FakeTransport, enc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bare", action="store_true")
    ap.add_argument("--cases", default="get,set,incr,mset")
    ap.add_argument("--p", type=int, default=16, help="commands per read")
    ap.add_argument("--reads", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=50)
    a = ap.parse_args()
    rnd = random.Random(1)
    if a.bare:
        from benchmarks.bare_server import BareProtocol as make
    else:
        from shardis.server.server import Server
        from shardis.server.client import Client
        srv = Server()

        def make():
            return Client(srv)
    clients = []
    for _ in range(a.clients):
        c = make()
        c.connection_made(FakeTransport())
        clients.append(c)

    def key():
        return b"key:%012d" % rnd.randrange(100000)
    cases = {
        "get": lambda: enc(b"GET", key()),
        "set": lambda: enc(b"SET", key(), b"xxx"),
        "incr": lambda: enc(b"INCR", b"counter:%012d" % rnd.randrange(100000)),
        "mset": lambda: enc(b"MSET", *[x for _ in range(10) for x in (key(), b"xxx")]),
    }
    for i in range(100000 // 16 + 1):      # fill both key families
        clients[0].data_received(b"".join(enc(b"SET", b"key:%012d" % ((i * 16 + j) % 100000), b"xxx")
                                          for j in range(16)))
        clients[0].data_received(b"".join(enc(b"INCR", b"counter:%012d" % ((i * 16 + j) % 100000))
                                          for j in range(16)))
    for name in a.cases.split(","):
        reads = [b"".join(cases[name]() for _ in range(a.p)) for _ in range(a.reads)]
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            for i, r in enumerate(reads):
                clients[i % len(clients)].data_received(r)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        print(f"{name:5s} {best / (a.reads * a.p) * 1e9:8.0f} ns/cmd")


if __name__ == "__main__":
    main()
