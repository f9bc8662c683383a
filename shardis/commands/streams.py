"""Stream commands: XADD, XRANGE, XREAD, consumer groups, XINFO...

IDs are ints (``ms << 64 | seq``, see types/stream.py). Argument checks and
error texts follow Redis 7.2's t_stream.c, verified against redis-server.
"""
from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands import errors as E
from shardis.commands.util import parse_int
from shardis.protocol.resp import OK, CZERO, CONE, bulk, integer, error
from shardis.runtime.propagate import rewrite, also, prevent
from shardis.runtime import blocking as B
from shardis.types.stream import (Stream, Group, Consumer, NACK, U64, MAX_ID,
                                  INVALID_READ)

_CFG = {"max_bytes": 4096, "max_entries": 100}


_ISSPACE = b" \t\n\v\f\r"


def setup(server):
    cfg = server.config
    cfg.on_change("stream-node-max-bytes", lambda v: _CFG.__setitem__("max_bytes", int(v)))
    cfg.on_change("stream-node-max-entries", lambda v: _CFG.__setitem__("max_entries", int(v)))
    server.on_flush.append(_flushed)


def _flushed(db):
    """FLUSHDB/FLUSHALL: XREADGROUP clients blocked on this db learn that
    their stream is gone (Redis replies UNBLOCKED to them)."""
    if db.blocking_keys:
        ready = db.ctx.ready_keys
        for key in list(db.blocking_keys):
            ready.append((db, key))


# -- ID parsing ------------------------------------------------------------------------
def _str2ull(b):
    """Redis's string2ull: string2ll for non-negatives, else strtoull rules."""
    v = parse_int(b)
    if v is not None:
        return v if v >= 0 else None
    i = 0
    n = len(b)
    while i < n and b[i] in _ISSPACE:
        i += 1
    neg = False
    if i < n and b[i] in b"+-":
        neg = b[i] == 45
        i += 1
    d = b[i:]
    if not d or not d.isdigit():
        return None
    v = int(d)
    if v > U64:
        return None
    if neg:
        v = (-v) & U64
    return v


def parse_id(b, missing_seq=0, strict=False, allow_seq_star=False):
    """Stream ID as int, or None if invalid. With ``allow_seq_star``, returns
    (id, seq_given)."""
    if len(b) > 127:
        return None
    if not strict and len(b) == 1:
        if b == b"-":
            return 0
        if b == b"+":
            return MAX_ID
    dot = b.find(b"-")
    if dot >= 0:
        ms = _str2ull(b[:dot])
        if ms is None:
            return None
        rest = b[dot + 1:]
        if allow_seq_star and rest == b"*":
            return (ms << 64, False)
        seq = _str2ull(rest)
        if seq is None:
            return None
    else:
        ms = _str2ull(b)
        if ms is None:
            return None
        seq = missing_seq
    if allow_seq_star:
        return ((ms << 64) | seq, True)
    return (ms << 64) | seq


def _interval(b, missing_seq, is_start):
    """Parse a range bound (with '(' exclusion); int or error bytes."""
    if len(b) > 1 and b[0] == 40:
        v = parse_id(b[1:], missing_seq, strict=True)
        if v is None:
            return E.INVALID_ID
        if is_start:
            if v == MAX_ID:
                return E.START_INTERVAL
            return v + 1
        if v == 0:
            return E.END_INTERVAL
        return v - 1
    v = parse_id(b, missing_seq)
    if v is None:
        return E.INVALID_ID
    return v


# -- reply helpers -------------------------------------------------------------------
def _id_bulk(i):
    s = b"%d-%d" % (i >> 64, i & U64)
    return b"$%d\r\n%s\r\n" % (len(s), s)


def _entry(i, items):
    parts = [b"*2\r\n", _id_bulk(i), b"*%d\r\n" % len(items)]
    for x in items:
        parts.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(parts)


def _entries(lst):
    return b"*%d\r\n" % len(lst) + b"".join([_entry(i, it) for i, it in lst])


def _get_stream(c, key, write=False):
    """(stream or None, error or None)."""
    v = c.db.lookup_write(key) if write else c.db.lookup_read(key)
    if v is None:
        return None, None
    if v.__class__ is not Stream:
        return None, E.WRONGTYPE
    return v, None


def _now(c):
    return c.server.now_ms


def _notify(c, event, key):
    srv = c.server
    if srv.notify_on:
        srv.notify(c.db, "t", event, key)


def _signal_ready(c, key):
    db = c.db
    if db.blocking_keys:
        B.signal_ready(db, key)


# -- XADD / XTRIM ----------------------------------------------------------------------
def _parse_trim(c, argv, i, xadd):
    """Parse XADD/XTRIM options from argv[i:]. Returns a tuple
    (next_index, strategy, value, approx, limit, nomkstream, id_info) or error."""
    n = len(argv)
    strategy = None
    value = None
    approx = False
    limit = 0
    limit_given = False
    nomk = False
    id_info = None
    while i < n:
        more = n - 1 - i
        opt = argv[i]
        if xadd and opt == b"*":
            break
        lo = opt.lower()
        if lo == b"maxlen" and more:
            if strategy is not None:
                return E.BOTH_STRAT
            approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            v = parse_int(argv[i + 1])
            if v is None:
                return E.NOT_INT
            if v < 0:
                return E.STREAM_MAXLEN_NEG
            value = v
            i += 1
            strategy = "maxlen"
        elif lo == b"minid" and more:
            if strategy is not None:
                return E.BOTH_STRAT
            approx = False
            nxt = argv[i + 1]
            if more >= 2 and nxt == b"~":
                approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            v = parse_id(argv[i + 1], 0, strict=True)
            if v is None:
                return E.INVALID_ID
            value = v
            i += 1
            strategy = "minid"
        elif lo == b"limit" and more:
            v = parse_int(argv[i + 1])
            if v is None:
                return E.NOT_INT
            if v < 0:
                return E.STREAM_LIMIT_NEG
            limit = v
            limit_given = True
            i += 1
        elif xadd and lo == b"nomkstream":
            nomk = True
        elif xadd:
            r = parse_id(opt, 0, strict=True, allow_seq_star=True)
            if r is None:
                return E.INVALID_ID
            id_info = r
            break
        else:
            return E.SYNTAX
        i += 1
    if limit and strategy is None:
        return E.LIMIT_NOSTRAT
    if not xadd and strategy is None:
        return E.XTRIM_NOSTRAT
    if limit_given:
        if not approx:
            return E.LIMIT_NOAPPROX
    elif approx:
        limit = 100 * _CFG["max_entries"]
        if limit <= 0 or limit > 1000000:
            limit = 10000
    else:
        limit = 0
    return (i, strategy, value, approx, limit, nomk, id_info)


def _do_trim(s, strategy, value, approx, limit):
    if strategy == "maxlen":
        return s.trim(maxlen=value, approx=approx, limit=limit)
    return s.trim(minid=value, approx=approx, limit=limit)


@command("xadd")
def cmd_xadd(c, argv):
    n = len(argv)
    if argv[2] == b"*":
        # the common case: no options, automatic ID
        strategy = id_info = None
        nomk = approx = False
        fpos = 3
    else:
        r = _parse_trim(c, argv, 2, True)
        if r.__class__ is bytes:
            return r
        i, strategy, value, approx, limit, nomk, id_info = r
        fpos = i + 1
    if n - fpos < 2 or (n - fpos) & 1:
        return E.XADD_ARITY
    if id_info is not None and id_info[1] and id_info[0] == 0:
        return E.XADD_ZERO
    db = c.db
    key = argv[1]
    s = db.lookup_write(key)
    created = False
    if s is None:
        if nomk:
            return c.r.nil
        s = Stream()
        created = True
    elif s.__class__ is not Stream:
        return E.WRONGTYPE
    last = s.last_id
    if last == MAX_ID:
        if created:
            db.set(key, s)
        return E.EXHAUSTED
    if id_info is None:
        ms = c.server.now_ms
        if ms > (last >> 64):
            sid = ms << 64
        else:
            sid = last + 1
    else:
        sid, seq_given = id_info
        if not seq_given and (last >> 64) == (sid >> 64):
            if (last & U64) == U64:
                if created:
                    db.set(key, s)
                return E.XADD_SMALL
            sid = last + 1
        if sid <= last:
            if created:
                db.set(key, s)
            return E.XADD_SMALL
    s.append(sid, tuple(argv[fpos:]), _CFG["max_bytes"], _CFG["max_entries"])
    if created:
        db.set(key, s)
    elif db.watched:
        db.signal(key)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "t", "xadd", key)
    if strategy is not None:
        if _do_trim(s, strategy, value, approx, limit):
            _notify(c, "xtrim", key)
    if db.blocking_keys:
        B.signal_ready(db, key)
    sb = b"%d-%d" % (sid >> 64, sid & U64)
    if srv.propagate_on and (id_info is None or not id_info[1] or approx):
        _propagate_exact(c, argv, fpos - 1, sb, s, strategy, approx)
    return b"$%d\r\n%s\r\n" % (len(sb), sb)


def _propagate_exact(c, argv, id_at, sid, s, strategy, approx):
    """XADD/XTRIM as replaying them gives the same stream: the ID that was
    generated in place of ``*`` (or ``ms-*``), and an approximate trim (``~``,
    whose effect depends on node boundaries) as the exact trim it amounted to:
    MAXLEN = the length now, MINID = the first ID now (Redis's
    streamRewriteApproxSpecifier / streamRewriteTrimArgument)."""
    out = list(argv)
    if id_at is not None:
        out[id_at] = sid
    if approx:
        for j in range(2, id_at if id_at is not None else len(out)):
            if out[j].lower() in (b"maxlen", b"minid") and out[j + 1] == b"~":
                out[j + 1] = b"="
                if strategy == "maxlen":
                    out[j + 2] = b"%d" % s.length
                elif s.length:
                    f = s.first_id
                    out[j + 2] = b"%d-%d" % (f >> 64, f & U64)
                # (an emptied stream: the given MINID, exact, removes it all too)
                break
    rewrite(c, *out)


@command("xtrim")
def cmd_xtrim(c, argv):
    db = c.db
    key = argv[1]
    s, err = _get_stream(c, key, write=True)
    if err:
        return err
    r = _parse_trim(c, argv, 2, False)
    if r.__class__ is bytes:
        return r
    if s is None:
        return CZERO
    i, strategy, value, approx, limit, nomk, id_info = r
    deleted = _do_trim(s, strategy, value, approx, limit)
    if deleted:
        db.signal(key)
        _notify(c, "xtrim", key)
        c.server.dirty += deleted
        if approx and c.server.propagate_on:
            _propagate_exact(c, argv, None, None, s, strategy, approx)
    return integer(deleted)


@command("xlen")
def cmd_xlen(c, argv):
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    return CZERO if s is None else integer(s.length)


@command("xdel")
def cmd_xdel(c, argv):
    db = c.db
    key = argv[1]
    s, err = _get_stream(c, key, write=True)
    if err:
        return err
    if s is None:
        return CZERO
    ids = []
    for a in argv[2:]:
        v = parse_id(a, 0, strict=True)
        if v is None:
            return E.INVALID_ID
        ids.append(v)
    deleted = 0
    first = False
    for sid in ids:
        if s.delete(sid):
            if sid == s.first_id:
                first = True
            if sid > s.max_deleted:
                s.max_deleted = sid
            deleted += 1
    if deleted:
        if s.length == 0:
            s.first_id = 0
        elif first:
            s.first_id = s.edge_first_id()
        db.signal(key)
        _notify(c, "xdel", key)
        c.server.dirty += deleted
    return integer(deleted)


# -- XRANGE / XREVRANGE ---------------------------------------------------------------
def _xrange(c, argv, rev):
    sa, ea = (argv[3], argv[2]) if rev else (argv[2], argv[3])
    start = _interval(sa, 0, True)
    if start.__class__ is bytes:
        return start
    end = _interval(ea, U64, False)
    if end.__class__ is bytes:
        return end
    count = -1
    n = len(argv)
    j = 4
    while j < n:
        if argv[j].lower() == b"count" and j + 1 < n:
            v = parse_int(argv[j + 1])
            if v is None:
                return E.NOT_INT
            count = v if v > 0 else 0
            j += 2
        else:
            return E.SYNTAX
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    if s is None:
        return b"*0\r\n"
    if count == 0:
        return c.r.nil_array
    return _entries(s.range(start, end, count if count > 0 else 0, rev))


@command("xrange")
def cmd_xrange(c, argv):
    return _xrange(c, argv, False)


@command("xrevrange")
def cmd_xrevrange(c, argv):
    return _xrange(c, argv, True)


# -- consumer groups -----------------------------------------------------------------
def _group(s, name):
    if s is None or not s.groups:
        return None
    return s.groups.get(name)


def _create_consumer(c, g, name, key):
    cons = Consumer(name, _now(c))
    g.consumers[name] = cons
    _notify(c, "xgroup-createconsumer", key)
    also(c, b"XGROUP", b"CREATECONSUMER", key, g.name, name)
    return cons


def _nogroup(key, group, suffix=b""):
    return error(b"NOGROUP No such key '%s' or consumer group '%s'%s" % (key, group, suffix))


def _subcmd_syntax(argv, container):
    return error(b"ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
                 % (argv[1][:128], container))


def _xgroup_common(c, argv, create_or_setid, create):
    """Parse options and look up the key/group. Returns (s, g, mkstream,
    entries_read) or an error."""
    mk = False
    er = INVALID_READ
    n = len(argv)
    if create_or_setid:
        i = 5
        while i < n:
            a = argv[i].lower()
            if create and a == b"mkstream":
                mk = True
                i += 1
            elif a == b"entriesread" and i + 1 < n:
                v = parse_int(argv[i + 1])
                if v is None:
                    return E.NOT_INT
                if v < 0 and v != INVALID_READ:
                    return error("ERR value for ENTRIESREAD must be positive or -1")
                er = v
                i += 2
            else:
                return _subcmd_syntax(argv, b"XGROUP")
    s, err = _get_stream(c, argv[2], write=True)
    if err:
        return err
    g = None
    if not mk:
        if s is None:
            return error("ERR The XGROUP subcommand requires the key to exist. Note that for "
                         "CREATE you may want to use the MKSTREAM option to create an empty "
                         "stream automatically.")
        g = _group(s, argv[3])
        if g is None and not create and argv[1].lower() != b"destroy":
            return error(b"NOGROUP No such consumer group '%s' for key name '%s'"
                         % (argv[3], argv[2]))
    else:
        g = _group(s, argv[3])
    return (s, g, mk, er)


@command("xgroup|create")
def cmd_xgroup_create(c, argv):
    r = _xgroup_common(c, argv, True, True)
    if r.__class__ is bytes:
        return r
    s, g, mk, er = r
    if len(argv) > 8:
        return _subcmd_syntax(argv, b"XGROUP")
    if argv[4] == b"$":
        sid = s.last_id if s is not None else 0
    else:
        sid = parse_id(argv[4], 0, strict=True)
        if sid is None:
            return E.INVALID_ID
    key = argv[2]
    if s is None:
        s = Stream()
        c.db.set(key, s)
    if s.groups is None:
        s.groups = {}
    if argv[3] in s.groups:
        return error("BUSYGROUP Consumer Group name already exists")
    s.groups[argv[3]] = Group(argv[3], sid, er)
    c.db.signal(key)
    c.server.dirty += 1
    _notify(c, "xgroup-create", key)
    return OK


@command("xgroup|setid")
def cmd_xgroup_setid(c, argv):
    r = _xgroup_common(c, argv, True, False)
    if r.__class__ is bytes:
        return r
    s, g, mk, er = r
    if len(argv) not in (5, 7):
        return _subcmd_syntax(argv, b"XGROUP")
    if argv[4] == b"$":
        sid = s.last_id
    else:
        sid = parse_id(argv[4], 0)
        if sid is None:
            return E.INVALID_ID
    g.last_id = sid
    g.entries_read = er
    c.db.signal(argv[2])
    c.server.dirty += 1
    _notify(c, "xgroup-setid", argv[2])
    return OK


@command("xgroup|destroy")
def cmd_xgroup_destroy(c, argv):
    r = _xgroup_common(c, argv, False, False)
    if r.__class__ is bytes:
        return r
    s, g, mk, er = r
    if g is None:
        return CZERO
    del s.groups[argv[3]]
    c.db.signal(argv[2])
    c.server.dirty += 1
    _notify(c, "xgroup-destroy", argv[2])
    _signal_ready(c, argv[2])
    return CONE


@command("xgroup|createconsumer")
def cmd_xgroup_createconsumer(c, argv):
    r = _xgroup_common(c, argv, False, False)
    if r.__class__ is bytes:
        return r
    s, g, mk, er = r
    if argv[4] in g.consumers:
        return CZERO
    _create_consumer(c, g, argv[4], argv[2])
    c.db.signal(argv[2])
    c.server.dirty += 1
    return CONE


@command("xgroup|delconsumer")
def cmd_xgroup_delconsumer(c, argv):
    r = _xgroup_common(c, argv, False, False)
    if r.__class__ is bytes:
        return r
    s, g, mk, er = r
    cons = g.consumers.get(argv[4])
    if cons is None:
        return CZERO
    pending = len(cons.pel)
    for sid in cons.pel.order:
        g.pel.remove(sid)
    del g.consumers[argv[4]]
    c.db.signal(argv[2])
    c.server.dirty += 1
    _notify(c, "xgroup-delconsumer", argv[2])
    return integer(pending)




command("xgroup|help")(lambda c, argv: help_reply("XGROUP"))
# -- XREAD / XREADGROUP ----------------------------------------------------------------
def _deliver(c, key, s, g, cons, start, count, noack):
    """Serve new entries (> start) to a consumer of group g: returns the list
    of (id, items) and updates the group and the PELs."""
    lst = s.range(start, MAX_ID, count)
    if not lst:
        return lst
    now = _now(c)
    for sid, _ in lst:
        if sid > g.last_id:
            if g.entries_read != INVALID_READ and not s.range_has_tombstones(sid):
                g.entries_read += 1
            elif s.entries_added:
                g.entries_read = s.estimate_distance(sid)
            g.last_id = sid
        if not noack:
            nack = g.pel.get(sid)
            if nack is None:
                nack = NACK(now, cons)
                g.pel.add(sid, nack)
                cons.pel.add(sid, nack)
            else:
                nack.consumer.pel.remove(sid)
                nack.consumer = cons
                nack.delivery_time = now
                nack.delivery_count = 1
                cons.pel.add(sid, nack)
            _propagate_claim(c, key, g, cons, sid, nack)
    _propagate_group_position(c, key, g)
    cons.active_time = now
    return lst


def _history(c, key, g, s, cons, start, count):
    """Entries of the consumer's own PEL with ID >= start (XREADGROUP with
    an explicit ID). Deleted entries come back as [id, nil]."""
    ids = cons.pel.from_id(start)
    if count:
        ids = ids[:count]
    now = _now(c)
    parts = [b"*%d\r\n" % len(ids)]
    nil_arr = c.r.nil_array
    for sid in ids:
        items = s.get(sid)
        if items is None:
            parts.append(b"*2\r\n" + _id_bulk(sid) + nil_arr)
        else:
            nack = cons.pel.get(sid)
            nack.delivery_time = now
            nack.delivery_count += 1
            parts.append(_entry(sid, items))
            _propagate_claim(c, key, g, cons, sid, nack)
    return b"".join(parts)


def _propagate_claim(c, key, g, cons, sid, nack):
    """What an XREADGROUP did to one PEL entry, as Redis propagates it: an
    XCLAIM that sets its owner, delivery time and count exactly."""
    if c.server.propagate_on:
        also(c, b"XCLAIM", key, g.name, cons.name, b"0", b"%d-%d" % (sid >> 64, sid & U64),
             b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count,
             b"FORCE", b"JUSTID", b"LASTID", b"%d-%d" % (g.last_id >> 64, g.last_id & U64))


def _propagate_group_position(c, key, g):
    """The group's last-delivered ID and entries-read counter after an
    XREADGROUP (Redis's streamPropagateGroupID)."""
    if c.server.propagate_on:
        also(c, b"XGROUP", b"SETID", key, g.name,
             b"%d-%d" % (g.last_id >> 64, g.last_id & U64),
             b"ENTRIESREAD", b"%d" % g.entries_read)


def _xread(c, argv, group_mode):
    n = len(argv)
    timeout = -1
    count = 0
    streams_arg = 0
    nstreams = 0
    noack = False
    gname = cname = None
    i = 1
    while i < n:
        more = n - i - 1
        o = argv[i].lower()
        if o == b"block" and more:
            i += 1
            t = B.parse_timeout(c, argv[i], seconds=False)
            if t.__class__ is bytes:
                return t
            timeout = t
        elif o == b"count" and more:
            i += 1
            v = parse_int(argv[i])
            if v is None:
                return E.NOT_INT
            count = v if v > 0 else 0
        elif o == b"streams" and more:
            streams_arg = i + 1
            nstreams = n - streams_arg
            if nstreams % 2:
                if group_mode:
                    return error("ERR Unbalanced 'xreadgroup' list of streams: for each "
                                 "stream key an ID or '>' must be specified.")
                return error("ERR Unbalanced 'xread' list of streams: for each stream key "
                             "an ID or '$' must be specified.")
            nstreams //= 2
            break
        elif o == b"group" and more >= 2:
            if not group_mode:
                return error("ERR The GROUP option is only supported by XREADGROUP. You "
                             "called XREAD instead.")
            gname = argv[i + 1]
            cname = argv[i + 2]
            i += 2
        elif o == b"noack":
            if not group_mode:
                return error("ERR The NOACK option is only supported by XREADGROUP. You "
                             "called XREAD instead.")
            noack = True
        else:
            return E.SYNTAX
        i += 1
    if streams_arg == 0:
        return E.SYNTAX
    if group_mode and gname is None:
        return error("ERR Missing GROUP option for XREADGROUP")
    db = c.db
    keys = argv[streams_arg:streams_arg + nstreams]
    ids = []
    groups = []
    for k in range(nstreams):
        key = keys[k]
        arg = argv[streams_arg + nstreams + k]
        s = db.lookup_read(key)
        if s is not None and s.__class__ is not Stream:
            return E.WRONGTYPE
        g = None
        if group_mode:
            g = _group(s, gname)
            if g is None:
                return error(b"NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP "
                             b"with GROUP option" % (key, gname))
            groups.append(g)
        if arg == b"$":
            if group_mode:
                return error("ERR The $ ID is meaningless in the context of XREADGROUP: you "
                             "want to read the history of this consumer by specifying a "
                             "proper ID, or use the > ID to get new messages. The $ ID would "
                             "just return an empty result set.")
            ids.append(s.last_id if s is not None else 0)
            continue
        if arg == b">":
            if not group_mode:
                return error("ERR The > ID can be specified only when calling XREADGROUP "
                             "using the GROUP <group> <consumer> option.")
            ids.append(None)
            continue
        v = parse_id(arg, 0, strict=True)
        if v is None:
            return E.INVALID_ID
        ids.append(v)
    out = _serve(c, keys, ids, groups, cname, count, noack, group_mode)
    if out is not None:
        return out
    if timeout >= 0 and B.can_block(c):
        if group_mode:
            def serve(c):
                # re-resolve the groups: they may have been destroyed meanwhile
                grs = []
                for key in keys:
                    s = c.db.lookup_write(key)
                    if s is None or s.__class__ is not Stream:
                        return E.UNBLOCKED_NOKEY
                    g = _group(s, gname)
                    if g is None:
                        return error(b"NOGROUP No such key '%s' or consumer group '%s' in "
                                     b"XREADGROUP with GROUP option" % (key, gname))
                    grs.append(g)
                return _serve(c, keys, ids, grs, cname, count, noack, True)
        else:
            def serve(c):
                return _serve(c, keys, ids, None, None, count, False, False)
        return B.block(c, keys, timeout, serve, _nil_array_reply, b"stream",
                       on_nokey=group_mode)
    return c.r.nil_array


def _nil_array_reply(c):
    return c.r.nil_array


def _serve(c, keys, ids, groups, cname, count, noack, group_mode):
    """Serve synchronously what can be served; None if nothing."""
    if group_mode:
        prevent(c)          # XREADGROUP is propagated as its effects (also, below)
    db = c.db
    parts = []
    nserved = 0
    r = c.r
    for k, key in enumerate(keys):
        s = db.data.get(key)
        if s is None or s.__class__ is not Stream:
            continue
        gt = ids[k]
        if group_mode:
            g = groups[k]
            cons = g.consumers.get(cname)
            if cons is None:
                cons = _create_consumer(c, g, cname, key)
            cons.seen_time = _now(c)
            if gt is not None:
                body = _history(c, key, g, s, cons, gt + 1 if gt != MAX_ID else gt, count)
            else:
                if not s.length or s.last_valid_id() <= g.last_id:
                    continue
                lst = _deliver(c, key, s, g, cons, g.last_id + 1, count, noack)
                body = _entries(lst)
            c.server.dirty += 1
        else:
            if not s.length or s.last_valid_id() <= gt:
                continue
            if gt == MAX_ID:
                continue
            body = _entries(s.range(gt + 1, MAX_ID, count))
        nserved += 1
        if r.version == 2:
            parts.append(b"*2\r\n")
        parts.append(bulk(key))
        parts.append(body)
    if not nserved:
        return None
    head = b"*%d\r\n" % nserved if r.version == 2 else b"%%%d\r\n" % nserved
    return head + b"".join(parts)


@command("xread")
def cmd_xread(c, argv):
    return _xread(c, argv, False)


@command("xreadgroup")
def cmd_xreadgroup(c, argv):
    return _xread(c, argv, True)


# -- XACK / XPENDING / XCLAIM / XAUTOCLAIM ---------------------------------------------
@command("xack")
def cmd_xack(c, argv):
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    g = _group(s, argv[2])
    if g is None:
        return CZERO
    ids = []
    for a in argv[3:]:
        v = parse_id(a, 0, strict=True)
        if v is None:
            return E.INVALID_ID
        ids.append(v)
    acked = 0
    for sid in ids:
        nack = g.pel.get(sid)
        if nack is not None:
            g.pel.remove(sid)
            nack.consumer.pel.remove(sid)
            acked += 1
    if acked:
        c.server.dirty += acked
        c.db.signal(argv[1])
    return integer(acked)


@command("xpending")
def cmd_xpending(c, argv):
    n = len(argv)
    justinfo = n == 3
    if n != 3 and (n < 6 or n > 9):
        return E.SYNTAX
    minidle = 0
    cname = None
    if n >= 6:
        si = 3
        if argv[3].lower() == b"idle":
            v = parse_int(argv[4])
            if v is None:
                return E.NOT_INT
            minidle = v
            if n < 8:
                return E.SYNTAX
            si += 2
        count = parse_int(argv[si + 2])
        if count is None:
            return E.NOT_INT
        if count < 0:
            count = 0
        start = _interval(argv[si], 0, True)
        if start.__class__ is bytes:
            return start
        end = _interval(argv[si + 1], U64, False)
        if end.__class__ is bytes:
            return end
        if si + 3 < n:
            cname = argv[si + 3]
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    g = _group(s, argv[2])
    if g is None:
        return _nogroup(argv[1], argv[2])
    r = c.r
    if justinfo:
        pel = g.pel
        if not len(pel):
            return b"*4\r\n:0\r\n" + r.nil + r.nil + r.nil_array
        parts = [b"*4\r\n", integer(len(pel)), _id_bulk(pel.order[0]), _id_bulk(pel.order[-1])]
        cons = [(name, len(cs.pel)) for name, cs in sorted(g.consumers.items()) if len(cs.pel)]
        parts.append(b"*%d\r\n" % len(cons))
        for name, cnt in cons:
            parts.append(b"*2\r\n" + bulk(name) + bulk(b"%d" % cnt))
        return b"".join(parts)
    pel = g.pel
    if cname is not None:
        cs = g.consumers.get(cname)
        if cs is None:
            return b"*0\r\n"
        pel = cs.pel
    now = _now(c)
    out = []
    if count:
        for sid in pel.range(start, end):
            nack = pel.get(sid)
            idle = now - nack.delivery_time
            if minidle and idle < minidle:
                continue
            if idle < 0:
                idle = 0
            out.append(b"*4\r\n" + _id_bulk(sid) + bulk(nack.consumer.name) + integer(idle)
                       + integer(nack.delivery_count))
            count -= 1
            if not count:
                break
    return b"*%d\r\n" % len(out) + b"".join(out)


@command("xclaim")
def cmd_xclaim(c, argv):
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    g = _group(s, argv[2])
    if g is None:
        return _nogroup(argv[1], argv[2])
    minidle = parse_int(argv[4])
    if minidle is None:
        return error("ERR Invalid min-idle-time argument for XCLAIM")
    if minidle < 0:
        minidle = 0
    n = len(argv)
    ids = []
    j = 5
    while j < n:
        v = parse_id(argv[j], 0, strict=True)
        if v is None:
            break
        ids.append(v)
        j += 1
    now = _now(c)
    force = justid = False
    retry = -1
    dtime = -1
    last_id = 0
    while j < n:
        more = n - 1 - j
        o = argv[j].lower()
        if o == b"force":
            force = True
        elif o == b"justid":
            justid = True
        elif o == b"idle" and more:
            j += 1
            v = parse_int(argv[j])
            if v is None:
                return error("ERR Invalid IDLE option argument for XCLAIM")
            dtime = now - v
        elif o == b"time" and more:
            j += 1
            v = parse_int(argv[j])
            if v is None:
                return error("ERR Invalid TIME option argument for XCLAIM")
            dtime = v
        elif o == b"retrycount" and more:
            j += 1
            v = parse_int(argv[j])
            if v is None:
                return error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
            retry = v
        elif o == b"lastid" and more:
            j += 1
            v = parse_id(argv[j], 0, strict=True)
            if v is None:
                return E.INVALID_ID
            last_id = v
        else:
            return error(b"ERR Unrecognized XCLAIM option '%s'" % argv[j])
        j += 1
    srv = c.server
    if last_id > g.last_id:
        g.last_id = last_id
        srv.dirty += 1
    if dtime != -1:
        if dtime < 0 or dtime > now:
            dtime = now
    else:
        dtime = now
    # 7.2: the consumer is looked up (created if needed) before claiming, and
    # its seen-time is refreshed even when nothing is claimed.
    name = argv[3]
    cons = g.consumers.get(name)
    if cons is None:
        cons = _create_consumer(c, g, name, argv[1])
    cons.seen_time = now
    out = []
    for sid in ids:
        nack = g.pel.get(sid)
        items = s.get(sid)
        if items is None:
            if nack is not None:
                g.pel.remove(sid)
                nack.consumer.pel.remove(sid)
                srv.dirty += 1
            continue
        if force and nack is None:
            nack = NACK(now, None)
            g.pel.add(sid, nack)
        if nack is None:
            continue
        if nack.consumer is not None and minidle:
            if now - nack.delivery_time < minidle:
                continue
        if nack.consumer is not cons and nack.consumer is not None:
            nack.consumer.pel.remove(sid)
        nack.delivery_time = dtime
        if retry >= 0:
            nack.delivery_count = retry
        elif not justid:
            nack.delivery_count += 1
        if nack.consumer is not cons:
            cons.pel.add(sid, nack)
            nack.consumer = cons
        out.append(_id_bulk(sid) if justid else _entry(sid, items))
        cons.active_time = now
        srv.dirty += 1
    c.db.signal(argv[1])
    return b"*%d\r\n" % len(out) + b"".join(out)


@command("xautoclaim")
def cmd_xautoclaim(c, argv):
    minidle = parse_int(argv[4])
    if minidle is None:
        return error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
    if minidle < 0:
        minidle = 0
    start = _interval(argv[5], 0, True)
    if start.__class__ is bytes:
        return start
    count = 100
    justid = False
    n = len(argv)
    j = 6
    while j < n:
        more = n - 1 - j
        o = argv[j].lower()
        if o == b"count" and more:
            v = parse_int(argv[j + 1])
            if v is None or v < 1 or v > (2 ** 63 - 1) // 16:
                return error("ERR COUNT must be > 0")
            count = v
            j += 1
        elif o == b"justid":
            justid = True
        else:
            return E.SYNTAX
        j += 1
    s, err = _get_stream(c, argv[1])
    if err:
        return err
    g = _group(s, argv[2])
    if g is None:
        return _nogroup(argv[1], argv[2])
    attempts = count * 10
    now = _now(c)
    srv = c.server
    name = argv[3]
    cons = g.consumers.get(name)
    if cons is None:
        cons = _create_consumer(c, g, name, argv[1])
    cons.seen_time = now
    out = []
    deleted = []
    pel = g.pel
    cand = pel.from_id(start)
    k = 0
    nc = len(cand)
    while attempts and count and k < nc:
        attempts -= 1
        sid = cand[k]
        k += 1
        nack = pel.get(sid)
        items = s.get(sid)
        if items is None:
            pel.remove(sid)
            nack.consumer.pel.remove(sid)
            deleted.append(sid)
            srv.dirty += 1
            count -= 1
            continue
        if minidle and now - nack.delivery_time < minidle:
            continue
        if nack.consumer is not cons:
            nack.consumer.pel.remove(sid)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        if nack.consumer is not cons:
            cons.pel.add(sid, nack)
            nack.consumer = cons
        out.append(_id_bulk(sid) if justid else _entry(sid, items))
        cons.active_time = now
        srv.dirty += 1
        count -= 1
    cursor = cand[k] if k < nc else 0
    if out or deleted:
        c.db.signal(argv[1])
    return (b"*3\r\n" + _id_bulk(cursor) + b"*%d\r\n" % len(out) + b"".join(out)
            + b"*%d\r\n" % len(deleted) + b"".join(_id_bulk(d) for d in deleted))


# -- XSETID ------------------------------------------------------------------------
@command("xsetid")
def cmd_xsetid(c, argv):
    sid = parse_id(argv[2], 0, strict=True)
    if sid is None:
        return E.INVALID_ID
    added = -1
    maxdel = 0
    n = len(argv)
    i = 3
    while i < n:
        more = n - 1 - i
        o = argv[i].lower()
        if o == b"entriesadded" and more:
            v = parse_int(argv[i + 1])
            if v is None:
                return E.NOT_INT
            if v < 0:
                return error("ERR entries_added must be positive")
            added = v
            i += 2
        elif o == b"maxdeletedid" and more:
            v = parse_id(argv[i + 1], 0, strict=True)
            if v is None:
                return E.INVALID_ID
            if sid < v:
                return error("ERR The ID specified in XSETID is smaller than the provided "
                             "max_deleted_entry_id")
            maxdel = v
            i += 2
        else:
            return E.SYNTAX
    s, err = _get_stream(c, argv[1], write=True)
    if err:
        return err
    if s is None:
        return E.NO_SUCH_KEY
    if sid < s.max_deleted:
        # Redis 7.2 (t_stream.c xsetidCommand); 7.0 accepted it
        return error("ERR The ID specified in XSETID is smaller than current "
                     "max_deleted_entry_id")
    if s.length:
        if sid < s.last_valid_id():
            return error("ERR The ID specified in XSETID is smaller than the target stream "
                         "top item")
        if added != -1 and s.length > added:
            return error("ERR The entries_added specified in XSETID is smaller than the "
                         "target stream length")
    s.last_id = sid
    if added != -1:
        s.entries_added = added
    if maxdel:
        s.max_deleted = maxdel
    c.db.signal(argv[1])
    c.server.dirty += 1
    _notify(c, "xsetid", argv[1])
    return OK


# -- XINFO -------------------------------------------------------------------------
def _kv(r, pairs):
    """Map of (name bytes, encoded value)."""
    out = [r.map_header(len(pairs))]
    for k, v in pairs:
        out.append(b"$%d\r\n%s\r\n" % (len(k), k))
        out.append(v)
    return b"".join(out)


def _entry_or_nil(r, e):
    return r.nil if e is None else _entry(e[0], e[1])


def _lag(r, s, g):
    lag = s.group_lag(g)
    return r.nil if lag is None else integer(lag)


def _entries_read(r, g):
    return r.nil if g.entries_read == INVALID_READ else integer(g.entries_read)


@command("xinfo|stream")
def cmd_xinfo_stream(c, argv):
    n = len(argv)
    full = False
    count = 10
    if n > 3:
        if argv[3].lower() != b"full":
            return _subcmd_syntax(argv, b"XINFO")
        full = True
        if n > 4:
            if n != 6 or argv[4].lower() != b"count":
                return _subcmd_syntax(argv, b"XINFO")
            v = parse_int(argv[5])
            if v is None:
                return E.NOT_INT
            count = v if v >= 0 else 10
    s, err = _get_stream(c, argv[2])
    if err:
        return err
    if s is None:
        return E.NO_SUCH_KEY
    r = c.r
    head = [
        (b"length", integer(s.length)),
        (b"radix-tree-keys", integer(len(s.nodes))),
        (b"radix-tree-nodes", integer(s.rax_nodes())),
        (b"last-generated-id", _id_bulk(s.last_id)),
        (b"max-deleted-entry-id", _id_bulk(s.max_deleted)),
        (b"entries-added", integer(s.entries_added)),
        (b"recorded-first-entry-id", _id_bulk(s.first_id)),
    ]
    groups = sorted(s.groups.items()) if s.groups else []
    if not full:
        head.append((b"groups", integer(len(groups))))
        head.append((b"first-entry", _entry_or_nil(r, s.first_entry())))
        head.append((b"last-entry", _entry_or_nil(r, s.last_entry())))
        return _kv(r, head)
    head.append((b"entries", _entries(s.range(0, MAX_ID, count))))
    now = _now(c)
    gparts = [b"*%d\r\n" % len(groups)]
    for name, g in groups:
        pel_ids = g.pel.order[:count] if count else g.pel.order
        pel = [b"*%d\r\n" % len(pel_ids)]
        for sid in pel_ids:
            nk = g.pel.get(sid)
            pel.append(b"*4\r\n" + _id_bulk(sid) + bulk(nk.consumer.name)
                       + integer(nk.delivery_time) + integer(nk.delivery_count))
        cons = sorted(g.consumers.items())
        cparts = [b"*%d\r\n" % len(cons)]
        for cname, cs in cons:
            cp_ids = cs.pel.order[:count] if count else cs.pel.order
            cpel = [b"*%d\r\n" % len(cp_ids)]
            for sid in cp_ids:
                nk = cs.pel.get(sid)
                cpel.append(b"*3\r\n" + _id_bulk(sid) + integer(nk.delivery_time)
                            + integer(nk.delivery_count))
            cparts.append(_kv(r, [
                (b"name", bulk(cname)),
                (b"seen-time", integer(cs.seen_time)),
                (b"active-time", integer(cs.active_time)),
                (b"pel-count", integer(len(cs.pel))),
                (b"pending", b"".join(cpel)),
            ]))
        gparts.append(_kv(r, [
            (b"name", bulk(name)),
            (b"last-delivered-id", _id_bulk(g.last_id)),
            (b"entries-read", _entries_read(r, g)),
            (b"lag", _lag(r, s, g)),
            (b"pel-count", integer(len(g.pel))),
            (b"pending", b"".join(pel)),
            (b"consumers", b"".join(cparts)),
        ]))
    head.append((b"groups", b"".join(gparts)))
    return _kv(r, head)


@command("xinfo|groups")
def cmd_xinfo_groups(c, argv):
    s, err = _get_stream(c, argv[2])
    if err:
        return err
    if s is None:
        return E.NO_SUCH_KEY
    r = c.r
    groups = sorted(s.groups.items()) if s.groups else []
    parts = [b"*%d\r\n" % len(groups)]
    for name, g in groups:
        parts.append(_kv(r, [
            (b"name", bulk(name)),
            (b"consumers", integer(len(g.consumers))),
            (b"pending", integer(len(g.pel))),
            (b"last-delivered-id", _id_bulk(g.last_id)),
            (b"entries-read", _entries_read(r, g)),
            (b"lag", _lag(r, s, g)),
        ]))
    return b"".join(parts)


@command("xinfo|consumers")
def cmd_xinfo_consumers(c, argv):
    s, err = _get_stream(c, argv[2])
    if err:
        return err
    if s is None:
        return E.NO_SUCH_KEY
    g = _group(s, argv[3])
    if g is None:
        return error(b"NOGROUP No such consumer group '%s' for key name '%s'"
                     % (argv[3], argv[2]))
    r = c.r
    now = _now(c)
    cons = sorted(g.consumers.items())
    parts = [b"*%d\r\n" % len(cons)]
    for name, cs in cons:
        idle = now - cs.seen_time
        inactive = now - cs.active_time if cs.active_time != -1 else -1
        parts.append(_kv(r, [
            (b"name", bulk(name)),
            (b"pending", integer(len(cs.pel))),
            (b"idle", integer(max(idle, 0))),
            (b"inactive", integer(inactive)),
        ]))
    return b"".join(parts)




command("xinfo|help")(lambda c, argv: help_reply("XINFO"))
