"""types/digest.py against digests redis-server 7.0.15 gave for the same
values (DEBUG DIGEST-VALUE / DEBUG DIGEST), and types/list.py's quicklist
node accounting."""
from shardis.types import digest as DG
from shardis.types import hash as H
from shardis.types import list as L
from shardis.types import set as S
from shardis.types import stream as ST
from shardis.types import zset as Z


def test_empty_dataset_is_zeros():
    assert DG.dataset_digest([]) == "0" * 40
    assert DG.dataset_digest([(0, {}, {}.get), (1, {}, {}.get)]) == "0" * 40


def test_value_digests_match_redis():
    # values and digests read from redis-server 7.0.15
    assert DG.value_digest(b"v", False) == "d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f"
    assert DG.value_digest(L.from_items([b"a", b"b"]), False) == \
        "62f55a532623cf6c3d81081db480b6fd8461eb3f"
    assert DG.value_digest(S.SetHT([b"a", b"b"]), False) == \
        "dd99329063ca0f1f28df2ac68d94b82fd95501c6"
    assert DG.value_digest(H.HashHT({b"f": b"v"}), False) == \
        "90c76e9e9f4c62d642a34fc97c7dad503b51f906"
    assert DG.value_digest(Z.from_pairs([(b"a", 0.1)]), False) == \
        "b07654932c32238dbd9b8626f0dc40f18d973527"
    s = ST.Stream()
    s.append((1 << 64) | 1, [b"f", b"v"], 4096, 100)
    assert DG.value_digest(s, False) == "2ed9a7a81688084b1f7eae33456ef7727d357031"


def test_encoding_does_not_matter():
    items = [b"1", b"22", b"x" * 70]
    big = L.QuickList(__import__("collections").deque(items), sum(L.esize(x) for x in items))
    assert DG.value_digest(big, False) == DG.value_digest(L.make_listpack(items), False)
    assert DG.value_digest(bytearray(b"abc"), True) == DG.value_digest(b"abc", True)
    assert DG.value_digest(b"abc", True) != DG.value_digest(b"abc", False)


def test_dataset_mixes_db_and_key():
    a = DG.dataset_digest([(0, {b"k": b"v"}, {}.get)])
    assert a != DG.dataset_digest([(1, {b"k": b"v"}, {}.get)])
    assert a != DG.dataset_digest([(0, {b"j": b"v"}, {}.get)])
    two = DG.dataset_digest([(0, {b"k": b"v", b"j": b"w"}, {}.get)])
    assert two == DG.dataset_digest([(0, {b"j": b"w", b"k": b"v"}, {}.get)])   # key order is free


def test_node_layout_plain_nodes():
    try:
        assert L.set_packed_threshold(100)
        elems = [b"y" * 150 if i % 3 == 0 else b"s%09d" % i for i in range(30)]
        v = L.QuickList(__import__("collections").deque(elems), sum(L.esize(x) for x in elems))
        nodes, plain, size = L.node_layout(v)
        assert plain == 10 and nodes == 20          # each run of two small ones shares a node
        assert size == 10 * 150 + 10 * (7 + 2 * 12)
        assert L.has_plain(v)
        assert L.maybe_shrink(v) is v                # a plain node keeps it a quicklist
        assert not L.set_packed_threshold((1 << 32) - (1 << 20) + 1)
    finally:
        L.set_packed_threshold(0)
    assert L.PACKED_THRESHOLD == L.DEFAULT_PACKED_THRESHOLD
