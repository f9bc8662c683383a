"""The hashtable encodings of hashes and sets (the compiled HashTable and SetTable):
HSCAN/SSCAN's guarantee while the table grows and shrinks between calls, the same
churn run on redis-server; uniform HRANDFIELD/SRANDMEMBER draws (chi-square); SPOP
draining exactly the members."""
import pytest

from tests.resp_client import RespError
from tests.stats import chi2, chi2_critical

MAX_CALLS = 20_000              # bound on the SCAN calls of one iteration


# -- HSCAN / SSCAN while the table is resized between calls ---------------------------------

def _scan_with_churn(client, cmd, key):
    """One full iteration, COUNT 50, of a hashtable hash/set holding 3,000 stable
    elements and 6,000 temporary ones. Between calls: the first 10 calls add 2,000 new
    elements each (the table grows to 29,000 elements), the next 26 remove 1,000 each
    (every temporary and new one: it shrinks to the 3,000 stable ones). Returns the
    elements returned, the number of calls and the final size."""
    add = "HSET" if cmd == "HSCAN" else "SADD"
    rem = "HDEL" if cmd == "HSCAN" else "SREM"
    pair = cmd == "HSCAN"

    def put(names):
        for i in range(0, len(names), 1000):
            chunk = names[i:i + 1000]
            args = [x for n in chunk for x in (n, "v:" + n)] if pair else chunk
            client(add, key, *args)

    put(["stable:%d" % i for i in range(3000)])
    put(["temp:%d" % i for i in range(6000)])
    doomed = ["temp:%d" % i for i in range(6000)] + ["new:%d" % i for i in range(20_000)]
    cursor, seen, calls = b"0", [], 0
    while calls < MAX_CALLS:
        cursor, items = client(cmd, key, cursor, "COUNT", "50")
        if pair:
            assert all(v == b"v:" + f for f, v in zip(items[0::2], items[1::2])), items[:6]
            items = items[0::2]
        seen.extend(items)
        calls += 1
        if calls <= 10:
            put(["new:%d" % i for i in range((calls - 1) * 2000, calls * 2000)])
        elif doomed:
            client(rem, key, *doomed[:1000])
            del doomed[:1000]
        if cursor == b"0":
            break
    size = client("HLEN" if pair else "SCARD", key)
    return seen, calls, size


@pytest.mark.parametrize("cmd", ["HSCAN", "SSCAN"])
def test_scan_returns_every_element_present_throughout(diff2, cmd):
    stable = {b"stable:%d" % i for i in range(3000)}
    ever = stable | {b"temp:%d" % i for i in range(6000)} | {b"new:%d" % i for i in range(20_000)}
    results = {}
    for name, client in (("redis", diff2.r), ("shardis", diff2.s)):
        seen, calls, size = _scan_with_churn(client, cmd, "k")
        missing = stable - set(seen)
        assert not missing, (name, len(missing), sorted(missing)[:5])
        assert set(seen) <= ever, name
        # the churn really spanned growth and shrink: both servers ran past call 36
        assert calls > 36 and calls < MAX_CALLS, (name, calls)
        results[name] = size
    assert results["shardis"] == results["redis"] == 3000
    diff2("OBJECT", "ENCODING", "k")
    # a settled table: one iteration returns each element exactly once, as Redis
    seen_r, _, _ = _plain_scan(diff2.r, cmd)
    seen_s, _, _ = _plain_scan(diff2.s, cmd)
    assert sorted(seen_s) == sorted(seen_r) and len(set(seen_s)) == len(seen_s)


def _plain_scan(client, cmd, *opts):
    cursor, seen, calls = b"0", [], 0
    while calls < MAX_CALLS:
        cursor, items = client(cmd, "k", cursor, *opts)
        seen.extend(items)
        calls += 1
        if cursor == b"0":
            return seen, calls, cursor
    raise AssertionError("no end of iteration")


@pytest.mark.parametrize("cmd", ["HSCAN", "SSCAN"])
def test_scan_count_and_match_on_a_hashtable(diff2, cmd):
    if cmd == "HSCAN":
        for i in range(0, 2000, 500):
            diff2("HSET", "k", *[x for j in range(i, i + 500) for x in ("f:%d" % j, "v%d" % j)])
    else:
        for i in range(0, 2000, 500):
            diff2("SADD", "k", *["f:%d" % j for j in range(i, i + 500)])
    diff2("OBJECT", "ENCODING", "k")
    # a COUNT above the size: everything in one call, as Redis (cursor 0)
    for count in ("100000", "9223372036854775807"):
        r = diff2.r(cmd, "k", "0", "COUNT", count)
        s = diff2.s(cmd, "k", "0", "COUNT", count)
        assert s[0] == r[0] == b"0" and sorted(s[1]) == sorted(r[1]), count
    # small pages and MATCH: the same elements over a whole iteration
    for opts in (("COUNT", "1"), ("COUNT", "7", "MATCH", "f:1*"), ("MATCH", "*99")):
        seen_r, _, _ = _plain_scan(diff2.r, cmd, *opts)
        seen_s, calls, _ = _plain_scan(diff2.s, cmd, *opts)
        assert sorted(seen_s) == sorted(seen_r), opts
    # a cursor past the table's size wraps onto a valid position, never an error
    cur, items = diff2.s(cmd, "k", "18446744073709551615")
    assert isinstance(items, list) and not isinstance(cur, RespError)


# -- uniformity of HRANDFIELD / SRANDMEMBER --------------------------------------------------

N_MEMBERS = 300
CRIT = chi2_critical(N_MEMBERS - 1)


def _fill(ours, kind):
    names = ["member:%d" % i for i in range(N_MEMBERS)]
    if kind == "hash":      # values past hash-max-listpack-value (64): a hashtable
        ours("HSET", "k", *[x for n in names for x in (n, value(n))])
    else:
        ours("SADD", "k", *names)
    assert ours("OBJECT", "ENCODING", "k") == b"hashtable"
    return {n.encode(): i for i, n in enumerate(names)}


def value(field):
    return "value:%s:%s" % (field, "v" * 64)


def _pipelined(ours, args, n):
    """n replies of the same command, pipelined in batches of 500."""
    out = []
    while len(out) < n:
        k = min(500, n - len(out))
        for _ in range(k):
            ours.send(*args)
        out.extend(ours.read()[1] for _ in range(k))
    return out


@pytest.mark.parametrize("kind", ["hash", "set"])
def test_random_draws_are_uniform(ours, kind):
    index = _fill(ours, kind)
    cmd = "HRANDFIELD" if kind == "hash" else "SRANDMEMBER"
    # with repetition (negative count): 120,000 independent draws, 400 per member
    counts = [0] * N_MEMBERS
    draws = 0
    for _ in range(4):
        for m in ours(cmd, "k", "-30000"):
            counts[index[m]] += 1
            draws += 1
    assert draws == 120_000
    assert chi2(counts, draws / N_MEMBERS) < CRIT, (chi2(counts, draws / N_MEMBERS), CRIT)
    # one draw per call (no count): 30,000 calls, 100 per member
    counts = [0] * N_MEMBERS
    for m in _pipelined(ours, (cmd, "k"), 30_000):
        counts[index[m]] += 1
    assert chi2(counts, 100) < CRIT, (chi2(counts, 100), CRIT)
    # distinct picks (positive count), both strategies: few (rejection) and most of the
    # table (shuffle); each member is included equally often
    for count, calls in ((10, 3000), (200, 150)):
        counts = [0] * N_MEMBERS
        for reply in _pipelined(ours, (cmd, "k", str(count)), calls):
            assert len(reply) == len(set(reply)) == count
            for m in reply:
                counts[index[m]] += 1
        exp = count * calls / N_MEMBERS
        assert chi2(counts, exp) < CRIT, (count, chi2(counts, exp), CRIT)


def test_uniformity_check_can_fail():
    """The statistic rejects a draw that favours a tenth of the members by 20%."""
    import random
    rng = random.Random(5)
    weights = [1.2 if i < N_MEMBERS // 10 else 1.0 for i in range(N_MEMBERS)]
    counts = [0] * N_MEMBERS
    for i in rng.choices(range(N_MEMBERS), weights, k=120_000):
        counts[i] += 1
    assert chi2(counts, 400) > CRIT


def test_hrandfield_withvalues_pairs(ours):
    _fill(ours, "hash")
    for count in ("-500", "7", "250", "1000"):
        flat = ours("HRANDFIELD", "k", count, "WITHVALUES")
        fields, values = flat[0::2], flat[1::2]
        assert all(v == value(f.decode()).encode() for f, v in zip(fields, values))
        if int(count) > 0:
            assert len(fields) == len(set(fields)) == min(int(count), N_MEMBERS)
        else:
            assert len(fields) == 500
    ours("HELLO", "3")
    pairs = ours("HRANDFIELD", "k", "-20", "WITHVALUES")
    assert len(pairs) == 20 and all(p[1] == value(p[0].decode()).encode() for p in pairs)


# -- SPOP ---------------------------------------------------------------------------------

def test_spop_drains_exactly_the_members(diff2):
    members = {b"m:%d" % i for i in range(5000)}
    for d in (diff2.r, diff2.s):
        for i in range(0, 5000, 1000):
            d("SADD", "s", *["m:%d" % j for j in range(i, i + 1000)])
    diff2("OBJECT", "ENCODING", "s")
    for name, d in (("redis", diff2.r), ("shardis", diff2.s)):
        got = []
        for _ in range(300):
            got.append(d("SPOP", "s"))              # one at a time
        for _ in range(20):
            got.extend(d("SPOP", "s", "40"))         # a few at a time
        got.extend(d("SPOP", "s", "3500"))           # most of what is left: a rebuild
        assert d("SCARD", "s") == 5000 - 300 - 800 - 3500
        while len(got) < 5000:
            got.extend(d("SPOP", "s", "333"))
            assert len(got) <= 5000, name
        assert len(got) == len(set(got)) == 5000 and set(got) == members, name
        assert d("EXISTS", "s") == 0 and d("SPOP", "s") is None
