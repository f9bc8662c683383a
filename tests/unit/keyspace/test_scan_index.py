"""HashIndex (the SCAN cursor structure), cursor parsing and the glob matcher."""
import random

from shardis.keyspace.scan import HashIndex, parse_cursor, compile_glob, MASK64


def full_scan(idx, data, count=10, mutate=None):
    seen = []
    cur = 0
    while True:
        idx.sync(data)
        out = []
        cur = idx.scan(cur, count, out)
        seen.extend(k for k in out if k in data)
        if mutate:
            mutate()
        if cur == 0:
            return seen


def test_full_iteration_returns_each_key_once():
    data = {b"k%d" % i: 1 for i in range(5000)}
    idx = HashIndex(data)
    seen = full_scan(idx, data, count=7)
    assert sorted(seen) == sorted(data)
    assert len(seen) == len(set(seen))


def test_guarantee_under_concurrent_mutation():
    rng = random.Random(7)
    data = {b"k%d" % i: 1 for i in range(3000)}
    idx = HashIndex()
    idx.sync(data)
    stable = set(list(data)[:1000])
    counter = [0]

    def mutate():
        # add many (forces growth), delete many non-stable keys (forces shrink)
        for _ in range(rng.randint(0, 300)):
            counter[0] += 1
            data[b"n%d" % counter[0]] = 1
        victims = [k for k in list(data) if k not in stable]
        for k in rng.sample(victims, min(len(victims), rng.randint(0, 400))):
            del data[k]
            idx.discard(k)

    seen = full_scan(idx, data, count=20, mutate=mutate)
    assert stable <= set(seen)


def test_sync_after_hookless_delete_rebuilds():
    data = {b"a": 1, b"b": 2, b"c": 3}
    idx = HashIndex(data)
    del data[b"a"]          # not reported to the index
    data[b"d"] = 4
    data[b"e"] = 5
    idx.sync(data)
    out = []
    cur = 0
    while True:
        cur = idx.scan(cur, 100, out)
        if cur == 0:
            break
    assert set(out) >= {b"b", b"c", b"d", b"e"}


def test_unaligned_cursor_after_resize():
    data = {b"k%d" % i: 1 for i in range(200)}
    idx = HashIndex(data)
    out = []
    cur = idx.scan(0, 1, out)
    first = set(out)
    for i in range(5000):           # grow a lot: buckets split, cursor stays meaningful
        data[b"x%d" % i] = 1
    idx.sync(data)
    rest = []
    while cur:
        cur = idx.scan(cur, 50, rest)
    assert first | set(rest) >= {b"k%d" % i for i in range(200)}
    assert not (first & set(rest))


def test_memory_per_key_is_small():
    import sys
    data = {b"key:%d" % i: 1 for i in range(100000)}
    idx = HashIndex(data)
    size = sys.getsizeof(idx.buckets) + sum(sys.getsizeof(b) for b in idx.buckets)
    assert size / len(data) < 30, size / len(data)


def test_parse_cursor():
    assert parse_cursor(b"0") == 0
    assert parse_cursor(b"") == 0
    assert parse_cursor(b"+12") == 12
    assert parse_cursor(b"-1") == MASK64
    assert parse_cursor(b"18446744073709551615") == MASK64
    assert parse_cursor(b"18446744073709551616") is None
    assert parse_cursor(b" 1") is None
    assert parse_cursor(b"1x") is None
    assert parse_cursor(b"-") is None


def test_random_key():
    data = {b"k%d" % i: 1 for i in range(100)}
    idx = HashIndex(data)
    rng = random.Random(1).randrange
    assert len({idx.random_key(rng) for _ in range(2000)}) > 80
    assert HashIndex().random_key(rng) is None


def test_glob_edge_cases():
    m = compile_glob
    assert not m(b"*")(b"")
    assert m(b"")(b"")
    assert m(b"a*")(b"a")
    assert m(b"[a-c]")(b"b")
    assert m(b"[c-a]")(b"b")
    assert not m(b"[^a]")(b"a")
    assert m(b"[abc")(b"c")
    assert m(b"\\")(b"\\")
    assert m(b"a\\*")(b"a*")
    assert not m(b"a\\*")(b"ab")
    star_heavy = b"*a*a*a*a*a*a*a*b"
    assert not m(star_heavy)(b"a" * 200)
    assert m(star_heavy)(b"a" * 20 + b"b")


def test_incremental_build_with_mutations():
    data = {b"k%d" % i: 1 for i in range(10000)}
    idx = HashIndex()
    idx.start_build(data)
    steps = 0
    n = 0
    while not idx.build_step(data, 500):
        steps += 1
        # mutate between steps: delete some (hooked), add some, re-add one
        for j in range(5):
            n += 1
            k = b"k%d" % (n * 7 % 10000)
            if k in data:
                del data[k]
                idx.discard(k)
            data[b"new%d" % n] = 1
        data[b"k1"] = data.pop(b"k1", 1)
        idx.discard(b"k1")
    assert steps >= 15
    assert idx.count == len(data)
    out = []
    cur = 0
    while True:
        cur = idx.scan(cur, 100, out)
        if cur == 0:
            break
    assert sorted(out) == sorted(data)
