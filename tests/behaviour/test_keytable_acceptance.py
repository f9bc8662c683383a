"""Acceptance tests of issue 11 ("the key table"), on shardis and on redis-server.

- RANDOMKEY is uniform: 50,000 draws over 1,000 keys, Pearson's chi-square
  statistic (999 degrees of freedom) below the critical value at p = 1e-5.
  Asserted on shardis only; redis-server's figure is printed for comparison
  (its RANDOMKEY is known to be biased, bucket-first sampling).
- The SCAN guarantee: every key present for the whole iteration is returned,
  while between every two SCAN calls other keys are added and deleted in
  thousands, enough to make the table grow (past a million keys) and shrink
  back (to the 200,000 kept) while the cursor is in the middle of it.
  redis-server runs it too, as the oracle; there DEBUG HTSTATS confirms that
  its table did grow and shrink during the iteration.

Every loop is bounded in count and in time. Run with -s to see the figures.
"""
import collections
import re
import time

import pytest

from tests.resp_client import RawClient, RespError
from tests.stats import chi2_critical


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _client(proc):
    return RawClient(proc.port, timeout=60.0)


def _pipeline(c, commands):
    """Send encoded commands at once, return the parsed replies."""
    c.send_raw(b"".join(commands))
    out = []
    for _ in commands:
        _, v = c.read()
        out.append(v)
    return out


def _mset_commands(keys, chunk=1000):
    cmds = []
    for i in range(0, len(keys), chunk):
        args = [b"MSET"]
        for k in keys[i:i + chunk]:
            args += [k, b"v"]
        cmds.append(RawClient.encode(args))
    return cmds


def _del_commands(keys, chunk=1000):
    return [RawClient.encode([b"DEL", *keys[i:i + chunk]]) for i in range(0, len(keys), chunk)]


def _check_ok(replies):
    for r in replies:
        assert not isinstance(r, RespError), r


# ---------------------------------------------------------------------------
# a. RANDOMKEY uniformity
# ---------------------------------------------------------------------------

RK_KEYS = 1000
RK_DRAWS = 50_000
RK_BATCH = 1000
RK_P = 1e-5


def randomkey_chi2(proc, time_limit=60.0):
    c = _client(proc)
    try:
        c.call("FLUSHALL")
        keys = [b"rk:%04d" % i for i in range(RK_KEYS)]
        _check_ok(_pipeline(c, _mset_commands(keys)))
        _, n = c.call("DBSIZE")
        assert n == RK_KEYS
        counts = collections.Counter()
        batch = [RawClient.encode([b"RANDOMKEY"])] * RK_BATCH
        deadline = time.monotonic() + time_limit
        for _ in range(RK_DRAWS // RK_BATCH):
            assert time.monotonic() < deadline, "RANDOMKEY draws took over %.0f s" % time_limit
            counts.update(_pipeline(c, batch))
        c.call("FLUSHALL")
    finally:
        c.close()
    assert set(counts) <= set(keys), "RANDOMKEY returned a key that does not exist"
    assert sum(counts.values()) == RK_DRAWS
    expected = RK_DRAWS / RK_KEYS
    drawn = [counts.get(k, 0) for k in keys]
    stat = sum((o - expected) ** 2 / expected for o in drawn)
    return stat, drawn


def test_randomkey_uniform(redis_proc, shardis_proc):
    crit = chi2_critical(RK_KEYS - 1, RK_P)
    t0 = time.monotonic()
    r_stat, r_drawn = randomkey_chi2(redis_proc)
    t1 = time.monotonic()
    s_stat, s_drawn = randomkey_chi2(shardis_proc)
    t2 = time.monotonic()
    print("\nRANDOMKEY chi-square, %d draws over %d keys (df %d, critical %.1f at p=%g):"
          % (RK_DRAWS, RK_KEYS, RK_KEYS - 1, crit, RK_P))
    print("  redis-server %.1f (min %d, max %d draws of one key; %.1f s)"
          % (r_stat, min(r_drawn), max(r_drawn), t1 - t0))
    print("  shardis      %.1f (min %d, max %d draws of one key; %.1f s)"
          % (s_stat, min(s_drawn), max(s_drawn), t2 - t1))
    assert s_stat < crit, ("shardis RANDOMKEY is not uniform: chi-square %.1f >= %.1f "
                           "(redis-server %.1f)" % (s_stat, crit, r_stat))


# ---------------------------------------------------------------------------
# b. the SCAN guarantee while the table grows and shrinks
# ---------------------------------------------------------------------------

SCAN_KEEP = 200_000          # "orig:" keys, present for the whole iteration
SCAN_COUNT = 100
CHURN_START = 20             # churn begins after this many SCAN calls
GROW = (6000, 500)           # (added, deleted) per call while growing
SHRINK = (500, 6000)         # (added, deleted) per call while shrinking
STEADY = (50, 50)            # afterwards, until the iteration ends (a pool of STEADY_POOL)
STEADY_POOL = 2000
CHURN_PEAK = 1_050_000       # churn keys at the top. With the 200,000 kept: >= 848,576
                             # makes redis's dict 2^21 buckets (shrunk again below 10%
                             # fill: 200,000 < 209,715); > 992,755 makes KeyTable 2^18
                             # buckets (shrunk below 7/8 a bucket: 200,000 < 229,376)
MAX_CALLS = 100_000
TIME_LIMIT = 120.0


def _redis_table_sizes(c):
    _, text = c.call("DEBUG", "HTSTATS", "0")
    text = text.decode() if isinstance(text, bytes) else str(text)
    main = text.split("[Expires HT]")[0]
    return [int(x) for x in re.findall(r"table size: (\d+)", main)]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["redis", "shardis"])
def test_scan_guarantee_while_table_grows_and_shrinks(kind, request):
    proc = request.getfixturevalue(kind + "_proc")
    c = _client(proc)
    t_start = time.monotonic()
    try:
        c.call("FLUSHALL")
        orig = [b"orig:%d" % i for i in range(SCAN_KEEP)]
        _check_ok(_pipeline(c, _mset_commands(orig)))
        _, n = c.call("DBSIZE")
        assert n == SCAN_KEEP
        sizes_start = _redis_table_sizes(c) if kind == "redis" else None
        t_loaded = time.monotonic()

        churn = collections.deque()     # churn key numbers present, oldest first
        next_id = 0
        phase = "wait"
        peak = 0
        peak_sizes = []
        seen = set()
        cursor = b"0"
        calls = 0
        deadline = time.monotonic() + TIME_LIMIT
        while True:
            assert calls < MAX_CALLS, "SCAN did not finish in %d calls" % MAX_CALLS
            assert time.monotonic() < deadline, "SCAN did not finish in %.0f s" % TIME_LIMIT
            _, reply = c.call("SCAN", cursor, "COUNT", SCAN_COUNT)
            assert not isinstance(reply, RespError), reply
            cursor, keys = reply
            calls += 1
            seen.update(k for k in keys if k.startswith(b"orig:"))
            if cursor == b"0":
                break
            # churn between this call and the next
            if phase == "wait" and calls >= CHURN_START:
                phase = "grow"
            if phase == "grow" and len(churn) >= CHURN_PEAK:
                phase = "shrink"
                peak = len(churn)
                if kind == "redis":
                    peak_sizes = _redis_table_sizes(c)
            if phase == "shrink" and not churn:
                phase = "steady"
            adds, dels = {"wait": (0, 0), "grow": GROW, "shrink": SHRINK,
                          "steady": STEADY}[phase]
            if phase == "shrink":
                dels = min(dels, len(churn) + adds)
            elif phase == "steady":
                dels = min(dels, max(0, len(churn) + adds - STEADY_POOL))
            new = range(next_id, next_id + adds)
            next_id += adds
            churn.extend(new)
            gone = [churn.popleft() for _ in range(min(dels, len(churn)))]
            cmds = _mset_commands([b"churn:%d" % i for i in new])
            cmds += _del_commands([b"churn:%d" % i for i in gone])
            if cmds:
                _check_ok(_pipeline(c, cmds))
        t_end = time.monotonic()
        _, n = c.call("DBSIZE")
        sizes_end = _redis_table_sizes(c) if kind == "redis" else None
        c.call("FLUSHALL")
    finally:
        c.close()
    missing = SCAN_KEEP - len(seen)
    print("\n%s: SCAN COUNT %d, %d calls, churn peak %d keys, %d churn keys made, phase at the "
          "end %s; load %.1f s, iteration %.1f s; %d of %d kept keys missing"
          % (kind, SCAN_COUNT, calls, peak, next_id, phase, t_loaded - t_start,
             t_end - t_loaded, missing, SCAN_KEEP))
    if kind == "redis":
        print("  redis dict sizes: start %s, at the peak %s, at the end %s"
              % (sizes_start, peak_sizes, sizes_end))
    assert missing == 0, "%d keys present throughout were never returned, e.g. %r" % (
        missing, sorted(set(orig) - seen)[:5])
    # the churn must have happened during the iteration, not after it
    assert phase == "steady", "the iteration ended in phase %r, before the table shrank" % phase
    assert n == SCAN_KEEP + len(churn)
    if kind == "redis":
        assert max(peak_sizes) >= 4 * max(sizes_start), "redis's dict did not grow"
        assert min(sizes_end) < max(peak_sizes), "redis's dict did not shrink"
