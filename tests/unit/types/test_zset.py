"""Unit tests of the sorted-set listpack (ZPack): the one-pair splice used by
ZADD agrees with a full decode/sort/encode."""
import random

from shardis.types import zset as Z

_SCORES = [0.0, -0.0, 1.0, 2.0, 239.0, 240.0, -1.0, 32767.0, 40000.0, -2.0 ** 31, 2.0 ** 31,
           0.5, -1.25, 1e300, float("inf"), float("-inf")]


def _rebuild(seq, member, score):
    d = {m: s for s, m in seq}
    d[member] = score
    return Z.encode_seq(sorted((s, m) for m, s in d.items()))


def test_find_slot_and_splice_match_a_rebuild():
    rnd = random.Random(5)
    for _ in range(3000):
        n = rnd.randrange(0, 12)
        members = rnd.sample([b"a", b"b", b"ab", b"ba", b"", b"x" * 130, b"m1", b"m2", b"zz",
                              b"\x00", b"\xff" * 3, b"q", b"r", b"s"], n)
        seq = sorted((rnd.choice(_SCORES), m) for m in members)
        v = Z.encode_seq(seq)
        member = rnd.choice(members + [b"new", b"a", b"x" * 130]) if members else b"new"
        score = rnd.choice(_SCORES)
        old, ostart, oend, ins = v.find_slot(member, score)
        cur = {m: s for s, m in seq}.get(member)
        assert old == cur
        got = v.splice(member, score, ins, ostart, oend)
        want = _rebuild(seq, member, score)
        assert got == want, (seq, member, score)
        assert got.card() == want.card()


def test_skiplist_order_holds_the_dicts_member_objects():
    """A member is stored once: the order (ScoreList) holds the dict's key
    object, also after a ZADD or ZINCRBY moved it with an equal but distinct
    bytes object (as every command argument is)."""
    rnd = random.Random(8)
    seq = sorted((float(rnd.randrange(50)), b"m%d" % i) for i in range(3000))
    z = Z.ZSkip.from_seq(seq)
    for _ in range(4000):
        m = b"m%d" % rnd.randrange(3200)        # a fresh object each time
        s = float(rnd.randrange(60))
        old = z.d.get(m)
        if rnd.random() < 0.5:
            z.add(m, s)
        elif old != s:
            z.insert(m, s, old)
    keys = {id(k) for k in z.d}
    members = z.sl.members()
    assert len(members) == len(z.d)
    assert all(id(m) in keys for m in members)
    assert list(z.sl) == sorted((s, m) for m, s in z.d.items())
