"""The marker listpack: exact round trips, marker-framed search, hash/set types."""
from hypothesis import given, settings, strategies as st

from shardis.types import listpack as LP
from shardis.types import hash as H
from shardis.types import set as S

BIN = st.binary(max_size=12) | st.sampled_from([b"", b"\x00", b"\x01", b"\x02", b"\x02\x03",
                                                 b"a\x00", b"\x02\x05", b"\x00\x01\x02"])


@settings(max_examples=50, deadline=None)
@given(st.lists(BIN, max_size=20))
def test_seq_round_trip_and_search(items):
    items = list(dict.fromkeys(items))
    blob = LP.seq_pack(items)
    assert LP.seq_items(blob) == items
    assert LP.seq_len(blob) == len(items)
    for x in items:
        assert LP.seq_contains(blob, x)
        rest = LP.seq_remove(blob, x)
        assert LP.seq_items(rest) == [y for y in items if y != x]
    for probe in (b"zz", b"\x02", b"\x00", b""):
        assert LP.seq_contains(blob, probe) == (probe in items)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(BIN, BIN), max_size=20))
def test_map_operations_match_a_dict(pairs):
    d = {}
    blob = LP.EMPTY
    for f, v in pairs:
        blob, new = LP.map_set(blob, f, v)
        assert new == (f not in d)
        d[f] = v
    assert LP.map_len(blob) == len(d)
    flat = LP.map_flat(blob)
    assert list(zip(flat[0::2], flat[1::2])) == list(d.items())
    for f, v in d.items():
        assert LP.map_get(blob, f) == v
    # a value equal to some field is never found as a field
    for f, v in pairs:
        if v not in d:
            assert LP.map_get(blob, v) is None
    for f in list(d):
        blob = LP.map_delete(blob, f)
        del d[f]
        assert LP.map_flat(blob) == [x for kv in d.items() for x in kv]
    assert blob == LP.EMPTY


def test_pack_flat_equals_pack():
    flat = [b"a", b"1", b"b\x00", b"\x01", b"", b"x"]
    assert LP.map_pack_flat(flat) == LP.map_pack(zip(flat[0::2], flat[1::2]))
    assert LP.map_pack_flat([b"f", b"v"]) == b"\x00f\x01v\x00"


def test_compact_cost():
    # one marker byte per entry for text data
    h = H.HashLP(LP.map_pack_flat([b"field%d" % i if j == 0 else b"v%07d" % i
                                   for i in range(10) for j in range(2)]))
    assert len(h) == 1 + 10 * (1 + 6 + 1 + 8)
    assert h.encoding == b"listpack" and h.TYPE == b"hash"


def test_hash_from_dict_limits():
    old = H.MAX_ENTRIES, H.MAX_VALUE
    try:
        H.MAX_ENTRIES, H.MAX_VALUE = 2, 3
        assert H.from_dict({b"a": b"1"}).encoding == b"listpack"
        assert H.from_dict({b"a": b"1234"}).encoding == b"hashtable"
        assert H.from_dict({b"a": b"1", b"b": b"2", b"c": b"3"}).encoding == b"hashtable"
    finally:
        H.MAX_ENTRIES, H.MAX_VALUE = old


def test_set_listpack_conversions():
    old = S.MAX_INTSET, S.MAX_LP_ENTRIES, S.MAX_LP_VALUE
    try:
        S.MAX_INTSET, S.MAX_LP_ENTRIES, S.MAX_LP_VALUE = 3, 4, 5
        s = S.create(b"1", 1)
        s, n = S.add_many(s, [b"3", b"1", b"2"])
        assert s.encoding == b"intset" and n == 3
        s, _ = s.add(b"abc")
        assert s.encoding == b"listpack" and s.members() == [b"1", b"2", b"3", b"abc"]
        s, _ = s.add(b"d")
        assert s.encoding == b"hashtable"
        s2, _ = S.build([b"1", b"2"]).add(b"toolong")
        assert s2.encoding == b"hashtable"
        s3, _ = S.add_many(S.create(b"1", 1), [b"1", b"2", b"3", b"4"])
        assert s3.encoding == b"hashtable"              # past the intset limit
        assert S.maybe_convert(S.build([b"a"]), 5).encoding == b"hashtable"
    finally:
        S.MAX_INTSET, S.MAX_LP_ENTRIES, S.MAX_LP_VALUE = old


def test_set_hashtable_random_access():
    s = S.SetHT([b"m%d" % i for i in range(100)])
    popped = set()
    for _ in range(100):
        s2, m = s.pop_one()
        assert s2 is s and m not in s and m not in popped
        popped.add(m)
        assert len(s) == 100 - len(popped) and sorted(s.members()) == sorted(set(s))
    assert popped == {b"m%d" % i for i in range(100)} and len(s) == 0
    assert s.pop_one() == (s, None)
