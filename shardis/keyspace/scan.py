"""SCAN support: a hash-ordered cursor index, cursor parsing (and the glob matcher, re-exported).

Design
------
Redis walks its hash table with a reverse-binary cursor so that a full
iteration returns every key that was present for the whole iteration, even if
the table is resized in between. A Python dict cannot be walked by position
across mutations, so the cursor here is *not* a position in a container but a
point in the space of 64-bit key hashes:

    cursor c  ==  "every key whose hash h(key) < c has been returned".

``h(key)`` is Python's own hash of the bytes (cached inside the bytes object,
stable for the life of the process) taken as an unsigned 64-bit number. Since
the order is a pure function of the key, no insertion, deletion or rehash can
move a key from the not-yet-visited side of the cursor to the visited side:
a key present from the first to the last call is returned exactly once by the
bucket that holds its hash range (never twice either, unlike Redis, except
when a key is deleted and re-added while the iteration goes on).

To answer "the keys whose hash is in [c, ...)" without walking everything, a
``HashIndex`` keeps the keys in 2**bits buckets (plain lists), bucket ``i``
holding the keys whose top ``bits`` hash bits equal ``i`` (a contiguous hash
range), 8-16 keys a bucket on average. A SCAN call returns whole buckets
starting with the one containing the
cursor (keys below the cursor are filtered when the cursor is not aligned,
which only happens after a resize) until COUNT keys were collected, and
answers the start of the next bucket as the new cursor (0 after the last).
The table doubles when it averages more than 16 keys a bucket and halves
below one; resizing never invalidates a cursor since cursors are hash values.

Building it without a latency spike
-----------------------------------
The first SCAN of a database starts an incremental build over a transient
list of its keys (8 bytes a key while it lasts) and each SCAN call adds a
bounded slice (a few milliseconds). Until the build is done a call returns an
empty page with cursor 1 (or the cursor it was given, if larger): "keys whose
hash is below 1 were returned" (only the empty key can hash to 0; it is
returned with that page). Redis's contract allows empty pages with a non-zero
cursor, so clients simply call again. Small databases are built in the first
call and see no difference.

Keeping the index off the hot path
----------------------------------
The index is created on the first SCAN (or RANDOMKEY) of a database and costs
nothing before. Insertions are *not* hooked: SET and friends write the dict
directly. Instead we use the dict's insertion order: every key added since the
last synchronisation sits after all indexed keys, so ``sync`` walks
``reversed(data)`` for exactly ``len(data) - index.count`` keys and indexes
them. That needs the index never to hold a deleted key, so deletions are
hooked (``Database.delete``, ``expire_now`` and ``clear`` call
``discard``/``clear``; a few hundred nanoseconds, and only once the index
exists). A count that does not add up (a key removed behind the database's
back) makes ``sync`` rebuild the index.

Per key the index costs one list slot (8 bytes plus list over-allocation and
the list headers amortised over 8-16 keys a bucket): about 14-20 bytes.

The same class serves HSCAN/SSCAN/ZSCAN over large encodings: keep a
``HashIndex`` next to the container's dict, ``discard`` on removal, ``sync``
(or ``add``) on insertion, and call ``scan``.
"""

MASK64 = (1 << 64) - 1
_MIN_BITS = 4
_MAX_LOAD = 16


def key_hash(key):
    return hash(key) & MASK64


# Bucket i holds the keys whose unsigned hash has top bits i. With a signed
# hash h, ``h >> shift`` is that index for h >= 0 and that index minus the
# bucket count for h < 0, which Python's negative list indexing maps to the
# same bucket: one big-int operation saved on every add/discard.


class HashIndex:
    __slots__ = ("bits", "shift", "buckets", "count", "pending", "pending_pos")

    def __init__(self, keys=()):
        self.clear()
        if keys:
            self.build(keys)

    def build(self, keys):
        """Index all of ``keys`` (a sized iterable) at once, sized up front."""
        n = len(keys)
        bits = max(_MIN_BITS, (n // 8).bit_length())
        shift = 64 - bits
        buckets = [[] for _ in range(1 << bits)]
        for k in keys:
            buckets[hash(k) >> shift].append(k)
        self.bits = bits
        self.shift = shift
        self.buckets = buckets
        self.count = n

    def start_build(self, data):
        """Begin an incremental build over a transient list of the dict's keys
        (8 bytes a key until the build ends); ``build_step`` does the work."""
        self.clear()
        self.bits = max(_MIN_BITS, (len(data) // 8).bit_length())
        self.shift = 64 - self.bits
        self.buckets = [[] for _ in range(1 << self.bits)]
        self.pending = list(data)
        self.pending_pos = 0

    def build_step(self, data, max_keys):
        """Index up to ``max_keys`` more keys of the pending build (skipping
        keys deleted since it started; keys added since are the dict's tail
        and are indexed by ``sync`` at the end). True once the index is ready."""
        pend = self.pending
        if pend is None:
            return True
        i = self.pending_pos
        stop = min(len(pend), i + max_keys)
        buckets = self.buckets
        shift = self.shift
        n = 0
        for k in pend[i:stop]:
            if k in data:
                buckets[hash(k) >> shift].append(k)
                n += 1
        self.count += n
        self.pending_pos = stop
        if stop < len(pend):
            return False
        self.pending = None
        self.sync(data)
        if self.count > _MAX_LOAD << self.bits:
            self._resize(self.bits + 1)
        return True

    @property
    def ready(self):
        return self.pending is None

    def clear(self):
        self.bits = _MIN_BITS
        self.shift = 64 - _MIN_BITS
        self.buckets = [[] for _ in range(1 << _MIN_BITS)]
        self.count = 0
        self.pending = None
        self.pending_pos = 0

    def __len__(self):
        return self.count

    def add(self, key):
        self.buckets[hash(key) >> self.shift].append(key)
        self.count += 1
        if self.count > _MAX_LOAD << self.bits and self.pending is None:
            self._resize(self.bits + 1)

    def discard(self, key):
        b = self.buckets[hash(key) >> self.shift]
        if key in b:
            b.remove(key)
            self.count -= 1
            if self.bits > _MIN_BITS and self.count < 1 << self.bits and self.pending is None:
                self._resize(self.bits - 1)

    def __contains__(self, key):
        return key in self.buckets[hash(key) >> self.shift]

    def _resize(self, bits):
        shift = 64 - bits
        new = [[] for _ in range(1 << bits)]
        for b in self.buckets:
            for k in b:
                new[hash(k) >> shift].append(k)
        self.bits = bits
        self.shift = shift
        self.buckets = new

    def sync(self, data):
        """Index the keys added to the dict ``data`` since the last call
        (they are at its end in insertion order). The key just before them
        must already be indexed: if not (or if the counts cannot add up), a
        key left the dict without ``discard`` and the index is rebuilt."""
        missing = len(data) - self.count
        if missing >= 0:
            it = reversed(data)
            shift = self.shift
            for key in it:
                if missing == 0:
                    if key in self.buckets[hash(key) >> self.shift]:
                        return          # the boundary is indexed: consistent
                    break
                if key not in self.buckets[hash(key) >> self.shift]:
                    self.add(key)
                    missing -= 1
            else:
                if missing == 0:
                    return              # every key is indexed
        # the counts disagree: a key left the dict without discard(); rebuild
        self.clear()
        self.build(data)

    def scan(self, cursor, count, out):
        """Append to ``out`` the keys of whole buckets from the one holding
        ``cursor`` on, until at least ``count`` keys were appended (or 10*count
        buckets were visited); return the next cursor (0 when done)."""
        shift = self.shift
        buckets = self.buckets
        nb = len(buckets)
        i = cursor >> shift
        first = buckets[i]
        if cursor != i << shift:
            for k in first:
                if hash(k) & MASK64 >= cursor:
                    out.append(k)
        else:
            out.extend(first)
        i += 1
        visits = count * 10
        while i < nb and len(out) < count and visits:
            out.extend(buckets[i])
            i += 1
            visits -= 1
        return 0 if i >= nb else i << shift

    def random_key(self, rng):
        """A random key (bucket chosen uniformly among non-empty ones, like
        Redis's dictGetFairRandomKey is not: good enough), or None."""
        if not self.count:
            return None
        buckets = self.buckets
        nb = len(buckets)
        for _ in range(64):
            b = buckets[rng(nb)]
            if b:
                return b[rng(len(b))]
        start = rng(nb)             # sparse table: walk from a random bucket
        for i in range(nb):
            b = buckets[(start + i) % nb]
            if b:
                return b[rng(len(b))]
        return None


def parse_cursor(b):
    """A SCAN cursor as Redis's strtoul accepts it, or None (invalid cursor)."""
    z = b.find(b"\0")
    if z >= 0:
        b = b[:z]
    if not b:
        return 0
    neg = False
    s = b
    if s[:1] in (b"+", b"-"):
        neg = s[:1] == b"-"
        s = s[1:]
    if not s or not s.isdigit():
        return None
    v = int(s)
    if v > MASK64:
        return None
    return (-v) & MASK64 if neg else v


# -- glob matching ------------------------------------------------------------
# One matcher for the whole server: shardis.util.glob (Redis 7.2's
# stringmatchlen semantics, nesting limit included, no exponential
# backtracking). Re-exported here for the SCAN family's callers.
from shardis.util.glob import compile_glob  # noqa: E402,F401
