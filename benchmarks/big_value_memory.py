"""RSS per element of one large hashtable-encoded hash, hashtable-encoded set and
skiplist-encoded sorted set, shardis against redis-server (compare-memory's datasets
hold only small, listpack/intset ones).

    .venv/bin/python benchmarks/big_value_memory.py [--members 1000000] [--kinds hash,set,zset]

Each measurement is a fresh server process on a free loopback port; the value is
loaded 1000 elements a command (``element:%012d``): HSETs with an 8-byte value,
SADDs, ZADDs with random scores; the RSS growth is divided by the element count.
Only the processes started here are stopped.
"""
import argparse
import os
import random
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# the count command and the encoding a value of each kind must have
KINDS = {"hash": (b"HLEN", b"hashtable"), "set": (b"SCARD", b"hashtable"),
         "zset": (b"ZCARD", b"skiplist")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def call(sock, *args):
    sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def measure(cmd, port, members, kind):
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                if call(sock, b"PING") == b"+PONG\r\n":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        before = rss(proc.pid)
        rnd = random.Random(3)
        for k in range(0, members, 1000):
            names = [b"element:%012d" % i for i in range(k, min(k + 1000, members))]
            if kind == "hash":
                args = [b"HSET", b"big"]
                for i, m in enumerate(names, k):
                    args += [m, b"v%07d" % i]
            elif kind == "set":
                args = [b"SADD", b"big"] + names
            else:
                args = [b"ZADD", b"big"]
                for m in names:
                    args += [b"%d" % rnd.randrange(10 ** 9), m]
            call(sock, *args)
        count, encoding = KINDS[kind]
        assert call(sock, count, b"big") == b":%d\r\n" % members
        assert call(sock, b"OBJECT", b"ENCODING", b"big") == b"$%d\r\n%s\r\n" % (len(encoding), encoding)
        time.sleep(0.5)
        return (rss(proc.pid) - before) / members
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000000)
    ap.add_argument("--kinds", default="hash,set,zset")
    a = ap.parse_args()
    for kind in a.kinds.split(","):
        p = free_port()
        ours = measure([sys.executable, "-m", "shardis", "--port", str(p), "--save", ""], p,
                       a.members, kind)
        p = free_port()
        theirs = measure(["redis-server", "--port", str(p), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no"], p, a.members, kind)
        print(f"{kind}: bytes/element by RSS: shardis {ours:.1f}, redis-server {theirs:.1f}, "
              f"ratio {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
