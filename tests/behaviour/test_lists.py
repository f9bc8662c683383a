"""Differential tests of the list commands (listpack and quicklist encodings)."""
import pytest
from hypothesis import given, settings, strategies as st

from tests.resp_client import RawClient


def _enc(c, key):
    r = c.call("OBJECT", "ENCODING", key)
    return r[1]


# -- Redis 7.2's list encoding rules, written here from listpack.c / t_list.c --------
# redis-server 7.0.15 (the oracle) always answers "quicklist" for lists, so the
# encoding is checked (ours only) against this model; the replies are still diffed.
_SIZE_LEVELS = (4096, 8192, 16384, 32768, 65536)
_SAFETY = 8192


def _lp_entry(x):
    """Bytes one element takes in a Redis listpack: encoding + data + backlen."""
    v = None
    if 0 < len(x) <= 20 and (x == b"0" or x[:1] != b"0") and x[:2] != b"-0":
        body = x[1:] if x[:1] == b"-" else x
        if body.isdigit() and body:
            v = int(x)
            if not -2 ** 63 <= v < 2 ** 63:
                v = None
    if v is not None:
        if 0 <= v <= 127:
            enc = 1
        elif -2 ** 12 <= v < 2 ** 12:
            enc = 2
        elif -2 ** 15 <= v < 2 ** 15:
            enc = 3
        elif -2 ** 23 <= v < 2 ** 23:
            enc = 4
        elif -2 ** 31 <= v < 2 ** 31:
            enc = 5
        else:
            enc = 9
    else:
        n = len(x)
        enc = n + (1 if n < 64 else 2 if n < 4096 else 5)
    back = 1 if enc <= 127 else 2 if enc < 16383 else 3 if enc < 2097151 else 4
    return enc + back


def _lp_bytes(items):
    return 7 + sum(_lp_entry(x) for x in items)


class ListEnc72:
    """Expected OBJECT ENCODING of lists under Redis 7.2: a listpack turns into a
    quicklist before a write whose raw arguments would take it over the node
    limit; a quicklist turns back after a removal once it fits in half the limit
    (Redis also wants a single quicklist node; shardis has no nodes and uses
    the whole list, see docs/ARCHITECTURE.md)."""

    def __init__(self, fill=-2):
        self.fill = fill
        self.enc = {}

    def _limits(self):
        if self.fill < 0:
            return _SIZE_LEVELS[min(-self.fill - 1, 4)], None
        return None, self.fill or 1

    def grow(self, key, before, args):
        enc = self.enc.get(key, b"listpack")
        if enc == b"listpack":
            size = _lp_bytes(before) + sum(len(a) for a in args)
            count = len(before) + len(args)
            sz, cnt = self._limits()
            if (size > sz) if sz else (size > _SAFETY or count > cnt):
                enc = b"quicklist"
        self.enc[key] = enc

    def shrink(self, key, after):
        if not after:
            self.enc.pop(key, None)
            return
        if self.enc.get(key) == b"quicklist":
            sz, cnt = self._limits()
            size = _lp_bytes(after)
            if (size <= sz // 2) if sz else (len(after) <= cnt // 2 and size <= _SAFETY):
                self.enc[key] = b"listpack"

    def check(self, d, key):
        """Redis (7.0) says quicklist for any list; ours must follow the model."""
        exp = self.enc.get(key)
        r = d.r.call("OBJECT", "ENCODING", key)[1]
        s = d.s.call("OBJECT", "ENCODING", key)[1]
        if exp is None:
            assert s == r, (key, r, s)
        else:
            assert r == b"quicklist"
            assert s == exp, (key, exp, s)


def test_push_pop_basic(diff):
    diff("RPUSH", "l", "a", "b", "c", "1", "-5", "12345678901")
    diff("LPUSH", "l", "x", "y")
    diff("LRANGE", "l", "0", "-1")
    diff("LPOP", "l")
    diff("RPOP", "l")
    diff("LPOP", "l", "2")
    diff("RPOP", "l", "0")
    diff("LPOP", "nokey")
    diff("LPOP", "nokey", "0")
    diff("LPOP", "nokey", "3")
    diff("LPOP", "l", "100")
    diff("EXISTS", "l")
    diff("LPUSHX", "l", "a")
    diff("RPUSHX", "l", "a")
    diff("RPUSH", "l", "z")
    diff("LPUSHX", "l", "a", "b")
    diff("RPUSHX", "l", "c", "d")
    diff("LRANGE", "l", "0", "-1")


def test_pop_errors(diff):
    diff("RPUSH", "l", "a")
    diff.error("LPOP", "l", "-1")
    diff.error("LPOP", "l", "x")
    diff.error("RPOP", "l", "1", "2")
    diff("ZADD", "s", "1", "v")
    diff.error("LPOP", "s")
    diff.error("LPUSH", "s", "a")
    diff.error("LRANGE", "s", "0", "1")
    diff.error("LLEN", "s")
    diff.error("LINDEX", "s", "0")
    diff.error("LPUSH", "l")


def test_index_range(diff):
    diff("RPUSH", "l", *[str(i) for i in range(20)])
    for i in (0, 5, -1, -20, -21, 19, 20, "x"):
        diff("LINDEX", "l", str(i))
    for a, b in [(0, -1), (5, 2), (-3, -1), (-100, 100), (19, 19), (20, 30), (3, -18), ("a", 1)]:
        diff("LRANGE", "l", str(a), str(b))
    diff("LLEN", "l")
    diff("LLEN", "nx")
    diff("LINDEX", "nx", "0")
    diff("LRANGE", "nx", "0", "-1")


def test_lset_linsert_lrem_ltrim(diff):
    diff("RPUSH", "l", "a", "b", "a", "c", "a", "d")
    diff("LSET", "l", "1", "B")
    diff("LSET", "l", "-1", "D")
    diff.error("LSET", "l", "6", "x")
    diff.error("LSET", "nx", "0", "x")
    diff.error("LSET", "l", "x", "x")
    diff("LINSERT", "l", "BEFORE", "a", "0")
    diff("LINSERT", "l", "after", "D", "E")
    diff("LINSERT", "l", "AFTER", "zz", "E")
    diff("LINSERT", "nx", "AFTER", "zz", "E")
    diff.error("LINSERT", "l", "middle", "a", "E")
    diff("LRANGE", "l", "0", "-1")
    diff("LREM", "l", "1", "a")
    diff("LREM", "l", "-1", "a")
    diff("LREM", "l", "0", "a")
    diff("LREM", "l", "0", "zzz")
    diff("LRANGE", "l", "0", "-1")
    diff("LTRIM", "l", "1", "-2")
    diff("LRANGE", "l", "0", "-1")
    diff("LTRIM", "l", "5", "1")
    diff("EXISTS", "l")
    diff("LTRIM", "nx", "0", "1")
    diff("RPUSH", "m", "x", "x")
    diff("LREM", "m", "0", "x")
    diff("EXISTS", "m")


def test_lpos(diff):
    diff("RPUSH", "l", "a", "b", "c", "a", "b", "a")
    diff("LPOS", "l", "a")
    diff("LPOS", "l", "z")
    diff("LPOS", "l", "a", "RANK", "2")
    diff("LPOS", "l", "a", "RANK", "-1")
    diff("LPOS", "l", "a", "RANK", "-2", "COUNT", "0")
    diff("LPOS", "l", "a", "COUNT", "0")
    diff("LPOS", "l", "a", "COUNT", "2")
    diff("LPOS", "l", "a", "COUNT", "0", "MAXLEN", "4")
    diff("LPOS", "l", "a", "RANK", "5")
    diff("LPOS", "l", "a", "RANK", "5", "COUNT", "1")
    diff("LPOS", "nx", "a")
    diff("LPOS", "nx", "a", "COUNT", "1")
    diff.error("LPOS", "l", "a", "RANK", "0")
    diff.error("LPOS", "l", "a", "COUNT", "-1")
    diff.error("LPOS", "l", "a", "MAXLEN", "-1")
    diff.error("LPOS", "l", "a", "RANK")
    diff.error("LPOS", "l", "a", "FOO", "1")
    diff.error("LPOS", "l", "a", "RANK", "x")


def test_lmove_rpoplpush(diff):
    diff("RPUSH", "s", "a", "b", "c")
    diff("LMOVE", "s", "d", "LEFT", "RIGHT")
    diff("LMOVE", "s", "d", "right", "left")
    diff("RPOPLPUSH", "s", "d")
    diff("EXISTS", "s")
    diff("LRANGE", "d", "0", "-1")
    diff("LMOVE", "d", "d", "LEFT", "RIGHT")
    diff("LRANGE", "d", "0", "-1")
    diff("LMOVE", "nx", "d", "LEFT", "RIGHT")
    diff.error("LMOVE", "d", "x", "UP", "RIGHT")
    diff("ZADD", "str", "1", "v")
    diff.error("LMOVE", "d", "str", "LEFT", "RIGHT")
    diff.error("RPOPLPUSH", "str", "d")
    diff("LRANGE", "d", "0", "-1")


def test_lmpop(diff):
    diff("RPUSH", "b", "1", "2", "3")
    diff("LMPOP", "2", "a", "b", "LEFT")
    diff("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10")
    diff("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10")
    diff.error("LMPOP", "0", "a", "LEFT")
    diff.error("LMPOP", "3", "a", "b", "LEFT")
    diff.error("LMPOP", "1", "a", "MIDDLE")
    diff.error("LMPOP", "1", "a", "LEFT", "COUNT", "0")
    diff.error("LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1")
    diff.error("LMPOP", "1", "a", "LEFT", "FOO")
    diff.error("LMPOP", "x", "a", "LEFT")
    diff("ZADD", "s", "1", "x")
    diff.error("LMPOP", "1", "s", "LEFT")


def _b(args):
    return [a.encode() if isinstance(a, str) else a for a in args]


def _push(d, m, op, key, *elems):
    m.grow(key, d.s.call("LRANGE", key, "0", "-1")[1], _b(elems))
    d(op, key, *elems)
    m.check(d, key)


@pytest.mark.redis72
def test_encoding_thresholds(diff):
    m = ListEnc72()
    _push(diff, m, "RPUSH", "l", *(["x" * 60] * 100))
    assert m.enc["l"] == b"listpack"
    _push(diff, m, "RPUSH", "l", *(["y" * 60] * 40))
    assert m.enc["l"] == b"quicklist"
    _push(diff, m, "RPUSH", "big", "x" * 9000)
    assert m.enc["big"] == b"quicklist"
    # raw lengths count on the way in (about 9000 bytes), even though the
    # integers take only ~6000 bytes once in a listpack
    _push(diff, m, "RPUSH", "ints", *[str(i * 1000003) for i in range(1000)])
    assert m.enc["ints"] == b"quicklist"
    _push(diff, m, "RPUSH", "ints2", *[str(i * 1000003) for i in range(800)])
    assert m.enc["ints2"] == b"listpack"
    diff("LRANGE", "l", "130", "-1")
    diff("LRANGE", "ints", "-5", "-1")


@pytest.mark.redis72
def test_lset_linsert_convert_before_failing(diff):
    """7.2 converts before LSET/LINSERT even when the index is out of range or
    the pivot is missing; LSET may then shrink back."""
    m = ListEnc72()
    _push(diff, m, "RPUSH", "l", *(["x" * 60] * 120))
    big = "z" * 1000
    m.grow("l", diff.s.call("LRANGE", "l", "0", "-1")[1], [big.encode()])
    diff.error("LSET", "l", "500", big)
    m.check(diff, "l")
    assert m.enc["l"] == b"quicklist"
    diff("LTRIM", "l", "0", "59")
    m.shrink("l", diff.s.call("LRANGE", "l", "0", "-1")[1])
    m.check(diff, "l")
    assert m.enc["l"] == b"listpack"
    m.grow("l", diff.s.call("LRANGE", "l", "0", "-1")[1], [big.encode() * 8])
    diff("LINSERT", "l", "BEFORE", "nopivot", big * 8)
    m.check(diff, "l")
    assert m.enc["l"] == b"quicklist"
    diff("LSET", "l", "0", "small")
    m.shrink("l", diff.s.call("LRANGE", "l", "0", "-1")[1])
    m.check(diff, "l")
    assert m.enc["l"] == b"listpack"
    diff("LRANGE", "l", "0", "2")


@pytest.mark.redis72
def test_quicklist_shrinks_back(ours):
    ours.call("RPUSH", "l", *(["x" * 60] * 200))
    assert _enc(ours, "l") == b"quicklist"
    ours.call("LTRIM", "l", "0", "9")
    assert _enc(ours, "l") == b"listpack"
    assert ours.call("LLEN", "l")[1] == 10


@pytest.mark.redis72
def test_fill_positive(diff):
    for d in (diff.r, diff.s):
        d.call("CONFIG", "SET", "list-max-listpack-size", "5")
    try:
        m = ListEnc72(fill=5)
        _push(diff, m, "RPUSH", "l", "a", "b", "c", "d", "e")
        assert m.enc["l"] == b"listpack"
        _push(diff, m, "RPUSH", "l", "f")
        assert m.enc["l"] == b"quicklist"
        diff("LRANGE", "l", "0", "-1")
        diff("RPOP", "l", "4")
        m.shrink("l", diff.s.call("LRANGE", "l", "0", "-1")[1])
        m.check(diff, "l")
        assert m.enc["l"] == b"listpack"
    finally:
        for d in (diff.r, diff.s):
            d.call("CONFIG", "SET", "list-max-listpack-size", "-2")


_ops = st.lists(st.tuples(
    st.sampled_from(["LPUSH", "RPUSH", "LPOP", "RPOP", "LSET", "LINSERT", "LREM", "LTRIM",
                     "LINDEX", "LRANGE", "LPOS", "LMOVE", "LLEN"]),
    st.integers(-30, 30), st.integers(0, 7), st.integers(1, 60)), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(ops=_ops)
def test_sequences(redis_proc, shardis_proc, ops):
    """Random list programs: replies diffed with redis; encodings (7.2 rules,
    ours only) checked against ListEnc72 after every step."""
    from tests.conftest import Diff, _reset
    _reset(redis_proc.port)
    _reset(shardis_proc.port)
    d = Diff(redis_proc.port, shardis_proc.port, 2)
    m = ListEnc72()
    cur = {"k": [], "k2": []}
    try:
        for op, n, v, size in ops:
            val = ("v%d" % v) * (size // 3 + 1) if size > 20 else str(v * 1000 + size)
            many = [val + str(i) for i in range(size)]
            k = cur["k"]
            if op in ("LPUSH", "RPUSH"):
                m.grow("k", k, _b(many))
                d(op, "k", *many)
            elif op in ("LPOP", "RPOP"):
                d(op, "k", str(abs(n)))
                if n and k:
                    m.shrink("k", d.s.call("LRANGE", "k", "0", "-1")[1])
            elif op == "LSET":
                if k:
                    m.grow("k", k, [val.encode()])
                d.r.call("LSET", "k", str(n), val)
                d.s.call("LSET", "k", str(n), val)
                if k and -len(k) <= n < len(k):
                    m.shrink("k", d.s.call("LRANGE", "k", "0", "-1")[1])
            elif op == "LINSERT":
                if k:
                    m.grow("k", k, [b"ins%d" % n])
                d(op, "k", "BEFORE" if n % 2 else "AFTER", val + "0", "ins%d" % n)
            elif op == "LREM":
                if d(op, "k", str(n % 3), val + str(v)):
                    m.shrink("k", d.s.call("LRANGE", "k", "0", "-1")[1])
            elif op == "LTRIM":
                d(op, "k", str(n), str(-size))
                if k:
                    m.shrink("k", d.s.call("LRANGE", "k", "0", "-1")[1])
            elif op == "LINDEX":
                d(op, "k", str(n))
            elif op == "LRANGE":
                d(op, "k", str(n), str(n + size))
            elif op == "LPOS":
                d(op, "k", val + "1", "RANK", str(n or 1), "COUNT", str(v))
            elif op == "LMOVE":
                dst = "k2" if n % 2 else "k"
                if k:
                    # pop, then the destination's growth check, then the
                    # source's shrinking check (Redis's order)
                    x = k[0]
                    dbefore = k[1:] if dst == "k" else cur["k2"]
                    m.grow(dst, dbefore, [x])
                d(op, "k", dst, "LEFT", "RIGHT")
                if k:
                    m.shrink("k", d.s.call("LRANGE", "k", "0", "-1")[1])
            else:
                d(op, "k")
            for key in ("k", "k2"):
                cur[key] = d("LRANGE", key, "0", "-1")
                m.check(d, key)
    finally:
        d.close()


# -- keyspace events of the moves: push on the destination, pop on the source, then
#    del when the source became empty (checked against redis) ------------------------
from tests.behaviour.test_notifications import assert_events  # noqa: E402
from tests.behaviour.test_pubsub import conns  # noqa: E402,F401  (fixture)


def test_move_events(diff, conns):  # noqa: F811
    assert_events(diff, conns, "KEA", [
        ("RPUSH", "s", "a", "b", "c"),
        ("RPOPLPUSH", "s", "d"),
        ("LMOVE", "s", "d", "LEFT", "RIGHT"),
        ("LMOVE", "d", "d", "LEFT", "LEFT"),
        ("LMOVE", "d", "d", "RIGHT", "LEFT"),
        ("LMOVE", "s", "d", "RIGHT", "LEFT"),     # empties s: del
        ("LMOVE", "nosrc", "d", "LEFT", "LEFT"),  # nothing
        ("RPUSH", "one", "x"),
        ("EXPIRE", "one", "100"),
        ("LMOVE", "one", "one", "LEFT", "RIGHT"),  # rotation of one element: no del
        ("TTL", "one"),
        ("BLMOVE", "d", "e", "RIGHT", "RIGHT", "0"),
        ("BRPOPLPUSH", "e", "f", "0"),             # empties e
        ("SET", "str", "v"),
        ("LMOVE", "f", "str", "LEFT", "LEFT"),     # WRONGTYPE: no event
    ])


def test_blocked_move_events(diff, conns, redis_proc, shardis_proc):  # noqa: F811
    """A BLMOVE served by a later push fires its events after the push's."""
    import time
    blockers = [RawClient(redis_proc.port), RawClient(shardis_proc.port)]
    try:
        for b in blockers:
            b.send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "5")
        time.sleep(0.05)
        assert_events(diff, conns, "KEA", [
            ("RPUSH", "src", "x"),
            ("__sleep__", 0.05),
            ("LRANGE", "dst", "0", "-1"),
        ])
        assert [b.read()[0] for b in blockers] == [b"$1\r\nx\r\n"] * 2
    finally:
        for b in blockers:
            b.close()
