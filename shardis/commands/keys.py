"""Generic key commands: DEL, UNLINK, EXISTS, TYPE, RENAME(NX), COPY, MOVE, SWAPDB,
FLUSHDB/FLUSHALL, DBSIZE, KEYS, SCAN, RANDOMKEY, TOUCH, the EXPIRE family,
TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST.

Active expiry (keyspace.expiry) is installed by ``setup``.
"""
from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import parse_int, LLONG_MAX, parse_scan, scan_reply
from shardis.keyspace import expiry
from shardis.keyspace.scan import compile_glob
from shardis.native import EXPIRED
from shardis.runtime.propagate import rewrite, del_command
from shardis.commands.transactions import touch_swapped
from shardis.protocol.resp import OK, integer, error, bulk, CZERO, CONE, CNEG1, CNEG2

_BYTES = bytes
_BYTEARRAY = bytearray

NO_SUCH_KEY = error("ERR no such key")
SAME_OBJECT = error("ERR source and destination objects are the same")
DB_RANGE = error("ERR DB index is out of range")
INT_RANGE = error("ERR value is out of range, value must between -2147483648 and 2147483647")


def setup(server):
    expiry.setup(server)


def type_name(v):
    """Redis's type name of a stored value (bytes)."""
    cls = v.__class__
    if cls is _BYTES or cls is _BYTEARRAY:
        return b"string"
    return v.TYPE


def _ready(db, key):
    """Wake clients blocked on ``key`` (a value appeared there)."""
    bk = db.blocking_keys
    if bk and key in bk:
        db.ctx.ready_keys.append((db, key))


def read_notouch(db, key):
    """lookup_read that leaves the key's access field alone (Redis's
    LOOKUP_NOTOUCH: EXISTS, TYPE, TTL...)."""
    ctx = db.ctx
    if ctx.no_touch:
        return db.lookup_read(key)
    ctx.no_touch = True
    try:
        return db.lookup_read(key)
    finally:
        ctx.no_touch = False


def _dup(v):
    cls = v.__class__
    if cls is _BYTES:
        return v
    if cls is _BYTEARRAY:
        return _BYTEARRAY(v)
    cp = getattr(v, "copy", None)
    if cp is not None:
        return cp()
    if isinstance(v, _BYTES):
        return v                 # an immutable packed encoding: share it
    import copy
    return copy.deepcopy(v)


# -- DEL / UNLINK / EXISTS / TOUCH / TYPE -------------------------------------------

def _del_generic(c, argv):
    db = c.db
    srv = c.server
    n = 0
    for key in argv[1:]:
        # an expired key is first expired (its 'expired' event), then not counted
        if db.lookup_write(key) is not None and db.delete(key):
            n += 1
            srv.dirty += 1
            if srv.notify_on:
                srv.notify(db, "g", "del", key)
    return integer(n)


command("del")(_del_generic)
command("unlink")(_del_generic)


@command("exists")
def cmd_exists(c, argv):
    db = c.db
    n = 0
    for key in argv[1:]:
        if read_notouch(db, key) is not None:
            n += 1
    return integer(n)


@command("touch")
def cmd_touch(c, argv):
    db = c.db
    n = 0
    for key in argv[1:]:
        if db.lookup_read(key) is not None:
            n += 1
    return integer(n)


@command("type")
def cmd_type(c, argv):
    v = read_notouch(c.db, argv[1])
    if v is None:
        return b"+none\r\n"
    return b"+%s\r\n" % type_name(v)


@command("dbsize")
def cmd_dbsize(c, argv):
    return integer(len(c.db.data))


# -- FLUSHDB / FLUSHALL / SWAPDB -------------------------------------------------------

def _flush_arg(argv):
    if len(argv) == 1:
        return True
    if len(argv) == 2 and argv[1].upper() in (b"ASYNC", b"SYNC"):
        return True
    return False


@command("flushdb")
def cmd_flushdb(c, argv):
    if not _flush_arg(argv):
        return E.SYNTAX
    c.server.flush_db(c.db)
    return OK


@command("flushall")
def cmd_flushall(c, argv):
    if not _flush_arg(argv):
        return E.SYNTAX
    for db in c.server.dbs:
        c.server.flush_db(db)
    return OK


def _db_index(c, b, msg=None):
    v = parse_int(b)
    if v is None:
        return error("ERR " + msg) if msg else E.NOT_INT
    if v < -2 ** 31 or v >= 2 ** 31:
        return error("ERR " + msg) if msg else INT_RANGE
    return v


@command("swapdb")
def cmd_swapdb(c, argv):
    srv = c.server
    if srv.config["cluster-enabled"]:
        return error("ERR SWAPDB is not allowed in cluster mode")
    i1 = _db_index(c, argv[1], "invalid first DB index")
    if i1.__class__ is bytes:
        return i1
    i2 = _db_index(c, argv[2], "invalid second DB index")
    if i2.__class__ is bytes:
        return i2
    dbs = srv.dbs
    if i1 < 0 or i1 >= len(dbs) or i2 < 0 or i2 >= len(dbs):
        return DB_RANGE
    if i1 != i2:
        a, b = dbs[i1], dbs[i2]
        touch_swapped(srv, a, b)
        a.swap_contents(b)
        for db in (a, b):
            if db.blocking_keys:
                for key in list(db.blocking_keys):
                    if key in db.data:
                        _ready(db, key)
    srv.dirty += 1
    return OK


# -- RENAME / RENAMENX / MOVE / COPY --------------------------------------------------

def _rename(c, argv, nx):
    db = c.db
    src, dst = argv[1], argv[2]
    v = db.lookup_write(src)
    if v is None:
        return NO_SUCH_KEY
    if src == dst:
        return CZERO if nx else OK
    when = db.get_expire(src)
    if db.lookup_write(dst) is not None:
        if nx:
            return CZERO
        db.delete(dst)
    db.set(dst, v)
    if when is not None:
        db.set_expire(dst, when)
    db.delete(src)
    _ready(db, dst)
    srv = c.server
    if srv.notify_on:
        srv.notify(db, "g", "rename_from", src)
        srv.notify(db, "g", "rename_to", dst)
    srv.dirty += 1
    return CONE if nx else OK


@command("rename")
def cmd_rename(c, argv):
    return _rename(c, argv, False)


command("renamenx")(lambda c, argv: _rename(c, argv, True))


@command("move")
def cmd_move(c, argv):
    srv = c.server
    if srv.config["cluster-enabled"]:
        return error("ERR MOVE is not allowed in cluster mode")
    src = c.db
    idx = _db_index(c, argv[2])
    if idx.__class__ is bytes:
        return idx
    if idx < 0 or idx >= len(srv.dbs):
        return DB_RANGE
    dst = srv.dbs[idx]
    if dst is src:
        return SAME_OBJECT
    key = argv[1]
    v = src.lookup_write(key)
    if v is None:
        return CZERO
    when = src.get_expire(key)
    if dst.lookup_write(key) is not None:
        return CZERO
    dst.set(key, v)
    if when is not None:
        dst.set_expire(key, when)
    src.delete(key)
    _ready(dst, key)
    if srv.notify_on:
        srv.notify(src, "g", "move_from", key)
        srv.notify(dst, "g", "move_to", key)
    srv.dirty += 1
    return CONE


@command("copy")
def cmd_copy(c, argv):
    srv = c.server
    src = dst = c.db
    replace = False
    i = 3
    n = len(argv)
    while i < n:
        opt = argv[i].upper()
        if opt == b"REPLACE":
            replace = True
        elif opt == b"DB" and i + 1 < n:
            idx = parse_int(argv[i + 1])
            if idx is None:
                return E.NOT_INT
            if idx < 0 or idx >= len(srv.dbs) or idx >= 2 ** 31:
                return DB_RANGE
            dst = srv.dbs[idx]
            i += 1
        else:
            return E.SYNTAX
        i += 1
    if srv.config["cluster-enabled"] and (src.id != 0 or dst.id != 0):
        return error("ERR Copying to another database is not allowed in cluster mode")
    key, newkey = argv[1], argv[2]
    if src is dst and key == newkey:
        return SAME_OBJECT
    v = src.lookup_read(key)
    if v is None:
        return CZERO
    when = src.get_expire(key)
    if dst.lookup_write(newkey) is not None:
        if not replace:
            return CZERO
        dst.delete(newkey)
    dst.set(newkey, _dup(v))
    if when is not None:
        dst.set_expire(newkey, when)
    dst.signal(newkey)
    _ready(dst, newkey)
    if srv.notify_on:
        srv.notify(dst, "g", "copy_to", newkey)
    srv.dirty += 1
    return CONE


# -- KEYS / SCAN / RANDOMKEY ------------------------------------------------------------

def _live(db, keys):
    """``keys`` without those past their deadline (read as gone, not expired here)."""
    data = db.data
    if not data.volatile_count():
        return keys
    now = db.ctx.now_ms
    ge = data.get_expire
    out = []
    for k in keys:
        d = ge(k)
        if d is None or d > now:
            out.append(k)
    return out


@command("keys")
def cmd_keys(c, argv):
    db = c.db
    pat = argv[1]
    keys = db.data.keys()
    if pat != b"*":
        m = compile_glob(pat)
        keys = [k for k in keys if m(k)]
    keys = _live(db, keys)
    out = [b"*%d\r\n" % len(keys)]
    for k in keys:
        out.append(b"$%d\r\n%s\r\n" % (len(k), k))
    return b"".join(out)


@command("scan")
def cmd_scan(c, argv):
    opts = parse_scan(argv[1:], allow_type=True)
    if opts.__class__ is bytes:
        return opts
    cursor, match, count, typ = opts
    db = c.db
    data = db.data
    # the table's own reverse-binary cursor: every key present for the whole
    # iteration is returned, through growth and shrink of the table
    nxt, found = data.scan(cursor, count)
    now = c.server.now_ms
    out = []
    for k in found:
        if match is not None and not match(k):
            continue
        v = data.lookup(k, now, False)
        if v is None:
            continue
        if v is EXPIRED:
            # a visited key that matches the pattern is expired, whatever
            # its type (Redis's type filter looks it up, which expires it)
            db.lookup_write(k)
            if k not in data:
                continue
            v = data.peek(k)
        if typ is not None and type_name(v) != typ:
            continue
        out.append(k)
    return scan_reply(nxt, out)


@command("randomkey")
def cmd_randomkey(c, argv):
    db = c.db
    data = db.data
    tries = 0
    while len(data) and tries < 1000:
        key = data.random_key()     # uniform over the table's keys
        tries += 1
        when = db.get_expire(key)
        if when is not None and when <= c.server.now_ms:
            if data.volatile_count() == len(data) and tries >= 100:
                return bulk(key)         # every key is volatile (replica): give up looking
            if db.expire_now(key):
                continue
        return bulk(key)
    return c.r.nil


# -- EXPIRE family ---------------------------------------------------------------------

_EXP_NX, _EXP_XX, _EXP_GT, _EXP_LT = 1, 2, 4, 8
_EXP_FLAGS = {b"NX": _EXP_NX, b"XX": _EXP_XX, b"GT": _EXP_GT, b"LT": _EXP_LT}
_INVALID_EXPIRE = {name: error(E.INVALID_EXPIRE.format(name))
                   for name in ("expire", "pexpire", "expireat", "pexpireat")}


def _expire_generic(c, argv, name, ms, absolute):
    flags = 0
    for opt in argv[3:]:
        f = _EXP_FLAGS.get(opt.upper())
        if f is None:
            return error("ERR Unsupported option " + opt.decode("utf-8", "replace"))
        flags |= f
    if flags & _EXP_NX and flags & (_EXP_XX | _EXP_GT | _EXP_LT):
        return error("ERR NX and XX, GT or LT options at the same time are not compatible")
    if flags & _EXP_GT and flags & _EXP_LT:
        return error("ERR GT and LT options at the same time are not compatible")
    when = parse_int(argv[2])
    if when is None:
        return E.NOT_INT
    if not ms:
        if when > LLONG_MAX // 1000 or when < -(LLONG_MAX // 1000):
            return _INVALID_EXPIRE[name]
        when *= 1000
    srv = c.server
    base = 0 if absolute else srv.now_ms
    if when > LLONG_MAX - base:
        return _INVALID_EXPIRE[name]
    when += base
    db = c.db
    key = argv[1]
    if db.lookup_write(key) is None:
        return CZERO
    if flags:
        cur = db.get_expire(key)
        if flags & _EXP_NX and cur is not None:
            return CZERO
        if flags & _EXP_XX and cur is None:
            return CZERO
        if flags & _EXP_GT and (cur is None or when <= cur):
            return CZERO
        if flags & _EXP_LT and cur is not None and when >= cur:
            return CZERO
    if when <= srv.now_ms and srv.expire_keys_allowed:
        db.delete(key)
        srv.dirty += 1
        rewrite(c, del_command(srv, "lazyfree-lazy-expire"), key)
        if srv.notify_on:
            srv.notify(db, "g", "del", key)
        return CONE
    db.set_expire(key, when)
    db.signal(key)
    if srv.notify_on:
        srv.notify(db, "g", "expire", key)
    srv.dirty += 1
    if name != "pexpireat":
        rewrite(c, b"PEXPIREAT", key, b"%d" % when, *argv[3:])
    return CONE


@command("expire")
def cmd_expire(c, argv):
    return _expire_generic(c, argv, "expire", False, False)


@command("pexpire")
def cmd_pexpire(c, argv):
    return _expire_generic(c, argv, "pexpire", True, False)


command("expireat")(lambda c, argv: _expire_generic(c, argv, "expireat", False, True))
command("pexpireat")(lambda c, argv: _expire_generic(c, argv, "pexpireat", True, True))


def _ttl_generic(c, argv, ms, absolute):
    db = c.db
    key = argv[1]
    if read_notouch(db, key) is None:
        return CNEG2
    when = db.get_expire(key)
    if when is None:
        return CNEG1
    if absolute:
        ttl = when
    else:
        ttl = when - c.server.now_ms
        if ttl < 0:
            ttl = 0
    return integer(ttl if ms else (ttl + 500) // 1000)


command("ttl")(lambda c, argv: _ttl_generic(c, argv, False, False))
command("pttl")(lambda c, argv: _ttl_generic(c, argv, True, False))
command("expiretime")(lambda c, argv: _ttl_generic(c, argv, False, True))
command("pexpiretime")(lambda c, argv: _ttl_generic(c, argv, True, True))


@command("persist")
def cmd_persist(c, argv):
    db = c.db
    key = argv[1]
    if db.lookup_write(key) is None:
        return CZERO
    if not db.persist(key):
        return CZERO
    db.signal(key)
    srv = c.server
    if srv.notify_on:
        srv.notify(db, "g", "persist", key)
    srv.dirty += 1
    return CONE
