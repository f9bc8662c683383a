"""OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP.

The access field of each key lives in its key-table entry (shardis.native):
Redis's 24-bit LRU clock (seconds) under the LRU and non-LFU policies, or the
LFU pair (minutes of the last decrement, 8-bit logarithmic counter) under the
LFU policies. Lookups update it in C (``KeyTable.lookup``); this module reads
it and keeps the tables' access mode in step with ``maxmemory-policy``,
``lfu-log-factor`` and ``lfu-decay-time``.
"""
from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands.util import parse_int
from shardis.protocol.resp import integer, error, bulk

SHARED_REFCOUNT = 2147483647
LRU_CLOCK_MAX = (1 << 24) - 1


_ADJUST = ("Please note that when switching between policies at runtime LRU and LFU "
           "data will take some time to adjust.")
NOT_LFU = error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                + _ADJUST)
IS_LFU = error("ERR An LFU maxmemory policy is selected, idle time not tracked. " + _ADJUST)


def idle_ms(db, key):
    """Milliseconds since the key was last accessed, from its LRU clock
    (1-second resolution; the clock wraps after 194 days)."""
    field = db.data.access(key)
    clock = (db.ctx.now_ms // 1000) & LRU_CLOCK_MAX
    if clock >= field:
        return (clock - field) * 1000
    return (clock + LRU_CLOCK_MAX - field) * 1000


def lfu_counter(db, key, decay_time):
    """The key's LFU counter after the decay owed since its last decrement
    (one per ``decay_time`` minutes), as an eviction would see it."""
    field = db.data.access(key)
    ldt, counter = field >> 8, field & 255
    if decay_time:
        now = (db.ctx.now_ms // 60000) & 0xFFFF
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        periods = elapsed // decay_time
        counter = 0 if periods > counter else counter - periods
    return counter


def apply_access_mode(server):
    """Set every key table's access mode from the configuration."""
    cfg = server.config
    lfu = cfg["maxmemory-policy"].endswith("lfu")
    server.lfu_on = lfu
    server.access_mode = ("lfu" if lfu else "lru", cfg["lfu-log-factor"], cfg["lfu-decay-time"])
    for db in server.dbs:
        db.data.set_access_mode(*server.access_mode)


def setup(server):
    apply_access_mode(server)
    for name in ("maxmemory-policy", "lfu-log-factor", "lfu-decay-time"):
        server.config.on_change(name, lambda v: apply_access_mode(server))


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
    """OBJECT looks keys up without touching their access field."""
    from shardis.commands.keys import read_notouch
    return read_notouch(c.db, key)


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
    if _shared_int(c, v):
        return integer(max(0, int(c.server.now_ms / 1000 - c.server.start_time)))
    return integer(idle_ms(c.db, argv[2]) // 1000)


@command("object|freq")
def cmd_object_freq(c, argv):
    v = _lookup(c, argv[2])
    if v is None:
        return c.r.nil
    if not _is_lfu(c):
        return NOT_LFU
    if _shared_int(c, v):
        return integer(0)
    return integer(lfu_counter(c.db, argv[2], c.server.config["lfu-decay-time"]))


command("object|help")(lambda c, argv: help_reply("OBJECT"))
