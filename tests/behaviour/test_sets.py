"""Set commands compared with redis-server, in every encoding."""
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from tests.resp_client import RespError
from tests.behaviour.test_notifications import assert_events
from tests.behaviour.test_pubsub import conns  # noqa: F401  (fixture)
from tests.behaviour.test_hashes import config, encoding, ours_encoding, rand

INTS = [str(i * 7 - 20) for i in range(10)]                       # intset
INTS_BIG = [str(i) for i in range(600)]                           # > 512: hashtable
STRS = ["m%d" % i for i in range(8)]                              # listpack (7.2)
STRS_BIG = ["member:%d" % i for i in range(300)]                  # > 128: hashtable
# encodings Redis 7.0 and 7.2 agree on (7.0 has no set listpack)
SAME = {"ints": (INTS, "intset"), "ints_big": (INTS_BIG, "hashtable"),
        "strs_big": (STRS_BIG, "hashtable")}
ALL = dict(SAME, strs=(STRS, None))


def fill(diff, key, members):
    for i in range(0, len(members), 200):
        diff("SADD", key, *members[i:i + 200])


def ordered(kind):
    """Whether SMEMBERS order is comparable with Redis 7.0 for this data."""
    return kind == "ints"


@pytest.mark.parametrize("kind", ALL)
def test_basic(diff, kind):
    members, enc = ALL[kind]
    fill(diff, "s", members)
    if enc:
        encoding(diff, "s", enc)
    diff("SCARD", "s")
    diff("SCARD", "nokey")
    diff("SISMEMBER", "s", members[0])
    diff("SISMEMBER", "s", "nope")
    diff("SISMEMBER", "s", "99999999999")
    diff("SISMEMBER", "nokey", "x")
    diff("SMISMEMBER", "s", members[0], "nope", members[-1])
    diff("SMISMEMBER", "nokey", "a", "b")
    if ordered(kind):
        diff("SMEMBERS", "s")
    else:
        diff.unordered("SMEMBERS", "s")
    diff("SMEMBERS", "nokey")
    diff("SADD", "s", members[0], members[1])
    diff("SADD", "s", members[0], "newone")
    diff("SCARD", "s")


def test_wrongtype_and_arity(diff):
    diff("HSET", "h", "a", "1")
    for args in (("SADD", "h", "x"), ("SREM", "h", "x"), ("SCARD", "h"),
                 ("SISMEMBER", "h", "x"), ("SMISMEMBER", "h", "x"), ("SMEMBERS", "h"),
                 ("SPOP", "h"), ("SPOP", "h", "2"), ("SRANDMEMBER", "h"),
                 ("SRANDMEMBER", "h", "2"), ("SINTER", "h"), ("SUNION", "h"), ("SDIFF", "h"),
                 ("SINTERCARD", "1", "h"), ("SSCAN", "h", "0"), ("SMOVE", "h", "x", "a")):
        diff.error(*args)
    diff("SADD", "s", "a")
    diff.error("SMOVE", "s", "h", "a")
    diff.error("SINTER", "s", "h")
    diff.error("SINTER", "nokey", "h")
    diff.error("SUNIONSTORE", "d", "s", "h")
    diff.error("SADD", "s")
    diff.error("SPOP", "s", "1", "2")
    diff.error("SRANDMEMBER", "s", "1", "2")


def test_intset_widths(diff):
    diff("SADD", "s", "1", "-5", "300")
    diff("SADD", "s", "70000")                      # 16 -> 32 bit
    diff("SADD", "s", "-9223372036854775808")       # -> 64 bit
    diff("SADD", "s", "9223372036854775807", "0")
    encoding(diff, "s", "intset")
    diff("SMEMBERS", "s")
    diff("SISMEMBER", "s", "70000")
    diff("SISMEMBER", "s", "070000")
    diff("SREM", "s", "-5", "70000", "x")
    diff("SMEMBERS", "s")
    diff("SADD", "s", "9223372036854775808")        # not an int: listpack/hashtable
    diff.unordered("SMEMBERS", "s")
    diff("SADD", "t", "007", "-0", "+1")            # not canonical: strings
    diff.unordered("SMEMBERS", "t")
    diff("SISMEMBER", "t", "7")


@pytest.mark.parametrize("kind", ALL)
def test_srem(diff, kind):
    members, _ = ALL[kind]
    fill(diff, "s", members)
    diff("SREM", "s", members[0], "nope", members[2], members[0])
    diff("SCARD", "s")
    diff("SREM", "nokey", "a")
    diff("SREM", "s", *members)
    diff("EXISTS", "s")


def test_conversions(diff):
    with config(diff, set_max_intset_entries=4):
        diff("SADD", "s", "1", "2", "3", "4")
        encoding(diff, "s", "intset")
        diff("SADD", "s", "5")
        encoding(diff, "s", "hashtable")
        diff("SREM", "s", "1", "2", "3", "4")
        encoding(diff, "s", "hashtable")          # never converts back
        diff("SADD", "u", "1")
        diff("SADD", "u", "x" * 100)
        encoding(diff, "u", "hashtable")          # long value: hashtable in 7.0 and 7.2


@pytest.mark.redis72
def test_listpack_sets_72(ours):
    def cfg(name, v):
        ours("CONFIG", "SET", name, str(v))
    names = ("set-max-intset-entries", "set-max-listpack-entries", "set-max-listpack-value")
    old = {n: ours("CONFIG", "GET", n)[1] for n in names}
    try:
        cfg("set-max-listpack-entries", 4)
        cfg("set-max-listpack-value", 5)
        ours("SADD", "a", "x", "y")
        assert ours("SMEMBERS", "a") == [b"x", b"y"]          # insertion order
        ours("SADD", "a", "3", "z")
        assert ours("SMEMBERS", "a") == [b"x", b"y", b"3", b"z"]
        assert ours_encoding(ours, "a") == b"listpack"
        ours("SADD", "a", "w")
        assert ours_encoding(ours, "a") == b"hashtable"
        # intset -> listpack on a string, ints first in ascending order
        ours("SADD", "b", "5", "3")
        ours("SADD", "b", "q")
        assert ours("SMEMBERS", "b") == [b"3", b"5", b"q"]
        assert ours_encoding(ours, "b") == b"listpack"
        # too long a value: hashtable directly
        ours("SADD", "c", "1")
        ours("SADD", "c", "toolong")
        assert ours_encoding(ours, "c") == b"hashtable"
        # too many announced members: hashtable
        ours("SADD", "d", "p", "q", "r", "s", "p")
        assert ours_encoding(ours, "d") == b"hashtable"
        # intset limit below the announced count but listpack fits
        cfg("set-max-intset-entries", 2)
        ours("SADD", "e", "1", "2", "3")
        assert ours_encoding(ours, "e") == b"listpack"
        assert ours("SMEMBERS", "e") == [b"1", b"2", b"3"]
        # SREM keeps the order; *STORE rebuilds the encoding
        cfg("set-max-intset-entries", 512)
        ours("SREM", "a", "y")
        ours("SUNIONSTORE", "f", "b")
        assert ours_encoding(ours, "f") == b"listpack"
        ours("SDIFFSTORE", "g", "a", "nokey")
        assert ours_encoding(ours, "g") == b"listpack"
        ours("SINTERSTORE", "h", "b", "b")
        assert ours("SMEMBERS", "h") == [b"3", b"5", b"q"]
        # SPOP with a count leaving few members rebuilds as a listpack
        ours("SADD", "big", *["m%d" % i for i in range(20)])
        assert ours_encoding(ours, "big") == b"hashtable"
        assert len(ours("SPOP", "big", "18")) == 18
        assert ours_encoding(ours, "big") == b"listpack"
    finally:
        for n, v in old.items():
            ours("CONFIG", "SET", n, v)


@pytest.mark.parametrize("kind", ALL)
def test_spop(diff, kind):
    members, enc = ALL[kind]
    fill(diff, "s", members)
    mset = {m.encode() for m in members}
    got = set()
    r = rand(diff, "SPOP", "s")
    got.add(r)
    r = diff.same_type("SPOP", "s", "3")
    got.update(r)
    diff("SPOP", "s", "0")
    diff("SPOP", "nokey")
    diff("SPOP", "nokey", "3")
    diff.error("SPOP", "s", "-1")
    diff.error("SPOP", "s", "x")
    n = len(members) - 4
    # the rebuild strategy: pop most of what's left
    r = diff.same_type("SPOP", "s", str(n - 2))
    got.update(r)
    diff("SCARD", "s")
    r = diff.same_type("SPOP", "s", "100000")
    got.update(r)
    assert got == mset and len(got) == len(members)
    diff("EXISTS", "s")


def test_spop_all_order(diff):
    fill(diff, "s", INTS)
    diff("SPOP", "s", "100")


def test_spop_large_fast(ours):
    import time
    for i in range(1000, 101000, 1000):
        ours("SADD", "big", *[str(j) for j in range(i, i + 1000)])
    t = time.perf_counter()
    out = set()
    for _ in range(5):
        out.update(ours("SPOP", "big", "1000"))
    for _ in range(200):
        out.add(ours("SPOP", "big"))
    assert time.perf_counter() - t < 3
    assert len(out) == 5200
    assert ours("SCARD", "big") == 100000 - 5200


@pytest.mark.parametrize("kind", ALL)
def test_srandmember(diff, kind):
    members, _ = ALL[kind]
    fill(diff, "s", members)
    mset = {m.encode() for m in members}
    assert rand(diff, "SRANDMEMBER", "s") in mset
    diff("SRANDMEMBER", "nokey")
    diff("SRANDMEMBER", "nokey", "3")
    diff("SRANDMEMBER", "s", "0")
    for cnt in (1, 2, -2, -50, len(members) - 1, len(members) // 3, len(members) + 3):
        r = diff.same_type("SRANDMEMBER", "s", str(cnt))
        assert set(r) <= mset
        if cnt > 0:
            assert len(set(r)) == len(r) == min(cnt, len(members))
    if ordered(kind):
        diff("SRANDMEMBER", "s", "1000")
    else:
        diff.unordered("SRANDMEMBER", "s", "1000")
    diff.error("SRANDMEMBER", "s", "x")
    diff.error("SRANDMEMBER", "s", "-9223372036854775808")


def test_srandmember_uniform(ours):
    ours("SADD", "s", *["m%d" % i for i in range(10)])
    ours("SADD", "t", *["m%d" % i for i in range(300)])
    for key, n in (("s", 10), ("t", 300)):
        seen = {}
        for m in ours("SRANDMEMBER", key, str(-n * 300)):
            seen[m] = seen.get(m, 0) + 1
        assert len(seen) == n and min(seen.values()) > 150


def test_smove(diff):
    fill(diff, "a", INTS)
    diff("SMOVE", "a", "b", INTS[0])
    diff("SMOVE", "a", "b", INTS[0])
    diff("SMOVE", "a", "a", INTS[1])
    diff("SMOVE", "a", "a", "nope")
    diff("SMOVE", "nokey", "b", "x")
    diff("SMOVE", "a", "c", "nope")
    diff("SMEMBERS", "a")
    diff("SMEMBERS", "b")
    diff("SADD", "one", "x")
    diff("SADD", "b", "x")
    diff("SMOVE", "one", "b", "x")
    diff("EXISTS", "one")
    diff.unordered("SMEMBERS", "b")
    encoding(diff, "a", "intset")


@pytest.mark.parametrize("kind", SAME)
def test_smove_per_encoding(diff, kind):
    members, enc = SAME[kind]
    fill(diff, "a", members)
    fill(diff, "b", members[:3])
    diff("SMOVE", "a", "b", members[5])
    diff("SMOVE", "a", "b", members[0])
    diff("SMOVE", "a", "new", members[7])
    diff("SCARD", "a")
    diff("SCARD", "b")
    diff("SMEMBERS", "new")
    encoding(diff, "a", enc)
    if kind != "strs_big":                  # a one-string set is a listpack in 7.2 only
        encoding(diff, "new", "intset")


@pytest.mark.parametrize("kind", SAME)
def test_algebra(diff, kind):
    members, _ = SAME[kind]
    fill(diff, "a", members)
    fill(diff, "b", members[::2])
    fill(diff, "c", members[1:5] + [members[0] + "9"])
    cmp = diff if kind == "ints" else diff.unordered
    for op in ("SINTER", "SUNION", "SDIFF"):
        cmp(op, "a", "b")
        cmp(op, "a", "c")
        cmp(op, "a", "b", "c")
        cmp(op, "b", "a")
        cmp(op, "a", "nokey")
        cmp(op, "nokey", "a")
        cmp(op, "a", "a")
        cmp(op, "a")
    for op in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        diff(op, "d", "a", "b")
        cmp("SMEMBERS", "d")
        if kind == "ints":
            encoding(diff, "d", "intset")
        diff(op, "d", "a", "c")
        cmp("SMEMBERS", "d")
        diff(op, "d", "nokey", "nokey2")
        diff("EXISTS", "d")
        diff(op, "d", "a")
        diff("SCARD", "d")
        diff("HSET", "d", "x", "1")                  # overwritten whatever its type
        diff(op, "d", "a", "b")
        diff("TYPE", "d")
    diff("SINTERCARD", "2", "a", "b")
    diff("SINTERCARD", "2", "a", "b", "LIMIT", "3")
    diff("SINTERCARD", "2", "a", "b", "LIMIT", "0")
    diff("SINTERCARD", "3", "a", "b", "c")
    diff("SINTERCARD", "2", "a", "nokey")
    diff("SINTERCARD", "1", "a")
    diff.error("SINTERCARD", "0", "a")
    diff.error("SINTERCARD", "-1", "a")
    diff.error("SINTERCARD", "x", "a")
    diff.error("SINTERCARD", "3", "a", "b")
    diff.error("SINTERCARD", "1", "a", "LIMIT", "-1")
    diff.error("SINTERCARD", "1", "a", "LIMIT", "x")
    diff.error("SINTERCARD", "1", "a", "LIMIT")
    diff.error("SINTERCARD", "1", "a", "FOO", "1")


def test_store_encodings(diff):
    diff("SADD", "a", *[str(i) for i in range(600)])
    diff("SADD", "b", *[str(i) for i in range(10)])
    encoding(diff, "a", "hashtable")
    diff("SINTERSTORE", "d", "a", "b")
    encoding(diff, "d", "intset")                    # rebuilt compact
    diff("SMEMBERS", "d")
    diff("SDIFFSTORE", "e", "a", "b")
    encoding(diff, "e", "hashtable")
    diff("SDIFFSTORE", "f", "b", "a")
    diff("EXISTS", "f")


def test_set_events(diff, conns):
    assert_events(diff, conns, "KEA", [
        ("SADD", "a", "1", "2", "3"), ("SADD", "a", "1"), ("SREM", "a", "9"),
        ("SREM", "a", "1"), ("SMOVE", "a", "b", "2"), ("SMOVE", "a", "b", "9"),
        ("SADD", "b", "3"), ("SMOVE", "a", "b", "3"),
        ("SADD", "c", "x", "y"), ("SINTERSTORE", "d", "b", "b"), ("SUNIONSTORE", "d", "b", "c"),
        ("SDIFFSTORE", "d", "b", "c"), ("SDIFFSTORE", "d", "b", "b"), ("SINTERSTORE", "d", "nokey"),
        ("SADD", "p", "1", "2", "3", "4"), ("SPOP", "p", "0"),
        ("SPOP", "p", "10"), ("SADD", "q", "x"), ("SPOP", "q"), ("SPOP", "q"),
        ("SREM", "c", "x", "y"),
    ])


def _full_scan(client, key, *opts):
    cursor = b"0"
    out = []
    while True:
        cursor, items = client("SSCAN", key, cursor, *opts)
        out.extend(items)
        if cursor == b"0":
            return out


@pytest.mark.parametrize("kind", ALL)
def test_sscan(diff, kind):
    members, _ = ALL[kind]
    fill(diff, "s", members)
    if kind == "ints":
        diff("SSCAN", "s", "0")
        diff("SSCAN", "s", "0", "MATCH", "*3")
    got = _full_scan(diff.s, "s", "COUNT", "25")
    assert sorted(got) == sorted(m.encode() for m in members)
    got = _full_scan(diff.s, "s", "MATCH", "*1")
    assert sorted(got) == sorted(m.encode() for m in members if m.endswith("1"))
    diff("SSCAN", "nokey", "0")
    diff.error("SSCAN", "s", "abc")
    diff.error("SSCAN", "s", "0", "COUNT", "0")
    diff.error("SSCAN", "s", "0", "BAD")


def test_sscan_guarantee_under_mutation(ours):
    ours("SADD", "s", *["k%d" % i for i in range(2000)])
    cursor = b"0"
    seen = set()
    i = 0
    while True:
        cursor, items = ours("SSCAN", "s", cursor, "COUNT", "20")
        seen.update(items)
        ours("SREM", "s", "k%d" % (1000 + i % 1000))
        ours("SPOP", "s") if i % 50 == 0 and False else None
        ours("SADD", "s", "new%d" % i)
        i += 1
        if cursor == b"0":
            break
    assert {b"k%d" % j for j in range(1000)} <= seen


OPS = st.lists(st.tuples(
    st.sampled_from(["SADD", "SREM", "SISMEMBER", "SCARD", "SMEMBERS", "SMOVE", "STORE",
                     "SADD"]),
    st.lists(st.sampled_from(["1", "2", "3", "-7", "70000", "a", "b", "longmember", "4", "5"]),
             min_size=1, max_size=4),
), min_size=1, max_size=40)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=OPS)
def test_set_sequence_crosses_thresholds(diff2, ops):
    diff = diff2
    diff("DEL", "s", "t", "u", "v", "w")
    with config(diff, set_max_intset_entries=4):
        for op, ms in ops:
            if op == "SADD":
                diff("SADD", "s", *ms)
            elif op == "SREM":
                diff("SREM", "s", *ms)
            elif op == "SISMEMBER":
                diff("SISMEMBER", "s", ms[0])
            elif op == "SCARD":
                diff("SCARD", "s")
            elif op == "STORE":
                diff("SUNIONSTORE", "u", "s", "t")
                diff("SDIFFSTORE", "v", "s", "t")
                diff("SINTERSTORE", "w", "t", "s")
                for k in ("u", "v", "w"):
                    if diff.r("EXISTS", k):
                        enc = diff.r("OBJECT", "ENCODING", k).decode()
                        if enc == "intset":             # 7.0 and 7.2 agree
                            encoding(diff, k, enc)
                            diff("SMEMBERS", k)
                        else:
                            diff.unordered("SMEMBERS", k)
            elif op == "SMOVE":
                diff("SMOVE", "s", "t", ms[0])
                diff.unordered("SMEMBERS", "t")
            else:
                diff.unordered("SMEMBERS", "s")
            if diff.r("EXISTS", "s"):
                enc = diff.r("OBJECT", "ENCODING", "s").decode()
                if enc == "intset":
                    diff("SMEMBERS", "s")
                    encoding(diff, "s", enc)


LONG = "x" * 70     # longer than set-max-listpack-value: a hashtable from the start


class _RandomPops:
    """``diff`` for collect_events, with SPOP's random reply compared by type."""
    def __init__(self, diff):
        self.d, self.r, self.s = diff, diff.r, diff.s

    def __call__(self, *args):
        if args[0] == "SPOP":
            return rand(self.d, *args)
        return self.d(*args)


def test_single_member_writes_on_hashtable(diff, conns):
    """One-member SADD and count-less SPOP on a hashtable set (the inlined
    paths): replies, events (the last pop also deletes the key), WATCH."""
    from tests.behaviour.test_notifications import collect_events
    steps = [("SADD", "h", LONG, "a"), ("SADD", "h", "b"), ("SADD", "h", "b"),
             ("SPOP", "h"), ("SPOP", "h"), ("SCARD", "h"), ("SPOP", "h"), ("SPOP", "h"),
             ("EXISTS", "h")]
    r, s = collect_events(_RandomPops(diff), conns, "KEA", steps)
    assert r == s and len(s) == 12
    diff("SADD", "w", LONG, "a", "b")
    encoding(diff, "w", "hashtable")
    for cmd, aborts in ((("SADD", "w", "a"), False), (("SADD", "w", "c"), True),
                        (("SPOP", "w"), True)):
        diff("WATCH", "w")
        rand(diff, *cmd)
        diff("MULTI")
        diff("PING")
        assert (diff("EXEC") is None) == aborts, cmd
    diff("SCARD", "w")


def test_single_member_writes_touch_lfu(diff):
    """The inlined SADD / SPOP still count as an access of the key."""
    for cl in (diff.r, diff.s):
        cl("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        for key, cmd in (("fa", ("SADD", "fa", "new")), ("fp", ("SPOP", "fp"))):
            diff("SADD", key, LONG, "a", "b")
            diff("OBJECT", "FREQ", key)
            rand(diff, *cmd)
            diff("OBJECT", "FREQ", key)
    finally:
        for cl in (diff.r, diff.s):
            cl("CONFIG", "SET", "maxmemory-policy", "noeviction")
