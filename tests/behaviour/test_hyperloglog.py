"""HyperLogLog commands compared with redis-server, including the exact bytes
of the sketches (GET after PFADD/PFCOUNT/PFMERGE), sparse and dense."""
import random

import pytest

from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."


def _fill(diff, key, elements, chunk=500, check_get=False):
    for i in range(0, len(elements), chunk):
        diff("PFADD", key, *elements[i:i + chunk])
        if check_get:
            diff("GET", key)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 100, 500, 1000, 2000, 5000, 20000, 100000])
def test_pfadd_bytes_and_count(diff2, n):
    rnd = random.Random(n)
    elements = ["el:%d" % rnd.getrandbits(48) for _ in range(n)]
    _fill(diff2, "h", elements, chunk=100 if n <= 2000 else 5000, check_get=n <= 2000)
    diff2("GET", "h")
    diff2("PFDEBUG", "ENCODING", "h")
    diff2("PFCOUNT", "h")
    diff2("GET", "h")          # the cached cardinality is in the header now
    diff2("PFCOUNT", "h")
    diff2("PFADD", "h", *elements[:10])
    diff2("GET", "h")


def test_pfadd_basics(diff):
    diff("PFADD", "h")
    diff("GET", "h")
    diff("PFADD", "h")
    diff("PFADD", "h", "a", "b", "c")
    diff("PFADD", "h", "a")
    diff("PFADD", "h", "")
    diff("PFCOUNT", "h")
    diff("PFCOUNT", "nokey")
    diff("PFADD", "b", b"\x00\xff" * 20, "x" * 1000, "12345678", "1234567")
    diff("GET", "b")
    diff("PFCOUNT", "h", "b", "nokey")
    diff("PFCOUNT", "nokey", "nokey2")
    diff("PFADD", "h", "d", "e", "f", "g")
    diff("GET", "h")
    diff("PFDEBUG", "DECODE", "h")
    diff("PFDEBUG", "ENCODING", "h")


def test_pfcount_cache(diff2):
    diff2("PFADD", "h", *["x%d" % i for i in range(300)])
    diff2("GET", "h")
    diff2("PFCOUNT", "h")
    diff2("GET", "h")
    diff2("PFADD", "h", "x1")          # no change: cache stays valid
    diff2("GET", "h")
    diff2("PFADD", "h", "new-element-1", "new-element-2")
    diff2("GET", "h")                  # stale flag set, old bytes kept
    diff2("PFCOUNT", "h")
    diff2("GET", "h")


def test_pfmerge(diff2):
    rnd = random.Random(5)
    sizes = {"s1": 10, "s2": 200, "s3": 1500, "d1": 4000, "d2": 9000}
    for k, n in sizes.items():
        _fill(diff2, k, ["%s-%d" % (k, rnd.getrandbits(32)) for _ in range(n)], chunk=2000)
    for combo in (["s1"], ["s1", "s2"], ["s2", "s3"], ["s1", "d1"], ["d1", "d2"],
                  ["s1", "s2", "s3", "d1", "d2"], ["nokey"], ["s3", "nokey"]):
        diff2("PFMERGE", "m", *combo)
        diff2("GET", "m")
        diff2("PFCOUNT", "m")
        diff2("PFCOUNT", *combo)
        diff2("DEL", "m")
    diff2("PFMERGE", "s1", "s2")
    diff2("GET", "s1")
    diff2("PFMERGE", "s2", "d1")
    diff2("GET", "s2")
    diff2("PFMERGE", "d2", "s3")
    diff2("GET", "d2")
    diff2("PFMERGE", "only")
    diff2("GET", "only")
    diff2("SET", "plain", "HYLL")
    diff2.error("PFMERGE", "m", "s1", "plain")
    diff2("EXISTS", "m")


def test_pfdebug(diff):
    diff("PFADD", "h", "a", "b", "c")
    diff("PFDEBUG", "ENCODING", "h")
    diff("PFDEBUG", "DECODE", "h")
    diff("PFDEBUG", "encoding", "h")
    diff("PFDEBUG", "TODENSE", "h")
    diff("PFDEBUG", "TODENSE", "h")
    diff("PFDEBUG", "ENCODING", "h")
    diff("GET", "h")
    diff.error("PFDEBUG", "DECODE", "h")
    diff("PFADD", "g", "x", "y")
    diff("PFDEBUG", "GETREG", "g")
    diff("PFDEBUG", "ENCODING", "g")
    diff("GET", "g")
    diff.error("PFDEBUG", "GETREG", "nokey")
    diff.error("PFDEBUG", "FOO", "h")
    diff.error("PFDEBUG", "GETREG", "h", "extra")
    diff.error("PFDEBUG", "ENCODING", "h", "extra")
    diff.error("PFDEBUG", "FOO", "h", "extra")
    diff.error("PFDEBUG", "GETREG")
    diff("SET", "s", "abc")
    diff.error("PFDEBUG", "GETREG", "s")


def test_not_hll_errors(diff):
    diff("SET", "s", "abc")
    diff("SET", "i", "123")
    diff("SET", "short", "HYLL")
    diff("SET", "magic", "HYLX" + "\x01" + "\x00" * 11 + "\x7f\xff")
    diff("SET", "enc", "HYLL" + "\x02" + "\x00" * 11 + "\x7f\xff")
    diff("SET", "dense_short", "HYLL" + "\x00" + "\x00" * 11 + "\x00" * 100)
    diff("LPUSH", "l", "x")
    for k in ("s", "i", "short", "magic", "enc", "dense_short"):
        diff.error("PFADD", k, "a")
        diff.error("PFCOUNT", k)
        diff.error("PFCOUNT", k, "nokey")
        diff.error("PFMERGE", "m", k)
    diff.error("PFADD", "l", "a")
    diff.error("PFCOUNT", "l")
    diff.error("PFCOUNT", "nokey", "l")
    diff.error("PFMERGE", "l", "nokey")


def test_corrupted_sparse(diff):
    hdr = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
    cases = {
        "short_run": hdr + "\x7f\xfe",                 # 16383 registers only
        "long_run": hdr + "\x7f\xff\x00",              # 16385
        "cut": hdr + "\x7f",                          # XZERO cut in half
        "val_over": hdr + "\x7f\xfc\x8f",              # 16381 + VAL run of 4
        "empty": hdr,
    }
    for k, v in cases.items():
        diff("SET", k, v)
        diff.error("PFCOUNT", k)
        diff("PFCOUNT", k, "nokey") if k == "cut" else diff.error("PFCOUNT", k, "nokey")
        diff.same_type("PFADD", k, "a", "b", "c")
    diff("SET", "ok", hdr[:-1] + "\x00" + "\x7f\xff")
    diff("PFCOUNT", "ok")
    diff("GET", "ok")
    diff("SET", "dense", "HYLL\x00" + "\x00" * 11 + "\xff" * 12288)
    diff("PFCOUNT", "dense")
    diff("PFADD", "dense", "x")
    diff("PFCOUNT", "dense", "ok")


def test_corrupted_sparse_details(diff):
    hdr = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
    diff("SET", "a", hdr + "\x7f\xfe")
    diff("PFADD", "a", "x")
    diff("GET", "a")
    diff("SET", "b", hdr + "\x7f\xff\x00")
    diff("PFADD", "b", "x")
    diff("GET", "b")
    diff.error("PFMERGE", "m", "b")
    diff.error("PFDEBUG", "TODENSE", "b")
    diff.error("PFDEBUG", "GETREG", "b")
    diff("PFDEBUG", "DECODE", "b")


def test_sparse_max_bytes(diff2):
    for cl in (diff2.r, diff2.s):
        cl.call("CONFIG", "SET", "hll-sparse-max-bytes", "200")
    try:
        rnd = random.Random(9)
        for i in range(0, 200, 10):
            diff2("PFADD", "h", *["%d" % rnd.getrandbits(40) for _ in range(10)])
            diff2("GET", "h")
        diff2("PFDEBUG", "ENCODING", "h")
        for cl in (diff2.r, diff2.s):
            cl.call("CONFIG", "SET", "hll-sparse-max-bytes", "0")
        diff2("PFADD", "z", "a", "b")
        diff2("GET", "z")
        diff2("PFMERGE", "z2", "h")
        diff2("GET", "z2")
    finally:
        for cl in (diff2.r, diff2.s):
            cl.call("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_pfselftest(diff):
    diff("PFSELFTEST")


def test_pf_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("PFADD", "h", "a"), ("PFADD", "h", "a"), ("PFADD", "h"), ("PFADD", "new"),
        ("PFCOUNT", "h"), ("PFMERGE", "m", "h"), ("PFDEBUG", "TODENSE", "m"),
    ])
