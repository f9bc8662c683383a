"""Hash commands compared with redis-server, in both encodings."""
import contextlib

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.resp_client import RespError
from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)

SMALL = [("f%d" % i, "v%d" % i) for i in range(5)]
LARGE = [("field:%d" % i, "value:%d" % i) for i in range(600)]   # > 512 entries


def encoding(diff, key, expected):
    """OBJECT ENCODING on both servers (ours once OBJECT exists)."""
    assert diff.r("OBJECT", "ENCODING", key) == expected.encode()
    got = diff.s("OBJECT", "ENCODING", key)
    if isinstance(got, RespError) and "unknown" in str(got):
        return
    assert got == expected.encode(), (key, got)


@contextlib.contextmanager
def config(diff, **kv):
    old = {}
    for k, v in kv.items():
        name = k.replace("_", "-")
        r = diff.r("CONFIG", "GET", name)
        old[name] = list(r.values())[0] if isinstance(r, dict) else r[1]
        diff("CONFIG", "SET", name, str(v))
    try:
        yield
    finally:
        for name, v in old.items():
            diff.r("CONFIG", "SET", name, v)
            diff.s("CONFIG", "SET", name, v)


def rand(diff, *args):
    """A random single reply: same reply type on both servers; ours returned."""
    rr, rv = diff.r.call(*args)
    sr, sv = diff.s.call(*args)
    assert rr[:1] == sr[:1], (args, rr, sr)
    return sv


def fill(diff, key, pairs):
    flat = [x for p in pairs for x in p]
    for i in range(0, len(flat), 200):
        diff("HSET", key, *flat[i:i + 200])


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["listpack", "hashtable"])
def test_basic_reads(diff, data):
    fill(diff, "h", data)
    encoding(diff, "h", "listpack" if data is SMALL else "hashtable")
    f0, v0 = data[0]
    diff("HGET", "h", f0)
    diff("HGET", "h", "nope")
    diff("HGET", "nokey", "f")
    diff("HMGET", "h", f0, "nope", data[-1][0])
    diff("HMGET", "nokey", "a", "b")
    diff("HEXISTS", "h", f0)
    diff("HEXISTS", "h", "nope")
    diff("HEXISTS", "nokey", "x")
    diff("HLEN", "h")
    diff("HLEN", "nokey")
    diff("HSTRLEN", "h", f0)
    diff("HSTRLEN", "h", "nope")
    diff("HSTRLEN", "nokey", "x")
    if data is SMALL:
        diff("HKEYS", "h")
        diff("HVALS", "h")
        diff("HGETALL", "h")
    else:
        diff.unordered("HKEYS", "h")
        diff.unordered("HVALS", "h")
        diff.unordered("HGETALL", "h")
    diff("HKEYS", "nokey")
    diff("HVALS", "nokey")
    diff("HGETALL", "nokey")


def test_hset_variants(diff):
    diff("HSET", "h", "a", "1", "b", "2", "a", "3")
    diff("HGETALL", "h")
    diff("HSET", "h", "b", "x", "c", "y")
    diff("HGETALL", "h")
    diff("HMSET", "h", "d", "4")
    diff("HSETNX", "h", "d", "5")
    diff("HSETNX", "h", "e", "5")
    diff("HSETNX", "new", "f", "v")
    diff("HGETALL", "h")
    diff("HGETALL", "new")
    diff.error("HSET", "h", "a")
    diff.error("HSET", "h", "a", "1", "b")
    diff.error("HMSET", "h", "a", "1", "b")
    diff.error("HSET", "h")
    diff("SADD", "s", "x")
    diff.error("HSET", "s", "a", "1")
    diff.error("HSETNX", "s", "a", "1")
    diff.error("HGET", "s", "a")
    diff.error("HGETALL", "s")
    diff.error("HMGET", "s", "a")
    diff.error("HLEN", "s")
    diff.error("HDEL", "s", "a")


def test_binary_fields(diff):
    diff("HSET", "h", "a\x00b", "\x01\x02\x00", "", "empty", "x\x02\x05", "")
    diff("HGETALL", "h")
    diff("HGET", "h", "a\x00b")
    diff("HGET", "h", "")
    diff("HGET", "h", "a")
    diff("HSTRLEN", "h", "a\x00b")
    diff("HDEL", "h", "")
    diff("HGETALL", "h")
    diff("HSET", "h", "\x02", "\x00")
    diff("HGETALL", "h")


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["listpack", "hashtable"])
def test_hdel(diff, data):
    fill(diff, "h", data)
    diff("HDEL", "h", data[0][0], "nope", data[1][0], data[0][0])
    diff("HLEN", "h")
    if data is SMALL:
        diff("HGETALL", "h")
    diff("HDEL", "nokey", "a")
    diff("HDEL", "h", *[f for f, _ in data])
    diff("EXISTS", "h")


def test_conversions(diff):
    with config(diff, hash_max_listpack_entries=4, hash_max_listpack_value=8):
        diff("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
        encoding(diff, "h", "listpack")
        diff("HSET", "h", "e", "5")
        encoding(diff, "h", "hashtable")
        diff("HDEL", "h", "a", "b", "c", "d")
        encoding(diff, "h", "hashtable")          # never converts back
        # long value converts at once
        diff("HSET", "v", "a", "1")
        diff("HSET", "v", "b", "123456789")
        encoding(diff, "v", "hashtable")
        diff("HSET", "w", "123456789", "1")
        encoding(diff, "w", "hashtable")
        # HINCRBY with a long field converts; HSETNX too
        diff("HSET", "z", "a", "1")
        diff("HINCRBY", "z", "longfield12", "1")
        encoding(diff, "z", "hashtable")
        diff("HSETNX", "q", "a", "1")
        diff("HSETNX", "q", "b", "longvalue12")
        encoding(diff, "q", "hashtable")
        diff("HINCRBYFLOAT", "r", "a", "1.5")
        encoding(diff, "r", "listpack")
        diff("HINCRBYFLOAT", "r", "a", "0.0000001")
        encoding(diff, "r", "hashtable")
    with config(diff, hash_max_listpack_entries=0):
        diff("HSET", "zero", "a", "1")
        encoding(diff, "zero", "hashtable")


def ours_encoding(ours, key):
    got = ours("OBJECT", "ENCODING", key)
    if isinstance(got, RespError) and "unknown" in str(got):
        pytest.skip("OBJECT ENCODING is not implemented yet")
    return got


@pytest.mark.redis72
def test_announced_pairs_convert(ours):
    """7.2: HSET announcing more pairs than the limit converts at once, even
    when the fields repeat (7.0 does not)."""
    old = ours("CONFIG", "GET", "hash-max-listpack-entries")[1]
    try:
        ours("CONFIG", "SET", "hash-max-listpack-entries", "4")
        ours("HSET", "x", "a", "1")
        assert ours("HSET", "x", "a", "1", "a", "2", "a", "3", "a", "4", "a", "5") == 0
        assert ours("HLEN", "x") == 1
        assert ours("HSET", "y", "a", "1", "a", "2", "a", "3", "a", "4", "b", "5") == 2
        assert ours("HGETALL", "y") in ([b"a", b"4", b"b", b"5"], [b"b", b"5", b"a", b"4"])
        assert ours("HSET", "z", "a", "1", "a", "2", "a", "3", "a", "4") == 1
        assert ours_encoding(ours, "x") == b"hashtable"
        assert ours_encoding(ours, "y") == b"hashtable"
        assert ours_encoding(ours, "z") == b"listpack"
    finally:
        ours("CONFIG", "SET", "hash-max-listpack-entries", old)


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["listpack", "hashtable"])
def test_writes_per_encoding(diff, data):
    fill(diff, "h", data)
    f0 = data[0][0]
    diff("HSETNX", "h", f0, "x")
    diff("HSETNX", "h", "brand-new", "x")
    diff("HINCRBY", "h", "counter", "7")
    diff("HINCRBY", "h", "counter", "-17")
    diff.error("HINCRBY", "h", f0, "1")
    diff("HINCRBYFLOAT", "h", "fl", "2.5")
    diff("HINCRBYFLOAT", "h", "fl", "-0.25")
    diff.error("HINCRBYFLOAT", "h", f0, "1")
    diff("HMSET", "h", f0, "changed", "another", "1")
    diff("HSET", "h", f0, "again", "z", "2")
    diff("HMGET", "h", f0, "counter", "fl", "another", "z", "nope")
    diff("HLEN", "h")
    encoding(diff, "h", "listpack" if data is SMALL else "hashtable")
    if data is SMALL:
        diff("HGETALL", "h")
    else:
        diff.unordered("HGETALL", "h")


def test_hincrby(diff):
    diff("HINCRBY", "h", "n", "5")
    diff("HINCRBY", "h", "n", "-10")
    diff("HSET", "h", "big", "9223372036854775806", "s", "abc", "sp", " 1")
    diff("HINCRBY", "h", "big", "1")
    diff.error("HINCRBY", "h", "big", "1")
    diff.error("HINCRBY", "h", "s", "1")
    diff.error("HINCRBY", "h", "sp", "1")
    diff.error("HINCRBY", "h", "n", "x")
    diff.error("HINCRBY", "h", "n", "1.5")
    diff("HSET", "h", "neg", "-9223372036854775807")
    diff("HINCRBY", "h", "neg", "-1")
    diff.error("HINCRBY", "h", "neg", "-1")
    diff("HGETALL", "h")


@pytest.mark.parametrize("pair", [
    ("10.5", "0.1"), ("3", "1.5"), ("0", "1e3"), ("5", "-5"), ("1", "-1.5"),
    ("1.1", "2.2"), ("0.1", "0.2"), ("1e20", "1"), ("-1e-5", "1e-5"),
    ("3.0e3", "200"), ("1", "1.0000000000000001"), ("12345678901234567", "1"),
    ("5", "0x10"), ("7", ".5"), ("1", "5."), ("2", "+3"),
    ("1.7976931348623157e308", "1.7976931348623157e308"),
    ("0.00000000000000001", "0"), ("1", "-0.99999999999999999"),
])
def test_hincrbyfloat(diff, pair):
    start, incr = pair
    diff("HSET", "h", "f", start)
    diff("HINCRBYFLOAT", "h", "f", incr)
    diff("HGET", "h", "f")


def test_hincrbyfloat_errors(diff):
    diff("HSET", "h", "s", "abc", "n", "1")
    diff.error("HINCRBYFLOAT", "h", "s", "1")
    diff.error("HINCRBYFLOAT", "h", "n", "abc")
    diff.error("HINCRBYFLOAT", "h", "n", "inf")
    diff.error("HINCRBYFLOAT", "h", "n", "-inf")
    diff.error("HINCRBYFLOAT", "h", "n", "nan")
    diff.error("HINCRBYFLOAT", "h", "n", " 1")
    diff.error("HINCRBYFLOAT", "h", "n", "")
    diff.error("HINCRBYFLOAT", "h", "n", "1e5000")
    diff("HSET", "h", "i", "inf")
    diff.error("HINCRBYFLOAT", "h", "i", "1")
    diff("HINCRBYFLOAT", "new", "x", "2.5")
    diff("HGETALL", "new")


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["listpack", "hashtable"])
def test_hrandfield(diff, data):
    fill(diff, "h", data)
    fields = {f.encode() for f, _ in data}
    values = dict((f.encode(), v.encode()) for f, v in data)
    r = rand(diff, "HRANDFIELD", "h")
    assert r in fields
    diff("HRANDFIELD", "nokey")
    diff("HRANDFIELD", "nokey", "5")
    diff("HRANDFIELD", "nokey", "-5", "WITHVALUES")
    diff("HRANDFIELD", "h", "0")
    diff("HRANDFIELD", "h", "0", "WITHVALUES")
    for cnt in (1, 3, -3, -20, len(data) - 1, len(data) // 4, len(data), len(data) + 5):
        r = diff.same_type("HRANDFIELD", "h", str(cnt))
        assert all(x in fields for x in r)
        if cnt > 0:
            assert len(set(r)) == len(r) == min(cnt, len(data))
        r = diff.same_type("HRANDFIELD", "h", str(cnt), "WITHVALUES")
        if diff.protocol == 3:
            pairs = [tuple(p) for p in r]
        else:
            pairs = list(zip(r[0::2], r[1::2]))
        assert all(values[f] == v for f, v in pairs)
    if data is SMALL:
        diff("HRANDFIELD", "h", "100")
        diff("HRANDFIELD", "h", "100", "WITHVALUES")
    else:
        diff.unordered("HRANDFIELD", "h", "1000")
    diff.error("HRANDFIELD", "h", "x")
    diff.error("HRANDFIELD", "h", "1", "WITHVALUE")
    diff.error("HRANDFIELD", "h", "1", "WITHVALUES", "x")
    diff.error("HRANDFIELD", "h", "-9223372036854775808")
    diff.error("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES")
    diff.error("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES")
    diff("SADD", "s", "x")
    diff.error("HRANDFIELD", "s")
    diff.error("HRANDFIELD", "s", "3")


def test_hrandfield_uniform(ours):
    ours("HSET", "h", *[x for i in range(10) for x in ("f%d" % i, "v")])
    seen = {}
    for f in ours("HRANDFIELD", "h", "-5000"):
        seen[f] = seen.get(f, 0) + 1
    assert len(seen) == 10 and min(seen.values()) > 350


def _full_scan(client, cmd, key, *opts):
    cursor = b"0"
    out = []
    calls = 0
    while True:
        cursor, items = client(cmd, key, cursor, *opts)
        out.extend(items)
        calls += 1
        if cursor == b"0":
            return out, calls


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["listpack", "hashtable"])
def test_hscan(diff, data):
    fill(diff, "h", data)
    if data is SMALL:
        diff("HSCAN", "h", "0")
        diff("HSCAN", "h", "0", "MATCH", "f[1-3]")
        diff("HSCAN", "h", "0", "COUNT", "1", "MATCH", "*")
    got, calls = _full_scan(diff.s, "HSCAN", "h", "COUNT", "50")
    pairs = dict(zip(got[0::2], got[1::2]))
    assert pairs == {f.encode(): v.encode() for f, v in data}
    if data is LARGE:
        assert calls > 3
        got, _ = _full_scan(diff.s, "HSCAN", "h", "MATCH", "field:1?")
        assert sorted(got[0::2]) == sorted(b"field:1%d" % i for i in range(10))
    diff("HSCAN", "nokey", "0")
    diff.error("HSCAN", "h", "x")
    diff.error("HSCAN", "h", "0", "COUNT", "0")
    diff.error("HSCAN", "h", "0", "COUNT", "x")
    diff.error("HSCAN", "h", "0", "FOO")
    diff.error("HSCAN", "h", "0", "MATCH")


def test_hscan_guarantee_under_mutation(ours):
    ours("HSET", "h", *[x for i in range(2000) for x in ("k%d" % i, "v")])
    cursor = b"0"
    seen = set()
    i = 0
    while True:
        cursor, items = ours("HSCAN", "h", cursor, "COUNT", "20")
        seen.update(items[0::2])
        # churn: delete some fields not in the stable set, add new ones
        ours("HDEL", "h", "k%d" % (1000 + i % 1000))
        ours("HSET", "h", "new%d" % i, "x")
        i += 1
        if cursor == b"0":
            break
    stable = {b"k%d" % j for j in range(1000)}
    assert stable <= seen


def test_hash_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HMSET", "h", "c", "3"),
        ("HSETNX", "h", "a", "9"), ("HSETNX", "h", "z", "9"),
        ("HINCRBY", "h", "n", "1"), ("HINCRBY", "h", "a", "x"),
        ("HINCRBYFLOAT", "h", "f", "1.5"), ("HDEL", "h", "nope"),
        ("HDEL", "h", "a", "b"), ("HDEL", "h", "c", "z", "n", "f"),
        ("HSETNX", "new", "f", "v"), ("HINCRBY", "new2", "f", "3"),
    ])


OPS = st.lists(st.tuples(
    st.sampled_from(["HSET", "HDEL", "HINCRBY", "HSETNX", "HGET", "HLEN", "HGETALL"]),
    st.integers(0, 12),
    st.sampled_from(["1", "22", "x", "longer-value", "-5"]),
), min_size=1, max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=OPS)
def test_hash_sequence_crosses_thresholds(diff2, ops):
    diff = diff2
    diff("DEL", "h")
    with config(diff, hash_max_listpack_entries=5, hash_max_listpack_value=6):
        for op, fi, val in ops:
            f = "f%d" % fi
            if op == "HSET":
                diff("HSET", "h", f, val)
            elif op == "HDEL":
                diff("HDEL", "h", f)
            elif op == "HINCRBY":
                r = diff.r("HINCRBY", "h", f, "3")
                s = diff.s("HINCRBY", "h", f, "3")
                assert r == s or (isinstance(r, RespError) and str(r) == str(s))
            elif op == "HSETNX":
                diff("HSETNX", "h", f, val)
            elif op == "HGET":
                diff("HGET", "h", f)
            elif op == "HLEN":
                diff("HLEN", "h")
            else:
                diff.unordered("HGETALL", "h")
            if diff.r("EXISTS", "h"):
                enc = diff.r("OBJECT", "ENCODING", "h").decode()
                encoding(diff, "h", enc)
                if enc == "listpack":
                    diff("HGETALL", "h")


def test_single_pair_hset_on_hashtable(diff, conns):
    """HSET of one pair on a hashtable hash (the inlined path): replies,
    events, WATCH (an overwrite with the same value still signals), LFU."""
    long = "x" * 70
    assert_events(diff, conns, "KEA", [
        ("HSET", "h", long, "v"), ("HSET", "h", "f", "1"), ("HSET", "h", "f", "1"),
        ("HSET", "h", "f", "2"), ("HGET", "h", "f"), ("HLEN", "h")])
    encoding(diff, "h", "hashtable")
    for args in (("f", "2"), ("g", "3")):
        diff("WATCH", "h")
        diff("HSET", "h", *args)
        diff("MULTI")
        diff("PING")
        assert diff("EXEC") is None
    for cl in (diff.r, diff.s):
        cl("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        diff("HSET", "fh", long, "v")
        diff("OBJECT", "FREQ", "fh")
        diff("HSET", "fh", "new", "v")
        diff("OBJECT", "FREQ", "fh")
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "maxmemory-policy", "noeviction")
