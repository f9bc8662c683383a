"""Active expiry: reclaim keys whose deadline passed and that nobody touches.

Structure: a hierarchical timing wheel per database (``db.expiry_state``).
Redis samples random keys of its expires table; a Python dict has no random
access, so instead every deadline set through ``Database.set_expire`` drops
the key into a bucket keyed by its deadline:

    level 0: 128 ms slots for deadlines less than ~8 s away,
    level 1: ~8 s slots up to ~9 min, level 2: ~9 min slots up to ~9 h,
    level 3: ~9 h slots up to ~25 days, then ~25-day and ~3-year slots.

A bucket is a plain list of keys (8 bytes a key plus over-allocation); a
min-heap orders the buckets (not the keys) by the time they are due: a 128 ms
bucket once its whole range passed, a coarser one when its range begins (its
keys then move to finer buckets, so a key is reclaimed within ~128 ms),
so far-away and near deadlines both cost one list slot per key and the
number of buckets stays small (at most ~64 per level in use).

Entries are validated lazily: when a bucket is due, each key is checked
against ``db.expires``: gone or persisted keys are dropped (stale), keys whose
deadline passed are expired with ``db.expire_now`` (the 'expired' event,
propagation, stat_expiredkeys), and the others are re-filed (into a finer
level than the bucket's). A new deadline is only filed when the key had no
deadline or the new one is earlier: a later deadline is found when the old
entry comes due. Deadlines
written to ``db.expires`` directly (a bulk load) are noticed when the wheel
holds fewer entries than there are deadlines, and the wheel is refilled.

Per cron tick the cycle is time-boxed (1 ms, checked every 32 keys) and bounded
by a key budget. Like Redis's slow cycle it adapts: when a tick stops on its
time box while most of what it examined was really expired (a backlog), the
next tick's box doubles, up to 25% of the CPU (250 ms a second whatever hz),
and, like Redis's fast cycle, 1 ms cycles run every ~3 ms between the ticks
until the backlog is gone; the box then returns to 1 ms. ``stat_expired_stale_perc`` is
Redis's running estimate of the share of expired keys among those examined;
``stat_expired_time_cap_reached_count`` counts ticks stopped by the box.
"""
import heapq
import time

_SHIFTS = (7, 13, 19, 25, 31, 37)
_SPAN = 64
_BASE_BOX = 0.001
_perf = time.perf_counter


class ExpiryWheel:
    __slots__ = ("buckets", "heap", "entries")

    def __init__(self):
        self.buckets = {}     # bucket id -> list of keys
        self.heap = []        # (end ms, bucket id)
        self.entries = 0

    def clear(self):
        self.buckets = {}
        self.heap = []
        self.entries = 0

    def schedule(self, key, when, old, now):
        """Called by Database.set_expire before it stores ``when``."""
        if old is not None and old <= when:
            return
        self.file(key, when, now)

    def file(self, key, when, now, max_level=len(_SHIFTS) - 1):
        lvl = 0
        for s in _SHIFTS:
            if lvl == max_level or (when >> s) - (now >> s) < _SPAN:
                break
            lvl += 1
        slot = when >> s
        bid = (slot << 3) | lvl
        b = self.buckets.get(bid)
        if b is None:
            self.buckets[bid] = [key]
            # a fine bucket is due once its whole range passed; a coarse one
            # when its range starts (its keys then move to finer buckets)
            due = ((slot + 1) << s) - 1 if lvl == 0 else slot << s
            heapq.heappush(self.heap, (due, bid))
        else:
            b.append(key)
        self.entries += 1

    def due(self, now):
        """Entries in buckets whose whole range has passed."""
        n = 0
        for due, bid in self.heap:
            if due <= now:
                n += len(self.buckets[bid])
        return n


def attach(db):
    if db.expiry_state is None:
        db.expiry_state = ExpiryWheel()
        for k, when in db.expires.items():
            db.expiry_state.file(k, when, db.ctx.now_ms)


def set_active(server, on):
    """DEBUG SET-ACTIVE-EXPIRE."""
    server.active_expire_enabled = bool(on)


def setup(server):
    server.active_expire_enabled = True
    server.expire_box = _BASE_BOX
    server.expire_fast_pending = False
    for db in server.dbs:
        attach(db)
    server.cron_handlers.append(active_expire_cycle)


def _fast_cycle(server):
    """Redis's fast cycle: while a backlog remains, 1 ms of expiry every
    ~3 ms between the cron ticks."""
    server.expire_fast_pending = False
    server.clock_ms()
    if active_expire_cycle(server, box=_BASE_BOX, adapt=False):
        _schedule_fast(server)
    if server.ready_keys:
        server.handle_ready_keys()     # clients blocked on keys it deleted


def _schedule_fast(server):
    loop = getattr(server, "loop", None)
    if loop is not None and not getattr(server, "expire_fast_pending", False):
        server.expire_fast_pending = True
        loop.call_later(0.002, _fast_cycle, server)


def active_expire_cycle(server, key_budget=200000, box=None, adapt=True):
    """One cron tick of active expiry over all databases. Returns True when
    it stopped on its budget with mostly really-expired keys (a backlog)."""
    if not server.active_expire_enabled or not server.expire_keys_allowed:
        return False
    now = server.now_ms
    t0 = _perf()
    if box is None:
        box = server.expire_box
    deadline = t0 + box
    examined = expired = 0
    capped = False
    for db in server.dbs:
        st = db.expiry_state
        if st is None:
            attach(db)
            st = db.expiry_state
        if len(db.expires) > st.entries:
            # deadlines were written without set_expire (a bulk load): file them all
            st.clear()
            for k, when in db.expires.items():
                st.file(k, when, now)
        heap = st.heap
        if not heap or heap[0][0] > now:
            continue
        buckets = st.buckets
        expires = db.expires
        while heap and heap[0][0] <= now:
            bid = heap[0][1]
            keys = buckets[bid]
            finer = (bid & 7) - 1 if bid & 7 else len(_SHIFTS) - 1
            while keys:
                key = keys.pop()
                st.entries -= 1
                examined += 1
                d = expires.get(key)
                if d is not None:
                    if d <= now:
                        # the one way a key expires (events, propagation,
                        # WATCH, blocked clients, indexes): Database.expire_now
                        if db.expire_now(key):
                            expired += 1
                        # a replica keeps it: nothing more to do here
                    else:
                        st.file(key, d, now, finer)
                if examined & 31 == 0:
                    if examined >= key_budget or _perf() > deadline:
                        capped = True
                        break
            if capped:
                break
            del buckets[bid]
            heapq.heappop(heap)
        if capped:
            break
    elapsed = _perf() - t0
    server.stat_expire_cycle_time_used += int(elapsed * 1000000)
    if examined:
        server.stat_expired_stale_perc = (expired / examined) * 0.05 + \
            server.stat_expired_stale_perc * 0.95
    backlog = capped and expired * 10 > examined
    if capped:
        server.stat_expired_time_cap_reached_count += 1
    if adapt:
        if backlog:
            hz = max(getattr(server, "hz", 10), 1)
            server.expire_box = min(box * 2, 0.25 / hz)
            _schedule_fast(server)
        elif not capped:
            server.expire_box = _BASE_BOX
    return backlog
