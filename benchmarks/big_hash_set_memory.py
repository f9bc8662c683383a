"""RSS per element of one large hashtable-encoded hash and one large
hashtable-encoded set, shardis against redis-server (compare-memory's datasets
hold only small, listpack/intset ones).

    .venv/bin/python benchmarks/big_hash_set_memory.py [--members 1000000] [--kinds hash,set]

Each measurement is a fresh server process on a free loopback port; the hash is
loaded with HSETs of 1000 fields (``element:%012d`` -> an 8-byte value), the set
with SADDs of 1000 members (``element:%012d``), and the RSS growth divided by
the element count. Only the processes started here are stopped.
"""
import argparse
import os
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
        for k in range(0, members, 1000):
            if kind == "hash":
                args = [b"HSET", b"big"]
                for i in range(k, min(k + 1000, members)):
                    args += [b"element:%012d" % i, b"v%07d" % i]
            else:
                args = [b"SADD", b"big"] + [b"element:%012d" % i
                                            for i in range(k, min(k + 1000, members))]
            call(sock, *args)
        size = call(sock, b"HLEN" if kind == "hash" else b"SCARD", b"big")
        assert size == b":%d\r\n" % members, size
        assert call(sock, b"OBJECT", b"ENCODING", b"big") == b"$9\r\nhashtable\r\n"
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
    ap.add_argument("--kinds", default="hash,set")
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
