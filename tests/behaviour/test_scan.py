"""SCAN: full iterations compared with redis-server as sets, options and errors,
and the guarantee under concurrent mutation."""
import random


def full_scan(client, *opts, mutate=None):
    cur = b"0"
    seen = []
    calls = 0
    while True:
        cur, keys = client("SCAN", cur, *opts)
        seen.extend(keys)
        calls += 1
        if mutate:
            mutate(calls)
        if cur == b"0":
            return seen, calls


def _fill(diff, n=500):
    for i in range(0, n, 50):
        args = []
        for j in range(i, i + 50):
            args += ["key:%d" % j, str(j)]
        diff("MSET", *args)


def test_scan_full_iteration_matches(diff):
    _fill(diff)
    for opts in [(), ("COUNT", "3"), ("COUNT", "1000"), ("MATCH", "key:1*"),
                 ("MATCH", "*5", "COUNT", "20"), ("MATCH", "nomatch*")]:
        r, _ = full_scan(diff.r, *opts)
        s, _ = full_scan(diff.s, *opts)
        assert sorted(s) == sorted(r), opts
        assert len(s) == len(set(s))


def test_scan_type_filter(diff):
    diff("SET", "s1", "x")
    diff("SET", "s2", "y")
    diff("RPUSH", "l1", "a")
    diff("HSET", "h1", "f", "v")
    for t in ["string", "list", "hash", "STRING", "set", "zset", "stream", "nosuchtype"]:
        r, _ = full_scan(diff.r, "TYPE", t, "COUNT", "100")
        s, _ = full_scan(diff.s, "TYPE", t, "COUNT", "100")
        assert sorted(s) == sorted(r), t


def test_scan_empty_and_cursor_forms(diff):
    diff("SCAN", "0")
    diff("SCAN", "")
    diff("SCAN", "+0")
    diff("SCAN", "-0")
    diff.error("SCAN", "abc")
    diff.error("SCAN", " 0")
    diff.error("SCAN", "0 ")
    diff.error("SCAN", "18446744073709551616")
    diff.error("SCAN", "-")
    diff.error("SCAN", "1.5")


def test_scan_option_errors(diff):
    diff.error("SCAN", "0", "COUNT", "0")
    diff.error("SCAN", "0", "COUNT", "-1")
    diff.error("SCAN", "0", "COUNT", "x")
    diff.error("SCAN", "0", "COUNT")
    diff.error("SCAN", "0", "MATCH")
    diff.error("SCAN", "0", "TYPE")
    diff.error("SCAN", "0", "FOO", "bar")
    diff.error("SCAN", "0", "MATCH", "*", "COUNT")
    diff.error("SCAN", "abc", "COUNT", "0")
    diff("SCAN", "0", "match", "*", "count", "5", "type", "string")
    diff.error("SCAN")


def test_scan_skips_and_expires_expired_keys(diff):
    diff("SET", "a", "1", "PX", "1")
    diff("SET", "b", "1")
    import time
    time.sleep(0.01)
    r, _ = full_scan(diff.r, "COUNT", "100")
    s, _ = full_scan(diff.s, "COUNT", "100")
    assert sorted(r) == sorted(s) == [b"b"]


def test_scan_guarantee_under_mutation(ours):
    """Keys present for the whole iteration are all returned, while other keys
    are added and deleted between the calls (forcing index growth and shrink)."""
    rng = random.Random(3)
    stable = ["stable:%d" % i for i in range(400)]
    for i in range(0, 400, 100):
        args = []
        for k in stable[i:i + 100]:
            args += [k, "v"]
        ours("MSET", *args)
    extra = []

    def mutate(n):
        adds = ["tmp:%d:%d" % (n, j) for j in range(rng.randint(0, 80))]
        if adds:
            args = []
            for k in adds:
                args += [k, "v"]
            ours("MSET", *args)
            extra.extend(adds)
        rng.shuffle(extra)
        victims = extra[:rng.randint(0, 120)]
        del extra[:len(victims)]
        if victims:
            ours("DEL", *victims)
        if n % 5 == 0:
            ours("SET", "exp:%d" % n, "v", "PX", "1")

    seen, calls = full_scan(ours, "COUNT", "7", mutate=mutate)
    assert set(stable) <= {k.decode() for k in seen}
    assert calls > 10


def test_scan_cursor_is_resumable_across_resize(ours):
    for i in range(0, 2000, 200):
        args = []
        for j in range(i, i + 200):
            args += ["k%d" % j, "v"]
        ours("MSET", *args)
    cur, first = ours("SCAN", "0", "COUNT", "5")
    # grow and shrink the keyspace a lot, then continue with the old cursor
    for i in range(0, 6000, 500):
        args = []
        for j in range(i, i + 500):
            args += ["g%d" % j, "v"]
        ours("MSET", *args)
    for i in range(0, 6000, 500):
        ours("DEL", *["g%d" % j for j in range(i, i + 500)])
    seen = list(first)
    while cur != b"0":
        cur, keys = ours("SCAN", cur, "COUNT", "50")
        seen.extend(keys)
    assert {b"k%d" % j for j in range(2000)} <= set(seen)


def test_scan_per_db(diff):
    diff("SET", "a", "1")
    diff("SELECT", "5")
    diff("SET", "b", "1")
    diff("SCAN", "0")
    diff("SWAPDB", "0", "5")
    diff("SCAN", "0")
    diff("FLUSHDB")
    diff("SCAN", "0")


def test_scan_large_db_first_build(ours):
    """The first SCAN of a big database builds the index in slices: pages may
    be empty (cursor 1) meanwhile, and the iteration still returns every key
    present throughout, while keys are added and deleted."""
    n = 60000
    for i in range(0, n, 2000):
        args = []
        for j in range(i, i + 2000):
            args += ["big:%d" % j, "v"]
        ours("MSET", *args)
    ours("SET", "", "empty key")
    for _ in range(3):      # RANDOMKEY works while the index is being built
        k = ours("RANDOMKEY")
        assert k == b"" or k.startswith(b"big:")
    cur, keys = ours("SCAN", "0", "COUNT", "100")
    assert cur != b"0"
    if not keys or keys == [b""]:
        assert cur == b"1"
    seen = set(keys)
    k = 0
    while cur != b"0":
        cur, keys = ours("SCAN", cur, "COUNT", "1000")
        seen.update(keys)
        k += 1
        ours("SET", "added:%d" % k, "v")
        ours("DEL", "big:%d" % (k * 13 % 500))      # deletes only among big:0..499
    assert {b"big:%d" % j for j in range(500, n)} <= seen
    assert b"" in seen
