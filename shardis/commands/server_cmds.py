"""Server introspection and control: INFO, TIME, LASTSAVE, SHUTDOWN, SLOWLOG,
LATENCY, MONITOR, RESET, ROLE (DEBUG is in debug.py)."""
import time

from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands import errors as E
from shardis.commands.util import parse_int
from shardis.protocol.resp import OK, bulk, error, integer, bulk_array

RESET_REPLY = b"+RESET\r\n"


def setup(server):
    # Administrative commands are never shown to MONITOR clients (Redis hides
    # them because they may carry secrets).
    for cmd in server.all_commands.values():
        subs = [cmd] + list((cmd.subcommands or {}).values())
        for c in subs:
            if c.is_admin or (c.parent is not None and c.parent.is_admin):
                c.skip_monitor = True
    from shardis.runtime.info import _mem_state
    _mem_state(server)


# -- INFO -------------------------------------------------------------------------
@command("info")
def cmd_info(c, argv):
    from shardis.runtime.info import generate
    args = [a.decode("utf-8", "replace") for a in argv[1:]]
    text = generate(c.server, args).encode()
    return c.r.verbatim(text)


# -- TIME / LASTSAVE / ROLE ----------------------------------------------------------
@command("time")
def cmd_time(c, argv):
    t = time.time_ns() // 1000
    return bulk_array([b"%d" % (t // 1000000), b"%d" % (t % 1000000)])


@command("lastsave")
def cmd_lastsave(c, argv):
    return integer(c.server.lastsave)


@command("role")
def cmd_role(c, argv):
    return b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"     # replication comes with issue 15


# -- SHUTDOWN -----------------------------------------------------------------------
_SHUTDOWN_OPTIONS = {b"nosave", b"save", b"now", b"force", b"abort"}


@command("shutdown")
def cmd_shutdown(c, argv):
    srv = c.server
    opts = {a.lower() for a in argv[1:]}
    if not opts <= _SHUTDOWN_OPTIONS:
        return E.SYNTAX
    save, nosave, abort = b"save" in opts, b"nosave" in opts, b"abort" in opts
    if (abort and len(argv) != 2) or (save and nosave):
        return E.SYNTAX
    if abort:
        # a shutdown waits for nothing yet (replicas, issue 15), so none can be aborted
        return error("ERR No shutdown in progress.")
    how = "nosave" if nosave else ("save" if save else "default")
    srv.log("warning", "User requested shutdown...")
    srv.request_shutdown(how)
    return None


# -- SLOWLOG -------------------------------------------------------------------------
@command("slowlog|get")
def cmd_slowlog_get(c, argv):
    if len(argv) > 3:
        return error("ERR unknown subcommand or wrong number of arguments for "
                     f"'{argv[1].decode('utf-8', 'replace')}'. Try SLOWLOG HELP.")
    count = 10
    if len(argv) == 3:
        count = parse_int(argv[2])
        if count is None or count < -1:
            return error("ERR count should be greater than or equal to -1")
    entries = c.server.slowlog.entries
    if count == -1 or count > len(entries):
        count = len(entries)
    out = [b"*%d\r\n" % count]
    for i in range(count):
        eid, ts, usec, args, addr, name = entries[i]
        out.append(b"*6\r\n" + integer(eid) + integer(ts) + integer(usec))
        out.append(bulk_array(args))
        out.append(bulk(addr))
        out.append(bulk(name))
    return b"".join(out)


@command("slowlog|len")
def cmd_slowlog_len(c, argv):
    return integer(len(c.server.slowlog.entries))


@command("slowlog|reset")
def cmd_slowlog_reset(c, argv):
    c.server.slowlog.reset()
    return OK


command("slowlog|help")(lambda c, argv: help_reply("SLOWLOG"))
# -- LATENCY -------------------------------------------------------------------------
@command("latency|latest")
def cmd_latency_latest(c, argv):
    ev = c.server.latency.events
    out = [b"*%d\r\n" % len(ev)]
    for name, e in ev.items():
        ts, ms = e["history"][-1]
        nb = name.encode()
        out.append(b"*4\r\n" + bulk(nb) + integer(ts) + integer(ms) + integer(e["max"]))
    return b"".join(out)


@command("latency|history")
def cmd_latency_history(c, argv):
    e = c.server.latency.events.get(argv[2].decode("utf-8", "replace"))
    if e is None:
        return b"*0\r\n"
    h = e["history"]
    return b"*%d\r\n" % len(h) + b"".join(b"*2\r\n" + integer(ts) + integer(ms) for ts, ms in h)


@command("latency|reset")
def cmd_latency_reset(c, argv):
    names = [a.decode("utf-8", "replace") for a in argv[2:]]
    return integer(c.server.latency.reset(names))


@command("latency|graph")
def cmd_latency_graph(c, argv):
    name = argv[2].decode("utf-8", "replace")
    e = c.server.latency.events.get(name)
    if e is None:
        return error(f"ERR No samples available for event '{name}'")
    from shardis.runtime.stats import latency_graph
    text = latency_graph(name, e, int(time.time()))
    return c.r.verbatim(text.encode())


@command("latency|doctor")
def cmd_latency_doctor(c, argv):
    from shardis.runtime.stats import latency_doctor
    return c.r.verbatim(latency_doctor(c.server).encode())


@command("latency|histogram")
def cmd_latency_histogram(c, argv):
    from shardis.runtime.info import hist_cdf_usec
    srv = c.server
    cmds = []
    if len(argv) == 2:
        for cmd in srv.all_commands.values():
            cmds.append(cmd)
            if cmd.subcommands:
                cmds.extend(cmd.subcommands.values())
    else:
        for a in argv[2:]:      # as Redis: each name once per mention, a container with its subcommands
            cmd = lookup_command_by_name(srv, a)
            if cmd is not None:
                cmds.append(cmd)
                if cmd.subcommands:
                    cmds.extend(cmd.subcommands.values())
    r = c.r
    parts = []
    for cmd in cmds:
        total = cmd.calls
        if not total:
            continue
        cdf = hist_cdf_usec(cmd.hist)
        body = r.map_header(len(cdf)) + b"".join(integer(u) + integer(n) for u, n in cdf)
        name = cmd.fullname.encode()
        parts.append(bulk(name) + r.map_header(2) + bulk(b"calls") + integer(total)
                     + bulk(b"histogram_usec") + body)
    return r.map_header(len(parts)) + b"".join(parts)


command("latency|help")(lambda c, argv: help_reply("LATENCY"))
def lookup_command_by_name(srv, name):
    """A Command by its full name ('get', 'config|get'), case-insensitive."""
    s = name.decode("utf-8", "replace").lower() if isinstance(name, bytes) else name.lower()
    if "|" in s:
        parent, _, sub = s.partition("|")
        p = srv.all_commands.get(parent)
        if p is None or not p.subcommands:
            return None
        return p.subcommands.get(sub)
    return srv.all_commands.get(s)


# -- MONITOR -------------------------------------------------------------------------
@command("monitor")
def cmd_monitor(c, argv):
    from shardis.runtime.clientflags import F_MONITOR
    if c.flags & F_MONITOR:
        return None
    c.flags |= F_MONITOR
    c.server.monitors.append(c)
    c.server.update_call_hooks()
    return OK


# -- RESET ---------------------------------------------------------------------------
@command("reset")
def cmd_reset(c, argv):
    """Back to a fresh connection's state, as Redis's RESET: leave MULTI and
    WATCH, drop subscriptions and tracking, stop MONITOR, db 0, RESP2, no name,
    replies on, no-touch off; authenticated only if the default user needs no
    password."""
    from shardis.runtime import clientflags as C
    from shardis.protocol.resp import RESP2
    srv = c.server
    # subsystems clean a client's state (MULTI/WATCH, subscriptions, tracking,
    # blocking) through their client_gone hooks: the same work as a disconnect
    for fn in srv.on_client_gone:
        try:
            fn(c)
        except Exception as e:
            srv.log("warning", f"RESET cleanup failed for client {c.id}: {e!r}")
    # no-evict survives a RESET (as in redis-server)
    c.flags &= ~(C.F_MULTI | C.F_DIRTY_EXEC | C.F_DIRTY_CAS | C.F_NO_TOUCH
                 | C.F_TRACKING | C.F_READONLY | C.F_PUBSUB)
    c.multi_queue = None
    c.watched_keys = None
    c.channels = None
    c.patterns = None
    c.shard_channels = None
    if c.flags & C.F_MONITOR:
        c.flags &= ~C.F_MONITOR
        if c in srv.monitors:
            srv.monitors.remove(c)
            srv.update_call_hooks()
    c.db = srv.dbs[0]
    c.resp = 2
    c.r = RESP2
    c.name = b""
    c.reply_mode = 0
    c.user = "default"
    c.authenticated = not srv.requirepass
    c.update_gate()
    return RESET_REPLY
