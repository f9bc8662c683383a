"""Hash values in Redis 7.2's two encodings.

``HashLP`` (OBJECT ENCODING "listpack") is a ``bytes`` subclass holding the
whole hash as one marker listpack map blob (types/listpack.py): field lookup
is one ``bytes.find``.  It is immutable: mutating helpers return a new value
and the command stores it back in ``db.data``.

``HashHT`` (OBJECT ENCODING "hashtable") is a subclass of the compiled
``shardis.native.HashTable`` (field -> value, short values embedded in the
field's entry), mutated in place.  The table itself answers HRANDFIELD
(``random_key``, ``random_item``, ``sample``) and HSCAN (``scan``: a
reverse-binary cursor over its buckets, so every field present for a whole
iteration is returned, under growth and shrink) and knows its exact size
(``mem_bytes``).

Limits (hash-max-listpack-entries / -value) are module globals set by the
config hooks in commands/hashes.py.
"""
import sys

from shardis.native import HashTable
from shardis.types import listpack as LP
from shardis.types import untracked

MAX_ENTRIES = 512
MAX_VALUE = 64


@untracked
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


class HashHT(HashTable):
    """The hashtable encoding: the compiled table plus the value API the
    commands share with HashLP (size, flat, fields, copy, ...).  Inherited
    from the table: get, set (True when the field is new), pop, [], in, len,
    keys/values/items, random_key, random_item, sample, scan, mem_bytes."""
    __slots__ = ()
    TYPE = b"hash"
    encoding = b"hashtable"

    def __init__(self, pairs=()):
        if pairs.__class__ is dict or isinstance(pairs, HashTable):
            pairs = pairs.items()
        for f, v in pairs:
            self[f] = v

    def size(self):
        return len(self)

    def flat(self):
        return [x for kv in self.items() for x in kv]

    def fields(self):
        return self.keys()

    def copy(self):
        return HashHT(self.items())

    def memory_usage(self):
        return self.mem_bytes()


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
