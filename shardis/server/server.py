"""The Server: owns the configuration, databases, clients, statistics and the
subsystems; starts the listener and the cron.

It is also the ``ctx`` that keyspace.Database calls back (clock, counters,
notify, watch, expiry propagation), so the keyspace never imports the server.
"""
import asyncio
import gc
import os
import signal
import socket
import sys
import time

from shardis import __version__
from shardis.config import Config, ConfigError
from shardis.config_table import directives
from shardis.keyspace.db import Database
from shardis.native import set_clock
from shardis.commands.registry import build
from shardis.server.client import Client, F_MULTI, F_DIRTY_CAS, F_MONITOR
from shardis.server.dispatch import Dispatcher
from shardis.runtime.stats import SlowLog, LatencyMonitor
from shardis.runtime.propagate import Propagation, del_command
from shardis.commands.transactions import touch_watched
from shardis.protocol.resp import error

# Commands the hot loop leaves to Dispatcher.call_slow (see fast_commands):
# the loop reads the client's and the server's gates once per read and again
# after each slow call, so a command whose handler changes a gate (MULTI,
# subscriptions, AUTH, HELLO, RESET) or closes the connection (QUIT) must run
# there. tests/unit/test_fast_path.py finds such handlers in the sources.
SLOW_PATH_ONLY = frozenset({
    "quit", "multi", "exec", "discard", "auth", "hello", "reset",
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe",
})

LOG_LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}


class Server:
    def __init__(self, config=None):
        self.config = config or Config(directives())
        cfg = self.config
        self.start_time = time.time()
        self.now_ms = int(self.start_time * 1000)
        # wall clock = perf_counter_ns() + clock_offset_ns: the hot loop reads
        # one clock per read; cron re-synchronises the offset hz times a second
        self.clock_offset_ns = time.time_ns() - time.perf_counter_ns()
        self.run_id = os.urandom(20).hex()
        self.pid = os.getpid()
        self.version = __version__
        # key tables are made grouped by hash slot in cluster mode, in the access
        # mode of the maxmemory policy (commands.object_cmds sets access_mode)
        self.cluster_enabled = bool(cfg["cluster-enabled"])
        self.access_mode = None        # KeyTable.set_access_mode arguments
        self.lfu_on = False            # an LFU maxmemory policy is selected
        self.dbs = [Database(i, self) for i in range(cfg["databases"])]
        self.commands, self.all_commands = build()
        # The hot loop's table (client.process_input): bytes names only, and no
        # command whose after-call work it skips (containers account to their
        # subcommand; QUIT closes the connection): those run through call_slow.
        self.fast_commands = {
            name: cmd for name, cmd in self.commands.items()
            if name.__class__ is bytes and cmd.subcommands is None
            and cmd.fullname not in SLOW_PATH_ONLY}
        self.dispatch = Dispatcher(self)
        self.clients = {}
        self.next_client_id = 1
        self.monitors = []
        self.call_hooks = False        # monitors or propagate_on: see update_call_hooks
        self.gated = False             # some reason in gate_reasons holds (set_gate)
        self.gate_reasons = set()
        self.pause_check = None        # fn(c, cmd, argv) -> held? (commands.client_cmds, CLIENT PAUSE)
        self._propagate_on = False
        self.propagation = Propagation(self)   # the stream AOF and replicas subscribe to
        self.expire_keys_allowed = True
        self.no_touch = False          # set around a CLIENT NO-TOUCH client's call (Dispatcher.execute)
        self.dirty = 0
        self.notify_on = False
        self.loop = None
        self.pending_writes = []       # clients with output for the end of this iteration
        self.last_reader = 0           # id of the client whose read queued output last
        self.listeners = []
        self.shutdown_requested = None
        self.cron_handlers = []        # callables run every cron tick with (server)
        self.ready_keys = []           # (db, key) written while clients block on them
        # Subsystems and the hooks they install: every one is declared here and
        # installed by server.wiring, in its order; a hook list nobody fills stays empty.
        self.handle_ready_keys = None  # fn(): serve clients blocked on ready_keys (runtime.blocking)
        self.blocked_clients = 0       # clients blocked on keys (runtime.blocking)
        self.pubsub = None             # commands.pubsub.PubSub: channels, patterns, PUBLISH
        self.notifier = None           # keyspace.notify.Notifier (notify-keyspace-events)
        self.tracking = None           # commands.client_cmds.TrackingState, once CLIENT TRACKING is used
        self.pause = None              # commands.client_cmds.PauseState (CLIENT PAUSE)
        self.scripting = None          # scripting.engine.ScriptEngine (server.scripts)
        self.busy_reply = None         # the BUSY error while a script runs past busy-reply-threshold
        self.mem_state = None          # runtime.info's memory baseline (used_memory_startup, peak)
        self.reply_cache = {}          # replies built once per (kind, RESP version): COMMAND INFO/DOCS
        self.on_flush = []             # fn(db) after a database was emptied
        self.on_client_gone = []       # fn(client) when a connection ends
        self.on_client_reset = []      # fn(client) on RESET
        self.on_shutdown = []          # fn() before the listeners close
        self.role = "master"           # ROLE, INFO replication, HELLO
        self.replid = os.urandom(20).hex()
        self.aof_flush_sleep = 0       # DEBUG AOF-FLUSH-SLEEP (for the AOF, when it exists)
        self.executable = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        self.lastsave = int(time.time())
        self.slowlog = SlowLog(self)
        self.latency = LatencyMonitor(self)
        self.reset_stats()
        self.stat_numconnections = 0
        self.stat_rejected_conn = 0
        self.obuf_check_min = 0
        from shardis.server import wiring
        wiring.install(self)
        self._apply_hooks()

    # -- statistics ---------------------------------------------------------------
    @property
    def propagate_on(self):
        """True while the propagation stream has consumers (the AOF, replicas)."""
        return self._propagate_on

    @propagate_on.setter
    def propagate_on(self, on):
        self._propagate_on = bool(on)
        self.update_call_hooks()

    def update_call_hooks(self):
        """Recompute ``call_hooks`` after MONITOR clients come or go or
        propagation is switched: every call then goes through
        Dispatcher.call_observed (no runs, no batch handlers)."""
        self.call_hooks = bool(self.monitors) or self._propagate_on

    def reset_stats(self):
        """CONFIG RESETSTAT: counters back to zero (not the clients' own)."""
        self.stat_numcommands = 0
        self.stat_keyspace_hits = 0
        self.stat_keyspace_misses = 0
        self.stat_expiredkeys = 0
        self.stat_expired_stale_perc = 0.0
        self.stat_expired_time_cap_reached_count = 0
        self.stat_evictedkeys = 0
        self.stat_net_input_bytes = 0
        self.stat_net_output_bytes = 0
        self.stat_protocol_errors = 0
        self.stat_total_error_replies = 0
        self.stat_client_qbuf_limit_disconnections = 0
        self.stat_client_outbuf_limit_disconnections = 0
        self.stat_unexpected_error_replies = 0
        self.stat_dump_payload_sanitizations = 0
        self.stat_rejected_conn = 0
        self.stat_numconnections = 0
        self.stat_total_reads_processed = 0
        self.stat_total_writes_processed = 0
        self.stat_unknown_commands = 0
        self.stat_expire_cycle_time_used = 0
        self.stat_total_active_defrag_time = 0
        self.errorstats = {}
        for cmd in getattr(self, "all_commands", {}).values():
            cmd.reset_stats()
            if cmd.subcommands:
                for s in cmd.subcommands.values():
                    s.reset_stats()
        self.ops_samples = []
        self.ops_last = (time.time(), 0, 0, 0)

    def count_error_name(self, name):
        self.stat_total_error_replies += 1
        if len(self.errorstats) >= 128 and name not in self.errorstats:
            name = "errorstat_ERRORSTATS_DISABLED"
        self.errorstats[name] = self.errorstats.get(name, 0) + 1

    # -- config hooks -------------------------------------------------------------
    def _apply_hooks(self):
        cfg = self.config

        def setattr_hook(attr, conv=lambda v: v):
            return lambda v: setattr(self, attr, conv(v))
        cfg.on_change("requirepass", setattr_hook("requirepass"))
        cfg.on_change("proto-max-bulk-len", setattr_hook("proto_max_bulk_len"))
        cfg.on_change("client-query-buffer-limit", setattr_hook("client_query_buffer_limit"))
        cfg.on_change("tcp-keepalive", setattr_hook("tcp_keepalive"))
        cfg.on_change("timeout", setattr_hook("client_timeout"))
        cfg.on_change("maxclients", setattr_hook("maxclients"))
        cfg.on_change("maxmemory", setattr_hook("maxmemory"))
        cfg.on_change("hz", setattr_hook("hz", lambda v: min(max(v, 1), 500)))
        self.slowlog_threshold_ns = self.latency_threshold_ns = 1 << 62
        cfg.on_change("slowlog-log-slower-than", self._set_slowlog_threshold)
        cfg.on_change("latency-monitor-threshold", self._set_latency_threshold)
        cfg.on_change("client-output-buffer-limit", self._set_obuf_limits)
        cfg.on_change("loglevel", setattr_hook("loglevel", lambda v: LOG_LEVELS[v]))
        cfg.on_change("proto-max-bulk-len", self._set_max_bulk)

    def _set_slowlog_threshold(self, v):
        # a command is logged when its duration (ns) is > this
        self.slowlog_threshold_ns = (1 << 62) if v < 0 else v * 1000 - 1 if v > 0 else -1
        self._set_slow_ns()

    def _set_latency_threshold(self, v):
        # a latency event is recorded when its duration (ns) is >= this
        self.latency_threshold_ns = v * 1000000 if v > 0 else 1 << 62
        self._set_slow_ns()

    def _set_slow_ns(self):
        """The hot path makes one comparison (dt > slow_ns) for both monitors."""
        self.slow_ns = min(self.slowlog_threshold_ns, self.latency_threshold_ns - 1)

    def _set_obuf_limits(self, v):
        self.obuf_limits = dict(v)
        lows = [x for cls in self.obuf_limits.values() for x in cls[:2] if x]
        self.obuf_check_min = min(lows) if lows else 1 << 62
        for c in list(getattr(self, "clients", {}).values()):
            if c.transport is not None:
                c.set_obuf_watermark(self.obuf_check_min)

    def _set_max_bulk(self, v):
        for c in list(getattr(self, "clients", {}).values()):
            c.reader.max_bulk = v

    def clock_ms(self):
        """The wall clock in ms as the hot loop reads it (monotonic clock plus
        the offset cron keeps), stored in ``now_ms``."""
        self.now_ms = (time.perf_counter_ns() + self.clock_offset_ns) // 1000000
        # the clock new keys and batch reads stamp access fields with, refreshed
        # here (each cron tick, hz times a second) as Redis refreshes its LRU clock
        set_clock(self.now_ms)
        return self.now_ms

    # -- logging --------------------------------------------------------------------
    def log(self, level, msg):
        if LOG_LEVELS.get(level, 2) < self.loglevel:
            return
        mark = {"debug": ".", "verbose": "-", "notice": "*", "warning": "#"}.get(level, "*")
        t = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(t)) + ".%03d" % int((t % 1) * 1000)
        line = f"{self.pid}:M {stamp} {mark} {msg}\n"
        path = self.config["logfile"]
        if path:
            try:
                with open(path, "a") as f:
                    f.write(line)
            except OSError:
                pass
        else:
            sys.stdout.write(line)
            sys.stdout.flush()

    # -- keyspace context (called by Database) ---------------------------------------
    def notify(self, db, cls, event, key):
        self.notifier(db, cls, event, key)

    def flush_db(self, db):
        """Empty one database: WATCHers of its keys are touched, as Redis does."""
        if db.watched:
            for key in list(db.watched):
                if key in db.data:
                    self.touch_watched(db, key)
        n = db.clear()
        self.dirty += n
        for fn in self.on_flush:
            fn(db)
        return n

    def propagate_expire(self, db, key):
        """An expired key was deleted: propagated as DEL, or UNLINK with
        lazyfree-lazy-expire (before the command that found it, when one did)."""
        if self._propagate_on:
            self.propagation.emit(db.id, [del_command(self, "lazyfree-lazy-expire"), key])

    def touch_watched(self, db, key):
        """A key changed (Redis's signalModifiedKey): its WATCHers' EXEC
        fails, and clients tracking it get an invalidation. Database calls
        this only while ``db.watched`` has entries (tracking keeps one there)."""
        if self.tracking is not None:
            self.tracking.key_modified(db, key)
        touch_watched(db, key)

    def set_gate(self, reason, on):
        """Send every command through the slow path while any reason holds
        (CLIENT PAUSE, ...): one reason cleared leaves the others."""
        if on:
            self.gate_reasons.add(reason)
        else:
            self.gate_reasons.discard(reason)
        self.gated = bool(self.gate_reasons)

    # -- clients -----------------------------------------------------------------------
    def accept_client(self, c):
        if len(self.clients) >= self.maxclients:
            self.stat_rejected_conn += 1
            c.transport.write(b"-ERR max number of clients reached\r\n")
            c.closed = True
            c.transport.close()
            return False
        c.id = self.next_client_id
        self.next_client_id += 1
        self.clients[c.id] = c
        self.stat_numconnections += 1
        return True

    def client_gone(self, c):
        self.clients.pop(c.id, None)
        for fn in self.on_client_gone:
            try:
                fn(c)
            except Exception as e:  # a subsystem must not keep a dead client alive
                self.log("warning", f"cleanup of client {c.id} failed: {e!r}")
        if c.flags & F_MONITOR and c in self.monitors:
            self.monitors.remove(c)
            self.update_call_hooks()

    def add_cleanup(self, fn):
        self.on_client_gone.append(fn)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self):
        self.loop = asyncio.get_running_loop()
        cfg = self.config
        port = cfg["port"]
        if port:
            for host, optional in self._tcp_hosts():
                try:
                    srv = await self.loop.create_server(
                        lambda: Client(self), host, port, backlog=cfg["tcp-backlog"],
                        reuse_address=True)
                except OSError as e:
                    if optional:
                        continue
                    raise
                self.listeners.append(srv)
            if self.listeners:
                self.port = self.listeners[0].sockets[0].getsockname()[1]
        else:
            self.port = 0
        if cfg["unixsocket"]:
            path = cfg["unixsocket"]
            try:
                os.unlink(path)
            except OSError:
                pass
            srv = await self.loop.create_unix_server(lambda: Client(self, unix=True), path)
            if cfg["unixsocketperm"]:
                os.chmod(path, cfg["unixsocketperm"])
            self.listeners.append(srv)
        from shardis.server import cron
        cron.start(self)
        self.log("notice", f"shardis {self.version} ready to accept connections tcp on port {self.port}")

    def _tcp_hosts(self):
        """[(address, optional)] from the bind directive ('-' marks optional)."""
        hosts = []
        for b in list(self.config["bind"]) or ["*"]:
            opt = b.startswith("-")
            b = b.lstrip("-")
            if b == "*":
                b = "0.0.0.0"
            elif b == "::*":
                b = "::"
            hosts.append((b, opt))
        return hosts

    def rebind_tcp(self, port):
        """CONFIG SET port: listen on ``port`` (0: on no TCP port) instead of
        the current one. Every address is bound before anything changes; if
        one cannot be, what was opened is closed, OSError is raised and the
        old listeners stay. Connected clients are not affected."""
        socks = []
        try:
            for host, optional in (self._tcp_hosts() if port else ()):
                fam = socket.AF_INET6 if ":" in host else socket.AF_INET
                try:
                    socks.append(socket.create_server((host, port), family=fam,
                                                      backlog=self.config["tcp-backlog"]))
                except OSError:
                    if not optional:
                        raise
            if port and not socks:
                raise OSError("no address to listen on")
        except OSError:
            for s in socks:
                s.close()
            raise
        tcp = (socket.AF_INET, socket.AF_INET6)
        for lst in [x for x in self.listeners if x.sockets and x.sockets[0].family in tcp]:
            lst.close()
            self.listeners.remove(lst)
        for s in socks:
            s.setblocking(False)
            fut = asyncio.ensure_future(self.loop.create_server(lambda: Client(self), sock=s))
            fut.add_done_callback(lambda f: f.exception() or self.listeners.append(f.result()))
        self.port = port

    def flush_writes(self):
        """Write every client's gathered output (Client.defer_write): run once
        per event-loop iteration, after the reads of that iteration, as Redis
        writes its clients' buffers before it sleeps."""
        pw = self.pending_writes
        self.pending_writes = []
        for c in pw:
            # Client.flush_pushes and Client.write inlined: two calls per client per
            # iteration, ~900 instructions per GET at P1 with 50 clients (callgrind)
            buf = c.push_buf
            if buf is None:
                continue
            c.push_buf = None
            if c.closed:
                continue
            data = buf[0] if len(buf) == 1 else b"".join(buf)
            try:
                c.transport.write(data)
            except Exception as e:   # one broken transport must not cost the others their replies
                self.log("warning", f"write to client id={c.id} failed: {e!r}")
                continue
            self.stat_net_output_bytes += len(data)
            if c.obuf_high and c.transport.get_write_buffer_size() > self.obuf_check_min:
                self.dispatch.check_output_limits(c)

    def request_shutdown(self, how="default"):
        if self.shutdown_requested is None:
            self.shutdown_requested = self.loop.create_future()
        if not self.shutdown_requested.done():
            self.shutdown_requested.set_result(how)

    async def serve_forever(self):
        from shardis.server import process
        await self.start()
        self.shutdown_requested = self.loop.create_future()
        process.install_signal_handlers(self)     # SIGTERM/SIGINT per shutdown-on-*
        process.notify_ready()                    # a daemonize parent may exit now
        how = await self.shutdown_requested
        process.finish_shutdown(self, how)        # final save hook, pid file
        await self.stop()

    async def stop(self):
        for fn in self.on_shutdown:
            try:
                fn()
            except Exception as e:
                self.log("warning", f"shutdown step failed: {e!r}")
        for l in self.listeners:
            l.close()
        for c in list(self.clients.values()):
            c.close()
        if self.config["unixsocket"]:
            try:
                os.unlink(self.config["unixsocket"])
            except OSError:
                pass
        self.log("notice", "shardis is now ready to exit, bye bye...")


def run(argv):
    """Entry point: parse redis-server style arguments and serve."""
    from shardis.config import parse_command_line
    from shardis.defaults import DEFAULT_CONF, USAGE
    try:
        cfg = Config(directives())
        if argv and argv[0] in ("-v", "--version"):
            print(f"shardis server v={__version__} (Redis 7.2 compatible)")
            return 0
        if argv and argv[0] in ("-h", "--help"):
            sys.stderr.write(USAGE)
            return 1
        path, from_stdin, text = parse_command_line(argv)
        if path is None and not argv:
            cfg.load_text(DEFAULT_CONF, "(embedded default config)")
        if path:
            cfg.load_file(path)
        if from_stdin:
            cfg.load_text(sys.stdin.read(), "(stdin)")
        if text:
            cfg.load_text(text, "(command line)")
    except ConfigError as e:
        sys.stderr.write(str(e) + "\n")
        return 1
    if cfg["dir"]:
        try:
            os.chdir(cfg["dir"])
        except OSError as e:
            sys.stderr.write(f"Can't chdir to '{cfg['dir']}': {e.strerror}\n")
            return 1
    from shardis.server import process
    background = process.should_daemonize(cfg)
    if background:
        process.daemonize()         # returns in the detached server process only
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    gc.freeze()
    server = Server(cfg)
    pidfile = process.pidfile_path(cfg, background)
    if pidfile:
        process.write_pidfile(pidfile, server.log)
    try:
        asyncio.run(server.serve_forever())
    except OSError as e:
        msg = f"Could not create server TCP listening socket: {e}"
        if background:
            server.log("warning", msg)      # stderr is /dev/null there
        sys.stderr.write(msg + "\n")
        # the pid file goes before the launcher is told: it exits at once, and
        # whoever started it may look for the file right away
        process.remove_pidfile()
        process.notify_failed(msg)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
