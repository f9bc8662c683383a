"""SCAN's guarantee: a key present for the whole iteration is returned at least once,
while the table grows, shrinks and rehashes between calls; cursor 0 starts and ends."""
import pytest

from shardis.native import NSLOTS, HashTable, KeyTable, SetTable


def full_scan(scan, count=100):
    cursor, out, calls = 0, [], 0
    while True:
        cursor, batch = scan(cursor, count)
        out.extend(batch)
        calls += 1
        if cursor == 0:
            return out, calls


def test_scan_empty_and_small():
    t = KeyTable()
    assert t.scan(0) == (0, [])
    t[b"a"] = b"1"
    assert t.scan(0) == (0, [b"a"])
    for i in range(1000):
        t[b"k%d" % i] = b"v"
    keys, _ = full_scan(t.scan, 10)
    assert sorted(keys) == sorted(t.keys())
    assert len(keys) == len(set(keys))          # no resize during the scan: no duplicates


def test_scan_200k_under_growth_and_shrink():
    t = KeyTable()
    stable = [b"key:%012d" % i for i in range(200_000)]
    for k in stable:
        t[k] = b"value"
    extra_n = 2_000_000
    seen = set()
    cursor, calls, inserted, deleted = 0, 0, 0, 0
    sizes, rehashing_seen = [], False
    while True:
        cursor, batch = t.scan(cursor, 100)
        seen.update(batch)
        calls += 1
        # between calls: first grow the table by 2M keys, then delete them all
        if inserted < extra_n:
            for i in range(inserted, inserted + 4000):
                t[b"x:%d" % i] = b"v"
            inserted += 4000
        elif deleted < extra_n:
            for i in range(deleted, min(deleted + 8000, extra_n)):
                del t[b"x:%d" % i]
            deleted = min(deleted + 8000, extra_n)
        else:                                   # churn on a settled table
            for i in range(calls, calls + 50):
                t[b"y:%d" % i] = b"v"
                t.pop(b"y:%d" % (i - 25), None)
        st = t.stats()
        sizes.append(st["buckets"])
        rehashing_seen |= st["rehashing"]
        if cursor == 0:
            break
        assert calls < 100_000
    assert rehashing_seen
    assert max(sizes) >= 4 * sizes[0] and sizes[-1] < max(sizes) // 4, (sizes[0], max(sizes), sizes[-1])
    assert deleted == extra_n, "the scan ended before the shrink: make the batches smaller"
    missing = [k for k in stable if k not in seen]
    assert not missing, (len(missing), missing[:5])


def test_scan_slots_mode_under_churn():
    t = KeyTable(slots=True)
    stable = [b"s:%d" % i for i in range(20_000)]
    for k in stable:
        t[k] = b"v"
    seen = set()
    cursor, calls, n = 0, 0, 0
    while True:
        cursor, batch = t.scan(cursor, 50)
        seen.update(batch)
        calls += 1
        for i in range(n, n + 300):
            t[b"{%d}x" % (i % 40)] = b"v"       # a few slots grow large
            t[b"e:%d" % i] = b"v"
        n += 300
        if calls % 3 == 0:
            for i in range(n - 900, n):
                t.pop(b"e:%d" % i, None)
        if cursor == 0:
            break
        assert cursor & (NSLOTS - 1) < NSLOTS
    assert all(k in seen for k in stable)


def test_scan_cursor_encodes_slot():
    t = KeyTable(slots=True)
    t[b"a"] = b"1"
    t[b"b"] = b"2"
    c, keys = t.scan(0, 1)
    assert keys in ([b"a"], [b"b"]) and c != 0
    c2, keys2 = t.scan(c, 1)
    assert c2 == 0 and sorted(keys + keys2) == [b"a", b"b"]


@pytest.mark.parametrize("kind", ["hash", "set"])
def test_subtable_scan_under_growth_and_shrink(kind):
    t = HashTable() if kind == "hash" else SetTable()
    put = (lambda k: t.set(k, b"v" * 70)) if kind == "hash" else t.add
    drop = t.pop if kind == "hash" else t.discard
    stable = [b"m:%d" % i for i in range(20_000)]
    for k in stable:
        put(k)
    seen, cursor, calls, grown = set(), 0, 0, 0
    while True:
        cursor, batch = t.scan(cursor, 20)
        if kind == "hash":
            assert all(v == b"v" * 70 for v in batch[1::2])
            batch = batch[::2]
        seen.update(batch)
        calls += 1
        if grown < 200_000:
            for i in range(grown, grown + 1000):
                put(b"x:%d" % i)
            grown += 1000
        else:
            for i in range(grown - 200_000, min(grown - 199_000, 200_000)):
                drop(b"x:%d" % i)
            grown += 1000
        if cursor == 0:
            break
    assert all(k in seen for k in stable)
