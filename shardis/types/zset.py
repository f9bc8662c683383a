"""Sorted set values in two encodings, as Redis keeps them.

``ZPack`` (OBJECT ENCODING "listpack") is a ``bytes`` subclass: the whole
sorted set is one immutable packed blob, entries in (score, member) order::

    [count: u32 LE] entry*
    entry = [member len prefix: 1..3 bytes][member][score]
    len prefix: n < 0x80 -> n; n < 0x4000 -> 0x80|n>>8, n&255;
                else 0xC0|n>>16, n>>8&255, n&255
    score: tag byte t; t < 0xF0: the integer t; 0xF0: i16 LE follows;
           0xF1: i32 LE; 0xF2: IEEE double LE (fractions, big values, -0.0, inf)

``ZSkip`` (OBJECT ENCODING "skiplist") is Redis's dict + skiplist pair: a
member -> score ``dict`` and a ``ScoreList`` (types/scorelist.py: the
order-statistic role of the skiplist, insert, delete, rank, index and bisect
in O(log n)) holding the scores in arrays of doubles beside the dict's own
member objects. ``seq()`` is that ScoreList: (score, member) pairs.

Both classes share one API. A ZPack is immutable, so mutators return the
(possibly new) value and the caller stores it back (``db.store(key, v``):)

- ``v.card()``                     number of members
- ``v.score(member)``              float or None
- ``v.seq()``                      sorted sequence of (score, member): a list
                                   (ZPack) or the ScoreList itself (ZSkip);
                                   supports len, indexing, slicing
- ``v.rank(member)``               0-based rank or None
- ``v.add(member, score) -> v``    insert or update
- ``v.remove(member) -> (v, bool)``
- ``v.items()``                    list of (member, score) in order
- ``from_pairs(dict_or_pairs)``    build with the encoding Redis would pick
- ``bisect_left(seq, key)`` / ``bisect_right(seq, key)`` for range lookups;
  ``TOP`` sorts after every member: (score, TOP) bounds a score from above.

Geo (GEOADD...) stores its points in these values.
"""
from shardis.types.list import long_len, entry_prefix as _prefix
import bisect as _bisect
import struct

from shardis.types.scorelist import ScoreList
from shardis.types import untracked

MAX_ENTRIES = 128
MAX_VALUE = 64

_LENB = [bytes((i,)) for i in range(128)]
_I16 = struct.Struct("<h")
_I32 = struct.Struct("<i")
_DBL = struct.Struct("<d")
_SCB = [bytes((i,)) for i in range(0xF0)]


def set_max_entries(v):
    global MAX_ENTRIES
    MAX_ENTRIES = v


def set_max_value(v):
    global MAX_VALUE
    MAX_VALUE = v


class _Top:
    """Compares greater than any bytes member."""
    __slots__ = ()

    def __lt__(self, o):
        return False

    def __gt__(self, o):
        return True

    def __le__(self, o):
        return o is self

    def __ge__(self, o):
        return True

    def __eq__(self, o):
        return o is self

    def __hash__(self):
        return 0


TOP = _Top()


def _enc_score(s):
    # -0.0 becomes 0 here, as Redis's listpack stores it (the skiplist keeps -0)
    if s.is_integer() and -2147483648 <= s <= 2147483647:
        i = int(s)
        if 0 <= i < 0xF0:
            return _SCB[i]
        if -32768 <= i <= 32767:
            return b"\xf0" + _I16.pack(i)
        return b"\xf1" + _I32.pack(i)
    return b"\xf2" + _DBL.pack(s)


def _decode(blob):
    """List of (score, member) from a ZPack blob."""
    out = []
    ap = out.append
    i = 4
    n = len(blob)
    while i < n:
        l = blob[i]
        if l < 0x80:
            i += 1
        else:
            l, i = long_len(blob, i)
        m = blob[i:i + l]
        i += l
        t = blob[i]
        if t < 0xF0:
            s = float(t)
            i += 1
        elif t == 0xF0:
            s = float(_I16.unpack_from(blob, i + 1)[0])
            i += 3
        elif t == 0xF1:
            s = float(_I32.unpack_from(blob, i + 1)[0])
            i += 5
        else:
            s = _DBL.unpack_from(blob, i + 1)[0]
            i += 9
        ap((s, m))
    return out


def _encode(seq):
    """ZPack from a sorted sequence of (score, member)."""
    n = len(seq)
    parts = [bytes((n & 255, n >> 8 & 255, n >> 16 & 255, n >> 24 & 255))]
    ap = parts.append
    for s, m in seq:
        k = len(m)
        ap(_LENB[k] if k < 0x80 else _prefix(k))
        ap(m)
        ap(_enc_score(s))
    return ZPack(b"".join(parts))


def fits_listpack(count, maxlen):
    return count <= MAX_ENTRIES and maxlen <= MAX_VALUE


@untracked
class ZPack(bytes):
    __slots__ = ()
    TYPE = b"zset"
    encoding = b"listpack"

    def card(self):
        return self[0] | self[1] << 8 | self[2] << 16 | self[3] << 24

    def seq(self):
        return _decode(self)

    def items(self):
        return [(m, s) for s, m in _decode(self)]

    def score(self, member):
        for s, m in _decode(self):
            if m == member:
                return s
        return None

    def rank(self, member):
        for i, (s, m) in enumerate(_decode(self)):
            if m == member:
                return i
        return None

    def add(self, member, score):
        seq = [p for p in _decode(self) if p[1] != member]
        if len(seq) + 1 > MAX_ENTRIES or len(member) > MAX_VALUE:
            z = ZSkip.from_seq(seq)
            return z.add(member, score)
        _bisect.insort(seq, (score, member))
        return _encode(seq)

    def remove(self, member):
        seq = _decode(self)
        for i, p in enumerate(seq):
            if p[1] == member:
                del seq[i]
                return _encode(seq), True
        return self, False

    def find_slot(self, member, score):
        """One walk over the entries: (old score of ``member`` or None, start
        and end offsets of its entry, offset where (score, member) goes among
        the other entries). Members are compared only when lengths match."""
        n = len(self)
        i = 4
        ml = len(member)
        old = None
        ostart = oend = -1
        ins = -1
        while i < n:
            start = i
            l = self[i]
            if l < 0x80:
                i += 1
            else:
                l, i = long_len(self, i)
            ms = i
            i += l
            t = self[i]
            if t < 0xF0:
                sc = t
                i += 1
            elif t == 0xF0:
                sc = _I16.unpack_from(self, i + 1)[0]
                i += 3
            elif t == 0xF1:
                sc = _I32.unpack_from(self, i + 1)[0]
                i += 5
            else:
                sc = _DBL.unpack_from(self, i + 1)[0]
                i += 9
            if old is None and l == ml and self[ms:ms + l] == member:
                old = float(sc)
                ostart = start
                oend = i
                if ins >= 0:
                    break
                continue
            if ins < 0 and (sc > score or (sc == score and self[ms:ms + l] > member)):
                ins = start
                if old is not None:
                    break
        if ins < 0:
            ins = n
        return old, ostart, oend, ins

    def splice(self, member, score, ins, ostart, oend):
        """New blob with (score, member) inserted at offset ``ins`` and, when
        ``ostart`` >= 0, the entry [ostart, oend) (its old place) removed."""
        k = len(member)
        e = (_LENB[k] if k < 0x80 else _prefix(k)) + member + _enc_score(score)
        n = self[0] | self[1] << 8 | self[2] << 16 | self[3] << 24
        if ostart < 0:
            n += 1
            parts = (self[4:ins], e, self[ins:])
        elif ins <= ostart:
            parts = (self[4:ins], e, self[ins:ostart], self[oend:])
        else:
            parts = (self[4:ostart], self[oend:ins], e, self[ins:])
        return ZPack(bytes((n & 255, n >> 8 & 255, n >> 16 & 255, n >> 24 & 255)) + b"".join(parts))

    def memory_usage(self):
        return self.__sizeof__()


class _Order(ScoreList):
    """A ZSkip's (score, member) pairs in order, with the bisection keys of
    the range code: (score,) sorts before every member of the score,
    (score, TOP) after every one, (score, member) as the tuple."""
    __slots__ = ()

    def bisect_left(self, key):
        if len(key) == 1:
            return self.index_score(key[0])
        if key[1] is TOP:
            return self.index_score(key[0], True)
        return self.index(key[0], key[1])

    def bisect_right(self, key):
        if len(key) == 2 and key[1] is not TOP:
            return self.index(key[0], key[1], True)
        return self.bisect_left(key)    # (score,) and (score, TOP) match no pair


class ZSkip:
    __slots__ = ("d", "sl", "_idx")
    TYPE = b"zset"
    encoding = b"skiplist"

    def __init__(self):
        self.d = {}
        self.sl = _Order()
        self._idx = None        # ZSCAN's HashIndex over ``d`` (commands.util.scan_table)

    @classmethod
    def from_seq(cls, seq):
        """From (score, member) pairs sorted, members unique."""
        z = cls()
        z.d = {m: s for s, m in seq}
        # the members the order holds are the dict's own key objects
        z.sl = _Order(seq)
        return z

    def card(self):
        return len(self.d)

    def seq(self):
        return self.sl

    def items(self):
        return [(m, s) for s, m in self.sl]

    def score(self, member):
        return self.d.get(member)

    def rank(self, member):
        s = self.d.get(member)
        if s is None:
            return None
        return self.sl.index(s, member)

    def add(self, member, score):
        d = self.d
        old = d.get(member)
        if old is None:
            self.sl.insert(score, member)
        elif old == score:
            return self
        else:
            self.sl.move(old, score, member)
        d[member] = score
        return self

    def insert(self, member, score, old=None):
        """Add a member that is not in the set (``old`` None) or move one
        from score ``old`` (``old != score``)."""
        self.d[member] = score
        if old is None:
            self.sl.insert(score, member)
        else:
            self.sl.move(old, score, member)

    def remove(self, member):
        s = self.d.pop(member, None)
        if s is None:
            return self, False
        self.sl.delete(s, member)
        if self._idx is not None:
            self._idx.discard(member)
        return self, True

    def pop(self, index):
        """Remove the element at ``index`` (0 or -1): (score, member)."""
        s, m = self.sl.pop(index)
        del self.d[m]
        if self._idx is not None:
            self._idx.discard(m)
        return s, m

    def memory_usage(self):
        n = len(self.d)
        return 232 + n * (72 + 24 + 8) + sum(33 + len(m) for m in self.d) + self.sl.memory_usage()


def from_pairs(pairs):
    """A zset from (member, score) pairs (members unique), in the encoding
    Redis gives a set built at once; None when empty."""
    seq = sorted((s, m) for m, s in pairs)
    if not seq:
        return None
    maxlen = max(len(m) for s, m in seq)
    if fits_listpack(len(seq), maxlen):
        return _encode(seq)
    return ZSkip.from_seq(seq)


def from_seq_listpack_or_skip(seq, force_skip=False):
    """Sorted (score, member) list -> value (listpack if it fits)."""
    if not force_skip and fits_listpack(len(seq), max((len(m) for s, m in seq), default=0)):
        return _encode(seq)
    return ZSkip.from_seq(seq)


def bisect_left(seq, key):
    if seq.__class__ is list:
        return _bisect.bisect_left(seq, key)
    return seq.bisect_left(key)


def bisect_right(seq, key):
    if seq.__class__ is list:
        return _bisect.bisect_right(seq, key)
    return seq.bisect_right(key)


def encode_seq(seq):
    return _encode(seq)
