"""Batch handlers (commands.batch) against the one-by-one handlers.

The hot loop hands a run of one command to its batch handler, which takes
the plain cases and declines the rest. Whatever it takes must come out as
the handlers would have made it: the same replies, the same data, the
same statistics. These tests run the same pipelines through a server with
its batch handlers and one without them and compare everything a client
can see.
"""
import random

import pytest

from shardis.native import SetTable
from shardis.server.server import Server
from tests.unit.inprocess import enc as _enc, client as _client


def _send(c, *cmds):
    c.transport.out.clear()
    c.data_received(b"".join(_enc(*a) for a in cmds))
    return b"".join(c.transport.out)


def _servers():
    with_batches = Server()
    without = Server()
    assert any(cmd.batch for cmd in without.commands.values())
    for cmd in without.commands.values():
        cmd.batch = None
    return with_batches, without


KEYS = ["s1", "s2", "n1", "n2", "big", "small", "bigset", "bigh", "l0", "bigz", "z2", "nokey"]


def _random_command(r):
    k = r.choice(KEYS)
    name = r.choice(["GET", "SET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD", "HSET",
                     "ZPOPMIN", "ZPOPMAX", "SPOP", "ZADD", "ZADD"])
    if r.random() < 0.15:
        name = name.lower() if r.random() < 0.5 else name.capitalize()
    u = name.upper()
    x = r.choice(["a", "bb", "17", "-3", "x" * 70, "0"])
    odd = r.random() < 0.12        # an option, another arity, or a count
    if u == "GET":
        return [name, k, "extra"] if odd else [name, k]
    if u == "SET":
        if odd:
            return r.choice([[name, k, x, "GET"], [name, k, x, "NX"], [name, k, x, "PX", "100000"],
                             [name, k]])
        return [name, k, x]
    if u == "INCR":
        return [name] if odd else [name, k]
    if u in ("LPUSH", "RPUSH"):
        return [name, k, x, "y"] if odd else [name, k, x]
    if u in ("LPOP", "RPOP", "ZPOPMIN", "ZPOPMAX", "SPOP"):
        return [name, k, "2"] if odd else [name, k]
    if u == "SADD":
        return [name, k, x, "z"] if odd else [name, k, x]
    if u == "ZADD":
        if r.random() < 0.6:
            k = "bigz"
        score = r.choice(["1", "-7.5", "3", "0", "-0", "12.5", "inf", "000000000042", "x", "NX"])
        member = r.choice(["m%d" % r.randrange(420), "a", "new", "x" * 70])
        if odd:
            return r.choice([[name, k, "NX", score, member], [name, k, score], [name, k, score, member, "1", "b"]])
        return [name, k, score, member]
    return [name, k, x, "v", "f2"] if odd else [name, k, x, "v" + x]


def _setup():
    cmds = [["SET", "s1", "hello"], ["SET", "n1", "41"], ["RPUSH", "big"] + ["element-%040d" % i for i in range(300)],
            ["RPUSH", "small", "a", "b"], ["SADD", "bigset"] + ["m%d" % i for i in range(200)],
            ["HSET", "bigh"] + [x for i in range(600) for x in ("f%d" % i, "v")],
            ["RPUSH", "l0", "only"],
            ["ZADD", "bigz"] + [x for i in range(400) for x in (str(i % 50 - 7.5), "m%d" % i)],
            ["ZADD", "z2", "1", "a", "2", "b"]]
    return cmds


def _state(c):
    """Everything about every key, the counters and the per-command stats."""
    out = []
    for k in sorted(set(KEYS)):
        t = _send(c, ["TYPE", k])
        out.append((k, t, _send(c, ["PTTL", k]) != b":-1\r\n", _send(c, ["OBJECT", "ENCODING", k])))
        if t == b"+string\r\n":
            out.append(_send(c, ["GET", k]))
        elif t == b"+list\r\n":
            out.append(_send(c, ["LRANGE", k, "0", "-1"]))
        elif t == b"+set\r\n":
            out.append(sorted(_send(c, ["SMEMBERS", k]).split(b"\r\n")))
        elif t == b"+zset\r\n":
            out.append(_send(c, ["ZRANGE", k, "0", "-1", "WITHSCORES"]))
        elif t == b"+hash\r\n":
            out.append(sorted(_send(c, ["HGETALL", k]).split(b"\r\n")))
    srv = c.server
    out.append((srv.dirty, srv.stat_numcommands))
    info = _send(c, ["INFO", "stats"]).decode()
    out.append([ln for ln in info.split("\r\n") if ln.startswith(("keyspace_hits", "keyspace_misses"))])
    stats = _send(c, ["INFO", "commandstats"]).decode()
    out.append(sorted(ln.split(",usec=")[0] + ln[ln.index(",rejected"):]
                      for ln in stats.split("\r\n") if ln.startswith("cmdstat_")))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_random_pipelines_match_the_one_by_one_handlers(seed):
    r = random.Random(seed)
    a, b = _servers()
    ca, cb = _client(a), _client(b)
    for cmd in _setup():
        assert _send(ca, cmd) == _send(cb, cmd)
    # the encodings the batch handlers take, and one they decline
    for c in (ca, cb):
        if seed % 2:
            _send(c, ["HELLO", "3"])
        assert _send(c, ["OBJECT", "ENCODING", "bigz"]) == b"$8\r\nskiplist\r\n"
        assert _send(c, ["OBJECT", "ENCODING", "big"]) == b"$9\r\nquicklist\r\n"
        assert _send(c, ["OBJECT", "ENCODING", "small"]) == b"$8\r\nlistpack\r\n"
        assert _send(c, ["OBJECT", "ENCODING", "bigset"]) == b"$9\r\nhashtable\r\n"
        assert _send(c, ["OBJECT", "ENCODING", "bigh"]) == b"$9\r\nhashtable\r\n"
    for _ in range(60):
        pipe = [_random_command(r) for _ in range(r.randrange(1, 40))]
        if r.random() < 0.05:
            # a feature a batch must decline for: notifications on/off
            pipe.insert(0, ["CONFIG", "SET", "notify-keyspace-events", r.choice(["", "KEA"])])
        rs = r.random()               # SPOP's picks: the same random draws on both
        random.seed(rs)
        SetTable.seed_random(int(rs * 2 ** 64))      # the compiled tables' generator
        ra = _send(ca, *pipe)
        random.seed(rs)
        SetTable.seed_random(int(rs * 2 ** 64))
        rb = _send(cb, *pipe)
        assert ra == rb, pipe
    assert _state(ca) == _state(cb)


def test_a_watched_key_written_in_a_batch_aborts_the_transaction():
    for srv in _servers():
        w, c = _client(srv), _client(srv)
        _send(c, ["RPUSH", "big"] + ["element-%040d" % i for i in range(300)])
        assert _send(c, ["OBJECT", "ENCODING", "big"]) == b"$9\r\nquicklist\r\n"
        _send(w, ["WATCH", "n"], ["WATCH", "big"])
        _send(w, ["MULTI"], ["GET", "n"])
        _send(c, *[["INCR", "n"]] * 5, *[["LPUSH", "big", "x"]] * 5)
        assert _send(w, ["EXEC"]) == b"*-1\r\n"


def test_a_blocked_client_is_served_after_the_push_that_fed_it():
    """Redis serves a client blocked on a list right after the command that
    pushed to it: in a pipeline of LPUSHes it pops the first element."""
    for srv in _servers():
        blocked, c = _client(srv), _client(srv)
        _send(c, ["RPUSH", "q"] + [str(i) for i in range(300)])
        _send(c, ["DEL", "q"])
        _send(blocked, ["BLPOP", "q", "0"])
        out = _send(c, *[["LPUSH", "q", "e%d" % i] for i in range(5)])
        assert out == b":1\r\n:1\r\n:2\r\n:3\r\n:4\r\n"
        assert b"".join(blocked.transport.out) == b"*2\r\n$1\r\nq\r\n$2\r\ne0\r\n"


def test_keys_with_a_ttl_expire_inside_a_run():
    for srv in _servers():
        c = _client(srv)
        _send(c, ["SET", "t", "5", "PX", "1"], ["SET", "u", "1"])
        srv.clock_offset_ns += 10 ** 9          # one second later
        assert _send(c, ["GET", "t"], ["GET", "u"], ["INCR", "t"], ["INCR", "u"]) == \
            b"$-1\r\n$1\r\n1\r\n:1\r\n:2\r\n"
        assert srv.stat_expiredkeys == 1
