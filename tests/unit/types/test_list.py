"""Unit tests of the list encodings and their conversion thresholds."""
from hypothesis import given, settings, strategies as st

from shardis.types import list as L


def test_esize_matches_listpack():
    assert L.esize(b"a") == 3          # 1 header + 1 + 1 backlen
    assert L.esize(b"12") == 2         # 7-bit uint
    assert L.esize(b"-1") == 3         # 13-bit int
    assert L.esize(b"40000") == 5      # 24-bit
    assert L.esize(b"3000000000") == 10
    assert L.esize(b"01") == 4         # not an integer: string
    assert L.esize(b"x" * 63) == 65
    assert L.esize(b"x" * 64) == 67
    assert L.esize(b"x" * 200) == 204


def test_listpack_roundtrip_and_push_pop():
    v = L.push(None, [b"a", b"b", b"c"], False)
    assert v.encoding == b"listpack" and L.length(v) == 3
    v = L.push(v, [b"x", b"y"], True)
    assert v.items() == [b"y", b"x", b"a", b"b", b"c"]
    v, out = L.pop(v, True, 1)
    assert out == [b"y"] and v.items() == [b"x", b"a", b"b", b"c"]
    v, out = L.pop(v, False, 2)
    assert out == [b"c", b"b"] and v.items() == [b"x", b"a"]
    v2, out = L.pop(v, False, 5)
    assert v2 is None and out == [b"a", b"x"]


def test_grows_to_quicklist_and_shrinks_back():
    v = L.push(None, [b"x" * 100] * 80, False)
    assert v.encoding == b"listpack"
    v = L.push(v, [b"y" * 100], False)
    assert v.encoding == b"quicklist" and L.length(v) == 81
    v, _ = L.pop(v, True, 40)
    assert v.encoding == b"quicklist"
    v, _ = L.pop(v, True, 3)
    assert v.encoding == b"listpack" and L.length(v) == 38


def test_big_elements_in_listpack_length_prefix():
    big = b"z" * 5000
    L.set_fill(-5)
    try:
        v = L.push(None, [big, b"s", b"q" * 20000], False)
    finally:
        L.set_fill(-2)
    assert v.encoding == b"listpack"
    assert v.items() == [big, b"s", b"q" * 20000]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.binary(max_size=300)), max_size=120))
def test_model(ops):
    model = []
    v = None
    for is_push, left, data in ops:
        if is_push:
            v = L.push(v, [data], left)
            model.insert(0, data) if left else model.append(data)
        elif v is not None:
            v, out = L.pop(v, left, 1)
            assert out == [model.pop(0) if left else model.pop()]
        if v is not None:
            assert v.items() == model
            assert L.length(v) == len(model)
            if v.encoding == b"quicklist":
                assert v.size == sum(L.esize(x) for x in model)
            else:
                assert v.esum() == sum(L.esize(x) for x in model)


def test_bulk_items_matches_plain_encoding():
    """The LRANGE reply builder (one-length join, prebuilt headers, fallback)."""
    import random
    from shardis.commands.lists import _bulk_items
    rnd = random.Random(7)
    for _ in range(2000):
        n = rnd.randrange(0, 6)
        same = rnd.random() < 0.5
        size = rnd.choice([0, 1, 3, 1023, 1024, 2000])
        items = [bytes(rnd.randrange(256) for _ in range(size if same else rnd.choice([0, 2, 1024])))
                 for _ in range(n)]
        want = b"*%d\r\n" % n + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in items)
        assert _bulk_items(items) == want


def test_listpack_uniform_fast_paths():
    """items/range/index agree with an entry walk, including elements that
    contain the length byte (no split) and mixed lengths."""
    import random
    rnd = random.Random(11)
    for _ in range(3000):
        n = rnd.randrange(1, 9)
        ln = rnd.choice([0, 1, 2, 3, 100, 127, 128, 300])
        items = [bytes(rnd.choice([0, 1, 2, 3, 65]) for _ in range(
            ln if rnd.random() < 0.85 else rnd.choice([0, 1, 3, 200]))) for _ in range(n)]
        lp = L.make_listpack(items)
        assert lp.items() == items
        a = rnd.randrange(n)
        b = rnd.randrange(a, n)
        assert L.range_(lp, a, b) == items[a:b + 1]
        assert L.index(lp, a) == items[a]
        assert L.index(lp, -1) == items[-1]


def test_listpack_pops_cut_the_blob():
    """Pops from either end of a listpack (uniform and mixed lengths, any
    count) leave the same blob as a rebuild of the remaining elements."""
    import random
    rnd = random.Random(3)
    for _ in range(3000):
        n = rnd.randrange(1, 10)
        ln = rnd.choice([1, 3, 127, 200])
        items = [bytes(rnd.choice(b"\x01\x03ab7") for _ in range(
            ln if rnd.random() < 0.8 else rnd.choice([0, 2, 130]))) for _ in range(n)]
        lp = L.make_listpack(items)
        left = rnd.random() < 0.5
        count = rnd.randrange(1, n + 2)
        nv, out = L.pop(lp, left, count)
        k = min(count, n)
        want_out = items[:k] if left else items[::-1][:k]
        assert out == want_out
        rest = items[k:] if left else items[:n - k]
        if rest:
            assert nv == L.make_listpack(rest)
            assert nv.esum() == L.make_listpack(rest).esum()
        else:
            assert nv is None
