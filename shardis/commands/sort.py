"""SORT and SORT_RO over lists, sets and sorted sets.

Numeric sorting parses every weight like C's strtod (hex floats, inf,
leading blanks; nan, trailing garbage and out-of-range values fail with
Redis's "One or more scores can't be converted into double"); equal scores
are ordered by the elements' bytes. ALPHA compares bytes (strcoll in the C /
C.UTF-8 collation Redis runs with compares code points, i.e. bytes for UTF-8,
and stops at a NUL byte; STORE compares the full binary strings). The sort is
stable, as glibc's merge-sort qsort is, so ties (missing BY weights under
ALPHA) keep the container's order.
"""
import re

from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import parse_int
from shardis.protocol.resp import integer, error
from shardis.types import list as L

_BYTES = bytes
_BYTEARRAY = bytearray
SCORE_ERR = error("ERR One or more scores can't be converted into double")
_LMAX = 2 ** 63 - 1

_DEC = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?\Z")
_INF = re.compile(rb"[+-]?(?:inf|infinity)\Z", re.I)
_NAN = re.compile(rb"[+-]?nan(?:\([0-9A-Za-z_]*\))?\Z", re.I)
_NONZERO = re.compile(rb"[1-9]")


def strtod_full(b):
    """The double C's strtod reads when it must consume all of ``b``, or None
    (garbage, NaN, ERANGE overflow/underflow)."""
    z = b.find(b"\0")
    if z >= 0:
        b = b[:z]
    s = b.lstrip(b" \t\n\v\f\r")
    if not s:
        return 0.0 if b == b"" else None
    if _DEC.match(s):
        v = float(s)
        mant = s.split(b"e")[0].split(b"E")[0]
        if v in (float("inf"), float("-inf")) or (v == 0.0 and _NONZERO.search(mant)) \
                or 0.0 < abs(v) < 2.2250738585072014e-308:
            return None
        return v
    m = _HEX.match(s)
    if m and (m.group(2) or m.group(3)):
        digits = m.group(2) + m.group(3)
        v = int(digits, 16) if digits else 0
        exp = int(m.group(4) or 0) - 4 * len(m.group(3))
        try:
            v = float(v) * (2.0 ** exp) if exp > -1070 else v / (2 ** -exp)
        except OverflowError:
            return None
        if v in (float("inf"),) or (v == 0.0 and int(digits, 16)):
            return None
        return -v if m.group(1) == b"-" else v
    if _INF.match(s):
        return float("-inf") if s[:1] == b"-" else float("inf")
    return None


def _lookup_pattern(db, pattern, subst):
    """The value SORT's BY/GET ``pattern`` designates for element ``subst``:
    '#' is the element, 'pre*post' the string key, 'pre*post->field' a hash
    field. None when missing or of another type."""
    if pattern == b"#":
        return subst
    p = pattern.find(b"*")
    if p < 0:
        return None
    f = pattern.find(b"->", p + 1)
    if f >= 0 and f + 2 < len(pattern):
        field = pattern[f + 2:]
        key = pattern[:p] + subst + pattern[p + 1:f]
    else:
        field = None
        key = pattern[:p] + subst + pattern[p + 1:]
    v = db.lookup_read(key)
    if v is None:
        return None
    cls = v.__class__
    if field is not None:
        if getattr(v, "TYPE", None) != b"hash":
            return None
        return v.get(field)
    if cls is not _BYTES and cls is not _BYTEARRAY:
        return None
    return v


def _coll(b):
    z = b.find(b"\0")
    return b if z < 0 else b[:z]


def _sort_generic(c, argv, readonly):
    desc = alpha = dontsort = False
    ls, lc = 0, -1
    store = None
    sortby = None
    gets = []
    n = len(argv)
    j = 2
    while j < n:
        left = n - j - 1
        opt = argv[j].lower()
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            ls = parse_int(argv[j + 1])
            lc = parse_int(argv[j + 2]) if ls is not None else None
            if ls is None or lc is None:
                return E.NOT_INT
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            store = argv[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = argv[j + 1]
            if b"*" not in sortby.split(b"\0", 1)[0]:
                dontsort = True
            j += 1
        elif opt == b"get" and left >= 1:
            gets.append(argv[j + 1])
            j += 1
        else:
            return E.SYNTAX
        j += 1

    db = c.db
    v = db.lookup_read(argv[1])
    if v is None:
        kind = b"list"
        elems = []
    else:
        kind = v.TYPE if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY else b"string"
        if kind not in (b"list", b"set", b"zset"):
            return E.WRONGTYPE
    if dontsort and kind == b"set" and store is not None:
        dontsort = False
        alpha = True
        sortby = None

    if v is not None:
        if kind == b"list":
            elems = L.items(v)
        elif kind == b"set":
            elems = v.members()
        else:
            elems = [m for m, _ in v.items()]
    vlen = len(elems)
    start = min(max(ls, 0), vlen)
    lc = min(max(lc, -1), vlen)
    end = vlen - 1 if lc < 0 else start + lc - 1
    if start >= vlen:
        start = vlen - 1
        end = vlen - 2
    if end >= vlen:
        end = vlen - 1

    if dontsort and kind != b"set":
        if end >= start:
            seq = elems[::-1] if desc else elems
            vector = seq[start:end + 1]
        else:
            vector = []
        end -= start
        start = 0
    else:
        vector = elems

    if not dontsort:
        if alpha:
            if sortby is not None:
                def keyf(e):
                    w = _lookup_pattern(db, sortby, e)
                    if w is None:
                        return (0, b"")
                    return (1, bytes(w) if store is not None else _coll(bytes(w)))
            elif store is not None:
                keyf = None
            else:
                keyf = _coll
            vector = sorted(vector, key=keyf, reverse=desc)
        else:
            scored = []
            bad = False
            for e in vector:
                w = _lookup_pattern(db, sortby, e) if sortby is not None else e
                if w is None:
                    s = 0.0
                else:
                    s = strtod_full(bytes(w))
                    if s is None:
                        bad = True
                        s = 0.0
                scored.append((s, e))
            if bad:
                return SCORE_ERR
            scored.sort(reverse=desc)
            vector = [e for _, e in scored]

    selected = vector[start:end + 1] if end >= start else []
    if store is None:
        out = []
        if not gets:
            out.append(b"*%d\r\n" % len(selected))
            for e in selected:
                out.append(b"$%d\r\n%s\r\n" % (len(e), e))
        else:
            out.append(b"*%d\r\n" % (len(selected) * len(gets)))
            nil = c.r.nil
            for e in selected:
                for g in gets:
                    w = _lookup_pattern(db, g, e)
                    out.append(nil if w is None else b"$%d\r\n%s\r\n" % (len(w), w))
        return b"".join(out)

    items = []
    for e in selected:
        if not gets:
            items.append(e)
        else:
            for g in gets:
                w = _lookup_pattern(db, g, e)
                items.append(b"" if w is None else bytes(w))
    srv = c.server
    if items:
        db.lookup_write(store)
        db.set(store, L.from_items(items))
        bk = db.blocking_keys
        if bk and store in bk:
            db.ctx.ready_keys.append((db, store))
        if srv.notify_on:
            srv.notify(db, "l", "sortstore", store)
        srv.dirty += len(items)
    else:
        if db.lookup_write(store) is not None and db.delete(store):
            srv.dirty += 1
            if srv.notify_on:
                srv.notify(db, "g", "del", store)
    return integer(len(items))


command("sort")(lambda c, argv: _sort_generic(c, argv, False))
command("sort_ro")(lambda c, argv: _sort_generic(c, argv, True))
