"""List commands, blocking variants included (BLPOP, BRPOP, BLMOVE,
BRPOPLPUSH, BLMPOP). Values are shardis.types.list ListPack / QuickList;
a ListPack is immutable, so every write stores the new value back in
``db.data`` (TTL untouched) and signals WATCH / blocked clients.
"""
from shardis.commands import command, batch
from shardis.commands import errors as E
from shardis.commands.util import parse_int, either, rank_range, parse_mpop
from shardis.protocol.resp import integer, error, CZERO, _INTS, BULK_HDR
from shardis.runtime import blocking as B
from shardis.types import list as L
from shardis.types.list import ListPack, QuickList, push as _push, pop as _pop, esize as _esize

_LP = ListPack
_QL = QuickList
_BYTES = bytes



def setup(server):
    cfg = server.config
    cfg.on_change("list-max-listpack-size", L.set_fill)
    cfg.on_change("list-compress-depth", L.set_compress_depth)


_HDR = BULK_HDR    # "$<n>\r\n" for n < 1024
_SEP = [b"\r\n$%d\r\n" % i for i in range(1024)]


def _bulk_items(items):
    """Array of bulk strings. Elements of one length (a common case: the
    redis-benchmark list, fixed-size ids) cost one C-level join; otherwise
    prebuilt length headers, formatting only for elements of 1 KB or more."""
    n = len(items)
    if n < 2:
        if n:
            x = items[0]
            return b"*1\r\n$%d\r\n%s\r\n" % (len(x), x)
        return b"*0\r\n"
    lens = set(map(len, items))
    if len(lens) == 1:
        ln = lens.pop()
        if ln < 1024:
            return b"*%d%s%s\r\n" % (n, _SEP[ln], _SEP[ln].join(items))
    elif max(lens) < 1024:
        h = _HDR
        return b"*%d\r\n%s\r\n" % (n, b"\r\n".join([h[len(x)] + x for x in items]))
    parts = [b"*%d\r\n" % n]
    ap = parts.append
    for x in items:
        ap(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(parts)


def _store(db, key, v):
    """Store a list value after an in-place change (keeps the TTL)."""
    db.store(key, v)
    if db.watched:
        db.ctx.touch_watched(db, key)


def _is_list(v):
    c = v.__class__
    return c is _LP or c is _QL


# -- push -----------------------------------------------------------------------------
def _push_generic(c, argv, left, only_existing):
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    cls = v.__class__
    if cls is _QL:
        if len(argv) == 3:
            n = v.push_one(argv[2], left)
        else:
            _push(v, argv, left, 2)
            n = len(v.q)
    elif v is None:
        if only_existing:
            return CZERO
        nv = _push(None, argv, left, 2)
        db.set(key, nv)
        n = len(nv.q) if nv.__class__ is _QL else nv[0] | nv[1] << 8
    elif cls is _LP:
        nv = _push(v, argv, left, 2)
        db.store(key, nv)
        n = len(nv.q) if nv.__class__ is _QL else nv[0] | nv[1] << 8
    else:
        return E.WRONGTYPE
    if v is not None:
        db.signal(key)
        B.signal_ready(db, key)
    srv = c.server
    srv.dirty += len(argv) - 2
    if srv.notify_on:
        srv.notify(db, "l", "lpush" if left else "rpush", key)
    return _INTS[n] if n <= 10000 else b":%d\r\n" % n


@command("lpush")
def cmd_lpush(c, argv):
    return _push_generic(c, argv, True, False)


@command("rpush")
def cmd_rpush(c, argv):
    return _push_generic(c, argv, False, False)


def _make_push_batch(left):
    """LPUSHes / RPUSHes of one element onto quicklists, in a plain db (see
    commands.batch)."""
    def batch_push(c, run, out):
        # QuickList.push_one inlined (a method call is ~15% of a push here):
        # the deque op, and the size change summed per key
        get = c.db.data.get
        ap = out.append
        start = len(out)
        key = v = q = None
        grow = 0
        for argv in run:
            if argv[1] != key:
                nv = get(argv[1])
                if nv.__class__ is not _QL:
                    break
                if v is not None:
                    v.size += grow
                    grow = 0
                key = argv[1]
                v = nv
                q = v.q
            x = argv[2]
            if left:
                q.appendleft(x)
            else:
                q.append(x)
            k = len(x)
            grow += k + 2 if k < 64 and x >= b":" else _esize(x)
            k = len(q)
            ap(_INTS[k] if k <= 10000 else b":%d\r\n" % k)
        if v is not None:
            v.size += grow
        done = len(out) - start
        c.server.dirty += done
        return done
    return batch_push


batch("lpush", 3)(_make_push_batch(True))
batch("rpush", 3)(_make_push_batch(False))


command("lpushx")(lambda c, argv: _push_generic(c, argv, True, True))
command("rpushx")(lambda c, argv: _push_generic(c, argv, False, True))


# -- pop ------------------------------------------------------------------------------
def _after_pop(c, db, key, nv, left, n):
    """Bookkeeping after popping ``n`` elements: store/delete, events."""
    srv = c.server
    if nv is None:
        db.delete(key)
    else:
        _store(db, key, nv)
    srv.dirty += n
    if srv.notify_on:
        srv.notify(db, "l", "lpop" if left else "rpop", key)
        if nv is None:
            srv.notify(db, "g", "del", key)




def _pop_generic(c, argv, left):
    db = c.db
    key = argv[1]
    if len(argv) == 2:
        v = db.lookup_write(key)
        if v is None:
            return c.r.nil
        if v.__class__ is _QL and len(v.q) > 1:
            x, nv = v.pop_one(left)
        elif v.__class__ is not _LP and v.__class__ is not _QL:
            return E.WRONGTYPE
        else:
            nv, out = _pop(v, left, 1)
            x = out[0]
        _after_pop(c, db, key, nv, left, 1)
        n = len(x)
        return _HDR[n] + x + b"\r\n" if n < 1024 else b"$%d\r\n%s\r\n" % (n, x)
    if len(argv) > 3:
        return E.ARITY_LPOP if left else E.ARITY_RPOP
    count = parse_int(argv[2])
    if count is None or count < 0:
        return E.NOT_POSITIVE
    v = db.lookup_write(key)
    if v is None:
        return c.r.nil_array
    if v.__class__ is not _LP and v.__class__ is not _QL:
        return E.WRONGTYPE
    if count == 0:
        return c.r.empty_array
    nv, out = _pop(v, left, count)
    _after_pop(c, db, key, nv, left, len(out))
    return _bulk_items(out)


command("lpop")(lambda c, argv: _pop_generic(c, argv, True))


@command("rpop")
def cmd_rpop(c, argv):
    return _pop_generic(c, argv, False)


def _make_pop_batch(left):
    """LPOPs / RPOPs without a count from quicklists that keep at least one
    element, in a plain db (see commands.batch)."""
    def batch_pop(c, run, out):
        db = c.db
        get = db.data.get
        ap = out.append
        start = len(out)
        shrink_es = L.SHRINK_ES
        shrink_count = L.SHRINK_COUNT
        for argv in run:
            key = argv[1]
            v = get(key)
            if v.__class__ is not _QL:
                break
            q = v.q
            if len(q) <= 1:
                break
            # QuickList.pop_one inlined
            x = q.popleft() if left else q.pop()
            k = len(x)
            sz = v.size = v.size - (k + 2 if k < 64 and x >= b":" else _esize(x))
            if sz <= shrink_es and len(q) <= shrink_count:
                db.store(key, L.maybe_shrink(v))
            ap(_HDR[k] + x + b"\r\n" if k < 1024 else b"$%d\r\n%s\r\n" % (k, x))
        done = len(out) - start
        c.server.dirty += done
        return done
    return batch_pop


batch("lpop", 2)(_make_pop_batch(True))
batch("rpop", 2)(_make_pop_batch(False))


# -- reads ----------------------------------------------------------------------------
def _get_list_read(c, key):
    """(value, None) or (None, reply-when-missing-or-error)."""
    v = c.db.lookup_read(key)
    if v is None:
        return None, None
    if v.__class__ is not _LP and v.__class__ is not _QL:
        return None, E.WRONGTYPE
    return v, None


@command("llen")
def cmd_llen(c, argv):
    v, err = _get_list_read(c, argv[1])
    if v is None:
        return err or CZERO
    return integer(L.length(v))


@command("lindex")
def cmd_lindex(c, argv):
    i = parse_int(argv[2])
    if i is None:
        return E.NOT_INT
    v, err = _get_list_read(c, argv[1])
    if v is None:
        return err or c.r.nil
    x = L.index(v, i)
    if x is None:
        return c.r.nil
    return b"$%d\r\n%s\r\n" % (len(x), x)


@command("lrange")
def cmd_lrange(c, argv):
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start is None or end is None:
        return E.NOT_INT
    v, err = _get_list_read(c, argv[1])
    if v is None:
        return err or c.r.empty_array
    n = L.length(v)
    r = rank_range(start, end, n)
    if r is None:
        return c.r.empty_array
    return _bulk_items(L.range_(v, r[0], r[1]))


@command("lpos")
def cmd_lpos(c, argv):
    rank = 1
    count = -1
    maxlen = 0
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].upper()
        if i + 1 >= n:
            return E.SYNTAX
        val = parse_int(argv[i + 1])
        if opt == b"RANK":
            if val is None:
                return E.NOT_INT
            if val == 0:
                return E.RANK
            if val == -2 ** 63:
                return error("ERR value is out of range, value must between "
                             "-9223372036854775807 and 9223372036854775807")
            rank = val
        elif opt == b"COUNT":
            if val is None:
                return E.NOT_INT
            if val < 0:
                return E.COUNT_NEG
            count = val
        elif opt == b"MAXLEN":
            if val is None:
                return E.NOT_INT
            if val < 0:
                return E.MAXLEN_NEG
            maxlen = val
        else:
            return E.SYNTAX
        i += 2
    v, err = _get_list_read(c, argv[1])
    if v is None:
        if err:
            return err
        return c.r.nil if count == -1 else c.r.empty_array
    elem = argv[2]
    its = v.q if v.__class__ is _QL else v.items()
    total = len(its)
    limit = count if count > 0 else (1 if count == -1 else total)
    found = []
    skip = abs(rank) - 1
    scanned = 0
    if rank > 0:
        idxs = range(total)
    else:
        idxs = range(total - 1, -1, -1)
    for idx in idxs:
        if maxlen and scanned >= maxlen:
            break
        scanned += 1
        if its[idx] == elem:
            if skip:
                skip -= 1
                continue
            found.append(idx)
            if len(found) >= limit:
                break
    if count == -1:
        return integer(found[0]) if found else c.r.nil
    return b"*%d\r\n" % len(found) + b"".join(integer(x) for x in found)


# -- in-place writes -------------------------------------------------------------------
def _grow_check(v, arg):
    """Redis 7.2 converts a listpack to a quicklist *before* an LSET/LINSERT
    (even one that then fails: bad index, missing pivot) when its size plus
    the raw argument length exceeds the node limit."""
    if v.__class__ is _LP and L.grow_exceeds((v[2] | v[3] << 8) + 7 + len(arg),
                                             (v[0] | v[1] << 8) + 1):
        from collections import deque
        return QuickList(deque(v.items()), v[2] | v[3] << 8)
    return v


@command("lset")
def cmd_lset(c, argv):
    idx = parse_int(argv[2])
    if idx is None:
        return E.NOT_INT
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return E.NO_SUCH_KEY
    if not _is_list(v):
        return E.WRONGTYPE
    val = argv[3]
    nv = _grow_check(v, val)
    if nv is not v:
        _store(db, key, nv)
        v = nv
    n = L.length(v)
    i = idx + n if idx < 0 else idx
    if not 0 <= i < n:
        return E.OUT_OF_RANGE
    if v.__class__ is _QL:
        old = v.q[i]
        v.q[i] = val
        v.size += L.esize(val) - L.esize(old)
        nv = L.maybe_shrink(v)
    else:
        its = v.items()
        es = v.esum() + L.esize(val) - L.esize(its[i])
        its[i] = val
        nv = L.make_listpack(its, es)
    _store(db, key, nv)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "l", "lset", key)
    return b"+OK\r\n"


def _rebuild(v, its):
    """New value for a list whose items were removed wholesale (LREM)."""
    if v.__class__ is _QL:
        from collections import deque
        s = 0
        for x in its:
            s += L.esize(x)
        v.q = deque(its)
        v.size = s
        return L.maybe_shrink(v)
    return L.make_listpack(its)


@command("linsert")
def cmd_linsert(c, argv):
    after = either(argv[2].upper(), b"BEFORE", b"AFTER")
    if after is None:
        return E.SYNTAX
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return CZERO
    if not _is_list(v):
        return E.WRONGTYPE
    pivot = argv[3]
    nv = _grow_check(v, argv[4])
    if nv is not v:
        _store(db, key, nv)
        v = nv
    if v.__class__ is _QL:
        q = v.q
        try:
            i = q.index(pivot)
        except ValueError:
            return integer(-1)
        q.insert(i + 1 if after else i, argv[4])
        v.size += L.esize(argv[4])
        nv = v
    else:
        its = v.items()
        try:
            i = its.index(pivot)
        except ValueError:
            return integer(-1)
        its.insert(i + 1 if after else i, argv[4])
        nv = L.make_listpack(its, v.esum() + L.esize(argv[4]))
    _store(db, key, nv)
    if db.blocking_keys:
        B.signal_ready(db, key)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "l", "linsert", key)
    return integer(L.length(nv))


@command("lrem")
def cmd_lrem(c, argv):
    count = parse_int(argv[2])
    if count is None:
        return E.NOT_INT
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return CZERO
    if not _is_list(v):
        return E.WRONGTYPE
    elem = argv[3]
    its = v.items()
    removed = 0
    if count >= 0:
        limit = count or len(its)
        out = []
        for x in its:
            if removed < limit and x == elem:
                removed += 1
            else:
                out.append(x)
    else:
        limit = -count
        out = []
        for x in reversed(its):
            if removed < limit and x == elem:
                removed += 1
            else:
                out.append(x)
        out.reverse()
    if removed:
        srv = c.server
        if out:
            _store(db, key, _rebuild(v, out))
        else:
            db.delete(key)
        srv.dirty += removed
        if srv.notify_on:
            srv.notify(db, "l", "lrem", key)
            if not out:
                srv.notify(db, "g", "del", key)
    return integer(removed)


@command("ltrim")
def cmd_ltrim(c, argv):
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start is None or end is None:
        return E.NOT_INT
    db = c.db
    key = argv[1]
    v = db.lookup_write(key)
    if v is None:
        return b"+OK\r\n"
    if not _is_list(v):
        return E.WRONGTYPE
    n = L.length(v)
    r = rank_range(start, end, n)
    srv = c.server
    if r is None:
        db.delete(key)
        removed = n
        empty = True
    else:
        s, e = r
        removed = n - (e - s + 1)
        empty = False
        if v.__class__ is _QL:
            q = v.q
            size = v.size
            for _ in range(n - 1 - e):
                size -= L.esize(q.pop())
            for _ in range(s):
                size -= L.esize(q.popleft())
            v.size = size
            _store(db, key, L.maybe_shrink(v))
        elif removed:
            _store(db, key, L.make_listpack(v.items()[s:e + 1]))
    srv.dirty += removed
    if srv.notify_on:
        srv.notify(db, "l", "ltrim", key)
        if empty:
            srv.notify(db, "g", "del", key)
    return b"+OK\r\n"


# -- moves ----------------------------------------------------------------------------
def _parse_where(b):
    """True for LEFT, False for RIGHT, None for anything else."""
    return either(b.upper(), b"RIGHT", b"LEFT")


def _lmove_core(c, src, dst, from_left, to_left):
    """Move one element; returns the reply (nil when src is empty/missing),
    or an error. Checks both types before touching anything. Follows Redis's
    order: pop from the source, push to the destination (its growth
    conversion, its push event), then the source's pop event, its deletion
    when empty (``del`` event) or its shrinking conversion."""
    db = c.db
    sv = db.lookup_write(src)
    if sv is None:
        return c.r.nil
    if sv.__class__ is not _LP and sv.__class__ is not _QL:
        return E.WRONGTYPE
    srv = c.server
    if src == dst:
        # a rotation: the key never becomes empty (TTL kept, no del event)
        if sv.__class__ is _QL:
            q = sv.q
            if from_left:
                x = q.popleft()
            else:
                x = q.pop()
            if to_left:
                q.appendleft(x)
            else:
                q.append(x)
            nv = L.maybe_shrink(sv)
        else:
            nsv, out = _pop(sv, from_left, 1)
            x = out[0]
            nv = L.maybe_shrink(_push(nsv, out, to_left))
        _store(db, src, nv)
        if db.blocking_keys:
            B.signal_ready(db, src)
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "l", "lpush" if to_left else "rpush", dst)
            srv.notify(db, "l", "lpop" if from_left else "rpop", src)
        return b"$%d\r\n%s\r\n" % (len(x), x)
    dv = db.lookup_write(dst)
    if dv is not None and dv.__class__ is not _LP and dv.__class__ is not _QL:
        return E.WRONGTYPE
    nsv, out = _pop(sv, from_left, 1)
    x = out[0]
    ndv = _push(dv, out, to_left)
    if dv is None:
        db.set(dst, ndv)
    else:
        _store(db, dst, ndv)
        if db.blocking_keys:
            B.signal_ready(db, dst)
    notify = srv.notify_on
    if notify:
        srv.notify(db, "l", "lpush" if to_left else "rpush", dst)
    if nsv is None:
        db.delete(src)
    else:
        _store(db, src, nsv)
    srv.dirty += 1
    if notify:
        srv.notify(db, "l", "lpop" if from_left else "rpop", src)
        if nsv is None:
            srv.notify(db, "g", "del", src)
    return b"$%d\r\n%s\r\n" % (len(x), x)


@command("lmove")
def cmd_lmove(c, argv):
    fl = _parse_where(argv[3])
    tl = _parse_where(argv[4])
    if fl is None or tl is None:
        return E.SYNTAX
    return _lmove_core(c, argv[1], argv[2], fl, tl)


command("rpoplpush")(lambda c, argv: _lmove_core(c, argv[1], argv[2], False, True))


def _mpop_serve(c, keys, left, count, with_key_reply=True):
    """LMPOP core: pop from the first non-empty list. Returns reply or None
    when all keys are empty; WRONGTYPE stops at the first wrong key."""
    db = c.db
    for key in keys:
        v = db.lookup_write(key)
        if v is None:
            continue
        if not _is_list(v):
            return E.WRONGTYPE
        nv, out = _pop(v, left, count)
        _after_pop(c, db, key, nv, left, len(out))
        return b"*2\r\n$%d\r\n%s\r\n%s" % (len(key), key, _bulk_items(out))
    return None


@command("lmpop")
def cmd_lmpop(c, argv):
    p = parse_mpop(argv, 1, b"RIGHT", b"LEFT")
    if p.__class__ is _BYTES:
        return p
    keys, left, count = p
    r = _mpop_serve(c, keys, left, count)
    return c.r.nil_array if r is None else r


# -- blocking -------------------------------------------------------------------------
def _bpop_serve_fn(keys, left):
    def serve(c):
        db = c.db
        for key in keys:
            v = db.lookup_write(key)
            if v is None or not _is_list(v):
                continue
            nv, out = _pop(v, left, 1)
            _after_pop(c, db, key, nv, left, 1)
            B.served_as(c, b"LPOP" if left else b"RPOP", key)
            x = out[0]
            return b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(x), x)
        return None
    return serve


def _nil_array(c):
    return c.r.nil_array


def _nil(c):
    return c.r.nil


def _bpop(c, argv, left):
    deadline = B.parse_timeout(c, argv[-1])
    if deadline.__class__ is _BYTES:
        return deadline
    keys = argv[1:-1]
    return B.serve_or_block(c, keys, deadline, _bpop_serve_fn(keys, left), b"list")


command("blpop")(lambda c, argv: _bpop(c, argv, True))


@command("brpop")
def cmd_brpop(c, argv):
    return _bpop(c, argv, False)


def _blmove_generic(c, src, dst, fl, tl, targ):
    deadline = B.parse_timeout(c, targ)
    if deadline.__class__ is _BYTES:
        return deadline
    db = c.db
    v = db.lookup_write(src)
    if v is not None:
        return _lmove_core(c, src, dst, fl, tl)
    if not B.can_block(c):
        return c.r.nil

    def serve(c):
        sv = c.db.lookup_write(src)
        if sv is None or not _is_list(sv):
            return None
        B.served_as(c, b"LMOVE", src, dst, b"LEFT" if fl else b"RIGHT", b"LEFT" if tl else b"RIGHT")
        return _lmove_core(c, src, dst, fl, tl)
    return B.block(c, [src], deadline, serve, _nil_array, b"list")


@command("blmove")
def cmd_blmove(c, argv):
    fl = _parse_where(argv[3])
    tl = _parse_where(argv[4])
    if fl is None or tl is None:
        return E.SYNTAX
    return _blmove_generic(c, argv[1], argv[2], fl, tl, argv[5])


command("brpoplpush")(lambda c, argv: _blmove_generic(c, argv[1], argv[2], False, True, argv[3]))


@command("blmpop")
def cmd_blmpop(c, argv):
    deadline = B.parse_timeout(c, argv[1])
    if deadline.__class__ is _BYTES:
        return deadline
    p = parse_mpop(argv, 2, b"RIGHT", b"LEFT")
    if p.__class__ is _BYTES:
        return p
    keys, left, count = p
    r = _mpop_serve(c, keys, left, count)
    if r is not None:
        return r
    if not B.can_block(c):
        return c.r.nil_array

    def serve(c):
        db = c.db
        for key in keys:
            v = db.lookup_write(key)
            if v is not None and _is_list(v):
                nv, out = _pop(v, left, count)
                _after_pop(c, db, key, nv, left, len(out))
                B.served_as(c, b"LPOP" if left else b"RPOP", key, b"%d" % len(out))
                return b"*2\r\n$%d\r\n%s\r\n%s" % (len(key), key, _bulk_items(out))
        return None
    return B.block(c, keys, deadline, serve, _nil_array, b"list")
