"""Stream commands compared with redis-server (exact reply bytes)."""
import time

import pytest
from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.resp_client import RawClient, RespError


def test_xadd_ids_and_errors(diff):
    diff("XADD", "s", "1-1", "a", "1")
    diff("XADD", "s", "1-2", "b", "2", "c", "3")
    diff("XADD", "s", "1-*", "a", "x")
    diff("XADD", "s", "5", "a", "y")
    diff("XADD", "s", "5-*", "a", "z")
    diff.error("XADD", "s", "5-1", "a", "1")
    diff.error("XADD", "s", "4-9", "a", "1")
    diff.error("XADD", "s", "0-0", "a", "1")
    diff.error("XADD", "t", "0-0", "a", "1")
    diff.error("XADD", "t", "0", "a", "1")
    diff("EXISTS", "t")
    diff("XADD", "t", "0-*", "a", "1")
    diff.error("XADD", "s", "abc", "a", "1")
    diff.error("XADD", "s", "1-x", "a", "1")
    diff.error("XADD", "s", "-1", "a", "1")
    diff.error("XADD", "s", "6-1", "a")
    diff.error("XADD", "s", "6-1", "a", "1", "b")
    diff.error("XADD", "s", "*")
    diff("XADD", "s", "18446744073709551615-18446744073709551614", "a", "1")
    diff("XADD", "s", "18446744073709551615-*", "a", "1")
    diff.error("XADD", "s", "18446744073709551615-18446744073709551615", "a", "1")
    diff.error("XADD", "s", "*", "a", "1")
    diff.error("XADD", "s", "18446744073709551616-1", "a", "1")
    diff("XADD", "u", "007-+5", "a", "1")
    diff("XLEN", "s")
    diff("XLEN", "nokey")
    diff("SET", "str", "x")
    diff.error("XADD", "str", "*", "a", "1")
    diff.error("XLEN", "str")
    diff("XADD", "nomk", "NOMKSTREAM", "*", "a", "1")
    diff("EXISTS", "nomk")
    diff("XADD", "s2", "NOMKSTREAM", "1-1", "a", "1")
    diff("XADD", "s2", "NOMKSTREAM", "1-2", "a", "1")
    diff("XLEN", "s2")


def test_xadd_auto_id(diff):
    r = diff.r("XADD", "s", "*", "a", "1")
    o = diff.s("XADD", "s", "*", "a", "1")
    assert r.count(b"-") == 1 and o.count(b"-") == 1
    ms = int(o.split(b"-")[0])
    assert abs(ms - time.time() * 1000) < 5000
    diff("XADD", "s", "99999999999999-0", "a", "1")
    diff("XADD", "s", "*", "a", "1")
    diff("XLEN", "s")


def test_xadd_trim_options(diff):
    for i in range(1, 31):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XADD", "s", "MAXLEN", "20", "31-0", "f", "v")
    diff("XLEN", "s")
    diff("XADD", "s", "MAXLEN", "=", "10", "32-0", "f", "v")
    diff("XRANGE", "s", "-", "+")
    diff("XADD", "s", "MINID", "25", "33-0", "f", "v")
    diff("XRANGE", "s", "-", "+")
    diff("XADD", "s", "MINID", "=", "30-0", "40-0", "f", "v")
    diff("XLEN", "s")
    diff.error("XADD", "s", "MAXLEN", "-1", "*", "f", "v")
    diff.error("XADD", "s", "MAXLEN", "x", "*", "f", "v")
    diff.error("XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v")
    diff.error("XADD", "s", "LIMIT", "10", "*", "f", "v")
    diff.error("XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "f", "v")
    diff.error("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v")
    diff.error("XADD", "s", "MINID", "abc", "*", "f", "v")
    diff.error("XADD", "s", "MINID", "-", "*", "f", "v")
    diff("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "0", "100-0", "f", "v")
    diff("XADD", "s", "maxlen", "~", "0", "limit", "1", "101-0", "f", "v")
    diff("XLEN", "s")


def test_approx_trim_nodes(diff):
    # 250 entries make three nodes (100 entries each); ~ removes whole nodes.
    for i in range(1, 251):
        diff("XADD", "s", f"{i}-1", "field", "value%d" % i)
    diff("XINFO", "STREAM", "s")
    diff("XTRIM", "s", "MAXLEN", "~", "120")
    diff("XLEN", "s")
    diff("XTRIM", "s", "MAXLEN", "~", "10")
    diff("XLEN", "s")
    diff("XINFO", "STREAM", "s")
    diff("XTRIM", "s", "MAXLEN", "10")
    diff("XINFO", "STREAM", "s")
    for i in range(300, 700):
        diff("XADD", "s", "MAXLEN", "~", "150", f"{i}-1", "f%d" % (i % 3), "v" * (i % 50))
    diff("XLEN", "s")
    diff("XINFO", "STREAM", "s")
    diff("XTRIM", "s", "MINID", "~", "500")
    diff("XLEN", "s")
    diff("XTRIM", "s", "MINID", "~", "650", "LIMIT", "30")
    diff("XLEN", "s")
    diff("XTRIM", "s", "MINID", "650")
    diff("XINFO", "STREAM", "s")


def test_node_size_limits(diff):
    # Large values: the 4096-byte node limit splits nodes before 100 entries.
    for i in range(1, 120):
        diff("XADD", "s", f"{i}-0", "k", "x" * (i * 7), "n", str(i * 1000), str(-i), "12")
    diff("XINFO", "STREAM", "s")
    diff("XTRIM", "s", "MAXLEN", "~", "60")
    diff("XLEN", "s")
    diff("XINFO", "STREAM", "s")


def test_node_config(diff):
    try:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-entries", "7")
            cl("CONFIG", "SET", "stream-node-max-bytes", "300")
        for i in range(1, 80):
            diff("XADD", "s", f"{i}-{i}", "f%d" % (i % 2), "v" * (i % 13))
        diff("XINFO", "STREAM", "s")
        diff("XTRIM", "s", "MAXLEN", "~", "33")
        diff("XLEN", "s")
        diff("XDEL", "s", "50-50", "51-51", "52-52")
        diff("XINFO", "STREAM", "s")
        diff("XTRIM", "s", "MAXLEN", "~", "25", "LIMIT", "5")
        diff("XLEN", "s")
        diff("XTRIM", "s", "MAXLEN", "~", "25", "LIMIT", "50")
        diff("XLEN", "s")
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-entries", "0")
            cl("CONFIG", "SET", "stream-node-max-bytes", "0")
        for i in range(100, 200):
            diff("XADD", "s", f"{i}-0", "f", "v")
        diff("XINFO", "STREAM", "s")
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-entries", "100")
            cl("CONFIG", "SET", "stream-node-max-bytes", "4096")


def test_xrange(diff):
    for i in range(1, 11):
        diff("XADD", "s", f"{i}-{i % 3}", "a", str(i), "b", "x" * i)
    diff("XRANGE", "s", "-", "+")
    diff("XREVRANGE", "s", "+", "-")
    diff("XRANGE", "s", "3", "7")
    diff("XRANGE", "s", "(3-0", "(7-1")
    diff("XRANGE", "s", "(3-0", "7")
    diff("XREVRANGE", "s", "(7-1", "(3-0")
    diff("XRANGE", "s", "-", "+", "COUNT", "3")
    diff("XREVRANGE", "s", "+", "-", "COUNT", "3")
    diff("XRANGE", "s", "-", "+", "COUNT", "0")
    diff("XRANGE", "s", "-", "+", "COUNT", "-5")
    diff("XRANGE", "s", "5", "2")
    diff("XRANGE", "nokey", "-", "+")
    diff("XRANGE", "nokey", "-", "+", "COUNT", "0")
    diff.error("XRANGE", "s", "(-", "+")
    diff.error("XRANGE", "s", "-", "(+")
    diff.error("XRANGE", "s", "x", "+")
    diff.error("XRANGE", "s", "-", "+", "COUNT")
    diff.error("XRANGE", "s", "-", "+", "COUNT", "x")
    diff.error("XRANGE", "s", "-", "+", "LIMIT", "1")
    diff.error("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+")
    diff.error("XRANGE", "s", "-", "(0-0")
    diff("XRANGE", "s", "(0-0", "(18446744073709551615-18446744073709551615")
    diff("XRANGE", "s", "(", "+")
    diff("SET", "str", "x")
    diff.error("XRANGE", "str", "-", "+")


def test_xdel(diff):
    for i in range(1, 11):
        diff("XADD", "s", f"{i}-0", "a", str(i))
    diff("XDEL", "s", "3-0", "5", "99-0", "3-0")
    diff("XRANGE", "s", "-", "+")
    diff("XREVRANGE", "s", "+", "-", "COUNT", "4")
    diff.error("XDEL", "s", "1-0", "bad")
    diff("XLEN", "s")
    diff("XDEL", "nokey", "1-0")
    diff("XINFO", "STREAM", "s")
    diff("XDEL", "s", "1-0")
    diff("XINFO", "STREAM", "s")
    diff("XDEL", "s", *[f"{i}-0" for i in range(1, 11)])
    diff("XINFO", "STREAM", "s")
    diff("XADD", "s", "20-0", "a", "1")
    diff("XINFO", "STREAM", "s")
    diff("XRANGE", "s", "-", "+")


def test_xtrim(diff):
    for i in range(1, 21):
        diff("XADD", "s", f"{i}-0", "a", str(i))
    diff("XTRIM", "s", "MAXLEN", "15")
    diff("XTRIM", "s", "MAXLEN", "=", "12")
    diff("XTRIM", "s", "MINID", "14")
    diff("XRANGE", "s", "-", "+")
    diff("XINFO", "STREAM", "s")
    diff("XTRIM", "nokey", "MAXLEN", "0")
    diff.error("XTRIM", "s", "FOO", "1")
    diff.error("XTRIM", "s", "LIMIT", "1")
    diff.error("XTRIM", "s", "MAXLEN", "1", "LIMIT", "1")
    diff.error("XTRIM", "s", "MAXLEN", "1", "MINID", "1")
    diff.error("XTRIM", "s", "MAXLEN")
    diff.error("XTRIM", "nokey", "FOO", "1")
    diff("XTRIM", "s", "MAXLEN", "0")
    diff("XINFO", "STREAM", "s")
    diff("SET", "str", "x")
    diff.error("XTRIM", "str", "MAXLEN", "1")


def test_xread(diff):
    diff("XADD", "a", "1-1", "f", "1")
    diff("XADD", "a", "2-1", "f", "2")
    diff("XADD", "b", "1-5", "g", "1")
    diff("XREAD", "STREAMS", "a", "b", "0", "0")
    diff("XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0")
    diff("XREAD", "STREAMS", "a", "b", "1-1", "1-5")
    diff("XREAD", "STREAMS", "a", "b", "$", "$")
    diff("XREAD", "STREAMS", "a", "nokey", "1", "0")
    diff("XREAD", "COUNT", "0", "STREAMS", "a", "0")
    diff("XREAD", "COUNT", "-3", "STREAMS", "a", "0")
    diff("XREAD", "STREAMS", "a", "18446744073709551615-18446744073709551615")
    diff.error("XREAD", "STREAMS", "a", ">")
    diff.error("XREAD", "STREAMS", "a", "x")
    diff.error("XREAD", "GROUP", "g", "c", "STREAMS", "a", "0")
    diff.error("XREAD", "NOACK", "STREAMS", "a", "0")
    diff.error("XREAD", "COUNT", "x", "STREAMS", "a", "0")
    diff.error("XREAD", "FOO", "STREAMS", "a", "0")
    diff.error("XREAD", "COUNT", "1", "a", "0")
    diff.error("XREAD", "BLOCK", "-1", "STREAMS", "a", "0")
    diff.error("XREAD", "BLOCK", "x", "STREAMS", "a", "0")
    diff("SET", "str", "x")
    diff.error("XREAD", "STREAMS", "str", "0")
    diff("XREAD", "BLOCK", "0", "STREAMS", "a", "0")


def test_groups_basic(diff):
    diff.error("XGROUP", "CREATE", "s", "g", "$")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff.error("XGROUP", "CREATE", "s", "g", "$")
    diff("XINFO", "GROUPS", "s")
    for i in range(1, 6):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "2")
    diff("XGROUP", "CREATE", "s", "g3", "3-0")
    diff("XGROUP", "CREATE", "s", "g4", "$")
    diff.error("XGROUP", "CREATE", "s", "g5", "x")
    diff.error("XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "-5")
    diff.error("XGROUP", "CREATE", "s", "g5", "0", "ENTRIESREAD", "x")
    diff.error("XGROUP", "CREATE", "s", "g5", "0", "FOO")
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "alice")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "alice")
    diff.error("XGROUP", "CREATECONSUMER", "s", "nog", "alice")
    diff.error("XGROUP", "CREATECONSUMER", "nokey", "g", "alice")
    diff("XGROUP", "SETID", "s", "g", "2-0")
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "5")
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0")
    diff("XINFO", "GROUPS", "s")
    diff.error("XGROUP", "SETID", "s", "nog", "0")
    diff.error("XGROUP", "SETID", "s", "g", "zz")
    diff.error("XGROUP", "SETID", "s", "g", "0", "MKSTREAM")
    diff("XGROUP", "DELCONSUMER", "s", "g", "alice")
    diff("XGROUP", "DELCONSUMER", "s", "g", "bob")
    diff("XGROUP", "DESTROY", "s", "g4")
    diff("XGROUP", "DESTROY", "s", "g4")
    diff.error("XGROUP", "DESTROY", "nokey", "g4")
    diff.error("XGROUP", "FOO", "s", "g")
    diff("XINFO", "GROUPS", "s")
    diff("SET", "str", "x")
    diff.error("XGROUP", "CREATE", "str", "g", "$")
    diff.error("XINFO", "GROUPS", "nokey")


def test_xreadgroup_flow(diff):
    for i in range(1, 6):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    diff("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "1-0")
    diff("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "0")
    diff("XPENDING", "s", "g")
    r = diff.r("XPENDING", "s", "g", "-", "+", "10", "alice")
    o = diff.s("XPENDING", "s", "g", "-", "+", "10", "alice")
    assert [(e[0], e[1], e[3]) for e in r] == [(e[0], e[1], e[3]) for e in o]
    diff("XACK", "s", "g", "1-0", "9-0")
    diff("XACK", "s", "g", "1-0")
    diff.error("XACK", "s", "g", "bad")
    diff("XACK", "s", "nog", "bad")
    diff("XACK", "nokey", "g", "1-0")
    diff("XDEL", "s", "2-0")
    diff("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    diff("XREADGROUP", "GROUP", "g", "carol", "NOACK", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">")
    diff("XPENDING", "s", "g")
    diff("XINFO", "GROUPS", "s")
    diff("XADD", "s", "6-0", "f", "6")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff.error("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">")
    diff.error("XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">")
    diff.error("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$")
    diff.error("XREADGROUP", "STREAMS", "s", ">")
    diff.error("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s")


def test_xpending(diff):
    for i in range(1, 8):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XPENDING", "s", "g")
    diff("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
    diff("XPENDING", "s", "g")
    for args in (("-", "+", "10"), ("-", "+", "2"), ("(2-0", "+", "10"), ("2", "(5-0", "10"),
                 ("-", "+", "0"), ("-", "+", "-1"), ("-", "+", "10", "b"),
                 ("-", "+", "10", "nobody")):
        r = diff.r("XPENDING", "s", "g", *args)
        o = diff.s("XPENDING", "s", "g", *args)
        # idle times may differ by a few ms: compare the rest
        assert [(e[0], e[1], e[3]) for e in r] == [(e[0], e[1], e[3]) for e in o]
    diff("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10")
    diff.error("XPENDING", "s", "g", "-", "+")
    diff.error("XPENDING", "s", "g", "IDLE", "1", "-", "+")
    diff.error("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10")
    diff.error("XPENDING", "s", "g", "-", "+", "x")
    diff.error("XPENDING", "s", "g", "x", "+", "10")
    diff.error("XPENDING", "s", "nog")
    diff.error("XPENDING", "nokey", "g")
    diff.error("XPENDING", "s", "g", "-", "+", "10", "a", "b", "c", "d")


def test_xclaim(diff):
    for i in range(1, 8):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    diff("XCLAIM", "s", "g", "b", "0", "1-0", "2-0")
    diff("XCLAIM", "s", "g", "b", "1000000", "3-0")
    diff("XCLAIM", "s", "g", "b", "0", "3-0", "JUSTID")
    diff("XCLAIM", "s", "g", "c", "0", "4-0", "RETRYCOUNT", "7", "IDLE", "5000000")
    r = diff.r("XPENDING", "s", "g", "IDLE", "4000000", "-", "+", "10")
    o = diff.s("XPENDING", "s", "g", "IDLE", "4000000", "-", "+", "10")
    assert [(e[0], e[1], e[3]) for e in r] == [(e[0], e[1], e[3]) for e in o]
    diff("XCLAIM", "s", "g", "c", "0", "4-0", "TIME", "1", "JUSTID")
    diff("XCLAIM", "s", "g", "c", "0", "99-0", "JUSTID")
    diff("XCLAIM", "s", "g", "c", "0", "99-0", "FORCE", "JUSTID")
    diff("XCLAIM", "s", "g", "c", "0", "6-0", "FORCE", "JUSTID", "LASTID", "9-0")
    diff("XINFO", "GROUPS", "s")
    diff("XDEL", "s", "5-0")
    diff("XCLAIM", "s", "g", "c", "0", "5-0")
    diff("XPENDING", "s", "g")
    diff.error("XCLAIM", "s", "g", "c", "x", "1-0")
    diff.error("XCLAIM", "s", "g", "c", "0", "1-0", "FOO")
    diff.error("XCLAIM", "s", "g", "c", "0", "1-0", "IDLE", "x")
    diff.error("XCLAIM", "s", "g", "c", "0", "1-0", "TIME", "x")
    diff.error("XCLAIM", "s", "g", "c", "0", "1-0", "RETRYCOUNT", "x")
    diff.error("XCLAIM", "s", "g", "c", "0", "1-0", "LASTID", "x")
    diff.error("XCLAIM", "s", "nog", "c", "0", "1-0")
    diff.error("XCLAIM", "nokey", "g", "c", "0", "1-0")
    diff("XCLAIM", "s", "g", "c", "0", "bad")


def test_xautoclaim(diff):
    for i in range(1, 11):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    diff("XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "3")
    diff("XAUTOCLAIM", "s", "g", "b", "0", "(3-0", "COUNT", "2", "JUSTID")
    diff("XDEL", "s", "6-0", "7-0")
    diff("XAUTOCLAIM", "s", "g", "c", "0", "5-0", "COUNT", "3")
    diff("XAUTOCLAIM", "s", "g", "c", "0", "0")
    diff("XAUTOCLAIM", "s", "g", "d", "10000000", "0")
    diff("XAUTOCLAIM", "s", "g", "d", "0", "100-0")
    diff("XPENDING", "s", "g")
    diff.error("XAUTOCLAIM", "s", "g", "c", "x", "0")
    diff.error("XAUTOCLAIM", "s", "g", "c", "0", "x")
    diff.error("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0")
    diff.error("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x")
    diff.error("XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO")
    diff.error("XAUTOCLAIM", "s", "nog", "c", "0", "0")
    diff.error("XAUTOCLAIM", "nokey", "g", "c", "0", "0")
    diff.error("XAUTOCLAIM", "s", "g", "c", "0", "(18446744073709551615-18446744073709551615")


def test_xsetid(diff):
    diff("XADD", "s", "5-5", "f", "1")
    diff("XSETID", "s", "10-0")
    diff("XINFO", "STREAM", "s")
    diff.error("XSETID", "s", "1-0")
    diff.error("XSETID", "nokey", "1-0")
    diff.error("XSETID", "s", "x")
    diff.error("XSETID", "s", "20-0", "ENTRIESADDED", "-1")
    diff.error("XSETID", "s", "20-0", "ENTRIESADDED", "0")
    diff.error("XSETID", "s", "20-0", "MAXDELETEDID", "30-0")
    diff.error("XSETID", "s", "20-0", "FOO", "1")
    diff("XSETID", "s", "20-0", "ENTRIESADDED", "50", "MAXDELETEDID", "15-0")
    diff("XINFO", "STREAM", "s")
    diff("XSETID", "s", "16-0")     # (7.2 refuses an id below max-deleted-entry-id 15-0)
    diff.error("XADD", "s", "13-0", "a", "b")
    diff("XDEL", "s", "5-5")
    diff("XSETID", "s", "15-0")
    diff("XINFO", "STREAM", "s")
    diff("SET", "str", "x")
    diff.error("XSETID", "str", "1-0")


def test_lag_bookkeeping(diff):
    for i in range(1, 6):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g1", "0")
    diff("XGROUP", "CREATE", "s", "g2", "3-0")
    diff("XGROUP", "CREATE", "s", "g3", "$")
    diff("XGROUP", "CREATE", "s", "g4", "1-0")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g1", "c", "COUNT", "2", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g2", "c", "COUNT", "1", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XDEL", "s", "4-0")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g1", "c", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XDEL", "s", "1-0")
    diff("XINFO", "GROUPS", "s")
    diff("XTRIM", "s", "MAXLEN", "0")
    diff("XINFO", "GROUPS", "s")
    diff("XINFO", "STREAM", "s")
    diff("XADD", "s", "9-0", "f", "1")
    diff("XINFO", "GROUPS", "s")
    diff("XINFO", "STREAM", "s")


def test_xinfo_stream_full(diff):
    diff.error("XINFO", "STREAM", "nokey")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff("XINFO", "STREAM", "s")
    diff("XINFO", "STREAM", "s", "FULL")
    for i in range(1, 16):
        diff("XADD", "s", f"{i}-0", "f", str(i), "x", "y")
    diff("XINFO", "STREAM", "s")
    diff("XINFO", "STREAM", "s", "FULL", "COUNT", "3")
    diff("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
    diff("XINFO", "STREAM", "s", "FULL")
    diff("XINFO", "STREAM", "s", "FULL", "COUNT", "-1")
    diff.error("XINFO", "STREAM", "s", "FULL", "COUNT")
    diff.error("XINFO", "STREAM", "s", "FULL", "COUNT", "x")
    diff.error("XINFO", "STREAM", "s", "FOO")
    diff.error("XINFO", "STREAM", "s", "FULL", "FOO", "1")
    diff.error("XINFO", "FOO", "s")
    diff.error("XINFO", "CONSUMERS", "s", "nog")
    diff.error("XINFO", "CONSUMERS", "nokey", "g")
    diff("XINFO", "CONSUMERS", "s", "g")


def test_xinfo_full_with_pel(diff2):
    diff = diff2
    for i in range(1, 6):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    r = diff.r("XINFO", "STREAM", "s", "FULL")
    o = diff.s("XINFO", "STREAM", "s", "FULL")
    # times differ: compare the structure with times blanked
    rg, og = r[-1][0], o[-1][0]
    assert r[:-1] == o[:-1]
    assert [(e[0], e[1], e[3]) for e in rg[11]] == [(e[0], e[1], e[3]) for e in og[11]]
    rc, oc = rg[13][0], og[13][0]
    assert rc[1] == oc[1]
    assert oc[4:8] == [b"active-time", oc[5], b"pel-count", 3]


@pytest.mark.redis72
def test_xinfo_consumers_72(ours):
    ours("XADD", "s", "1-0", "f", "1")
    ours("XGROUP", "CREATE", "s", "g", "0")
    ours("XGROUP", "CREATECONSUMER", "s", "g", "idle")
    ours("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    r = ours("XINFO", "CONSUMERS", "s", "g")
    assert [x[0:4] for x in r] == [[b"name", b"a", b"pending", 1],
                                  [b"name", b"idle", b"pending", 0]]
    assert r[0][6] == b"inactive" and 0 <= r[0][7] < 1000
    assert r[1][6] == b"inactive" and r[1][7] == -1


def test_xinfo_consumers_fields(diff2):
    diff = diff2
    diff("XADD", "s", "1-0", "f", "1")
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "a")
    r = diff.r("XINFO", "CONSUMERS", "s", "g")
    o = diff.s("XINFO", "CONSUMERS", "s", "g")
    assert [x[:4] for x in r] == [x[:4] for x in o]
    assert [x[4] for x in o] == [b"idle", b"idle"]


def test_del_stream(diff):
    diff("XADD", "s", "1-0", "f", "v")
    diff("DEL", "s")
    diff("XLEN", "s")


_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 40), st.integers(0, 3),
                  st.sampled_from(["a", "b", "123", "-7", "x" * 70])),
        st.tuples(st.just("del"), st.integers(0, 40), st.integers(0, 3)),
        st.tuples(st.just("trim"), st.sampled_from(["MAXLEN", "MINID"]),
                  st.sampled_from(["", "~", "="]), st.integers(0, 40)),
        st.tuples(st.just("range"), st.integers(0, 40), st.integers(0, 40),
                  st.integers(-1, 5)),
    ),
    max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=_ops)
def test_hypothesis_sequences(diff2, ops):
    diff = diff2
    diff("DEL", "h")
    try:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-entries", "4")
        for op in ops:
            if op[0] == "add":
                _, ms, seq, val = op
                diff("XADD", "h", f"{ms}-{seq}", "f", val, "g", str(ms))
            elif op[0] == "del":
                diff("XDEL", "h", f"{op[1]}-{op[2]}")
            elif op[0] == "trim":
                _, strat, mod, n = op
                args = [strat] + ([mod] if mod else []) + [str(n)]
                diff("XTRIM", "h", *args)
                diff("XLEN", "h")
            else:
                _, a, b, cnt = op
                extra = ["COUNT", str(cnt)] if cnt >= 0 else []
                diff("XRANGE", "h", str(a), str(b), *extra)
                diff("XREVRANGE", "h", str(b), str(a), *extra)
        diff("XINFO", "STREAM", "h")
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-entries", "100")


@pytest.mark.redis72
def test_unbalanced_streams_72(ours):
    # 7.2 names the command as called and the special ID of each command.
    r = ours.call("XREAD", "STREAMS", "a", "b", "0")[1]
    assert str(r) == ("ERR Unbalanced 'xread' list of streams: for each stream key an ID or "
                      "'$' must be specified.")
    r = ours.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", ">")[1]
    assert str(r) == ("ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID "
                      "or '>' must be specified.")


def _blocking_scenario(port, steps):
    """Run ``steps`` on two connections of one server: ("a"|"b", send-only?, args).
    Returns the replies read, in order."""
    a = RawClient(port)
    b = RawClient(port)
    a.call("FLUSHALL")
    out = []
    try:
        for who, wait, args in steps:
            cl = a if who == "a" else b
            if wait == "send":
                cl.send(*args)
                time.sleep(0.05)
            elif wait == "read":
                out.append(cl.read()[0])
            else:
                out.append(cl.call(*args)[0])
    finally:
        a.close()
        b.close()
    return out


def _both(redis_proc, shardis_proc, steps):
    r = _blocking_scenario(redis_proc.port, steps)
    s = _blocking_scenario(shardis_proc.port, steps)
    assert s == r
    return s


def test_xread_block(redis_proc, shardis_proc):
    out = _both(redis_proc, shardis_proc, [
        ("b", "call", ("XADD", "s", "1-0", "f", "v")),
        ("a", "send", ("XREAD", "BLOCK", "0", "STREAMS", "s", "t", "$", "$")),
        ("b", "call", ("XADD", "t", "5-0", "g", "w")),
        ("a", "read", None),
        ("a", "send", ("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "$")),
        ("b", "call", ("XADD", "s", "2-0", "f", "v2")),
        ("a", "read", None),
        ("a", "call", ("XREAD", "BLOCK", "50", "STREAMS", "s", "$")),
        ("a", "send", ("XREAD", "BLOCK", "0", "STREAMS", "s", "2-0")),
        ("b", "call", ("XADD", "s", "3-0", "f", "v3")),
        ("a", "read", None),
        ("a", "call", ("PING",)),
    ])
    assert out[-1] == b"+PONG\r\n"


def test_xreadgroup_block(redis_proc, shardis_proc):
    _both(redis_proc, shardis_proc, [
        ("b", "call", ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")),
        ("a", "send", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")),
        ("b", "call", ("XADD", "s", "1-0", "f", "v")),
        ("a", "read", None),
        ("b", "call", ("XPENDING", "s", "g")),
        ("a", "call", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "s", ">")),
        ("a", "call", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "20", "STREAMS", "s", "0")),
        ("a", "send", ("XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "0", "STREAMS", "s",
                       ">")),
        ("b", "call", ("XADD", "s", "2-0", "f", "v")),
        ("a", "read", None),
        ("b", "call", ("XPENDING", "s", "g")),
        ("b", "call", ("MULTI",)),
        ("b", "call", ("XREAD", "BLOCK", "0", "STREAMS", "s", "$")),
        ("b", "call", ("EXEC",)),
    ])


@pytest.mark.redis72
def test_xreadgroup_block_group_destroyed_72(ours):
    b = RawClient(ours.sock.getpeername()[1])
    try:
        ours("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        ours.send("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
        time.sleep(0.05)
        b("XGROUP", "DESTROY", "s", "g")
        raw, v = ours.read()
        assert isinstance(v, RespError) and str(v).startswith("NOGROUP")
    finally:
        b.close()


def test_type_and_encoding(diff):
    diff("XADD", "s", "1-0", "f", "v")
    diff("TYPE", "s")
    diff("OBJECT", "ENCODING", "s")


def test_stream_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("XADD", "s", "1-0", "f", "v"),
        ("XADD", "s", "2-0", "f", "v"),
        ("XADD", "s", "MAXLEN", "1", "3-0", "f", "v"),
        ("XADD", "s", "NOMKSTREAM", "4-0", "f", "v"),
        ("XADD", "nomk", "NOMKSTREAM", "4-0", "f", "v"),
        ("XDEL", "s", "3-0"),
        ("XDEL", "s", "99-0"),
        ("XTRIM", "s", "MAXLEN", "0"),
        ("XTRIM", "s", "MAXLEN", "0"),
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XGROUP", "CREATE", "m", "g", "0", "MKSTREAM"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "c1"),
        ("XADD", "s", "5-0", "f", "v"),
        ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
        ("XCLAIM", "s", "g", "c3", "0", "5-0"),
        ("XAUTOCLAIM", "s", "g", "c4", "0", "0"),
        ("XACK", "s", "g", "5-0"),
        ("XGROUP", "SETID", "s", "g", "$"),
        ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
        ("XGROUP", "DESTROY", "s", "g"),
        ("XSETID", "s", "10-0"),
        ("DEL", "s"),
    ])


@pytest.mark.redis72
def test_xclaim_creates_consumer_72(ours):
    # 7.2 looks the consumer up (creating it) before claiming: an attempt that
    # claims nothing still registers the consumer and its seen-time.
    ours("XADD", "s", "1-0", "f", "v")
    ours("XGROUP", "CREATE", "s", "g", "0")
    ours("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">")
    assert ours("XCLAIM", "s", "g", "b", "100000", "1-0") == []
    assert ours("XAUTOCLAIM", "s", "g", "c", "100000", "0") == [b"0-0", [], []]
    names = [x[1] for x in ours("XINFO", "CONSUMERS", "s", "g")]
    assert names == [b"a", b"b", b"c"]
    assert ours("XINFO", "GROUPS", "s")[0][3] == 3


def test_copy_stream(diff2):
    diff = diff2
    for i in range(1, 250):
        diff("XADD", "s", f"{i}-0", "f", str(i))
    diff("XDEL", "s", "5-0", "150-0")
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">")
    diff("COPY", "s", "t")
    diff("XDEL", "s", "6-0", "200-0")
    diff("XACK", "s", "g", "1-0")
    diff("XADD", "s", "300-0", "f", "x")
    diff("XRANGE", "t", "-", "+", "COUNT", "10")
    diff("XREVRANGE", "t", "+", "-", "COUNT", "10")
    diff("XINFO", "STREAM", "t")
    diff("XINFO", "GROUPS", "t")
    r = diff.r("XPENDING", "t", "g", "-", "+", "10")
    o = diff.s("XPENDING", "t", "g", "-", "+", "10")
    assert [(e[0], e[1], e[3]) for e in r] == [(e[0], e[1], e[3]) for e in o]
    diff("XLEN", "t")
    diff("XLEN", "s")


_values = st.one_of(
    st.integers(-2 ** 63, 2 ** 63 - 1).map(str),
    st.integers(-40000, 40000).map(str),
    st.sampled_from(["", "0", "-0", "007", "+5", "1e3", "x" * 63, "y" * 64, "z" * 130,
                     "w" * 5000]),
    st.text("ab-1", max_size=30),
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(entries=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 300),
                                  st.lists(st.tuples(st.sampled_from(["f", "g", "12", "h" * 70]),
                                                     _values), min_size=1, max_size=3)),
                        min_size=1, max_size=60),
       max_bytes=st.sampled_from(["200", "700", "4096"]))
def test_hypothesis_node_bytes(diff2, entries, max_bytes):
    """Node boundaries follow the listpack byte size: XINFO's radix-tree-keys and
    approximate trimming must agree with redis-server."""
    diff = diff2
    diff("DEL", "b")
    try:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-bytes", max_bytes)
        ms = 1
        for dms, seq, fields in entries:
            ms += dms
            args = []
            for f, v in fields:
                args += [f, v]
            diff("XADD", "b", f"{ms}-{seq}" if dms else f"{ms}-*", *args)
        diff("XINFO", "STREAM", "b")
        diff("XTRIM", "b", "MAXLEN", "~", str(len(entries) // 2))
        diff("XLEN", "b")
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "stream-node-max-bytes", "4096")


def test_help_and_arity(diff):
    diff("XGROUP", "HELP")
    diff("XINFO", "HELP")
    diff.error("XGROUP", "HELP", "x")
    diff.error("XINFO", "HELP", "x")
    diff.error("XINFO", "STREAM")
    diff.error("XGROUP", "CREATE", "s")
    diff.error("XGROUP", "DESTROY", "s", "g", "x")
    diff.error("XGROUP", "CREATECONSUMER", "s", "g")
    diff.error("XINFO", "CONSUMERS", "s")
    diff.error("XINFO", "GROUPS")
    diff.error("XINFO")
    diff.error("XGROUP")


_group_ops = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(1, 3)),
    st.tuples(st.just("del"), st.integers(1, 30)),
    st.tuples(st.just("read"), st.sampled_from(["a", "b"]), st.integers(0, 3),
              st.booleans()),
    st.tuples(st.just("hist"), st.sampled_from(["a", "b"]), st.integers(0, 30)),
    st.tuples(st.just("ack"), st.integers(1, 30)),
    st.tuples(st.just("claim"), st.sampled_from(["a", "b"]), st.integers(1, 30),
              st.booleans()),
    st.tuples(st.just("autoclaim"), st.sampled_from(["a", "b"]), st.integers(0, 30),
              st.integers(1, 4)),
    st.tuples(st.just("setid"), st.integers(0, 30)),
    st.tuples(st.just("trim"), st.integers(0, 20)),
), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=_group_ops)
def test_hypothesis_groups(diff2, ops):
    diff = diff2
    diff("DEL", "q")
    diff("XGROUP", "CREATE", "q", "g", "0", "MKSTREAM")
    diff("XGROUP", "CREATECONSUMER", "q", "g", "a")
    diff("XGROUP", "CREATECONSUMER", "q", "g", "b")
    nxt = 1
    for op in ops:
        kind = op[0]
        if kind == "add":
            for _ in range(op[1]):
                diff("XADD", "q", f"{nxt}-0", "f", str(nxt))
                nxt += 1
        elif kind == "del":
            diff("XDEL", "q", f"{op[1]}-0")
        elif kind == "read":
            _, cons, count, noack = op
            args = ["COUNT", str(count)] if count else []
            if noack:
                args.append("NOACK")
            diff("XREADGROUP", "GROUP", "g", cons, *args, "STREAMS", "q", ">")
        elif kind == "hist":
            diff("XREADGROUP", "GROUP", "g", op[1], "STREAMS", "q", f"{op[2]}-0")
        elif kind == "ack":
            diff("XACK", "q", "g", f"{op[1]}-0")
        elif kind == "claim":
            _, cons, i, justid = op
            diff("XCLAIM", "q", "g", cons, "0", f"{i}-0", *(["JUSTID"] if justid else []))
        elif kind == "autoclaim":
            _, cons, start, count = op
            diff("XAUTOCLAIM", "q", "g", cons, "0", f"{start}-0", "COUNT", str(count),
                 "JUSTID")
        elif kind == "setid":
            diff("XGROUP", "SETID", "q", "g", f"{op[1]}-0")
        else:
            diff("XTRIM", "q", "MAXLEN", str(op[1]))
        diff("XINFO", "GROUPS", "q")
    diff("XPENDING", "q", "g")
    diff("XINFO", "STREAM", "q")


def test_xreadgroup_block_key_deleted(redis_proc, shardis_proc):
    _both(redis_proc, shardis_proc, [
        ("b", "call", ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")),
        ("a", "send", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")),
        ("b", "call", ("DEL", "s")),
        ("a", "read", None),
        ("b", "call", ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")),
        ("a", "send", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")),
        ("b", "call", ("UNLINK", "s")),
        ("a", "read", None),
        ("b", "call", ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")),
        ("a", "send", ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")),
        ("b", "call", ("FLUSHALL",)),
        ("a", "read", None),
        ("a", "send", ("XREAD", "BLOCK", "0", "STREAMS", "s", "$")),
        ("b", "call", ("XADD", "s", "1-0", "f", "v")),
        ("a", "read", None),
    ])
