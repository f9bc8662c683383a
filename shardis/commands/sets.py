"""Set commands (Redis 7.2), over types/set.py's three encodings.

Compact values (intset, listpack) are immutable bytes subclasses: a write
stores the returned value back in ``db.data``.  Results of SINTERSTORE /
SUNIONSTORE / SDIFFSTORE and SPOP's rebuild are built from an empty intset
member by member (``S.build``), exactly as Redis builds its destination set,
so their encoding and (for the compact encodings) their order match Redis.
"""
from random import randrange, sample, shuffle

from shardis.commands import command, batch
from shardis.commands import errors as E
from shardis.commands.util import parse_int, LLONG_MAX, LLONG_MIN
from shardis.protocol.resp import CZERO, CONE, integer, error, BULK_HDR, BULK_HDR_N
from shardis.types import set as S
from shardis.native import SetTable
from shardis.types.set import SetHT, SetLP
from shardis.runtime.propagate import rewrite, also, prevent, del_command
from shardis.commands.util import parse_scan, scan_reply

_SETS = frozenset(S.SET_CLASSES)
_st_add = SetTable.add
# bulk-string headers for short members: a reply is header + member + CRLF
_NHDR = BULK_HDR_N
_HDR = BULK_HDR
_CRLF = b"\r\n"


def setup(server):
    cfg = server.config

    def hook(attr):
        def f(v):
            setattr(S, attr, v)
        return f
    cfg.on_change("set-max-intset-entries", hook("MAX_INTSET"))
    cfg.on_change("set-max-listpack-entries", hook("MAX_LP_ENTRIES"))
    cfg.on_change("set-max-listpack-value", hook("MAX_LP_VALUE"))


def _bulks(items):
    return b"".join([b"$%d\r\n%s\r\n" % (len(x), x) for x in items])


def _read(c, key):
    v = c.db.lookup_read(key)
    if v is None:
        return None, None
    if v.__class__ not in _SETS:
        return None, E.WRONGTYPE
    return v, None


# -- writes -------------------------------------------------------------------------
@batch("sadd", 3)
def batch_sadd(c, run, out):
    """SADDs of one member into hashtable sets, in a plain db (see
    commands.batch)."""
    get = c.db.data.get
    ap = out.append
    add = _st_add
    start = len(out)
    added = 0
    for argv in run:
        v = get(argv[1])
        if v.__class__ is not SetHT:
            break
        if add(v, argv[2]):
            added += 1
            ap(CONE)
        else:
            ap(CZERO)
    c.server.dirty += added
    return len(out) - start


@command("sadd")
def cmd_sadd(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    srv = c.server
    if v is None:
        nv, added = S.add_many(S.create(argv[2], len(argv) - 2), argv[2:])
        db.set(key, nv)
    else:
        cls = v.__class__
        if cls is SetHT:
            nv, added = S.add_many(v, argv[2:])
        elif cls in _SETS:
            if len(argv) == 3 and S.MAX_LP_ENTRIES and S.MAX_INTSET:
                # one member: setTypeMaybeConvert(set, 1) is a no-op unless
                # a limit is 0
                nv, added = v.add(argv[2])
            else:
                nv, added = S.add_many(S.maybe_convert(v, len(argv) - 2), argv[2:])
            if nv is not v:
                db.store(key, nv)
        else:
            return E.WRONGTYPE
        if added:
            db.signal(key)
    if added:
        srv.dirty += added
        if srv.notify_on:
            srv.notify(db, "s", "sadd", key)
    return integer(added)


def _removed_from(c, key, v, members):
    """Remove members (stopping when the set empties); returns (deleted, gone)
    and stores the new value."""
    db = c.db
    deleted = 0
    gone = False
    for m in members:
        v, ok = v.remove(m)
        if ok:
            deleted += 1
            if v.size() == 0:
                gone = True
                break
    if deleted:
        if gone:
            db.delete(key)
        else:
            db.store(key, v)
            db.signal(key)
    return deleted, gone


@command("srem")
def cmd_srem(c, argv):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return CZERO
    if v.__class__ not in _SETS:
        return E.WRONGTYPE
    deleted, gone = _removed_from(c, key, v, argv[2:])
    if deleted:
        srv = c.server
        srv.dirty += deleted
        if srv.notify_on:
            srv.notify(db, "s", "srem", key)
            if gone:
                srv.notify(db, "g", "del", key)
    return integer(deleted)


@command("smove")
def cmd_smove(c, argv):
    db = c.db
    src, dst, ele = argv[1], argv[2], argv[3]
    sv = db.lookup_write(src)
    dv = db.lookup_write(dst)
    if sv is None:
        return CZERO
    if sv.__class__ not in _SETS or (dv is not None and dv.__class__ not in _SETS):
        return E.WRONGTYPE
    if src == dst:
        return CONE if sv.ismember(ele) else CZERO
    srv = c.server
    nsv, ok = sv.remove(ele)
    if not ok:
        return CZERO
    if srv.notify_on:
        srv.notify(db, "s", "srem", src)
    if nsv.size() == 0:
        db.delete(src)
        if srv.notify_on:
            srv.notify(db, "g", "del", src)
    else:
        db.store(src, nsv)
        db.signal(src)
    if dv is None:
        dv = S.create(ele, 1)
        ndv, added = dv.add(ele)
        db.set(dst, ndv)
    else:
        ndv, added = dv.add(ele)
        if added:
            # the destination changed only if the member was new there
            if ndv is not dv:
                db.store(dst, ndv)
            db.signal(dst)
    srv.dirty += 1
    if added:
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "s", "sadd", dst)
    return CONE


@batch("spop", 2)
def batch_spop(c, run, out):
    """SPOPs without a count from hashtable sets that keep at least one
    member, in a plain db (see commands.batch); the picks as cmd_spop makes
    them (the table's pop_random)."""
    get = c.db.data.get
    ap = out.append
    pop = SetTable.pop_random
    start = len(out)
    for argv in run:
        v = get(argv[1])
        if v.__class__ is not SetHT:
            break
        if len(v) <= 1:
            break
        m = pop(v)
        k = len(m)
        ap(_HDR[k] + m + _CRLF if k < _NHDR else b"$%d\r\n%s\r\n" % (k, m))
    done = len(out) - start
    c.server.dirty += done
    return done


@command("spop")
def cmd_spop(c, argv):
    db = c.db
    key = argv[1]
    if len(argv) == 3:
        return _spop_count(c, argv)
    if len(argv) > 3:
        return E.SYNTAX
    v = db.lookup_write(key)
    if v is None:
        return c.r.nil
    if v.__class__ not in _SETS:
        return E.WRONGTYPE
    nv, m = v.pop_one()
    srv = c.server
    srv.dirty += 1
    gone = len(nv) == 0 if nv.__class__ is SetHT else nv.size() == 0
    rewrite(c, b"SREM", key, m)
    if gone:
        db.delete(key)
    else:
        if nv is not v:
            db.store(key, nv)
        db.signal(key)
    if srv.notify_on:
        srv.notify(db, "s", "spop", key)
        if gone:
            srv.notify(db, "g", "del", key)
    k = len(m)
    return _HDR[k] + m + _CRLF if k < _NHDR else b"$%d\r\n%s\r\n" % (k, m)


def _set_reply(c, items):
    return c.r.set_header(len(items)) + _bulks(items)


def _spop_count(c, argv):
    cnt = parse_int(argv[2])
    if cnt is None or cnt < 0:
        return E.NOT_POSITIVE
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return c.r.empty_set
    if v.__class__ not in _SETS:
        return E.WRONGTYPE
    if cnt == 0:
        return c.r.empty_set
    srv = c.server
    size = v.size()
    if srv.notify_on:
        srv.notify(db, "s", "spop", key)
    srv.dirty += cnt
    if cnt >= size:
        items = S.build(v.members()).members()
        db.delete(key)
        rewrite(c, del_command(srv, "lazyfree-lazy-server-del"), key)
        if srv.notify_on:
            srv.notify(db, "g", "del", key)
        srv.dirty += 1
        return _set_reply(c, items)
    remaining = size - cnt
    if remaining * 5 > cnt:
        # few to pop: extract them at random
        if v.__class__ is SetHT:
            pop = v.pop_random
            out = [pop() for _ in range(cnt)]
        else:
            items = v.members()
            pick = sorted(sample(range(size), cnt))
            out = [items[i] for i in pick]
            chosen = set(pick)
            rest = [items[i] for i in range(size) if i not in chosen]
            if v.__class__ is SetLP:
                v = SetLP(S.LP.seq_pack(rest))
            else:
                v = S.build(rest)
            if v.__class__ is SetLP:
                shuffle(out)
            db.store(key, v)
        db.signal(key)
        _propagate_srem(c, key, out)
        return _set_reply(c, out)
    # many to pop: keep a random remainder in a rebuilt set, reply the rest
    items = v.members()
    keep_idx = sample(range(size), remaining)
    keep = [items[i] for i in keep_idx]
    kept = set(keep_idx)
    out = [items[i] for i in range(size) if i not in kept]
    if v.__class__ is SetLP:
        keep_idx.sort()
        nv = SetLP(S.LP.seq_pack([items[i] for i in keep_idx]))
    elif v.__class__ is SetHT:
        nv, _ = S.add_many(SetLP(S.LP.EMPTY), keep)
    else:
        nv = S.build(keep)
    db.store(key, nv)
    db.signal(key)
    _propagate_srem(c, key, out)
    return _set_reply(c, out)


def _propagate_srem(c, key, members):
    """SPOP with a count propagates as SREMs of what it popped, at most 1024
    members each, as Redis does."""
    if c.server.propagate_on:
        for i in range(0, len(members), 1024):
            also(c, b"SREM", key, *members[i:i + 1024])
        prevent(c)


# -- reads --------------------------------------------------------------------------
@command("scard")
def cmd_scard(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    return CZERO if v is None else integer(v.size())


@command("sismember")
def cmd_sismember(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        return CZERO
    if v.__class__ is SetHT:
        return CONE if argv[2] in v else CZERO
    if v.__class__ not in _SETS:
        return E.WRONGTYPE
    return CONE if v.ismember(argv[2]) else CZERO


@command("smismember")
def cmd_smismember(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    n = len(argv) - 2
    if v is None:
        return b"*%d\r\n" % n + CZERO * n
    isin = v.ismember
    return b"*%d\r\n" % n + b"".join([CONE if isin(m) else CZERO for m in argv[2:]])


@command("smembers")
def cmd_smembers(c, argv):
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return c.r.empty_set
    return _set_reply(c, v.members())


@command("srandmember")
def cmd_srandmember(c, argv):
    n = len(argv)
    if n == 3:
        return _srandmember_count(c, argv)
    if n > 3:
        return E.SYNTAX
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return c.r.nil
    m = v.random()
    return b"$%d\r\n%s\r\n" % (len(m), m)


def _srandmember_count(c, argv):
    cnt = parse_int(argv[2])
    if cnt is None:
        return E.NOT_INT
    if cnt == LLONG_MIN:
        return error("ERR value is out of range, value must between %d and %d"
                     % (-LLONG_MAX, LLONG_MAX))
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None or cnt == 0:
        return b"*0\r\n"
    if v.__class__ is SetHT:
        if cnt < 0 or cnt == 1:
            # with repetition: independent uniform draws
            draw = v.random_key
            out = [draw() for _ in range(-cnt if cnt < 0 else 1)]
        elif cnt >= len(v):
            out = v.members()
        else:
            out = v.sample(cnt)
        return b"*%d\r\n" % len(out) + _bulks(out)
    items = v.members()
    size = len(items)
    if cnt < 0 or cnt == 1:
        count = -cnt if cnt < 0 else 1
        out = [items[randrange(size)] for _ in range(count)]
    elif cnt >= size:
        out = items
    else:
        idx = sample(range(size), cnt)
        if v.__class__ is SetLP:
            idx.sort()
        out = [items[i] for i in idx]
    return b"*%d\r\n" % len(out) + _bulks(out)


# -- algebra ----------------------------------------------------------------------------
def _lookup_sets(c, keys, write):
    """List of values (None for missing) or an encoded error."""
    look = c.db.lookup_write if write else c.db.lookup_read
    out = []
    for k in keys:
        v = look(k)
        if v is not None and v.__class__ not in _SETS:
            return E.WRONGTYPE
        out.append(v)
    return out


def _inter(sets, limit=0):
    """Members of the intersection, in the smallest set's order."""
    sets = sorted(sets, key=lambda s: s.size())
    first = sets[0]
    others = sets[1:]
    out = []
    for m in first.members():
        for s in others:
            if s is first:
                continue
            if not s.ismember(m):
                break
        else:
            out.append(m)
            if limit and len(out) >= limit:
                break
    return out


def _store(c, dst, nv, event):
    db = c.db
    srv = c.server
    if nv is not None and nv.size() > 0:
        db.set(dst, nv)
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "s", event, dst)
        return integer(nv.size())
    if db.delete(dst):
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "g", "del", dst)
    return CZERO


@command("sinter")
def cmd_sinter(c, argv):
    sets = _lookup_sets(c, argv[1:], False)
    if sets.__class__ is bytes:
        return sets
    if any(s is None for s in sets):
        return c.r.empty_set
    return _set_reply(c, _inter(sets))


@command("sinterstore")
def cmd_sinterstore(c, argv):
    sets = _lookup_sets(c, argv[2:], True)
    if sets.__class__ is bytes:
        return sets
    if any(s is None for s in sets):
        return _store(c, argv[1], None, "sinterstore")
    return _store(c, argv[1], S.build(_inter(sets)), "sinterstore")


@command("sintercard")
def cmd_sintercard(c, argv):
    nk = parse_int(argv[1])
    if nk is None:
        return error("ERR numkeys should be greater than 0")
    if nk <= 0:
        return error("ERR numkeys should be greater than 0")
    if nk > len(argv) - 2:
        return error("ERR Number of keys can't be greater than number of args")
    limit = 0
    i = 2 + nk
    while i < len(argv):
        if argv[i].lower() == b"limit" and i + 1 < len(argv):
            lv = parse_int(argv[i + 1])
            if lv is None or lv < 0:
                return error("ERR LIMIT can't be negative")
            limit = lv
            i += 2
        else:
            return E.SYNTAX
    sets = _lookup_sets(c, argv[2:2 + nk], False)
    if sets.__class__ is bytes:
        return sets
    if any(s is None for s in sets):
        return CZERO
    return integer(len(_inter(sets, limit)))


def _union(sets):
    nv = S.SetInt16(b"")
    for s in sets:
        if s is not None:
            nv, _ = S.add_many(nv, s.members())
    return nv


def _diff(sets):
    first = sets[0]
    if first is None:
        return S.SetInt16(b"")
    rest = sets[1:]
    if any(s is first for s in rest):
        return S.SetInt16(b"")
    work1 = 0
    work2 = 0
    for s in sets:
        if s is not None:
            work1 += first.size()
            work2 += s.size()
    work1 //= 2
    if work1 <= work2:
        others = sorted([s for s in rest if s is not None], key=lambda s: -s.size())
        keep = []
        for m in first.members():
            for s in others:
                if s.ismember(m):
                    break
            else:
                keep.append(m)
        return S.build(keep)
    nv = S.build(first.members())
    for s in rest:
        if s is None:
            continue
        for m in s.members():
            nv, _ = nv.remove(m)
        if nv.size() == 0:
            break
    return nv


@command("sunion")
def cmd_sunion(c, argv):
    sets = _lookup_sets(c, argv[1:], False)
    if sets.__class__ is bytes:
        return sets
    return _set_reply(c, _union(sets).members())


@command("sunionstore")
def cmd_sunionstore(c, argv):
    sets = _lookup_sets(c, argv[2:], True)
    if sets.__class__ is bytes:
        return sets
    return _store(c, argv[1], _union(sets), "sunionstore")


@command("sdiff")
def cmd_sdiff(c, argv):
    sets = _lookup_sets(c, argv[1:], False)
    if sets.__class__ is bytes:
        return sets
    return _set_reply(c, _diff(sets).members())


@command("sdiffstore")
def cmd_sdiffstore(c, argv):
    sets = _lookup_sets(c, argv[2:], True)
    if sets.__class__ is bytes:
        return sets
    return _store(c, argv[1], _diff(sets), "sdiffstore")


# -- SSCAN ---------------------------------------------------------------------------
@command("sscan")
def cmd_sscan(c, argv):
    opts = parse_scan(argv[2:])
    if opts.__class__ is bytes:
        return opts
    cur, match, count, _ = opts
    v, err = _read(c, argv[1])
    if err is not None:
        return err
    if v is None:
        return scan_reply(0, ())
    if v.__class__ is not SetHT:
        items = v.members()     # intset and listpack are returned whole, cursor 0
        return scan_reply(0, items if match is None else [x for x in items if match(x)])
    nxt, items = v.scan(cur, count)     # the table's own cursor
    return scan_reply(nxt, items if match is None else [x for x in items if match(x)])
