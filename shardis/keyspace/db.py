"""One logical database over the compiled key table (shardis.native.KeyTable).

The table holds, per key, the value, the deadline (absolute unix ms, or none)
and the 24-bit access field (Redis's LRU clock in seconds, or LFU minutes and
counter). Short strings are embedded in the entry and come back as new
``bytes`` on each read; integers in canonical form are stored as int64.

Values by Python class (see types/): ``bytes``/``bytearray`` are strings
(``bytearray`` once a string was modified in place: APPEND, SETRANGE, SETBIT;
OBJECT ENCODING calls those "raw"); aggregates are objects from shardis.types.

A key whose deadline is at or before ``ctx.now_ms`` is logically gone: every
lookup checks it (the table answers EXPIRED) and deletes it (lazy expiry);
``keyspace.expiry`` samples the table's volatile keys for the rest.

``ctx`` is the owner's context object (the server) and must provide:
``now_ms`` (the clock, read once per batch), ``no_touch`` (lookups do not
update access fields while it is set: CLIENT NO-TOUCH, OBJECT, TYPE...),
``expire_keys_allowed``, ``notify_on``, ``ready_keys``, the counters
``stat_keyspace_hits``, ``stat_keyspace_misses``, ``stat_expiredkeys``,
``cluster_enabled`` (keys grouped by hash slot), ``access_mode`` (the
arguments of ``KeyTable.set_access_mode``) and the methods
``notify(db, event_class, event, key)``, ``propagate_expire(db, key)`` and
``touch_watched(db, key)``.
"""
from shardis.native import EXPIRED, KeyTable


class Database:
    __slots__ = ("id", "data", "ctx", "watched", "avg_ttl", "blocking_keys")

    def __init__(self, dbid, ctx):
        self.id = dbid
        self.ctx = ctx
        self.data = self.new_table()
        self.watched = {}       # key -> list of clients WATCHing it
        self.avg_ttl = 0        # keyspace.expiry's running estimate (INFO keyspace)
        self.blocking_keys = {}  # key -> deque of blocked clients (runtime.blocking)

    def new_table(self):
        """An empty key table set up as the server runs: grouped by slot in
        cluster mode, in the access mode of the maxmemory policy."""
        ctx = self.ctx
        t = KeyTable(slots=bool(getattr(ctx, "cluster_enabled", False)))
        mode = getattr(ctx, "access_mode", None)
        if mode is not None:
            t.set_access_mode(*mode)
        return t

    def __len__(self):
        return len(self.data)

    def volatile_count(self):
        return self.data.volatile_count()

    # -- lookups ------------------------------------------------------------
    def plain(self):
        """Nothing here needs bookkeeping beyond the values themselves: no
        TTLs, WATCHed keys, clients blocked on keys or keyspace events.
        Batch handlers (commands.batch) take a run only then; they read with
        ``data.lookup(key, now)`` (which keeps the access field) and write
        with ``data[key] = value`` (SET semantics)."""
        return not (self.watched or self.blocking_keys or self.ctx.notify_on
                    or self.data.volatile_count())

    def lookup_read(self, key):
        """Value for a read command, or None. Side effects: deletes the key if
        it is expired; counts a keyspace hit or miss; updates the access field
        (unless ``ctx.no_touch``)."""
        ctx = self.ctx
        v = self.data.lookup(key, ctx.now_ms, not ctx.no_touch)
        if v is EXPIRED:
            self.expire_now(key)
            v = None
        if v is None:
            ctx.stat_keyspace_misses += 1
            if ctx.notify_on:
                ctx.notify(self, "m", "keymiss", key)
        else:
            ctx.stat_keyspace_hits += 1
        return v

    def lookup_write(self, key):
        """Value for a write command, or None; deletes the key if expired."""
        ctx = self.ctx
        v = self.data.lookup(key, ctx.now_ms, not ctx.no_touch)
        if v is EXPIRED:
            self.expire_now(key)
            return None
        return v

    def peek(self, key):
        """The live value or None: no access update, no stats, no expiry
        (DEBUG, SCAN's filters, introspection)."""
        v = self.data.lookup(key, self.ctx.now_ms, False)
        return None if v is EXPIRED else v

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
        self.data.pop(key)
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
        if keepttl:
            self.data.set(key, value, True)
        else:
            self.data[key] = value
        if self.watched:
            self.ctx.touch_watched(self, key)
        if self.blocking_keys and key in self.blocking_keys:
            self.ctx.ready_keys.append((self, key))

    def store(self, key, value):
        """Put a new value object at ``key`` in place of its old one (a compact
        encoding's rebuilt blob, a converted encoding, a string made mutable)
        or create it: the deadline and access field stay; nobody is
        signalled (the caller signals the change as for an in-place write:
        ``signal`` for WATCH, ``signal_ready`` for blocked clients)."""
        self.data.store(key, value)

    def run_storage(self):
        """The key table itself, for a batch handler (commands.batch) to
        write many keys in one run with plain item assignment (SET semantics:
        ``data[key] = value``): a Python call per key costs ~10% of a SET or
        INCR at pipeline 16. Only while ``plain()`` holds (no TTL to clear,
        nobody to signal), and only for that run (FLUSHDB and SWAPDB replace
        the table)."""
        return self.data

    def set_many(self, argv, start):
        """MSET: ``argv[start::2]`` are keys, each followed by its value; each
        stored as ``set`` does."""
        if not (self.watched or self.blocking_keys):
            data = self.data
            for i in range(start, len(argv) - 1, 2):
                data[argv[i]] = argv[i + 1]
            return
        for i in range(start, len(argv) - 1, 2):
            self.set(argv[i], argv[i + 1])

    def delete(self, key):
        """Remove a key (live or logically expired). Returns True if a live key
        was removed. Signals WATCHers."""
        data = self.data
        if data.volatile_count():
            v = data.lookup(key, self.ctx.now_ms, False)
            if v is None:
                return False
            data.pop(key)
            live = v is not EXPIRED
        else:
            if data.pop(key) is None:
                return False
            live = True
        if self.watched:
            self.ctx.touch_watched(self, key)
        if self.blocking_keys and key in self.blocking_keys:
            # clients blocked with "wake on deletion" (XREADGROUP) are told
            self.ctx.ready_keys.append((self, key))
        return live

    def set_expire(self, key, when_ms):
        """Set the absolute deadline of an existing key."""
        self.data.set_expire(key, when_ms)

    def get_expire(self, key):
        """Absolute deadline in ms, or None (no deadline, or no such key)."""
        try:
            return self.data.get_expire(key)
        except KeyError:
            return None

    def persist(self, key):
        return self.data.persist(key)

    def signal(self, key):
        """A value was modified in place: invalidate WATCHes on ``key``."""
        if self.watched:
            self.ctx.touch_watched(self, key)

    def swap_contents(self, other):
        """SWAPDB: exchange every key (with its deadline and metadata) with
        ``other``; WATCHers and blocked clients stay with their database."""
        self.data, other.data = other.data, self.data
        self.avg_ttl, other.avg_ttl = other.avg_ttl, self.avg_ttl

    def clear(self):
        """Drop everything (FLUSHDB); returns the number of keys removed."""
        n = len(self.data)
        self.data = self.new_table()
        return n
