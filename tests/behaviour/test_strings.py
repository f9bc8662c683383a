"""String commands compared with redis-server: SET options, GETEX, GETDEL,
GETSET, MSETNX, SETNX, SETEX, PSETEX, APPEND, STRLEN, INCRBYFLOAT, GETRANGE,
SETRANGE, SUBSTR, LCS, and random sequences of string operations."""
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)


def test_set_option_combinations(diff):
    diff("SET", "k", "v", "EX", "100")
    diff("TTL", "k")
    diff("SET", "k", "v", "EX", "10", "EX", "100")
    diff("TTL", "k")
    diff("SET", "k", "v", "PX", "100000", "PX", "200000")
    diff("SET", "k", "v", "KEEPTTL")
    diff("TTL", "k")
    diff("SET", "k", "v2")
    diff("TTL", "k")
    diff("SET", "k", "v", "nx", "nx")
    diff("SET", "k", "v3", "xx", "xx", "get")
    diff("SET", "k", "v4", "GET", "GET")
    diff("SET", "nokey", "v", "XX", "GET")
    diff("SET", "nokey", "v", "XX")
    diff("EXISTS", "nokey")
    diff("SET", "k", "v", "NX", "GET")
    diff("SET", "new", "v", "NX", "GET", "EX", "100")
    diff("TTL", "new")
    diff("SET", "k", "v", "EXAT", "99999999999")
    diff("TTL", "k")
    diff("SET", "k", "v", "PXAT", "99999999999000")
    diff("TTL", "k")
    for bad in (["EX", "10", "PX", "10"], ["EX", "10", "KEEPTTL"], ["KEEPTTL", "EX", "10"],
                ["PXAT", "1", "EXAT", "1"], ["NX", "XX"], ["XX", "NX"], ["EX"], ["PX"],
                ["PERSIST"], ["FOO"], ["EX", "abc", "FOO"], ["GET", "EX"], ["KEEPTTL", "PXAT", "5"]):
        diff.error("SET", "k", "v", *bad)
    for bad in ("0", "-5", "abc", "9223372036854775807", "1.5", ""):
        diff.error("SET", "k", "v", "EX", bad)
        diff.error("SET", "k", "v", "PX", bad)
        diff.error("SET", "k", "v", "EXAT", bad)
    diff.error("SET", "k", "v", "PX", "9223372036854775807")
    diff.error("SET", "k", "v", "EX", "9223372036854775")
    diff("SET", "k", "v", "PXAT", "9223372036854775807")
    diff("GET", "k")
    diff("RPUSH", "list", "a")
    diff.error("SET", "list", "v", "GET")
    diff("SET", "list", "v")
    diff("GET", "list")
    diff("RPUSH", "list2", "a")
    diff.error("SET", "list2", "v", "EX", "0", "GET")
    diff("SET", "list2", "v", "NX", "EX", "100")
    diff("TYPE", "list2")


def test_set_past_expiry(diff):
    diff("SET", "k", "v", "PXAT", "1")
    diff("EXISTS", "k")
    diff("SET", "k", "v", "EXAT", "1", "GET")
    diff("GET", "k")


def test_setnx_setex_psetex(diff):
    diff("SETNX", "a", "1")
    diff("SETNX", "a", "2")
    diff("GET", "a")
    diff("SETEX", "b", "100", "x")
    diff("TTL", "b")
    diff("PSETEX", "c", "100000", "y")
    diff("TTL", "c")
    diff("GET", "c")
    for bad in ("0", "-1", "x", "9223372036854775807"):
        diff.error("SETEX", "b", bad, "x")
    for bad in ("0", "-1", "x", "9223372036854775807"):
        diff.error("PSETEX", "b", bad, "x")
    diff.error("SETEX", "b", "10")
    diff("RPUSH", "l", "x")
    diff("SETNX", "l", "x")
    diff("SETEX", "l", "10", "x")
    diff("TYPE", "l")


def test_getex(diff):
    diff("GETEX", "nokey")
    diff("GETEX", "nokey", "EX", "0")
    diff("SET", "k", "v")
    diff("GETEX", "k")
    diff("GETEX", "k", "EX", "100")
    diff("TTL", "k")
    diff("GETEX", "k", "PX", "200000")
    diff("TTL", "k")
    diff("GETEX", "k", "EXAT", "99999999999")
    diff("TTL", "k")
    diff("GETEX", "k", "PXAT", "99999999999000")
    diff("TTL", "k")
    diff("GETEX", "k", "PERSIST")
    diff("TTL", "k")
    diff("GETEX", "k", "PERSIST", "PERSIST")
    diff("GETEX", "k", "EX", "10", "EX", "100")
    diff("TTL", "k")
    for bad in (["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX"], ["EX", "10", "PERSIST"],
                ["PERSIST", "EX", "10"], ["EX", "10", "PX", "10"], ["FOO"]):
        diff.error("GETEX", "k", *bad)
    for bad in ("0", "-1", "x", "9223372036854775807"):
        diff.error("GETEX", "k", "EX", bad)
    diff("GETEX", "k", "PXAT", "1")
    diff("EXISTS", "k")
    diff("SET", "k", "v")
    diff("GETEX", "k", "EXAT", "1")
    diff("GET", "k")
    diff("HSET", "h", "f", "v")
    diff.error("GETEX", "h")
    diff.error("GETEX", "h", "EX", "0")


def test_getdel_getset(diff):
    diff("GETDEL", "nokey")
    diff("SET", "k", "v", "EX", "100")
    diff("GETDEL", "k")
    diff("EXISTS", "k")
    diff("GETSET", "k", "a")
    diff("SET", "k", "b", "EX", "100")
    diff("GETSET", "k", "c")
    diff("TTL", "k")
    diff("GET", "k")
    diff("SADD", "s", "x")
    diff.error("GETDEL", "s")
    diff.error("GETSET", "s", "x")
    diff("TYPE", "s")


def test_msetnx(diff):
    diff("MSETNX", "a", "1", "b", "2")
    diff("MGET", "a", "b")
    diff("MSETNX", "c", "1", "a", "2")
    diff("EXISTS", "c")
    diff("MSETNX", "d", "1", "d", "2")
    diff("GET", "d")
    diff.error("MSETNX", "a", "1", "b")
    diff.error("MSETNX", "a")


def test_append_strlen(diff):
    diff("APPEND", "k", "hello")
    diff("APPEND", "k", " world")
    diff("GET", "k")
    diff("STRLEN", "k")
    diff("STRLEN", "nokey")
    diff("SET", "n", "10")
    diff("APPEND", "n", "5")
    diff("INCR", "n")
    encoding(diff, "n")
    diff("APPEND", "e", "")
    diff("EXISTS", "e")
    diff("SET", "t", "x", "EX", "100")
    diff("APPEND", "t", "y")
    diff("TTL", "t")
    encoding(diff, "t")
    diff("LPUSH", "l", "x")
    diff.error("APPEND", "l", "x")
    diff.error("STRLEN", "l")


def test_append_setrange_size_limit(diff):
    diff("SET", "k", "abc")
    for args in (("APPEND", "k", "x"), ("SETRANGE", "k", "536870911", "xy"),
                 ("SETRANGE", "k", "536870912", "x")):
        if args[0] == "APPEND":
            continue
        diff.error(*args)
    diff.error("SETRANGE", "new", "536870912", "x")
    diff("SETRANGE", "new", "536870912", "")
    diff("EXISTS", "new")
    diff.error("SETRANGE", "k", "-1", "x")
    diff.error("SETRANGE", "k", "x", "x")
    diff.error("SETRANGE", "k", "9223372036854775808", "x")


def test_append_size_limit_lowered(diff):
    """proto-max-bulk-len bounds APPEND and SETRANGE results."""
    for cl in (diff.r, diff.s):
        cl.call("CONFIG", "SET", "proto-max-bulk-len", "1048576")
    try:
        diff("SET", "k", "x" * 1048570)
        diff("APPEND", "k", "123456")
        diff.error("APPEND", "k", "1")
        diff.error("SETRANGE", "k", "1048575", "ab")
        diff("SETRANGE", "k", "1048575", "")
        diff.error("SETBIT", "b", "8388608", "1")
        diff("STRLEN", "k")
    finally:
        for cl in (diff.r, diff.s):
            cl.call("CONFIG", "SET", "proto-max-bulk-len", "536870912")


def test_getrange_setrange(diff):
    diff("SET", "k", "Hello World")
    for s, e in ((0, 4), (-5, -1), (-1, -5), (5, 2), (0, -1), (0, 100), (-100, 3), (20, 30),
                 (-3, 2), (3, -100), (-100, -200), (-200, -100), (0, 0), (10, 10), (11, 11)):
        diff("GETRANGE", "k", str(s), str(e))
        diff("SUBSTR", "k", str(s), str(e))
    diff("GETRANGE", "nokey", "0", "-1")
    diff.error("GETRANGE", "k", "a", "1")
    diff.error("GETRANGE", "k", "1", "99999999999999999999")
    diff("SETRANGE", "k", "6", "Redis")
    diff("GET", "k")
    diff("SETRANGE", "k", "20", "!")
    diff("GET", "k")
    diff("SETRANGE", "k", "0", "")
    diff("SETRANGE", "nokey", "0", "")
    diff("EXISTS", "nokey")
    diff("SETRANGE", "new", "3", "abc")
    diff("GET", "new")
    encoding(diff, "new")
    diff("SET", "i", "1234")
    diff("SETRANGE", "i", "1", "9")
    diff("GET", "i")
    diff("SET", "e", "")
    diff("GETRANGE", "e", "0", "-1")
    diff("HSET", "h", "a", "b")
    diff.error("SETRANGE", "h", "0", "x")
    diff.error("GETRANGE", "h", "0", "1")
    diff("SETRANGE", "h2", "0", "")


def test_incrbyfloat(diff):
    for inc in ("0.1", "0.1", "10.5", "-5", "3.0e3", "1e-5", "-0.00001", "5.0e3", "0x10", "1.",
                ".5", "+1", "17179869184", "1e300"):
        diff("INCRBYFLOAT", "f", inc)
    diff("GET", "f")
    diff("SET", "g", "10.50")
    diff("INCRBYFLOAT", "g", "0.1")
    diff("SET", "g", "1.1")
    diff("INCRBYFLOAT", "g", "2.2")
    diff("INCRBYFLOAT", "neg", "-0")
    diff("INCRBYFLOAT", "neg", "-1.5")
    diff("INCRBYFLOAT", "neg", "1.5")
    diff("SET", "z", "0")
    diff("INCRBYFLOAT", "z", "-0.0000000000000000001")
    diff("INCRBYFLOAT", "tiny", "1e-20")
    diff("INCRBYFLOAT", "big", "1.7976931348623157e308")
    diff("INCRBYFLOAT", "big", "1.7976931348623157e308")
    diff("SET", "t", "5", "EX", "100")
    diff("INCRBYFLOAT", "t", "1.5")
    diff("TTL", "t")
    diff("SET", "s", "abc")
    for bad in ("abc", "", " 1", "1 ", "nan", "1e", "--1", "0x", "1e99999"):
        diff.error("INCRBYFLOAT", "f", bad)
    diff.error("INCRBYFLOAT", "s", "1")
    diff.error("INCRBYFLOAT", "f", "inf")
    diff.error("INCRBYFLOAT", "f", "-inf")
    diff("SET", "hg", "1e4932")
    diff.error("INCRBYFLOAT", "hg", "1e4932")
    diff("SET", "sp", " 1")
    diff.error("INCRBYFLOAT", "sp", "1")
    diff("SADD", "set", "a")
    diff.error("INCRBYFLOAT", "set", "1")


def test_incr_family(diff):
    diff("SET", "n", "10", "EX", "100")
    diff("INCRBY", "n", "5")
    diff("TTL", "n")
    diff("DECRBY", "n", "20")
    diff("DECR", "n")
    diff.error("DECRBY", "n", "-9223372036854775808")
    diff.error("INCRBY", "n", "1.5")
    diff("SET", "m", "-9223372036854775808")
    diff.error("DECR", "m")
    diff("SET", "sp", " 1")
    diff.error("INCR", "sp")
    diff("APPEND", "ap", "12")
    diff("INCR", "ap")
    diff("GET", "ap")


def test_lcs(diff):
    diff("MSET", "a", "ohmytext", "b", "mynewtext")
    diff("LCS", "a", "b")
    diff("LCS", "a", "b", "LEN")
    diff("LCS", "a", "b", "IDX")
    diff("LCS", "a", "b", "IDX", "MINMATCHLEN", "4")
    diff("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    diff("LCS", "a", "b", "IDX", "WITHMATCHLEN")
    diff("LCS", "a", "b", "IDX", "MINMATCHLEN", "-3")
    diff("LCS", "a", "nokey")
    diff("LCS", "nokey", "nokey2", "IDX")
    diff("LCS", "a", "a", "IDX", "WITHMATCHLEN")
    diff.error("LCS", "a", "b", "IDX", "LEN")
    diff.error("LCS", "a", "b", "FOO")
    diff.error("LCS", "a", "b", "MINMATCHLEN")
    diff.error("LCS", "a", "b", "MINMATCHLEN", "x")
    diff("RPUSH", "l", "x")
    diff.error("LCS", "a", "l")
    diff.error("LCS", "l", "a", "FOO")
    diff("MSET", "x", "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA", "y", "GTCGTTCGGAATGCCGTTGCTCTGTAAA")
    diff("LCS", "x", "y", "IDX", "WITHMATCHLEN")
    diff("LCS", "x", "y")
    diff("LCS", "y", "x", "IDX", "MINMATCHLEN", "2")


def test_lcs_memory_limit(diff):
    for cl in (diff.r, diff.s):
        cl.call("CONFIG", "SET", "proto-max-bulk-len", "1048576")
    try:
        diff("MSET", "a", "x" * 600, "b", "y" * 600)
        diff.error("LCS", "a", "b")
        diff("LCS", "a", "nokey")
    finally:
        for cl in (diff.r, diff.s):
            cl.call("CONFIG", "SET", "proto-max-bulk-len", "536870912")


def test_lcs_random(diff):
    import random
    rnd = random.Random(7)
    for _ in range(15):
        a = "".join(rnd.choice("abc") for _ in range(rnd.randrange(0, 40)))
        b = "".join(rnd.choice("abc") for _ in range(rnd.randrange(0, 40)))
        diff("MSET", "a", a or "x", "b", b or "y")
        diff("LCS", "a", "b", "IDX", "WITHMATCHLEN")
        diff("LCS", "a", "b", "IDX", "MINMATCHLEN", "2")
        diff("LCS", "a", "b")


def test_object_encoding_after_inplace(diff):
    diff("SET", "a", "abc")
    encoding(diff, "a")
    diff("APPEND", "a", "d")
    encoding(diff, "a")
    diff("SETRANGE", "b", "0", "x")
    encoding(diff, "b")
    diff("SETBIT", "c", "1", "1")
    encoding(diff, "c")
    diff("APPEND", "d", "12")
    encoding(diff, "d")


def test_keyspace_events(diff, conns):
    """Event names and classes of string writes, as a subscriber sees them."""
    assert_events(diff, conns, "KEA", [
        ("SET", "k", "1"), ("INCRBY", "k", "2"), ("INCRBYFLOAT", "k", "1.5"),
        ("APPEND", "k", "x"), ("APPEND", "new", "x"), ("SETRANGE", "k", "0", "y"),
        ("SETRANGE", "k", "0", ""), ("GETDEL", "k"), ("GETDEL", "k"),
        ("SET", "k", "v", "EX", "100"), ("GETEX", "k", "PERSIST"), ("GETEX", "k", "PERSIST"),
        ("GETEX", "k", "EX", "100"), ("GETSET", "k", "w"), ("MSETNX", "m", "1", "m2", "2"),
        ("MSETNX", "m", "1"), ("SETEX", "k", "10", "v"), ("PSETEX", "k", "10000", "v"),
        ("SETNX", "n", "v"), ("SETNX", "n", "v"), ("GETEX", "k", "PXAT", "1"),
        ("SET", "z", "1", "NX", "GET"), ("SET", "z", "2", "XX", "PX", "100000"),
    ])


# -- random sequences ------------------------------------------------------------------

def encoding(diff, key):
    """OBJECT ENCODING on both, once shardis has OBJECT (another family)."""
    raw, _ = diff.s.call("OBJECT", "ENCODING", key)
    if raw.startswith(b"-ERR unknown command"):
        return
    diff("OBJECT", "ENCODING", key)


KEYS = ["k1", "k2", "k3"]
_vals = st.sampled_from(["", "0", "1", "-3", "12", "abc", "hello world", "3.5", "\x00\xff", "x" * 50])
_ints = st.sampled_from(["0", "1", "-1", "3", "-7", "100", "9223372036854775807", "x"])
_key = st.sampled_from(KEYS)

_op = st.one_of(
    st.tuples(st.just("SET"), _key, _vals),
    st.tuples(st.just("SET"), _key, _vals, st.sampled_from(["NX", "XX", "GET", "KEEPTTL"])),
    st.tuples(st.just("GET"), _key),
    st.tuples(st.just("APPEND"), _key, _vals),
    st.tuples(st.just("STRLEN"), _key),
    st.tuples(st.just("INCR"), _key),
    st.tuples(st.just("DECRBY"), _key, _ints),
    st.tuples(st.just("INCRBYFLOAT"), _key, st.sampled_from(["0.1", "-2.5", "1e3", "x", "3"])),
    st.tuples(st.just("GETRANGE"), _key, _ints, _ints),
    st.tuples(st.just("SETRANGE"), _key, st.sampled_from(["0", "1", "5", "-1", "x"]), _vals),
    st.tuples(st.just("GETDEL"), _key),
    st.tuples(st.just("GETSET"), _key, _vals),
    st.tuples(st.just("MSETNX"), _key, _vals, _key, _vals),
    st.tuples(st.just("SETNX"), _key, _vals),
    st.tuples(st.just("LCS"), _key, _key),
    st.tuples(st.just("LCS"), _key, _key, st.just("IDX"), st.just("WITHMATCHLEN")),
    st.tuples(st.just("SETBIT"), _key, st.sampled_from(["0", "7", "9", "100"]),
              st.sampled_from(["0", "1"])),
    st.tuples(st.just("BITCOUNT"), _key),
    st.tuples(st.just("RPUSH"), _key, _vals),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(_op, min_size=1, max_size=25))
def test_random_string_sequences(diff2, ops):
    diff2.r.call("FLUSHALL")
    diff2.s.call("FLUSHALL")
    for op in ops:
        diff2(*op)
    for k in KEYS:
        diff2("TYPE", k)
        diff2("GET", k) if diff2.r.call("TYPE", k)[1] == "string" else None


_num = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-10 ** 20, 10 ** 20).map(str),
    st.tuples(st.integers(-10 ** 6, 10 ** 6), st.integers(0, 10 ** 6), st.integers(-30, 30)).map(
        lambda t: "%d.%de%d" % t),
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(start=_num, incs=st.lists(_num, min_size=1, max_size=4))
def test_random_incrbyfloat(diff2, start, incs):
    """Long double arithmetic and "%.17Lf" formatting on random numbers."""
    diff2("SET", "f", start)
    for inc in incs:
        diff2("INCRBYFLOAT", "f", inc)
    diff2("GET", "f")


_OPTS = [["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", "100"], ["PX", "100000"],
         ["EXAT", "99999999999"], ["PXAT", "99999999999000"], ["PERSIST"], ["ex", "0"], ["get"]]


def test_set_getex_every_option_sequence(diff2):
    """Every sequence of up to three options, on an existing and a missing key."""
    import itertools
    seqs = [list(itertools.chain(*p)) for n in (1, 2, 3) for p in itertools.product(_OPTS, repeat=n)]
    for opts in seqs:
        diff2("SET", "k", "v", "EX", "500")
        diff2("SET", "k", "w", *opts)
        diff2("TTL", "k")
        diff2("SET", "missing", "x", *opts)
        diff2("GET", "missing")
        diff2("DEL", "missing")
        diff2("GETEX", "k", *opts)
        diff2("TTL", "k")
