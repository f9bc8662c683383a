"""OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP against redis-server."""
import time

import pytest


def test_object_help_and_errors(diff):
    diff("OBJECT", "HELP")
    diff("OBJECT", "help")
    diff.error("OBJECT", "FOO")
    diff.error("OBJECT")
    diff.error("OBJECT", "ENCODING")
    diff.error("OBJECT", "ENCODING", "a", "b")


def test_string_encodings(diff):
    values = ["0", "1", "-1", "123", "9999", "10000", "-0", "01", "+1", " 1", "1.5",
              "9223372036854775807", "9223372036854775808", "-9223372036854775808",
              "12345678901234567890", "abc", "x" * 44, "x" * 45, "1" * 21, "", "1e5"]
    for i, v in enumerate(values):
        diff("SET", "k%d" % i, v)
        diff("OBJECT", "ENCODING", "k%d" % i)
        diff("OBJECT", "REFCOUNT", "k%d" % i)
    diff("INCR", "counter")
    diff("OBJECT", "ENCODING", "counter")
    diff("OBJECT", "ENCODING", "missing")
    diff("OBJECT", "REFCOUNT", "missing")
    diff("OBJECT", "IDLETIME", "missing")
    diff("OBJECT", "FREQ", "missing")


def test_raw_after_append(diff):
    if b"unknown command" in diff.s.call("APPEND", "probe", "x")[0]:
        pytest.skip("APPEND not implemented yet")
    diff("SET", "a", "1")
    diff("APPEND", "a", "2")
    diff("OBJECT", "ENCODING", "a")
    diff("OBJECT", "REFCOUNT", "a")


@pytest.mark.redis72
def test_small_list_is_listpack(ours):
    ours("RPUSH", "l", "a", "b")
    assert ours("OBJECT", "ENCODING", "l") == b"listpack"     # 7.0.15 says quicklist


def test_aggregate_encodings(diff):
    diff("HSET", "h", "f", "v")
    diff("OBJECT", "ENCODING", "h")
    diff("OBJECT", "REFCOUNT", "h")


def test_idletime(diff):
    diff("SET", "a", "hello")
    diff("OBJECT", "IDLETIME", "a")
    diff.error("OBJECT", "FREQ", "a")
    time.sleep(2.1)
    assert diff.s("OBJECT", "IDLETIME", "a") >= 2
    # EXISTS, TYPE, TTL do not touch the key; GET and TOUCH do
    diff("EXISTS", "a")
    diff("TYPE", "a")
    diff("TTL", "a")
    assert diff.s("OBJECT", "IDLETIME", "a") >= 2
    diff("TOUCH", "a")
    diff("OBJECT", "IDLETIME", "a")
    diff("SET", "b", "x")
    time.sleep(1.1)
    diff("GET", "b")
    diff("OBJECT", "IDLETIME", "b")


def test_freq_under_lfu(diff):
    for cl in (diff.r, diff.s):
        cl("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        diff("SET", "a", "hello")
        diff("OBJECT", "FREQ", "a")
        diff.error("OBJECT", "IDLETIME", "a")
        diff("SET", "n", "5")
        diff("OBJECT", "FREQ", "n")
        for _ in range(20):
            diff("GET", "a")
        assert 6 <= diff.s("OBJECT", "FREQ", "a") <= 10
        diff("OBJECT", "FREQ", "missing")
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "maxmemory-policy", "noeviction")
