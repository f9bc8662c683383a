"""Sorted packed integer arrays, Redis's intset.

An intset is a ``bytes`` subclass holding the members as native signed
integers of one width, ascending.  The width is the class: ``IntSet16``,
``IntSet32`` or ``IntSet64`` (2, 4, 8 bytes per member, no header), so a
10-member set of small numbers is one 33+20 byte object.  Adding a value
that does not fit the current width upgrades the whole blob to the next
class, as Redis's intsetUpgradeAndAdd does; the width never goes down.

Lookups cast a memoryview to the width's C type and bisect it in C.
These are pure representation helpers: the set semantics (conversion to
listpack/hashtable, OBJECT ENCODING "intset") live in types/set.py, which
subclasses these classes.
"""
from bisect import bisect_left
from struct import Struct

_I16 = (-(1 << 15), (1 << 15) - 1)
_I32 = (-(1 << 31), (1 << 31) - 1)


def width_code(v):
    """Struct/memoryview format needed to hold ``v``."""
    if _I16[0] <= v <= _I16[1]:
        return "h"
    if _I32[0] <= v <= _I32[1]:
        return "i"
    return "q"


_RANK = {"h": 0, "i": 1, "q": 2}
_PACK1 = {c: Struct("=" + c).pack for c in _RANK}
_SIZE = {"h": 2, "i": 4, "q": 8}


class IntSetBase(bytes):
    __slots__ = ()
    CODE = "q"
    SIZE = 8

    def ints(self):
        """The members as a memoryview of ints (ascending)."""
        return memoryview(self).cast(self.CODE)

    def count_members(self):
        return len(self) // self.SIZE

    def contains(self, v):
        m = memoryview(self).cast(self.CODE)
        i = bisect_left(m, v)
        return i < len(m) and m[i] == v

    def min(self):
        return memoryview(self).cast(self.CODE)[0]

    def max(self):
        return memoryview(self).cast(self.CODE)[-1]


def pack_sorted(code, values):
    """Packed bytes of ascending ``values`` at width ``code``."""
    return Struct("=%d%s" % (len(values), code)).pack(*values)


def insert(s, v, classes):
    """(new blob class instance, added?) for ``s`` + ``v``.  ``classes`` maps a
    width code to the concrete class to build."""
    code = s.CODE
    need = width_code(v)
    if _RANK[need] > _RANK[code]:
        # upgrade: v is outside the current range, so it goes at one end
        vals = list(memoryview(s).cast(code))
        if v < 0:
            vals.insert(0, v)
        else:
            vals.append(v)
        return classes[need](pack_sorted(need, vals)), True
    m = memoryview(s).cast(code)
    i = bisect_left(m, v)
    if i < len(m) and m[i] == v:
        return s, False
    size = s.SIZE
    off = i * size
    m.release()
    return classes[code](b"".join((s[:off], _PACK1[code](v), s[off:]))), True


def remove(s, v):
    """Blob bytes without ``v`` or None when absent."""
    m = memoryview(s).cast(s.CODE)
    i = bisect_left(m, v)
    if i < len(m) and m[i] == v:
        size = s.SIZE
        m.release()
        return s[:i * size] + s[(i + 1) * size:]
    return None


def build(values, classes):
    """An intset of the given (distinct or not) ints."""
    vals = sorted(set(values))
    if not vals:
        return classes["h"](b"")
    code = width_code(vals[0])
    c2 = width_code(vals[-1])
    if _RANK[c2] > _RANK[code]:
        code = c2
    return classes[code](pack_sorted(code, vals))
