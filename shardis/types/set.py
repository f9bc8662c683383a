"""Set values in Redis 7.2's three encodings, with its conversion rules.

- ``SetInt16`` / ``SetInt32`` / ``SetInt64`` (OBJECT ENCODING "intset"):
  ``bytes`` subclasses from types/intset.py, members sorted ascending.
- ``SetLP`` ("listpack", new in 7.2): a ``bytes`` subclass holding a marker
  listpack sequence (types/listpack.py), members in insertion order.
- ``SetHT`` ("hashtable"): a subclass of the compiled
  ``shardis.native.SetTable`` (members embedded in the table's entries),
  mutated in place.  The table draws uniform random members itself
  (``random_key``, ``pop_random``, ``sample``: SRANDMEMBER, SPOP) and walks
  by a reverse-binary cursor (``scan``: SSCAN).

Every encoding shares one API: ``add``/``remove``/``pop_one`` return
``(new value, result)`` and the caller stores the new value when it is not
the same object (the compact ones are immutable; SetHT returns itself, and
overrides the table's ``add``/``remove``, which stay reachable as
``SetTable.add(s, m)`` -> bool).  Conversions follow t_set.c of Redis 7.2: an intset grows
into a hashtable past set-max-intset-entries, a non-integer member turns an
intset into a listpack (when the listpack limits allow) or a hashtable, a
listpack grows into a hashtable, and nothing ever converts back except a
rebuilt value (``create``).

Limits are module globals set by the config hooks in commands/sets.py.
"""
import sys
from random import randrange

from shardis.native import SetTable
from shardis.types import listpack as LP
from shardis.types import intset as IS
from shardis.util.numbers import parse_int
from shardis.types import untracked

MAX_INTSET = 512
MAX_LP_ENTRIES = 128
MAX_LP_VALUE = 64


def _digits(v):
    return len(b"%d" % v)


class _IntSetMixin:
    __slots__ = ()
    TYPE = b"set"
    encoding = b"intset"

    def size(self):
        return len(self) // self.SIZE

    def members(self):
        return [b"%d" % v for v in memoryview(self).cast(self.CODE)]

    def ismember(self, m):
        v = parse_int(m)
        if v is None:
            return False
        return self.contains(v)

    def add(self, m):
        v = parse_int(m)
        if v is not None:
            new, added = IS.insert(self, v, _INTSET_CLASSES)
            if added and new.size() > min(MAX_INTSET, 1 << 30):
                return _to_ht(new.members()), True
            return new, added
        n = self.size()
        maxlen = max(_digits(self.min()), _digits(self.max())) if n else 0
        if n < MAX_LP_ENTRIES and len(m) <= MAX_LP_VALUE and maxlen <= MAX_LP_VALUE:
            items = self.members()
            items.append(m)
            return SetLP(LP.seq_pack(items)), True
        items = self.members()
        items.append(m)
        return _to_ht(items), True

    def remove(self, m):
        v = parse_int(m)
        if v is None:
            return self, False
        b = IS.remove(self, v)
        if b is None:
            return self, False
        return self.__class__(b), True

    def random(self):
        m = memoryview(self).cast(self.CODE)
        return b"%d" % m[randrange(len(m))]

    def pop_one(self):
        m = memoryview(self).cast(self.CODE)
        i = randrange(len(m))
        v = m[i]
        size = self.SIZE
        m.release()
        return self.__class__(self[:i * size] + self[(i + 1) * size:]), b"%d" % v

    def copy(self):
        return self

    def memory_usage(self):
        return sys.getsizeof(self)


@untracked
class SetInt16(_IntSetMixin, IS.IntSetBase):
    __slots__ = ()
    CODE = "h"
    SIZE = 2


@untracked
class SetInt32(_IntSetMixin, IS.IntSetBase):
    __slots__ = ()
    CODE = "i"
    SIZE = 4


@untracked
class SetInt64(_IntSetMixin, IS.IntSetBase):
    __slots__ = ()
    CODE = "q"
    SIZE = 8


_INTSET_CLASSES = {"h": SetInt16, "i": SetInt32, "q": SetInt64}
INTSET_CLASSES = (SetInt16, SetInt32, SetInt64)


@untracked
class SetLP(bytes):
    __slots__ = ()
    TYPE = b"set"
    encoding = b"listpack"

    def size(self):
        return self.count(LP.SEP) - 1

    def members(self):
        return LP.seq_items(self)

    def ismember(self, m):
        return LP.seq_contains(self, m)

    def add(self, m):
        if LP.seq_contains(self, m):
            return self, False
        if self.size() < MAX_LP_ENTRIES and len(m) <= MAX_LP_VALUE:
            return SetLP(LP.seq_append(self, m)), True
        items = self.members()
        items.append(m)
        return _to_ht(items), True

    def remove(self, m):
        b = LP.seq_remove(self, m)
        if b is None:
            return self, False
        return SetLP(b), True

    def random(self):
        items = self.members()
        return items[randrange(len(items))]

    def pop_one(self):
        items = self.members()
        i = randrange(len(items))
        m = items.pop(i)
        return SetLP(LP.seq_pack(items)), m

    def copy(self):
        return self

    def memory_usage(self):
        return sys.getsizeof(self)


class SetHT(SetTable):
    __slots__ = ()
    TYPE = b"set"
    encoding = b"hashtable"

    def __init__(self, items=()):
        add = _st_add
        for m in items:
            add(self, m)

    def size(self):
        return len(self)

    # members(): the table's (a list, in table order)

    def ismember(self, m):
        return m in self

    def add(self, m):
        return self, _st_add(self, m)

    def remove(self, m):
        return self, _st_discard(self, m)

    def random(self):
        return self.random_key()

    def pop_one(self):
        return self, self.pop_random()

    def copy(self):
        return SetHT(self.members())

    def memory_usage(self):
        return self.mem_bytes()


_st_add = SetTable.add
_st_discard = SetTable.discard


def _to_ht(items):
    return SetHT(items)


def create(first, size_hint):
    """setTypeCreate: an empty set able to take ``first`` (bytes or None for
    "any string") sized for ``size_hint`` members."""
    if first is not None and size_hint <= MAX_INTSET and parse_int(first) is not None:
        return SetInt16(b"")
    if size_hint <= MAX_LP_ENTRIES:
        return SetLP(LP.EMPTY)
    return SetHT()


def maybe_convert(s, size_hint):
    """setTypeMaybeConvert: grow a compact set into a hashtable when an
    operation announces more members than its limit."""
    cls = s.__class__
    if cls is SetLP:
        if size_hint > MAX_LP_ENTRIES:
            return SetHT(s.members())
    elif cls is not SetHT:
        if size_hint > MAX_INTSET:
            return SetHT(s.members())
    return s


def add_many(s, members):
    """Add members one by one; (new value, number added)."""
    added = 0
    i = 0
    n = len(members)
    while i < n and s.__class__ is not SetHT:
        s, a = s.add(members[i])
        if a:
            added += 1
        i += 1
    if i < n:
        add = _st_add
        for j in range(i, n):
            if add(s, members[j]):
                added += 1
    return s, added


def build(members):
    """A set rebuilt from scratch (SINTERSTORE/SUNIONSTORE/...): starts as an
    intset and adds members in order, as sunionDiffGenericCommand does."""
    return add_many(SetInt16(b""), members)[0]


SET_CLASSES = (SetInt16, SetInt32, SetInt64, SetLP, SetHT)
