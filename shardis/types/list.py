"""List values in two encodings, as Redis 7.2 keeps them.

``ListPack`` (OBJECT ENCODING "listpack") is a ``bytes`` subclass: the whole
list is one immutable packed blob, so a small list costs one Python object.
Layout::

    [count: u16 LE][esum: u16 LE] entry*
    entry = [len prefix: 1..3 bytes][element bytes]
    len prefix: n < 0x80 -> n; n < 0x4000 -> 0x80|n>>8, n&255;
                else 0xC0|n>>16, n>>8&255, n&255

``esum`` is the sum of the sizes the elements would take in a real Redis
listpack (integer-looking elements are counted with listpack's integer
encodings), so ``esum + 7`` is Redis's ``lpBytes`` and the conversion rules
(list-max-listpack-size) trigger exactly where Redis's do.

``QuickList`` (OBJECT ENCODING "quicklist") holds a ``collections.deque`` of
``bytes`` (O(1) push/pop at both ends, O(n/64) indexing) and the running
listpack-size sum of its elements, used to decide the 7.2 conversion back to
listpack when the list shrinks to half the node limit. Redis converts back
only when its quicklist has a single node; the deque has no nodes, so the
"single node" condition is approximated by "the whole list would fit in one
node of half the limit".

A ListPack is immutable: every mutating helper returns the (possibly new)
value object and the caller stores it back in ``db.data``.

Module API (used by commands.lists and by blocking/serialization code):
``length(v)``, ``items(v)`` (a list), ``from_items(items)`` (best encoding),
``push(v, elems, left)``, ``pop(v, left, count)``, ``index(v, i)``,
``set_fill(fill)`` / ``set_compress_depth(d)`` (config hooks).
"""
from shardis.types.lpsize import entry_size
from collections import deque
from itertools import islice as _islice
from shardis.types import untracked

_SAFETY = 8192
_LEVELS = (4096, 8192, 16384, 32768, 65536)
FILL = -2
COMPRESS_DEPTH = 0

_LENB = [bytes((i,)) for i in range(128)]


# A quicklist may turn back into a listpack once its esum is at most SHRINK_ES
# and it has at most SHRINK_COUNT elements (see shrink_fits); kept in plain
# globals so the pop fast paths test two integers.
SHRINK_ES = _LEVELS[1] // 2 - 7
SHRINK_COUNT = 1 << 62


def set_fill(v):
    global FILL, SHRINK_ES, SHRINK_COUNT
    FILL = v
    if v < 0:
        SHRINK_ES = _LEVELS[min(-v - 1, 4)] // 2 - 7
        SHRINK_COUNT = 1 << 62
    else:
        SHRINK_ES = _SAFETY - 7
        SHRINK_COUNT = (v or 1) // 2


def set_compress_depth(v):
    global COMPRESS_DEPTH
    COMPRESS_DEPTH = v


esize = entry_size   # bytes ``b`` takes as one entry of a Redis listpack


def long_len(blob, i):
    """(length, offset of the data) of the entry at ``i`` whose length takes
    two or three bytes (a first byte >= 0x80; see ``entry_prefix``)."""
    l = blob[i]
    if l < 0xC0:
        return (l & 0x3F) << 8 | blob[i + 1], i + 2
    return (l & 0x3F) << 16 | blob[i + 1] << 8 | blob[i + 2], i + 3


def entry_prefix(n):
    """The 1-3 byte length prefix of an entry of ``n`` bytes (see ``long_len``)."""
    if n < 0x80:
        return _LENB[n]
    if n < 0x4000:
        return bytes((0x80 | n >> 8, n & 255))
    return bytes((0xC0 | n >> 16, n >> 8 & 255, n & 255))


def grow_exceeds(lpbytes, count):
    """quicklistNodeExceedsLimit for list-max-listpack-size."""
    f = FILL
    if f < 0:
        return lpbytes > _LEVELS[min(-f - 1, 4)]
    if lpbytes > _SAFETY:
        return True
    return count > (f or 1)


# -- quicklist nodes ------------------------------------------------------------
# Redis 7.2 keeps an element larger than a node may hold (or, after DEBUG
# QUICKLIST-PACKED-THRESHOLD, at least that threshold) in a "plain" node of
# its own; a quicklist with a plain node never turns back into a listpack.
# QuickList keeps no nodes (a deque of elements), so the node layout is
# derived when asked for (DEBUG OBJECT): node_layout() packs the elements
# head to tail the way successive tail pushes fill Redis's nodes.
DEFAULT_PACKED_THRESHOLD = 1 << 30
PACKED_THRESHOLD = DEFAULT_PACKED_THRESHOLD
_INSERT_OVERHEAD = 8        # Redis's per-insert size estimate margin


def set_packed_threshold(sz):
    """DEBUG QUICKLIST-PACKED-THRESHOLD: False when out of range (at most
    4GB - 1MB); 0 restores the default (1GB)."""
    global PACKED_THRESHOLD
    if sz > (1 << 32) - (1 << 20):
        return False
    PACKED_THRESHOLD = sz or DEFAULT_PACKED_THRESHOLD
    return True


def is_large(n):
    """True if an element of ``n`` bytes lives in a plain node (7.2 rule)."""
    if PACKED_THRESHOLD != DEFAULT_PACKED_THRESHOLD:
        return n >= PACKED_THRESHOLD
    f = FILL
    if f >= 0:
        return n > _SAFETY
    return n > _LEVELS[min(-f - 1, 4)]


def node_layout(v):
    """(nodes, plain nodes, sum of node sizes) of a quicklist holding
    ``v``'s elements: a packed node's size is its listpack's bytes, a plain
    node's the element's length."""
    nodes = plain = total = 0
    cur = -1                # bytes of the open packed node, -1: none open
    cnt = 0
    for x in (v.q if v.__class__ is QuickList else v.items()):
        n = len(x)
        if is_large(n):
            if cur >= 0:
                total += cur
                cur = -1
            nodes += 1
            plain += 1
            total += n
            continue
        if cur >= 0 and not grow_exceeds(cur + n + _INSERT_OVERHEAD, cnt + 1):
            cur += esize(x)
            cnt += 1
        else:
            if cur >= 0:
                total += cur
            nodes += 1
            cur = 7 + esize(x)
            cnt = 1
    if cur >= 0:
        total += cur
    return nodes, plain, total


def has_plain(v):
    """True if some element of quicklist ``v`` sits in a plain node. Only a
    lowered packed threshold can make this true of a list small enough to
    shrink, so with the default it costs one comparison."""
    t = PACKED_THRESHOLD
    if t == DEFAULT_PACKED_THRESHOLD:
        return False
    for x in v.q:
        if len(x) >= t:
            return True
    return False


def shrink_fits(lpbytes, count):
    """True if a quicklist of this size may turn back into a listpack (7.2:
    half of the node limits)."""
    f = FILL
    if f < 0:
        return lpbytes <= _LEVELS[min(-f - 1, 4)] // 2
    return count <= (f or 1) // 2 and lpbytes <= _SAFETY


@untracked
class ListPack(bytes):
    __slots__ = ()
    TYPE = b"list"
    encoding = b"listpack"

    def length(self):
        return self[0] | self[1] << 8

    def esum(self):
        return self[2] | self[3] << 8

    def uniform(self):
        """L if every element has the same length L < 128 and the byte L
        occurs nowhere inside the elements (so ``split`` on it is exact),
        else -1. Two C-level scans, no per-element Python work."""
        n = len(self)
        if n < 6:
            return -1
        l = self[4]
        if l >= 0x80:
            return -1
        cnt = self[0] | self[1] << 8
        if n != 4 + cnt * (l + 1):
            return -1
        b = _LENB[l]
        if self.count(b, 4) != cnt or self[4::l + 1] != b * cnt:
            return -1
        return l

    def items(self):
        l = self.uniform()
        if l > 0:
            out = self[4:].split(_LENB[l])
            del out[0]
            return out
        if l == 0:
            return [b""] * (self[0] | self[1] << 8)
        return self._walk(0, 1 << 30)

    def offset_of(self, k):
        """Byte offset where entry ``k`` starts (the blob's length for k == count)."""
        l = self.uniform()
        if l >= 0:
            return 4 + k * (l + 1)
        i = 4
        n = len(self)
        while k and i < n:
            l = self[i]
            if l < 0x80:
                i += 1 + l
            elif l < 0xC0:
                i += 2 + ((l & 0x3F) << 8 | self[i + 1])
            else:
                i += 3 + ((l & 0x3F) << 16 | self[i + 1] << 8 | self[i + 2])
            k -= 1
        return i

    def range_items(self, start, stop):
        """Elements start..stop (inclusive, normalised)."""
        l = self.uniform()
        if l > 0:
            w = l + 1
            out = self[4 + start * w:4 + (stop + 1) * w].split(_LENB[l])
            del out[0]
            return out
        if l == 0:
            return [b""] * (stop - start + 1)
        return self._walk(start, stop)

    def _walk(self, start, stop):
        out = []
        ap = out.append
        i = 4
        n = len(self)
        k = 0
        while i < n:
            l = self[i]
            if l < 0x80:
                i += 1
            else:
                l, i = long_len(self, i)
            if k >= start:
                if k > stop:
                    break
                ap(self[i:i + l])
            k += 1
            i += l
        return out

    def first_entry_end(self):
        """(element, offset after it) of the first entry."""
        i = 4
        l = self[i]
        if l < 0x80:
            i += 1
        else:
            l, i = long_len(self, i)
        return self[i:i + l], i + l

    def memory_usage(self):
        return self.__sizeof__()


def _header(count, es):
    return bytes((count & 255, count >> 8, es & 255, es >> 8))


def make_listpack(items, es=None):
    if es is None:
        es = 0
        for x in items:
            es += esize(x)
    parts = [_header(len(items), es)]
    ap = parts.append
    for x in items:
        n = len(x)
        ap(_LENB[n] if n < 0x80 else entry_prefix(n))
        ap(x)
    return ListPack(b"".join(parts))


class QuickList:
    __slots__ = ("q", "size")
    TYPE = b"list"
    encoding = b"quicklist"

    def __init__(self, q, size):
        self.q = q
        self.size = size

    def length(self):
        return len(self.q)

    def items(self):
        return list(self.q)

    # One element at an end: what LPUSH/RPUSH/LPOP/RPOP do to a growing list
    # (the handlers and their batch handlers both call these). A short
    # string whose first byte is above "9" cannot be an integer, so its
    # listpack size is its length + 2 without parsing it.
    def push_one(self, x, left):
        """Push ``x``; returns the new length."""
        q = self.q
        if left:
            q.appendleft(x)
        else:
            q.append(x)
        k = len(x)
        self.size += k + 2 if k < 64 and x >= b":" else esize(x)
        return len(q)

    def pop_one(self, left):
        """Pop one element of a list that keeps at least one; returns it and
        the value to keep (this list, or a listpack if it shrank)."""
        q = self.q
        x = q.popleft() if left else q.pop()
        k = len(x)
        s = self.size = self.size - (k + 2 if k < 64 and x >= b":" else esize(x))
        if s <= SHRINK_ES and len(q) <= SHRINK_COUNT:
            return x, maybe_shrink(self)
        return x, self

    def memory_usage(self):
        n = 64 + 624 + len(self.q) * 8
        for x in self.q:
            n += 33 + len(x)
        return n


def length(v):
    if v.__class__ is QuickList:
        return len(v.q)
    return v[0] | v[1] << 8


def items(v):
    return v.items()


def from_items(items):
    """A list value in the encoding Redis gives a list built at once
    (growing rules: listpack unless it exceeds the node limit)."""
    es = 0
    for x in items:
        es += esize(x)
    if grow_exceeds(es + 7, len(items)):
        return QuickList(deque(items), es)
    return make_listpack(items, es)


def maybe_shrink(v):
    """After removing elements: a quicklist small enough becomes a listpack."""
    if v.__class__ is QuickList and v.size <= SHRINK_ES and len(v.q) <= SHRINK_COUNT \
            and not has_plain(v):
        return make_listpack(list(v.q), v.size)
    return v


def push(v, elems, left, start=0):
    """Push ``elems[start:]`` (in order) to the head (left) or tail; returns
    the new value. ``v`` may be None (creates a list)."""
    if v is None:
        v = _EMPTY
    if v.__class__ is QuickList:
        q = v.q
        s = v.size
        if left:
            for i in range(start, len(elems)):
                x = elems[i]
                q.appendleft(x)
                s += esize(x)
        else:
            for i in range(start, len(elems)):
                x = elems[i]
                q.append(x)
                s += esize(x)
        v.size = s
        return v
    count = v[0] | v[1] << 8
    es = v[2] | v[3] << 8
    add_bytes = 0
    for i in range(start, len(elems)):
        add_bytes += len(elems[i])
    nadd = len(elems) - start
    if grow_exceeds(es + 7 + add_bytes, count + nadd):
        q = deque(v.items())
        ql = QuickList(q, es)
        return push(ql, elems, left, start)
    parts = []
    ap = parts.append
    for i in range(start, len(elems)):
        x = elems[i]
        n = len(x)
        es += esize(x)
        ap(_LENB[n] if n < 0x80 else entry_prefix(n))
        ap(x)
    count += nadd
    if left:
        if nadd > 1:
            # each element goes to the head in turn: the last ends up first
            pairs = [parts[i] + parts[i + 1] for i in range(0, len(parts), 2)]
            pairs.reverse()
            body = b"".join(pairs)
        else:
            body = b"".join(parts)
        return ListPack(_header(count, es) + body + v[4:])
    return ListPack(_header(count, es) + v[4:] + b"".join(parts))


def pop(v, left, count):
    """Remove up to ``count`` elements from one end. Returns (new value or
    None when emptied, list of popped elements in pop order)."""
    if v.__class__ is QuickList:
        q = v.q
        n = len(q)
        if count >= n:
            out = list(q)
            if not left:
                out.reverse()
            return None, out
        if count == 1:
            x, nv = v.pop_one(left)
            return nv, [x]
        s = v.size
        f = q.popleft if left else q.pop
        out = [f() for _ in range(count)]
        for x in out:
            s -= esize(x)
        v.size = s
        return maybe_shrink(v), out
    n = v[0] | v[1] << 8
    if count >= n:
        out = v.items()
        if not left:
            out.reverse()
        return None, out
    if left and count == 1:
        x, end = v.first_entry_end()
        es = (v[2] | v[3] << 8) - esize(x)
        return ListPack(_header(n - 1, es) + v[end:]), [x]
    # cut the blob at the boundary entry: no rebuild of the kept part
    k = count if left else n - count
    off = v.offset_of(k)
    if left:
        out = v.range_items(0, count - 1)
        body = v[off:]
    else:
        out = v.range_items(k, n - 1)
        out.reverse()
        body = v[4:off]
    es = v[2] | v[3] << 8
    for x in out:
        es -= esize(x)
    return ListPack(_header(n - count, es) + body), out


def index(v, i):
    """Element at index ``i`` (negative from the tail) or None."""
    if v.__class__ is QuickList:
        q = v.q
        n = len(q)
        if i < 0:
            i += n
        if 0 <= i < n:
            return q[i]
        return None
    n = v[0] | v[1] << 8
    if i < 0:
        i += n
    if 0 <= i < n:
        return v.range_items(i, i)[0]
    return None


def range_(v, start, stop):
    """Elements start..stop inclusive (already-normalised, 0 <= start <= stop < len)."""
    if v.__class__ is QuickList:
        q = v.q
        n = len(q)
        if stop - start + 1 == n:
            return list(q)
        if start > n - 1 - stop:
            out = list(_islice(reversed(q), n - 1 - stop, n - start))
            out.reverse()
            return out
        return list(_islice(q, start, stop + 1))
    return v.range_items(start, stop)


_EMPTY = ListPack(b"\x00\x00\x00\x00")
