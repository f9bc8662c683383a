"""Memory of 100,000 ten-field hashes (8-byte values): listpack vs hashtable.

Starts two fresh shardis servers (one with the defaults, one with
``hash-max-listpack-entries 0`` so every hash is a hashtable), loads the same
data with pipelined HSETs, and prints the RSS growth per hash of each, plus
an in-process tracemalloc figure for the value objects alone.

usage: .venv/bin/python benchmarks/hash_encoding_memory.py [--keys N]
Run from the project root.
"""
import argparse
import os
import socket
import subprocess
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def enc(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def hset_cmd(i):
    args = [b"HSET", b"hash:%012d" % i]
    for j in range(10):
        args.append(b"field%d" % j)
        args.append(b"v%07d" % ((i * 10 + j) % 10000000))
    return enc(args)


def read_replies(sock, n):
    buf = b""
    got = 0
    while got < n:
        data = sock.recv(1 << 16)
        if not data:
            raise RuntimeError("connection closed")
        buf += data
        got = buf.count(b"\r\n")
    return buf


def start(extra):
    port = free_port()
    cmd = [sys.executable, "-m", "shardis", "--port", str(port), "--save", ""] + extra
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return p, s
        except OSError:
            time.sleep(0.05)
    p.kill()
    raise RuntimeError("server did not start")


def load(sock, keys, batch=40):
    for start_i in range(0, keys, batch):
        n = min(batch, keys - start_i)
        sock.sendall(b"".join(hset_cmd(i) for i in range(start_i, start_i + n)))
        r = read_replies(sock, n)
        if r.count(b":10\r\n") != n:
            bad = [x for x in r.split(b"\r\n") if x and x != b":10"]
            raise RuntimeError("unexpected replies: %r" % bad[:5])


def measure(extra, keys):
    p, s = start(extra)
    try:
        s.sendall(enc([b"OBJECT", b"ENCODING", b"nokey"]))
        s.recv(1024)
        time.sleep(0.3)
        before = rss(p.pid)
        load(s, keys)
        time.sleep(0.5)
        after = rss(p.pid)
        s.sendall(enc([b"OBJECT", b"ENCODING", b"hash:%012d" % 0]))
        encoding = s.recv(1024).split(b"\r\n")[1].decode()
        return (after - before) / keys, encoding
    finally:
        s.close()
        p.terminate()
        p.wait(10)


def tracemalloc_values(keys):
    from shardis.types.hash import HashLP, HashHT
    from shardis.types import listpack as LP
    out = {}
    for name in ("listpack", "hashtable"):
        tracemalloc.start()
        t0 = tracemalloc.get_traced_memory()[0]
        vals = []
        for i in range(keys):
            flat = []
            for j in range(10):
                flat.append(b"field%d" % j)
                flat.append(b"v%07d" % ((i * 10 + j) % 10000000))
            if name == "listpack":
                vals.append(HashLP(LP.map_pack_flat(flat)))
            else:
                vals.append(HashHT(zip(flat[0::2], flat[1::2])))
        t1 = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out[name] = (t1 - t0 - 8 * keys) / keys     # minus the holding list's slots
        del vals
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100000)
    a = ap.parse_args()
    lp, e1 = measure([], a.keys)
    ht, e2 = measure(["--hash-max-listpack-entries", "0"], a.keys)
    print("%d hashes x 10 fields (8-byte values)" % a.keys)
    print("  RSS bytes/hash  %-9s %8.0f  (%.1f bytes/field)" % (e1, lp, lp / 10))
    print("  RSS bytes/hash  %-9s %8.0f  (%.1f bytes/field)" % (e2, ht, ht / 10))
    print("  ratio hashtable/listpack: %.2fx" % (ht / lp))
    tm = tracemalloc_values(min(a.keys, 20000))
    print("  tracemalloc, value object only: listpack %.0f B/hash, hashtable %.0f B/hash"
          % (tm["listpack"], tm["hashtable"]))


if __name__ == "__main__":
    main()
