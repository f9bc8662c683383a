"""Keyspace notifications compared with redis-server: a subscriber on each
server listens to every keyspace/keyevent channel while the same commands run
on both; the messages received (exact bytes, in order) must be equal.

``assert_events(diff, conns, flags, steps)`` is the reusable helper: other
families add their events by calling it with their commands, e.g.

    assert_events(diff, conns, "KEA", [("HSET", "h", "f", "v"), ("HDEL", "h", "f")])

A step is a command tuple, or ``("__sleep__", seconds)``.
"""
import time

import pytest

from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)

SENTINEL = "__events_done__"


def _drain(client):
    """Raw messages until the sentinel message (excluded)."""
    out = []
    while True:
        raw, v = client.read()
        if isinstance(v, list) and len(v) >= 3 and v[1] == SENTINEL.encode():
            return out
        out.append(raw)


def collect_events(diff, conns, flags, steps, pattern="__key*@*__:*", sub_protocol=None):
    """Run ``steps`` on both servers with notify-keyspace-events=``flags``;
    returns (redis messages, shardis messages) seen by a subscriber of
    ``pattern``."""
    sub = conns(sub_protocol)
    sub.send("PSUBSCRIBE", pattern)
    sub.read()
    sub.send("SUBSCRIBE", SENTINEL)
    sub.read()
    try:
        diff("CONFIG", "SET", "notify-keyspace-events", flags)
        for step in steps:
            if step[0] == "__sleep__":
                time.sleep(step[1])
            else:
                diff(*step)
        diff("PUBLISH", SENTINEL, "end")
        return _drain(sub.r), _drain(sub.s)
    finally:
        diff.r.call("CONFIG", "SET", "notify-keyspace-events", "")
        diff.s.call("CONFIG", "SET", "notify-keyspace-events", "")
        diff.r.call("SELECT", "0")
        diff.s.call("SELECT", "0")


def _short(msgs):
    """[b'*4...pmessage...__keyspace@0__:k...set'] -> ['__keyspace@0__:k set']"""
    out = []
    for raw in msgs:
        parts = raw.split(b"\r\n")
        out.append(b" ".join(parts[6:9:2]).decode("utf-8", "replace"))
    return out


def assert_events(diff, conns, flags, steps, **kw):
    r, s = collect_events(diff, conns, flags, steps, **kw)
    if s != r:
        i = next((j for j, (a, b) in enumerate(zip(r, s)) if a != b), min(len(r), len(s)))
        raise AssertionError(
            f"flags={flags!r}: first difference at message {i}\n"
            f" redis:   ...{_short(r[max(0, i - 2):i + 6])}\n"
            f" shardis: ...{_short(s[max(0, i - 2):i + 6])}\n"
            f" (redis {len(r)} messages, shardis {len(s)})")
    return s


STRING_STEPS = [
    ("SET", "s", "v"),
    ("SET", "s", "v2", "XX"),
    ("SET", "s", "v3", "NX"),                 # no write, no event
    ("SET", "t", "v", "EX", "100"),
    ("SET", "t", "v", "KEEPTTL"),
    ("SET", "t", "w", "GET"),
    ("INCR", "n"),
    ("INCRBY", "n", "5"),
    ("DECR", "n"),
    ("DECRBY", "n", "2"),
    ("MSET", "a", "1", "b", "2"),
    ("GET", "a"),
    ("DEL", "a", "b", "missing"),
]

LIST_STEPS = [
    ("RPUSH", "l", "a", "b", "c", "d"),
    ("LPUSH", "l", "z"),
    ("LPUSHX", "nolist", "x"),
    ("LPOP", "l"),
    ("RPOP", "l"),
    ("LSET", "l", "0", "A"),
    ("LINSERT", "l", "BEFORE", "A", "x"),
    ("LREM", "l", "0", "x"),
    ("LTRIM", "l", "0", "1"),
    ("RPUSH", "l2", "x"),
    ("RPOP", "l2"),                           # empties l2: del event
]


@pytest.mark.parametrize("flags", ["KEA", "AK", "AE", "K$", "E$", "Kg", "Eg$", "KEl", "A",
                                   "KE", ""])
def test_string_events(diff, conns, flags):
    assert_events(diff, conns, flags, STRING_STEPS)


@pytest.mark.parametrize("flags", ["KEA", "KEl", "Eg", "K$"])
def test_list_events(diff, conns, flags):
    assert_events(diff, conns, flags, LIST_STEPS)


@pytest.mark.parametrize("flags", ["KEA", "Kx", "Eg", "KE$"])
def test_expire_events(diff, conns, flags):
    steps = [
        ("SET", "e1", "v", "PX", "30"),
        ("SET", "e2", "v"),
        ("EXPIRE", "e2", "100"),
        ("PERSIST", "e2"),
        ("EXPIRE", "e2", "0"),          # deletes at once: a del event
        ("__sleep__", 0.15),
        ("GET", "e1"),                  # expired (lazily or already actively)
        ("EXISTS", "e1"),
    ]
    assert_events(diff, conns, flags, steps)


def test_generic_events(diff, conns):
    steps = [
        ("SET", "a", "1"),
        ("RENAME", "a", "b"),
        ("SET", "c", "1"),
        ("EXPIRE", "c", "100"),
        ("RENAME", "c", "d"),
        ("DEL", "b", "d"),
    ]
    assert_events(diff, conns, "KEA", steps)


def test_event_db_and_patterns(diff, conns):
    steps = [("SELECT", "3"), ("SET", "k", "v"), ("DEL", "k"), ("SELECT", "0"),
             ("SET", "k", "v")]
    assert_events(diff, conns, "KEA", steps)
    assert_events(diff, conns, "KEA", steps, pattern="__keyspace@3__:*")
    assert_events(diff, conns, "KEA", steps, pattern="__keyevent@0__:set")


def test_binary_keys(diff, conns):
    steps = [("SET", b"k\x00\xff\r\n", "v"), ("DEL", b"k\x00\xff\r\n")]
    assert_events(diff, conns, "KEA", steps)


def test_config_canonical(diff):
    try:
        for flags in ["KEA", "AKE", "g$lshzxetd", "gKE", "Ex", "KEm", "A", "tdE", ""]:
            diff("CONFIG", "SET", "notify-keyspace-events", flags)
            diff("CONFIG", "GET", "notify-keyspace-events")
        diff.error("CONFIG", "SET", "notify-keyspace-events", "KEq")
        diff("CONFIG", "GET", "notify-keyspace-events")
    finally:
        diff.r.call("CONFIG", "SET", "notify-keyspace-events", "")
        diff.s.call("CONFIG", "SET", "notify-keyspace-events", "")


def test_resp3_events_to_self(diff, conns):
    """A RESP3 client subscribed to its own events gets each push before the
    reply of the command that caused it (also inside EXEC's array)."""
    a = conns(3)
    try:
        diff("CONFIG", "SET", "notify-keyspace-events", "KEA")
        a.send("PSUBSCRIBE", "__key*__:*")
        a.read()
        a.send("SET", "k", "v")
        for _ in range(3):
            a.read()
        a.send_raw(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\n")
        for _ in range(6):
            a.read()
        a("MULTI")
        a("SET", "m", "1")
        a("DEL", "m")
        a("EXEC")           # the pushes are inside the array, as Redis writes them
        for _ in range(4):
            a.read()
    finally:
        diff.r.call("CONFIG", "SET", "notify-keyspace-events", "")
        diff.s.call("CONFIG", "SET", "notify-keyspace-events", "")


# -- other families' events (the helper in use) ------------------------------------------
HASH_STEPS = [("HSET", "h", "a", "1", "b", "2"), ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "c", "3"),
              ("HINCRBY", "h", "n", "2"), ("HINCRBYFLOAT", "h", "f", "1.5"),
              ("HDEL", "h", "a", "zz"), ("HDEL", "h", "b", "c", "n", "f"), ("HMSET", "h2", "x", "y")]
SET_STEPS = [("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SREM", "s", "a"),
             ("SMOVE", "s", "t", "b"), ("SPOP", "s"), ("SADD", "u", "1", "2"),
             ("SINTERSTORE", "d", "u", "u"), ("SUNIONSTORE", "d2", "u", "t"),
             ("SDIFFSTORE", "d3", "u", "u"), ("SREM", "u", "1", "2")]
ZSET_STEPS = [("ZADD", "z", "1", "a", "2", "b"), ("ZINCRBY", "z", "1", "a"), ("ZREM", "z", "a"),
              ("ZADD", "z", "3", "c"), ("ZREMRANGEBYSCORE", "z", "0", "2"), ("ZPOPMIN", "z"),
              ("ZADD", "y", "1", "x"), ("ZUNIONSTORE", "w", "1", "y"),
              ("ZRANGESTORE", "v", "y", "0", "-1")]
KEYS_STEPS = [("SET", "a", "1"), ("COPY", "a", "b"), ("MOVE", "b", "1"), ("RENAME", "a", "c"),
              ("PEXPIRE", "c", "100000"), ("EXPIREAT", "c", "1"), ("SET", "d", "x"),
              ("PERSIST", "d"), ("SETRANGE", "d", "3", "y"), ("APPEND", "d", "z"),
              ("INCRBYFLOAT", "d2", "1.5"), ("GETDEL", "d"), ("SET", "e", "1"),
              ("GETEX", "e", "EX", "100"), ("GETEX", "e", "PERSIST"), ("SETEX", "f", "100", "v"),
              ("PSETEX", "g", "100000", "v"), ("SETNX", "h", "v"), ("MSETNX", "i", "1", "j", "2"),
              ("GETSET", "h", "w"), ("SWAPDB", "0", "1"), ("FLUSHALL",)]


@pytest.mark.parametrize("steps", [HASH_STEPS, SET_STEPS, ZSET_STEPS, KEYS_STEPS],
                         ids=["hash", "set", "zset", "keys"])
def test_family_events(diff, conns, steps):
    assert_events(diff, conns, "KEA", steps)


# -- key-miss events (class m): fired by read lookups of missing keys ---------------------
KEYMISS_CMDS = [("GET", "x"), ("MGET", "x", "y"), ("EXISTS", "x"), ("TYPE", "x"), ("STRLEN", "x"),
                ("GETRANGE", "x", "0", "1"), ("LRANGE", "x", "0", "-1"), ("LLEN", "x"),
                ("LINDEX", "x", "0"), ("HGET", "x", "f"), ("HGETALL", "x"), ("HMGET", "x", "a"),
                ("SMEMBERS", "x"), ("SISMEMBER", "x", "a"), ("SCARD", "x"),
                ("SUNION", "x", "y"), ("ZRANGE", "x", "0", "-1"), ("ZSCORE", "x", "a"),
                ("TTL", "x"), ("PTTL", "x"), ("GETDEL", "x"), ("GETEX", "x"),
                ("INCR", "n"), ("SET", "k", "v"), ("GET", "k"), ("APPEND", "a", "b"),
                ("LPUSH", "l", "1"), ("RPOPLPUSH", "x", "y"), ("TOUCH", "x"), ("COPY", "x", "z")]


@pytest.mark.parametrize("flags", ["KEm", "Em", "KEA"])
def test_keymiss_events(diff, conns, flags):
    assert_events(diff, conns, flags, KEYMISS_CMDS)
