"""Uniform random draws: RANDOMKEY, volatile sampling and HRANDFIELD/SRANDMEMBER must
be fair. 50,000 draws over 1,000 keys; the chi-square score must stay under the
p = 1e-5 critical value (about 1,201 for 999 degrees of freedom). redis-server's own
RANDOMKEY scores about 4,700 here."""
import pytest

from shardis.native import HashTable, KeyTable, SetTable, key_hash_slot

from tests.stats import chi2_critical, chi2_of

CRIT = chi2_critical(999)


def keys(n, prefix=b"key:"):
    return [prefix + b"%012d" % i for i in range(n)]


def test_critical_value():
    assert 1195 < CRIT < 1210


def test_random_key_uniform():
    t = KeyTable()
    pop = keys(1000)
    for k in pop:
        t[k] = b"v"
    score = chi2_of(t.random_key, pop)
    assert score < CRIT, score


def test_random_key_uniform_after_deletions():
    t = KeyTable()
    for k in keys(20_000):
        t[k] = b"v"
    pop = keys(20_000)[::20]
    keep = set(pop)
    for k in keys(20_000):
        if k not in keep:
            del t[k]
    assert len(t) == 1000
    score = chi2_of(t.random_key, pop)
    assert score < CRIT, score


def test_random_key_uniform_during_shrink():
    # 14,000 keys in 2,048 buckets; deleting down to 1,791 starts a shrink to 512
    # buckets; 300 more deletions move about 300 chains, so draws span both tables.
    t = KeyTable()
    all_keys = keys(14_000)
    for k in all_keys:
        t[k] = b"v"
    while t.rehash_step(1000):
        pass
    n = len(all_keys)
    while not t.stats()["rehashing"]:
        n -= 1
        del t[all_keys[n]]
    for _ in range(300):
        n -= 1
        del t[all_keys[n]]
    assert t.stats()["rehashing"] and len(t) == n
    score = chi2_of(t.random_key, all_keys[:n])
    assert t.stats()["rehashing"]
    assert score < chi2_critical(n - 1), (score, n)


def test_random_key_uniform_during_growth():
    t = KeyTable()
    i = 0
    while True:                      # stop right after a doubling starts
        t[b"g%d" % i] = b"v"
        i += 1
        if t.stats()["rehashing"] and i > 800:
            break
    pop = [b"g%d" % j for j in range(i)]
    counts = len(pop)
    score = chi2_of(t.random_key, pop)
    assert t.stats()["rehashing"]
    assert score < chi2_critical(counts - 1), (score, counts)


def test_random_volatile_uniform():
    t = KeyTable()
    pop = []
    for i, k in enumerate(keys(3000)):
        t[k] = b"v"
        if i % 3 == 1:
            t.set_expire(k, 10**13 + i)
            pop.append(k)
    assert t.volatile_count() == 1000
    score = chi2_of(t.random_volatile, pop)
    assert score < CRIT, score


def test_sample_uniform():
    t = KeyTable()
    pop = keys(1000)
    for k in pop:
        t[k] = b"v"
    draws = []

    def draw():
        if not draws:
            draws.extend(k for k, _, _ in t.sample(5))
        return draws.pop()
    score = chi2_of(draw, pop)
    assert score < CRIT, score


@pytest.mark.parametrize("tagged", [False, True])
def test_slots_random_uniform(tagged):
    # Keys spread over slots unevenly (tags put 300 keys in one slot): the Fenwick pick
    # weights slots by their counts, so every key stays equally likely.
    t = KeyTable(slots=True)
    pop = [b"{hot}%d" % i if tagged and i < 300 else b"k%d" % i for i in range(1000)]
    for k in pop:
        t[k] = b"v"
    if tagged:
        assert t.count_in_slot(key_hash_slot(b"hot")) == 300
    score = chi2_of(t.random_key, pop)
    assert score < CRIT, score
    for k in pop[::2]:
        t.set_expire(k, 5)
    score = chi2_of(t.random_volatile, pop[::2])
    assert score < chi2_critical(499), score


def test_hash_and_set_random_uniform():
    h, s = HashTable(), SetTable()
    pop = keys(1000, b"f")
    for k in pop:
        h[k] = b"v" * 100
        s.add(k)
    assert chi2_of(h.random_key, pop) < CRIT
    assert chi2_of(s.random_key, pop) < CRIT
    assert chi2_of(lambda: h.random_item()[0], pop) < CRIT
