"""Active expiry: reclaim keys whose deadline passed and that nobody touches.

The key table keeps its keys with a deadline in a second, samplable index
(KeyTable.sample(n, volatile=True): distinct entries, uniformly at random),
so active expiry works as Redis's activeExpireCycle does: per database, take
20 random keys with a deadline, expire the ones that are due (through
``Database.expire_now``, the one way a key expires: event, propagation,
WATCH, blocked clients), and take another 20 while more than 10% of a sample
was expired. What is left is a small share of expired keys that nobody reads,
which lookups treat as gone and later samples find.

Time: the cron's cycle (the slow one) may use up to 25% of a cron period
(25 ms at hz 10), checked every loop; it only runs that long while samples keep
coming back mostly expired. When a cycle ends on its time limit, or the
running estimate of expired keys among those sampled stays above 10%, fast
cycles of 1 ms run every ~2 ms between cron ticks until it drops.

Statistics, as INFO reports them: ``stat_expired_stale_perc`` (a running
average of the expired share of samples), ``stat_expired_time_cap_reached_count``
(cycles stopped by the time limit), ``stat_expire_cycle_time_used`` (µs), and
``db.avg_ttl`` (a running average of the remaining TTL of sampled live keys).

This replaced a hierarchical timing wheel (one Python list slot per key with a
deadline, ~8 bytes a key plus over-allocation, and a re-filing pass per key),
which the dict-based keyspace needed because a dict cannot be sampled.
"""
import time

KEYS_PER_LOOP = 20
ACCEPTABLE_STALE = 0.10
FAST_DURATION = 0.001
SLOW_SHARE = 0.25
_perf = time.perf_counter


def set_active(server, on):
    """DEBUG SET-ACTIVE-EXPIRE."""
    server.active_expire_enabled = bool(on)


def setup(server):
    server.active_expire_enabled = True
    server.expire_fast_pending = False
    server.cron_handlers.append(active_expire_cycle)


def _fast_cycle(server):
    """Redis's fast cycle: 1 ms of expiry between the cron ticks while the
    expired share stays high."""
    server.expire_fast_pending = False
    server.clock_ms()
    if active_expire_cycle(server, FAST_DURATION):
        _schedule_fast(server)
    if server.ready_keys:
        server.handle_ready_keys()     # clients blocked on keys it deleted


def _schedule_fast(server):
    loop = getattr(server, "loop", None)
    if loop is not None and not server.expire_fast_pending:
        server.expire_fast_pending = True
        loop.call_later(2 * FAST_DURATION, _fast_cycle, server)


def expire_db(db, now, stop_at):
    """Sample ``db``'s keys with a deadline until a sample is mostly live or
    ``stop_at`` (perf_counter) passes. Returns (examined, expired, capped)."""
    data = db.data
    examined = expired = 0
    ttl_sum = ttl_n = 0
    capped = False
    while data.volatile_count():
        sample = data.sample(KEYS_PER_LOOP, True)
        n = len(sample)
        e = 0
        for key, when, _ in sample:
            if when <= now:
                if db.expire_now(key):
                    e += 1
            else:
                ttl_sum += when - now
                ttl_n += 1
        examined += n
        expired += e
        if e <= n * ACCEPTABLE_STALE:
            break
        if _perf() > stop_at:
            capped = True
            break
    if ttl_n:
        # the running average Redis keeps: each cycle's mean weighs 2%
        avg = ttl_sum / ttl_n
        db.avg_ttl = avg if not db.avg_ttl else db.avg_ttl * 0.98 + avg * 0.02
    elif not data.volatile_count():
        db.avg_ttl = 0
    return examined, expired, capped


def active_expire_cycle(server, duration=None):
    """One cycle over all databases (the slow one from cron unless
    ``duration`` is given). Returns True when a fast cycle should follow."""
    if not server.active_expire_enabled or not server.expire_keys_allowed:
        return False
    if duration is None:
        duration = SLOW_SHARE / max(getattr(server, "hz", 10), 1)
    now = server.now_ms
    t0 = _perf()
    stop_at = t0 + duration
    examined = expired = 0
    capped = False
    for db in server.dbs:
        if not db.data.volatile_count():
            if db.avg_ttl:
                db.avg_ttl = 0
            continue
        n, e, capped = expire_db(db, now, stop_at)
        examined += n
        expired += e
        if capped:
            break
    server.stat_expire_cycle_time_used += int((_perf() - t0) * 1000000)
    if examined:
        server.stat_expired_stale_perc = (expired / examined) * 0.05 + \
            server.stat_expired_stale_perc * 0.95
    if capped:
        server.stat_expired_time_cap_reached_count += 1
    backlog = capped or server.stat_expired_stale_perc > ACCEPTABLE_STALE
    if backlog and duration > FAST_DURATION:
        _schedule_fast(server)
    return backlog and examined > 0
