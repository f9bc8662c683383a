"""Generic key commands against redis-server: DEL/UNLINK/EXISTS/TOUCH/TYPE,
RENAME(NX), COPY, MOVE, SWAPDB, FLUSH*, DBSIZE, KEYS, RANDOMKEY."""
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.resp_client import RawClient


def test_del_unlink_exists_counts(diff):
    diff("MSET", "a", "1", "b", "2", "c", "3")
    diff("EXISTS", "a", "a", "b", "zz", "a")
    diff("TOUCH", "a", "zz", "b")
    diff("DEL", "a", "a", "zz")
    diff("UNLINK", "b", "c", "b")
    diff("EXISTS", "a", "b", "c")
    diff("DBSIZE")
    diff.error("DEL")
    diff.error("EXISTS")


def test_type(diff):
    diff("SET", "s", "v")
    diff("TYPE", "s")
    diff("TYPE", "missing")
    diff("RPUSH", "l", "x")
    diff("TYPE", "l")
    diff("HSET", "h", "f", "v")
    diff("TYPE", "h")
    diff.error("TYPE")


def test_rename(diff):
    diff("SET", "a", "1")
    diff("RENAME", "a", "b")
    diff("GET", "b")
    diff("EXISTS", "a")
    diff.error("RENAME", "a", "c")
    diff.error("RENAME", "a", "a")
    diff("RENAME", "b", "b")
    diff("RENAMENX", "b", "b")
    diff("SET", "c", "3")
    diff("RENAMENX", "b", "c")
    diff("RENAMENX", "b", "d")
    diff("RENAME", "d", "c")
    diff("MGET", "b", "c", "d")
    diff.error("RENAMENX", "nokey", "x")


def test_rename_moves_ttl(diff):
    diff("SET", "a", "1", "EX", "1000")
    diff("SET", "b", "2", "EX", "5000")
    diff("RENAME", "a", "b")
    diff("TTL", "b")
    diff("TTL", "a")
    diff("SET", "p", "x")
    diff("RENAME", "p", "b")
    diff("TTL", "b")


def test_copy_aggregates_deep(diff):
    diff("RPUSH", "l", "a", "b")
    diff("COPY", "l", "l2")
    diff("RPUSH", "l2", "c")
    diff("LRANGE", "l", "0", "-1")
    diff("LRANGE", "l2", "0", "-1")
    diff("HSET", "h", "f", "1")
    diff("COPY", "h", "h2")
    diff("HSET", "h2", "g", "2")
    diff("HGETALL", "h")
    diff("HGETALL", "h2")


def test_copy_big_encodings_deep(diff):
    diff("ZADD", "z", *[x for i in range(200) for x in (str(i), "m%d" % i)])
    diff("COPY", "z", "z2")
    diff("ZADD", "z2", "1000", "extra")
    diff("ZREM", "z2", "m0")
    diff("ZCARD", "z")
    diff("ZRANGE", "z", "0", "2", "WITHSCORES")
    diff("ZRANGE", "z2", "0", "2", "WITHSCORES")
    diff("OBJECT", "ENCODING", "z2")
    diff("SADD", "s", *["e%d" % i for i in range(300)])
    diff("COPY", "s", "s2")
    diff("SREM", "s2", "e1")
    diff("SCARD", "s")
    diff("SCARD", "s2")
    diff("HSET", "h", *[x for i in range(300) for x in ("f%d" % i, "v")])
    diff("COPY", "h", "h2", "DB", "3")
    diff("HDEL", "h", "f1")
    diff("SELECT", "3")
    diff("HLEN", "h2")
    diff("OBJECT", "ENCODING", "h2")


def test_copy(diff):
    diff("SET", "a", "hello", "EX", "100")
    diff("COPY", "a", "b")
    diff("GET", "b")
    diff("TTL", "b")
    diff("COPY", "a", "b")
    diff("COPY", "a", "b", "REPLACE")
    diff("COPY", "a", "b", "replace", "db", "1")
    diff("COPY", "missing", "x")
    diff.error("COPY", "a", "a")
    diff("COPY", "a", "a", "DB", "2")
    diff.error("COPY", "a", "b", "DB", "99")
    diff.error("COPY", "a", "b", "DB", "-1")
    diff.error("COPY", "a", "b", "DB", "x")
    diff.error("COPY", "a", "b", "DB")
    diff.error("COPY", "a", "b", "FOO")
    diff("SELECT", "2")
    diff("GET", "a")
    diff("TTL", "a")
    diff("SELECT", "1")
    diff("GET", "b")


def _need(diff, *cmds):
    for name in cmds:
        if diff.s.call("COMMAND", "INFO", name)[1] in (None, [None]) or \
                b"unknown command" in diff.s.call(name)[0]:
            pytest.skip(f"{name} not implemented yet")


def test_copy_raw_string_is_independent(diff):
    _need(diff, "APPEND")
    diff("SET", "a", "x")
    diff("APPEND", "a", "yz")
    diff("COPY", "a", "b")
    diff("APPEND", "b", "1")
    diff("MGET", "a", "b")


def test_move(diff):
    diff("SET", "a", "1", "PX", "500000")
    diff("MOVE", "a", "1")
    diff("EXISTS", "a")
    diff("MOVE", "a", "1")
    diff.error("MOVE", "a", "0")
    diff.error("MOVE", "a", "16")
    diff.error("MOVE", "a", "-1")
    diff.error("MOVE", "a", "abc")
    diff.error("MOVE", "a", "99999999999")
    diff("SELECT", "1")
    diff("GET", "a")
    diff("SET", "b", "x")
    diff("SELECT", "0")
    diff("SET", "b", "y")
    diff("MOVE", "b", "1")
    diff("GET", "b")
    diff("SELECT", "1")
    assert 490000 < diff.s("PTTL", "a") <= 500000
    assert 490000 < diff.r("PTTL", "a") <= 500000
    diff("GET", "b")


def test_swapdb(diff):
    diff("SET", "a", "0")
    diff("SELECT", "1")
    diff("SET", "a", "1")
    diff("SET", "b", "1", "EX", "100")
    diff("SWAPDB", "0", "1")
    diff("GET", "a")
    diff("DBSIZE")
    diff("SELECT", "0")
    diff("GET", "a")
    diff("TTL", "b")
    diff("SWAPDB", "0", "0")
    diff.error("SWAPDB", "0", "16")
    diff.error("SWAPDB", "-1", "0")
    diff.error("SWAPDB", "x", "0")
    diff.error("SWAPDB", "0", "99999999999")
    diff.error("MOVE", "a", "99999999999999999999")
    diff.error("SWAPDB", "0", "y")
    diff("SWAPDB", "1", "0")
    diff("DBSIZE")


def test_swapdb_touches_watch(diff):
    diff("SELECT", "1")
    diff("SET", "w", "1")
    diff("SELECT", "0")
    diff("WATCH", "w")
    other_r = RawClient(diff.r.sock.getpeername()[1])
    other_s = RawClient(diff.s.sock.getpeername()[1])
    try:
        assert other_r.call("SWAPDB", "0", "1")[0] == other_s.call("SWAPDB", "0", "1")[0]
    finally:
        other_r.close()
        other_s.close()
    diff("MULTI")
    diff("GET", "w")
    diff("EXEC")


def test_flush(diff):
    diff("SET", "a", "1")
    diff("SELECT", "3")
    diff("SET", "a", "1")
    diff("FLUSHDB", "ASYNC")
    diff("DBSIZE")
    diff("SET", "a", "1")
    diff("FLUSHDB", "sync")
    diff.error("FLUSHDB", "now")
    diff.error("FLUSHALL", "SYNC", "ASYNC")
    diff("SELECT", "0")
    diff("DBSIZE")
    diff("FLUSHALL")
    diff("DBSIZE")


def test_keys_basic(diff):
    for k in ["a", "ab", "abc", "b", "hello", "hallo", "hxllo", "h\\llo", "x*y", "[", "]", "", "-"]:
        diff("SET", k, "1")
    for p in ["*", "a*", "*b*", "?", "h?llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo",
              "x\\*y", "x*y", "[", "\\[", "[[]", "[]]", "[a-]", "[-a]", "*\\", "\\", "h\\\\llo",
              "h[\\\\]llo", "[^", "**", "", "[z-a]*", "a**b*c", "[!a]*"]:
        diff.unordered("KEYS", p)


def test_keys_skips_expired(diff):
    diff("SET", "a", "1", "PX", "1")
    diff("SET", "b", "1")
    import time
    time.sleep(0.01)
    diff("KEYS", "*")
    diff("KEYS", "?")


glob_alphabet = st.sampled_from(list("ab*?[]^-\\!c\xe9"))


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(pattern=st.text(glob_alphabet, max_size=8))
def test_keys_glob_fuzz(diff2, pattern):
    diff = diff2
    keys = ["", "a", "b", "ab", "ba", "abc", "a*", "*", "?", "[", "]", "^", "-", "\\", "a\\b",
            "aab", "cab", "bab", "abab", "a]", "\xe9", "a\xe9b", "!a"]
    diff("FLUSHALL")
    for k in keys:
        diff("SET", k, "1")
    diff.unordered("KEYS", pattern)
    diff.unordered("KEYS", pattern.encode("latin-1"))


def test_keys_high_byte_ranges(diff):
    for k in [b"\x01", b"a", b"\x7f", b"\x80", b"\xfe", b"\xff", b"\x00"]:
        diff("SET", k, "1")
    for p in [b"[a-\xff]", b"[\x80-\xfe]", b"[\x01-\x80]", b"[^\x01-\x7f]", b"[\xfe-\xff]"]:
        diff.unordered("KEYS", p)


def test_randomkey(diff):
    diff("RANDOMKEY")
    diff("SET", "only", "1")
    diff("RANDOMKEY")
    for i in range(50):
        diff("SET", "k%d" % i, "1")
    seen = set()
    for _ in range(200):
        k = diff.s("RANDOMKEY")
        assert k == b"only" or k.startswith(b"k")
        seen.add(k)
    assert len(seen) > 20
    diff("FLUSHALL")
    diff("RANDOMKEY")


def test_randomkey_skips_expired(diff):
    for i in range(20):
        diff("SET", "v%d" % i, "1", "PX", "1")
    diff("SET", "live", "1")
    import time
    time.sleep(0.01)
    for _ in range(5):
        diff("RANDOMKEY")
