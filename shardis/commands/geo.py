"""Geo commands. Points live in a sorted set (types/zset.py) whose scores are
52-bit geohashes (types/geohash.py). Searches scan the centre cell and its
eight neighbours in Redis's order, so unsorted results come out in the same
order as redis-server's, and sorted ones tie-break the same way.
"""
from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import parse_int, parse_float
from shardis.protocol.resp import integer, error, CZERO
from shardis.runtime import blocking as B
from shardis.types import zset as Z
from shardis.types import geohash as G
from shardis.types.zset import ZPack, ZSkip

ERR_UNIT = error("ERR unsupported unit provided. please use M, KM, FT, MI")
ERR_MEMBER = error("ERR could not decode requested zset member")
ERR_COUNT = error("ERR COUNT must be > 0")
ERR_ANY = error("ERR the ANY argument requires COUNT argument")

_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}

# search flags
_COORDS = 1
_MEMBER = 2
_NOSTORE = 4
_SEARCH = 8
_SEARCHSTORE = 16


def _zset(c, key, write=False):
    v = c.db.lookup_write(key) if write else c.db.lookup_read(key)
    if v is None:
        return None, None
    k = v.__class__
    if k is not ZPack and k is not ZSkip:
        return None, E.WRONGTYPE
    return v, None


def _lonlat(a, b):
    x = parse_float(a)
    if x is None:
        return E.NOT_FLOAT
    y = parse_float(b)
    if y is None:
        return E.NOT_FLOAT
    if x < G.LONG_MIN or x > G.LONG_MAX or y < G.LAT_MIN or y > G.LAT_MAX:
        return error(b"ERR invalid longitude,latitude pair %f,%f" % (x, y))
    return (x, y)


def _unit(b):
    u = _UNITS.get(b.lower())
    if u is None:
        return ERR_UNIT
    return u


def _coord_reply(r, d):
    s = G.fmt_human(d)
    if r.version == 3:
        return b",%s\r\n" % s
    return b"$%d\r\n%s\r\n" % (len(s), s)


def _dist_reply(d):
    s = G.fmt_dist(d)
    return b"$%d\r\n%s\r\n" % (len(s), s)


# -- GEOADD -----------------------------------------------------------------------------
@command("geoadd")
def cmd_geoadd(c, argv):
    n = len(argv)
    nx = xx = ch = False
    i = 2
    while i < n:
        o = argv[i].lower()
        if o == b"nx":
            nx = True
        elif o == b"xx":
            xx = True
        elif o == b"ch":
            ch = True
        else:
            break
        i += 1
    if (n - i) % 3 or (xx and nx):
        return E.SYNTAX
    if n == i:
        return E.SYNTAX
    pts = []
    maxlen = 0
    for j in range(i, n, 3):
        p = _lonlat(argv[j], argv[j + 1])
        if p.__class__ is bytes:
            return p
        m = argv[j + 2]
        pts.append((m, float(G.encode(p[0], p[1]))))
        if len(m) > maxlen:
            maxlen = len(m)
    db = c.db
    key = argv[1]
    v, err = _zset(c, key, write=True)
    if err:
        return err
    created = False
    if v is None:
        if xx:
            return CZERO
        created = True
        if len(pts) <= Z.MAX_ENTRIES and maxlen <= Z.MAX_VALUE:
            v = Z.encode_seq([])
        else:
            v = ZSkip()
    added = changed = 0
    for m, score in pts:
        old = v.score(m)
        if old is None:
            if xx:
                continue
            v = v.add(m, score)
            added += 1
        else:
            if nx:
                continue
            if old != score:
                v = v.add(m, score)
                changed += 1
    srv = c.server
    if created:
        db.set(key, v)
    elif added or changed:
        db.store(key, v)
        db.signal(key)
    if added or changed:
        srv.dirty += added + changed
        if db.blocking_keys:
            B.signal_ready(db, key)
        if srv.notify_on:
            srv.notify(db, "z", "zadd", key)
    return integer(added + changed if ch else added)


# -- GEOPOS / GEOHASH / GEODIST -------------------------------------------------------
@command("geopos")
def cmd_geopos(c, argv):
    v, err = _zset(c, argv[1])
    if err:
        return err
    r = c.r
    parts = [b"*%d\r\n" % (len(argv) - 2)]
    for m in argv[2:]:
        s = v.score(m) if v is not None else None
        if s is None:
            parts.append(r.nil_array)
        else:
            x, y = G.decode_score(s)
            parts.append(b"*2\r\n" + _coord_reply(r, x) + _coord_reply(r, y))
    return b"".join(parts)


@command("geohash")
def cmd_geohash(c, argv):
    v, err = _zset(c, argv[1])
    if err:
        return err
    r = c.r
    parts = [b"*%d\r\n" % (len(argv) - 2)]
    for m in argv[2:]:
        s = v.score(m) if v is not None else None
        if s is None:
            parts.append(r.nil)
        else:
            parts.append(b"$11\r\n%s\r\n" % G.geohash_string(s))
    return b"".join(parts)


@command("geodist")
def cmd_geodist(c, argv):
    to_m = 1.0
    if len(argv) == 5:
        to_m = _unit(argv[4])
        if to_m.__class__ is bytes:
            return to_m
    elif len(argv) > 5:
        return E.SYNTAX
    v, err = _zset(c, argv[1])
    if err:
        return err
    if v is None:
        return c.r.nil
    s1 = v.score(argv[2])
    s2 = v.score(argv[3])
    if s1 is None or s2 is None:
        return c.r.nil
    x1, y1 = G.decode_score(s1)
    x2, y2 = G.decode_score(s2)
    return _dist_reply(G.distance(x1, y1, x2, y2) / to_m)


# -- searches -----------------------------------------------------------------------
def _points_in_range(v, lo, hi):
    """(score, member) with lo <= score < hi, in zset order."""
    seq = v.seq()
    if seq.__class__ is list:
        return seq[Z.bisect_left(seq, (lo, b"")):Z.bisect_left(seq, (hi, b""))]
    return seq[seq.bisect_left((lo, b"")):seq.bisect_left((hi, b""))]


def _search(v, cx, cy, circular, radius, width, height, conv, limit):
    """List of [dist_m, score, member, lon, lat] in Redis's scan order."""
    cells = G.search_cells(cx, cy, circular, radius, width, height, conv)
    found = []
    last = 0
    rad_m = radius * conv
    w_m = width * conv
    h_m = height * conv
    for i, (bits, step) in enumerate(cells):
        if bits == 0 and step == 0:
            continue
        if last and bits == cells[last][0] and step == cells[last][1]:
            continue
        if found and limit and len(found) >= limit:
            break
        lo, hi = G.cell_score_range(bits, step)
        for score, m in _points_in_range(v, lo, hi):
            x, y = G.decode_score(score)
            if circular:
                d = G.distance(cx, cy, x, y)
                if d > rad_m:
                    d = None
            else:
                d = G.in_rectangle(w_m, h_m, cx, cy, x, y)
            if d is not None:
                found.append([d, score, m, x, y])
            if found and limit and len(found) >= limit:
                break
        last = i
    return found


def _georadius(c, argv, src, flags):
    db = c.db
    n = len(argv)
    v, err = _zset(c, argv[src])
    if err:
        return err
    storekey = None
    storedist = False
    circular = True
    radius = width = height = 0.0
    conv = 1.0
    cx = cy = 0.0
    if flags & _COORDS:
        base = 6
        p = _lonlat(argv[2], argv[3])
        if p.__class__ is bytes:
            return p
        cx, cy = p
        r = _distance_arg(argv[4], argv[5])
        if r.__class__ is bytes:
            return r
        radius, conv = r
    elif flags & _MEMBER:
        base = 5
        if v is not None:
            s = v.score(argv[2])
            if s is None:
                return ERR_MEMBER
            cx, cy = G.decode_score(s)
            r = _distance_arg(argv[3], argv[4])
            if r.__class__ is bytes:
                return r
            radius, conv = r
    else:
        base = 2
        if flags & _SEARCHSTORE:
            base = 3
            storekey = argv[1]
    withdist = withhash = withcoord = False
    frommember = fromloc = byradius = bybox = False
    sort = 0
    anyf = False
    count = 0
    i = base
    while i < n:
        rem = n - i
        a = argv[i].lower()
        if a == b"withdist":
            withdist = True
        elif a == b"withhash":
            withhash = True
        elif a == b"withcoord":
            withcoord = True
        elif a == b"any":
            anyf = True
        elif a == b"asc":
            sort = 1
        elif a == b"desc":
            sort = 2
        elif a == b"count" and rem > 1:
            cnt = parse_int(argv[i + 1])
            if cnt is None:
                return E.NOT_INT
            if cnt <= 0:
                return ERR_COUNT
            count = cnt
            i += 1
        elif (a == b"store" or a == b"storedist") and rem > 1 and not flags & (_NOSTORE
                                                                            | _SEARCH):
            storekey = argv[i + 1]
            storedist = a == b"storedist"
            i += 1
        elif a == b"storedist" and flags & _SEARCH and flags & _SEARCHSTORE:
            storedist = True
        elif a == b"frommember" and rem > 1 and flags & _SEARCH and not fromloc:
            if v is not None:
                s = v.score(argv[i + 1])
                if s is None:
                    return ERR_MEMBER
                cx, cy = G.decode_score(s)
            frommember = True
            i += 1
        elif a == b"fromlonlat" and rem > 2 and flags & _SEARCH and not frommember:
            p = _lonlat(argv[i + 1], argv[i + 2])
            if p.__class__ is bytes:
                return p
            cx, cy = p
            fromloc = True
            i += 2
        elif a == b"byradius" and rem > 2 and flags & _SEARCH and not bybox:
            r = _distance_arg(argv[i + 1], argv[i + 2])
            if r.__class__ is bytes:
                return r
            radius, conv = r
            circular = True
            byradius = True
            i += 2
        elif a == b"bybox" and rem > 3 and flags & _SEARCH and not byradius:
            w = parse_float(argv[i + 1])
            if w is None:
                return error("ERR need numeric width")
            h = parse_float(argv[i + 2])
            if h is None:
                return error("ERR need numeric height")
            if h < 0 or w < 0:
                return error("ERR height or width cannot be negative")
            u = _unit(argv[i + 3])
            if u.__class__ is bytes:
                return u
            width, height, conv = w, h, u
            circular = False
            bybox = True
            i += 3
        else:
            return E.SYNTAX
        i += 1
    if storekey is not None and (withdist or withhash or withcoord):
        what = b"GEOSEARCHSTORE" if flags & _SEARCHSTORE else b"STORE option in GEORADIUS"
        return error(b"ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
                     % what)
    if flags & _SEARCH and not (frommember or fromloc):
        return error(b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
                     % argv[0])
    if flags & _SEARCH and not (byradius or bybox):
        return error(b"ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
                     % argv[0])
    if anyf and not count:
        return ERR_ANY
    srv = c.server
    if v is None:
        if storekey is not None:
            if db.delete(storekey):
                srv.dirty += 1
                if srv.notify_on:
                    srv.notify(db, "g", "del", storekey)
            return CZERO
        return b"*0\r\n"
    if count and not sort and not anyf:
        sort = 1
    found = _search(v, cx, cy, circular, radius, width, height, conv, count if anyf else 0)
    if not found and storekey is None:
        return b"*0\r\n"
    nret = count if count and count < len(found) else len(found)
    if sort:
        if nret == len(found):
            # Redis uses libc's qsort here: a stable merge sort
            found.sort(key=_dist_key, reverse=sort == 2)
        else:
            # and its own partial quicksort when only the first nret matter:
            # ties between equal distances come out in the same order
            _pqsort(found, 0, len(found), _cmp_asc if sort == 1 else _cmp_desc, 0, nret - 1)
    ret = found[:nret]
    if storekey is None:
        r = c.r
        nopt = withdist + withhash + withcoord
        parts = [b"*%d\r\n" % len(ret)]
        for d, score, m, x, y in ret:
            if nopt:
                parts.append(b"*%d\r\n" % (nopt + 1))
            parts.append(b"$%d\r\n%s\r\n" % (len(m), m))
            if withdist:
                parts.append(_dist_reply(d / conv))
            if withhash:
                parts.append(integer(int(score)))
            if withcoord:
                parts.append(b"*2\r\n" + _coord_reply(r, x) + _coord_reply(r, y))
        return b"".join(parts)
    if ret:
        pairs = [(m, (d / conv) if storedist else score) for d, score, m, x, y in ret]
        z = Z.from_pairs(pairs)
        db.set(storekey, z)
        if db.blocking_keys:
            B.signal_ready(db, storekey)
        if srv.notify_on:
            srv.notify(db, "z", "geosearchstore" if flags & _SEARCH else "georadiusstore",
                       storekey)
        srv.dirty += len(ret)
    elif db.delete(storekey):
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "g", "del", storekey)
    return integer(len(ret))


def _dist_key(p):
    return p[0]


def _cmp_asc(x, y):
    a = x[0]
    b = y[0]
    return 1 if a > b else (0 if a == b else -1)


def _cmp_desc(x, y):
    return -_cmp_asc(x, y)


def _med3(a, i, j, k, cmp):
    if cmp(a[i], a[j]) < 0:
        if cmp(a[j], a[k]) < 0:
            return j
        return k if cmp(a[i], a[k]) < 0 else i
    if cmp(a[j], a[k]) > 0:
        return j
    return i if cmp(a[i], a[k]) < 0 else k


def _pqsort(a, lo, n, cmp, left, right):
    """Partial quicksort (Bentley-McIlroy partitioning, as Redis's pqsort.c):
    sorts enough of a[lo:lo+n] that positions left..right hold the right
    elements, recursing only into partitions that overlap that range."""
    while True:
        if n < 7:
            for pm in range(lo + 1, lo + n):
                pl = pm
                while pl > lo and cmp(a[pl - 1], a[pl]) > 0:
                    a[pl], a[pl - 1] = a[pl - 1], a[pl]
                    pl -= 1
            return
        pm = lo + n // 2
        if n > 7:
            pl = lo
            pn = lo + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(a, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(a, pm - d, pm, pm + d, cmp)
                pn = _med3(a, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(a, pl, pm, pn, cmp)
        a[lo], a[pm] = a[pm], a[lo]
        pa = pb = lo + 1
        pc = pd = lo + n - 1
        while True:
            while pb <= pc:
                r = cmp(a[pb], a[lo])
                if r > 0:
                    break
                if r == 0:
                    a[pa], a[pb] = a[pb], a[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                r = cmp(a[pc], a[lo])
                if r < 0:
                    break
                if r == 0:
                    a[pc], a[pd] = a[pd], a[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            a[pb], a[pc] = a[pc], a[pb]
            pb += 1
            pc -= 1
        pn = lo + n
        r = min(pa - lo, pb - pa)
        for i in range(r):
            x, y = lo + i, pb - r + i
            a[x], a[y] = a[y], a[x]
        r = min(pd - pc, pn - pd - 1)
        for i in range(r):
            x, y = pb + i, pn - r + i
            a[x], a[y] = a[y], a[x]
        r = pb - pa
        if r > 1:
            if not ((left < lo and right < lo) or (left >= lo + r and right >= lo + r)):
                _pqsort(a, lo, r, cmp, left, right)
        r = pd - pc
        if r > 1:
            lo = pn - r
            n = r
            if not ((left < lo and right < lo) or (left >= lo + n and right >= lo + n)):
                continue
        return


def _distance_arg(a, u):
    d = parse_float(a)
    if d is None:
        return error("ERR need numeric radius")
    if d < 0:
        return error("ERR radius cannot be negative")
    conv = _unit(u)
    if conv.__class__ is bytes:
        return conv
    return (d, conv)


@command("georadius")
def cmd_georadius(c, argv):
    return _georadius(c, argv, 1, _COORDS)


command("georadius_ro")(lambda c, argv: _georadius(c, argv, 1, _COORDS | _NOSTORE))


@command("georadiusbymember")
def cmd_georadiusbymember(c, argv):
    return _georadius(c, argv, 1, _MEMBER)


command("georadiusbymember_ro")(lambda c, argv: _georadius(c, argv, 1, _MEMBER | _NOSTORE))


@command("geosearch")
def cmd_geosearch(c, argv):
    return _georadius(c, argv, 1, _SEARCH)


command("geosearchstore")(lambda c, argv: _georadius(c, argv, 2, _SEARCH | _SEARCHSTORE))
