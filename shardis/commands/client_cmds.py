"""CLIENT subcommands, and the client pause machinery (CLIENT PAUSE/UNPAUSE).

Pause: while a pause is active ``server.gated`` is set so every command goes
through ``Dispatcher.call_slow``, which asks ``server.pause_check``. A command
that must wait is kept in ``client.pending`` (the client is marked
``pause_blocked`` and its input is only buffered); when the pause ends the
held command runs and the client's buffered input is processed.
"""
import time

from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands import errors as E
from shardis.commands.util import parse_int, either
from shardis.protocol.request import MBULK_BIG_ARG, QUERYBUF_ALLOC, query_buffer
from shardis.protocol.resp import OK, bulk, error, integer, CZERO, CONE

from shardis.runtime.clientflags import (F_MULTI, F_DIRTY_CAS, F_PUBSUB, F_MONITOR,  # noqa: F401
                                         F_CLOSE_AFTER_REPLY, F_BLOCKED, F_NO_EVICT, F_NO_TOUCH,
                                         F_READONLY, F_MASTER, F_UNIX, F_CLOSE_ASAP, F_TRACKING)

_BAD_NAME = "cannot contain spaces, newlines or special characters."
CLIENT_TYPES = {"normal": "normal", "slave": "replica", "replica": "replica",
                "master": "master", "pubsub": "pubsub"}


# -- describing clients --------------------------------------------------------------
def client_type(c):
    if c.kind == "replica" and not c.flags & F_MONITOR:
        return "replica"
    if c.flags & F_MASTER:
        return "master"
    if c.channels_count():
        return "pubsub"
    return "normal"


def _flag_string(c):
    f = c.flags
    s = []
    if c.kind == "replica" or f & F_MONITOR:
        s.append("O" if f & F_MONITOR else "S")
    if f & F_MASTER:
        s.append("M")
    if f & F_PUBSUB or c.channels_count():
        s.append("P")
    if f & F_MULTI:
        s.append("x")
    if f & F_BLOCKED or c.pause_blocked:      # a client a pause holds is blocked, as in Redis
        s.append("b")
    if f & F_TRACKING:
        s.append("t")
    if f & F_DIRTY_CAS:
        s.append("d")
    if f & F_CLOSE_AFTER_REPLY:
        s.append("c")
    if f & F_CLOSE_ASAP:
        s.append("A")
    if f & F_UNIX or c.unix:
        s.append("U")
    if f & F_READONLY:
        s.append("r")
    if f & F_NO_EVICT:
        s.append("e")
    if f & F_NO_TOUCH:
        s.append("T")
    return "".join(s) or "N"


def _redir(c):
    st = c.server.tracking
    if st is None or not c.flags & F_TRACKING or c.id not in st.clients:
        return -1
    return st.clients[c.id].redirect


def _query_buffer(c, now, argv):
    """(qbuf, qbuf-free, argv-mem) as Redis reports them. qbuf: the input
    not parsed yet (Redis moves each complete argument out of its query
    buffer; the caller's own command is still in it while it runs). qbuf-free:
    the rest of the buffer's allocation, which a read grows to 20 KB and
    Redis's client cron takes back once the client has been idle for more than
    2 seconds (a bulk of 32 KB or more gets a buffer of its own size)."""
    try:
        qbuf, argv_mem, big = query_buffer(c.reader)
    except Exception:
        qbuf, argv_mem, big = 0, 0, 0
    if c.pause_blocked and c.pending:           # a command held by a pause keeps its argv
        argv_mem += sum(map(len, c.pending))
    if argv is not None:
        qbuf += len(b"*%d\r\n" % len(argv)) + sum(len(b"$%d\r\n" % len(a)) + len(a) + 2
                                                   for a in argv)
        argv_mem = sum(map(len, argv))
    if big >= MBULK_BIG_ARG:
        free = max(big - qbuf, 0)
    elif argv is None and not qbuf and (
            c.last_cmd == b"NULL" or int(now) - int(c.last_interaction / 1000) > 2):
        free = 0
    else:
        free = max(QUERYBUF_ALLOC - qbuf, 0)
    return qbuf, free, argv_mem


def client_info_line(c, now=None, argv=None):
    """One CLIENT LIST line (without the newline), Redis 7.2 fields. ``argv``:
    the command being run, when ``c`` is the client running it."""
    if now is None:
        now = time.time()
    qbuf, qbuf_free, argv_mem = _query_buffer(c, now, argv)
    obl = 0
    if c.transport is not None:
        try:
            obl = c.transport.get_write_buffer_size()
        except Exception:
            obl = 0
    multi = len(c.multi_queue) if c.flags & F_MULTI and c.multi_queue is not None else -1
    multi_mem = sum(sum(len(a) for a in argv) for _, argv in c.multi_queue) if multi > 0 else 0
    sub = len(c.channels) if c.channels else 0
    psub = len(c.patterns) if c.patterns else 0
    ssub = len(c.shard_channels) if c.shard_channels else 0
    tot = qbuf + qbuf_free + obl + argv_mem + multi_mem + 1024
    name = c.name.decode("utf-8", "replace") if c.name else ""
    lib_name = c.lib_name.decode("utf-8", "replace") if c.lib_name else ""
    lib_ver = c.lib_ver.decode("utf-8", "replace") if c.lib_ver else ""
    events = "r" + ("w" if obl else "")
    last = c.last_cmd.decode() if isinstance(c.last_cmd, bytes) else c.last_cmd
    return (f"id={c.id} addr={c.addr} laddr={c.laddr} fd={c.fd} name={name} "
            f"age={int(now - c.ctime)} idle={int(now - c.last_interaction / 1000)} "
            f"flags={_flag_string(c)} db={c.db.id} sub={sub} psub={psub} ssub={ssub} "
            f"multi={multi} qbuf={qbuf} qbuf-free={qbuf_free} argv-mem={argv_mem} multi-mem={multi_mem} "
            f"rbs=16384 rbp=0 obl={obl} oll=0 omem={obl} tot-mem={tot} events={events} "
            f"cmd={last} user={c.user} redir={_redir(c)} resp={c.resp} "
            f"lib-name={lib_name} lib-ver={lib_ver}")


# -- CLIENT ID / INFO / LIST ---------------------------------------------------------------
@command("client|id")
def cmd_client_id(c, argv):
    return integer(c.id)


@command("client|info")
def cmd_client_info(c, argv):
    c.last_cmd = "client|info"
    return c.r.verbatim((client_info_line(c, argv=argv) + "\n").encode())


@command("client|list")
def cmd_client_list(c, argv):
    srv = c.server
    n = len(argv)
    ctype = None
    ids = None
    if n == 4 and argv[2].lower() == b"type":
        ctype = CLIENT_TYPES.get(argv[3].decode("utf-8", "replace").lower())
        if ctype is None:
            return error(f"ERR Unknown client type '{argv[3].decode('utf-8', 'replace')}'")
    elif n > 3 and argv[2].lower() == b"id":
        ids = []
        for a in argv[3:]:
            v = parse_int(a)
            if v is None:
                return error("ERR Invalid client ID")
            ids.append(v)
    elif n != 2:
        return E.SYNTAX
    c.last_cmd = "client|list"
    now = time.time()
    if ids is not None:
        chosen = [srv.clients[i] for i in ids if i in srv.clients]
    else:
        chosen = [x for x in srv.clients.values()
                  if ctype is None or client_type(x) == ctype]
    text = "".join(client_info_line(x, now, argv if x is c else None) + "\n" for x in chosen)
    return c.r.verbatim(text.encode())


# -- CLIENT KILL -----------------------------------------------------------------------
def _user_exists(srv, name):
    return name == b"default"       # the only user until ACL (issue 17)


def _kill(c, victim):
    if victim is c:
        c.flags |= F_CLOSE_AFTER_REPLY
    else:
        victim.close_now()


@command("client|kill")
def cmd_client_kill(c, argv):
    srv = c.server
    n = len(argv)
    if n == 3:
        addr = argv[2].decode("utf-8", "replace")
        for x in list(srv.clients.values()):
            if x.addr == addr:
                _kill(c, x)
                return OK
        return error("ERR No such client")
    cid = ctype = user = addr = laddr = None
    skipme = True
    i = 2
    while i < n:
        if i + 1 >= n:
            return E.SYNTAX
        opt = argv[i].lower()
        val = argv[i + 1]
        if opt == b"id":
            cid = parse_int(val)
            if cid is None or cid <= 0:
                return error("ERR client-id should be greater than 0")
        elif opt == b"type":
            ctype = CLIENT_TYPES.get(val.decode("utf-8", "replace").lower())
            if ctype is None:
                return error(f"ERR Unknown client type '{val.decode('utf-8', 'replace')}'")
        elif opt == b"user":
            if not _user_exists(srv, val):
                return error(f"ERR No such user '{val.decode('utf-8', 'replace')}'")
            user = val.decode("utf-8", "replace")
        elif opt == b"addr":
            addr = val.decode("utf-8", "replace")
        elif opt == b"laddr":
            laddr = val.decode("utf-8", "replace")
        elif opt == b"skipme":
            skipme = either(val.lower(), b"no", b"yes")
            if skipme is None:
                return E.SYNTAX
        else:
            return E.SYNTAX
        i += 2
    killed = 0
    for x in list(srv.clients.values()):
        if cid is not None and x.id != cid:
            continue
        if ctype is not None and client_type(x) != ctype:
            continue
        if user is not None and x.user != user:
            continue
        if addr is not None and x.addr != addr:
            continue
        if laddr is not None and x.laddr != laddr:
            continue
        if x is c and skipme:
            continue
        _kill(c, x)
        killed += 1
    return integer(killed)


# -- names ---------------------------------------------------------------------------
def _valid_attr(v):
    for b in v:
        if b < 33 or b > 126:
            return False
    return True


@command("client|setname")
def cmd_client_setname(c, argv):
    name = argv[2]
    if not _valid_attr(name):
        return error("ERR Client names " + _BAD_NAME)
    c.name = bytes(name)
    return OK


@command("client|getname")
def cmd_client_getname(c, argv):
    return bulk(c.name) if c.name else c.r.nil


@command("client|setinfo")
def cmd_client_setinfo(c, argv):
    attr = argv[2]
    a = attr.lower()
    val = argv[3]
    if a not in (b"lib-name", b"lib-ver"):
        return error(f"ERR Unrecognized option '{attr.decode('utf-8', 'replace')}'")
    if not _valid_attr(val):
        return error(f"ERR {attr.decode('utf-8', 'replace')} {_BAD_NAME}")
    if a == b"lib-name":
        c.lib_name = bytes(val)
    else:
        c.lib_ver = bytes(val)
    return OK


# -- modes ---------------------------------------------------------------------------
@command("client|reply")
def cmd_client_reply(c, argv):
    m = argv[2].lower()
    if m == b"on":
        c.reply_mode = 0
        c.update_gate()
        return OK
    if m == b"off":
        c.reply_mode = 1
        c.update_gate()
        return None
    if m == b"skip":
        if c.reply_mode == 0:
            c.reply_mode = 2
            c.update_gate()
        return None
    return E.SYNTAX


def _on_off_flag(c, argv, flag):
    v = argv[2].lower()
    if v == b"on":
        c.flags |= flag
    elif v == b"off":
        c.flags &= ~flag
    else:
        return E.SYNTAX
    return OK


@command("client|no-evict")
def cmd_client_no_evict(c, argv):
    return _on_off_flag(c, argv, F_NO_EVICT)


@command("client|no-touch")
def cmd_client_no_touch(c, argv):
    """Redis 7.2: F_NO_TOUCH on the client; while it is set the client's
    commands (other than TOUCH) leave keys' access time alone. The flag is
    one of the gate's states, so the gate is recomputed."""
    r = _on_off_flag(c, argv, F_NO_TOUCH)
    c.update_gate()
    return r


# -- UNBLOCK -------------------------------------------------------------------------
@command("client|unblock")
def cmd_client_unblock(c, argv):
    n = len(argv)
    if n > 4:
        return E.SYNTAX
    cid = parse_int(argv[2])
    if cid is None:
        return E.NOT_INT
    err = False
    if n == 4:
        m = argv[3].lower()
        if m == b"error":
            err = True
        elif m != b"timeout":
            return error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
    target = c.server.clients.get(cid)
    if target is None or not (target.flags & F_BLOCKED):
        return CZERO
    try:
        from shardis.runtime.blocking import unblock_client
    except ImportError:
        return CZERO
    return CONE if unblock_client(c.server, target, err) else CZERO


# -- client-side caching (CLIENT TRACKING) -------------------------------------------------
# Keys read by a tracking client are remembered in a table keyed by key name
# (across databases, as Redis does); a change to a key sends its trackers an
# invalidation: a RESP3 push, or a message on __redis__:invalidate to the
# redirect client when that one is a RESP2 subscriber. Changes are observed
# through the server's touch_watched hook (a sentinel entry in db.watched keeps
# it firing while tracking is in use); tracking clients run through the slow
# path, whose before/after hooks name the current client (NOLOOP) and remember
# the keys of read-only commands.
_TRACK_SENTINEL = object()
_INVALIDATE_CHANNEL = b"__redis__:invalidate"


class TrackOpts:
    __slots__ = ("redirect", "bcast", "optin", "optout", "noloop", "prefixes", "caching",
                 "broken")

    def __init__(self):
        self.redirect = 0
        self.bcast = self.optin = self.optout = self.noloop = False
        self.prefixes = []
        self.caching = False
        self.broken = False


class TrackingState:
    """Client-side caching (CLIENT TRACKING): made by the first CLIENT
    TRACKING ON and kept in ``server.tracking``. The server calls
    ``before``/``after`` around each call of a tracking client
    (Dispatcher.execute), ``key_modified`` for every changed key
    (Server.touch_watched: a sentinel entry in every ``db.watched`` keeps
    the databases from looking plain, so batch handlers leave the writes to
    the handlers) and ``flushed`` after FLUSHDB/FLUSHALL."""
    __slots__ = ("server", "table", "clients", "current", "bcast_pending", "_flushing")

    def __init__(self, srv):
        self.server = srv
        self.table = {}        # key -> set of client ids
        self.clients = {}      # client id -> TrackOpts
        self.current = None
        self.bcast_pending = None   # prefix -> {key: modifying client id}, sent in a batch
        self._flushing = False
        for db in srv.dbs:
            db.watched.setdefault(_TRACK_SENTINEL, [])
        srv.on_flush.append(self.flushed)
        srv.add_cleanup(lambda c: self.clients.pop(c.id, None))

    def key_modified(self, db, key):
        if key is not _TRACK_SENTINEL:
            _invalidate(self.server, self, key)

    def flushed(self, db):
        # FLUSHALL empties every database: one null invalidation per flush
        if self._flushing:
            return
        srv = self.server
        self._flushing = True
        if srv.loop is not None:
            srv.loop.call_soon(setattr, self, "_flushing", False)
        else:
            self._flushing = False
        for cid in list(self.clients):
            c = srv.clients.get(cid)
            if c is not None:
                if c is self.current:
                    _after_reply(srv, self, c, None)
                else:
                    _send_invalidation(srv, self, c, None)
        self.table.clear()

    def before(self, c):
        self.current = c

    def after(self, c, argv, cmd):
        self.current = None
        o = self.clients.get(c.id)
        if o is None:
            return
        if cmd.is_readonly and not o.bcast and c.flags & F_TRACKING:
            if (not o.optin and not o.optout) or (o.optin and o.caching) or \
                    (o.optout and not o.caching):
                from shardis.commands.keyspecs import get_keys
                for i, _ in get_keys(cmd, argv) or ():
                    self.table.setdefault(bytes(argv[i]), set()).add(c.id)
        # CACHING applies to the next command (CLIENT commands and a running
        # MULTI keep it, as in Redis)
        if not cmd.fullname.startswith("client|") and not c.flags & 1:   # F_MULTI
            o.caching = False

    def counts(self):
        """INFO stats: tracking_total_keys, _items, _prefixes."""
        return (len(self.table), sum(len(v) for v in self.table.values()),
                sum(len(o.prefixes) for o in self.clients.values()))


def _tstate(srv):
    if srv.tracking is None:
        srv.tracking = TrackingState(srv)
    return srv.tracking


def _invalidate(srv, st, key):
    origin = st.current
    ids = st.table.pop(key, None)
    if ids:
        for cid in ids:
            c = srv.clients.get(cid)
            if c is None or not c.flags & F_TRACKING:
                continue
            o = st.clients.get(cid)
            if o is None or o.bcast:
                continue
            if c is origin:
                if not o.noloop:
                    _after_reply(srv, st, c, key)
                continue
            _send_invalidation(srv, st, c, key)
    # broadcast mode: keys are collected per prefix and sent once the current
    # batch of commands is done (Redis sends them before going back to sleep)
    for cid, o in st.clients.items():
        if not o.bcast:
            continue
        for p in o.prefixes:
            if key.startswith(p):
                pend = st.bcast_pending
                if pend is None:
                    pend = st.bcast_pending = {}
                    if srv.loop is not None:
                        srv.loop.call_soon(_flush_bcast, srv, st)
                pend.setdefault(p, {})[key] = origin.id if origin is not None else 0
                break


def _after_reply(srv, st, c, key):
    """The running client's own change: Redis sends the invalidation after the
    command's reply."""
    if srv.loop is not None:
        srv.loop.call_soon(_send_invalidation, srv, st, c, key)
    else:
        _send_invalidation(srv, st, c, key)


def _flush_bcast(srv, st):
    pend, st.bcast_pending = st.bcast_pending, None
    if not pend:
        return
    for p in sorted(pend):
        keys = pend[p]
        for cid, o in list(st.clients.items()):
            if not o.bcast or p not in o.prefixes:
                continue
            c = srv.clients.get(cid)
            if c is None:
                continue
            ks = sorted(k for k, who in keys.items() if not (o.noloop and who == cid))
            if ks:
                _send_invalidation(srv, st, c, ks)


def _send_invalidation(srv, st, c, key):
    o = st.clients.get(c.id)
    target = c
    redirected = False
    if o is not None and o.redirect:
        target = srv.clients.get(o.redirect)
        if target is None:
            o.broken = True
            if c.resp > 2:
                c.push(b">2\r\n$21\r\ntracking-redir-broken\r\n" + integer(o.redirect))
            return
        redirected = True
    if key is None:
        value = b"_\r\n" if target.resp > 2 else b"$-1\r\n"
    elif key.__class__ is list:
        value = b"*%d\r\n" % len(key) + b"".join(bulk(k) for k in key)
    else:
        value = b"*1\r\n" + bulk(key)
    if target.resp > 2:
        target.push(b">2\r\n$10\r\ninvalidate\r\n" + value)
    elif redirected and target.channels_count():
        target.push(b"*3\r\n$7\r\nmessage\r\n" + bulk(_INVALIDATE_CHANNEL) + value)


def _overlap(a, b):
    return a.startswith(b) or b.startswith(a)


@command("client|tracking")
def cmd_client_tracking(c, argv):
    srv = c.server
    n = len(argv)
    redir = 0
    bcast = optin = optout = noloop = False
    prefixes = []
    j = 3
    while j < n:
        opt = argv[j].lower()
        more = j + 1 < n
        if opt == b"redirect" and more:
            j += 1
            if redir:
                return error("ERR A client can only redirect to a single other client")
            v = parse_int(argv[j])
            if v is None:
                return E.NOT_INT
            redir = v
            if redir not in srv.clients:
                return error("ERR The client ID you want redirect to does not exist")
        elif opt == b"bcast":
            bcast = True
        elif opt == b"optin":
            optin = True
        elif opt == b"optout":
            optout = True
        elif opt == b"noloop":
            noloop = True
        elif opt == b"prefix" and more:
            j += 1
            prefixes.append(bytes(argv[j]))
        else:
            return E.SYNTAX
        j += 1
    mode = argv[2].lower()
    st = _tstate(srv)
    cur = st.clients.get(c.id) if c.flags & F_TRACKING else None
    if mode == b"on":
        if prefixes and not bcast:
            return error("ERR PREFIX option requires BCAST mode to be enabled")
        if cur is not None and cur.bcast != bcast:
            return error("ERR You can't switch BCAST mode on/off before disabling tracking "
                         "for this client, and then re-enabling it with a different mode.")
        if bcast and (optin or optout):
            return error("ERR OPTIN and OPTOUT are not compatible with BCAST")
        if optin and optout:
            return error("ERR You can't specify both OPTIN mode and OPTOUT mode")
        if cur is not None and ((optin and cur.optout) or (optout and cur.optin)):
            return error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking "
                         "for this client, and then re-enabling it with a different mode.")
        if bcast:
            old = cur.prefixes if cur is not None else []
            for i, p in enumerate(prefixes):
                for q in old:
                    if _overlap(p, q) and p != q:
                        return error(f"ERR Prefix '{p.decode('utf-8', 'replace')}' overlaps "
                                     f"with an existing prefix '{q.decode('utf-8', 'replace')}'. "
                                     "Prefixes for a single client must not overlap.")
                for q in prefixes[i + 1:]:
                    if _overlap(p, q) and p != q:
                        return error(f"ERR Prefix '{p.decode('utf-8', 'replace')}' overlaps "
                                     f"with another provided prefix "
                                     f"'{q.decode('utf-8', 'replace')}'. "
                                     "Prefixes for a single client must not overlap.")
        _tstate(srv)
        o = cur or TrackOpts()
        o.redirect = redir
        o.bcast = bcast
        o.optin = optin
        o.optout = optout
        o.noloop = noloop
        o.broken = False
        if bcast:
            if not prefixes and b"" not in o.prefixes:
                prefixes = [b""]
            for p in prefixes:
                if p not in o.prefixes:
                    o.prefixes.append(p)
        st.clients[c.id] = o
        c.flags |= F_TRACKING
        c.update_gate()
        return OK
    if mode == b"off":
        st.clients.pop(c.id, None)
        c.flags &= ~F_TRACKING
        c.update_gate()
        return OK
    return E.SYNTAX


@command("client|caching")
def cmd_client_caching(c, argv):
    st = c.server.tracking
    o = st.clients.get(c.id) if st is not None and c.flags & F_TRACKING else None
    if o is None:
        return error("ERR CLIENT CACHING can be called only when the client is in tracking "
                     "mode with OPTIN or OPTOUT mode enabled")
    v = argv[2].lower()
    if v == b"yes":
        if not o.optin:
            return error("ERR CLIENT CACHING YES is only valid when tracking is enabled in "
                         "OPTIN mode.")
    elif v == b"no":
        if not o.optout:
            return error("ERR CLIENT CACHING NO is only valid when tracking is enabled in "
                         "OPTOUT mode.")
    else:
        return E.SYNTAX
    o.caching = True
    return OK


@command("client|trackinginfo")
def cmd_client_trackinginfo(c, argv):
    r = c.r
    st = c.server.tracking
    o = st.clients.get(c.id) if st is not None and c.flags & F_TRACKING else None
    if o is None:
        flags, redirect, prefixes = [b"off"], -1, []
    else:
        flags = [b"on"]
        if o.bcast:
            flags.append(b"bcast")
        if o.optin:
            flags.append(b"optin")
            if o.caching:
                flags.append(b"caching-yes")
        if o.optout:
            flags.append(b"optout")
            if o.caching:
                flags.append(b"caching-no")
        if o.noloop:
            flags.append(b"noloop")
        if o.broken:
            flags.append(b"broken_redirect")
        redirect = o.redirect
        prefixes = sorted(o.prefixes) if o.bcast else []
    return (r.map_header(3) + bulk(b"flags") + r.set_header(len(flags))
            + b"".join(bulk(f) for f in flags)
            + bulk(b"redirect") + integer(redirect) + bulk(b"prefixes")
            + b"*%d\r\n" % len(prefixes) + b"".join(bulk(p) for p in prefixes))


@command("client|getredir")
def cmd_client_getredir(c, argv):
    st = c.server.tracking
    o = st.clients.get(c.id) if st is not None and c.flags & F_TRACKING else None
    return integer(-1 if o is None else o.redirect)


command("client|help")(lambda c, argv: help_reply("CLIENT"))


# -- PAUSE / UNPAUSE ---------------------------------------------------------------------
class PauseState:
    __slots__ = ("end_ms", "mode", "timer", "waiting")

    def __init__(self):
        self.end_ms = 0
        self.mode = None       # None, "write" or "all"
        self.timer = None
        self.waiting = []      # paused clients, in arrival order


def _state(srv):
    return srv.pause


def setup(server):
    st = server.pause = PauseState()

    def pause_check(c, cmd, argv):
        if st.mode is None or c.kind == "replica" or c.flags & F_MASTER:
            return False
        if st.mode == "write":
            if not _is_write_like(c, cmd):
                return False
        c.pause_blocked = True
        c.pending = argv
        c.last_cmd = cmd.fullname      # CLIENT LIST cmd= names the held command, as Redis
        st.waiting.append(c)
        return True

    server.pause_check = pause_check

    def gone(c):
        if c in st.waiting:
            st.waiting.remove(c)
    server.add_cleanup(gone)


def _is_write_like(c, cmd):
    if cmd.is_write or cmd.may_replicate:
        return True
    if cmd.fullname == "exec" and c.multi_queue:
        return any(q[0].is_write or q[0].may_replicate for q in c.multi_queue)
    return False


def is_paused(server, write=False):
    """True while clients are paused (for expiry/eviction: Redis stops both)."""
    st = server.pause
    return st is not None and st.mode is not None


def pause(server, ms, mode):
    st = _state(server)
    now = time.time() * 1000
    end = now + ms
    # a new pause never shortens or weakens a running one
    if st.mode is not None:
        if st.mode == "all" and mode == "write":
            mode = "all"
        end = max(end, st.end_ms)
    st.mode = mode
    st.end_ms = end
    server.set_gate("pause", True)
    server.expire_keys_allowed = False      # no expiry while paused (a failover may follow)
    if st.timer is not None:
        st.timer.cancel()
    loop = server.loop
    if loop is not None:
        st.timer = loop.call_later(max(0.0, (end - now) / 1000.0), unpause, server)


def unpause(server):
    st = _state(server)
    if st.timer is not None:
        st.timer.cancel()
        st.timer = None
    st.mode = None
    st.end_ms = 0
    server.set_gate("pause", False)
    server.expire_keys_allowed = True
    waiting, st.waiting = st.waiting, []
    if waiting and server.loop is not None:
        server.loop.call_soon(_resume_all, server, waiting)


def _blocked_marker():
    from shardis.runtime.clientflags import BLOCKED     # runtime only: the server is up
    return BLOCKED


def _resume_all(server, clients):
    for c in clients:
        if c.closed or not c.pause_blocked:
            continue
        argv = c.pending
        c.pending = None
        c.pause_blocked = False
        if argv is None:
            c.resume()
            continue
        srv = c.server
        try:
            reply = srv.dispatch.call_slow(c, argv, None)
        except Exception as e:
            reply = srv.dispatch.internal_error(c, argv, e)
        srv.stat_numcommands += 1
        if c.pause_blocked:        # paused again by a newer pause
            continue
        BLOCKED = _blocked_marker()
        if reply is not None and reply is not BLOCKED:
            c.write(reply)
        if reply is BLOCKED:
            continue
        if c.flags & F_CLOSE_AFTER_REPLY:
            c.close()
            continue
        c.resume()


@command("client|pause")
def cmd_client_pause(c, argv):
    n = len(argv)
    if n > 4:
        return E.SYNTAX
    ms = parse_int(argv[2])
    if ms is None:
        return error("ERR timeout is not an integer or out of range")
    if ms < 0:
        return error("ERR timeout is negative")
    mode = "all"
    if n == 4:
        m = argv[3].lower()
        if m == b"write":
            mode = "write"
        elif m != b"all":
            return error("ERR CLIENT PAUSE mode must be WRITE or ALL")
    pause(c.server, ms, mode)
    return OK


@command("client|unpause")
def cmd_client_unpause(c, argv):
    unpause(c.server)
    return OK
