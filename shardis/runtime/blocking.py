"""Clients blocked on keys (BLPOP, BZPOPMIN, BLMOVE, ... and later XREAD).

A command that cannot be served at once calls ``block(c, keys, timeout_ms,
serve, timeout_reply, btype)`` and returns ``BLOCKED``:

- ``serve(c)`` is the "try to serve" callback: it re-runs the command's
  non-blocking logic and returns the encoded reply, or ``None`` when there is
  still nothing to serve (the client stays blocked, keeping its place).
- ``timeout_reply`` is written when the timeout elapses (or on
  CLIENT UNBLOCK ... TIMEOUT).
- ``btype`` is the value TYPE (b"list", b"zset", b"stream") the client waits
  for: a ready key holding another type does not wake it. ``on_nokey=True``
  also wakes it when the key is deleted (XREADGROUP).

Writers signal a key with ``signal_ready(db, key)`` (cheap when nobody is
blocked: one dict truthiness test); ``Database.set`` does it for keys stored
whole. The ready keys are handled, in order of signalling, after the current
command returns and its reply is queued (so after a whole EXEC or script, and
anything serving pushes to the writing client comes after its reply, as in
Redis) by ``Server.handle_ready_keys``, called from the connection loop: for each key,
the clients blocked on it are tried in order of arrival, as Redis's
handleClientsBlockedOnKeys does. A served client gets its reply with
``client.write`` and its pipelined input resumes on the next loop turn.

A serve callback reports what it actually did with ``served_as(c, *argv)``
(BLPOP -> LPOP key, BLMOVE -> LMOVE ..., BZMPOP -> ZPOPMIN key count): that
is what the propagation stream gets (runtime.propagate), both when a blocked
client is served and when the command is served at once (then as the
command's rewrite).

A blocked command is accounted (command statistics, slow log) once, when it
finishes, under the argv it was called with and with the time it spent
running, not waiting (``Dispatcher.account_unblocked``).

Timeouts are loop timers (millisecond deadlines). Clients that disconnect
while blocked are removed from the queues (no element is consumed for them).
"""
from collections import deque
import math
import time

_perf_ns = time.perf_counter_ns

from shardis.protocol.resp import error
from shardis.util.numbers import parse_float, parse_int
from shardis.runtime.clientflags import BLOCKED, F_BLOCKED, F_MULTI
from shardis.runtime.propagate import rewrite

ERR_TIMEOUT_FLOAT = error("ERR timeout is not a float or out of range")
ERR_TIMEOUT_INT = error("ERR timeout is not an integer or out of range")
ERR_TIMEOUT_NEG = error("ERR timeout is negative")
ERR_TIMEOUT_RANGE = error("ERR timeout is out of range")
UNBLOCKED = error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
_LLONG_MAX = 2 ** 63 - 1

# Set by scripting/transactions code for clients that must never block.
F_DENY_BLOCKING = 1 << 20


class BlockState:
    __slots__ = ("db", "keys", "serve", "timeout_reply", "btype", "on_nokey", "timer",
                 "deadline", "prop", "call")

    def __init__(self, db, keys, serve, timeout_reply, btype, on_nokey, deadline):
        self.db = db
        self.keys = keys
        self.serve = serve
        self.timeout_reply = timeout_reply
        self.btype = btype
        self.on_nokey = on_nokey
        self.timer = None
        self.deadline = deadline
        self.prop = None
        self.call = None        # (cmd, argv, ns run so far): set by Dispatcher.call


def parse_timeout(c, arg, seconds=True):
    """Absolute deadline in ms (0 = forever) or an encoded error (bytes)."""
    now = c.server.now_ms
    if seconds:
        f = parse_float(arg)
        if f is None:
            # Redis's string2ld also takes hex floats and leading '+'
            try:
                s = arg.decode("ascii")
                f = float.fromhex(s) if "x" in s.lower() else None
            except (UnicodeDecodeError, ValueError):
                f = None
            if f is None:
                return ERR_TIMEOUT_FLOAT
        f *= 1000.0
        if f > _LLONG_MAX:
            return ERR_TIMEOUT_RANGE
        if f < 0:
            return ERR_TIMEOUT_NEG
        t = math.ceil(f)
    else:
        t = parse_int(arg)
        if t is None:
            return ERR_TIMEOUT_INT
        if t < 0:
            return ERR_TIMEOUT_NEG
    if t > 0:
        if t > _LLONG_MAX - now:
            return ERR_TIMEOUT_RANGE
        t += now
    return t


def can_block(c):
    """False inside MULTI/EXEC and scripts: blocking commands answer at once."""
    return not (c.flags & (F_MULTI | F_DENY_BLOCKING))


_WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value")


def _nil_array(c):
    return c.r.nil_array


def serve_or_block(c, keys, deadline, serve, btype):
    """BLPOP/BRPOP/BZPOPMIN/BZPOPMAX: served at once (``serve``) when one of
    ``keys`` holds a value (WRONGTYPE if the first that does is no ``btype``),
    else a nil array inside MULTI or a script, else the client blocks with a
    nil array as its timeout reply."""
    db = c.db
    for key in keys:
        v = db.lookup_write(key)
        if v is not None:
            if getattr(v, "TYPE", b"string") != btype:
                return _WRONGTYPE
            return serve(c)
    if not can_block(c):
        return c.r.nil_array
    return block(c, keys, deadline, serve, _nil_array, btype)


def block(c, keys, deadline, serve, timeout_reply, btype, on_nokey=False):
    """Park ``c`` on ``keys`` of its current db. Returns BLOCKED."""
    db = c.db
    st = BlockState(db, list(dict.fromkeys(keys)), serve, timeout_reply, btype, on_nokey,
                    deadline)
    bk = db.blocking_keys
    for k in st.keys:
        q = bk.get(k)
        if q is None:
            q = bk[k] = deque()
        q.append(c)
    c.block_state = st
    c.blocked_on = st.keys
    c.flags |= F_BLOCKED
    srv = c.server
    srv.blocked_clients += 1
    if deadline:
        loop = srv.loop
        if loop is not None:
            import time
            delay = max(0.0, deadline / 1000.0 - time.time())
            st.timer = loop.call_later(delay, _timed_out, c, st)
    return BLOCKED


def signal_ready(db, key):
    """A key was written: blocked clients on it will be tried after the
    current command."""
    bk = db.blocking_keys
    if bk and key in bk:
        db.ctx.ready_keys.append((db, key))


def served_as(c, *argv):
    """Called by a ``serve`` callback with the non-blocking command that
    describes what it did (BLPOP a b -> LPOP b, BLMOVE -> LMOVE, BZPOPMIN ->
    ZPOPMIN, BLMPOP/BZMPOP -> LPOP/RPOP/ZPOPMIN/ZPOPMAX key count): what Redis
    propagates for a blocking command, whether served at once or later."""
    st = c.block_state
    if st is None:
        rewrite(c, *argv)           # served at once: the call propagates this
    else:
        st.prop = argv


def _account(c, st, extra_ns=0, served=True):
    """The blocked call is over: account it once (Dispatcher.account_unblocked)."""
    if st.call is not None:
        cmd, argv, ns = st.call
        st.call = None
        c.server.dispatch.account_unblocked(c, cmd, argv, ns + extra_ns, served)


def _detach(c, st):
    """Remove ``c`` from its key queues and timers; clear its blocked state."""
    db = st.db
    bk = db.blocking_keys
    for k in st.keys:
        q = bk.get(k)
        if q is not None:
            try:
                q.remove(c)
            except ValueError:
                pass
            if not q:
                del bk[k]
    if st.timer is not None:
        st.timer.cancel()
        st.timer = None
    c.block_state = None
    c.blocked_on = None
    c.flags &= ~F_BLOCKED
    c.server.blocked_clients -= 1


def _finish(c, reply):
    """Send the reply of an unblocked client and resume its input."""
    if reply is not None:
        c.write(reply)
    srv = c.server
    if srv.loop is not None:
        srv.loop.call_soon(c.resume)
    else:
        c.resume()


def _timed_out(c, st):
    if c.block_state is not st:
        return
    st.timer = None
    _detach(c, st)
    _account(c, st, served=False)
    _finish(c, st.timeout_reply(c) if callable(st.timeout_reply) else st.timeout_reply)


def unblock_client(server, c, as_error):
    """CLIENT UNBLOCK: True if ``c`` was blocked on keys and is now released
    (with its timeout reply, or the UNBLOCKED error)."""
    st = c.block_state
    if st is None or not c.flags & F_BLOCKED:
        return False
    _detach(c, st)
    _account(c, st, served=False)
    if as_error:
        server.count_error_name("UNBLOCKED")
        _finish(c, UNBLOCKED)
    else:
        _finish(c, st.timeout_reply(c) if callable(st.timeout_reply) else st.timeout_reply)
    return True


def handle_ready_keys(srv):
    """Serve clients blocked on the keys signalled so far (loops until no
    serving makes another key ready). The clock is read again first: a key
    that expired while the command that signalled it ran is gone for them."""
    ready = srv.ready_keys
    srv.clock_ms()
    while ready:
        batch = list(ready)
        ready.clear()
        seen = set()
        for db, key in batch:
            ident = (db.id, key)
            if ident in seen:
                continue
            seen.add(ident)
            q = db.blocking_keys.get(key)
            if not q:
                continue
            for c in list(q):
                st = c.block_state
                if st is None or st.db is not db or c.closed:
                    continue
                v = db.lookup_write(key)
                if v is None:
                    if not st.on_nokey:
                        break
                elif getattr(v, "TYPE", b"string") != st.btype and not st.on_nokey:
                    continue
                t = _perf_ns()
                reply = st.serve(c)
                if reply is None:
                    continue
                if srv.propagate_on:
                    if st.prop is not None:
                        srv.propagation.emit(db.id, list(st.prop))
                    else:
                        srv.propagation.flush()     # what serve() added (XREADGROUP's effects)
                _detach(c, st)
                _account(c, st, _perf_ns() - t)
                _finish(c, reply)


def blocked_clients(srv):
    """INFO clients: blocked_clients."""
    return srv.blocked_clients


def blocking_keys_count(srv):
    """INFO clients: total_blocking_keys."""
    return sum(len(db.blocking_keys) for db in srv.dbs)


def _client_gone(c):
    st = c.block_state
    if st is not None:
        _detach(c, st)


def install(srv):
    """Called once by server.wiring."""
    srv.handle_ready_keys = lambda: handle_ready_keys(srv)
    srv.add_cleanup(_client_gone)
