"""Blocking list/zset commands with two connections, run on redis and shardis."""
import time

import pytest

from tests.resp_client import RawClient


def _scenario(port, steps):
    """steps: (conn index, 'send'|'call'|'read', args). Returns raw replies."""
    cs = [RawClient(port), RawClient(port)]
    out = []
    try:
        cs[0].call("FLUSHALL")
        for who, how, args in steps:
            c = cs[who]
            if how == "send":
                c.send(*args)
                time.sleep(0.05)
            elif how == "read":
                out.append(c.read()[0])
            else:
                out.append(c.call(*args)[0])
    finally:
        for c in cs:
            c.close()
    return out


def _both(redis_proc, shardis_proc, steps):
    a = _scenario(redis_proc.port, steps)
    b = _scenario(shardis_proc.port, steps)
    assert a == b, f"\n redis:   {a!r}\n shardis: {b!r}"
    return b


@pytest.mark.parametrize("cmd,push,res", [
    (("BLPOP", "a", "b", "1"), ("RPUSH", "b", "x", "y"), ("LRANGE", "b", "0", "-1")),
    (("BRPOP", "a", "b", "1"), ("RPUSH", "b", "x", "y"), ("LRANGE", "b", "0", "-1")),
    (("BLMOVE", "b", "d", "LEFT", "RIGHT", "1"), ("RPUSH", "b", "x", "y"), ("LRANGE", "d", "0", "-1")),
    (("BRPOPLPUSH", "b", "d", "1"), ("LPUSH", "b", "x", "y"), ("LRANGE", "d", "0", "-1")),
    (("BLMPOP", "1", "2", "a", "b", "RIGHT", "COUNT", "5"), ("RPUSH", "b", "x", "y"), ("LLEN", "b")),
    (("BZPOPMIN", "a", "b", "1"), ("ZADD", "b", "1", "x", "2", "y"), ("ZCARD", "b")),
    (("BZPOPMAX", "a", "b", "1"), ("ZADD", "b", "1", "x", "2.5", "y"), ("ZCARD", "b")),
    (("BZMPOP", "1", "2", "a", "b", "MIN", "COUNT", "1"), ("ZADD", "b", "1", "x", "2", "y"), ("ZCARD", "b")),
])
def test_wakeup(redis_proc, shardis_proc, cmd, push, res):
    _both(redis_proc, shardis_proc, [
        (0, "send", cmd), (1, "call", push), (0, "read", None), (1, "call", res)])


@pytest.mark.parametrize("cmd", [
    ("BLPOP", "a", "0.1"), ("BRPOP", "a", "b", "0.1"), ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.1"),
    ("BRPOPLPUSH", "a", "b", "0.1"), ("BLMPOP", "0.1", "1", "a", "LEFT"),
    ("BZPOPMIN", "a", "0.1"), ("BZMPOP", "0.1", "1", "a", "MAX"),
])
def test_timeout(cmd, diff):
    diff(*cmd)


def test_immediate_and_errors(diff):
    diff("RPUSH", "l", "a", "b")
    diff("BLPOP", "x", "l", "0")
    diff("BRPOP", "l", "0")
    diff("ZADD", "z", "1", "a")
    diff("BZPOPMAX", "z", "0")
    diff("ZADD", "z", "1", "a")
    diff.error("BLPOP", "z", "0")
    diff.error("BLPOP", "l", "x")
    diff.error("BLPOP", "l", "-1")
    diff.error("BLMPOP", "0", "0", "l", "LEFT")
    diff.error("BZMPOP", "x", "1", "z", "MIN")
    diff.error("BLMOVE", "l", "m", "UP", "LEFT", "0")


def test_multi_does_not_block(diff):
    diff("MULTI")
    diff("BLPOP", "nokey", "0")
    diff("BZPOPMIN", "nokey", "0")
    diff("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0")
    diff("BLMPOP", "0", "1", "nokey", "LEFT")
    diff("EXEC")


def test_order_of_arrival_and_wrong_type_skip(redis_proc, shardis_proc):
    _both(redis_proc, shardis_proc, [
        (0, "send", ("BLPOP", "q", "1")),
        (1, "call", ("MULTI",)), (1, "call", ("RPUSH", "q", "a")), (1, "call", ("RPUSH", "q", "b")),
        (1, "call", ("EXEC",)),
        (0, "read", None), (1, "call", ("LRANGE", "q", "0", "-1"))])


def test_pipelined_after_blocked(redis_proc, shardis_proc):
    steps = [(0, "send", ("BLPOP", "q", "1")), (0, "send", ("PING",)),
             (1, "call", ("LPUSH", "q", "v")), (0, "read", None), (0, "read", None)]
    _both(redis_proc, shardis_proc, steps)


def test_disconnect_while_blocked_loses_nothing(ours, shardis_proc):
    b = RawClient(shardis_proc.port)
    b.send("BLPOP", "q", "0")
    time.sleep(0.05)
    b.close()
    time.sleep(0.05)
    ours.call("RPUSH", "q", "v")
    assert ours.call("LRANGE", "q", "0", "-1")[1] == [b"v"]


def test_client_unblock(ours, shardis_proc):
    from tests.resp_client import RawClient as RC
    b = RC(shardis_proc.port)
    cid = b.call("CLIENT", "ID")[1]
    b.send("BLPOP", "q", "0")
    time.sleep(0.05)
    r = ours.call("CLIENT", "UNBLOCK", str(cid), "ERROR")
    if r[0].startswith(b"-ERR unknown"):
        b.close()
        pytest.skip("CLIENT UNBLOCK not implemented yet")
    assert r[1] == 1
    assert b.read()[0] == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    b.close()


@pytest.mark.redis72
def test_fractional_timeout_rounds_up(ours):
    t0 = time.time()
    assert ours.call("BLPOP", "q", "0.0001")[0] == b"*-1\r\n"
    assert time.time() - t0 < 0.5
    assert ours.call("BLPOP", "q", "inf")[0] == b"-ERR timeout is out of range\r\n"


def _serve_order(port):
    """A RESP3 client subscribed to list events pushes to a key another client
    is blocked on: its own reply comes before the events of the served pop."""
    a, b = RawClient(port), RawClient(port)
    try:
        a.call("FLUSHALL")
        a.call("CONFIG", "SET", "notify-keyspace-events", "El")
        a.call("HELLO", "3")
        a.call("SUBSCRIBE", "__keyevent@0__:lpop")
        b.send("BLPOP", "q", "5")
        time.sleep(0.05)
        a.send("RPUSH", "q", "x", "y")
        a.send("PING")
        out = [a.read()[0] for _ in range(3)]
        out.append(b.read()[0])
        return out
    finally:
        a.call("CONFIG", "SET", "notify-keyspace-events", "")
        a.close()
        b.close()


def test_served_events_follow_the_pushers_reply(redis_proc, shardis_proc):
    r = _serve_order(redis_proc.port)
    s = _serve_order(shardis_proc.port)
    assert r == s, f"\n redis:   {r!r}\n shardis: {s!r}"
