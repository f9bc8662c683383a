"""The command table: metadata from table.json joined with handlers.

``Command`` objects carry what dispatch needs as plain attributes: arity,
flag booleans derived once (is_write, deny_oom, ...), the handler, and the
per-command statistics INFO commandstats reports. Containers (CONFIG,
CLIENT, ...) hold their subcommands in ``subcommands``.
"""
import json
import os

from shardis.commands import load_all

TABLE_PATH = os.path.join(os.path.dirname(__file__), "table.json")

# ACL categories a command gets from its flags (Redis setImplicitACLCategories).
_IMPLICIT = {"WRITE": "write", "READONLY": "read", "ADMIN": "admin", "DANGEROUS": "dangerous",
             "PUBSUB": "pubsub", "FAST": "fast", "BLOCKING": "blocking"}


_NO_PROPAGATE = frozenset({"exec", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall",
                           "fcall_ro"})


class Command:
    __slots__ = ("name", "fullname", "spec", "handler", "arity", "flags", "acl_categories",
                 "is_write", "is_readonly", "deny_oom", "is_admin", "no_auth", "allow_stale",
                 "allow_loading", "pubsub_ok", "no_script", "no_multi", "skip_monitor",
                 "skip_slowlog", "is_blocking", "is_fast", "may_replicate", "subcommands",
                 "parent", "usec", "amin", "amax", "in_runs", "batch", "batch_arity", "rejected_calls", "failed_calls", "hist",
                 "key_specs", "movablekeys", "first_key", "last_key", "key_step", "id",
                 "no_propagate")

    def __init__(self, fullname, spec, handler, parent=None):
        self.fullname = fullname
        self.name = fullname.split("|")[-1]
        self.spec = spec
        self.handler = handler
        self.parent = parent
        self.arity = a = spec.get("arity", 0)
        # argument counts the hot path accepts: amin <= len(argv) <= amax
        self.amin = a if a > 0 else -a
        self.amax = a if a > 0 else 1 << 62
        flags = set(spec.get("command_flags", ()))
        self.flags = flags
        cats = {c.lower() for c in spec.get("acl_categories", ())}
        for f, c in _IMPLICIT.items():
            if f in flags:
                cats.add(c)
        if "ADMIN" in flags:
            cats.add("dangerous")
        if "FAST" not in flags and "ADMIN" not in flags:
            cats.add("slow")
        self.acl_categories = cats
        self.is_write = "WRITE" in flags
        self.is_readonly = "READONLY" in flags
        self.deny_oom = "DENYOOM" in flags
        self.is_admin = "ADMIN" in flags
        self.no_auth = "NO_AUTH" in flags
        self.allow_stale = "STALE" in flags
        self.allow_loading = "LOADING" in flags
        self.pubsub_ok = fullname in ("subscribe", "psubscribe", "unsubscribe", "punsubscribe",
                                      "ssubscribe", "sunsubscribe", "ping", "quit", "reset")
        self.no_script = "NOSCRIPT" in flags
        self.no_multi = "NO_MULTI" in flags
        self.skip_monitor = "SKIP_MONITOR" in flags
        self.skip_slowlog = "SKIP_SLOWLOG" in flags
        self.is_blocking = "BLOCKING" in flags
        self.is_fast = "FAST" in flags
        self.may_replicate = "MAY_REPLICATE" in flags
        # what these change is propagated command by command, never as the
        # command itself (runtime.propagate): EXEC's queued commands, scripts' calls
        self.no_propagate = fullname in _NO_PROPAGATE
        # the hot loop times consecutive calls of these together (client.py)
        self.in_runs = self.is_fast and not self.is_blocking
        self.batch = None       # the run handler (commands.batch), set by build()
        self.batch_arity = 0    # the number of arguments its calls have
        self.subcommands = None
        self.key_specs = spec.get("key_specs", [])
        self.usec = 0           # nanoseconds, despite the name, summed
        self.rejected_calls = 0
        self.failed_calls = 0
        self.hist = [0] * 264   # latency histogram: see server/info.py (HIST_SIZE)
        self._legacy_range()

    def _legacy_range(self):
        """first/last/step as COMMAND INFO reports them, derived from key specs."""
        self.movablekeys = False
        self.first_key = self.last_key = self.key_step = 0
        specs = self.key_specs
        if not specs:
            return
        first = last = step = None
        for ks in specs:
            bs = ks.get("begin_search", {})
            fk = ks.get("find_keys", {})
            if "index" not in bs or "range" not in fk:
                self.movablekeys = True
                continue
            pos = bs["index"]["pos"]
            rng = fk["range"]
            lk = rng["lastkey"]
            if first is None:
                first, last, step = pos, (pos + lk if lk >= 0 else lk), rng["step"]
            else:
                nl = pos + lk if lk >= 0 else lk
                if pos == (last + step if last >= 0 else None) or nl < 0:
                    last = nl
                elif nl > last >= 0:
                    last = nl
            if rng.get("limit", 0) > 1:
                self.movablekeys = True
        if any("keyword" in ks.get("begin_search", {}) or "keynum" in ks.get("find_keys", {})
               for ks in specs):
            self.movablekeys = True
        if first is not None:
            self.first_key, self.last_key, self.key_step = first, last, step

    def subcommand(self, argv):
        """The subcommand ``argv`` names (a container's ``argv[1]``), or None
        when this is no container, ``argv`` names none, or an unknown one."""
        subs = self.subcommands
        if subs is None or len(argv) < 2:
            return None
        return subs.get(argv[1].decode("utf-8", "replace").lower())

    def arity_ok(self, n):
        a = self.arity
        return not ((a > 0 and n != a) or n < -a)

    @property
    def calls(self):
        """Calls made: every call lands in one bucket of the latency
        histogram, so the hot path keeps no separate counter."""
        return sum(self.hist)

    def reset_stats(self):
        self.usec = self.rejected_calls = self.failed_calls = 0
        self.hist = [0] * 264


def load_table():
    with open(TABLE_PATH) as f:
        return json.load(f)


def build():
    """Return (commands by name, all Command objects incl. unimplemented).

    The first dict maps every implemented top-level command name, in lower and
    upper case, to its Command (the dispatch table). The second maps every
    name in Redis's table (implemented or not) to a Command, for COMMAND.
    """
    handlers = load_all()
    from shardis.commands import BATCHES
    table = load_table()
    every = {}
    for full, spec in table.items():
        if "|" in full:
            continue
        every[full] = cmd = Command(full, spec, handlers.get(full))
        if full in BATCHES:
            if cmd.is_blocking:
                raise RuntimeError(f"batch handler for {full}, a blocking command")
            cmd.batch, cmd.batch_arity = BATCHES[full]
    for full, spec in table.items():
        if "|" not in full:
            continue
        parent_name = full.split("|")[0]
        parent = every.get(parent_name)
        if parent is None:
            continue
        sub = Command(full, spec, handlers.get(full), parent)
        if parent.subcommands is None:
            parent.subcommands = {}
        parent.subcommands[sub.name] = sub
    for name in handlers:
        if name not in table:
            raise RuntimeError(f"handler without metadata: {name}")
    dispatch = {}
    for name, cmd in every.items():
        if cmd.subcommands:
            if cmd.handler is None and any(s.handler for s in cmd.subcommands.values()):
                cmd.handler = _container_handler(cmd)
        if cmd.handler is not None:
            dispatch[name] = cmd
            dispatch[name.upper()] = cmd
            dispatch[name.encode()] = cmd
            dispatch[name.upper().encode()] = cmd
    return dispatch, every


def _container_handler(cmd):
    """Dispatch a container command to its subcommand (arity and unknown
    subcommand errors as Redis words them)."""
    from shardis.protocol.resp import error

    def handler(c, argv):
        if len(argv) < 2:
            return error(f"ERR wrong number of arguments for '{cmd.name}' command")
        sub = cmd.subcommand(argv)
        if sub is None or sub.handler is None:
            return unknown_subcommand(cmd, argv)
        if not sub.arity_ok(len(argv)):
            return error(f"ERR wrong number of arguments for '{sub.fullname}' command")
        c.current_sub = sub
        return sub.handler(c, argv)
    return handler


def unknown_subcommand(cmd, argv):
    """Redis's error for an unknown subcommand of container ``cmd``."""
    from shardis.protocol.resp import error
    name = argv[1].decode("utf-8", "replace")[:128]
    return error(f"ERR unknown subcommand '{name}'. Try {cmd.name.upper()} HELP.")
