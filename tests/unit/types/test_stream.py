"""Unit tests of the stream value (types/stream.py)."""
from shardis.types.stream import (Stream, PEL, NACK, lp_size, lp_int_size, fmt_id, MAX_ID,
                                  U64, INVALID_READ)


def sid(ms, seq=0):
    return (ms << 64) | seq


def test_listpack_element_sizes():
    assert lp_int_size(0) == 2 and lp_int_size(127) == 2
    assert lp_int_size(128) == 3 and lp_int_size(-4096) == 3
    assert lp_int_size(4096) == 4 and lp_int_size(-32768) == 4
    assert lp_int_size(32768) == 5
    assert lp_int_size(2 ** 31 - 1) == 6
    assert lp_int_size(2 ** 31) == 10
    assert lp_size(b"12") == 2            # integer-looking strings are stored as ints
    assert lp_size(b"012") == 5           # not canonical: a 3-byte string
    assert lp_size(b"a" * 63) == 65
    assert lp_size(b"a" * 64) == 67       # 2-byte header; backlen 1 (66 <= 127)
    assert lp_size(b"a" * 200) == 204     # backlen 2


def test_append_and_node_split_by_entries():
    s = Stream()
    for i in range(1, 251):
        s.append(sid(i), (b"f", b"v"), 4096, 100)
    assert len(s) == 250 and len(s.nodes) == 3
    assert [len(n.ids) for n in s.nodes] == [100, 100, 50]
    assert s.keys == [sid(1), sid(101), sid(201)]
    assert s.first_id == sid(1) and s.last_id == sid(250) and s.entries_added == 250


def test_node_split_by_bytes():
    s = Stream()
    for i in range(1, 20):
        s.append(sid(i), (b"f", b"x" * 1000), 4096, 100)
    assert all(n.nbytes < 4096 + 1100 for n in s.nodes)
    assert len(s.nodes) > 4


def test_same_fields_are_smaller():
    a = Stream()
    b = Stream()
    a.append(sid(1), (b"f", b"v"), 4096, 100)
    b.append(sid(1), (b"f", b"v"), 4096, 100)
    a.append(sid(2), (b"f", b"v"), 4096, 100)
    b.append(sid(2), (b"g", b"v"), 4096, 100)
    assert a.nodes[0].nbytes < b.nodes[0].nbytes


def test_range_and_get():
    s = Stream()
    for i in range(1, 31):
        s.append(sid(i, 1), (b"n", b"%d" % i), 4096, 7)
    assert [i for i, _ in s.range(sid(5), sid(9))] == [sid(i, 1) for i in range(5, 9)]
    assert [i for i, _ in s.range(0, MAX_ID, 3, rev=True)] == [sid(30, 1), sid(29, 1),
                                                                sid(28, 1)]
    assert s.get(sid(12, 1)) == (b"n", b"12")
    assert s.get(sid(12, 2)) is None
    assert s.range(sid(9), sid(5)) == []


def test_delete_tombstones_and_node_removal():
    s = Stream()
    for i in range(1, 11):
        s.append(sid(i), (b"f", b"v"), 4096, 5)
    assert s.delete(sid(3)) and not s.delete(sid(3))
    assert len(s) == 9 and s.nodes[0].ndel == 1 and s.nodes[0].live == 4
    for i in (1, 2, 4, 5):
        s.delete(sid(i))
    assert len(s.nodes) == 1 and s.first_entry()[0] == sid(6)


def test_trim_maxlen_exact_and_approx():
    s = Stream()
    for i in range(1, 26):
        s.append(sid(i), (b"f", b"v"), 4096, 10)
    assert s.trim(maxlen=12, approx=True) == 10      # only whole nodes go
    assert len(s) == 15 and len(s.nodes) == 2
    assert s.trim(maxlen=12) == 3
    assert len(s) == 12 and s.first_id == sid(14)
    assert s.trim(minid=sid(20)) == 6
    assert s.first_entry()[0] == sid(20)


def test_trim_limit():
    s = Stream()
    for i in range(1, 41):
        s.append(sid(i), (b"f", b"v"), 4096, 10)
    assert s.trim(maxlen=0, approx=True, limit=15) == 10
    assert len(s) == 30


def test_rax_nodes():
    s = Stream()
    assert s.rax_nodes() == 1
    s.append(sid(1), (b"f", b"v"), 4096, 1)
    assert s.rax_nodes() == 2
    s.append(sid(2), (b"f", b"v"), 4096, 1)
    # 7-byte shared prefix, a branch, two 8-byte chains, two leaves (as redis-server)
    assert s.rax_nodes() == 6
    t = Stream()
    t.append(sid(1, 1), (b"f", b"v"), 4096, 1)
    t.append(sid(1, 2), (b"f", b"v"), 4096, 1)
    # 15-byte shared prefix, a branch, two leaves
    assert t.rax_nodes() == 4


def test_pel_order():
    p = PEL()
    for i in (5, 1, 3):
        p.add(sid(i), NACK(0, None))
    assert p.order == [sid(1), sid(3), sid(5)]
    assert p.range(sid(2), sid(5)) == [sid(3), sid(5)]
    assert p.remove(sid(3)) and not p.remove(sid(3))
    assert p.from_id(sid(2)) == [sid(5)]


def test_lag_estimates():
    s = Stream()
    for i in range(1, 6):
        s.append(sid(i), (b"f", b"v"), 4096, 100)
    assert s.estimate_distance(sid(5)) == 5
    assert s.estimate_distance(sid(1)) == 1
    assert s.estimate_distance(0) == 0
    assert s.estimate_distance(sid(3)) == INVALID_READ
    assert s.estimate_distance(sid(9)) == INVALID_READ


def test_fmt_id():
    assert fmt_id(sid(12, 34)) == b"12-34"
    assert fmt_id(MAX_ID) == b"%d-%d" % (U64, U64)
