"""DEBUG: the testing and introspection subcommands (OBJECT, SLEEP, PROTOCOL,
DIGEST, LISTPACK, ...). Gated by ``enable-debug-command`` as in Redis."""
import os
import time

from shardis.commands import command
from shardis.commands import errors as E
from shardis.commands.util import help_reply
from shardis.commands.util import parse_int
from shardis.commands.object_cmds import idle_ms
from shardis.keyspace import expiry
from shardis.protocol.resp import OK, bulk, error, integer, raw_array, simple
from shardis.types import digest as DG


# -- DEBUG ---------------------------------------------------------------------------
_DEBUG_DENIED = error(
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
    "you can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.")



def _atof(b):
    """C atof: the longest numeric prefix, 0.0 when there is none."""
    import re
    m = re.match(rb"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", bytes(b))
    return float(m.group(0)) if m else 0.0


_PROTO_TYPES = ("string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                "true|false")


def _debug_protocol(c, t):
    r = c.r
    resp3 = r.version == 3
    if t == b"string":
        return bulk(b"Hello World")
    if t == b"integer":
        return integer(12345)
    if t == b"double":
        return b",3.141\r\n" if resp3 else bulk(b"3.141")
    if t == b"bignum":
        big = b"1234567999999999999999999999999999999"
        return b"(%s\r\n" % big if resp3 else bulk(big)
    if t == b"null":
        return r.nil
    if t == b"array":
        return b"*3\r\n:0\r\n:1\r\n:2\r\n"
    if t == b"set":
        return r.set_header(3) + b":0\r\n:1\r\n:2\r\n"
    if t == b"map":
        return r.map_header(3) + b":0\r\n" + r.false + b":1\r\n" + r.true + b":2\r\n" + r.false
    if t == b"attrib":
        tail = bulk(b"Some real reply following the attribute")
        if resp3:
            return b"|1\r\n" + bulk(b"key-popularity") + b"*2\r\n" + bulk(b"key:123") \
                + integer(90) + tail
        return tail
    if t == b"push":
        if not resp3:
            return error("ERR RESP2 is not supported by this command")
        return (b">2\r\n" + bulk(b"server-cpu-usage") + integer(42)
                + bulk(b"Some real reply following the push reply"))
    if t == b"verbatim":
        return r.verbatim(b"This is a verbatim\nstring")
    if t == b"true":
        return r.true
    if t == b"false":
        return r.false
    return error("ERR Wrong protocol type name. Please use one of the following: " + _PROTO_TYPES)


def debug_allowed(c):
    mode = c.server.config["enable-debug-command"]
    if mode == "yes":
        return True
    if mode == "local":
        return c.unix or c.addr.startswith("127.") or c.addr.startswith("::1")
    return False


def string_encoding(v):
    """Redis's encoding name for a string value."""
    if v.__class__ is bytearray:
        return b"raw"
    if len(v) <= 20 and parse_int(v) is not None:
        return b"int"
    return b"embstr" if len(v) <= 44 else b"raw"


def _idle_seconds(db, key):
    """Seconds since the key was last accessed (its LRU clock), 0 under an
    LFU policy, where the field holds the LFU pair."""
    if db.ctx.lfu_on:
        return 0
    return idle_ms(db, key) // 1000


def _quicklist_fields(v):
    """The ql_* fields DEBUG OBJECT adds for a quicklist: nodes (plain
    nodes for large elements included), average elements per node, the
    node limit (list-max-listpack-size), compression, summed node sizes."""
    from shardis.types import list as L
    n = v.length()
    nodes, _plain, size = L.node_layout(v)
    nodes = max(nodes, 1)
    return (b" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
            b"ql_uncompressed_size:%d" % (nodes, n / nodes, L.FILL, 1 if L.COMPRESS_DEPTH else 0,
                                          size))


def _serialized_len(v):
    if v.__class__ is bytes or v.__class__ is bytearray:
        n = len(v)
        if parse_int(bytes(v)) is not None and -(1 << 31) <= int(v) < (1 << 31):
            iv = int(v)
            return 2 if -128 <= iv < 128 else 3 if -32768 <= iv < 32768 else 5
        return n + (1 if n < 64 else 2 if n < 16384 else 5)
    mu = getattr(v, "memory_usage", None)
    return mu() if mu is not None else 0


_THRESHOLD_RANGE = error("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
_NOT_LISTPACK = error("ERR Not a listpack encoded object.")
_NOT_QUICKLIST = error("ERR Not a quicklist encoded object.")


def dataset_digest(srv):
    """DEBUG DIGEST of the server's whole dataset (40 hex digits)."""
    return DG.dataset_digest((db.id, db.data, db.get_expire) for db in srv.dbs)


def _lookup_notouch(c, key):
    """The key's value, expiring it if due, without touching its access
    field (Redis's objectCommandLookup)."""
    srv = c.server
    prev = srv.no_touch
    srv.no_touch = True
    try:
        return c.db.lookup_write(key)
    finally:
        srv.no_touch = prev


def _out(lines):
    """Print a DEBUG dump on stdout, as Redis does (daemonized, stdout is
    /dev/null and the dump goes nowhere, as in Redis)."""
    import sys
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def _entries_of(v):
    t = v.TYPE
    if t == b"list":
        return v.items()
    if t == b"set":
        return v.members()
    if t == b"hash":
        return [x for kv in v.items() for x in kv]
    if t == b"zset":
        from shardis.protocol.resp import format_double
        return [x for m, s in v.items() for x in (m, format_double(s))]
    return []


def _print_listpack(key, v):
    ents = _entries_of(v)
    lines = ["{key %r} {type %s} {encoding listpack} {num entries %d}"
             % (key, v.TYPE.decode(), len(ents))]
    for i, x in enumerate(ents):
        lines.append("{index %d} {len %d} {value %r}" % (i, len(x), x[:64]))
    lines.append("{end}")
    _out(lines)


def _print_quicklist(key, v):
    from shardis.types import list as L
    nodes, plain, size = L.node_layout(v)
    _out(["{key %r} {count %d} {nodes %d} {plain nodes %d} {uncompressed size %d} "
          "{fill %d} {compress %d}" % (key, v.length(), nodes, plain, size, L.FILL,
                                        L.COMPRESS_DEPTH)])


def _stringmatch_fuzz(cycles=5000, budget=0.25):
    """STRINGMATCH-TEST: random patterns and subjects (bytes below 128, up
    to 31 long, as Redis's fuzzer draws them) through the glob matcher,
    bounded in count and time (Redis runs ten million in C). A matcher
    fault surfaces as an error reply where Redis would crash."""
    import random
    from shardis.util import glob
    rnd = random.Random()
    deadline = time.monotonic() + budget
    for i in range(cycles):
        pat = bytes(rnd.randrange(128) for _ in range(rnd.randrange(32)))
        sub = bytes(rnd.randrange(128) for _ in range(rnd.randrange(32)))
        glob.match(pat, sub)
        if i & 255 == 0 and time.monotonic() > deadline:
            break


@command("debug")
def cmd_debug(c, argv):
    if not debug_allowed(c):
        return _DEBUG_DENIED
    srv = c.server
    sub = argv[1].lower()
    n = len(argv)
    if sub == b"help" and n == 2:
        return help_reply("DEBUG")
    if sub == b"sleep" and n == 3:
        secs = _atof(argv[2])           # as C's atof: junk reads as 0
        if secs > 0:
            time.sleep(secs)
        return OK
    if sub == b"protocol" and n == 3:
        return _debug_protocol(c, argv[2].lower())
    if sub == b"error" and n == 3:
        return error(argv[2])
    if sub == b"change-repl-id" and n == 2:
        srv.replid = os.urandom(20).hex()
        return OK
    if sub == b"object" and n == 3:
        key = argv[2]
        db = c.db
        v = _lookup_notouch(c, key)     # DEBUG OBJECT does not touch the key
        if v is None:
            return E.NO_SUCH_KEY
        if v.__class__ is bytes or v.__class__ is bytearray:
            enc = string_encoding(v)
        else:
            enc = v.encoding
        lru = db.data.access(key)
        idle = _idle_seconds(db, key)
        line = (b"Value at:0x%x refcount:1 encoding:%s serializedlength:%d lru:%d "
                b"lru_seconds_idle:%d" % (id(v), enc, _serialized_len(v), lru, idle))
        if enc == b"quicklist":
            line += _quicklist_fields(v)
        return simple(line)
    if sub == b"set-active-expire" and n == 3:
        expiry.set_active(srv, bool(int(_atof(argv[2]))))
        return OK
    if sub == b"log" and n == 3:
        srv.log("warning", "DEBUG LOG: " + argv[2].decode("utf-8", "replace"))
        return OK
    if sub == b"aof-flush-sleep" and n == 3:
        v = parse_int(argv[2])
        if v is None:
            return E.NOT_INT
        srv.aof_flush_sleep = v
        return OK
    if sub == b"digest" and n == 2:
        return simple(dataset_digest(srv).encode())
    if sub == b"digest-value":
        # the keys as stored, logically expired ones included (no lookup)
        db = c.db
        data = db.data
        out = []
        for key in argv[2:]:
            v = data.peek(key)
            d = DG.ZERO if v is None else DG.value_digest(v, db.get_expire(key) is not None)
            out.append(b"+%s\r\n" % d.encode())
        return raw_array(out)
    if sub == b"quicklist-packed-threshold" and n == 3:
        from shardis.config import memtoull
        from shardis.types import list as L
        try:
            sz = memtoull(argv[2].decode("latin-1"))
        except ValueError:
            sz = None
        if sz is None or not L.set_packed_threshold(sz):
            return _THRESHOLD_RANGE
        return OK
    if sub == b"listpack" and n == 3:
        v = _lookup_notouch(c, argv[2])
        if v is None:
            return E.NO_SUCH_KEY
        if v.__class__ is bytes or v.__class__ is bytearray or v.encoding != b"listpack":
            return _NOT_LISTPACK
        _print_listpack(argv[2], v)
        return simple(b"Listpack structure printed on stdout")
    if sub == b"quicklist" and (n == 3 or n == 4):
        v = _lookup_notouch(c, argv[2])
        if v is None:
            return E.NO_SUCH_KEY
        if v.__class__ is bytes or v.__class__ is bytearray or v.encoding != b"quicklist":
            return _NOT_QUICKLIST
        _print_quicklist(argv[2], v)
        return simple(b"Quicklist structure printed on stdout")
    if sub == b"stringmatch-test" and n == 2:
        _stringmatch_fuzz()
        return simple(b"Apparently Redis did not crash: test passed")
    name = argv[1].decode("utf-8", "replace")
    return error(f"ERR unknown subcommand or wrong number of arguments for '{name}'. "
                 "Try DEBUG HELP.")
