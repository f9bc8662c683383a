"""What CPython itself costs for compare-memory's strings dataset: 200k keys
``key:%012d`` -> ``value:%010d`` made by hiredis (as the server receives
them) in a plain dict, RSS bytes per key. shardis's strings figure is this
plus whatever the keyspace adds.

    .venv/bin/python benchmarks/dict_floor.py [--keys 200000]
"""
import argparse
import sys

import hiredis


def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=200000)
    n = ap.parse_args().keys
    r = hiredis.Reader()
    base = rss()
    d = {}
    for i in range(n):
        r.feed(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$16\r\nvalue:%010d\r\n" % (i, i))
        a = r.gets()
        d[a[1]] = a[2]
    print(f"dict of hiredis bytes: {(rss() - base) / n:.1f} B/key "
          f"(objects {sys.getsizeof(a[1])} B each, dict {sys.getsizeof(d) / n:.1f} B/key)")


if __name__ == "__main__":
    main()
