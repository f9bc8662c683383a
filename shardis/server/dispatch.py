"""Dispatch: the checks Redis's processCommand makes, in its order, and the
bookkeeping of a call (statistics, slow log, latency, monitors, propagation).

The connection's hot loop (client.Client.process_input) inlines the common
case; everything else comes here: unknown commands, arity errors, the gated
checks (auth, pub/sub context, MULTI queueing, reply modes, OOM, pause) and
the rare after-call work.
"""
import time

from shardis.protocol.resp import error, QUEUED, bulk
from shardis.commands.registry import unknown_subcommand
from shardis.commands.transactions import discard_transaction
from shardis.server.client import _BUCKET, _NBUCKET
from shardis.server.client import (BLOCKED, F_MULTI, F_DIRTY_EXEC, F_CLOSE_AFTER_REPLY,
                                   F_MONITOR, F_TRACKING, F_NO_TOUCH)

_perf_ns = time.perf_counter_ns

_NOAUTH = error("NOAUTH Authentication required.")
_NOT_IN_MULTI = error("ERR Command not allowed inside a transaction")

# Commands a MULTI block runs at once instead of queueing.
_MULTI_IMMEDIATE = {"exec", "discard", "multi", "watch", "quit", "reset"}


def _arg_text(a, limit=128):
    return a[:limit].decode("utf-8", "replace")


def unknown_command_error(argv):
    """Redis's text: ERR unknown command 'x', with args beginning with: 'a' 'b' """
    name = _arg_text(argv[0])
    args = "".join(f"'{_arg_text(a)}' " for a in argv[1:])
    if len(args) > 128:
        args = args[:128]
    return error(f"ERR unknown command '{name}', with args beginning with: {args}")


class Dispatcher:
    def __init__(self, server):
        self.srv = server

    # -- errors -----------------------------------------------------------------
    def arity_error(self, c, cmd):
        cmd.rejected_calls += 1
        self.srv.count_error_name("ERR")
        return error(f"ERR wrong number of arguments for '{cmd.fullname}' command")

    def count_error(self, cmd, reply):
        """An error reply: errorstats by prefix, failed_calls."""
        cmd.failed_calls += 1
        name = reply[1:reply.find(b"\r")].split(b" ", 1)[0][:40]
        self.srv.count_error_name(name.decode("utf-8", "replace"))

    def internal_error(self, c, argv, exc):
        import traceback
        self.srv.log("warning", f"internal error running {argv[0][:64]!r}: {exc!r}\n"
                     + traceback.format_exc())
        self.srv.count_error_name("ERR")
        return error(f"ERR internal error while running '{_arg_text(argv[0], 64)}': {type(exc).__name__}")

    # -- the full path ------------------------------------------------------------
    def call_slow(self, c, argv, cmd):
        srv = self.srv
        if cmd is None:
            cmd = srv.commands.get(argv[0].lower())
        if cmd is None:
            srv.stat_unknown_commands = getattr(srv, "stat_unknown_commands", 0) + 1
            srv.count_error_name("ERR")
            return self._reply_mode(c, self._reject(c, None, unknown_command_error(argv)))
        n = len(argv)
        if not cmd.arity_ok(n):
            return self._reply_mode(c, self._reject(c, cmd, self.arity_error(c, cmd)))
        if not c.authenticated and not cmd.no_auth:
            srv.count_error_name("NOAUTH")
            cmd.rejected_calls += 1
            return self._reject(c, cmd, _NOAUTH)
        if srv.busy_reply is not None and not _allowed_while_busy(cmd, argv):
            # a script runs past busy-reply-threshold (server.scripts.BusyPoller)
            cmd.rejected_calls += 1
            srv.count_error_name("BUSY")
            return self._reject(c, cmd, srv.busy_reply)
        if c.flags & F_MULTI and cmd.fullname not in _MULTI_IMMEDIATE:
            if cmd.no_multi:
                cmd.rejected_calls += 1
                srv.count_error_name("ERR")
                return self._reject(c, cmd, _NOT_IN_MULTI)
            if cmd.subcommands is not None and n > 1:
                sub = cmd.subcommand(argv)
                if sub is None:
                    srv.count_error_name("ERR")
                    return self._reject(c, cmd, unknown_subcommand(cmd, argv))
                if not sub.arity_ok(n):
                    return self._reject(c, cmd, self.arity_error(c, sub))
            c.multi_queue.append((cmd, argv))
            return QUEUED
        if c.channels_count() and c.resp == 2 and not cmd.pubsub_ok:
            name = cmd.fullname
            reject = True
            if cmd.subcommands is not None and n > 1:
                # an unknown subcommand or a subcommand arity error is reported
                # first (by the container's handler), as Redis does
                sub = cmd.subcommand(argv)
                if sub is None or not sub.arity_ok(n):
                    reject = False
                else:
                    name = sub.fullname
            if reject:
                cmd.rejected_calls += 1
                srv.count_error_name("ERR")
                return self._reject(c, cmd, error(
                    f"ERR Can't execute '{name}': only (P|S)SUBSCRIBE / "
                    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"))
        if srv.pause_check is not None and srv.pause_check(c, cmd, argv):
            return BLOCKED
        mode = c.reply_mode         # CLIENT REPLY SKIP|OFF take effect after their own reply
        reply = self.execute(c, argv, cmd)
        return reply if mode == 0 else self._reply_mode(c, reply)

    def _reject(self, c, cmd, err):
        """A command refused before it runs. Inside MULTI the refusal dooms
        the transaction (its EXEC answers EXECABORT); a refused EXEC (in MULTI
        or not) answers EXECABORT with the reason and discards any transaction,
        as Redis's execCommandAbort."""
        if cmd is not None and cmd.fullname == "exec":
            discard_transaction(c)
            text = err[1:-2]
            if text.startswith(b"ERR "):
                text = text[4:]
            return b"-EXECABORT Transaction discarded because of: " + text + b"\r\n"
        if c.flags & F_MULTI:
            c.flags |= F_DIRTY_EXEC
        return err

    def _reply_mode(self, c, reply):
        m = c.reply_mode
        if m == 0 or reply is BLOCKED:
            return reply
        if m == 2:
            c.reply_mode = 0
        return None if m in (1, 2) else reply

    def execute(self, c, argv, cmd):
        """``call`` timed from now, for the gated path (call_slow, EXEC's
        commands, scripts), with what a client's modes add around it (such a
        client is always gated): client-side caching's bookkeeping when it
        tracks keys, and no access-time update for a CLIENT NO-TOUCH client
        (except by TOUCH itself)."""
        flags = c.flags
        if not flags & (F_TRACKING | F_NO_TOUCH):
            return self.call(c, argv, cmd, _perf_ns())
        srv = self.srv
        if flags & F_TRACKING:
            srv.tracking.before(c)
        if flags & F_NO_TOUCH:
            prev = srv.no_touch         # (EXEC's commands nest here)
            srv.no_touch = cmd.fullname != "touch"
            try:
                reply = self.call(c, argv, cmd, _perf_ns())
            finally:
                srv.no_touch = prev
        else:
            reply = self.call(c, argv, cmd, _perf_ns())
        if flags & F_TRACKING:
            srv.tracking.after(c, argv, cmd.subcommand(argv) or cmd)
        return reply

    def call(self, c, argv, cmd, t, observed=False):
        """Redis's call(): run one command and account for it: its time
        (from ``t``, read by the caller), the command statistics (to the
        subcommand for a container), the slow log and latency monitor, the
        error statistics; while MONITOR or propagation is on
        (``server.call_hooks``) also the monitor line and what it changed, for
        the propagation stream (``call_observed``). Every way a command runs
        comes here: the one-command read, calls timed alone, the slow path,
        EXEC, blocked clients when served. Runs of FAST commands are the one
        exception (client.process_input times a run as a whole and accounts it
        with ``client._account``), taken only while ``call_hooks`` is off."""
        srv = self.srv
        if srv.call_hooks and not observed:
            return self.call_observed(c, argv, cmd, t)
        try:
            reply = cmd.handler(c, argv)
        except Exception as e:  # a bug must cost one reply, not the connection
            reply = self.internal_error(c, argv, e)
        dt = _perf_ns() - t
        if reply is BLOCKED:
            _blocked(c, cmd, argv, dt)
            return reply
        if cmd.subcommands is not None and c.current_sub is not None:
            cmd = c.current_sub             # a container accounts to its subcommand
            c.current_sub = None
        c.last_cmd = cmd.fullname
        cmd.usec += dt
        cmd.hist[_BUCKET[dt] if dt < _NBUCKET else (dt * dt).bit_length()] += 1
        if dt > srv.slow_ns:
            self.slow_call(c, argv, cmd, dt)
        if reply.__class__ is bytes and b"-" <= reply < b".":   # an error reply
            self.count_error(cmd, reply)
        return reply

    def call_observed(self, c, argv, cmd, t):
        """``call`` while something watches individual calls: MONITOR gets
        the command as sent, and when the dataset changed (``dirty`` moved)
        the propagation stream gets what it did (``runtime.propagate``). A
        call made inside another (EXEC's commands) adds to its unit; the
        outermost call hands the unit over."""
        srv = self.srv
        prop = srv.propagation
        dirty = srv.dirty
        saved = c.prop_argv
        c.prop_argv = None
        prop.depth += 1
        try:
            reply = self.call(c, argv, cmd, t, True)
        finally:
            prop.depth -= 1
        if reply is not BLOCKED:
            if srv.monitors:
                shown = cmd.subcommand(argv) or cmd
                if not shown.skip_monitor and not shown.is_admin \
                        and not (c.flags & F_MONITOR and shown.fullname == "monitor"):
                    self.feed_monitors(c, argv)
            if srv.dirty != dirty and srv.propagate_on and not cmd.no_propagate:
                pa = c.prop_argv
                if pa is None:
                    prop.add(c.db.id, list(argv))
                elif pa:
                    prop.add(c.db.id, pa)
        c.prop_argv = saved
        if not prop.depth:
            prop.flush()
        return reply

    def account_unblocked(self, c, cmd, argv, dt, served=True):
        """A blocked command finished (served, timed out or unblocked): it is
        counted now, once, with the time it spent running (not waiting), as
        Redis's updateStatsOnUnblock; a served one goes to the slow log under
        the argv it was called with (redis-server 7.0 logs no timed-out one)."""
        c.last_cmd = cmd.fullname
        cmd.usec += dt
        cmd.hist[_BUCKET[dt] if dt < _NBUCKET else (dt * dt).bit_length()] += 1
        if served and dt > self.srv.slow_ns:
            self.slow_call(c, argv, cmd, dt)

    # -- after-call work ----------------------------------------------------------
    def slow_call(self, c, argv, cmd, dt_ns):
        srv = self.srv
        if dt_ns > srv.slowlog_threshold_ns and not cmd.skip_slowlog:
            srv.slowlog.add(c, argv, dt_ns // 1000)
        if srv.latency_threshold_ns and dt_ns >= srv.latency_threshold_ns:
            srv.latency.add_sample("fast-command" if cmd.is_fast else "command", dt_ns // 1000000)

    def feed_monitors(self, c, argv):
        srv = self.srv
        now = time.time()
        args = " ".join('"' + _monitor_escape(a) + '"' for a in argv)
        if c.unix:
            who = f"unix:{c.addr.rsplit(':', 1)[0]}"
        else:
            who = c.addr
        line = f"+{now:.6f} [{c.db.id} {who}] {args}\r\n".encode()
        # every monitor gets the line, the sending client included (as Redis)
        for m in list(srv.monitors):
            m.push(line)

    def check_output_limits(self, c):
        """Enforce client-output-buffer-limit for the client's class: close at
        the hard limit, or when over the soft limit for longer than its time."""
        srv = self.srv
        cls = "pubsub" if c.channels_count() else ("replica" if c.kind == "replica" else "normal")
        hard, soft, secs = srv.obuf_limits.get(cls, (0, 0, 0))
        size = c.transport.get_write_buffer_size()
        over = False
        if hard and size >= hard:
            over = True
        elif soft and size >= soft:
            now = time.time()
            if not c.out_soft_since:
                c.out_soft_since = now
            elif now - c.out_soft_since >= secs:
                over = True
        else:
            c.out_soft_since = 0
        if over:
            srv.log("warning", f"Client id={c.id} addr={c.addr} scheduled to be closed ASAP for overcoming of output buffer limits.")
            srv.stat_client_outbuf_limit_disconnections += 1
            c.close_now()


def _allowed_while_busy(cmd, argv):
    """Commands Redis flags ALLOW_BUSY run while a script is too long;
    SHUTDOWN only with NOSAVE (the dataset is mid-script)."""
    real = cmd.subcommand(argv) or cmd
    if "ALLOW_BUSY" not in real.flags:
        return False
    if real.fullname == "shutdown":
        return any(a.lower() == b"nosave" for a in argv[1:])
    return True


def _blocked(c, cmd, argv, dt):
    """A call that blocked is accounted when it finishes
    (``Dispatcher.account_unblocked``): remember what and how long so far."""
    st = c.block_state
    if st is not None:
        st.call = (cmd, argv, dt)


# how MONITOR shows each byte of an argument (Redis's sdscatrepr)
_REPR = ["\\x%02x" % b for b in range(256)]
for _b in range(32, 127):
    _REPR[_b] = chr(_b)
for _b, _text in ((92, "\\\\"), (34, '\\"'), (10, "\\n"), (13, "\\r"), (9, "\\t"),
                  (7, "\\a"), (8, "\\b")):
    _REPR[_b] = _text


def _monitor_escape(a):
    return "".join([_REPR[b] for b in a])
