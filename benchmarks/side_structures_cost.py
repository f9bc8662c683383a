"""RSS a key of what a keyspace keeps beside its values, for one source tree.

    .venv/bin/python benchmarks/side_structures_cost.py TREE PORT

TREE is a checkout of shardis (its extension built in place); PORT a free
loopback port. Loads 1M string keys (16-byte keys and values), then reports the
RSS added by a full SCAN, by OBJECT IDLETIME followed by a GET of every key,
and by an EXPIRE on every key. Used for issue 11 with the tree before the key
table (dict, SCAN index, access tracker, expiry wheel) and the tree after it.
"""
import os
import subprocess
import sys
import time

import redis

tree, port = os.path.abspath(sys.argv[1]), int(sys.argv[2])
N = 1_000_000
env = dict(os.environ, PYTHONPATH=tree)
p = subprocess.Popen([sys.executable, "-m", "shardis", "--port", str(port), "--save", "",
                      "--enable-debug-command", "yes"], cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rss():
    with open(f"/proc/{p.pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS"):
                return int(l.split()[1]) * 1024
try:
    r = redis.Redis(port=port)
    for _ in range(100):
        try:
            r.ping(); break
        except Exception:
            time.sleep(0.1)
    base = rss()
    pipe = r.pipeline(transaction=False)
    for i in range(N):
        pipe.set(b"key:%012d" % i, b"value:%010d" % i)
        if i % 10000 == 9999:
            pipe.execute()
    loaded = rss()
    print(f"{tree}: strings {(loaded-base)/N:.1f} B/key")
    cur = 0
    while True:
        cur, ks = r.scan(cur, count=1000)
        if cur == 0:
            break
    scanned = rss()
    print(f"  after a full SCAN: +{(scanned-loaded)/N:.1f} B/key")
    r.object("idletime", b"key:%012d" % 0)
    for i in range(N):
        pipe.get(b"key:%012d" % i)
        if i % 10000 == 9999:
            pipe.execute()
    tracked = rss()
    print(f"  after OBJECT IDLETIME and a GET of every key: +{(tracked-scanned)/N:.1f} B/key")
    for i in range(N):
        pipe.expire(b"key:%012d" % i, 3600 + i % 1000)
        if i % 10000 == 9999:
            pipe.execute()
    ttl = rss()
    print(f"  after EXPIRE on every key: +{(ttl-tracked)/N:.1f} B/key")
finally:
    p.terminate(); p.wait(10)
