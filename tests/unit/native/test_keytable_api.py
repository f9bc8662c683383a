"""KeyTable's Python API: what the keyspace will rely on when it is wired in."""
import binascii
import gc
import sys
import time
import weakref

import pytest

from shardis.native import EMBED_MAX, EXPIRED, NSLOTS, KeyTable, crc16, key_hash_slot, set_clock


def now_ms():
    return int(time.time() * 1000)


def test_dict_like_basics():
    t = KeyTable()
    assert len(t) == 0 and b"a" not in t
    t[b"a"] = b"1"
    t.set(b"b", b"two")
    assert len(t) == 2 and b"a" in t
    assert t[b"a"] == b"1" and t.get(b"b") == b"two"
    assert t.get(b"zz") is None and t.get(b"zz", 7) == 7
    with pytest.raises(KeyError):
        t[b"zz"]
    with pytest.raises(KeyError):
        del t[b"zz"]
    assert t.pop(b"zz") is None and t.pop(b"zz", 5) == 5
    assert t.pop(b"a") == b"1" and b"a" not in t
    del t[b"b"]
    assert len(t) == 0 and t.keys() == []


def test_keys_must_be_bytes():
    t = KeyTable()
    for bad in ("str", 1, None, bytearray(b"x"), memoryview(b"x")):
        with pytest.raises(TypeError):
            t[bad] = b"v"
        with pytest.raises(TypeError):
            t.get(bad)
        assert bad not in t                    # as a dict of bytes keys answers
        with pytest.raises(TypeError):
            t.lookup(bad, 0)
    with pytest.raises(TypeError):
        t.lookup(b"k", "now")
    with pytest.raises(TypeError):
        t.set_expire(b"k", None)
    with pytest.raises(TypeError):
        t.set(b"k", b"v", deadline="soon")
    with pytest.raises(TypeError):
        t.lookup(b"k")
    with pytest.raises(TypeError):
        key_hash_slot("k")


@pytest.mark.parametrize("value", [
    b"", b"x", b"v" * EMBED_MAX, b"v" * (EMBED_MAX + 1), b"v" * 10_000,
    b"0", b"-1", b"123456789", b"-123456789", b"9223372036854775807", b"-9223372036854775808",
    b"9223372036854775808", b"-9223372036854775809", b"0123456789", b"-0", b"-0000000001",
    b"+123456789", b" 123456789", b"123456789 ", b"12345678901234567890123",
])
def test_values_come_back_equal(value):
    t = KeyTable()
    t[b"k"] = value
    got = t[b"k"]
    assert got == value and type(got) is bytes
    assert t.peek(b"k") == value and t.lookup(b"k", 0) == value and t.pop(b"k") == value


def test_integer_strings_are_compact():
    t = KeyTable()
    t[b"a"] = b"1234567890123456789"       # canonical int64: 8 bytes, not 19
    t[b"b"] = b"1234567890123456789x"
    assert t.entry_bytes(b"a") < t.entry_bytes(b"b")
    assert t[b"a"] == b"1234567890123456789"


def test_other_objects_are_references():
    t = KeyTable()
    agg, ba, sub = [1, 2], bytearray(b"xy"), type("B", (bytes,), {})(b"sub")
    big = b"z" * 1000
    for k, v in ((b"agg", agg), (b"ba", ba), (b"sub", sub), (b"big", big)):
        t[k] = v
        assert t[k] is v
    assert t.stats()["objects"] == 4


def test_empty_and_long_keys():
    t = KeyTable()
    t[b""] = b""
    long_key = b"K" * 300            # longer than a one-byte length
    t[long_key] = b"v"
    assert t[b""] == b"" and t[long_key] == b"v"
    assert sorted(t.keys()) == [b"", long_key]
    c, keys = t.scan(0, 10)
    assert c == 0 and sorted(keys) == [b"", long_key]


def test_big_key_and_value_at_proto_max_bulk_len():
    size = 512 * 1024 * 1024
    key = b"k" * size
    value = b"v" * size
    t = KeyTable()
    t[key] = value
    assert key in t and t[key] is value
    assert t.entry_bytes(key) >= size
    assert t.mem_bytes() >= size
    (k2,) = t.keys()
    assert k2 == key
    del k2
    t.set_expire(key, 123)
    assert t.get_expire(key) == 123 and t.random_volatile() == key
    assert t.pop(key) is value
    assert len(t) == 0 and t.mem_bytes() < 1024


def test_set_clears_deadline_store_keeps_it():
    t = KeyTable()
    t[b"k"] = b"v1"
    assert t.get_expire(b"k") is None
    assert t.set_expire(b"k", 10_000) is True and t.get_expire(b"k") == 10_000
    t.store(b"k", b"v2")
    assert t[b"k"] == b"v2" and t.get_expire(b"k") == 10_000 and t.volatile_count() == 1
    t.set(b"k", b"v3", keepttl=True)
    assert t.get_expire(b"k") == 10_000
    t.set(b"k", b"a much longer value than before " * 4, keepttl=True)
    assert t.get_expire(b"k") == 10_000 and t.volatile_count() == 1
    t.set(b"k", b"v4")
    assert t.get_expire(b"k") is None and t.volatile_count() == 0
    t.set(b"k", b"v5", deadline=77)
    assert t.get_expire(b"k") == 77 and t.volatile_count() == 1
    t.store(b"new", b"x")
    assert t[b"new"] == b"x" and t.get_expire(b"new") is None


def test_expire_persist():
    t = KeyTable()
    assert t.set_expire(b"nokey", 5) is False and t.persist(b"nokey") is False
    with pytest.raises(KeyError):
        t.get_expire(b"nokey")
    t[b"k"] = b"v"
    assert t.persist(b"k") is False
    t.set_expire(b"k", 5)
    t.set_expire(b"k", 6)
    assert t.get_expire(b"k") == 6 and t.volatile_count() == 1
    assert t.persist(b"k") is True and t.get_expire(b"k") is None and t.volatile_count() == 0
    t.set_expire(b"k", -5)                    # any int64 is a deadline
    assert t.get_expire(b"k") == -5
    del t[b"k"]
    assert t.volatile_count() == 0 and t.random_volatile() is None


def test_lookup_expired_sentinel():
    t = KeyTable()
    t[b"k"] = b"v"
    t.set_expire(b"k", 1000)
    assert t.lookup(b"k", 999) == b"v"
    assert t.lookup(b"k", 1000) is EXPIRED and t.lookup(b"k", 5000) is EXPIRED
    assert repr(EXPIRED) == "EXPIRED"
    assert t.lookup(b"nokey", 0) is None
    assert b"k" in t                           # lookup does not delete: the caller does


def test_lru_access_field():
    t = KeyTable()
    t[b"k"] = b"v"
    assert abs(t.access(b"k") - (now_ms() // 1000) % (1 << 24)) <= 2
    t.lookup(b"k", 5_000_000)
    assert t.access(b"k") == 5000
    t.peek(b"k")
    t.lookup(b"k", 9_000_000, False)
    assert t.access(b"k") == 5000
    try:
        set_clock(6_000_000)                   # get() stamps with the module clock
        t.get(b"k")
        assert t.access(b"k") == 6000
        t[b"new"] = b"v"
        assert t.access(b"new") == 6000
    finally:
        set_clock(0)
    t[b"new2"] = b"v"
    assert abs(t.access(b"new2") - (now_ms() // 1000) % (1 << 24)) <= 2
    with pytest.raises(ValueError):
        set_clock(-1)
    t.lookup(b"k", (1 << 24) * 1000 + 7000)    # the clock wraps at 24 bits
    assert t.access(b"k") == 7
    t.set_access(b"k", 123)
    assert t.access(b"k") == 123
    t.store(b"k", b"w")
    assert t.access(b"k") == 123
    with pytest.raises(ValueError):
        t.set_access(b"k", 1 << 24)
    with pytest.raises(KeyError):
        t.access(b"nokey")


def test_lfu_access_field():
    t = KeyTable()
    t.set_access_mode("lfu", lfu_log_factor=0, lfu_decay_time=1)
    assert t.access_mode == "lfu"
    t[b"k"] = b"v"
    minutes = (now_ms() // 60000) & 0xFFFF
    assert t.access(b"k") & 0xFF == 5 and abs((t.access(b"k") >> 8) - minutes) <= 1
    now = 600_000 * 60                      # minute 600_000 -> 600_000 & 0xFFFF
    m = (now // 60000) & 0xFFFF
    t.set_access(b"k", (m << 8) | 20)
    t.lookup(b"k", now)                    # factor 0: every hit counts
    assert t.access(b"k") == (m << 8) | 21
    t.set_access(b"k", ((m - 10) << 8) | 20)
    t.lookup(b"k", now)                    # 10 minutes at decay 1: -10, then +1
    assert t.access(b"k") == (m << 8) | 11
    t.set_access(b"k", (m << 8) | 255)
    t.lookup(b"k", now)
    assert t.access(b"k") & 0xFF == 255
    t.set(b"k", b"v2")                     # Redis keeps the LFU field on overwrite
    assert t.access(b"k") & 0xFF == 255
    t.set_access_mode("lfu", lfu_log_factor=10, lfu_decay_time=0)
    t.set_access(b"k", (m << 8) | 200)
    for _ in range(100):
        t.lookup(b"k", now)
    assert 200 <= t.access(b"k") & 0xFF <= 202   # p = 1/1951 per hit at counter 200
    with pytest.raises(ValueError):
        t.set_access_mode("random")


def test_iteration_is_a_snapshot():
    t = KeyTable()
    for i in range(100):
        t[b"k%d" % i] = b"%d" % i
    seen = []
    for k in t:
        seen.append(k)
        t.pop(k)
        t[k + b"x"] = b"new"
    assert sorted(seen) == sorted(b"k%d" % i for i in range(100))
    assert sorted(t.values()) == [b"new"] * 100
    assert dict(t.items()) == {b"k%dx" % i: b"new" for i in range(100)}
    t.clear()
    assert len(t) == 0 and list(t) == [] and t.volatile_count() == 0


def test_growth_and_shrink_are_incremental():
    t = KeyTable()
    states = set()
    for i in range(50_000):
        t[b"key:%012d" % i] = b"value:%010d" % i
        states.add(t.stats()["rehashing"])
    assert states == {True, False}
    grown = t.stats()["buckets"]
    for i in range(49_900):
        del t[b"key:%012d" % i]
    while t.rehash_step(100):
        pass
    st = t.stats()
    assert st["buckets"] < grown // 64 and not st["rehashing"]
    assert sorted(t.keys()) == [b"key:%012d" % i for i in range(49_900, 50_000)]
    for i in range(49_900, 50_000):
        del t[b"key:%012d" % i]
    assert t.stats()["buckets"] == 0 and t.mem_bytes() < 1024


def test_rehash_step_bounded_and_finishes():
    t = KeyTable()
    i = 0
    while not t.stats()["rehashing"]:
        t[b"%d" % i] = b"v"
        i += 1
    assert t.rehash_step(1) in (True, False)
    while t.rehash_step(4):
        pass
    assert not t.stats()["rehashing"] and len(t) == i


def test_mem_bytes_is_exact_sum():
    t = KeyTable()
    keys = [b"key:%012d" % i for i in range(10_000)]
    for i, k in enumerate(keys):
        t[k] = b"value:%010d" % i
        if i % 3 == 0:
            t.set_expire(k, 10**13)
    st = t.stats()
    assert st["entry_bytes"] == sum(t.entry_bytes(k) for k in keys)
    assert t.entry_bytes(keys[1]) == 48 and t.entry_bytes(keys[0]) == 48   # 38 and 46 bytes
    assert 0 < t.mem_bytes() - st["entry_bytes"] - st["index_bytes"] <= 256    # the object itself
    per_key = t.mem_bytes() / len(t)
    assert 50 < per_key < 80
    with pytest.raises(KeyError):
        t.entry_bytes(b"nokey")


def test_key_hash_slot_known_values():
    assert crc16(b"123456789") == 0x31C3
    assert key_hash_slot(b"123456789") == 12739
    assert key_hash_slot(b"somekey") == 11058
    assert key_hash_slot(b"foo{hash_tag}") == key_hash_slot(b"bar{hash_tag}") == 2515
    assert key_hash_slot(b"{user1000}.following") == key_hash_slot(b"{user1000}.followers")
    assert key_hash_slot(b"foo{}{bar}") == crc16(b"foo{}{bar}") % NSLOTS       # empty tag: whole key
    assert key_hash_slot(b"foo{{bar}}zap") == crc16(b"{bar") % NSLOTS
    assert key_hash_slot(b"foo{bar}{zap}") == crc16(b"bar") % NSLOTS
    assert key_hash_slot(b"no close {brace") == crc16(b"no close {brace") % NSLOTS
    assert key_hash_slot(b"") == 0
    for i in range(2000):
        k = b"k%d{t%d}x" % (i, i % 7) if i % 2 else b"plain%d" % i
        tag = b"t%d" % (i % 7) if i % 2 else k
        assert key_hash_slot(k) == binascii.crc_hqx(tag, 0) % NSLOTS


def test_slots_mode():
    t = KeyTable(slots=True)
    assert t.slots and not KeyTable().slots
    keys = [b"user:%d" % i for i in range(5000)] + [b"{tag}%d" % i for i in range(100)]
    for k in keys:
        t[k] = k
    by_slot = {}
    for k in keys:
        by_slot.setdefault(key_hash_slot(k), []).append(k)
    for s, ks in by_slot.items():
        assert t.count_in_slot(s) == len(ks)
    tag = key_hash_slot(b"{tag}")
    assert sorted(t.keys_in_slot(tag, 1000)) == sorted(by_slot[tag])
    assert len(t.keys_in_slot(tag, 10)) == 10 and t.keys_in_slot(tag, 0) == []
    empty = next(s for s in range(NSLOTS) if s not in by_slot)
    assert t.count_in_slot(empty) == 0 and t.keys_in_slot(empty, 5) == []
    t.set_expire(b"{tag}1", 5)
    assert t.clear_slot(tag) == len(by_slot[tag])
    assert t.count_in_slot(tag) == 0 and len(t) == len(keys) - len(by_slot[tag])
    assert t.volatile_count() == 0 and t.clear_slot(tag) == 0
    for bad in (-1, NSLOTS):
        with pytest.raises(ValueError):
            t.count_in_slot(bad)
    with pytest.raises(ValueError):
        KeyTable().count_in_slot(0)
    t.clear()
    assert len(t) == 0 and t.random_key() is None and t.scan(0) == (0, [])


def test_slots_mode_costs_nothing_when_off():
    assert KeyTable().mem_bytes() < 256
    assert KeyTable(slots=True).mem_bytes() > 3 * 8 * NSLOTS


def test_sample_shapes():
    t = KeyTable()
    assert t.sample(5) == [] and t.sample(5, volatile=True) == []
    for i in range(100):
        t[b"k%d" % i] = b"v"
        if i < 10:
            t.set_expire(b"k%d" % i, 1000 + i)
    s = t.sample(16)
    assert len(s) == 16 and len({k for k, _, _ in s}) == 16
    for k, dl, acc in s:
        assert dl == t.get_expire(k) and acc == t.access(k)
    v = t.sample(16, volatile=True)
    assert sorted(k for k, _, _ in v) == sorted(b"k%d" % i for i in range(10))
    assert all(dl == 1000 + int(k[1:]) for k, dl, _ in v)
    assert len(t.sample(60)) == 60 and t.sample(0) == []
    with pytest.raises(ValueError):
        t.sample(-1)


def test_scan_argument_errors():
    t = KeyTable()
    with pytest.raises(ValueError):
        t.scan(-1)
    with pytest.raises(ValueError):
        t.scan(0, 0)
    with pytest.raises(TypeError):
        t.scan("0")
    assert t.scan(2**64 - 1, 10) == (0, [])


class _Held:
    pass


def test_overwrites_do_not_leak_references():
    t = KeyTable()
    a, b = _Held(), [1, 2, 3]
    ra, rb = sys.getrefcount(a), sys.getrefcount(b)
    for i in range(1_000_000):
        t[b"k"] = a if i & 1 else b
    t.store(b"k", a)
    t.store(b"k", b)
    assert sys.getrefcount(a) == ra and sys.getrefcount(b) == rb + 1
    t.set(b"k2", a, deadline=5)
    t.set_expire(b"k2", 6)
    t.persist(b"k2")
    assert sys.getrefcount(a) == ra + 1
    assert t.pop(b"k2") is a
    assert sys.getrefcount(a) == ra
    objs = [_Held() for _ in range(1000)]
    base = [sys.getrefcount(o) for o in objs]
    for i in range(len(objs)):
        t[b"o%d" % i] = objs[i]
    assert [sys.getrefcount(o) for o in objs] == [c + 1 for c in base]
    t.clear()
    assert [sys.getrefcount(o) for o in objs] == base
    assert sys.getrefcount(b) == rb


def test_overwrite_memory_is_flat():
    import tracemalloc
    t = KeyTable()
    t[b"k"] = b"x"
    tracemalloc.start()
    try:
        for i in range(200_000):
            t[b"k"] = [i]
        first = tracemalloc.get_traced_memory()[0]
        for i in range(200_000):
            t[b"k"] = [i]
            t.store(b"k", b"v" * (i % 100))
        assert tracemalloc.get_traced_memory()[0] - first < 4096
    finally:
        tracemalloc.stop()


def test_dealloc_releases_references():
    o = _Held()
    r = sys.getrefcount(o)
    t = KeyTable(slots=True)
    for i in range(100):
        t[b"k%d" % i] = o
    assert sys.getrefcount(o) == r + 100
    del t
    assert sys.getrefcount(o) == r


def test_cycles_through_the_table_are_collected():
    t = KeyTable()
    o = _Held()
    o.table = t
    t[b"self"] = o
    w = weakref.ref(o)
    del t, o
    gc.collect()
    assert w() is None


class _Reenter:
    """A value whose finalizer changes the table that held it."""
    def __init__(self, table, key):
        self.table, self.key = table, key

    def __del__(self):
        t = self.table
        for i in range(50):
            t[self.key + b"-%d" % i] = b"v"
        t.pop(b"k3", None)
        t.keys()


def test_finalizers_that_change_the_table_are_safe():
    for slots in (False, True):
        t = KeyTable(slots=slots)
        for i in range(200):
            t[b"k%d" % i] = _Reenter(t, b"r%d" % i)
        t[b"k7"] = b"plain"                 # overwrite runs a finalizer
        t.pop(b"k8")
        del t[b"k9"]
        t.store(b"k10", b"x")
        t.clear()                           # every finalizer inserts into the cleared table
        assert len(t) > 0
        for k in t.keys():
            assert t[k] == b"v" or isinstance(t[k], _Reenter)
        t.clear()
        t.clear()
        assert len(t) == 0


def test_no_silent_copies():
    import copy
    import pickle
    from shardis.native import HashTable, SetTable
    for obj in (KeyTable(), HashTable(), SetTable()):
        with pytest.raises(TypeError):
            copy.copy(obj)
        with pytest.raises(TypeError):
            pickle.dumps(obj)


def test_emptied_table_frees_its_buckets_even_while_rehashing():
    t = KeyTable()
    keys = [b"%d" % i for i in range(5000)]
    for k in keys:
        t[k] = b"v"
    while not t.stats()["rehashing"]:       # start a shrink
        t.pop(keys.pop())
    for k in keys:
        del t[k]
    st = t.stats()
    assert st["buckets"] == 0 and not st["rehashing"] and t.mem_bytes() < 256


def test_set_plain_and_incr_int():
    import sys
    t = KeyTable()
    agg = object()
    t[b"agg"] = agg
    before = sys.getrefcount(agg)
    assert t.set_plain(b"agg", b"x") is False and t[b"agg"] is agg
    assert t.incr_int(b"agg", 1) is None and sys.getrefcount(agg) == before
    big = b"y" * 200
    t[b"big"] = big
    nb = sys.getrefcount(big)
    assert t.set_plain(b"big", b"small") is True and sys.getrefcount(big) == nb - 1
    assert t.incr_int(b"n", 5) == 5 and t[b"n"] == b"5"            # missing counts as 0
    t.set_expire(b"n", 10**13)
    assert t.incr_int(b"n", -10) == -5 and t[b"n"] == b"-5" and t.get_expire(b"n") == 10**13
    t[b"max"] = b"9223372036854775807"
    assert t.incr_int(b"max", 1) is None and t[b"max"] == b"9223372036854775807"
    t[b"min"] = b"-9223372036854775808"
    assert t.incr_int(b"min", -1) is None and t.incr_int(b"min", 1) == -2**63 + 1
    for bad in (b"007", b"-0", b"+1", b" 1", b"1 ", b"", b"1.5"):
        t[b"bad"] = bad
        assert t.incr_int(b"bad", 1) is None and t[b"bad"] == bad
    with pytest.raises(TypeError):
        t.incr_int(b"n")
    with pytest.raises(OverflowError):
        t.incr_int(b"n", 2**64)


def test_scan_huge_count_returns_everything():
    t = KeyTable()
    for i in range(1000):
        t[b"k%d" % i] = b"v"
    cur, keys = t.scan(0, 2**63 - 1)        # SCAN 0 COUNT 9223372036854775807
    assert cur == 0 and len(set(keys)) == 1000
