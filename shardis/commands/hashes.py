"""Hash commands (Redis 7.2), over types/hash.py's two encodings.

A listpack hash (``HashLP``) is immutable: every write builds the new blob
and stores it back in ``db.data``; a hashtable hash (``HashHT``, the
compiled HashTable) is written in place.  Conversion points follow t_hash.c:
hashTypeTryConversion before HSET/HSETNX/HMSET (too many pairs announced, or
any argument longer than hash-max-listpack-value), the length check after
inserting, and the length check of hashTypeSet for HINCRBY/HINCRBYFLOAT.
"""
import re
from fractions import Fraction
from random import randrange, sample

from shardis.commands import command, batch
from shardis.commands import errors as E
from shardis.commands.util import parse_int, LLONG_MAX, LLONG_MIN
from shardis.commands.util import parse_scan, scan_reply
from shardis.protocol.resp import OK, CZERO, CONE, integer, error
from shardis.types import hash as H
from shardis.types import listpack as LP
from shardis.types.hash import HashLP, HashHT
from shardis.runtime.propagate import rewrite



def setup(server):
    cfg = server.config

    def set_entries(v):
        H.MAX_ENTRIES = v

    def set_value(v):
        H.MAX_VALUE = v
    cfg.on_change("hash-max-listpack-entries", set_entries)
    cfg.on_change("hash-max-listpack-value", set_value)


def _bulk(v):
    return b"$%d\r\n%s\r\n" % (len(v), v)


# -- writes -------------------------------------------------------------------------
def _hset(c, argv):
    """Store the pairs of argv[2:]; returns the number of new fields or an
    encoded error."""
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    n = len(argv)
    if v is None:
        if H.fits_listpack(argv, 2):
            npairs = (n - 2) >> 1
            if npairs == 1:
                nv = HashLP(LP.map_pack_flat(argv[2:]))
                added = 1
            else:
                d = dict(zip(argv[2::2], argv[3::2]))
                added = len(d)
                if added == npairs:
                    nv = HashLP(LP.map_pack_flat(argv[2:]))
                else:
                    nv = HashLP(LP.map_pack(d.items()))
        else:
            nv = HashHT(zip(argv[2::2], argv[3::2]))
            added = len(nv)
        db.set(key, nv)
        return added
    cls = v.__class__
    if cls is HashLP:
        if not H.fits_listpack(argv, 2):
            v = v.to_ht()
            db.store(key, v)
            cls = HashHT
        else:
            blob = v
            added = 0
            map_set = LP.map_set
            for i in range(2, n, 2):
                blob, new = map_set(blob, argv[i], argv[i + 1])
                if new:
                    added += 1
            if added and LP.map_len(blob) > H.MAX_ENTRIES:
                nv = HashLP(blob).to_ht()
            else:
                nv = HashLP(blob)
            db.store(key, nv)
            db.signal(key)
            return added
    if cls is HashHT:
        added = 0
        for i in range(2, n, 2):
            if v.set(argv[i], argv[i + 1]):
                added += 1
        db.signal(key)
        return added
    return E.WRONGTYPE


@batch("hset", 4)
def batch_hset(c, run, out):
    """HSETs of one pair into hashtable hashes, in a plain db (see
    commands.batch)."""
    get = c.db.data.get
    ap = out.append
    start = len(out)
    for argv in run:
        v = get(argv[1])
        if v.__class__ is not HashHT:
            break
        ap(CONE if v.set(argv[2], argv[3]) else CZERO)
    done = len(out) - start
    c.server.dirty += done
    return done


@command("hset")
def cmd_hset(c, argv):
    if len(argv) & 1:
        return E.HSET_ARGS
    r = _hset(c, argv)
    if r.__class__ is bytes:
        return r
    srv = c.server
    srv.dirty += (len(argv) - 2) >> 1
    if srv.notify_on:
        srv.notify(c.db, "h", "hset", argv[1])
    return integer(r)


@command("hmset")
def cmd_hmset(c, argv):
    if len(argv) & 1:
        return E.HMSET_ARGS
    r = _hset(c, argv)
    if r.__class__ is bytes:
        return r
    srv = c.server
    srv.dirty += (len(argv) - 2) >> 1
    if srv.notify_on:
        srv.notify(c.db, "h", "hset", argv[1])
    return OK


@command("hsetnx")
def cmd_hsetnx(c, argv):
    db = c.db
    v = db.lookup_write(argv[1])
    if v is not None:
        cls = v.__class__
        if cls is not HashLP and cls is not HashHT:
            return E.WRONGTYPE
        if v.get(argv[2]) is not None:
            return CZERO
    r = _hset(c, argv)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "h", "hset", argv[1])
    return CONE


def _hash_for_write(c, key):
    """(value, error) for read-modify-write commands creating the key."""
    v = c.db.lookup_write(key)
    if v is None:
        return None, None
    cls = v.__class__
    if cls is not HashLP and cls is not HashHT:
        return None, E.WRONGTYPE
    return v, None


def _store_field(c, key, v, field, value):
    """hashTypeSet for HINCRBY*: v may be None (new key)."""
    db = c.db
    if v is None:
        if len(field) > H.MAX_VALUE or len(value) > H.MAX_VALUE or H.MAX_ENTRIES == 0:
            nv = HashHT()
            nv[field] = value
        else:
            nv = HashLP(LP.map_pack(((field, value),)))
        db.set(key, nv)
        return
    if v.__class__ is HashLP:
        if len(field) > H.MAX_VALUE or len(value) > H.MAX_VALUE:
            v = v.to_ht()
            db.store(key, v)
        else:
            blob, new = LP.map_set(v, field, value)
            nv = HashLP(blob)
            if new and LP.map_len(blob) > H.MAX_ENTRIES:
                nv = nv.to_ht()
            db.store(key, nv)
            db.signal(key)
            return
    v[field] = value
    db.signal(key)


@command("hincrby")
def cmd_hincrby(c, argv):
    incr = parse_int(argv[3])
    if incr is None:
        return E.NOT_INT
    key, field = argv[1], argv[2]
    v, err = _hash_for_write(c, key)
    if err is not None:
        return err
    cur = 0
    if v is not None:
        old = v.get(field)
        if old is not None:
            cur = parse_int(old)
            if cur is None:
                return E.NOT_INT_HASH
    new = cur + incr
    if new > LLONG_MAX or new < LLONG_MIN:
        return E.OVERFLOW
    _store_field(c, key, v, field, b"%d" % new)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(c.db, "h", "hincrby", key)
    return integer(new)


# -- long double emulation (x87 80-bit: 64-bit significand) for HINCRBYFLOAT ----
_DEC_RE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX_RE = re.compile(rb"([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?\Z")
_INF = "inf"
_LD_MAX_EXP = 16384          # values >= 2**16384 overflow
_LD_MIN_EXP = -16445         # below the smallest subnormal


def _ld_round(q):
    """Round a Fraction to the nearest long double (ties to even);
    returns a Fraction, or the string "inf"/"-inf" on overflow, or 0."""
    if q == 0:
        return Fraction(0)
    neg = q < 0
    n, d = abs(q.numerator), q.denominator
    e = n.bit_length() - d.bit_length()
    # scale so that the integer part has 64 bits
    sh = 63 - e
    if sh >= 0:
        num, den = n << sh, d
    else:
        num, den = n, d << -sh
    m, r = divmod(num, den)
    if m >= 1 << 64:
        sh -= 1
        if sh >= 0:
            num, den = n << sh, d
        else:
            num, den = n, d << -sh
        m, r = divmod(num, den)
    elif m < 1 << 63:
        sh += 1
        if sh >= 0:
            num, den = n << sh, d
        else:
            num, den = n, d << -sh
        m, r = divmod(num, den)
    exp = -sh        # value = m * 2**exp (+ remainder)
    # subnormal range: the significand loses bits below 2**-16445
    if exp < _LD_MIN_EXP:
        drop = _LD_MIN_EXP - exp
        if drop > 70:
            return Fraction(0)
        num2 = m * den + r
        den2 = den << drop
        m, r = divmod(num2, den2)
        den = den2
        exp = _LD_MIN_EXP
    twice = 2 * r
    if twice > den or (twice == den and m & 1):
        m += 1
    if m == 0:
        return Fraction(0)
    if m.bit_length() + exp > _LD_MAX_EXP:
        return "-inf" if neg else "inf"
    val = Fraction(m) * (Fraction(2) ** exp)
    return -val if neg else val


def _parse_ld(b):
    """string2ld: a long double (Fraction or "inf"/"-inf") or None."""
    if not b or len(b) >= 5 * 1024 or b[:1].isspace():
        return None
    t = b.lower()
    if t in (b"inf", b"+inf", b"infinity", b"+infinity"):
        return "inf"
    if t in (b"-inf", b"-infinity"):
        return "-inf"
    if _DEC_RE.match(b):
        mant, _, ex = t.partition(b"e")
        ex = int(ex) if ex else 0
        digits = mant.lstrip(b"+-")
        intpart, _, frac = digits.partition(b".")
        sig = (intpart + frac).lstrip(b"0")
        if not sig:
            return Fraction(0)
        mag = len(intpart.lstrip(b"0")) + ex if intpart.lstrip(b"0") else ex - (len(frac) - len(frac.lstrip(b"0")))
        if mag > 4940:
            return None            # ERANGE overflow
        if mag < -4960:
            return None            # ERANGE underflow to zero
        q = Fraction(mant.decode()) * (Fraction(10) ** ex)
        r = _ld_round(q)
        if r.__class__ is str or r == 0:
            return None
        return r
    m = _HEX_RE.match(b)
    if m and (m.group(2) or m.group(3)):
        sign, ip, fp, ex = m.groups()
        val = int((ip + fp) or b"0", 16)
        e2 = (int(ex) if ex else 0) - 4 * len(fp)
        if val == 0:
            return Fraction(0)
        if val.bit_length() + e2 > 16400:
            return None
        if val.bit_length() + e2 < -16500:
            return None
        q = Fraction(val) * (Fraction(2) ** e2)
        if sign == b"-":
            q = -q
        r = _ld_round(q)
        if r.__class__ is str or r == 0:
            return None
        return r
    return None


def _fmt_human(q):
    """ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros removed."""
    neg = q < 0
    a = abs(q)
    scaled = a * 10 ** 17
    i, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and i & 1):
        i += 1
    s = b"%018d" % i
    ip, fp = s[:-17], s[-17:].rstrip(b"0")
    out = ip + (b"." + fp if fp else b"")
    if neg and out != b"0":
        out = b"-" + out
    return out


@command("hincrbyfloat")
def cmd_hincrbyfloat(c, argv):
    incr = _parse_ld(argv[3])
    if incr is None:
        return E.NOT_FLOAT
    if incr.__class__ is str:
        return E.NAN_INF
    key, field = argv[1], argv[2]
    v, err = _hash_for_write(c, key)
    if err is not None:
        return err
    cur = Fraction(0)
    if v is not None:
        old = v.get(field)
        if old is not None:
            cur = _parse_ld(old)
            if cur is None:
                return E.NOT_FLOAT_HASH
            if cur.__class__ is str:
                return E.NAN_INF_RESULT
    val = _ld_round(cur + incr)
    if val.__class__ is str:
        return E.NAN_INF_RESULT
    out = _fmt_human(val)
    _store_field(c, key, v, field, out)
    srv = c.server
    srv.dirty += 1
    rewrite(c, b"HSET", key, field, out)     # the result, not the float arithmetic
    if srv.notify_on:
        srv.notify(c.db, "h", "hincrbyfloat", key)
    return _bulk(out)


@command("hdel")
def cmd_hdel(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return CZERO
    cls = v.__class__
    deleted = 0
    gone = False
    if cls is HashHT:
        pop = v.pop
        for f in argv[2:]:
            if pop(f) is not None:
                deleted += 1
        if deleted and not v:
            gone = True
    elif cls is HashLP:
        blob = v
        for f in argv[2:]:
            b2 = LP.map_delete(blob, f)
            if b2 is not None:
                blob = b2
                deleted += 1
        if deleted:
            if len(blob) <= 1:
                gone = True
            else:
                db.store(key, HashLP(blob))
    else:
        return E.WRONGTYPE
    if deleted:
        srv = c.server
        srv.dirty += deleted
        if gone:
            db.delete(key)
        else:
            db.signal(key)
        if srv.notify_on:
            srv.notify(db, "h", "hdel", key)
            if gone:
                srv.notify(db, "g", "del", key)
    return integer(deleted)


# -- reads --------------------------------------------------------------------------
def _read(c, key):
    """(value or None, error or None)."""
    v = c.db.lookup_read(key)
    if v is None:
        return None, None
    cls = v.__class__
    if cls is not HashLP and cls is not HashHT:
        return None, E.WRONGTYPE
    return v, None


@command("hget")
def cmd_hget(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        return c.r.nil
    cls = v.__class__
    if cls is HashHT:
        x = v.get(argv[2])
    elif cls is HashLP:
        x = LP.map_get(v, argv[2])
    else:
        return E.WRONGTYPE
    if x is None:
        return c.r.nil
    return b"$%d\r\n%s\r\n" % (len(x), x)


@command("hmget")
def cmd_hmget(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    nil = c.r.nil
    out = [b"*%d\r\n" % (len(argv) - 2)]
    if v is None:
        out.append(nil * (len(argv) - 2))
    else:
        get = v.get
        for f in argv[2:]:
            x = get(f)
            out.append(nil if x is None else b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)


@command("hexists")
def cmd_hexists(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return CZERO
    return CONE if v.get(argv[2]) is not None else CZERO


@command("hlen")
def cmd_hlen(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return CZERO
    return integer(v.size())


@command("hstrlen")
def cmd_hstrlen(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return CZERO
    x = v.get(argv[2])
    return CZERO if x is None else integer(len(x))


def _bulks(items):
    return b"".join([b"$%d\r\n%s\r\n" % (len(x), x) for x in items])


@command("hkeys")
def cmd_hkeys(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return b"*0\r\n"
    ks = v.fields()
    return b"*%d\r\n" % len(ks) + _bulks(ks)


@command("hvals")
def cmd_hvals(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return b"*0\r\n"
    if v.__class__ is HashHT:
        vs = list(v.values())
    else:
        vs = v.flat()[1::2]
    return b"*%d\r\n" % len(vs) + _bulks(vs)


@command("hgetall")
def cmd_hgetall(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return c.r.empty_map
    fl = v.flat()
    return c.r.map_header(len(fl) >> 1) + _bulks(fl)


# -- HRANDFIELD -------------------------------------------------------------------------
@command("hrandfield")
def cmd_hrandfield(c, argv):
    n = len(argv)
    if n >= 3:
        cnt = parse_int(argv[2])
        if cnt is None:
            return E.NOT_INT
        if cnt == LLONG_MIN:
            return error("ERR value is out of range, value must between %d and %d"
                         % (-LLONG_MAX, LLONG_MAX))
        withvalues = False
        if n > 4 or (n == 4 and argv[3].lower() != b"withvalues"):
            return E.SYNTAX
        if n == 4:
            withvalues = True
            if cnt < -(LLONG_MAX // 2) or cnt > LLONG_MAX // 2:
                return E.HASH_OUT_OF_RANGE
        return _hrandfield_count(c, argv[1], cnt, withvalues)
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return c.r.nil
    if v.__class__ is HashHT:
        f = v.random_key()
    else:
        fl = v.flat()
        f = fl[randrange(len(fl) >> 1) << 1]
    return _bulk(f)


def _hrandfield_count(c, key, cnt, withvalues):
    v, err = _read(c, key)
    if err is not None:
        return err
    if v is None or cnt == 0:
        return b"*0\r\n"
    resp3 = c.resp == 3
    if v.__class__ is HashHT:
        pairs = _ht_random_pairs(v, cnt, withvalues)
    else:
        fl = v.flat()
        size = len(fl) >> 1
        if cnt < 0 or cnt == 1:
            # with repetition: independent uniform draws
            idxs = [randrange(size) for _ in range(-cnt if cnt < 0 else 1)]
        elif cnt >= size:
            idxs = range(size)
        else:
            idxs = sorted(sample(range(size), cnt))    # listpack sampling keeps listpack order
        if withvalues:
            pairs = [(fl[2 * i], fl[2 * i + 1]) for i in idxs]
        else:
            pairs = [fl[2 * i] for i in idxs]
    out = []
    ap = out.append
    if withvalues:
        for f, val in pairs:
            if resp3:
                ap(b"*2\r\n")
            ap(b"$%d\r\n%s\r\n" % (len(f), f))
            ap(b"$%d\r\n%s\r\n" % (len(val), val))
    else:
        for f in pairs:
            ap(b"$%d\r\n%s\r\n" % (len(f), f))
    count = len(pairs)
    return b"*%d\r\n" % (count * 2 if withvalues and not resp3 else count) + b"".join(out)


def _ht_random_pairs(v, cnt, withvalues):
    """HRANDFIELD's picks from a hashtable hash: fields, or (field, value)
    pairs with values.  A negative count draws with repetition (each draw
    uniform over the fields), a positive one distinct fields (the whole hash
    when it asks for as many or more)."""
    if cnt < 0 or cnt == 1:
        draw = v.random_item if withvalues else v.random_key
        return [draw() for _ in range(-cnt if cnt < 0 else 1)]
    if cnt >= len(v):
        return v.items() if withvalues else v.keys()
    return v.sample(cnt, values=withvalues)


# -- HSCAN -----------------------------------------------------------------------------
@command("hscan")
def cmd_hscan(c, argv):
    opts = parse_scan(argv[2:])
    if opts.__class__ is bytes:
        return opts
    cur, match, count, _ = opts
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return scan_reply(0, ())
    if v.__class__ is HashLP:
        fl = v.flat()           # a listpack is returned whole, with cursor 0
        if match is not None:
            fl = [x for i in range(0, len(fl), 2) if match(fl[i]) for x in fl[i:i + 2]]
        return scan_reply(0, fl)
    # the table's own cursor; Redis counts a field and its value against COUNT
    nxt, fl = v.scan(cur, (count + 1) >> 1)
    if match is not None:
        fl = [x for i in range(0, len(fl), 2) if match(fl[i]) for x in fl[i:i + 2]]
    return scan_reply(nxt, fl)
