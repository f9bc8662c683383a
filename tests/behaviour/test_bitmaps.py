"""Bitmap commands compared with redis-server: SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD, BITFIELD_RO, and random sequences of bit operations."""
import random

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)


def test_setbit_getbit(diff):
    diff("SETBIT", "b", "7", "1")
    diff("SETBIT", "b", "7", "1")
    diff("SETBIT", "b", "7", "0")
    diff("SETBIT", "b", "100", "1")
    diff("GET", "b")
    diff("GETBIT", "b", "100")
    diff("GETBIT", "b", "99")
    diff("GETBIT", "b", "100000")
    diff("GETBIT", "nokey", "5")
    diff("SET", "n", "1234")
    diff("GETBIT", "n", "2")
    diff("GETBIT", "n", "3")
    diff("SETBIT", "n", "1", "1")
    diff("GET", "n")
    for bad in ("-1", "x", "4294967296", "9223372036854775808", "#1"):
        diff.error("SETBIT", "b", bad, "1")
        diff.error("GETBIT", "b", bad)
    for bad in ("2", "-1", "x", ""):
        diff.error("SETBIT", "b", "1", bad)
    diff("HSET", "h", "a", "b")
    diff.error("SETBIT", "h", "1", "1")
    diff.error("GETBIT", "h", "1")
    diff.error("SETBIT", "h", "x", "1")


def test_bitcount(diff):
    diff("SET", "s", "foobar")
    diff("BITCOUNT", "s")
    for s, e in ((0, 0), (1, 1), (0, -1), (-2, -1), (-1, -2), (2, 100), (-100, 1), (5, 2),
                 (-100, -200), (100, 200)):
        diff("BITCOUNT", "s", str(s), str(e))
        diff("BITCOUNT", "s", str(s), str(e), "BYTE")
        diff("BITCOUNT", "s", str(s), str(e), "bit")
    for s, e in ((5, 30), (1, 5), (3, 3), (0, 47), (-5, -1), (9, 14), (7, 8)):
        diff("BITCOUNT", "s", str(s), str(e), "BIT")
    diff("BITCOUNT", "nokey")
    diff("BITCOUNT", "nokey", "0", "5")
    diff.error("BITCOUNT", "s", "0")
    diff.error("BITCOUNT", "s", "0", "1", "FOO")
    diff.error("BITCOUNT", "s", "a", "1")
    diff.error("BITCOUNT", "s", "0", "1", "BIT", "x")
    diff("SET", "e", "")
    diff("BITCOUNT", "e")
    diff("BITCOUNT", "e", "0", "-1", "BIT")
    diff("SET", "i", "12345")
    diff("BITCOUNT", "i")
    diff("LPUSH", "l", "x")
    diff.error("BITCOUNT", "l")


@pytest.mark.redis72
def test_bitcount_bitpos_missing_key_bad_args(ours):
    """7.2 parses the arguments before the key lookup: errors even on a
    missing key (7.0 answered 0)."""
    assert ours.call("BITCOUNT", "nokey", "0")[0] == b"-ERR syntax error\r\n"
    assert ours.call("BITCOUNT", "nokey", "a", "1")[0].startswith(b"-ERR value is not an integer")
    assert ours.call("BITCOUNT", "nokey", "0", "1", "FOO")[0] == b"-ERR syntax error\r\n"
    assert ours.call("BITPOS", "nokey", "1", "a")[0].startswith(b"-ERR value is not an integer")
    assert ours.call("BITPOS", "nokey", "1", "0", "1", "FOO")[0] == b"-ERR syntax error\r\n"
    assert ours.call("BITPOS", "nokey", "1", "0", "-1", "BIT")[0] == b":-1\r\n"
    assert ours.call("BITPOS", "nokey", "0", "0", "-1", "BIT")[0] == b":0\r\n"


def test_bitpos(diff):
    diff("SET", "s", b"\xff\xf0\x00")
    diff("BITPOS", "s", "0")
    diff("BITPOS", "s", "1")
    diff("SET", "z", b"\x00\x00\x00")
    diff("BITPOS", "z", "1")
    diff("BITPOS", "z", "0")
    diff("SET", "f", b"\xff\xff\xff")
    diff("BITPOS", "f", "0")
    diff("BITPOS", "f", "0", "1")
    diff("BITPOS", "f", "0", "1", "-1")
    diff("BITPOS", "f", "0", "0", "-1", "BIT")
    diff("BITPOS", "f", "1", "10", "-1", "BIT")
    for key in ("s", "z", "f"):
        for bit in ("0", "1"):
            for args in (("1",), ("-1",), ("5",), ("-5",), ("0", "0"), ("1", "2"), ("2", "1"),
                         ("-2", "-1"), ("0", "100"), ("3", "10", "BIT"), ("7", "9", "BIT"),
                         ("12", "12", "BIT"), ("0", "-1", "BIT"), ("-9", "-2", "BIT"),
                         ("5", "3", "BIT"), ("1", "1", "BYTE"), ("100", "200", "bit"),
                         ("12", "15", "BIT"), ("11", "13", "BIT"), ("8", "15", "BIT")):
                diff("BITPOS", key, bit, *args)
    diff("BITPOS", "nokey", "1")
    diff("BITPOS", "nokey", "0")
    diff("BITPOS", "nokey", "0", "5", "10")
    diff("SET", "e", "")
    diff("BITPOS", "e", "0")
    diff("BITPOS", "e", "1")
    diff.error("BITPOS", "s", "2")
    diff.error("BITPOS", "s", "x")
    diff.error("BITPOS", "s", "1", "x")
    diff.error("BITPOS", "s", "1", "0", "x")
    diff.error("BITPOS", "s", "1", "0", "1", "FOO")
    diff.error("BITPOS", "s", "1", "0", "1", "BIT", "x")
    diff("SADD", "set", "a")
    diff.error("BITPOS", "set", "1")


def test_bitop(diff):
    diff("SET", "a", b"\x0f\xf0abc")
    diff("SET", "b", b"\xff\x00")
    diff("SET", "c", "123")
    for op in ("AND", "OR", "XOR", "and", "Or"):
        diff("BITOP", op, "dest", "a", "b", "c", "nokey")
        diff("GET", "dest")
        diff("BITOP", op, "dest", "a", "b")
        diff("GET", "dest")
        diff("BITOP", op, "dest", "a")
        diff("GET", "dest")
    diff("BITOP", "NOT", "dest", "a")
    diff("GET", "dest")
    diff("BITOP", "NOT", "dest", "c")
    diff("GET", "dest")
    encoding_check = diff.s.call("OBJECT", "ENCODING", "dest")[0]
    if not encoding_check.startswith(b"-ERR unknown command"):
        diff("OBJECT", "ENCODING", "dest")
    diff("BITOP", "AND", "dest", "nokey", "nokey2")
    diff("EXISTS", "dest")
    diff("SET", "e", "")
    diff("SET", "dest", "x")
    diff("BITOP", "OR", "dest", "e")
    diff("EXISTS", "dest")
    diff("SET", "dest", "x", "EX", "100")
    diff("BITOP", "OR", "dest", "a")
    diff("TTL", "dest")
    diff.error("BITOP", "NOT", "dest", "a", "b")
    diff.error("BITOP", "NOT", "dest")
    diff.error("BITOP", "NAND", "dest", "a")
    diff("LPUSH", "l", "x")
    diff.error("BITOP", "AND", "dest", "a", "l")
    diff("BITOP", "OR", "l", "a")
    diff("TYPE", "l")


def test_bitfield_basic(diff):
    diff("BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0")
    diff("BITFIELD", "bf", "INCRBY", "i8", "0", "100")
    diff("BITFIELD", "bf", "GET", "u4", "0", "GET", "i4", "4", "GET", "u63", "0", "GET", "i64", "0")
    diff("BITFIELD", "bf", "SET", "u8", "#1", "255", "GET", "u8", "#1", "GET", "u8", "8")
    diff("BITFIELD", "bf", "SET", "i5", "3", "-7", "GET", "i5", "3", "GET", "u16", "0")
    diff("GET", "bf")
    diff("BITFIELD", "bf")
    diff("BITFIELD", "nokey", "GET", "u8", "0", "GET", "i64", "100")
    diff("EXISTS", "nokey")
    diff("BITFIELD", "bf2", "SET", "i64", "3", "-1", "GET", "i64", "3", "GET", "u63", "4")
    diff("GET", "bf2")
    diff("BITFIELD", "bf3", "INCRBY", "u3", "#10", "2", "INCRBY", "u3", "#10", "7")
    diff("GET", "bf3")
    diff("BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i3", "#2")
    diff("BITFIELD_RO", "bf")
    diff.error("BITFIELD_RO", "bf", "GET", "u8", "0", "SET", "u8", "0", "1")
    diff.error("BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1")
    diff("SET", "i", "1234")
    diff("BITFIELD", "i", "GET", "u8", "0", "SET", "u8", "8", "65")
    diff("GET", "i")


def test_bitfield_overflow(diff):
    for ow in ("WRAP", "SAT", "FAIL", "wrap", "sat", "fail"):
        diff("DEL", "k")
        diff("BITFIELD", "k", "OVERFLOW", ow, "INCRBY", "u2", "0", "5",
             "INCRBY", "u2", "0", "-10", "INCRBY", "i4", "4", "7", "INCRBY", "i4", "4", "3",
             "INCRBY", "i4", "4", "-20", "SET", "u8", "8", "300", "SET", "u8", "8", "-1",
             "SET", "i8", "16", "200", "SET", "i8", "16", "-200", "GET", "u8", "8",
             "SET", "i64", "24", "9223372036854775807", "INCRBY", "i64", "24", "1",
             "INCRBY", "i64", "24", "-9223372036854775808",
             "SET", "u63", "88", "-1", "INCRBY", "u63", "88", "9223372036854775807",
             "SET", "i8", "16", "-9223372036854775808", "INCRBY", "i8", "16", "9223372036854775807",
             "INCRBY", "u8", "8", "-9223372036854775808")
        diff("GET", "k")
    diff("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "200", "9")
    diff("GET", "k")
    diff("BITFIELD", "k", "INCRBY", "u8", "0", "1", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300",
         "OVERFLOW", "WRAP", "INCRBY", "u8", "0", "300")


def test_bitfield_errors(diff):
    diff("SET", "k", "x")
    for args in (["GET", "u64", "0"], ["GET", "i65", "0"], ["GET", "u0", "0"], ["GET", "x8", "0"],
                 ["GET", "I8", "0"], ["GET", "u", "0"], ["GET", "u-1", "0"], ["GET", "", "0"]):
        diff.error("BITFIELD", "k", *args)
    for args in (["GET", "u8", "-1"], ["GET", "u8", "x"], ["GET", "u8", "#-1"],
                 ["GET", "u8", "4294967296"], ["SET", "u8", "#536870912", "1"],
                 ["GET", "u8", "#9223372036854775807"], ["GET", "u8", "##1"]):
        diff.error("BITFIELD", "k", *args)
    for args in (["GET", "u8"], ["SET", "u8", "0"], ["INCRBY", "u8", "0"], ["FOO"],
                 ["OVERFLOW"], ["GET"]):
        diff.error("BITFIELD", "k", *args)
    diff.error("BITFIELD", "k", "OVERFLOW", "FOO", "GET", "u8", "0")
    diff.error("BITFIELD", "k", "SET", "u8", "0", "x")
    diff.error("BITFIELD", "k", "INCRBY", "u8", "0", "1.5")
    diff.error("BITFIELD", "k", "GET", "u8", "0", "SET", "u64", "0", "1")
    diff("GET", "k")
    diff("RPUSH", "l", "x")
    diff.error("BITFIELD", "l", "GET", "u8", "0")
    diff.error("BITFIELD", "l", "SET", "u8", "0", "1")
    diff("BITFIELD", "l")
    diff.error("BITFIELD_RO", "l", "GET", "u8", "0")


def test_bitfield_random(diff):
    rnd = random.Random(11)
    diff("SET", "k", bytes(rnd.getrandbits(8) for _ in range(20)))
    for _ in range(60):
        args = []
        for _ in range(rnd.randrange(1, 5)):
            signed = rnd.random() < 0.5
            bits = rnd.randrange(1, 65 if signed else 64)
            t = ("i" if signed else "u") + str(bits)
            off = str(rnd.randrange(0, 200))
            kind = rnd.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            if kind == "OVERFLOW":
                args += ["OVERFLOW", rnd.choice(["WRAP", "SAT", "FAIL"])]
            elif kind == "GET":
                args += ["GET", t, off]
            else:
                v = rnd.choice([rnd.randrange(-2 ** 63, 2 ** 63), rnd.randrange(-300, 300),
                                2 ** (bits - 1), -2 ** (bits - 1) - 1, 2 ** bits])
                v = max(-2 ** 63, min(2 ** 63 - 1, v))
                args += [kind, t, off, str(v)]
        diff("BITFIELD", "k", *args)
    diff("GET", "k")


def test_bit_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("SETBIT", "b", "3", "1"), ("SETBIT", "b", "3", "1"), ("SETBIT", "b", "3", "0"),
        ("BITFIELD", "b", "SET", "u8", "0", "5"), ("BITFIELD", "b", "GET", "u8", "0"),
        ("BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9"),
        ("BITOP", "OR", "d", "b"), ("BITOP", "OR", "d", "nokey"), ("BITOP", "OR", "d", "nokey"),
    ])


# -- random sequences ------------------------------------------------------------------

KEYS = ["b1", "b2", "b3"]
_key = st.sampled_from(KEYS)
_off = st.sampled_from(["0", "1", "7", "8", "15", "23", "64", "-1"])
_idx = st.sampled_from(["0", "1", "2", "-1", "-2", "-3", "5", "10", "-20"])

_op = st.one_of(
    st.tuples(st.just("SETBIT"), _key, _off, st.sampled_from(["0", "1"])),
    st.tuples(st.just("GETBIT"), _key, _off),
    st.tuples(st.just("BITCOUNT"), _key),
    st.tuples(st.just("BITCOUNT"), _key, _idx, _idx),
    st.tuples(st.just("BITCOUNT"), _key, _idx, _idx, st.sampled_from(["BIT", "BYTE"])),
    st.tuples(st.just("BITPOS"), _key, st.sampled_from(["0", "1"])),
    st.tuples(st.just("BITPOS"), _key, st.sampled_from(["0", "1"]), _idx),
    st.tuples(st.just("BITPOS"), _key, st.sampled_from(["0", "1"]), _idx, _idx),
    st.tuples(st.just("BITPOS"), _key, st.sampled_from(["0", "1"]), _idx, _idx,
              st.sampled_from(["BIT", "BYTE"])),
    st.tuples(st.just("BITOP"), st.sampled_from(["AND", "OR", "XOR"]), _key, _key, _key),
    st.tuples(st.just("BITOP"), st.just("NOT"), _key, _key),
    st.tuples(st.just("BITFIELD"), _key, st.sampled_from(["GET", "INCRBY", "SET"]),
              st.sampled_from(["u1", "i3", "u8", "i16", "u63", "i64"]),
              st.sampled_from(["0", "5", "#1", "#3"]), st.sampled_from(["1", "-100", "255"])),
    st.tuples(st.just("APPEND"), _key, st.sampled_from(["a", "\x00", "\xff\xff"])),
    st.tuples(st.just("SETRANGE"), _key, st.sampled_from(["0", "3"]), st.sampled_from(["z", "\x80"])),
    st.tuples(st.just("SET"), _key, st.sampled_from(["", "foobar", "\xf0\x0f", "42"])),
    st.tuples(st.just("GET"), _key),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(_op, min_size=1, max_size=25))
def test_random_bit_sequences(diff2, ops):
    diff2.r.call("FLUSHALL")
    diff2.s.call("FLUSHALL")
    for op in ops:
        if op[0] == "BITFIELD" and op[2] == "GET":
            op = op[:5]
        diff2(*op)
    for k in KEYS:
        diff2("GET", k)
