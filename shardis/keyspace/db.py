"""One logical database: a dict of key -> value and a dict of key -> deadline.

Values by Python class (see types/): ``bytes``/``bytearray`` are strings
(``bytearray`` once a string was modified in place: APPEND, SETRANGE, SETBIT;
OBJECT ENCODING calls those "raw"); aggregates are objects from shardis.types.

Deadlines are absolute unix milliseconds (ints). A key with a deadline at or
before ``ctx.now_ms`` is logically gone: every lookup checks and deletes it
(lazy expiry); ``keyspace.expiry`` reclaims the ones nobody touches.

``ctx`` is the owner's context object (the server) and must provide:
``now_ms`` (the clock, read once per batch), ``no_touch`` (lookups do not
update access times while it is set: CLIENT NO-TOUCH), the counters
``stat_keyspace_hits``, ``stat_keyspace_misses``, ``stat_expiredkeys``,
and the methods ``notify(db, event_class, event, key)``,
``propagate_expire(db, key)`` and ``touch_watched(db, key)``.
"""


_SHARED_DEADLINES = {}


class Database:
    __slots__ = ("id", "data", "expires", "ctx", "watched", "expiry_state", "avg_ttl",
                 "blocking_keys", "scan_index", "access")

    def __init__(self, dbid, ctx):
        self.id = dbid
        self.data = {}
        self.expires = {}
        self.ctx = ctx
        self.watched = {}       # key -> list of clients WATCHing it
        self.expiry_state = None  # owned by keyspace.expiry
        self.avg_ttl = 0
        self.blocking_keys = {}  # key -> deque of blocked clients (runtime.blocking)
        self.scan_index = None  # keyspace.scan.HashIndex once SCAN/RANDOMKEY ran
        self.access = None      # commands.object_cmds.AccessTracker once OBJECT IDLETIME/FREQ ran

    def __len__(self):
        return len(self.data)

    # -- lookups ------------------------------------------------------------
    def plain(self):
        """Nothing here needs bookkeeping beyond the values themselves: no
        TTLs, WATCHed keys, access tracking, clients blocked on keys or
        keyspace events. Batch handlers (commands.batch) take a run only then."""
        return not (self.expires or self.watched or self.access is not None
                    or self.blocking_keys or self.ctx.notify_on)

    def lookup_read(self, key):
        """Value for a read command, or None. Side effects: deletes the key if
        it is expired; counts a keyspace hit or miss."""
        v = self.data.get(key)
        if v is not None and self.expires:
            when = self.expires.get(key)
            if when is not None and when <= self.ctx.now_ms:
                self.expire_now(key)
                v = None
        if v is None:
            self.ctx.stat_keyspace_misses += 1
            if self.ctx.notify_on:
                self.ctx.notify(self, "m", "keymiss", key)
        else:
            self.ctx.stat_keyspace_hits += 1
            if self.access is not None and not self.ctx.no_touch:
                self.access.touch(key, v)
        return v

    def lookup_write(self, key):
        """Value for a write command, or None; deletes the key if expired."""
        v = self.data.get(key)
        if v is not None and self.expires:
            when = self.expires.get(key)
            if when is not None and when <= self.ctx.now_ms:
                self.expire_now(key)
                return None
        if v is not None and self.access is not None and not self.ctx.no_touch:
            self.access.touch(key, v)
        return v

    def exists(self, key):
        return self.lookup_write(key) is not None

    def expire_now(self, key):
        """Delete an expired key as Redis does on access: fires the 'expired'
        event and propagates a DEL. Returns True if the key was removed. While
        expiry is held (``ctx.expire_keys_allowed`` false: a replica, which
        waits for its master's DEL, or a CLIENT PAUSE WRITE) the key stays but
        lookups still treat it as gone."""
        ctx = self.ctx
        if not ctx.expire_keys_allowed:
            return False
        del self.data[key]
        del self.expires[key]
        if self.scan_index is not None:
            self.scan_index.discard(key)
        if self.access is not None:
            self.access.forget(key)
        ctx.stat_expiredkeys += 1
        ctx.propagate_expire(self, key)
        if ctx.notify_on:
            ctx.notify(self, "x", "expired", key)
        if self.watched:
            ctx.touch_watched(self, key)
        if self.blocking_keys and key in self.blocking_keys:
            # clients blocked with "wake on deletion" (XREADGROUP) are told
            ctx.ready_keys.append((self, key))
        return True

    # -- mutations ----------------------------------------------------------
    def set(self, key, value, keepttl=False):
        """Store ``value`` at ``key`` (overwriting any value); clears the TTL
        unless ``keepttl``. Signals WATCHers. No event, no dirty count."""
        self.data[key] = value
        if not keepttl and self.expires:
            self.expires.pop(key, None)
        if self.access is not None:
            self.access.created(key, value)
        if self.watched:
            self.ctx.touch_watched(self, key)
        if self.blocking_keys and key in self.blocking_keys:
            self.ctx.ready_keys.append((self, key))

    def store(self, key, value):
        """Put a new value object at ``key`` in place of its old one (a compact
        encoding's rebuilt blob, a converted encoding, a string made mutable)
        or create it: the deadline and access metadata stay; nobody is
        signalled (the caller signals the change as for an in-place write:
        ``signal`` for WATCH, ``signal_ready`` for blocked clients)."""
        self.data[key] = value

    def run_storage(self):
        """The storage itself, for a batch handler (commands.batch) to
        ``store`` many keys in one run with plain item assignment: a Python
        call per key costs ~10% of a SET or INCR at pipeline 16, and a bound
        ``__setitem__`` ~6%. Only while ``plain()`` holds (no TTL to clear,
        nobody to signal; the SCAN index finds new keys by insertion order),
        and only for that run (FLUSHDB and SWAPDB replace the storage)."""
        return self.data

    def set_many(self, argv, start):
        """MSET: ``argv[start::2]`` are keys, each followed by its value; each
        stored as ``set`` does."""
        if not (self.expires or self.watched or self.access is not None
                or self.blocking_keys):
            self.data.update(zip(argv[start::2], argv[start + 1::2]))
            return
        for i in range(start, len(argv) - 1, 2):
            self.set(argv[i], argv[i + 1])

    def delete(self, key):
        """Remove a key (live or logically expired). Returns True if a live key
        was removed. Signals WATCHers. Keys must be removed here, by
        ``expire_now`` or ``clear`` (never ``del data[key]``): the SCAN index
        (keyspace.scan) relies on it."""
        v = self.data.pop(key, None)
        if v is None:
            return False
        if self.scan_index is not None:
            self.scan_index.discard(key)
        if self.access is not None:
            self.access.forget(key)
        live = True
        if self.expires:
            when = self.expires.pop(key, None)
            if when is not None and when <= self.ctx.now_ms:
                live = False
        if self.watched:
            self.ctx.touch_watched(self, key)
        if self.blocking_keys and key in self.blocking_keys:
            # clients blocked with "wake on deletion" (XREADGROUP) are told
            self.ctx.ready_keys.append((self, key))
        return live

    def set_expire(self, key, when_ms):
        """Set the absolute deadline of an existing key. Every deadline must be
        set here (not by writing ``expires`` directly): active expiry learns
        of it through ``expiry_state.schedule``."""
        st = self.expiry_state
        expires = self.expires
        old = expires.get(key)
        if st is not None:
            st.schedule(key, when_ms, old, self.ctx.now_ms)
        if old is None:
            # Both dicts must hold the same key object (Redis shares the key
            # between its main dict and its expires dict): ``key`` usually
            # comes from this command's arguments, a different object equal
            # to the one stored by SET, and keeping both would cost a second
            # copy of every key with a TTL. Re-inserting the value makes the
            # main dict adopt this object and frees the old one.
            data = self.data
            v = data.pop(key, None)
            if v is not None:
                data[key] = v
        # Keys written in the same millisecond with the same TTL share one
        # int object for their deadline (a bounded cache): 32 bytes per key
        # saved when keys are loaded in bulk with a fixed TTL.
        shared = _SHARED_DEADLINES.get(when_ms)
        if shared is None:
            if len(_SHARED_DEADLINES) >= 4096:
                _SHARED_DEADLINES.clear()
            _SHARED_DEADLINES[when_ms] = when_ms
        else:
            when_ms = shared
        expires[key] = when_ms

    def get_expire(self, key):
        """Absolute deadline in ms or None."""
        return self.expires.get(key)

    def persist(self, key):
        return self.expires.pop(key, None) is not None

    def signal(self, key):
        """A value was modified in place: invalidate WATCHes on ``key``."""
        if self.watched:
            self.ctx.touch_watched(self, key)

    def swap_contents(self, other):
        """SWAPDB: exchange every key (with its deadline and metadata) with
        ``other``; WATCHers and blocked clients stay with their database."""
        for attr in ("data", "expires", "expiry_state", "scan_index", "access", "avg_ttl"):
            va, vb = getattr(self, attr), getattr(other, attr)
            setattr(self, attr, vb)
            setattr(other, attr, va)

    def clear(self):
        """Drop everything (FLUSHDB); returns the number of keys removed."""
        n = len(self.data)
        self.data = {}
        self.expires = {}
        if self.expiry_state is not None:
            self.expiry_state.clear()
        if self.scan_index is not None:
            self.scan_index.clear()
        if self.access is not None:
            self.access.clear()
        return n
