"""OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP.

Access tracking (for IDLETIME and FREQ) costs a dict store per key lookup, so
it starts the first time a client asks for it (OBJECT IDLETIME or FREQ) or an
LFU/LRU maxmemory policy is selected. A stamp remembers the value object it
was taken for: writes that bypass ``Database.set`` (the plain SET/MSET fast
paths) replace the object, and such a key counts as written when OBJECT first
sees the new object (idle 0, LFU counter reset to its initial value).
"""
import random

from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands.util import parse_int
from shardis.protocol.resp import integer, error, bulk

SHARED_REFCOUNT = 2147483647
LFU_INIT_VAL = 5


_ADJUST = ("Please note that when switching between policies at runtime LRU and LFU "
           "data will take some time to adjust.")
NOT_LFU = error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                + _ADJUST)
IS_LFU = error("ERR An LFU maxmemory policy is selected, idle time not tracked. " + _ADJUST)


class AccessTracker:
    """Per-database last-access times (ms) and LFU counters."""
    __slots__ = ("server", "stamps", "lfu")

    def __init__(self, server):
        self.server = server
        self.stamps = {}
        self.lfu = {}             # key -> (minutes of last decrement, counter)

    def touch(self, key, v):
        srv = self.server
        if srv.lfu_on:
            e = self.stamps.get(key)
            if e is None or e[1] is not v:
                self.lfu[key] = (srv.now_ms // 60000, LFU_INIT_VAL)
            self.lfu[key] = (srv.now_ms // 60000, _lfu_incr(srv, self._decayed(key)))
        self.stamps[key] = (srv.now_ms, v)

    def created(self, key, v):
        srv = self.server
        self.stamps[key] = (srv.now_ms, v)
        self.lfu[key] = (srv.now_ms // 60000, LFU_INIT_VAL)

    def _check(self, key, v):
        e = self.stamps.get(key)
        if e is None or e[1] is not v:
            self.created(key, v)

    def forget(self, key):
        self.stamps.pop(key, None)
        self.lfu.pop(key, None)

    def clear(self):
        self.stamps = {}
        self.lfu = {}

    def idle_ms(self, key, v):
        self._check(key, v)
        return self.server.now_ms - self.stamps[key][0]

    def _decayed(self, key):
        e = self.lfu.get(key)
        if e is None:
            return LFU_INIT_VAL
        ldt, counter = e
        period = self.server.config["lfu-decay-time"]
        if period:
            elapsed = (self.server.now_ms // 60000 - ldt) & 0xFFFF
            counter = max(0, counter - elapsed // period)
        return counter

    def freq(self, key, v):
        self._check(key, v)
        return self._decayed(key)


def _lfu_incr(srv, counter):
    if counter >= 255:
        return 255
    base = counter - LFU_INIT_VAL
    if base < 0:
        base = 0
    if random.random() < 1.0 / (base * srv.config["lfu-log-factor"] + 1):
        counter += 1
    return counter


def _policy_hook(server):
    def on_policy(v):
        server.lfu_on = v.endswith("lfu")
        if v.endswith("lfu") or v.endswith("lru"):
            enable_tracking(server)
    return on_policy


def enable_tracking(server):
    for db in server.dbs:
        if db.access is None:
            db.access = AccessTracker(server)


def setup(server):
    server.lfu_on = False
    server.config.on_change("maxmemory-policy", _policy_hook(server))


def _is_lfu(c):
    return c.server.config["maxmemory-policy"].endswith("lfu")


def _shared_int(c, v):
    """Would Redis hold this string value as one of its shared integers?"""
    if v.__class__ is not bytes or len(v) > 5:
        return False
    n = parse_int(v)
    if n is None or n < 0 or n >= 10000:
        return False
    srv = c.server
    if srv.maxmemory:
        pol = srv.config["maxmemory-policy"]
        if pol.endswith("lru") or pol.endswith("lfu"):
            return False
    return True


def string_encoding(v):
    if v.__class__ is bytearray:
        return b"raw"
    n = len(v)
    if n <= 20 and parse_int(v) is not None:
        return b"int"
    return b"embstr" if n <= 44 else b"raw"


def encoding_of(v):
    cls = v.__class__
    if cls is bytes or cls is bytearray:
        return string_encoding(v)
    return v.encoding


def _lookup(c, key):
    """OBJECT looks keys up without touching their access time."""
    db = c.db
    acc = db.access
    db.access = None
    try:
        return db.lookup_read(key)
    finally:
        db.access = acc


@command("object|encoding")
def cmd_object_encoding(c, argv):
    v = _lookup(c, argv[2])
    if v is None:
        return c.r.nil
    return bulk(encoding_of(v))


@command("object|refcount")
def cmd_object_refcount(c, argv):
    v = _lookup(c, argv[2])
    if v is None:
        return c.r.nil
    return integer(SHARED_REFCOUNT if _shared_int(c, v) else 1)


@command("object|idletime")
def cmd_object_idletime(c, argv):
    v = _lookup(c, argv[2])
    if v is None:
        return c.r.nil
    if _is_lfu(c):
        return IS_LFU
    db = c.db
    if db.access is None:
        enable_tracking(c.server)
    if _shared_int(c, v):
        return integer(max(0, int(c.server.now_ms / 1000 - c.server.start_time)))
    return integer(max(0, db.access.idle_ms(argv[2], v)) // 1000)


@command("object|freq")
def cmd_object_freq(c, argv):
    v = _lookup(c, argv[2])
    if v is None:
        return c.r.nil
    if not _is_lfu(c):
        return NOT_LFU
    db = c.db
    if db.access is None:
        enable_tracking(c.server)
    if _shared_int(c, v):
        return integer(0)
    return integer(db.access.freq(argv[2], v))


command("object|help")(lambda c, argv: help_reply("OBJECT"))
