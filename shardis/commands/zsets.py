"""Sorted set commands (blocking variants included: BZPOPMIN, BZPOPMAX,
BZMPOP). Values are shardis.types.zset ZPack / ZSkip; a ZPack is immutable,
so writes store the new value back in ``db.data`` (TTL untouched).
"""
import random
import re
from math import copysign as _copysign

from shardis.commands import command, batch
from shardis.commands import errors as E
from shardis.commands.util import parse_scan, scan_table, scan_reply
from shardis.commands.util import parse_int, rank_range, parse_mpop
from shardis.protocol.resp import integer, error, CZERO, CONE, format_double
from shardis.runtime import blocking as B
from shardis.types import zset as Z
from shardis.types.zset import ZPack, ZSkip, TOP

_ZP = ZPack
_ZS = ZSkip
_BYTES = bytes
_INF = float("inf")
_NEG_INF = float("-inf")
_NAN = float("nan")



def setup(server):
    cfg = server.config
    cfg.on_change("zset-max-listpack-entries", Z.set_max_entries)
    cfg.on_change("zset-max-listpack-value", Z.set_max_value)


_DEC = re.compile(r"([0-9]*)(?:\.([0-9]*))?(?:[eE][+-]?[0-9]+)?\Z")
_HEX = re.compile(r"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?\Z")
_WS = " \t\n\v\f\r"


def _strtod(b):
    """C strtod over the whole argument, as Redis uses it for scores:
    (value, erange) or None when it does not consume every byte. Takes
    leading white space, a sign, inf/infinity/nan and hex floats (0x1p3)."""
    try:
        t = b.decode("ascii")
    except UnicodeDecodeError:
        return None
    body = t.lstrip(_WS)
    sign = ""
    if body[:1] in ("+", "-"):
        sign = body[0]
        body = body[1:]
    low = body.lower()
    if low in ("inf", "infinity"):
        return float(sign + "inf"), False
    if low == "nan" or (low.startswith("nan(") and low.endswith(")")):
        return _NAN, False
    if low[:2] == "0x":
        if not _HEX.match(body):
            return None
        try:
            return float.fromhex(sign + body), False
        except OverflowError:
            return (_NEG_INF if sign == "-" else _INF), True
    m = _DEC.match(body)
    if m is None or not (m.group(1) or m.group(2)):
        return None
    v = float(sign + body)
    if v in (_INF, _NEG_INF):
        return v, True
    if v == 0 and (m.group(1) + (m.group(2) or "")).strip("0"):
        return v, True                  # underflow to zero
    return v, False


def _score(b):
    """A score or weight (Redis's getDoubleFromObject): float or None."""
    if b.isdigit() and len(b) < 16:
        return float(b)
    if not b or b[:1] in b" \t\n\v\f\r":
        return None
    r = _strtod(b)
    if r is None:
        return None
    v, erange = r
    if v != v or (erange and (v == 0 or v in (_INF, _NEG_INF))):
        return None
    return v


def _bound_value(b):
    """A range bound (Redis's zslParseRange: strtod, only NaN and trailing
    bytes refused; an empty string is 0)."""
    if not b:
        return 0.0
    r = _strtod(b)
    if r is None or r[0] != r[0]:
        return None
    return r[0]


# The RESP2 reply of a one-member pop, member and score, in pieces:
# _PAIR_HDR[len(member)] + member + _SCORE_HDR[len(score)] + score + CRLF
# (a score's text, %.17g, is at most 24 bytes)
_PAIR_HDR = [b"*2\r\n$%d\r\n" % i for i in range(1024)]
_SCORE_HDR = [b"\r\n$%d\r\n" % i for i in range(32)]


def _fd(d):
    """Redis's %.17g double text (keeps the sign of -0)."""
    if d.is_integer() and -1e17 < d < 1e17:
        if d == 0 and _copysign(1.0, d) < 0:
            return b"-0"
        return b"%d" % d
    return format_double(d)


def _double(c, d):
    s = _fd(d)
    if c.r.version == 3:
        return b",%s\r\n" % s
    return b"$%d\r\n%s\r\n" % (len(s), s)


def _is_z(v):
    k = v.__class__
    return k is _ZP or k is _ZS


def _store(db, key, v):
    db.store(key, v)
    if db.watched:
        db.ctx.touch_watched(db, key)


def _bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def _pairs_reply(c, seq, withscores):
    """Reply for (score, member) pairs in output order (ZRANGE shape)."""
    r = c.r
    if not withscores:
        parts = [b"*%d\r\n" % len(seq)]
        ap = parts.append
        for s, m in seq:
            ap(b"$%d\r\n%s\r\n" % (len(m), m))
        return b"".join(parts)
    if r.version == 3:
        parts = [b"*%d\r\n" % len(seq)]
        ap = parts.append
        for s, m in seq:
            ap(b"*2\r\n$%d\r\n%s\r\n,%s\r\n" % (len(m), m, _fd(s)))
        return b"".join(parts)
    parts = [b"*%d\r\n" % (2 * len(seq))]
    ap = parts.append
    for s, m in seq:
        f = _fd(s)
        ap(b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(m), m, len(f), f))
    return b"".join(parts)


def _nested_pairs(c, seq):
    """Array of [member, score] pairs in both protocols (ZMPOP)."""
    parts = [b"*%d\r\n" % len(seq)]
    for s, m in seq:
        parts.append(b"*2\r\n$%d\r\n%s\r\n%s" % (len(m), m, _double(c, s)))
    return b"".join(parts)


# -- ZADD / ZINCRBY -----------------------------------------------------------------------
_ZADD_FLAGS = {b"NX": 1, b"XX": 2, b"GT": 4, b"LT": 8, b"CH": 16, b"INCR": 32}


def _zadd_core(c, key, flags, pairs, incr_cmd=False):
    nx, xx, gt, lt, ch, incr = (flags & 1, flags & 2, flags & 4, flags & 8, flags & 16,
                                flags & 32)
    db = c.db
    v = db.lookup_write(key)
    if v is not None and not _is_z(v):
        return E.WRONGTYPE
    if v is None:
        if xx:
            return c.r.nil if incr else CZERO
        maxlen = max(len(m) for s, m in pairs)
        if Z.MAX_ENTRIES == 0 or not Z.fits_listpack(len(pairs), maxlen):
            v = ZSkip()
        else:
            v = Z.encode_seq([])
    fast = None
    if v.__class__ is _ZP and len(pairs) == 1 and len(pairs[0][1]) <= Z.MAX_VALUE:
        fast = _zadd_pack_one(v, pairs[0][0], pairs[0][1], nx, xx, gt, lt, incr)
        if fast.__class__ is _BYTES:
            return fast
    if fast is not None:
        # one pair on a listpack: spliced in place of a full rebuild
        nv, added, updated, processed, retscore = fast
    else:
        r = _zadd_many(v, pairs, nx, xx, gt, lt, incr)
        if r.__class__ is _BYTES:
            return r                # NaN: only INCR can make one, with a single pair
        nv, added, updated, processed, retscore = r
    if nv.card():
        if db.data.get(key) is None:
            db.set(key, nv)
        elif added or updated or nv is not v:
            _store(db, key, nv)
    srv = c.server
    if added or updated:
        srv.dirty += added + updated
        if db.blocking_keys:
            B.signal_ready(db, key)
        if srv.notify_on:
            srv.notify(db, "z", "zincr" if incr else "zadd", key)
    if incr:
        if not processed:
            return c.r.nil
        return _double(c, retscore)
    return integer(added + updated if ch else added)


_NOCHANGE = (0, 0, 0, None)


def _zadd_pack_one(v, score, m, nx, xx, gt, lt, incr):
    """ZADD of one pair on a ZPack: (new value, added, updated, processed,
    retscore), an error, or None when the listpack must grow into a skiplist
    (the general path converts)."""
    old, ostart, oend, ins = v.find_slot(m, score)
    if old is None:
        if xx:
            return (v,) + _NOCHANGE
        if v.card() + 1 > Z.MAX_ENTRIES:
            return None
        return v.splice(m, score, ins, -1, -1), 1, 0, 1, score
    if nx:
        return (v,) + _NOCHANGE
    new = old + score if incr else score
    if new != new:
        return E.NAN
    if (lt and new >= old) or (gt and new <= old):
        return (v,) + _NOCHANGE
    if new == old:
        return v, 0, 0, 1, new
    if incr:
        ins = v.find_slot(m, new)[3]
    return v.splice(m, new, ins, ostart, oend), 0, 1, 1, new


def _zadd_many(v, pairs, nx, xx, gt, lt, incr):
    """General ZADD: (new value, added, updated, processed, retscore) or an
    error. A ZPack is rebuilt (and converted when it outgrows the limits);
    a ZSkip is changed in place."""
    added = updated = 0
    retscore = None
    processed = 0
    if v.__class__ is _ZP:
        d = {m: s for s, m in v.seq()}
        work = d
    else:
        work = v.d
        d = None
    for score, m in pairs:
        cur = work.get(m)
        if cur is not None:
            if nx:
                continue
            new = cur + score if incr else score
            if new != new:
                return E.NAN
            if (lt and new >= cur) or (gt and new <= cur):
                continue
            retscore = new
            processed = 1
            if new != cur:
                if d is not None:
                    d[m] = new
                else:
                    v.add(m, new)
                updated += 1
        else:
            if xx:
                continue
            new = score
            if new != new:
                return E.NAN
            retscore = new
            processed = 1
            if d is not None:
                d[m] = new
            else:
                v.add(m, new)
            added += 1
    if d is None:
        return v, added, updated, processed, retscore
    if not (added or updated) and v.card():
        return v, 0, 0, processed, retscore
    seq = sorted((s, m) for m, s in d.items())
    if len(seq) > Z.MAX_ENTRIES or any(len(m) > Z.MAX_VALUE for s, m in seq):
        nv = ZSkip.from_seq(seq)
    else:
        nv = Z.encode_seq(seq)
    return nv, added, updated, processed, retscore


@command("zadd")
def cmd_zadd(c, argv):
    flags = 0
    i = 2
    n = len(argv)
    while i < n:
        f = _ZADD_FLAGS.get(argv[i].upper())
        if f is None:
            break
        flags |= f
        i += 1
    rest = n - i
    if rest == 0 or rest % 2:
        return E.SYNTAX
    if flags & 32 and rest > 2:
        return E.INCR_PAIR
    if flags & 1 and flags & 2:
        return E.XX_NX
    if (flags & 4 and flags & 1) or (flags & 8 and flags & 1) or (flags & 4 and flags & 8):
        return E.GT_LT_NX
    pairs = []
    while i < n:
        s = _score(argv[i])
        if s is None:
            return E.NOT_FLOAT
        pairs.append((s, argv[i + 1]))
        i += 2
    return _zadd_core(c, argv[1], flags, pairs)


@batch("zadd", 4)
def batch_zadd(c, run, out):
    """``ZADD key score member`` (no flags) into skiplist sorted sets, in a
    plain db (see commands.batch)."""
    get = c.db.data.get
    ap = out.append
    start = len(out)
    changed = 0
    for argv in run:
        v = get(argv[1])
        if v.__class__ is not _ZS:
            break
        b = argv[2]
        s = float(b) if len(b) < 16 and b.isdigit() else _score(b)   # _score inlined
        if s is None:
            break           # a flag or a bad score: the handler answers
        m = argv[3]
        d = v.d
        old = d.get(m)
        if old is None:     # ZSkip.insert inlined (a method call is ~9% of a ZADD here)
            d[m] = s
            v.sl.insert(s, m)
            ap(CONE)
            changed += 1
        else:
            if old != s:
                d[m] = s
                v.sl.move(old, s, m)
                changed += 1
            ap(CZERO)
    c.server.dirty += changed
    return len(out) - start


@command("zincrby")
def cmd_zincrby(c, argv):
    if argv[2].upper() in _ZADD_FLAGS:
        # Redis parses ZINCRBY's arguments as ZADD INCR's: a flag word leaves
        # an odd number of score/member arguments
        return E.SYNTAX
    s = _score(argv[2])
    if s is None:
        return E.NOT_FLOAT
    return _zadd_core(c, argv[1], 32, [(s, argv[3])])


# -- simple reads -----------------------------------------------------------------------
def _read(c, key):
    v = c.db.lookup_read(key)
    if v is None:
        return None, None
    if not _is_z(v):
        return None, E.WRONGTYPE
    return v, None


@command("zcard")
def cmd_zcard(c, argv):
    v, err = _read(c, argv[1])
    if v is None:
        return err or CZERO
    return integer(v.card())


@command("zscore")
def cmd_zscore(c, argv):
    v, err = _read(c, argv[1])
    if v is None:
        return err or c.r.nil
    s = v.score(argv[2])
    return c.r.nil if s is None else _double(c, s)


@command("zmscore")
def cmd_zmscore(c, argv):
    v, err = _read(c, argv[1])
    if err:
        return err
    parts = [b"*%d\r\n" % (len(argv) - 2)]
    if v is None:
        parts.extend([c.r.nil] * (len(argv) - 2))
    else:
        get = v.d.get if v.__class__ is _ZS else {m: s for s, m in v.seq()}.get
        for m in argv[2:]:
            s = get(m)
            parts.append(c.r.nil if s is None else _double(c, s))
    return b"".join(parts)


def _rank_generic(c, argv, rev):
    n = len(argv)
    withscore = False
    if n == 4:
        if argv[3].upper() != b"WITHSCORE":
            return E.SYNTAX
        withscore = True
    elif n > 4:
        return E.SYNTAX
    v, err = _read(c, argv[1])
    if v is None:
        return err or (c.r.nil_array if withscore else c.r.nil)
    r = v.rank(argv[2])
    if r is None:
        return c.r.nil_array if withscore else c.r.nil
    if rev:
        r = v.card() - 1 - r
    if withscore:
        return b"*2\r\n" + integer(r) + _double(c, v.score(argv[2]))
    return integer(r)


command("zrank")(lambda c, argv: _rank_generic(c, argv, False))
command("zrevrank")(lambda c, argv: _rank_generic(c, argv, True))


# -- ranges ----------------------------------------------------------------------------
def _parse_score_bound(b):
    """(value, exclusive) or None."""
    if b[:1] == b"(":
        f = _bound_value(b[1:])
        if f is None:
            return None
        return f, True
    f = _bound_value(b)
    if f is None:
        return None
    return f, False


def _parse_lex_bound(b):
    """(member or None for -/+ with a flag, exclusive) or None."""
    if b == b"-":
        return b"-", None
    if b == b"+":
        return b"+", None
    if b[:1] == b"(":
        return b[1:], True
    if b[:1] == b"[":
        return b[1:], False
    return None


def _score_slice(seq, mn, mx):
    """(lo, hi) index bounds of the score range in a sorted seq."""
    (a, aex), (b, bex) = mn, mx
    lo = Z.bisect_right(seq, (a, TOP)) if aex else Z.bisect_left(seq, (a,))
    hi = Z.bisect_left(seq, (b,)) if bex else Z.bisect_right(seq, (b, TOP))
    return lo, hi


def _lex_gte_min(m, mn):
    v, ex = mn
    if ex is None:
        return v == b"-"
    return m > v if ex else m >= v


def _lex_lte_max(m, mx):
    v, ex = mx
    if ex is None:
        return v == b"+"
    return m < v if ex else m <= v


def _lex_slice(seq, mn, mx):
    """(lo, hi) of the lex range, as Redis walks it (first member >= min,
    then while <= max)."""
    n = len(seq)
    if n and seq[0][0] == seq[n - 1][0] and n > 16:
        s0 = seq[0][0]
        v, ex = mn
        if ex is None:
            lo = 0 if v == b"-" else n
        else:
            lo = Z.bisect_right(seq, (s0, v)) if ex else Z.bisect_left(seq, (s0, v))
        v, ex = mx
        if ex is None:
            hi = n if v == b"+" else 0
        else:
            hi = Z.bisect_left(seq, (s0, v)) if ex else Z.bisect_right(seq, (s0, v))
        return lo, max(lo, hi)
    lo = 0
    while lo < n and not _lex_gte_min(seq[lo][1], mn):
        lo += 1
    hi = lo
    while hi < n and _lex_lte_max(seq[hi][1], mx):
        hi += 1
    return lo, hi


def _apply_limit(lo, hi, rev, offset, count):
    """Index slice (in seq order) after LIMIT applied in output order."""
    if offset < 0:
        return lo, lo
    if rev:
        hi2 = hi - offset
        if hi2 < lo:
            return lo, lo
        lo2 = lo if count < 0 else max(lo, hi2 - count)
        return lo2, hi2
    lo2 = lo + offset
    if lo2 > hi:
        return hi, hi
    hi2 = hi if count < 0 else min(hi, lo2 + count)
    return lo2, hi2


def _select(seq, kind, a, b, rev, offset, count):
    """Items of a range in output order, as a list of (score, member)."""
    n = len(seq)
    if kind == 0:   # by rank
        r = rank_range(a, b, n)
        if r is None:
            return []
        start, end = r
        if rev:
            lo, hi = n - 1 - end, n - start
            out = list(seq[lo:hi])
            out.reverse()
            return out
        return list(seq[start:end + 1])
    if kind == 1:
        lo, hi = _score_slice(seq, a, b)
    else:
        lo, hi = _lex_slice(seq, a, b)
    if hi <= lo:
        return []
    if offset is not None:
        lo, hi = _apply_limit(lo, hi, rev, offset, count)
        if hi <= lo:
            return []
    out = list(seq[lo:hi])
    if rev:
        out.reverse()
    return out


def _rev_lex_select(seq, mn, mx, offset, count):
    """REV lex walk (from the last member <= max, backwards while >= min)."""
    n = len(seq)
    hi = n - 1
    while hi >= 0 and not _lex_lte_max(seq[hi][1], mx):
        hi -= 1
    lo = hi
    while lo >= 0 and _lex_gte_min(seq[lo][1], mn):
        lo -= 1
    out = [seq[i] for i in range(hi, lo, -1)]
    if offset is not None:
        if offset < 0:
            return []
        out = out[offset:] if count < 0 else out[offset:offset + count]
    return out


def _parse_range_args(argv, i, kind, rev, allow_withscores=True):
    """Parse [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES] from argv[i:]."""
    withscores = False
    offset = None
    count = -1
    n = len(argv)
    while i < n:
        u = argv[i].upper()
        if u == b"WITHSCORES" and allow_withscores:
            withscores = True
        elif u == b"LIMIT" and i + 2 < n:
            o = parse_int(argv[i + 1])
            cn = parse_int(argv[i + 2])
            if o is None or cn is None:
                return E.NOT_INT
            offset, count = o, cn
            i += 2
        elif kind is not None and u == b"BYSCORE" and kind[0] == 0:
            kind[0] = 1
        elif kind is not None and u == b"BYLEX" and kind[0] == 0:
            kind[0] = 2
        elif kind is not None and u == b"REV":
            rev[0] = True
        else:
            return E.SYNTAX
        i += 1
    return withscores, offset, count


def _range_generic(c, argv, src, a_arg, b_arg, kind, rev, withscores, offset, count, dst=None):
    if offset is not None and kind == 0:
        return E.LIMIT_ONLY
    if withscores and kind == 2:
        return E.WITHSCORES_LEX
    if rev and kind != 0:
        a_arg, b_arg = b_arg, a_arg
    if kind == 0:
        a = parse_int(a_arg)
        b = parse_int(b_arg)
        if a is None or b is None:
            return E.NOT_INT
    elif kind == 1:
        a = _parse_score_bound(a_arg)
        b = _parse_score_bound(b_arg)
        if a is None or b is None:
            return E.MINMAX_FLOAT
    else:
        a = _parse_lex_bound(a_arg)
        b = _parse_lex_bound(b_arg)
        if a is None or b is None:
            return E.MINMAX_LEX
    db = c.db
    v = db.lookup_write(src) if dst is not None else db.lookup_read(src)
    if v is not None and not _is_z(v):
        return E.WRONGTYPE
    if v is None:
        out = []
    else:
        seq = v.seq()
        if kind == 2 and rev:
            out = _rev_lex_select(seq, a, b, offset, count)
        else:
            out = _select(seq, kind, a, b, rev, offset, count)
    if dst is None:
        return _pairs_reply(c, out, withscores)
    srv = c.server
    if out:
        nv = Z.from_seq_listpack_or_skip(sorted(out))
        db.set(dst, nv)
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "z", "zrangestore", dst)
    else:
        if db.delete(dst):
            srv.dirty += 1
            if srv.notify_on:
                srv.notify(db, "g", "del", dst)
    return integer(len(out))


@command("zrange")
def cmd_zrange(c, argv):
    kind = [0]
    rev = [False]
    p = _parse_range_args(argv, 4, kind, rev)
    if p.__class__ is _BYTES:
        return p
    return _range_generic(c, argv, argv[1], argv[2], argv[3], kind[0], rev[0], *p)


@command("zrangestore")
def cmd_zrangestore(c, argv):
    kind = [0]
    rev = [False]
    p = _parse_range_args(argv, 5, kind, rev, allow_withscores=False)
    if p.__class__ is _BYTES:
        return p
    return _range_generic(c, argv, argv[2], argv[3], argv[4], kind[0], rev[0], *p, dst=argv[1])


@command("zrevrange")
def cmd_zrevrange(c, argv):
    n = len(argv)
    ws = False
    if n == 5:
        if argv[4].upper() != b"WITHSCORES":
            return E.SYNTAX
        ws = True
    elif n > 5:
        return E.SYNTAX
    return _range_generic(c, argv, argv[1], argv[2], argv[3], 0, True, ws, None, -1)


def _legacy(c, argv, kind, rev):
    p = _parse_range_args(argv, 4, None, None, allow_withscores=(kind == 1))
    if p.__class__ is _BYTES:
        return p
    return _range_generic(c, argv, argv[1], argv[2], argv[3], kind, rev, *p)


command("zrangebyscore")(lambda c, argv: _legacy(c, argv, 1, False))
command("zrevrangebyscore")(lambda c, argv: _legacy(c, argv, 1, True))
command("zrangebylex")(lambda c, argv: _legacy(c, argv, 2, False))
command("zrevrangebylex")(lambda c, argv: _legacy(c, argv, 2, True))


@command("zcount")
def cmd_zcount(c, argv):
    a = _parse_score_bound(argv[2])
    b = _parse_score_bound(argv[3])
    if a is None or b is None:
        return E.MINMAX_FLOAT
    v, err = _read(c, argv[1])
    if v is None:
        return err or CZERO
    lo, hi = _score_slice(v.seq(), a, b)
    return integer(max(0, hi - lo))


@command("zlexcount")
def cmd_zlexcount(c, argv):
    a = _parse_lex_bound(argv[2])
    b = _parse_lex_bound(argv[3])
    if a is None or b is None:
        return E.MINMAX_LEX
    v, err = _read(c, argv[1])
    if v is None:
        return err or CZERO
    lo, hi = _lex_slice(v.seq(), a, b)
    return integer(max(0, hi - lo))


# -- removal -------------------------------------------------------------------------------
def _remove_members(c, key, v, members, event):
    db = c.db
    removed = 0
    if v.__class__ is _ZP:
        drop = set(members)
        seq = v.seq()
        keep = [p for p in seq if p[1] not in drop]
        removed = len(seq) - len(keep)
        if removed:
            nv = Z.encode_seq(keep) if keep else None
        else:
            nv = v
    else:
        for m in members:
            v, ok = v.remove(m)
            removed += ok
        nv = v if v.card() else None
    srv = c.server
    if removed:
        if nv is None:
            db.delete(key)
        else:
            _store(db, key, nv)
        srv.dirty += removed
        if srv.notify_on:
            srv.notify(db, "z", event, key)
            if nv is None:
                srv.notify(db, "g", "del", key)
    return removed


@command("zrem")
def cmd_zrem(c, argv):
    db = c.db
    v = db.lookup_write(argv[1])
    if v is None:
        return CZERO
    if not _is_z(v):
        return E.WRONGTYPE
    return integer(_remove_members(c, argv[1], v, argv[2:], "zrem"))


def _zremrange(c, argv, kind, event):
    if kind == 0:
        a = parse_int(argv[2])
        b = parse_int(argv[3])
        if a is None or b is None:
            return E.NOT_INT
    elif kind == 1:
        a = _parse_score_bound(argv[2])
        b = _parse_score_bound(argv[3])
        if a is None or b is None:
            return E.MINMAX_FLOAT
    else:
        a = _parse_lex_bound(argv[2])
        b = _parse_lex_bound(argv[3])
        if a is None or b is None:
            return E.MINMAX_LEX
    v = c.db.lookup_write(argv[1])
    if v is None:
        return CZERO
    if not _is_z(v):
        return E.WRONGTYPE
    out = _select(v.seq(), kind, a, b, False, None, -1)
    if not out:
        return CZERO
    return integer(_remove_members(c, argv[1], v, [m for s, m in out], event))


command("zremrangebyrank")(lambda c, argv: _zremrange(c, argv, 0, "zremrangebyrank"))
command("zremrangebyscore")(lambda c, argv: _zremrange(c, argv, 1, "zremrangebyscore"))
command("zremrangebylex")(lambda c, argv: _zremrange(c, argv, 2, "zremrangebylex"))


# -- pops ------------------------------------------------------------------------------------
def _pop_items(c, key, v, maxside, count):
    """Pop ``count`` from one end of zset ``v`` at ``key``; returns the
    (score, member) list in pop order."""
    seq = v.seq()
    n = len(seq)
    k = min(count, n)
    if maxside:
        out = list(seq[n - k:])
        out.reverse()
    else:
        out = list(seq[:k])
    _remove_members(c, key, v, [m for s, m in out], "zpopmax" if maxside else "zpopmin")
    return out


def _zpop(c, argv, maxside):
    if len(argv) > 3:
        return E.SYNTAX
    count = 1
    has_count = len(argv) == 3
    if has_count:
        count = parse_int(argv[2])
        if count is None or count < 0:
            return E.NOT_POSITIVE
    db = c.db
    v = db.lookup_write(argv[1])
    if v is None:
        return c.r.empty_array
    if v.__class__ is _ZS and not has_count and len(v.d) > 1:
        # one member off a skiplist that stays non-empty
        key = argv[1]
        s, m = v.pop(-1 if maxside else 0)
        db.signal(key)
        srv = c.server
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "z", "zpopmax" if maxside else "zpopmin", key)
        return _popped_pair(c.r.version == 3, s, m)
    if not _is_z(v):
        return E.WRONGTYPE
    if count == 0:
        return c.r.empty_array
    out = _pop_items(c, argv[1], v, maxside, count)
    if c.r.version == 3 and not has_count:
        return _flat3(c, out)
    return _pairs_reply(c, out, True)


def _popped_pair(resp3, s, m):
    """The reply of a ZPOPMIN/ZPOPMAX without a count: [member, score]."""
    f = _fd(s)
    k = len(m)
    if resp3:
        return b"*2\r\n$%d\r\n%s\r\n,%s\r\n" % (k, m, f)
    if k < 1024:
        return _PAIR_HDR[k] + m + _SCORE_HDR[len(f)] + f + b"\r\n"
    return b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (k, m, len(f), f)


def _make_zpop_batch(maxside):
    """ZPOPMINs / ZPOPMAXes without a count from skiplists that keep at
    least one member, in a plain db (see commands.batch)."""
    end = -1 if maxside else 0

    def batch_zpop(c, run, out):
        get = c.db.data.get
        ap = out.append
        start = len(out)
        resp3 = c.r.version == 3
        for argv in run:
            v = get(argv[1])
            if v.__class__ is not _ZS or len(v.d) <= 1:
                break
            s, m = v.pop(end)
            # _popped_pair inlined (a call is ~5% of a ZPOPMIN here)
            f = _fd(s)
            k = len(m)
            if resp3:
                ap(b"*2\r\n$%d\r\n%s\r\n,%s\r\n" % (k, m, f))
            elif k < 1024:
                ap(_PAIR_HDR[k] + m + _SCORE_HDR[len(f)] + f + b"\r\n")
            else:
                ap(b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (k, m, len(f), f))
        done = len(out) - start
        c.server.dirty += done
        return done
    return batch_zpop


batch("zpopmin", 2)(_make_zpop_batch(False))
batch("zpopmax", 2)(_make_zpop_batch(True))


def _flat3(c, out):
    parts = [b"*%d\r\n" % (2 * len(out))]
    for s, m in out:
        parts.append(b"$%d\r\n%s\r\n,%s\r\n" % (len(m), m, _fd(s)))
    return b"".join(parts)


command("zpopmin")(lambda c, argv: _zpop(c, argv, False))
command("zpopmax")(lambda c, argv: _zpop(c, argv, True))


def _zmpop_serve(c, keys, maxside, count, check_type=True):
    db = c.db
    for key in keys:
        v = db.lookup_write(key)
        if v is None:
            continue
        if not _is_z(v):
            if check_type:
                return E.WRONGTYPE
            continue
        out = _pop_items(c, key, v, maxside, count)
        B.served_as(c, b"ZPOPMAX" if maxside else b"ZPOPMIN", key, b"%d" % len(out))
        return b"*2\r\n$%d\r\n%s\r\n%s" % (len(key), key, _nested_pairs(c, out))
    return None


@command("zmpop")
def cmd_zmpop(c, argv):
    p = parse_mpop(argv, 1, b"MIN", b"MAX")
    if p.__class__ is _BYTES:
        return p
    r = _zmpop_serve(c, *p)
    return c.r.nil_array if r is None else r


def _nil_array(c):
    return c.r.nil_array


def _bzpop(c, argv, maxside):
    deadline = B.parse_timeout(c, argv[-1])
    if deadline.__class__ is _BYTES:
        return deadline
    keys = argv[1:-1]

    def serve(c):
        db = c.db
        for key in keys:
            v = db.lookup_write(key)
            if v is None or not _is_z(v):
                continue
            s, m = _pop_items(c, key, v, maxside, 1)[0]
            B.served_as(c, b"ZPOPMAX" if maxside else b"ZPOPMIN", key)
            return b"*3\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n%s" % (len(key), key, len(m), m,
                                                           _double(c, s))
        return None
    return B.serve_or_block(c, keys, deadline, serve, b"zset")


command("bzpopmin")(lambda c, argv: _bzpop(c, argv, False))
command("bzpopmax")(lambda c, argv: _bzpop(c, argv, True))


@command("bzmpop")
def cmd_bzmpop(c, argv):
    deadline = B.parse_timeout(c, argv[1])
    if deadline.__class__ is _BYTES:
        return deadline
    p = parse_mpop(argv, 2, b"MIN", b"MAX")
    if p.__class__ is _BYTES:
        return p
    keys, maxside, count = p
    r = _zmpop_serve(c, keys, maxside, count)
    if r is not None:
        return r
    if not B.can_block(c):
        return c.r.nil_array
    return B.block(c, keys, deadline,
                   lambda c: _zmpop_serve(c, keys, maxside, count, False), _nil_array, b"zset")


# -- ZRANDMEMBER ---------------------------------------------------------------------------
@command("zrandmember")
def cmd_zrandmember(c, argv):
    n = len(argv)
    if n == 2:
        v, err = _read(c, argv[1])
        if v is None:
            return err or c.r.nil
        s, m = v.seq()[random.randrange(v.card())]
        return _bulk(m)
    count = parse_int(argv[2])
    if count is None:
        return E.NOT_INT
    ws = False
    if n == 4:
        if argv[3].upper() != b"WITHSCORES":
            return E.SYNTAX
        ws = True
    elif n > 4:
        return E.SYNTAX
    if count < -(2 ** 62) or (ws and count < -(2 ** 62) // 2):
        return error("ERR value is out of range")
    v, err = _read(c, argv[1])
    if v is None:
        return err or c.r.empty_array
    seq = v.seq()
    size = len(seq)
    if count >= 0:
        if count >= size:
            # the whole set, in the order Redis walks it (from the tail)
            out = list(seq)
            out.reverse()
        else:
            idx = sorted(random.sample(range(size), count))
            out = [seq[i] for i in idx]
            random.shuffle(out)
    else:
        out = [seq[random.randrange(size)] for _ in range(-count)]
    return _pairs_reply(c, out, ws)


# -- set operations ------------------------------------------------------------------------
def _source_pairs(v):
    """(member, score) pairs of a zset or a plain set (score 1)."""
    if _is_z(v):
        return v.items()
    if getattr(v, "TYPE", None) == b"set":
        members = v.members() if hasattr(v, "members") else list(v)
        return [(m, 1.0) for m in members]
    return None


def _agg(a, b, how):
    if how == 0:
        r = a + b
        return 0.0 if r != r else r
    if how == 1:
        return a if a < b else b
    return a if a > b else b


def _setop(c, argv, op, store):
    """op: 0 union, 1 inter, 2 diff."""
    name = argv[0].decode("latin-1").lower()
    ki = 2 if store else 1
    nk = parse_int(argv[ki])
    if nk is None:
        return E.NOT_INT
    if nk < 1:
        return error(f"ERR at least 1 input key is needed for '{name}' command")
    if nk > len(argv) - ki - 1:
        return E.SYNTAX
    keys = argv[ki + 1:ki + 1 + nk]
    weights = [1.0] * nk
    how = 0
    ws = False
    i = ki + 1 + nk
    n = len(argv)
    while i < n:
        u = argv[i].upper()
        if op != 2 and u == b"WEIGHTS" and i + nk < n:
            for j in range(nk):
                w = _score(argv[i + 1 + j])
                if w is None:
                    return E.WEIGHT
                weights[j] = w
            i += nk + 1
        elif op != 2 and u == b"AGGREGATE" and i + 1 < n:
            a = argv[i + 1].upper()
            if a == b"SUM":
                how = 0
            elif a == b"MIN":
                how = 1
            elif a == b"MAX":
                how = 2
            else:
                return E.SYNTAX
            i += 2
        elif not store and u == b"WITHSCORES":
            ws = True
            i += 1
        else:
            return E.SYNTAX
    db = c.db
    srcs = []
    for k in keys:
        v = db.lookup_write(k) if store else db.lookup_read(k)
        if v is None:
            srcs.append([])
            continue
        p = _source_pairs(v)
        if p is None:
            return E.WRONGTYPE
        srcs.append(p)
    res = {}
    if op == 0:
        order = sorted(range(nk), key=lambda j: len(srcs[j]))
        for j in order:
            w = weights[j]
            for m, s in srcs[j]:
                sc = s * w
                if sc != sc:
                    sc = 0.0
                cur = res.get(m)
                res[m] = sc if cur is None else _agg(cur, sc, how)
    elif op == 1:
        order = sorted(range(nk), key=lambda j: len(srcs[j]))
        if all(srcs):
            dicts = [dict(srcs[j]) for j in order]
            first = order[0]
            w0 = weights[first]
            for m, s in srcs[first]:
                sc = s * w0
                if sc != sc:
                    sc = 0.0
                ok = True
                for jj, j in enumerate(order[1:], 1):
                    o = dicts[jj].get(m)
                    if o is None:
                        ok = False
                        break
                    o2 = o * weights[j]
                    if o2 != o2:
                        o2 = 0.0
                    sc = _agg(sc, o2, how)
                if ok:
                    res[m] = sc
    else:
        others = set()
        for p in srcs[1:]:
            others.update(m for m, s in p)
        for m, s in srcs[0]:
            if m not in others:
                res[m] = s
    seq = sorted((s, m) for m, s in res.items())
    if not store:
        return _pairs_reply(c, seq, ws)
    dst = argv[1]
    srv = c.server
    if seq:
        db.set(dst, Z.from_seq_listpack_or_skip(seq))
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "z", name, dst)
    else:
        if db.delete(dst):
            srv.dirty += 1
            if srv.notify_on:
                srv.notify(db, "g", "del", dst)
    return integer(len(seq))


command("zunion")(lambda c, argv: _setop(c, argv, 0, False))
command("zinter")(lambda c, argv: _setop(c, argv, 1, False))
command("zdiff")(lambda c, argv: _setop(c, argv, 2, False))
command("zunionstore")(lambda c, argv: _setop(c, argv, 0, True))
command("zinterstore")(lambda c, argv: _setop(c, argv, 1, True))
command("zdiffstore")(lambda c, argv: _setop(c, argv, 2, True))


@command("zintercard")
def cmd_zintercard(c, argv):
    nk = parse_int(argv[1])
    if nk is None:
        return E.NOT_INT
    if nk <= 0:
        return error("ERR at least 1 input key is needed for 'zintercard' command")
    if nk > len(argv) - 2:
        return error("ERR Number of keys can't be greater than number of args")
    keys = argv[2:2 + nk]
    limit = 0
    i = 2 + nk
    n = len(argv)
    while i < n:
        if argv[i].upper() == b"LIMIT" and i + 1 < n:
            lim = parse_int(argv[i + 1])
            if lim is None or lim < 0:
                return E.LIMIT_NEG
            limit = lim
            i += 2
        else:
            return E.SYNTAX
    db = c.db
    srcs = []
    for k in keys:
        v = db.lookup_read(k)
        if v is None:
            srcs.append([])
            continue
        p = _source_pairs(v)
        if p is None:
            return E.WRONGTYPE
        srcs.append(p)
    if not all(srcs):
        return CZERO
    srcs.sort(key=len)
    sets = [set(m for m, s in p) for p in srcs[1:]]
    cnt = 0
    for m, s in srcs[0]:
        if all(m in st for st in sets):
            cnt += 1
            if limit and cnt >= limit:
                break
    return integer(cnt)


# -- ZSCAN ---------------------------------------------------------------------------------
@command("zscan")
def cmd_zscan(c, argv):
    opts = parse_scan(argv[2:])
    if opts.__class__ is bytes:
        return opts
    cur, match, count, _ = opts
    v, err = _read(c, argv[1])
    if v is None:
        return err or scan_reply(0, ())
    if v.__class__ is _ZP:
        nxt = 0                 # a listpack is returned whole, with cursor 0
        pairs = [(m, s) for s, m in v.seq() if match is None or match(m)]
    else:
        nxt, members = scan_table(v, v.d, cur, count, match)
        d = v.d
        pairs = [(m, d[m]) for m in members]
    return scan_reply(nxt, [x for m, s in pairs for x in (m, _fd(s))])
