"""One connection: an asyncio.Protocol that parses, dispatches and replies.

The hot path (``process_input``) runs every complete command in the input
synchronously and queues all their replies at once; each client's output is
written with one ``transport.write`` at the end of the event-loop iteration
(``defer_write``).
Checks that only matter when a feature is in use (auth, MULTI, pub/sub
context, reply modes, OOM, client pause, cluster) are behind one boolean,
``self.gated or server.gated``; the common case pays for a dict lookup, an
arity check, the call and its statistics, and a run of one command goes to
the command's batch handler when it has one (commands.batch). A read holding
one command takes a shorter path in ``data_received``.
"""
import asyncio
import time

from shardis.native import set_clock as _set_clock
from shardis.protocol.request import RequestReader, ProtocolErr
from shardis.protocol.resp import RESP2, error

from shardis.runtime.clientflags import *  # noqa: F401,F403  (flags and BLOCKED)
from shardis.runtime.clientflags import BLOCKED

_perf_ns = time.perf_counter_ns
_time = time.time

# The latency-histogram bucket of a duration dt (ns) is (dt*dt).bit_length();
# tabulated for the usual short durations.
_NBUCKET = 1 << 14
_BUCKET = [(d * d).bit_length() for d in range(_NBUCKET)]


# A slowlog or latency-monitor threshold under this (ns) makes the hot loop
# time every command by itself instead of by runs.
RUN_MIN_THRESHOLD_NS = 1000000


def _account(c, cmd, n, dt, cmds, end):
    """Statistics of a run of ``n`` calls of ``cmd`` that took ``dt`` ns in
    all, ``cmds[end - n:end]``: the time, the calls (each in the latency
    histogram at the run's mean) and, past a threshold, the slow log and
    latency monitor (every call of the run at the mean)."""
    c.last_cmd = cmd.fullname
    cmd.usec += dt
    per = dt // n if n > 1 else dt
    cmd.hist[_BUCKET[per] if per < _NBUCKET else (per * per).bit_length()] += n
    srv = c.server
    if per > srv.slow_ns:
        slow_call = srv.dispatch.slow_call
        for argv in cmds[end - n:end]:
            slow_call(c, argv, cmd, per)


class Client(asyncio.Protocol):
    __slots__ = (
        "server", "transport", "reader", "id", "db", "r", "resp", "name", "lib_name",
        "lib_ver", "flags", "authenticated", "user", "gated", "addr", "laddr", "fd",
        "ctime", "last_interaction", "last_cmd", "current_sub", "multi_queue", "watched_keys",
        "channels", "patterns", "shard_channels", "reply_mode", "blocked_on", "block_deadline",
        "block_timer", "block_state", "paused_reading", "pending", "closed", "out_soft_since",
        "argv_mem", "kind", "unix", "sock",
        "pause_blocked", "outq", "queued", "push_buf", "obuf_high", "prop_argv",
    )

    def __init__(self, server, unix=False):
        self.server = server
        self.transport = None
        self.reader = RequestReader(server.proto_max_bulk_len)
        self.id = 0
        self.db = server.dbs[0]
        self.r = RESP2
        self.resp = 2
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.flags = 0
        self.authenticated = not server.requirepass
        self.user = "default"
        self.gated = not self.authenticated
        self.addr = "?:0"
        self.laddr = "?:0"
        self.fd = -1
        self.ctime = _time()
        self.last_interaction = int(self.ctime * 1000)    # ms, as server.now_ms
        self.last_cmd = b"NULL"
        self.current_sub = None
        self.multi_queue = None
        self.watched_keys = None
        self.channels = None
        self.patterns = None
        self.shard_channels = None
        self.reply_mode = 0           # 0 on, 1 off, 2 skip next
        self.blocked_on = None
        self.block_deadline = 0
        self.block_timer = None
        self.block_state = None
        self.paused_reading = False
        self.pending = None           # commands held while blocked/paused
        self.closed = False
        self.out_soft_since = 0
        self.argv_mem = 0
        self.kind = "normal"
        self.unix = unix
        self.sock = None
        self.pause_blocked = False
        self.outq = None              # replies of the batch being run (see push)
        self.queued = None            # parsed commands held while blocked/paused
        self.push_buf = None          # output waiting for the end of this loop iteration (defer_write)
        self.obuf_high = False        # output buffer above server.obuf_check_min (pause_writing)
        self.prop_argv = None         # what the running command propagates (runtime.propagate)

    # -- asyncio.Protocol ---------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        srv = self.server
        self.set_obuf_watermark(srv.obuf_check_min)
        sock = transport.get_extra_info("socket")
        self.sock = sock
        try:
            self.fd = sock.fileno()
        except Exception:
            self.fd = -1
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        if self.unix:
            self.addr = f"{local}:0"
            self.laddr = f"{local}:0"
            self.flags |= F_UNIX
        else:
            self.addr = _fmt_addr(peer)
            self.laddr = _fmt_addr(local)
        if not srv.accept_client(self):
            return
        if not self.unix and srv.tcp_keepalive > 0 and sock is not None:
            _set_keepalive(sock, srv.tcp_keepalive)

    def connection_lost(self, exc):
        if not self.closed:
            self.closed = True
            self.server.client_gone(self)

    # Output limits: the transport calls pause_writing once its buffer holds
    # more than server.obuf_check_min bytes (the smallest limit of any class)
    # and resume_writing when it is back at or below it, so a write asks for
    # the buffer size only while a limit could be reached.
    def set_obuf_watermark(self, high):
        try:
            self.transport.set_write_buffer_limits(high=high, low=high)
        except (AttributeError, ValueError, TypeError):
            self.obuf_high = True       # a transport without flow control: always check

    def pause_writing(self):
        self.obuf_high = True

    def resume_writing(self):
        self.obuf_high = False

    def data_received(self, data):
        srv = self.server
        srv.stat_net_input_bytes += len(data)
        if self.flags & F_BLOCKED or self.pause_blocked:
            self.reader.feed(data)
            self._check_qbuf()
            return
        cmds = self.reader.feed_read(data)
        if len(cmds) == 1 and self.queued is None and not (self.gated or srv.gated):
            # One command in the read (the pipeline-1 case), ungated:
            # process_input's loop without its run bookkeeping.
            argv = cmds[0]
            cmd = srv.fast_commands.get(argv[0]) if argv.__class__ is list else None
            if cmd is not None and cmd.amin <= len(argv) <= cmd.amax:
                self.outq = out = []
                t = _perf_ns()
                srv.now_ms = now = (t + srv.clock_offset_ns) // 1000000
                _set_clock(now)     # the key table's clock for access fields
                reply = srv.dispatch.call(self, argv, cmd, t)
                srv.stat_numcommands += 1
                self.last_interaction = srv.now_ms
                if reply.__class__ is bytes:
                    out.append(reply)
                if srv.ready_keys:
                    # served after this reply is queued: what serving them
                    # pushes to this client (keyspace events) comes after it
                    srv.handle_ready_keys()
                self.outq = None
                self._end_read(out)
                return
        self.process_input(cmds)

    # -- the hot path ---------------------------------------------------------
    def process_input(self, cmds=None):
        """Run the commands of a read (``cmds``), or whatever the reader holds.

        Per command the common case costs one dict get (``srv.fast_commands``
        holds no container, connection-state or MULTI command: those go to
        ``call_slow``), the gate and arity tests, the call, the error test and
        two rare-case flags; a run's plain calls go to the command's batch
        handler in one call. Time is accounted per *run*: consecutive calls of
        one FAST, non-blocking command (a pipeline of GETs) are timed together and each call
        is counted at the run's mean (see docs/ARCHITECTURE.md, "Hot path");
        other commands, and every command while a slowlog or latency threshold
        under RUN_MIN_THRESHOLD_NS is set, are timed one by one."""
        srv = self.server
        if cmds is None:
            cmds = self.reader.read_all()
        if self.queued is not None:
            # commands read earlier but held while the client was blocked/paused
            held = self.queued
            self.queued = None
            held.extend(cmds)
            cmds = held
        if not cmds:
            if self.reader.pending_bytes > srv.client_query_buffer_limit:
                self._qbuf_overflow()
            return
        perr = None
        if cmds[-1].__class__ is ProtocolErr:   # the reader puts one last, if any
            perr = cmds.pop()
        table = srv.fast_commands
        self.outq = out = []
        t = _perf_ns()      # start of the current run
        srv.now_ms = now = (t + srv.clock_offset_ns) // 1000000
        _set_clock(now)     # the key table's clock for access fields
        solo = srv.slow_ns < RUN_MIN_THRESHOLD_NS
        gated = self.gated or srv.gated     # changed only by slow-path commands
        n = len(cmds)
        ncmds = n           # commands consumed (fewer when the loop breaks)
        i = 0
        while i < n:
            argv = cmds[i]
            cmd = table.get(argv[0])
            if cmd is None or gated or not cmd.amin <= len(argv) <= cmd.amax:
                if self._call_slow(argv, cmd, out):
                    ncmds = i + 1
                    break
                gated = self.gated or srv.gated
                t = _perf_ns()
                i += 1
                continue
            batch = cmd.batch
            if solo or srv.call_hooks or (batch is None and not cmd.in_runs):
                if self._call_alone(argv, cmd, out, t):
                    ncmds = i + 1
                    break
                t = _perf_ns()
                i += 1
                continue
            # A run: cmds[i:] calling ``cmd`` with a valid arity. Its batch
            # handler, if any, takes the plain cases in one call; the rest of
            # a FAST command's run goes one by one below.
            start = i
            if batch is not None and self.db.plain():
                # the calls it can take: this name (as sent) with its arity
                name = argv[0]
                arity = cmd.batch_arity
                run = cmds[i:] if i else cmds
                j = 0
                for a in run:
                    if a[0] != name or len(a) != arity:
                        run = run[:j]
                        break
                    j += 1
                if j:
                    k = len(out)
                    try:
                        i += batch(self, run, out)
                    except Exception as e:  # a bug must cost one reply, not the connection
                        i += len(out) - k
                        out.append(srv.dispatch.internal_error(self, cmds[i], e))
                        i += 1
            if not cmd.in_runs:
                # a command that is not FAST: what its batch declined is timed alone
                if i == start:
                    if self._call_alone(argv, cmd, out, t):
                        ncmds = i + 1
                        break
                    t = _perf_ns()
                    i += 1
                    continue
            else:
                amin = cmd.amin
                amax = cmd.amax
                handler = cmd.handler
                while i < n:
                    argv = cmds[i]
                    if table.get(argv[0]) is not cmd or not amin <= len(argv) <= amax:
                        break
                    # A command in a run (FAST, not BLOCKING) never blocks nor stays
                    # silent (tests/unit/test_fast_path.py), so its reply is bytes;
                    # if one were not, the comparison raises and the client gets an error.
                    try:
                        reply = handler(self, argv)
                        if b"-" <= reply < b".":        # an error reply
                            srv.dispatch.count_error(cmd, reply)
                    except Exception as e:  # a bug must cost one reply, not the connection
                        reply = srv.dispatch.internal_error(self, argv, e)
                    out.append(reply)
                    i += 1
                    if srv.ready_keys:
                        # clients blocked on keys this command wrote are served
                        # after its reply is queued, as Redis does after call()
                        break
            t1 = _perf_ns()
            _account(self, cmd, i - start, t1 - t, cmds, i)
            t = t1
            if srv.ready_keys:
                srv.handle_ready_keys()
                gated = self.gated or srv.gated
                t = _perf_ns()
        if perr is not None:
            if ncmds == len(cmds):
                out.append(error("ERR " + perr.message))
                srv.stat_protocol_errors += 1
                self.flags |= F_CLOSE_AFTER_REPLY
            else:
                cmds.append(perr)       # after the commands held for later
        if srv.ready_keys:
            srv.handle_ready_keys()
        if ncmds < len(cmds) and not self.flags & F_CLOSE_AFTER_REPLY:
            self.queued = cmds[ncmds:]
        self.outq = None
        if ncmds:
            srv.stat_numcommands += ncmds
            self.last_interaction = srv.now_ms
        self._end_read(out)

    def _end_read(self, out):
        """The end of a read: queue the replies gathered in ``out`` for the
        end of the loop iteration (defer_write), or write them at once when
        the read before was this client's too (``server.last_reader``), then
        close if a command asked for it, or check the query buffer."""
        srv = self.server
        if out:
            data = out[0] if len(out) == 1 else b"".join(out)
            if self.push_buf is not None or self.closed or srv.loop is None:
                self.defer_write(data)
            elif srv.last_reader != self.id:
                # defer_write inlined: this client's first output in this iteration
                srv.last_reader = self.id
                pw = srv.pending_writes
                if not pw:
                    srv.loop.call_soon(srv.flush_writes)
                self.push_buf = [data]
                pw.append(self)
            else:
                # the same client as the read before: nobody else's reply can share
                # the wake-up (write inlined)
                self.transport.write(data)
                srv.stat_net_output_bytes += len(data)
                if self.obuf_high and self.transport.get_write_buffer_size() > srv.obuf_check_min:
                    srv.dispatch.check_output_limits(self)
        if self.flags & F_CLOSE_AFTER_REPLY:
            self.close()
        elif self.reader.pending_bytes > srv.client_query_buffer_limit:
            self._qbuf_overflow()

    def _call_alone(self, argv, cmd, out, t):
        """One call timed by itself (``Dispatcher.call``, from ``t``): a
        command that is not FAST or may block, any command while a slowlog or
        latency threshold under RUN_MIN_THRESHOLD_NS is set or while MONITOR
        or propagation watch each call. True when the batch must stop here
        (the client blocked)."""
        srv = self.server
        reply = srv.dispatch.call(self, argv, cmd, t)
        if reply is not None:
            if reply is BLOCKED:
                return True
            out.append(reply)
        if srv.ready_keys:
            srv.handle_ready_keys()
        return False

    def _call_slow(self, argv, cmd, out):
        """The hot loop's slow path for one command (unknown, gated, arity
        error, containers, QUIT). True when the batch must stop here."""
        srv = self.server
        try:
            reply = srv.dispatch.call_slow(self, argv, cmd)
        except Exception as e:  # a bug must cost one reply, not the connection
            reply = srv.dispatch.internal_error(self, argv, e)
        if reply is not None:
            if reply is BLOCKED:
                return True
            out.append(reply)
        if srv.ready_keys:
            srv.handle_ready_keys()
        return bool(self.flags & F_CLOSE_AFTER_REPLY or self.pause_blocked)

    def write(self, data):
        """Send bytes now (one transport.write) and enforce output limits.
        Pushes still waiting in ``push_buf`` go first."""
        if self.closed:
            return
        if self.push_buf is not None:
            buf = self.push_buf
            self.push_buf = None
            buf.append(data)
            data = b"".join(buf)
        self.transport.write(data)
        self.server.stat_net_output_bytes += len(data)
        if self.obuf_high and self.transport.get_write_buffer_size() > self.server.obuf_check_min:
            self.server.dispatch.check_output_limits(self)

    def push(self, data):
        """Write an out-of-band message (pub/sub, invalidation, monitor).
        While this client's own commands run, the message joins the batch's
        replies at the current position (Redis writes it into the client's
        buffer ahead of the running command's reply); otherwise it waits
        for the end of the iteration with the replies (defer_write), so a
        burst of PUBLISHes costs one write per subscriber, not one each."""
        q = self.outq
        if q is not None:
            q.append(data)
        else:
            self.defer_write(data)

    def defer_write(self, data):
        """Queue output for the end of this event-loop iteration, where
        Server.flush_writes writes each client's output with one
        transport.write. Redis does the same (replies go out before it sleeps):
        all of an iteration's reads are served first, so a peer with many
        connections (redis-benchmark) is woken once for many replies rather
        than once per reply. Without a loop (in-process tests) it writes now.
        (_end_read writes a read's replies at once when the read before was
        the same client's: the end-of-iteration callback costs about 6,000
        instructions and a lone busy connection shares no wake-up.)"""
        if self.closed:
            return
        buf = self.push_buf
        if buf is not None:
            buf.append(data)
            return
        srv = self.server
        if srv.loop is None:
            self.write(data)
            return
        self.push_buf = [data]
        pw = srv.pending_writes
        if not pw:
            srv.loop.call_soon(srv.flush_writes)
        pw.append(self)

    def flush_pushes(self):
        """Write the output queued by ``defer_write``."""
        if self.push_buf is not None:
            buf = self.push_buf
            self.push_buf = None
            self.write(b"".join(buf) if len(buf) > 1 else buf[0])

    def close(self):
        """Close after flushing what was written."""
        if self.closed:
            return
        if self.push_buf is not None:
            self.flush_pushes()         # what was queued goes before the close
            if self.closed:             # the write hit an output limit
                return
        self.closed = True
        self.server.client_gone(self)
        if self.transport is not None:
            self.transport.close()

    def close_now(self):
        """Drop the connection without flushing (output limits, CLIENT KILL)."""
        self.push_buf = None
        if self.transport is not None:
            self.transport.abort()
        self.close()

    def _check_qbuf(self):
        if self.reader.pending_bytes > self.server.client_query_buffer_limit:
            self._qbuf_overflow()

    def _qbuf_overflow(self):
        srv = self.server
        srv.log("warning", f"Closing client that reached max query buffer length: id={self.id} addr={self.addr}")
        srv.stat_client_qbuf_limit_disconnections += 1
        self.close_now()

    def update_gate(self):
        """Recompute ``gated``: call after changing auth, MULTI, subscriptions,
        RESP version, reply mode, client tracking or CLIENT NO-TOUCH."""
        self.gated = bool(not self.authenticated or self.flags & (F_MULTI | F_TRACKING | F_NO_TOUCH)
                          or self.reply_mode or (self.resp == 2 and self.channels_count()))

    def channels_count(self):
        """Number of channels, patterns and shard channels subscribed."""
        n = 0
        if self.channels:
            n += len(self.channels)
        if self.patterns:
            n += len(self.patterns)
        if self.shard_channels:
            n += len(self.shard_channels)
        return n

    # -- blocking -------------------------------------------------------------
    def resume(self):
        """Continue with the input held while the client was blocked or paused."""
        if self.closed:
            return
        if self.paused_reading:
            self.paused_reading = False
            try:
                self.transport.resume_reading()
            except Exception:
                pass
        self.process_input()

    def pause_input(self):
        if not self.paused_reading and self.transport is not None:
            self.paused_reading = True
            try:
                self.transport.pause_reading()
            except Exception:
                pass


def _fmt_addr(a):
    if not a:
        return "?:0"
    if isinstance(a, tuple):
        host, port = a[0], a[1]
        return f"{host}:{port}"
    return f"{a}:0"


def _set_keepalive(sock, interval):
    import socket
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, interval)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(1, interval // 3))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
    except OSError:
        pass
