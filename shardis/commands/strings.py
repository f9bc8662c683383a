"""String commands. Values are bytes (bytearray once modified in place).

Integer results are stored as their decimal bytes: OBJECT ENCODING derives
"int" from the content, as Redis would have encoded it.
"""
import re
from fractions import Fraction

from shardis.commands import command, batch
from shardis.commands import errors as E
from shardis.commands.util import parse_int, LLONG_MAX, LLONG_MIN, clamp_range
from shardis.runtime.propagate import rewrite, del_command
from shardis.protocol.resp import OK, CZERO, CONE, EMPTY_BULK, bulk, integer, error
from shardis.protocol.resp import _INTS     # integer()'s shared replies, inlined in INCR
from shardis.protocol.resp import BULK_HDR as _BULK_HDR

_BYTES = bytes
_BYTEARRAY = bytearray


@command("get")
def cmd_get(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        return c.r.nil
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    k = len(v)
    return _BULK_HDR[k] + v + b"\r\n" if k < 1024 else b"$%d\r\n%s\r\n" % (k, v)


@batch("get", 2)
def batch_get(c, run, out):
    """GETs in a plain db (see commands.batch): hits and misses of strings."""
    get = c.db.data.get
    nil = c.r.nil
    ap = out.append
    start = len(out)
    hits = 0
    for argv in run:
        v = get(argv[1])
        if v is None:
            ap(nil)
        elif v.__class__ is _BYTES:
            k = len(v)
            ap(_BULK_HDR[k] + v + b"\r\n" if k < 1024 else b"$%d\r\n%s\r\n" % (k, v))
            hits += 1
        else:
            break
    done = len(out) - start
    ctx = c.server
    ctx.stat_keyspace_hits += hits
    ctx.stat_keyspace_misses += done - hits
    return done


# Option flags of SET / GETEX (Redis's OBJ_SET_* / OBJ_* flags).
_NX, _XX, _GET, _KEEPTTL, _EX, _PX, _EXAT, _PXAT, _PERSIST = 1, 2, 4, 8, 16, 32, 64, 128, 256
_TIME = _EX | _PX | _EXAT | _PXAT
_SET_FLAGS = {b"NX": _NX, b"XX": _XX, b"GET": _GET, b"KEEPTTL": _KEEPTTL, b"EX": _EX,
              b"PX": _PX, b"EXAT": _EXAT, b"PXAT": _PXAT, b"PERSIST": _PERSIST}
_INVALID_EXPIRE = {}


def _invalid_expire(name):
    e = _INVALID_EXPIRE.get(name)
    if e is None:
        e = _INVALID_EXPIRE[name] = error("ERR invalid expire time in '%s' command" % name)
    return e


def _parse_options(argv, i, is_set):
    """Redis's parseExtendedStringArgumentsOrReply: (flags, expire arg) or an
    encoded error. The expire value itself is validated later."""
    flags = 0
    expire = None
    n = len(argv)
    while i < n:
        f = _SET_FLAGS.get(argv[i].upper())
        if f is None:
            return E.SYNTAX
        if f & _TIME:
            if flags & (_KEEPTTL | _PERSIST | (_TIME & ~f)) or i + 1 >= n:
                return E.SYNTAX
            flags |= f
            expire = argv[i + 1]
            i += 2
            continue
        if f == _NX:
            ok = is_set and not flags & _XX
        elif f == _XX:
            ok = is_set and not flags & _NX
        elif f == _GET:
            ok = is_set
        elif f == _KEEPTTL:
            ok = is_set and not flags & (_PERSIST | _TIME)
        else:
            ok = not is_set and not flags & (_TIME | _KEEPTTL)
        if not ok:
            return E.SYNTAX
        flags |= f
        i += 1
    return flags, expire


def _expire_ms(srv, raw, flags, name):
    """Absolute deadline in ms from an EX/PX/EXAT/PXAT argument, or an error."""
    t = parse_int(raw)
    if t is None:
        return E.NOT_INT
    secs = flags & (_EX | _EXAT)
    if t <= 0 or (secs and t > LLONG_MAX // 1000):
        return _invalid_expire(name)
    if secs:
        t *= 1000
    if flags & (_EX | _PX):
        t += srv.now_ms
        if t > LLONG_MAX:
            return _invalid_expire(name)
    return t


@command("set")
def cmd_set(c, argv):
    db = c.db
    key = argv[1]
    if len(argv) == 3:
        db.set(key, argv[2])
        srv = c.server
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "$", "set", key)
        return OK
    return _set_generic(c, argv)


@batch("set", 3)
def batch_set(c, run, out):
    """Plain SETs (no options) over missing keys or strings in a plain db
    (see commands.batch). SET is not FAST: replacing an aggregate frees it,
    which may take long, and is left to the one-by-one path."""
    db = c.db
    # in a plain db a SET is a store (Database.run_storage); set_plain refuses
    # (and the run ends) where the key holds an aggregate or a bytearray
    set_plain = db.run_storage().set_plain
    done = 0
    for argv in run:
        if not set_plain(argv[1], argv[2]):
            break
        done += 1
    c.server.dirty += done
    out.extend([OK] * done)
    return done


def _set_generic(c, argv):
    opts = _parse_options(argv, 3, True)
    if opts.__class__ is bytes:
        return opts
    flags, expire = opts
    return _do_set(c, argv[1], argv[2], flags, expire, "set", OK, None)


def _do_set(c, key, value, flags, expire, name, ok_reply, abort_reply):
    """Redis's setGenericCommand."""
    db = c.db
    srv = c.server
    deadline = None
    if expire is not None:
        deadline = _expire_ms(srv, expire, flags, name)
        if deadline.__class__ is bytes:
            return deadline
    reply_old = None
    if flags & _GET:
        old = db.lookup_read(key)
        if old is None:
            reply_old = c.r.nil
        elif old.__class__ is not _BYTES and old.__class__ is not _BYTEARRAY:
            return E.WRONGTYPE
        else:
            reply_old = b"$%d\r\n%s\r\n" % (len(old), old)
    found = db.lookup_write(key) is not None
    if (flags & _NX and found) or (flags & _XX and not found):
        if reply_old is not None:
            return reply_old
        return c.r.nil if abort_reply is None else abort_reply
    db.set(key, value, keepttl=bool(flags & _KEEPTTL))
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "set", key)
    if deadline is not None:
        db.set_expire(key, deadline)
        if srv.notify_on:
            srv.notify(db, "g", "expire", key)
        if not flags & _PXAT:
            # relative or in seconds: propagated with the absolute deadline
            rewrite(c, b"SET", key, value, b"PXAT", b"%d" % deadline)
    return reply_old if reply_old is not None else ok_reply


command("setnx")(lambda c, argv: _do_set(c, argv[1], argv[2], _NX, None, "setnx", CONE, CZERO))
command("setex")(lambda c, argv: _do_set(c, argv[1], argv[3], _EX, argv[2], "setex", OK, None))
command("psetex")(lambda c, argv: _do_set(c, argv[1], argv[3], _PX, argv[2], "psetex", OK, None))


@command("getex")
def cmd_getex(c, argv):
    opts = _parse_options(argv, 2, False)
    if opts.__class__ is bytes:
        return opts
    flags, expire = opts
    db = c.db
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        return c.r.nil
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    srv = c.server
    deadline = None
    if expire is not None:
        deadline = _expire_ms(srv, expire, flags, "getex")
        if deadline.__class__ is bytes:
            return deadline
    reply = b"$%d\r\n%s\r\n" % (len(v), v)
    if flags & (_EXAT | _PXAT) and deadline <= srv.now_ms and srv.expire_keys_allowed:
        db.delete(key)
        srv.dirty += 1
        rewrite(c, del_command(srv, "lazyfree-lazy-expire"), key)
        if srv.notify_on:
            srv.notify(db, "g", "del", key)
    elif deadline is not None:
        db.set_expire(key, deadline)
        db.signal(key)
        srv.dirty += 1
        rewrite(c, b"PEXPIREAT", key, b"%d" % deadline)
        if srv.notify_on:
            srv.notify(db, "g", "expire", key)
    elif flags & _PERSIST:
        if db.persist(key):
            db.signal(key)
            srv.dirty += 1
            rewrite(c, b"PERSIST", key)
            if srv.notify_on:
                srv.notify(db, "g", "persist", key)
    return reply


@command("getdel")
def cmd_getdel(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        return c.r.nil
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    db.delete(key)
    srv = c.server
    srv.dirty += 1
    rewrite(c, b"DEL", key)
    if srv.notify_on:
        srv.notify(db, "g", "del", key)
    return b"$%d\r\n%s\r\n" % (len(v), v)


@command("getset")
def cmd_getset(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_read(key)
    if v is None:
        reply = c.r.nil
    elif v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    else:
        reply = b"$%d\r\n%s\r\n" % (len(v), v)
    db.set(key, argv[2])
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "set", key)
    return reply


def _check_length(srv, size, add):
    """checkStringLength: error if the result would exceed proto-max-bulk-len."""
    if size + add > srv.proto_max_bulk_len:
        return E.STRING_TOO_LONG
    return None


@command("append")
def cmd_append(c, argv):
    db = c.db
    key = argv[1]
    srv = c.server
    v = db.lookup_write(key)
    if v is None:
        db.set(key, argv[2])
        total = len(argv[2])
    else:
        if v.__class__ is not _BYTEARRAY:
            if v.__class__ is not _BYTES:
                return E.WRONGTYPE
            if len(v) + len(argv[2]) > srv.proto_max_bulk_len:
                return E.STRING_TOO_LONG
            v = bytearray(v)
            db.store(key, v)
        elif len(v) + len(argv[2]) > srv.proto_max_bulk_len:
            return E.STRING_TOO_LONG
        v += argv[2]
        total = len(v)
        db.signal(key)
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "append", key)
    return integer(total)


@command("strlen")
def cmd_strlen(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        return CZERO
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    return integer(len(v))


def _getrange(c, argv):
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start is None or end is None:
        return E.NOT_INT
    v = c.db.lookup_read(argv[1])
    if v is None:
        return EMPTY_BULK
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    n = len(v)
    if start < 0 and end < 0 and start > end:
        return EMPTY_BULK
    start, end = clamp_range(start, end, n)
    if start > end or n == 0:
        return EMPTY_BULK
    return bulk(v[start:end + 1])


command("getrange")(_getrange)
command("substr")(_getrange)


@command("setrange")
def cmd_setrange(c, argv):
    offset = parse_int(argv[2])
    if offset is None:
        return E.NOT_INT
    if offset < 0:
        return error("ERR offset is out of range")
    value = argv[3]
    db = c.db
    key = argv[1]
    srv = c.server
    v = db.lookup_write(key)
    if v is None:
        if not value:
            return CZERO
        if offset + len(value) > srv.proto_max_bulk_len:
            return E.STRING_TOO_LONG
        v = bytearray(offset)
        v += value
        db.set(key, v)
    else:
        if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
            return E.WRONGTYPE
        if not value:
            return integer(len(v))
        if offset + len(value) > srv.proto_max_bulk_len:
            return E.STRING_TOO_LONG
        if v.__class__ is not _BYTEARRAY:
            v = bytearray(v)
            db.store(key, v)
        n = len(v)
        if offset > n:
            v.extend(bytes(offset - n))
        v[offset:offset + len(value)] = value
        db.signal(key)
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "setrange", key)
    return integer(len(v))


@command("msetnx")
def cmd_msetnx(c, argv):
    n = len(argv)
    if n % 2 == 0:
        return error("ERR wrong number of arguments for 'msetnx' command")
    db = c.db
    for i in range(1, n, 2):
        if db.lookup_write(argv[i]) is not None:
            return CZERO
    srv = c.server
    for i in range(1, n, 2):
        key = argv[i]
        db.set(key, argv[i + 1])
        if srv.notify_on:
            srv.notify(db, "$", "set", key)
    srv.dirty += (n - 1) // 2
    return CONE


# -- INCRBYFLOAT: Redis computes in x87 80-bit long double ---------------------------
# Values are exact Fractions rounded to a 64-bit significand, and printed
# as "%.17Lf" with trailing zeros removed.

_DEC_RE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX_RE = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?\Z")
_LD_MIN_EXP = -16382 - 63     # exponent of the smallest subnormal
_LD_MAX = 2 ** 16384          # first value that overflows


def _ld_round(x):
    """Round a Fraction to the nearest long double (ties to even); None on
    overflow."""
    if x == 0:
        return x
    neg = x < 0
    if neg:
        x = -x
    num, den = x.numerator, x.denominator
    e = num.bit_length() - den.bit_length()
    if (num << max(0, -e)) < (den << max(0, e)):
        e -= 1
    sh = 63 - e
    if sh > -_LD_MIN_EXP:
        sh = -_LD_MIN_EXP
    if sh >= 0:
        n2, d2 = num << sh, den
    else:
        n2, d2 = num, den << -sh
    q, r = divmod(n2, d2)
    if 2 * r > d2 or (2 * r == d2 and q & 1):
        q += 1
    res = Fraction(q, 1 << sh) if sh >= 0 else Fraction(q << -sh)
    if res >= _LD_MAX:
        return None
    return -res if neg else res


def _parse_ld(b):
    """strtold as Redis's string2ld uses it: a Fraction, or None if invalid,
    or a float inf for infinities."""
    if not b or len(b) >= 5 * 1024 or b[0] in b" \t\r\n\v\f":
        return None
    low = b.lower()
    t = low.lstrip(b"+-")
    if t in (b"inf", b"infinity"):
        return float("-inf") if low.startswith(b"-") else float("inf")
    if _DEC_RE.match(b):
        m = re.match(rb"([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?", b)
        sign, ip, fp, ex = m.groups()
        digits = (ip + fp).lstrip(b"0")
        if not digits:
            return Fraction(0)
        exp = int(ex or b"0")
        mag = exp + len(ip.lstrip(b"0")) if ip.lstrip(b"0") else exp - (len(fp) - len(fp.lstrip(b"0")))
        if mag > 4934:
            return None
        if mag < -4970:
            return None
        x = Fraction(int(ip + fp or b"0"), 10 ** len(fp))
        x *= Fraction(10) ** exp
        if sign == b"-":
            x = -x
    elif _HEX_RE.match(b):
        m = re.match(rb"([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?", b)
        sign, ip, fp, ex = m.groups()
        mant = int((ip + fp) or b"0", 16)
        if mant == 0:
            return Fraction(0)
        exp = int(ex or b"0") - 4 * len(fp)
        if exp + mant.bit_length() > 16400:
            return None
        if exp + mant.bit_length() < -16500:
            return None
        x = Fraction(mant) * Fraction(2) ** exp
        if sign == b"-":
            x = -x
    else:
        return None
    r = _ld_round(x)
    if r is None or (r == 0 and x != 0):
        return None
    return r


def _format_ld(x):
    """"%.17Lf" of a long double value, trailing zeros (and dot) removed."""
    q = round(x * 10 ** 17)
    neg = q < 0 or (q == 0 and x < 0)
    q = abs(q)
    ip, fp = divmod(q, 10 ** 17)
    s = b"%d.%017d" % (ip, fp)
    s = s.rstrip(b"0").rstrip(b".")
    if neg and s != b"0":
        s = b"-" + s
    return s


@command("incrbyfloat")
def cmd_incrbyfloat(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        cur = Fraction(0)
    elif v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    else:
        cur = _parse_ld(bytes(v))
        if cur is None:
            return E.NOT_FLOAT
    incr = _parse_ld(argv[2])
    if incr is None:
        return E.NOT_FLOAT
    if cur.__class__ is float or incr.__class__ is float:
        return error("ERR increment would produce NaN or Infinity")
    new = _ld_round(cur + incr)
    if new is None:
        return error("ERR increment would produce NaN or Infinity")
    out = _format_ld(new)
    db.set(key, out, keepttl=True)
    srv = c.server
    srv.dirty += 1
    rewrite(c, b"SET", key, out, b"KEEPTTL")   # the result, not the float arithmetic
    if srv.notify_on:
        srv.notify(db, "$", "incrbyfloat", key)
    return b"$%d\r\n%s\r\n" % (len(out), out)


def _incr_generic(c, key, delta):
    db = c.db
    v = db.lookup_write(key)
    if v is None:
        cur = 0
    elif v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    else:
        cur = parse_int(v)
        if cur is None:
            return E.NOT_INT
    new = cur + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        return E.OVERFLOW
    db.store(key, b"%d" % new)
    db.signal(key)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "incrby", key)
    return _INTS[new] if 0 <= new <= 10000 else b":%d\r\n" % new     # integer(new)


@command("incr")
def cmd_incr(c, argv):
    return _incr_generic(c, argv[1], 1)


@batch("incr", 2)
def batch_incr(c, run, out):
    """INCRs on missing keys and canonical integer strings that do not
    overflow, in a plain db (see commands.batch): the table adds in place
    (KeyTable.incr_int); anything else ends the run for the generic path."""
    db = c.db
    incr = db.run_storage().incr_int
    ap = out.append
    start = len(out)
    for argv in run:
        new = incr(argv[1], 1)
        if new is None:
            break
        ap(_INTS[new] if 0 <= new <= 10000 else b":%d\r\n" % new)
    done = len(out) - start
    c.server.dirty += done
    return done


@command("decr")
def cmd_decr(c, argv):
    return _incr_generic(c, argv[1], -1)


@command("incrby")
def cmd_incrby(c, argv):
    d = parse_int(argv[2])
    if d is None:
        return E.NOT_INT
    return _incr_generic(c, argv[1], d)


@command("decrby")
def cmd_decrby(c, argv):
    d = parse_int(argv[2])
    if d is None or d == LLONG_MIN:
        return E.NOT_INT if d is None else error("ERR decrement would overflow")
    return _incr_generic(c, argv[1], -d)


@command("mset")
def cmd_mset(c, argv):
    n = len(argv)
    if n % 2 == 0:
        return error("ERR wrong number of arguments for 'mset' command")
    db = c.db
    srv = c.server
    db.set_many(argv, 1)
    srv.dirty += (n - 1) // 2
    if srv.notify_on:
        for i in range(1, n, 2):
            srv.notify(db, "$", "set", argv[i])
    return OK


@command("mget")
def cmd_mget(c, argv):
    db = c.db
    out = [b"*%d\r\n" % (len(argv) - 1)]
    nil = c.r.nil
    for key in argv[1:]:
        v = db.lookup_read(key)
        if v is None or (v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY):
            out.append(nil)
        else:
            out.append(b"$%d\r\n%s\r\n" % (len(v), v))
    return b"".join(out)


# -- LCS ------------------------------------------------------------------------------

def _lcs_table(a, b):
    """Rows of the dynamic-programming table: rows[i][j] = LCS length of
    a[:i] and b[:j]."""
    prev = [0] * (len(b) + 1)
    rows = [prev]
    for ca in a:
        cur = [0]
        push = cur.append
        left = 0
        for cb, diag, up in zip(b, prev, prev[1:]):
            if cb == ca:
                left = diag + 1
            elif up > left:
                left = up
            push(left)
        rows.append(cur)
        prev = cur
    return rows


@command("lcs")
def cmd_lcs(c, argv):
    db = c.db
    a = db.lookup_read(argv[1])
    b = db.lookup_read(argv[2])
    if (a is not None and not (a.__class__ is _BYTES or a.__class__ is _BYTEARRAY)) or \
            (b is not None and not (b.__class__ is _BYTES or b.__class__ is _BYTEARRAY)):
        return error("ERR The specified keys must contain string values")
    a = b"" if a is None else bytes(a)
    b = b"" if b is None else bytes(b)
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    n = len(argv)
    j = 3
    while j < n:
        opt = argv[j].lower()
        if opt == b"idx":
            getidx = True
        elif opt == b"len":
            getlen = True
        elif opt == b"withmatchlen":
            withmatchlen = True
        elif opt == b"minmatchlen" and j + 1 < n:
            minmatchlen = parse_int(argv[j + 1])
            if minmatchlen is None:
                return E.NOT_INT
            if minmatchlen < 0:
                minmatchlen = 0
            j += 1
        else:
            return E.SYNTAX
        j += 1
    if getidx and getlen:
        return error("ERR If you want both the length and indexes, please just use IDX.")
    alen, blen = len(a), len(b)
    if (alen + 1) * (blen + 1) * 4 > c.server.proto_max_bulk_len:
        return error("ERR Insufficient memory, transient memory for LCS exceeds "
                     "proto-max-bulk-len")
    rows = _lcs_table(a, b)
    total = rows[alen][blen]
    if getlen:
        return integer(total)
    computelcs = True
    result = bytearray(total)
    idx = total
    matches = []
    ars = alen            # alen marks "no current range"
    are = brs = bre = 0
    i, j = alen, blen
    while computelcs and i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
            if ars == alen:
                ars = are = i - 1
                brs = bre = j - 1
            elif ars == i and brs == j:
                ars -= 1
                brs -= 1
            else:
                emit = True
            if ars == 0 or brs == 0:
                emit = True
            idx -= 1
            i -= 1
            j -= 1
        else:
            if rows[i - 1][j] > rows[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if ars != alen:
                emit = True
        if emit:
            mlen = are - ars + 1
            if getidx and (minmatchlen == 0 or mlen >= minmatchlen):
                m = b"*2\r\n:%d\r\n:%d\r\n*2\r\n:%d\r\n:%d\r\n" % (ars, are, brs, bre)
                if withmatchlen:
                    matches.append(b"*3\r\n" + m + integer(mlen))
                else:
                    matches.append(b"*2\r\n" + m)
            ars = alen
    if getidx:
        return (c.r.map_header(2) + b"$7\r\nmatches\r\n*%d\r\n" % len(matches)
                + b"".join(matches) + b"$3\r\nlen\r\n" + integer(total))
    return bulk(result)
