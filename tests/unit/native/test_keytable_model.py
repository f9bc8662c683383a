"""Randomized model test: KeyTable against a dict model, operation by operation.

Every answer is checked: values, deadlines, expiry, access fields where the model
knows them, counts, random keys and samples (members of the model, distinct, right
deadlines), SCAN (every key present for a whole scan is returned, with operations
between the calls), slot counts and slot moves, exact entry bytes. The key universe
swells and shrinks in phases so the table grows, shrinks and rehashes throughout.

SHARDIS_MODEL_OPS sets the number of operations per table mode (default 1,000,000;
make test runs the default); SHARDIS_MODEL_SEED replays a run.
"""
import os
import random
import time

import pytest

from shardis.native import EXPIRED, KeyTable, key_hash_slot, set_clock

OPS = int(os.environ.get("SHARDIS_MODEL_OPS", "1000000"))
SEED = int(os.environ.get("SHARDIS_MODEL_SEED", str(random.randrange(1 << 30))))

PHASES = [(64, 0.7), (4000, 0.8), (40_000, 0.85), (40_000, 0.1), (300, 0.2), (8000, 0.6), (50, 0.1)]



def _canonical_int(v):
    """The int a value holds when it is a canonical int64 string (Redis's string2ll), else None."""
    if v.__class__ is not bytes:
        return None
    try:
        n = int(v)
    except ValueError:
        return None
    return n if b"%d" % n == v and -2**63 <= n < 2**63 else None

class Obj:
    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return isinstance(other, Obj) and other.n == self.n

    __hash__ = None


class Run:
    def __init__(self, rng, slots):
        self.rng = rng
        self.slots = slots
        self.t = KeyTable(slots=slots)
        self.other = KeyTable(slots=slots) if slots else None   # target of slot moves
        self.m = {}          # key -> [value, deadline|None, access|None]
        self.om = {}         # the other table's model
        self.universe = 64
        self.insert_bias = 0.7
        self.now = 1_700_000_000_000
        self.scan = None     # (cursor, must_see, seen)

    # ---- generators
    def key(self):
        r = self.rng.random()
        if r < 0.002:
            return b""
        if r < 0.01:
            return b"L" * 300 + b"%d" % self.rng.randrange(20)
        if r < 0.05:
            return b"{t%d}%d" % (self.rng.randrange(5), self.rng.randrange(self.universe))
        return b"k%d" % self.rng.randrange(self.universe)

    def value(self):
        r = self.rng.random()
        if r < 0.35:
            return b"v%d" % self.rng.randrange(10**6)
        if r < 0.5:
            return b"%d" % self.rng.randrange(-2**63, 2**63)
        if r < 0.55:
            return self.rng.choice([b"0", b"-0", b"007", b"+5", b"9223372036854775808", b" 12"])
        if r < 0.65:
            return b"x" * self.rng.randrange(60, 200)
        if r < 0.7:
            return b""
        if r < 0.8:
            return bytearray(b"ba%d" % self.rng.randrange(100))
        return Obj(self.rng.randrange(1000))

    def existing(self):
        if self.m and self.rng.random() < 0.8:
            return self.rng.choice(list(self.m)) if len(self.m) < 64 else self._pick_existing()
        return self.key()

    def _pick_existing(self):
        for _ in range(8):
            k = self.key()
            if k in self.m:
                return k
        return self.key()

    # ---- bookkeeping for an open scan
    def gone(self, k):
        if self.scan:
            self.scan[1].discard(k)

    # ---- operations
    def op(self):
        rng, t, m = self.rng, self.t, self.m
        r = rng.random()
        if r < 0.30:
            k = self.key() if rng.random() < self.insert_bias else self.existing()
            v = self.value()
            kind = rng.random()
            if kind < 0.5:
                t[k] = v
                old = m.get(k)
                m[k] = [v, None, None]
            elif kind < 0.55:
                old = m.get(k)
                stored = t.set_plain(k, v)
                assert stored is (old is None or old[0].__class__ is bytes), (k, old, v)
                if stored:
                    m[k] = [v, None, None]
            elif kind < 0.6:
                delta = rng.choice([1, -1, 7, 2**62, -2**62])
                old = m.get(k)
                got = t.incr_int(k, delta)
                want = None
                if old is None:
                    want = delta
                    m[k] = [b"%d" % delta, None, None]
                else:
                    cur = _canonical_int(old[0])
                    if cur is not None and -2**63 <= cur + delta < 2**63:
                        want = cur + delta
                        m[k] = [b"%d" % want, old[1], None]
                assert got == want, (k, old, delta, got)
            elif kind < 0.75:
                t.set(k, v, keepttl=True)
                old = m.get(k)
                m[k] = [v, old[1] if old else None, None]
            elif kind < 0.85:
                dl = self.now + rng.randrange(-5000, 50000)
                t.set(k, v, deadline=dl)
                m[k] = [v, dl, None]
            else:
                t.store(k, v)
                old = m.get(k)
                m[k] = [v, old[1], old[2]] if old else [v, None, None]
        elif r < 0.45:
            k = self.existing()
            if rng.random() < 0.5:
                got = t.pop(k, "absent")
                want = m.pop(k)[0] if k in m else "absent"
                assert got == want, (k, got, want)
            elif k in m:
                del t[k]
                del m[k]
            else:
                with pytest.raises(KeyError):
                    del t[k]
            self.gone(k)
        elif r < 0.55:
            k = self.existing()
            dl = self.now + rng.randrange(-5000, 50000)
            assert t.set_expire(k, dl) is (k in m)
            if k in m:
                m[k][1] = dl
        elif r < 0.59:
            k = self.existing()
            had = k in m and m[k][1] is not None
            assert t.persist(k) is had
            if had:
                m[k][1] = None
        elif r < 0.70:
            k = self.existing()
            self.now += rng.randrange(0, 3000)
            got = t.lookup(k, self.now)
            if k not in m:
                assert got is None
            elif m[k][1] is not None and m[k][1] <= self.now:
                assert got is EXPIRED
                if rng.random() < 0.7:       # the caller deletes an expired key
                    assert t.pop(k) == m.pop(k)[0]
                    self.gone(k)
            else:
                assert got == m[k][0]
                m[k][2] = (self.now // 1000) & 0xFFFFFF
        elif r < 0.78:
            k = self.existing()
            if k in m:
                assert t[k] == m[k][0] and t.peek(k) == m[k][0]
                assert k in t and t.get_expire(k) == m[k][1]
                if m[k][2] is not None:
                    assert t.access(k) == m[k][2]
                set_clock(self.now)             # get() stamps the access field with it
                try:
                    assert t.get(k) == m[k][0]
                finally:
                    set_clock(0)
                m[k][2] = (self.now // 1000) & 0xFFFFFF
                if rng.random() < 0.2:
                    a = rng.randrange(1 << 24)
                    t.set_access(k, a)
                    m[k][2] = a
            else:
                assert k not in t and t.get(k) is None and t.peek(k) is None
                with pytest.raises(KeyError):
                    t.get_expire(k)
        elif r < 0.82:
            rk = t.random_key()
            assert (rk in m) if m else rk is None
            rv = t.random_volatile()
            if rv is None:
                assert all(e[1] is None for e in m.values())
            else:
                assert m[rv][1] is not None
        elif r < 0.84:
            n = rng.choice([1, 5, 16, 100])
            vol = rng.random() < 0.5
            s = t.sample(n, volatile=vol)
            pop = sum(1 for e in m.values() if e[1] is not None) if vol else len(m)
            assert len(s) == min(n, pop) and len({k for k, _, _ in s}) == len(s)
            for k, dl, acc in s:
                assert k in m and dl == m[k][1] and (dl is not None or not vol)
                if m[k][2] is not None:
                    assert acc == m[k][2]
        elif r < 0.87 and self.slots:
            self.slot_op()
        elif r < 0.90:
            self.scan_step()
        else:
            pass
        assert len(t) == len(m)

    def slot_op(self):
        rng, t, m = self.rng, self.t, self.m
        k = self.existing()
        s = key_hash_slot(k)
        in_slot = [x for x in m if key_hash_slot(x) == s] if len(m) < 500 or rng.random() < 0.01 else None
        if in_slot is None:
            assert t.count_in_slot(s) >= (1 if k in m else 0)
            return
        assert t.count_in_slot(s) == len(in_slot)
        got = t.keys_in_slot(s, 3)
        assert len(got) == min(3, len(in_slot)) and all(key_hash_slot(x) == s for x in got)
        r = rng.random()
        if r < 0.1:
            assert t.clear_slot(s) == len(in_slot)
            for x in in_slot:
                del m[x]
                self.gone(x)
        elif r < 0.3:
            # migrate the slot to the other table, a few keys per step as MIGRATE does
            while True:
                batch = t.keys_in_slot(s, 4)
                if not batch:
                    break
                for x in batch:
                    dl = t.get_expire(x)
                    v = t.pop(x)
                    self.other.set(x, v, deadline=dl)
                    self.om[x] = m.pop(x)
                    self.gone(x)
            assert t.count_in_slot(s) == 0
            assert self.other.count_in_slot(s) == sum(1 for x in self.om if key_hash_slot(x) == s)
            for x in self.om:
                if key_hash_slot(x) == s:
                    assert self.other[x] == self.om[x][0] and self.other.get_expire(x) == self.om[x][1]

    def scan_step(self):
        t = self.t
        if self.scan is None:
            self.scan = [0, set(self.m), set()]
        cursor, must, seen = self.scan
        cursor, batch = t.scan(cursor, self.rng.choice([1, 10, 100]))
        for k in batch:
            assert k in self.m, k          # a scan returns only keys present now
        seen.update(batch)
        self.scan[0] = cursor
        if cursor == 0:
            missing = must - seen
            assert not missing, list(missing)[:5]
            self.scans_done += 1
            self.scan = None

    scans_done = 0

    def check_bytes(self):
        st = self.t.stats()
        assert st["entry_bytes"] == sum(self.t.entry_bytes(k) for k in self.m)
        assert st["volatile"] == self.t.volatile_count() == sum(1 for e in self.m.values() if e[1] is not None)
        assert sorted(self.t.keys()) == sorted(self.m)

    def run(self, ops):
        phase = 0
        for i in range(ops):
            if i % 20_000 == 0:
                self.universe, self.insert_bias = PHASES[phase % len(PHASES)]
                phase += 1
            self.op()
            if i % 25_000 == 24_999:
                self.check_bytes()
        self.check_bytes()
        items = dict(self.t.items())
        assert items.keys() == self.m.keys()
        assert all(items[k] == e[0] for k, e in self.m.items())
        self.t.clear()
        assert len(self.t) == 0 and self.t.volatile_count() == 0 and self.t.random_key() is None


@pytest.mark.parametrize("slots", [False, True])
def test_model(slots):
    rng = random.Random(SEED + slots)
    run = Run(rng, slots)
    t0 = time.monotonic()
    try:
        run.run(OPS)
    except AssertionError:
        print(f"model test failed: SHARDIS_MODEL_SEED={SEED} SHARDIS_MODEL_OPS={OPS} slots={slots}")
        raise
    print(f"model slots={slots}: {OPS} ops, {run.scans_done} full scans, {time.monotonic() - t0:.1f}s")
    assert run.scans_done > 0
