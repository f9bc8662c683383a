"""ScoreList (the order half of a skiplist zset) against a sorted list of
(score, member) tuples: random inserts, moves, deletes and pops, with small blocks
so that splits, merges and the Fenwick tree are exercised, and every
positional and bisection query compared after each change."""
import bisect
import math
import random

import pytest

from shardis.types import scorelist as SL

_SCORES = [0.0, -0.0, 1.0, 2.0, 2.5, -1.0, 7.0, 1e300, -1e300, float("inf"), float("-inf")]
_MEMBERS = [b"", b"a", b"b", b"ab", b"ba", b"\x00", b"\xff", b"m1", b"m2", b"zz", b"q" * 70]


def _members(rnd, k):
    return [rnd.choice(_MEMBERS) + b"%d" % rnd.randrange(k) for _ in range(3)]


def _check(sl, model, rnd):
    assert len(sl) == len(model)
    got = list(sl)
    assert got == model
    # scores keep their sign
    assert [math.copysign(1, s) for s, _ in got] == [math.copysign(1, s) for s, _ in model]
    n = len(model)
    for _ in range(6):
        if n:
            i = rnd.randrange(-n, n)
            assert sl[i] == model[i]
        a, b = sorted((rnd.randrange(n + 2), rnd.randrange(n + 2)))
        assert sl[a:b] == model[a:b]
        s = rnd.choice(_SCORES)
        m = rnd.choice(_MEMBERS)
        assert sl.index(s, m) == bisect.bisect_left(model, (s, m))
        assert sl.index(s, m, right=True) == bisect.bisect_right(model, (s, m))
        assert sl.index_score(s) == bisect.bisect_left([p[0] for p in model], s)
        assert sl.index_score(s, right=True) == bisect.bisect_right([p[0] for p in model], s)
    for k, (s, m) in enumerate(model[:20]):
        assert sl.index(s, m) == k
    assert sl.members() == [m for _, m in model]


@pytest.mark.parametrize("load,linear,front,seed", [(2, 0, 1, 1), (3, 1, 2, 2), (4, 8, 3, 3),
                                                    (5, 2, 64, 4), (512, 8, 64, 5), (3, 2, 5, 6)])
def test_matches_a_sorted_list(monkeypatch, load, linear, front, seed):
    monkeypatch.setattr(SL, "LOAD", load)
    monkeypatch.setattr(SL, "_LINEAR", linear)
    monkeypatch.setattr(SL, "_FRONT", front)
    rnd = random.Random(seed)
    start = sorted({(rnd.choice(_SCORES), m) for m in _members(rnd, 5)}, key=lambda p: p)
    d = {}
    for s, m in start:
        d.setdefault(m, s)
    model = sorted((s, m) for m, s in d.items())
    sl = SL.ScoreList(model)
    for step in range(1500):
        op = rnd.random()
        if op < 0.55 or not model:
            m = rnd.choice(_MEMBERS) + b"%d" % rnd.randrange(40)
            s = rnd.choice(_SCORES)
            if m in d:
                model.remove((d[m], m))
                if rnd.random() < 0.5:
                    sl.move(d[m], s, m)
                else:
                    assert sl.delete(d[m], m)
                    sl.insert(s, m)
            else:
                sl.insert(s, m)
            d[m] = s
            bisect.insort(model, (s, m))
        elif op < 0.8:
            m = rnd.choice(list(d))
            assert sl.delete(d[m], m)
            model.remove((d[m], m))
            del d[m]
            assert not sl.delete(rnd.choice(_SCORES), b"absent")
        else:
            idx = rnd.choice([0, -1, rnd.randrange(len(model))])
            s, m = sl.pop(idx)
            assert (s, m) == model.pop(idx)
            del d[m]
        if step % 7 == 0 or len(model) < 6:
            _check(sl, model, rnd)
    _check(sl, model, rnd)


def test_ties_across_many_blocks(monkeypatch):
    """Every element with one score (a lexicographic zset): the member
    decides, across blocks whose last scores are all equal."""
    monkeypatch.setattr(SL, "LOAD", 3)
    monkeypatch.setattr(SL, "_LINEAR", 1)
    rnd = random.Random(9)
    sl = SL.ScoreList()
    model = []
    members = [b"%05d" % i for i in range(300)]
    rnd.shuffle(members)
    for m in members:
        sl.insert(0.0, m)
        bisect.insort(model, (0.0, m))
    _check(sl, model, rnd)
    for m in members[:150]:
        assert sl.delete(-0.0, m)
        model.remove((0.0, m))
    _check(sl, model, rnd)


def test_empty():
    sl = SL.ScoreList()
    assert len(sl) == 0 and list(sl) == [] and sl[0:5] == []
    assert sl.index(1.0, b"x") == 0 and sl.index_score(1.0, right=True) == 0
    assert not sl.delete(1.0, b"x")
    with pytest.raises(IndexError):
        sl.pop(0)
    with pytest.raises(IndexError):
        sl[0]


@pytest.mark.parametrize("front", [1, 3, 64])
def test_runs_of_pops_from_the_front(monkeypatch, front):
    """ZPOPMIN runs cut a short first block off the front; inserts, deletes
    and positional reads in between still see one sorted list."""
    monkeypatch.setattr(SL, "LOAD", 8)
    monkeypatch.setattr(SL, "_LINEAR", 1)
    monkeypatch.setattr(SL, "_FRONT", front)
    rnd = random.Random(front)
    model = sorted((float(rnd.randrange(50)), b"m%d" % i) for i in range(400))
    sl = SL.ScoreList(model)
    for step in range(300):
        for _ in range(rnd.randrange(1, 12)):
            if model:
                assert sl.pop(0) == model.pop(0)
        if rnd.random() < 0.3:
            p = (float(rnd.randrange(-5, 50)), b"n%d" % step)
            sl.insert(*p)
            bisect.insort(model, p)
        if model and rnd.random() < 0.2:
            p = model.pop(rnd.randrange(min(len(model), 10)))
            assert sl.delete(*p)
        if step % 5 == 0:
            _check(sl, model, rnd)
    _check(sl, model, rnd)
    while model:
        assert sl.pop(0) == model.pop(0)
    assert len(sl) == 0


@pytest.mark.parametrize("load,front", [(4, 2), (8, 3), (512, 64)])
def test_pops_between_inserts_at_the_front_keep_blocks_few(monkeypatch, load, front):
    """Two pairs inserted before the minimum, one popped, again and again:
    only the first block may be short, so the blocks stay about n / LOAD."""
    monkeypatch.setattr(SL, "LOAD", load)
    monkeypatch.setattr(SL, "_FRONT", front)
    model = [(float(i), b"m%d" % i) for i in range(40 * load)]
    sl = SL.ScoreList(model)
    low = 0.0
    for k in range(20 * load):
        for _ in range(2):
            low -= 1
            sl.insert(low, b"n%d" % k)
            model.insert(0, (low, b"n%d" % k))
        assert sl.pop(0) == model.pop(0)
        assert len(sl.mems) <= len(model) // (load // 2) + 2
    assert list(sl) == model
