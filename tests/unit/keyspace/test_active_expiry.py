"""Active expiry by sampling the key table's volatile keys, driven without a network server."""
import random

from shardis.keyspace.db import Database
from shardis.keyspace import expiry
from shardis.keyspace.expiry import active_expire_cycle


class Ctx:
    def __init__(self):
        self.now_ms = 1_000_000
        self.stat_keyspace_hits = self.stat_keyspace_misses = self.stat_expiredkeys = 0
        self.stat_expired_stale_perc = 0.0
        self.stat_expired_time_cap_reached_count = 0
        self.stat_expire_cycle_time_used = 0
        self.expire_keys_allowed = True
        self.active_expire_enabled = True
        self.expire_fast_pending = False
        self.no_touch = False
        self.hz = 10
        self.events = []
        self.dbs = []
        self.ready_keys = []
        self.notify_on = True

    def notify(self, db, cls, event, key):
        self.events.append((event, key))

    def propagate_expire(self, db, key):
        pass

    def touch_watched(self, db, key):
        pass


def make(ndbs=1):
    ctx = Ctx()
    ctx.dbs = [Database(i, ctx) for i in range(ndbs)]
    return ctx, ctx.dbs[0]


def volatile(db, n, ttl, prefix=b"k"):
    for i in range(n):
        k = prefix + b"%d" % i
        db.set(k, b"v")
        db.set_expire(k, db.ctx.now_ms + ttl)


def test_all_due_keys_go_in_one_cycle_and_live_ones_stay():
    ctx, db = make()
    volatile(db, 3000, 50)
    volatile(db, 500, 10 ** 9, b"live")
    for i in range(200):
        db.set(b"plain%d" % i, b"v")
    ctx.now_ms += 100
    active_expire_cycle(ctx)
    # samples stop once at most 10% of one comes back expired, so what is
    # left is a minority of the volatile keys (a 20-key sample with 2 or
    # fewer expired while 2/3 of them are has a chance of ~1e-7)
    left = db.volatile_count() - 500
    assert left < 1000
    assert all(db.get_expire(b"live%d" % i) for i in range(500))
    assert all(b"plain%d" % i in db.data for i in range(200))
    assert ctx.stat_expiredkeys == 3000 - left
    assert {e for e, _ in ctx.events} == {"expired"}
    # later cycles find the rest
    for _ in range(300):
        ctx.now_ms += 100
        active_expire_cycle(ctx)
        if db.volatile_count() == 500:
            break
    assert db.volatile_count() == 500 and len(db) == 700


def test_only_due_keys_under_mixed_deadlines():
    ctx, db = make()
    rng = random.Random(5)
    deadlines = {}
    for i in range(5000):
        k = b"k%d" % i
        db.set(k, b"v")
        d = ctx.now_ms + rng.choice([50, 500, 5000, 60_000, 4_000_000])
        db.set_expire(k, d)
        deadlines[k] = d
    for _ in range(100):
        ctx.now_ms += 100
        active_expire_cycle(ctx)
        for k in db.data.keys():
            assert k in deadlines
        live = {k for k, d in deadlines.items() if d > ctx.now_ms}
        present = set(db.data.keys())
        assert live <= present                       # nothing live is ever removed
    assert len(present - live) <= 0.25 * len(present)   # few expired linger


def test_time_limit_and_statistics():
    ctx, db = make()
    for i in range(200_000):
        k = b"k%d" % i
        db.data[k] = b"v"
        db.set_expire(k, ctx.now_ms + 1)
    ctx.now_ms += 1000
    assert active_expire_cycle(ctx, 0.002)         # stopped on its time: more to do
    assert ctx.stat_expired_time_cap_reached_count == 1
    assert 0 < ctx.stat_expiredkeys < 200_000
    assert ctx.stat_expired_stale_perc > 0.04       # the running average moved up
    for _ in range(1000):
        if not active_expire_cycle(ctx, 0.05):
            break
    assert not len(db.data)
    assert db.avg_ttl == 0


def test_avg_ttl_estimate():
    ctx, db = make()
    volatile(db, 1000, 100_000)
    for _ in range(200):
        active_expire_cycle(ctx)
    assert 90_000 < db.avg_ttl <= 100_000


def test_disabled_and_replica():
    ctx, db = make()
    db.set(b"a", b"v")
    db.set_expire(b"a", ctx.now_ms + 1)
    ctx.now_ms += 10
    expiry.set_active(ctx, False)
    active_expire_cycle(ctx)
    assert b"a" in db.data
    expiry.set_active(ctx, True)
    ctx.expire_keys_allowed = False
    active_expire_cycle(ctx)
    assert b"a" in db.data
    assert db.lookup_read(b"a") is None and b"a" in db.data   # read as gone, kept
    ctx.expire_keys_allowed = True
    active_expire_cycle(ctx)
    assert b"a" not in db.data


def test_every_database_and_flush():
    ctx, db = make(3)
    for d in ctx.dbs:
        volatile(d, 100, 5)
    ctx.now_ms += 10
    active_expire_cycle(ctx)
    assert all(len(d) == 0 for d in ctx.dbs)
    volatile(db, 10, 5)
    db.clear()
    assert db.volatile_count() == 0 and len(db) == 0


def test_fast_path_without_listeners():
    ctx, db = make()
    ctx.notify_on = False
    volatile(db, 1000, 5)
    ctx.now_ms += 300
    active_expire_cycle(ctx)
    assert not len(db.data) and not db.volatile_count()
    assert ctx.stat_expiredkeys == 1000 and ctx.events == []
