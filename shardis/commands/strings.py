"""String commands. Values are bytes (bytearray once modified in place).

Integer results are stored as their decimal bytes: OBJECT ENCODING derives
"int" from the content, as Redis would have encoded it.
"""
from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import parse_int, LLONG_MAX, LLONG_MIN
from shardis.protocol.resp import OK, bulk, integer, error

_BYTES = bytes
_BYTEARRAY = bytearray


@command("get")
def cmd_get(c, argv):
    v = c.db.lookup_read(argv[1])
    if v is None:
        return c.r.nil
    if v.__class__ is not _BYTES and v.__class__ is not _BYTEARRAY:
        return E.WRONGTYPE
    return b"$%d\r\n%s\r\n" % (len(v), v)


_SET_FLAGS = {b"NX": 1, b"XX": 2, b"GET": 4, b"KEEPTTL": 8, b"EX": 16, b"PX": 32,
              b"EXAT": 64, b"PXAT": 128}


@command("set")
def cmd_set(c, argv):
    db = c.db
    key = argv[1]
    if len(argv) == 3:
        db.data[key] = argv[2]
        if db.expires:
            db.expires.pop(key, None)
        if db.watched:
            db.ctx.touch_watched(db, key)
        srv = c.server
        srv.dirty += 1
        if srv.notify_on:
            srv.notify(db, "$", "set", key)
        return OK
    return _set_generic(c, argv)


def _set_generic(c, argv):
    db = c.db
    srv = c.server
    key, value = argv[1], argv[2]
    flags = 0
    when = None
    i = 3
    n = len(argv)
    unit_cmd = None
    while i < n:
        opt = argv[i].upper()
        f = _SET_FLAGS.get(opt)
        if f is None:
            return E.SYNTAX
        if f & (16 | 32 | 64 | 128):
            if flags & (8 | 16 | 32 | 64 | 128) or i + 1 >= n:
                return E.SYNTAX
            i += 1
            t = parse_int(argv[i])
            if t is None:
                return E.NOT_INT
            unit_cmd = f
            when = t
        elif f == 1 and flags & 2 or f == 2 and flags & 1:
            return E.SYNTAX
        elif f == 8 and flags & (16 | 32 | 64 | 128):
            return E.SYNTAX
        flags |= f
        i += 1
    deadline = None
    if unit_cmd is not None:
        if when <= 0:
            return error("ERR invalid expire time in 'set' command")
        if unit_cmd == 16:
            if when > LLONG_MAX // 1000:
                return error("ERR invalid expire time in 'set' command")
            deadline = srv.now_ms + when * 1000
        elif unit_cmd == 32:
            deadline = srv.now_ms + when
        elif unit_cmd == 64:
            if when > LLONG_MAX // 1000:
                return error("ERR invalid expire time in 'set' command")
            deadline = when * 1000
        else:
            deadline = when
        if deadline > LLONG_MAX:
            return error("ERR invalid expire time in 'set' command")
    old = db.lookup_write(key)
    reply_old = None
    if flags & 4:
        if old is not None and old.__class__ is not _BYTES and old.__class__ is not _BYTEARRAY:
            return E.WRONGTYPE
        reply_old = c.r.nil if old is None else bulk(old)
    if (flags & 1 and old is not None) or (flags & 2 and old is None):
        return reply_old if flags & 4 else c.r.nil
    db.set(key, value, keepttl=bool(flags & 8))
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "set", key)
    if deadline is not None:
        db.set_expire(key, deadline)
        if srv.notify_on:
            srv.notify(db, "g", "expire", key)
        if deadline <= srv.now_ms:
            # Already in the past (EXAT/PXAT): the key is deleted as Redis does.
            db.expire_now(key) if srv.expire_keys_allowed else None
    return reply_old if flags & 4 else OK


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
    db.data[key] = b"%d" % new
    if db.watched:
        db.ctx.touch_watched(db, key)
    srv = c.server
    srv.dirty += 1
    if srv.notify_on:
        srv.notify(db, "$", "incrby", key)
    return integer(new)


@command("incr")
def cmd_incr(c, argv):
    return _incr_generic(c, argv[1], 1)


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
    data = db.data
    expires = db.expires
    for i in range(1, n, 2):
        key = argv[i]
        data[key] = argv[i + 1]
        if expires:
            expires.pop(key, None)
        if db.watched:
            db.ctx.touch_watched(db, key)
        if srv.notify_on:
            srv.notify(db, "$", "set", key)
    srv.dirty += (n - 1) // 2
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
