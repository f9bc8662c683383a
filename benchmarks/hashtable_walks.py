"""In-process timings of the hashtable encodings' random picks and cursors that do
not show in a per-command average: the first HSCAN/SSCAN of a large value, and an
HSET followed by an HRANDFIELD (a write between two random picks).

    .venv/bin/python -m benchmarks.hashtable_walks [--members 1000000] [--fields 100000]

Wall clock: run it on a quiet machine, and more than once.
"""
import argparse
import gc
import time

from benchmarks.hotpath import FakeTransport, enc
from shardis.server.client import Client
from shardis.server.server import Server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1_000_000, help="elements of the scanned values")
    ap.add_argument("--fields", type=int, default=100_000, help="fields of the HRANDFIELD hash")
    a = ap.parse_args()
    c = Client(Server())
    c.connection_made(FakeTransport())
    for k in range(0, a.members, 1000):
        stop = min(k + 1000, a.members)
        c.data_received(enc(b"SADD", b"s", *[b"element:%012d" % j for j in range(k, stop)]))
        c.data_received(enc(b"HSET", b"h", *[x for j in range(k, stop)
                                             for x in (b"element:%012d" % j, b"v")]))
    gc.collect()
    for cmd, key in ((b"SSCAN", b"s"), (b"HSCAN", b"h")):
        t = time.perf_counter()
        c.data_received(enc(cmd, key, b"0"))
        first = time.perf_counter() - t
        t = time.perf_counter()
        for i in range(1000):
            c.data_received(enc(cmd, key, b"%d" % (i * 977)))
        later = (time.perf_counter() - t) / 1000
        print(f"{cmd.decode()} of {a.members} elements: first call {first * 1e3:.2f} ms, "
              f"later calls {later * 1e6:.1f} us")
    c.data_received(enc(b"DEL", b"h", b"s"))
    for k in range(0, a.fields, 1000):
        c.data_received(enc(b"HSET", b"r", *[x for j in range(k, min(k + 1000, a.fields))
                                             for x in (b"f%d" % j, b"v")]))
    pairs = b"".join(enc(b"HSET", b"r", b"new%d" % i, b"v") + enc(b"HRANDFIELD", b"r")
                     for i in range(1000))
    t = time.perf_counter()
    c.data_received(pairs)
    dt = (time.perf_counter() - t) / 1000
    print(f"HSET of a new field + HRANDFIELD on a {a.fields}-field hash: {dt * 1e6:.1f} us a pair")


if __name__ == "__main__":
    main()
