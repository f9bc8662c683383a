"""The active-expiry timing wheel, driven without a network server."""
import random

from shardis.keyspace.db import Database
from shardis.keyspace.expiry import active_expire_cycle, attach


class Ctx:
    def __init__(self):
        self.now_ms = 1_000_000
        self.stat_keyspace_hits = self.stat_keyspace_misses = self.stat_expiredkeys = 0
        self.stat_expired_stale_perc = 0.0
        self.stat_expired_time_cap_reached_count = 0
        self.stat_expire_cycle_time_used = 0
        self.expire_keys_allowed = True
        self.active_expire_enabled = True
        self.expire_box = 0.001
        self.hz = 10
        self.events = []
        self.dbs = []
        self.notify_on = True
        self.extensions = {}

    def notify(self, db, cls, event, key):
        self.events.append((event, key))

    def propagate_expire(self, db, key):
        pass

    def touch_watched(self, db, key):
        pass


def make(n=0):
    ctx = Ctx()
    db = Database(0, ctx)
    ctx.dbs = [db]
    attach(db)
    return ctx, db


def run_until(ctx, t):
    while ctx.now_ms < t:
        ctx.now_ms += 100
        active_expire_cycle(ctx)


def test_reclaims_all_and_only_due_keys():
    ctx, db = make()
    rng = random.Random(5)
    deadlines = {}
    for i in range(5000):
        k = b"k%d" % i
        db.set(k, b"v")
        d = ctx.now_ms + rng.choice([50, 500, 5000, 60_000, 4_000_000, 10 ** 9])
        db.set_expire(k, d)
        deadlines[k] = d
    run_until(ctx, ctx.now_ms + 70_000)
    live = {k for k, d in deadlines.items() if d > ctx.now_ms}
    assert set(db.data) == live
    assert ctx.stat_expiredkeys == 5000 - len(live)
    assert all(e == "expired" for e, _ in ctx.events)


def test_moved_and_removed_deadlines():
    ctx, db = make()
    now = ctx.now_ms
    for k, d in [(b"later", 100), (b"earlier", 10_000), (b"persisted", 100), (b"gone", 100)]:
        db.set(k, b"v")
        db.set_expire(k, now + d)
    db.set_expire(b"later", now + 20_000)       # moved later: re-filed when the old entry matures
    db.set_expire(b"earlier", now + 200)        # moved earlier: filed again
    db.persist(b"persisted")
    db.delete(b"gone")
    run_until(ctx, now + 1_000)
    assert set(db.data) == {b"later", b"persisted"}
    run_until(ctx, now + 21_000)
    assert set(db.data) == {b"persisted"}
    assert db.expiry_state.entries == 0


def test_bulk_loaded_deadlines_are_noticed():
    ctx, db = make()
    for i in range(100):
        db.data[b"k%d" % i] = b"v"
        db.expires[b"k%d" % i] = ctx.now_ms + 10     # behind set_expire's back
    run_until(ctx, ctx.now_ms + 500)
    assert not db.data


def test_time_box_and_adaptive_growth():
    ctx, db = make()
    for i in range(50_000):
        k = b"k%d" % i
        db.data[k] = b"v"
        db.set_expire(k, ctx.now_ms + 1)
    ctx.now_ms += 1000
    active_expire_cycle(ctx)
    assert ctx.stat_expired_time_cap_reached_count == 1
    assert 0 < ctx.stat_expiredkeys < 50_000
    assert ctx.expire_box == 0.002                   # backlog of real expirations: box doubles
    for _ in range(200):
        active_expire_cycle(ctx)
    assert not db.data
    assert ctx.expire_box == 0.001
    assert ctx.stat_expired_stale_perc > 0.2      # running average of the expired share


def test_disabled_and_replica():
    ctx, db = make()
    db.set(b"a", b"v")
    db.set_expire(b"a", ctx.now_ms + 1)
    ctx.active_expire_enabled = False
    run_until(ctx, ctx.now_ms + 500)
    assert b"a" in db.data
    ctx.active_expire_enabled = True
    ctx.expire_keys_allowed = False
    run_until(ctx, ctx.now_ms + 500)
    assert b"a" in db.data
    ctx.expire_keys_allowed = True
    run_until(ctx, ctx.now_ms + 500)
    assert b"a" not in db.data


def test_flush_clears_wheel():
    ctx, db = make()
    db.set(b"a", b"v")
    db.set_expire(b"a", ctx.now_ms + 10)
    db.clear()
    assert db.expiry_state.entries == 0 and not db.expiry_state.heap


def test_fast_path_without_listeners():
    ctx, db = make()
    ctx.notify_on = False
    for i in range(1000):
        db.set(b"k%d" % i, b"v")
        db.set_expire(b"k%d" % i, ctx.now_ms + 5)
    run_until(ctx, ctx.now_ms + 300)
    assert not db.data and not db.expires
    assert ctx.stat_expiredkeys == 1000 and ctx.events == []
