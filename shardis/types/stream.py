"""Stream value: entries packed per node, nodes kept sorted by their first ID.

An entry ID is one Python int: ``ms << 64 | seq`` (both unsigned 64-bit), so
comparisons and sorting are plain integer operations.

Layout, modelled on Redis's radix tree of listpacks:

- ``Stream.nodes`` is a list of ``Node`` sorted by ``Node.master`` (the ID of
  the first entry ever appended to the node), with ``Stream.keys`` the
  parallel list of master IDs for bisection.
- A node holds parallel lists ``ids`` and ``items`` (a flat tuple
  ``(f1, v1, f2, v2, ...)``; ``None`` once the entry is deleted: a tombstone
  stays in the node until the whole node goes, as in Redis).
- ``Node.nbytes`` tracks the exact size Redis's listpack for the node would
  have (master entry, per-entry flags/ID deltas/fields/values/lp-count,
  integer vs string element encodings and back-lengths). Redis decides when
  to open a new node from that size and from the node's entry count
  (``stream-node-max-bytes`` / ``stream-node-max-entries``), and approximate
  trimming (``~``) removes whole nodes only, so reproducing the node
  boundaries makes XLEN after ``MAXLEN ~`` match redis-server.

Consumer groups: ``Group`` (last delivered ID, entries-read counter, PEL,
consumers), ``Consumer`` (own PEL), ``NACK`` (delivery time/count, owner).
A PEL is a dict ID -> NACK plus a sorted list of its IDs.
"""
from shardis.types.lpsize import entry_size, int_size as lp_int_size
from array import array
from bisect import bisect_left, bisect_right, insort

U64 = (1 << 64) - 1
MAX_ID = (U64 << 64) | U64
INVALID_READ = -1           # Redis's SCG_INVALID_ENTRIES_READ

_NOT_INT = None


# counts at which a listpack integer needs one more byte
_SIZE_STEPS = frozenset((128, 4096, 32768, 8388608, 2 ** 31))


lp_size = entry_size    # bytes of a listpack element holding the string ``b``


def fmt_id(i):
    return b"%d-%d" % (i >> 64, i & U64)


_LB = [bytes((i,)) for i in range(128)]


def _pack_len(parts, n):
    if n < 0x80:
        parts.append(bytes((n,)))
    else:
        parts.append((n | 0x80000000).to_bytes(4, "big"))


class PackedIds:
    """The IDs of a sealed node: 16 big-endian bytes each (a read-only sequence
    that ``bisect`` and indexing work on)."""
    __slots__ = ("b",)

    def __init__(self, ids):
        self.b = b"".join(i.to_bytes(16, "big") for i in ids)

    def __len__(self):
        return len(self.b) >> 4

    def __getitem__(self, k):
        if k < 0:
            k += len(self.b) >> 4
        o = k << 4
        if k < 0 or o >= len(self.b):
            raise IndexError(k)
        return int.from_bytes(self.b[o:o + 16], "big")


class PackedItems:
    """The field/value lists of a sealed node in one blob. Entry ``k`` starts at
    ``offsets[k]``: a flags byte (1: same fields as the node's master entry,
    only values follow), the pair count, then length-prefixed strings.
    Deleted entries are flagged in ``dead``; reading one gives None."""
    __slots__ = ("blob", "offsets", "dead", "mfields")

    def __init__(self, items, mfields):
        parts = []
        ap = parts.append
        offsets = array("I")
        oap = offsets.append
        dead = bytearray(len(items))
        pos = 0
        nmf = len(mfields)
        lb = _LB
        for k, it in enumerate(items):
            oap(pos)
            if it is None:
                dead[k] = 1
                ap(b"\x00\x00")
                pos += 2
                continue
            n = len(it) >> 1
            same = n == nmf and it[0::2] == mfields
            ap(b"\x01" if same else b"\x00")
            if n < 0x80:
                ap(lb[n])
                pos += 2
            else:
                ap((n | 0x80000000).to_bytes(4, "big"))
                pos += 5
            for x in (it[1::2] if same else it):
                ln = len(x)
                if ln < 0x80:
                    ap(lb[ln])
                    pos += 1 + ln
                else:
                    ap((ln | 0x80000000).to_bytes(4, "big"))
                    pos += 4 + ln
                ap(x)
        self.blob = b"".join(parts)
        self.offsets = offsets
        self.dead = dead
        self.mfields = mfields

    def __len__(self):
        return len(self.offsets)

    def __iter__(self):
        for k in range(len(self.offsets)):
            yield self[k]

    def __getitem__(self, k):
        if k < 0:
            k += len(self.offsets)
        if self.dead[k]:
            return None
        b = self.blob
        o = self.offsets[k]
        same = b[o]
        o += 1
        n = b[o]
        if n < 0x80:
            o += 1
        else:
            n = int.from_bytes(b[o:o + 4], "big") & 0x7FFFFFFF
            o += 4
        cnt = n if same else 2 * n
        vals = []
        for _ in range(cnt):
            ln = b[o]
            if ln < 0x80:
                o += 1
            else:
                ln = int.from_bytes(b[o:o + 4], "big") & 0x7FFFFFFF
                o += 4
            vals.append(b[o:o + ln])
            o += ln
        if not same:
            return tuple(vals)
        out = [None] * (2 * n)
        out[0::2] = self.mfields
        out[1::2] = vals
        return tuple(out)

    def __setitem__(self, k, v):
        # only deletion happens in a sealed node
        if v is not None:
            raise TypeError("sealed stream node")
        if k < 0:
            k += len(self.offsets)
        self.dead[k] = 1

    def nbytes(self):
        return len(self.blob) + 4 * len(self.offsets) + len(self.dead) + 150


class Node:
    """One "listpack": the tail node keeps plain lists (appends are cheap);
    once a newer node exists it is sealed into PackedIds/PackedItems."""
    __slots__ = ("master", "mfields", "ids", "items", "live", "ndel", "nbytes")

    def __init__(self, master, fields):
        self.master = master
        self.mfields = fields
        self.ids = []
        self.items = []
        self.live = 0
        self.ndel = 0
        # header(6) + end(1) + count + deleted + num-fields + fields + terminator 0
        n = 7 + lp_int_size(0) * 2 + lp_int_size(len(fields)) + lp_int_size(0)
        for f in fields:
            n += lp_size(f)
        self.nbytes = n

    def seal(self):
        if self.ids.__class__ is list:
            self.ids = PackedIds(self.ids)
            self.items = PackedItems(self.items, self.mfields)

    def set_counts(self, live, ndel):
        self.nbytes += (lp_int_size(live) - lp_int_size(self.live)
                        + lp_int_size(ndel) - lp_int_size(self.ndel))
        self.live = live
        self.ndel = ndel

    def first_live(self):
        items = self.items
        for i in range(len(items)):
            if items[i] is not None:
                return i
        return -1

    def last_live(self):
        items = self.items
        for i in range(len(items) - 1, -1, -1):
            if items[i] is not None:
                return i
        return -1

    def memory(self):
        if self.ids.__class__ is list:
            n = 56 + 8 * len(self.ids) * 2 + 44 * len(self.ids)
            for it in self.items:
                if it is not None:
                    n += 56 + 8 * len(it) + sum(33 + len(x) for x in it)
            return n + 120
        return len(self.ids.b) + self.items.nbytes() + 120


class NACK:
    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, now, consumer):
        self.delivery_time = now
        self.delivery_count = 1
        self.consumer = consumer


class PEL:
    """Pending entries: dict ID -> NACK plus the IDs in order."""
    __slots__ = ("d", "order")

    def __init__(self):
        self.d = {}
        self.order = []

    def __len__(self):
        return len(self.d)

    def get(self, i):
        return self.d.get(i)

    def add(self, i, nack):
        d = self.d
        if i in d:
            d[i] = nack
            return
        d[i] = nack
        order = self.order
        if not order or order[-1] < i:
            order.append(i)
        else:
            insort(order, i)

    def remove(self, i):
        if self.d.pop(i, None) is None:
            return False
        order = self.order
        k = bisect_left(order, i)
        del order[k]
        return True

    def range(self, start, end):
        """IDs in [start, end] in order."""
        order = self.order
        return order[bisect_left(order, start):bisect_right(order, end)]

    def from_id(self, start):
        order = self.order
        return order[bisect_left(order, start):]


class Consumer:
    __slots__ = ("name", "seen_time", "active_time", "pel")

    def __init__(self, name, now):
        self.name = name
        self.seen_time = now
        self.active_time = -1
        self.pel = PEL()


class Group:
    __slots__ = ("name", "last_id", "entries_read", "pel", "consumers")

    def __init__(self, name, last_id, entries_read):
        self.name = name
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel = PEL()
        self.consumers = {}


class Stream:
    __slots__ = ("nodes", "keys", "length", "last_id", "first_id", "max_deleted",
                 "entries_added", "groups")
    TYPE = b"stream"

    def __init__(self):
        self.nodes = []
        self.keys = []
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0
        self.entries_added = 0
        self.groups = None          # dict name -> Group, created on demand

    @property
    def encoding(self):
        return b"stream"

    def __len__(self):
        return self.length

    # -- append ---------------------------------------------------------------------
    def append(self, sid, fv, max_bytes, max_entries):
        """Append entry ``sid`` (greater than last_id: the caller checked) with the
        flat field/value tuple ``fv``."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            if max_bytes == 0 or max_bytes > (1 << 30):
                max_bytes = 1 << 30
            tot = 0
            for x in fv:
                tot += len(x)
            if node.nbytes + tot >= max_bytes:
                node = None
            elif max_entries and node.live + node.ndel >= max_entries:
                node = None
        nf = len(fv) >> 1
        if node is None:
            if nodes:
                nodes[-1].seal()
            fields = tuple(fv[0::2])
            node = Node(sid, fields)
            nodes.append(node)
            self.keys.append(sid)
            same = True
        else:
            mf = node.mfields
            same = len(mf) == nf and mf == fv[0::2]
        # entry: flags, ms-diff, seq-diff, [num-fields, fields...], values, lp-count
        m = node.master
        d = (sid >> 64) - (m >> 64)
        n = 4 if 0 <= d <= 127 else 2 + lp_int_size(d)
        d = (sid & U64) - (m & U64)
        n += 2 if 0 <= d <= 127 else lp_int_size(d)
        for x in (fv[1::2] if same else fv):
            k = len(x)
            # a short string that cannot be an integer: 1-byte header, 1-byte backlen
            if k < 64 and (k == 0 or x[0] > 57 or (x[0] < 48 and x[0] != 45)):
                n += k + 2
            else:
                n += lp_size(x)
        if same:
            n += 2 if nf < 125 else lp_int_size(nf + 3)
        else:
            n += lp_int_size(nf) + lp_int_size(2 * nf + 4)
        live = node.live + 1
        if live in _SIZE_STEPS:
            node.set_counts(live, node.ndel)
        else:
            node.live = live
        node.nbytes += n
        node.ids.append(sid)
        node.items.append(fv)
        self.length += 1
        self.entries_added += 1
        self.last_id = sid
        if self.length == 1:
            self.first_id = sid

    # -- lookup / iteration -----------------------------------------------------------
    def _node_index(self, sid):
        """Index of the node that could hold ``sid`` (may be -1)."""
        return bisect_right(self.keys, sid) - 1

    def get(self, sid):
        k = self._node_index(sid)
        if k < 0:
            return None
        node = self.nodes[k]
        ids = node.ids
        j = bisect_left(ids, sid)
        if j < len(ids) and ids[j] == sid:
            return node.items[j]
        return None

    def range(self, start, end, count=0, rev=False):
        """List of (id, items) in [start, end], up to ``count`` (0: all)."""
        out = []
        if start > end or not self.length:
            return out
        nodes = self.nodes
        if not rev:
            k = max(self._node_index(start), 0)
            nn = len(nodes)
            while k < nn:
                node = nodes[k]
                if node.master > end:
                    break
                ids = node.ids
                items = node.items
                j = bisect_left(ids, start) if ids[0] < start else 0
                lim = len(ids)
                while j < lim:
                    i = ids[j]
                    if i > end:
                        return out
                    it = items[j]
                    if it is not None:
                        out.append((i, it))
                        if count and len(out) >= count:
                            return out
                    j += 1
                k += 1
        else:
            k = self._node_index(end)
            while k >= 0:
                node = nodes[k]
                ids = node.ids
                items = node.items
                if ids[-1] < start:
                    break
                j = bisect_right(ids, end) - 1
                while j >= 0:
                    i = ids[j]
                    if i < start:
                        return out
                    it = items[j]
                    if it is not None:
                        out.append((i, it))
                        if count and len(out) >= count:
                            return out
                    j -= 1
                k -= 1
        return out

    def first_entry(self):
        for node in self.nodes:
            j = node.first_live()
            if j >= 0:
                return node.ids[j], node.items[j]
        return None

    def last_entry(self):
        for node in reversed(self.nodes):
            j = node.last_live()
            if j >= 0:
                return node.ids[j], node.items[j]
        return None

    def edge_first_id(self):
        e = self.first_entry()
        return MAX_ID if e is None else e[0]

    def last_valid_id(self):
        e = self.last_entry()
        return 0 if e is None else e[0]

    # -- deletion -----------------------------------------------------------------------
    def delete(self, sid):
        """Delete one entry; True if it existed."""
        k = self._node_index(sid)
        if k < 0:
            return False
        node = self.nodes[k]
        ids = node.ids
        j = bisect_left(ids, sid)
        if j >= len(ids) or ids[j] != sid or node.items[j] is None:
            return False
        if node.live == 1:
            del self.nodes[k]
            del self.keys[k]
        else:
            node.items[j] = None
            node.set_counts(node.live - 1, node.ndel + 1)
        self.length -= 1
        return True

    def trim(self, maxlen=None, minid=None, approx=False, limit=0):
        """Trim by MAXLEN (``maxlen``) or MINID (``minid``); returns the number
        of entries removed. Follows Redis: whole nodes first, then (exact
        trimming only) tombstones inside the first remaining node."""
        nodes = self.nodes
        keys = self.keys
        deleted = 0
        while nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[0]
            entries = node.live
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove = self.length - entries >= maxlen
            else:
                remove = node.ids[-1] < minid
            if remove:
                del nodes[0]
                del keys[0]
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            items = node.items
            ids = node.ids
            removed = 0
            for j in range(len(ids)):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif ids[j] >= minid:
                    break
                if items[j] is not None:
                    items[j] = None
                    removed += 1
                    self.length -= 1
            deleted += removed
            node.set_counts(node.live - removed, node.ndel + removed)
            break
        if deleted:
            self.first_id = self.edge_first_id() if self.length else 0
        return deleted

    # -- consumer-group bookkeeping (Redis 7.0 entries-read / lag) ----------------------
    def range_has_tombstones(self, start, end=MAX_ID):
        md = self.max_deleted
        if not self.length or md == 0:
            return False
        if self.first_id > md:
            return False
        return start <= md <= end

    def estimate_distance(self, sid):
        """Logical read counter of ``sid``, or INVALID_READ when unknowable."""
        if not self.entries_added:
            return 0
        if not self.length and sid <= self.last_id:
            return self.entries_added
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return INVALID_READ
        md = self.max_deleted
        if md == 0 or md < self.first_id:
            if sid < self.first_id:
                return self.entries_added - self.length
            if sid == self.first_id:
                return self.entries_added - self.length + 1
        return INVALID_READ

    def group_lag(self, g):
        """Lag of group ``g`` or None when it cannot be computed."""
        if not self.entries_added:
            return 0
        if g.entries_read != INVALID_READ and not self.range_has_tombstones(g.last_id):
            return self.entries_added - g.entries_read
        er = self.estimate_distance(g.last_id)
        if er != INVALID_READ:
            return self.entries_added - er
        return None

    # -- COPY -------------------------------------------------------------------------
    def copy(self):
        """An independent duplicate (COPY): nodes, groups, consumers and PELs."""
        n = Stream()
        for node in self.nodes:
            m = Node.__new__(Node)
            m.master = node.master
            m.mfields = node.mfields
            if node.ids.__class__ is list:
                m.ids = list(node.ids)
                m.items = list(node.items)
            else:
                m.ids = node.ids            # immutable once sealed
                pi = node.items
                q = PackedItems.__new__(PackedItems)
                q.blob = pi.blob
                q.offsets = pi.offsets
                q.dead = bytearray(pi.dead)
                q.mfields = pi.mfields
                m.items = q
            m.live = node.live
            m.ndel = node.ndel
            m.nbytes = node.nbytes
            n.nodes.append(m)
        n.keys = list(self.keys)
        n.length = self.length
        n.last_id = self.last_id
        n.first_id = self.first_id
        n.max_deleted = self.max_deleted
        n.entries_added = self.entries_added
        if self.groups is not None:
            n.groups = {}
            for name, g in self.groups.items():
                ng = Group(name, g.last_id, g.entries_read)
                for cname, cs in g.consumers.items():
                    nc = Consumer(cname, cs.seen_time)
                    nc.active_time = cs.active_time
                    ng.consumers[cname] = nc
                for i in g.pel.order:
                    nk = g.pel.d[i]
                    cp = NACK(nk.delivery_time, None)
                    cp.delivery_count = nk.delivery_count
                    if nk.consumer is not None:
                        cp.consumer = ng.consumers[nk.consumer.name]
                        cp.consumer.pel.add(i, cp)
                    ng.pel.add(i, cp)
                n.groups[name] = ng
        return n

    # -- introspection ----------------------------------------------------------------
    def rax_nodes(self):
        """Number of nodes Redis's radix tree would have for the node keys
        (16-byte big-endian IDs): root, branch points, their children and leaves."""
        keys = self.keys
        if not keys:
            return 1
        bk = [k.to_bytes(16, "big") for k in keys]
        s = {b""}
        s.update(bk)
        for a, b in zip(bk, bk[1:]):
            l = 0
            while a[l] == b[l]:
                l += 1
            s.add(a[:l])
            s.add(a[:l + 1])
            s.add(b[:l + 1])
        if len(bk) == 1:
            return 2
        return len(s)

    def memory_usage(self):
        n = 64
        for node in self.nodes:
            n += node.memory()
        if self.groups:
            for g in self.groups.values():
                n += 96 + 64 * len(g.pel)
                for c in g.consumers.values():
                    n += 64 + len(c.name)
        return n
