"""Memory per key of the compiled key table (shardis.native.KeyTable) against a plain
dict (+ a second dict of deadlines) for compare-memory's ``strings`` dataset: key
``key:%012d`` (16 bytes) -> value ``value:%010d`` (16 bytes), with and without a
deadline per key. Each case runs in a fresh interpreter; RSS growth per key is
measured around the load, and for the key table also its own exact count
(mem_bytes()). redis-server 7.0.15 costs 131 B/key by RSS on both datasets.

    .venv/bin/python benchmarks/keytable_memory.py [--keys 200000 2000000]
"""
import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, sys
from shardis.native import KeyTable
n, kind, ttl = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

base = rss()
if kind == "keytable":
    t = KeyTable()
    if ttl:
        for i in range(n):
            t.set(b"key:%012d" % i, b"value:%010d" % i, deadline=1_800_000_000_000 + i)
    else:
        for i in range(n):
            t[b"key:%012d" % i] = b"value:%010d" % i
    mem = t.mem_bytes()
else:
    t, exp = {}, {}
    for i in range(n):
        k = b"key:%012d" % i
        t[k] = b"value:%010d" % i
        if ttl:
            exp[k] = 1_800_000_000_000 + i
    mem = None
print(json.dumps({"rss": (rss() - base) / n, "mem": mem / n if mem else None}))
"""


def run(n, kind, ttl):
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), kind, "1" if ttl else "0"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, nargs="+", default=[200_000, 2_000_000])
    args = ap.parse_args()
    print(f"{'keys':>9} {'dataset':<12} {'KeyTable RSS':>13} {'mem_bytes':>10} {'dict RSS':>9} {'ratio':>6}")
    for n in args.keys:
        for ttl in (False, True):
            kt = run(n, "keytable", ttl)
            d = run(n, "dict", ttl)
            name = "strings_ttl" if ttl else "strings"
            print(f"{n:>9} {name:<12} {kt['rss']:>11.1f} B {kt['mem']:>8.1f} B {d['rss']:>7.1f} B "
                  f"{kt['rss'] / d['rss']:>6.2f}")


if __name__ == "__main__":
    main()
