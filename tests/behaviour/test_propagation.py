"""The propagation stream replays into an empty redis-server as the same dataset.

A shardis Server runs in-process (clients on fake transports, so the test
subscribes to its propagation stream directly, as the AOF and replica links
will); a random workload of writes of every type, with TTLs, transactions,
several databases, blocking pops and lazy expiry, goes through it. The stream
(SELECT where the database changes, MULTI/EXEC around units) is then loaded by
a fresh real redis-server as its append-only file, and both datasets are
dumped key by key (type, value, absolute deadline) and compared.

SHARDIS_REPLAY_WRITES sets the number of commands (default 100,000).
"""
import os
import random
import time

import hiredis
import pytest

from shardis.runtime.propagate import StreamEncoder
from shardis.server.server import Server
from tests.servers import redis_replaying
from tests.unit.inprocess import client as make_client, enc

N_WRITES = int(os.environ.get("SHARDIS_REPLAY_WRITES", "100000"))
DBS = 4


class InProc:
    """A client of the in-process server that returns parsed replies."""

    def __init__(self, srv):
        self.c = make_client(srv)
        self.reader = hiredis.Reader()

    def send(self, *args):
        t = self.c.transport
        t.out.clear()
        self.c.data_received(enc(*args))
        self.reader.feed(b"".join(t.out))
        return self.reader.gets()

    def sent_nothing(self):
        return not self.c.transport.out


def _keys(rng, prefix, n):
    return prefix + b"%d" % rng.randrange(n)


def _member(rng, n=40):
    return b"m%d" % rng.randrange(n)


def _num(rng):
    return str(rng.choice([rng.randrange(-50, 50), rng.randrange(10 ** 6)])).encode()


def _float(rng):
    return repr(round(rng.uniform(-100, 100), rng.randrange(0, 4))).encode()


def _ttl_opts(rng, now_ms):
    r = rng.random()
    if r < 0.6:
        return []
    long_s = rng.randrange(200, 5000)
    return rng.choice([[b"EX", b"%d" % long_s], [b"PX", b"%d" % (long_s * 1000)],
                       [b"EXAT", b"%d" % (now_ms // 1000 + long_s)],
                       [b"PXAT", b"%d" % (now_ms + long_s * 1000)], [b"KEEPTTL"],
                       [b"PX", b"%d" % rng.randrange(1, 4)]])   # short: expires during the run


def random_write(rng, now_ms):
    """One random command (most of them writes, some failing, a few reads
    that may expire keys lazily)."""
    s, l, h, z, st, x, g = (_keys(rng, p, 30) for p in (b"s", b"l", b"h", b"z", b"t", b"x", b"g"))
    anyk = rng.choice([s, l, h, z, st, x, g])
    k2 = rng.choice([s, l, h, z, st, x, g])
    m = _member(rng)
    pick = rng.randrange(60)
    if pick == 0:
        return [b"SET", s, _num(rng)] + _ttl_opts(rng, now_ms)
    if pick == 1:
        return [b"SET", s, b"v%d" % rng.randrange(99)] + rng.choice(
            [[], [b"NX"], [b"XX"], [b"GET"], [b"XX", b"GET"]]) + _ttl_opts(rng, now_ms)
    if pick == 2:
        return rng.choice([[b"SETEX", s, b"%d" % rng.randrange(100, 900), b"x"],
                           [b"PSETEX", s, b"%d" % rng.randrange(100000, 900000), b"y"],
                           [b"SETNX", s, b"z"], [b"GETSET", s, b"g"], [b"GETDEL", s]])
    if pick == 3:
        return rng.choice([[b"GETEX", s, b"EX", b"%d" % rng.randrange(100, 900)],
                           [b"GETEX", s, b"PERSIST"], [b"GETEX", s, b"PXAT", b"%d" % (now_ms - 5)],
                           [b"GETEX", s, b"PX", b"%d" % rng.randrange(100000, 900000)]])
    if pick == 4:
        return rng.choice([[b"APPEND", s, b"ab"], [b"SETRANGE", s, b"%d" % rng.randrange(8), b"xy"],
                           [b"INCR", s], [b"INCRBY", s, _num(rng)], [b"DECRBY", s, b"3"],
                           [b"INCRBYFLOAT", s, _float(rng)]])
    if pick == 5:
        return [b"MSET"] + [b for _ in range(rng.randrange(1, 4)) for b in (_keys(rng, b"s", 30), _num(rng))]
    if pick == 6:
        return rng.choice([[b"MSETNX", _keys(rng, b"s", 60), b"1", _keys(rng, b"s", 60), b"2"],
                           [b"SETBIT", s, b"%d" % rng.randrange(64), b"%d" % rng.randrange(2)],
                           [b"BITFIELD", s, b"INCRBY", b"u8", b"%d" % rng.randrange(4), b"7"],
                           [b"BITOP", rng.choice([b"AND", b"OR", b"XOR"]), s, _keys(rng, b"s", 30),
                            _keys(rng, b"s", 30)],
                           [b"PFADD", _keys(rng, b"p", 5), m, _member(rng)],
                           [b"PFMERGE", _keys(rng, b"p", 5), _keys(rng, b"p", 5)]])
    if pick in (7, 8, 9):
        return rng.choice([[b"LPUSH", l, m], [b"RPUSH", l, m, _member(rng)], [b"LPUSHX", l, m],
                           [b"RPUSH", l] + [_member(rng) for _ in range(rng.randrange(1, 200))],
                           [b"LPOP", l], [b"RPOP", l, b"%d" % rng.randrange(1, 4)],
                           [b"LINSERT", l, rng.choice([b"BEFORE", b"AFTER"]), m, b"ins"],
                           [b"LSET", l, b"%d" % rng.randrange(-3, 3), b"set"],
                           [b"LREM", l, b"%d" % rng.randrange(-2, 3), m],
                           [b"LTRIM", l, b"%d" % rng.randrange(3), b"%d" % rng.randrange(-3, 30)],
                           [b"LMOVE", l, _keys(rng, b"l", 30), rng.choice([b"LEFT", b"RIGHT"]),
                            rng.choice([b"LEFT", b"RIGHT"])],
                           [b"RPOPLPUSH", l, _keys(rng, b"l", 30)],
                           [b"LMPOP", b"2", l, _keys(rng, b"l", 30), b"RIGHT", b"COUNT", b"2"]])
    if pick in (10, 11, 12):
        return rng.choice([[b"SADD", h.replace(b"h", b"e", 1), m, _member(rng)],
                           [b"SADD", z.replace(b"z", b"i", 1), _num(rng), _num(rng)],
                           [b"SADD", h.replace(b"h", b"e", 1)] + [_member(rng, 400) for _ in range(150)],
                           [b"SREM", h.replace(b"h", b"e", 1), m],
                           [b"SPOP", h.replace(b"h", b"e", 1)],
                           [b"SPOP", z.replace(b"z", b"i", 1), b"%d" % rng.randrange(1, 5)],
                           [b"SPOP", h.replace(b"h", b"e", 1), b"%d" % rng.randrange(1, 300)],
                           [b"SMOVE", h.replace(b"h", b"e", 1), _keys(rng, b"e", 30), m],
                           [rng.choice([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]),
                            _keys(rng, b"e", 30), _keys(rng, b"e", 30), _keys(rng, b"e", 30)]])
    if pick in (13, 14, 15):
        return rng.choice([[b"HSET", h, m, _num(rng)], [b"HSET", h, m, b"v", _member(rng), b"w"],
                           [b"HSET", h] + [x for i in range(140) for x in (b"f%d" % i, b"v")],
                           [b"HSETNX", h, m, b"nx"], [b"HDEL", h, m, _member(rng)],
                           [b"HINCRBY", h, m, _num(rng)], [b"HINCRBYFLOAT", h, m, _float(rng)]])
    if pick in (16, 17, 18):
        return rng.choice([[b"ZADD", z, _float(rng), m],
                           [b"ZADD", z] + rng.choice([[b"NX"], [b"XX"], [b"GT"], [b"LT"], [b"CH"], []])
                           + [_float(rng), m, _num(rng), _member(rng)],
                           [b"ZADD", z] + [x for i in range(140) for x in (b"%d" % i, b"q%d" % i)],
                           [b"ZINCRBY", z, _float(rng), m], [b"ZREM", z, m],
                           [rng.choice([b"ZPOPMIN", b"ZPOPMAX"]), z, b"%d" % rng.randrange(1, 3)],
                           [b"ZREMRANGEBYSCORE", z, b"-10", b"%d" % rng.randrange(20)],
                           [b"ZREMRANGEBYRANK", z, b"0", b"%d" % rng.randrange(3)],
                           [b"ZREMRANGEBYLEX", z, b"[m1", b"(m3"],
                           [rng.choice([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"]),
                            _keys(rng, b"z", 30), b"2", z, _keys(rng, b"z", 30)],
                           [b"ZRANGESTORE", _keys(rng, b"z", 30), z, b"0", b"-1"],
                           [b"ZMPOP", b"1", z, b"MIN", b"COUNT", b"2"]])
    if pick == 19:
        return rng.choice([[b"GEOADD", g, b"%.4f" % rng.uniform(-170, 170),
                            b"%.4f" % rng.uniform(-80, 80), m],
                           [b"GEOSEARCHSTORE", _keys(rng, b"g", 30), g, b"FROMLONLAT", b"0", b"0",
                            b"BYRADIUS", b"20000", b"km", b"ASC"]])
    if pick == 20:
        return rng.choice([[b"XADD", st, b"%d-%d" % (rng.randrange(1, 50), rng.randrange(5)),
                            b"f", m],
                           [b"XDEL", st, b"%d-0" % rng.randrange(1, 50)],
                           [b"XTRIM", st, b"MAXLEN", b"%d" % rng.randrange(2, 10)],
                           # generated IDs and approximate trims: propagated as what they did
                           [b"XADD", st, b"*", b"f", m],
                           [b"XADD", st, b"MAXLEN", b"~", b"%d" % rng.randrange(1, 150), b"*",
                            b"f", m],
                           [b"XADD", st, b"%d-*" % rng.randrange(1, 50), b"g", m],
                           [b"XTRIM", st, b"MINID", b"~", b"%d" % (now_ms - 5)],
                           [b"XTRIM", st, b"MAXLEN", b"~", b"%d" % rng.randrange(0, 150)],
                           [b"XGROUP", b"CREATE", st, b"grp", b"0"],
                           # consumer groups: XREADGROUP goes as XCLAIM/XGROUP SETID/CREATECONSUMER
                           [b"XREADGROUP", b"GROUP", b"grp", b"c%d" % rng.randrange(3), b"COUNT",
                            b"%d" % rng.randrange(1, 4), b"STREAMS", st, b">"],
                           [b"XREADGROUP", b"GROUP", b"grp", b"c%d" % rng.randrange(3), b"NOACK",
                            b"STREAMS", st, b">"],
                           [b"XREADGROUP", b"GROUP", b"grp", b"c%d" % rng.randrange(3),
                            b"STREAMS", st, b"0"],
                           [b"XACK", st, b"grp", b"%d-0" % rng.randrange(1, 50)]])
    if pick in (21, 22):
        return rng.choice([[b"DEL", anyk, k2], [b"UNLINK", anyk], [b"PERSIST", anyk],
                           [b"EXPIRE", anyk, b"%d" % rng.randrange(200, 5000)] + rng.choice(
                               [[], [b"NX"], [b"XX"], [b"GT"], [b"LT"]]),
                           [b"PEXPIRE", anyk, b"%d" % rng.randrange(1, 4)],
                           [b"PEXPIRE", anyk, b"%d" % rng.randrange(200000, 900000)],
                           [b"EXPIREAT", anyk, b"%d" % (now_ms // 1000 + rng.randrange(200, 900))],
                           [b"EXPIREAT", anyk, b"%d" % (now_ms // 1000 - 10)],
                           [b"PEXPIREAT", anyk, b"%d" % (now_ms + rng.randrange(200000, 900000))],
                           [b"RENAME", anyk, k2], [b"RENAMENX", anyk, k2],
                           [b"COPY", anyk, k2] + rng.choice([[], [b"REPLACE"]]),
                           [b"COPY", anyk, k2, b"DB", b"%d" % rng.randrange(DBS)],
                           [b"MOVE", anyk, b"%d" % rng.randrange(DBS)]])
    if pick == 23:
        return [b"SELECT", b"%d" % rng.randrange(DBS)]
    if pick in (26, 27, 28):
        # consumer groups on streams no other command touches
        q = b"q%d" % rng.randrange(4)
        return rng.choice([[b"XADD", q, b"*", b"f", m], [b"XADD", q, b"*", b"g", m],
                           [b"XGROUP", b"CREATE", q, b"grp", b"0", b"MKSTREAM"],
                           [b"XREADGROUP", b"GROUP", b"grp", b"c%d" % rng.randrange(3), b"COUNT",
                            b"%d" % rng.randrange(1, 4), b"STREAMS", q, b">"],
                           [b"XREADGROUP", b"GROUP", b"grp", b"c%d" % rng.randrange(3),
                            b"STREAMS", q, b"0"],
                           [b"XREADGROUP", b"GROUP", b"grp", b"c9", b"NOACK", b"STREAMS", q, b">"]])
    if pick == 24:
        return rng.choice([[b"GET", s], [b"EXISTS", anyk], [b"TYPE", k2], [b"LLEN", l],
                           [b"SCARD", h.replace(b"h", b"e", 1)], [b"ZCARD", z], [b"PFCOUNT", _keys(rng, b"p", 5)]])
    if pick == 25 and rng.random() < 0.02:
        return rng.choice([[b"SWAPDB", b"%d" % rng.randrange(DBS), b"%d" % rng.randrange(DBS)],
                           [b"FLUSHDB"]])
    return [b"SET", _keys(rng, b"s", 30), b"x"] + _ttl_opts(rng, now_ms)


def run_workload(srv, n, seed):
    rng = random.Random(seed)
    a = InProc(srv)
    b = InProc(srv)
    i = 0
    while i < n:
        now_ms = srv.clock_ms()
        r = rng.random()
        if r < 0.03:
            # a transaction of a few writes (some may fail inside: still run)
            a.send(b"MULTI")
            for _ in range(rng.randrange(1, 6)):
                a.send(*random_write(rng, now_ms))
                i += 1
            a.send(rng.choice([b"EXEC"] * 9 + [b"DISCARD"]))
        elif r < 0.04:
            # a pop that blocks, served by another client's push
            key = b"bl%d" % rng.randrange(3)
            a.send(b"SELECT", b"%d" % rng.randrange(DBS))
            b.send(b"SELECT", b"%d" % a.c.db.id)
            b.send(b"DEL", key)
            a.send(rng.choice([b"BLPOP", b"BRPOP"]), key, b"0")
            assert a.sent_nothing()
            b.send(b"RPUSH", key, b"a", b"b")
            assert a.c.transport.out, "a blocked pop was not served"
            # served at once (the list is not empty): propagated as LPOP too
            a.send(b"BLPOP", b"nothing", key, b"0")
            b.send(b"ZADD", key + b"z", b"1", b"a", b"2", b"b")
            a.send(rng.choice([b"BZPOPMIN", b"BZPOPMAX"]), key + b"z", b"0")
            i += 6
        elif r < 0.045:
            time.sleep(0.004)                      # let short TTLs pass: lazy expiry
        else:
            a.send(*random_write(rng, now_ms))
            i += 1
    return a


def dump(call, dbs=DBS):
    """Every key of every database: {(db, key): (type, value, pexpiretime)}."""
    out = {}
    for d in range(dbs):
        call(b"SELECT", b"%d" % d)
        cursor = b"0"
        keys = set()
        for _ in range(100000):
            cursor, batch = call(b"SCAN", cursor, b"COUNT", b"1000")
            keys.update(batch)
            if cursor == b"0":
                break
        for k in sorted(keys):
            t = call(b"TYPE", k)
            if t == b"string":
                v = call(b"GET", k)
            elif t == b"list":
                v = call(b"LRANGE", k, b"0", b"-1")
            elif t == b"set":
                v = sorted(call(b"SMEMBERS", k))
            elif t == b"hash":
                flat = call(b"HGETALL", k)
                v = sorted(zip(flat[::2], flat[1::2]))
            elif t == b"zset":
                flat = call(b"ZRANGE", k, b"0", b"-1", b"WITHSCORES")
                v = [(m, float(sc)) for m, sc in zip(flat[::2], flat[1::2])]
            elif t == b"stream":
                groups = call(b"XINFO", b"GROUPS", k)
                v = (call(b"XRANGE", k, b"-", b"+"), groups,
                     [call(b"XPENDING", k, g[1]) for g in groups],
                     [[c[:4] for c in call(b"XINFO", b"CONSUMERS", k, g[1])] for g in groups])
            elif t == b"none":
                continue        # expired between SCAN and TYPE
            else:
                v = t
            out[(d, k)] = (t, v, call(b"PEXPIRETIME", k))
    return out


@pytest.mark.slow
def test_stream_replays_to_the_same_dataset(redis_proc):
    srv = Server()
    enc_ = StreamEncoder()
    chunks = []
    srv.propagation.subscribe(lambda unit: chunks.append(enc_.encode(unit)))
    run_workload(srv, N_WRITES, seed=20261207)
    stream = b"".join(chunks)
    assert stream.count(b"MULTI") > 100 and b"SELECT" in stream

    # The stream is written as an append-only file and loaded by redis-server
    # at start (tests.servers.redis_replaying).
    with redis_replaying(stream) as r:
        def oracle_call(*args):
            r.send(*args)
            v = r.read()[1]
            return v

        probe = InProc(srv)

        def ours_call(*args):
            return probe.send(*args)

        # the clocks agree: keys that expired on one side are gone on both
        srv.clock_ms()
        ours = dump(ours_call)
        theirs = dump(oracle_call)
        now = srv.clock_ms()
        ours = {k: v for k, v in ours.items() if v[2] < 0 or v[2] > now + 1000}
        theirs = {k: v for k, v in theirs.items() if v[2] < 0 or v[2] > now + 1000}
        assert len(ours) > 200
        missing = sorted(set(ours) - set(theirs))[:10]
        extra = sorted(set(theirs) - set(ours))[:10]
        assert not missing and not extra, (missing, extra)
        diffs = [(k, ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]]
        assert not diffs, diffs[:5]
