"""Running scripts and functions: the script cache, the function store, the
run context, ``redis.call``, the timeout and SCRIPT/FUNCTION KILL.

Two Lua states, as in Redis: one for EVAL scripts (each cached script is a
compiled function, KEYS and ARGV are globals), one for function libraries
(FUNCTION LOAD runs the library's code, whose ``redis.register_function``
calls fill the store). SCRIPT FLUSH and FUNCTION FLUSH replace their state.

A run (``_run``) sets up a ``RunCtx``: the caller, the *fake client* the
script's commands run as (one per engine, as Redis's script client: its
database starts at the caller's, SELECT inside a script does not change the
caller's; it speaks RESP2 until ``redis.setresp(3)``; it cannot block), the
script's rules (read-only for EVAL_RO/FCALL_RO and ``no-writes``,
``allow-oom``), whether it wrote (then it cannot be killed), the replication
flags of ``redis.set_repl``, and the start time.

``redis.call`` (``_exec``) checks what Redis's scriptCall checks, in its
order (unknown command, arity, NOSCRIPT, read-only, OOM, the cluster key
check), then runs the command through the server's one call path
(``Dispatcher.call``: statistics, slow log,
keyspace events, MONITOR and the propagation stream, where the script's
commands join the EVAL's unit and come out wrapped in MULTI/EXEC), and
parses the reply into Lua values (``convert``).

Timeout: a Lua count hook calls ``_hook`` every 100,000 VM instructions.
Past ``busy-reply-threshold`` the engine logs the slow script once and calls
``on_busy`` (installed by the server: it reads the other clients' sockets
and answers them BUSY, or runs SCRIPT KILL / FUNCTION KILL / SHUTDOWN
NOSAVE); a killed script gets an error it cannot catch.
"""
import functools
import hashlib
import time

from shardis.protocol.resp import RESP2, RESP3
from shardis.scripting import lua as _lua, libs as _libs
from shardis.scripting.convert import ReplyToLua, LuaToReply, NoStats as _NoStats
from shardis.scripting.library import (FunctionStore, Library, Function, parse_metadata,
                                       valid_name, FLAG_BY_NAME, FLAG_NO_WRITES, FLAG_ALLOW_OOM,
                                       FLAG_EVAL_COMPAT)

_perf_ns = time.perf_counter_ns

ERR_KILLED = b"ERR Script killed by user with SCRIPT KILL..."
ERR_SHUTDOWN = b"ERR Script killed by the server shutting down"
BUSY_EVAL = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
BUSY_FUNCTION = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
LOAD_TIMEOUT_NS = 500 * 1000000

_LIB_NAME_ERR = (b"ERR Library names can only contain letters, numbers, or underscores(_) "
                 b"and must be at least one character long")
LOG_LEVELS = ("debug", "verbose", "notice", "warning")


class ScriptError(Exception):
    """A script or library that cannot be compiled or loaded: the reply text."""


ScriptRaise = _lua.RaiseTable


class LuaState:
    """One Lua runtime with its helpers and converters (the prelude's Lua
    functions are kept as Python attributes: each index of a Lua table from
    Python is a crossing)."""
    __slots__ = ("rt", "m", "to_lua", "to_reply", "run_eval", "run_function", "err",
                 "err_nostats", "istable", "reset_hook")

    def __init__(self, engine):
        self.rt, self.m = _lua.new_state(engine.callbacks, _libs.install, engine.version,
                                         engine.version_num)
        m = self.m
        self.to_lua = ReplyToLua(self.rt, m)
        self.to_reply = LuaToReply(m)
        self.run_eval = m.run_eval
        self.run_function = m.run_function
        self.err = m.err
        self.err_nostats = m.err_nostats
        self.istable = m.istable
        self.reset_hook = m.reset_hook


class Script:
    """A cached EVAL script."""
    __slots__ = ("sha", "body", "func", "flags")

    def __init__(self, sha, body, func, flags):
        self.sha = sha
        self.body = body
        self.func = func
        self.flags = flags


class RunCtx:
    __slots__ = ("caller", "fake", "state", "name", "argv", "is_eval", "ro", "start_ns",
                 "timed_out", "killed", "write_dirty", "repl", "flags")


class LoadCtx:
    __slots__ = ("lib", "start_ns")


def sha1hex(body):
    return hashlib.sha1(body).hexdigest().encode()


class ScriptEngine:
    """EVAL scripts and function libraries of one server.

    Installed by server.wiring with what the room may not import:
    ``commands`` (the dispatch table), ``call`` (Dispatcher.call),
    ``make_fake_client``, ``log``, ``propagation`` (to drop what a script
    asked not to replicate) and ``on_busy``."""

    def __init__(self, version=b"7.2.4", version_num=0x070204):
        self.version = version
        self.version_num = version_num
        self.commands = {}
        self.call = None                # Dispatcher.call
        self.log = lambda level, msg: None
        self.propagation = None
        self.on_busy = None             # fn(): serve other clients while a script runs too long
        self.oom = None                 # fn() -> True while used memory > maxmemory
        # fn(ctx, cmd, argv) -> error text or None: in cluster mode, the check that
        # a script's keys are in this node's slots (Redis's scriptVerifyClusterState,
        # "Script attempted to access a non local key in a cluster node"); the
        # cluster room installs it, and it is the one place that check goes
        self.cluster_check = None
        self.busy_ns = 5000 * 1000000   # busy-reply-threshold
        self.fake = None
        self.make_fake_client = None
        self.ctx = None                 # the RunCtx of the running script
        self._ctx = RunCtx()            # reused: scripts never nest
        self.loading = None             # the LoadCtx of a FUNCTION LOAD in progress
        self.scripts = {}               # sha (40 lowercase hex bytes) -> Script
        self.store = FunctionStore()
        self.callbacks = {
            "call": functools.partial(self._exec, True), "pcall": functools.partial(self._exec, False),
            "log": self._log,
            "sha1hex": self._sha1hex, "setresp": self._setresp, "set_repl": self._set_repl,
            "acl_check_cmd": self._acl_check_cmd, "hook": self._hook,
            "register_function": self._register_function, "unwrap": self._unwrap,
        }
        self.eval_state = LuaState(self)
        self.fn_state = LuaState(self)
        self.calls = 0

    # -- the script cache -----------------------------------------------------------------
    def script_for(self, body):
        """The cached script of ``body``, compiled on first sight."""
        sha = sha1hex(body)
        s = self.scripts.get(sha)
        if s is None:
            s = self.compile_eval(body, sha)
        return s

    def compile_eval(self, body, sha):
        flags, code = eval_flags(body)
        f, err = self.eval_state.m.compile(code, b"@user_script")
        if f is None:
            raise ScriptError(b"ERR Error compiling script (new function): " + _text(err))
        s = self.scripts[sha] = Script(sha, body, f, flags)
        return s

    def flush_scripts(self):
        """SCRIPT FLUSH: forget every script; the EVAL state starts afresh."""
        self.scripts = {}
        self.eval_state = LuaState(self)

    # -- running ----------------------------------------------------------------------------
    def prepare(self, c, flags, ro):
        """Redis's scriptPrepareForRun checks: an error reply, or None."""
        if not flags & FLAG_EVAL_COMPAT:
            if not flags & FLAG_ALLOW_OOM and self.oom is not None and self.oom():
                return (b"-OOM allow-oom flag is not set on the script, "
                        b"can not run it when used memory > 'maxmemory'\r\n")
            if not flags & FLAG_NO_WRITES and ro:
                return b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
        return None

    def run_eval(self, c, script, nkeys, args, ro, argv):
        return self._run(c, self.eval_state, script.func, script.sha, True, script.flags, ro,
                         nkeys, args, argv)

    def run_function(self, c, fn, nkeys, args, ro, argv):
        return self._run(c, self.fn_state, fn.callback, fn.name, False, fn.flags, ro, nkeys,
                         args, argv)

    def _run(self, c, state, func, name, is_eval, flags, ro, nkeys, args, argv):
        if not flags & FLAG_EVAL_COMPAT:      # a shebang script or a function
            err = self.prepare(c, flags, ro)
            if err is not None:
                return err
        fake = self.fake
        if fake is None:
            fake = self.fake = self.make_fake_client()
        fake.db = c.db
        if fake.resp != 2:
            fake.resp = 2
            fake.r = RESP2
        ctx = self._ctx
        ctx.caller = c
        ctx.fake = fake
        ctx.state = state
        ctx.name = name
        ctx.argv = argv
        ctx.is_eval = is_eval
        ctx.flags = flags
        ctx.ro = ro
        ctx.timed_out = False
        ctx.killed = None
        ctx.write_dirty = False
        ctx.repl = 3
        ctx.start_ns = _perf_ns()
        self.ctx = ctx
        try:
            if is_eval:
                ok, r = state.run_eval(func, nkeys, *args)
            else:
                ok, r = state.run_function(func, nkeys, *args)
            if ok:
                if r.__class__ is bytes:
                    reply = b"$%d\r\n%s\r\n" % (len(r), r)
                else:
                    try:
                        reply = state.to_reply.convert(r, c.r, fake.resp)
                    except Exception as e:      # a table whose metatable raises, ...
                        reply = b"-ERR error converting the script's reply: %s\r\n" % _text(str(e))
            else:
                reply = self._error_reply(r, name, state)
        finally:
            self.ctx = None
            if ctx.timed_out:
                self.end_busy(ctx)
            if ctx.killed is not None:
                state.reset_hook()      # the kill switched the hook to every line
        return reply

    def _error_reply(self, r, name, state):
        """The reply of a script that raised ``r`` (the error handler's table)."""
        if not state.m.istable(r):
            return b"-ERR Error running script %s, %s\r\n" % (name, _text(r)[:100])
        msg = r[b"err"]
        msg = msg if msg.__class__ is bytes else (b"%d" % msg if msg.__class__ is int else b"")
        out = b"-" + msg
        source = r[b"source"]
        line = r[b"line"]
        if source is not None and line is not None:
            out += b" script: %s, on %s:%s." % (name, _text(source), _text(line))
        out = out.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"
        if r[b"ignore_error_stats_update"]:
            # the command inside already counted this error: Dispatcher.call
            # will count the EVAL's reply again, so take one back (Redis's
            # ERR_REPLY_FLAG_NO_STATS_UPDATE)
            out = _NoStats(out)
        return out

    # -- redis.call ---------------------------------------------------------------------------
    def _exec(self, raise_, *args):
        """redis.call (``raise_``: an error is raised in the script) and
        redis.pcall (it is returned as an {err=...} table)."""
        ctx = self.ctx
        if ctx is None:
            return self._fail(raise_, (self.loading and self.fn_state or self.eval_state).err(
                b"ERR redis.call/pcall can only be called inside a script invocation"))
        state = ctx.state
        if not args:
            return self._fail(raise_, state.err(
                b"ERR Please specify at least one argument for this redis lib call"))
        argv = list(args)
        try:
            b"".join(args)          # all strings (the common case): one C-level check
        except TypeError:
            argv = self._argv_of(raise_, state, args)
            if argv.__class__ is not list:
                return argv
        name = argv[0]
        cmds = self.commands
        cmd = cmds.get(name)
        if cmd is None:
            cmd = cmds.get(name.lower())
            if cmd is None:
                return self._fail(raise_, state.err_nostats(
                    b"ERR Unknown Redis command called from script"))
        real = cmd
        if cmd.subcommands is not None and len(argv) > 1:
            real = cmd.subcommand(argv)
            if real is None or real.handler is None:
                return self._fail(raise_, state.err_nostats(
                    b"ERR Unknown Redis command called from script"))
        n = len(argv)
        if not real.amin <= n <= real.amax:
            return self._fail(raise_, state.err_nostats(
                b"ERR Wrong number of args calling Redis command from script"))
        if real.no_script:
            return self._fail(raise_, state.err_nostats(
                b"ERR This Redis command is not allowed from script"))
        if real.is_write:
            flags = ctx.flags
            if ctx.ro or flags & (FLAG_EVAL_COMPAT | FLAG_NO_WRITES) == FLAG_NO_WRITES:
                return self._fail(raise_, state.err_nostats(
                    b"ERR Write commands are not allowed from read-only scripts."))
            if (real.deny_oom and flags & (FLAG_EVAL_COMPAT | FLAG_ALLOW_OOM) != FLAG_ALLOW_OOM
                    and not ctx.write_dirty and self.oom is not None and self.oom()):
                return self._fail(raise_, state.err_nostats(
                    b"OOM command not allowed when used memory > 'maxmemory'."))
            ctx.write_dirty = True
        if self.cluster_check is not None:
            err = self.cluster_check(ctx, real, argv)
            if err is not None:
                return self._fail(raise_, state.err_nostats(err))
        # Dispatcher.call, timed from now (Dispatcher.execute's extras, client
        # tracking and NO-TOUCH, never apply to the fake client)
        if ctx.repl != 3:
            prop = self.propagation
            n = len(prop.pending)
            reply = self.call(ctx.fake, argv, cmd, _perf_ns())
            if ctx.repl == 0:
                del prop.pending[n:]
        else:
            reply = self.call(ctx.fake, argv, cmd, _perf_ns())
        if reply.__class__ is not bytes:
            return False
        t = reply[0]
        if t == 58:                         # ':' the common replies first
            return int(reply[1:-2])
        if t == 36 and reply[1] != 45:      # '$' but not '$-1'
            return reply[reply.index(b"\n") + 1:-2]
        if t == 45:                         # '-'
            line = reply[1:-2]
            return self._fail(raise_, state.err_nostats(line if b" " in line else b"ERR " + line))
        return state.to_lua.convert(reply)

    def _argv_of(self, raise_, state, args):
        """redis.call's arguments with numbers as Redis writes them (%.17g;
        integers exactly), or the failure for another type."""
        argv = list(args)
        for i, a in enumerate(args):
            cls = a.__class__
            if cls is not bytes:
                if cls is int:
                    argv[i] = (b"%d" % a if -9007199254740992 <= a <= 9007199254740992
                               else b"%.17g" % float(a))
                elif cls is float:
                    argv[i] = b"%.17g" % a
                else:
                    return self._fail(raise_, state.err(
                        b"ERR Lua redis lib command arguments must be strings or integers"))
        return argv

    @staticmethod
    def _fail(raise_, table):
        if raise_:
            raise ScriptRaise(table)
        return table

    def _unwrap(self, e):
        """The Lua error value of a Python exception raised inside a redis.*
        call: its table, or (a bug) an error naming the exception."""
        if isinstance(e, ScriptRaise):
            return e.table, False
        if isinstance(e, _lua.RaiseMessage):
            return e.msg, True
        self.log("warning", "internal error in a script's call: %r" % (e,))
        return self._state().m.err(b"ERR internal error: " + _text(repr(e))), False

    # -- the rest of redis.* --------------------------------------------------------------------
    def _state(self):
        ctx = self.ctx
        if ctx is not None:
            return ctx.state
        return self.fn_state if self.loading is not None else self.eval_state

    def _log(self, *args):
        m = self._state().m
        if len(args) < 2:
            raise ScriptRaise(m.err(b"ERR redis.log() requires two arguments or more."))
        level = args[0]
        if level.__class__ not in (int, float):
            raise ScriptRaise(m.err(b"ERR First argument must be a number (log level)."))
        level = int(level)
        if not 0 <= level <= 3:
            raise ScriptRaise(m.err(b"ERR Invalid debug level."))
        parts = []
        for a in args[1:]:
            if a.__class__ is bytes:
                parts.append(a)
            elif a.__class__ in (int, float):
                parts.append(b"%.14g" % a)
        self.log(LOG_LEVELS[level], b" ".join(parts).decode("utf-8", "replace"))
        return None

    def _sha1hex(self, *args):
        if len(args) != 1:
            raise ScriptRaise(self._state().m.err(b"ERR wrong number of arguments"))
        a = args[0]
        if a.__class__ in (int, float):
            a = b"%.14g" % a
        elif a.__class__ is not bytes:
            a = b""
        return sha1hex(a)

    def _setresp(self, *args):
        ctx = self.ctx
        m = self._state().m
        if ctx is None:
            raise ScriptRaise(m.err(b"ERR redis.setresp can only be called inside a script invocation"))
        if len(args) != 1:
            raise ScriptRaise(m.err(b"ERR redis.setresp() requires one argument."))
        v = args[0]
        if v not in (2, 3) or v.__class__ is bool:
            raise ScriptRaise(m.err(b"ERR RESP version must be 2 or 3."))
        ctx.fake.resp = v
        ctx.fake.r = RESP3 if v == 3 else RESP2
        return None

    def _set_repl(self, *args):
        ctx = self.ctx
        m = self._state().m
        if ctx is None:
            raise ScriptRaise(m.err(b"ERR redis.set_repl can only be called inside a script invocation"))
        if len(args) != 1:
            raise ScriptRaise(m.err(b"ERR redis.set_repl() requires two arguments."))
        v = args[0]
        if v.__class__ not in (int, float) or int(v) & ~3:
            raise ScriptRaise(m.err(b"ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."))
        # the propagation stream feeds the AOF and replicas alike: a script
        # that asks for either gets both, one that asks for neither gets none
        ctx.repl = 3 if int(v) else 0
        return None

    def _acl_check_cmd(self, *args):
        m = self._state().m
        if self.ctx is None:
            raise ScriptRaise(m.err(b"ERR redis.acl_check_cmd can only be called inside a script invocation"))
        if not args:
            raise ScriptRaise(m.err(b"ERR Please specify at least one argument for this redis lib call"))
        name = args[0]
        if name.__class__ is not bytes:
            raise ScriptRaise(m.err(b"ERR Lua redis lib command arguments must be strings or integers"))
        cmd = self.commands.get(name) or self.commands.get(name.lower())
        if cmd is None:
            raise ScriptRaise(m.err(b"ERR Invalid command passed to redis.acl_check_cmd()"))
        return True         # no ACL users yet: the default user may run everything

    # -- timeout --------------------------------------------------------------------------------
    def _hook(self):
        """Called by Lua every 100,000 instructions of a script or a load: the
        error text that stops it, or None."""
        ld = self.loading
        if ld is not None:
            if _perf_ns() - ld.start_ns > LOAD_TIMEOUT_NS:
                return b"ERR FUNCTION LOAD timeout"
            return None
        ctx = self.ctx
        if ctx is None:
            return None
        if ctx.killed is not None:
            return ctx.killed
        if _perf_ns() - ctx.start_ns < self.busy_ns:
            return None
        if not ctx.timed_out:
            ctx.timed_out = True
            self.log("warning", "Slow script detected: still in execution after %d milliseconds. "
                     "You can try killing the script using the %s command. Script name is: %s."
                     % ((_perf_ns() - ctx.start_ns) // 1000000,
                        "SCRIPT KILL" if ctx.is_eval else "FUNCTION KILL",
                        ctx.name.decode("utf-8", "replace")))
            self.start_busy(ctx)
        if self.on_busy is not None:
            self.on_busy()
        return ctx.killed

    def start_busy(self, ctx):
        """Hook for the server: a script passed the threshold (set by wiring)."""

    def end_busy(self, ctx):
        """Hook for the server: the timed-out script ended (set by wiring)."""

    def busy_reply(self):
        """The BUSY error for other clients while a script is timed out, or None."""
        ctx = self.ctx
        if ctx is None or not ctx.timed_out:
            return None
        return BUSY_EVAL if ctx.is_eval else BUSY_FUNCTION

    def kill(self, is_eval):
        """SCRIPT KILL (``is_eval``) / FUNCTION KILL: the reply."""
        ctx = self.ctx
        if ctx is None or not ctx.timed_out:
            return b"-NOTBUSY No scripts in execution right now.\r\n"
        if ctx.write_dirty:
            return (b"-UNKILLABLE Sorry the script already executed write commands against the "
                    b"dataset. You can either wait the script termination or kill the server in a "
                    b"hard way using the SHUTDOWN NOSAVE command.\r\n")
        if is_eval and not ctx.is_eval:
            return BUSY_FUNCTION
        if not is_eval and ctx.is_eval:
            return BUSY_EVAL
        ctx.killed = ERR_KILLED      # Redis says SCRIPT KILL for both
        self.log("warning", "Lua script killed by user with %s." %
                 ("SCRIPT KILL" if is_eval else "FUNCTION KILL"))
        return b"+OK\r\n"

    def abort_for_shutdown(self):
        """SHUTDOWN NOSAVE during a timed-out script: stop it, writes or not."""
        ctx = self.ctx
        if ctx is not None:
            ctx.killed = ERR_SHUTDOWN

    # -- functions --------------------------------------------------------------------------------
    def compile_library(self, code):
        """Compile and run a library's code: the Library it registered, or
        raise ScriptError with the reply text."""
        meta = parse_metadata(code)
        if meta.__class__ is str:
            raise ScriptError(meta.encode())
        engine, name = meta
        if engine.upper() != b"LUA":
            raise ScriptError(b"ERR Engine '%s' not found" % engine)
        if not valid_name(name):
            raise ScriptError(_LIB_NAME_ERR)
        nl = code.find(b"\n")
        body = b"" if nl < 0 else code[nl:]       # the header line left empty: line numbers stay
        m = self.fn_state.m
        f, err = m.compile(body, b"@user_function")
        if f is None:
            raise ScriptError(b"ERR Error compiling function: " + _text(err))
        lib = Library(name, b"LUA", code)
        ld = LoadCtx()
        ld.lib = lib
        ld.start_ns = _perf_ns()
        self.loading = ld
        try:
            ok, r = m.load_library(f)
        finally:
            self.loading = None
        if not ok:
            self.fn_state.reset_hook()      # a timed-out load left the hook on every line
            msg = r[b"err"] if m.istable(r) else _text(r)
            raise ScriptError(b"ERR Error registering functions: " + _text(msg))
        if not lib.functions:
            raise ScriptError(b"ERR No functions registered")
        return lib

    def load_library(self, code, replace):
        """FUNCTION LOAD: the library's name, or raise ScriptError."""
        lib = self.compile_library(code)
        self.install_libraries([lib], "replace" if replace else "append")
        return lib.name

    def install_libraries(self, libs, policy, restore=False):
        """Add compiled libraries all or nothing. ``policy``: "append" (a
        library that exists is an error), "replace" (it is replaced),
        "flush" (every library goes first)."""
        store = self.store
        if policy == "flush":
            store.clear()
        replaced = set()
        for lib in libs:
            if lib.name in store.libraries:
                if policy != "replace":
                    raise ScriptError((b"ERR Library %s already exists" if restore else
                                       b"ERR Library '%s' already exists") % lib.name)
                replaced.add(lib.name)
        names = {}
        for lib in libs:
            for fname in lib.functions:
                owner = store.functions.get(fname)
                if (owner is not None and owner.library.name not in replaced) or fname in names:
                    raise ScriptError(b"ERR Function %s already exists" % fname)
                names[fname] = lib
        for name in replaced:
            store.remove(name)
        for lib in libs:
            store.add(lib)

    def delete_library(self, name):
        if name not in self.store.libraries:
            return False
        self.store.remove(name)
        return True

    def flush_functions(self):
        self.store.clear()
        self.fn_state = LuaState(self)

    def _register_function(self, *args):
        m = self.fn_state.m
        ld = self.loading
        if ld is None:
            raise ScriptRaise(m.err(b"ERR redis.register_function can only be called on FUNCTION LOAD command"))
        if not 1 <= len(args) <= 2:
            raise ScriptRaise(m.err(b"ERR wrong number of arguments to redis.register_function"))
        desc = None
        flags = 0
        if len(args) == 1:
            t = args[0]
            if not m.istable(t):
                raise ScriptRaise(m.err(b"ERR calling redis.register_function with a single argument is only "
                             b"applicable to Lua table (representing named arguments)."))
            name = callback = None
            for k, v in t.items():
                if k.__class__ is not bytes:
                    raise ScriptRaise(m.err(b"ERR named argument key given to redis.register_function is not a string"))
                key = k.lower()
                if key == b"function_name":
                    if v.__class__ not in (bytes, int, float):
                        raise ScriptRaise(m.err(b"ERR function_name argument given to redis.register_function must be a string"))
                    name = _luastr(v)
                elif key == b"description":
                    if v.__class__ not in (bytes, int, float):
                        raise ScriptRaise(m.err(b"ERR description argument given to redis.register_function must be a string"))
                    desc = _luastr(v)
                elif key == b"callback":
                    if not m.isfunction(v):
                        raise ScriptRaise(m.err(b"ERR callback argument given to redis.register_function must be a function"))
                    callback = v
                elif key == b"flags":
                    if not m.istable(v):
                        raise ScriptRaise(m.err(b"ERR flags argument to redis.register_function must be a table representing function flags"))
                    i = 1
                    while True:
                        fl = v[i]
                        if fl is None:
                            break
                        bit = FLAG_BY_NAME.get(fl.decode("latin-1").lower()) if fl.__class__ is bytes else None
                        if bit is None:
                            raise ScriptRaise(m.err(b"ERR unknown flag given"))
                        flags |= bit
                        i += 1
                else:
                    raise ScriptRaise(m.err(b"ERR unknown argument given to redis.register_function"))
            if name is None:
                raise ScriptRaise(m.err(b"ERR redis.register_function must get a function name argument"))
            if callback is None:
                raise ScriptRaise(m.err(b"ERR redis.register_function must get a callback argument"))
        else:
            name, callback = args
            if name.__class__ not in (bytes, int, float):
                raise ScriptRaise(m.err(b"ERR first argument to redis.register_function must be a string"))
            name = _luastr(name)
            if not m.isfunction(callback):
                raise ScriptRaise(m.err(b"ERR second argument to redis.register_function must be a function"))
        lib = ld.lib
        if not valid_name(name):
            raise ScriptRaise(m.err(_LIB_NAME_ERR))
        if name in lib.functions:
            raise ScriptRaise(m.err(b"ERR Function already exists in the library"))
        lib.functions[name] = Function(name, callback, lib, desc, flags)
        return None

    # -- introspection ----------------------------------------------------------------------------
    def running(self):
        """(name, argv, duration ms) of the running script, or None."""
        ctx = self.ctx
        if ctx is None:
            return None
        return ctx.name, ctx.argv, (_perf_ns() - ctx.start_ns) // 1000000

    def memory(self):
        """Bytes the Lua states use (used_memory_lua / vm)."""
        return int(self.eval_state.m.memory() * 1024), int(self.fn_state.m.memory() * 1024)


def _luastr(v):
    if v.__class__ is bytes:
        return v
    return b"%.14g" % v


def _text(v):
    if v.__class__ is bytes:
        return v
    if v is None:
        return b"nil"
    return str(v).encode("utf-8", "replace")


def eval_flags(body):
    """(flags, code) of an EVAL script: the shebang line's flags (a script
    without one runs in compatibility mode, FLAG_EVAL_COMPAT) and the code
    to compile, the shebang line left empty so line numbers stay. Raises
    ScriptError with Redis's texts for a bad shebang."""
    if not body.startswith(b"#!"):
        return FLAG_EVAL_COMPAT, body
    nl = body.find(b"\n")
    line = body if nl < 0 else body[:nl]
    if not line.startswith(b"#!lua") or (len(line) > 5 and line[5:6] != b" "):
        raise ScriptError(b"ERR Unexpected engine in script shebang: " + line)
    flags = 0
    for part in line[5:].split(b" "):
        if not part:
            continue
        if part.startswith(b"flags="):
            spec = part[6:]
            if not spec:
                continue
            for fl in spec.split(b","):
                bit = FLAG_BY_NAME.get(fl.decode("latin-1"))
                if bit is None:
                    raise ScriptError(b"ERR Unexpected flag in script shebang: " + fl)
                flags |= bit
        else:
            raise ScriptError(b"ERR Unknown lua shebang option: " + part)
    return flags, (b"" if nl < 0 else body[nl:])
