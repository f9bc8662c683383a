"""Hash values in Redis 7.2's two encodings.

``HashLP`` (OBJECT ENCODING "listpack") is a ``bytes`` subclass holding the
whole hash as one marker listpack map blob (types/listpack.py): field lookup
is one ``bytes.find``.  It is immutable: mutating helpers return a new value
and the command stores it back in ``db.data``.

``HashHT`` (OBJECT ENCODING "hashtable") is a ``dict`` subclass (field ->
value), mutated in place, as fast as a plain dict.  Two slots support
HRANDFIELD and HSCAN: ``_keys`` caches ``list(self)`` for random picks
(dropped whenever a field is added or removed) and ``_idx`` is the HSCAN
cursor index (keyspace.scan.HashIndex), created by the first HSCAN; the
commands ``discard`` removed fields from it and ``sync`` it before a scan.

Limits (hash-max-listpack-entries / -value) are module globals set by the
config hooks in commands/hashes.py.
"""
import sys

from shardis.types import listpack as LP

MAX_ENTRIES = 512
MAX_VALUE = 64


class HashLP(bytes):
    __slots__ = ()
    TYPE = b"hash"
    encoding = b"listpack"

    def size(self):
        return self.count(LP.VSEP)

    def get(self, f):
        return LP.map_get(self, f)

    def flat(self):
        return LP.map_flat(self)

    def fields(self):
        fl = LP.map_flat(self)
        return fl[0::2]

    def items(self):
        fl = LP.map_flat(self)
        return list(zip(fl[0::2], fl[1::2]))

    def copy(self):
        return self

    def to_ht(self):
        fl = LP.map_flat(self)
        h = HashHT(zip(fl[0::2], fl[1::2]))
        return h

    def memory_usage(self):
        return sys.getsizeof(self)


class HashHT(dict):
    __slots__ = ("_keys", "_idx")
    TYPE = b"hash"
    encoding = b"hashtable"

    def __init__(self, *a):
        dict.__init__(self, *a)
        self._keys = None
        self._idx = None

    def size(self):
        return len(self)

    def flat(self):
        out = []
        for kv in dict.items(self):
            out.extend(kv)
        return out

    def fields(self):
        return list(self)

    def set(self, field, value):
        """Set one field; True if it is new."""
        new = field not in self
        self[field] = value
        if new:
            self._keys = None
        return new

    def keys_list(self):
        k = self._keys
        if k is None:
            k = self._keys = list(self)
        return k

    def copy(self):
        return HashHT(self)

    def memory_usage(self):
        n = sys.getsizeof(self)
        for k, v in dict.items(self):
            n += sys.getsizeof(k) + sys.getsizeof(v)
        return n


def from_pairs(pairs):
    """A hash of the given (field, value) pairs (later pairs overwrite), with
    the encoding Redis would pick building it field by field."""
    d = {}
    for f, v in pairs:
        d[f] = v
    return from_dict(d)


def from_dict(d):
    if len(d) > MAX_ENTRIES:
        return HashHT(d)
    lim = MAX_VALUE
    for f, v in d.items():
        if len(f) > lim or len(v) > lim:
            return HashHT(d)
    return HashLP(LP.map_pack(d.items()))


def fits_listpack(args, start):
    """hashTypeTryConversion: False when these arguments force a hashtable."""
    n = len(args) - start
    if (n >> 1) > MAX_ENTRIES:
        return False
    lim = MAX_VALUE
    for i in range(start, len(args)):
        if len(args[i]) > lim:
            return False
    return True
