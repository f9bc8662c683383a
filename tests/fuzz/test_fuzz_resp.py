"""Protocol fuzzing: random and malformed RESP thrown at a dedicated shardis
from several connections for a bounded time (SHARDIS_FUZZ_SECONDS, 20 s by
default), while another client keeps doing SET/GET and checking answers.

Pass criteria: the server never dies; every probe connection, after its
payload and a half-close, is answered and closed within a timeout (no hang);
the checking client is served correctly and promptly all along; no
connection is lost to an exception in the protocol layer.
"""
import os
import random
import socket
import threading
import time

from tests.resp_client import RawClient
from tests.servers import ServerProc

SECONDS = float(os.environ.get("SHARDIS_FUZZ_SECONDS", "20"))
PROBES = 4
PROBE_TIMEOUT = 10.0       # after the half-close, the server must close within this
CHECK_TIMEOUT = 5.0        # every checker round trip must complete within this

SAFE = [
    [b"PING"], [b"ECHO", b"hello"], [b"SET", b"fz:a", b"1"], [b"GET", b"fz:a"],
    [b"INCR", b"fz:n"], [b"HSET", b"fz:h", b"f", b"v"], [b"LPUSH", b"fz:l", b"x", b"y"],
    [b"LRANGE", b"fz:l", b"0", b"-1"], [b"SADD", b"fz:s", b"m"], [b"ZADD", b"fz:z", b"1", b"m"],
    [b"EXISTS", b"fz:a", b"fz:b"], [b"MSET", b"fz:x", b"1", b"fz:y", b"2"], [b"STRLEN", b"fz:a"],
    [b"HELLO", b"3"], [b"HELLO", b"2"], [b"TYPE", b"fz:h"], [b"APPEND", b"fz:a", b"zz"],
    [b"GETRANGE", b"fz:a", b"0", b"-1"], [b"EXPIRE", b"fz:x", b"100"], [b"TTL", b"fz:x"],
]
TYPES = b"*$%~>|=(#_,:+-!"


def enc(args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def gen_random(rng):
    return rand_bytes(rng, rng.randint(1, 600))


def gen_mutated(rng):
    data = bytearray(b"".join(enc(rng.choice(SAFE)) for _ in range(rng.randint(1, 6))))
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(5)
        i = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(i, len(data) - 1)] = rng.getrandbits(8)
        elif op == 1:
            data[i:i] = bytes([rng.choice(b"\r\n*$:-+0123456789 \"'\\")])
        elif op == 2 and data:
            del data[i:i + rng.randint(1, 8)]
        elif op == 3:
            data[i:i] = data[i:i + rng.randint(1, 20)]
        else:
            data = data[:i]
    return bytes(data)


def gen_lengths(rng):
    n = rng.choice([b"-1", b"-2", b"0", b"2147483647", b"2147483648", b"9223372036854775807",
                    b"9223372036854775808", b"99999999999999999999", b"1048576", b"536870913",
                    b"+1", b"01", b"1x", b"", b" 1", b"12345678"])
    if rng.random() < 0.5:
        return b"*" + n + b"\r\n$4\r\nPING\r\n"
    return b"*2\r\n$4\r\nECHO\r\n$" + n + b"\r\n" + rand_bytes(rng, rng.randint(0, 40)) + b"\r\n"


def gen_nested(rng):
    def elem(depth):
        t = rng.randrange(6)
        if depth > 3 or t < 2:
            s = rand_bytes(rng, rng.randint(0, 8))
            return b"$%d\r\n%s\r\n" % (len(s), s)
        if t == 2:
            return b":%d\r\n" % rng.randint(-5, 5)
        k = rng.randint(0, 3)
        return b"*%d\r\n" % k + b"".join(elem(depth + 1) for _ in range(k))
    k = rng.randint(1, 4)
    return b"*%d\r\n" % k + b"".join(elem(0) for _ in range(k))


def gen_resp3(rng):
    t = bytes([rng.choice(TYPES)])
    body = rng.choice([b"1", b"2", b"-1", b"abc", b"1.5", b"t", b"", b"3"])
    tail = rng.choice([b"", b"$4\r\nPING\r\n", b"*1\r\n$4\r\nPING\r\n", b"txt:hi\r\n", b"+ok\r\n"])
    if rng.random() < 0.5:
        return t + body + b"\r\n" + tail
    return b"*2\r\n$4\r\nECHO\r\n" + t + body + b"\r\n" + tail


def gen_inline(rng):
    parts = []
    for _ in range(rng.randint(1, 5)):
        w = rng.choice([b"PING", b"ECHO", b"\"a b\"", b"'c d'", b"\"\\x41\\n\"", b"\"unterminated",
                        b"'x\\'y'", b"\"a\"b", rand_bytes(rng, 3), b"x" * rng.randint(0, 70000)])
        parts.append(w)
    return b" ".join(parts) + rng.choice([b"\r\n", b"\n", b"", b"\r"])


def gen_pipeline(rng):
    out = [enc(rng.choice(SAFE)) for _ in range(rng.randint(10, 300))]
    if rng.random() < 0.5:
        out.insert(rng.randrange(len(out)), gen_random(rng))
    return b"".join(out)


GENERATORS = [gen_random, gen_mutated, gen_lengths, gen_nested, gen_resp3, gen_inline,
              gen_pipeline]


def probe(port, rng, failures, stats):
    payload = rng.choice(GENERATORS)(rng)
    s = socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT)
    try:
        try:
            if rng.random() < 0.3:
                i = 0
                while i < len(payload):
                    n = rng.randint(1, 64)
                    s.sendall(payload[i:i + n])
                    i += n
            else:
                s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            stats["closed_early"] += 1
            return
        deadline = time.monotonic() + PROBE_TIMEOUT
        got = 0
        while True:
            if time.monotonic() > deadline:
                failures.append(("hang", payload[:200]))
                return
            try:
                d = s.recv(1 << 16)
            except socket.timeout:
                failures.append(("hang", payload[:200]))
                return
            except OSError:
                break
            if not d:
                break
            got += len(d)
        stats["probes"] += 1
        stats["bytes"] += got
    finally:
        s.close()


def checker(port, stop, failures, stats):
    c = RawClient(port, timeout=CHECK_TIMEOUT)
    c.call("SELECT", "9")
    i = 0
    try:
        while not stop.is_set():
            key, val = "chk:%d" % (i % 100), "v%d-%s" % (i, "x" * (i % 50))
            t0 = time.monotonic()
            if c.call("SET", key, val)[1] != b"OK":
                failures.append(("checker SET", key))
            got = c.call("GET", key)[1]
            if got != val.encode():
                failures.append(("checker GET", key, got))
            stats["check_max"] = max(stats["check_max"], time.monotonic() - t0)
            stats["checks"] += 1
            i += 1
    except Exception as e:  # noqa: BLE001 - any failure of the checker is a finding
        failures.append(("checker", repr(e)))
    finally:
        c.close()


def test_fuzz_resp():
    srv = ServerProc("shardis", args=["--maxmemory", "256mb"])
    failures = []
    stats = {"probes": 0, "bytes": 0, "closed_early": 0, "checks": 0, "check_max": 0.0}
    stop = threading.Event()
    seed = int(os.environ.get("SHARDIS_FUZZ_SEED", str(random.randrange(1 << 30))))
    try:
        chk = threading.Thread(target=checker, args=(srv.port, stop, failures, stats))
        chk.start()

        def prober(k):
            rng = random.Random(seed * 31 + k)
            while not stop.is_set():
                try:
                    probe(srv.port, rng, failures, stats)
                except OSError as e:
                    failures.append(("connect", repr(e)))
                    return
                if len(failures) > 20:
                    return
        probers = [threading.Thread(target=prober, args=(k,)) for k in range(PROBES)]
        for t in probers:
            t.start()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline and srv.alive() and len(failures) < 20:
            time.sleep(0.2)
        stop.set()
        for t in probers:
            t.join(PROBE_TIMEOUT + 5)
        chk.join(CHECK_TIMEOUT + 5)
        alive = srv.alive()
        log = srv.output()
    finally:
        stop.set()
        srv.stop()
    print(f"fuzz seed={seed} stats={stats}")
    assert alive, "shardis died:\n" + log[-3000:]
    assert not failures, f"seed={seed}: {failures[:5]}"
    assert "Fatal error on transport" not in log, log[-3000:]
    assert stats["probes"] > 50 and stats["checks"] > 50, stats
    assert stats["check_max"] < CHECK_TIMEOUT
