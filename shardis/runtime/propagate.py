"""The propagation stream: what changed the dataset, as commands, in order.

Redis replicates and appends to its AOF not what clients sent but what their
commands did. The rules this module keeps (Redis 7's call() and
propagatePendingCommands):

- a command is propagated only when it changed the dataset (``server.dirty``
  moved during its call), whatever its flags;
- a handler may *rewrite* what it propagates (``rewrite``): relative expiry
  becomes absolute (EXPIRE -> PEXPIREAT, SET EX -> SET PXAT), non-deterministic
  commands become their effects (SPOP -> SREM, INCRBYFLOAT -> SET KEEPTTL),
  blocking pops their non-blocking form (BLPOP -> LPOP); or emit several
  commands of its own (``also``) and none for itself (``prevent``);
- keys deleted on the way (lazy expiry) are propagated as DEL or UNLINK
  before the command that found them expired;
- everything one top-level call emits (a transaction, next a script) is one
  *unit*; a unit of more than one command is wrapped in MULTI ... EXEC;
- each command carries the id of the database it ran in; consumers insert
  SELECT where the database changes (``StreamEncoder``), since each consumer
  (the AOF, each replica link) has its own idea of the current database.

Consumers subscribe with ``Propagation.subscribe(fn)``; ``fn(unit)`` gets a
list of ``(dbid, argv)`` where ``dbid`` is -1 for MULTI and EXEC. While nobody
subscribes, ``server.propagate_on`` is False and handlers skip the work.
"""

MULTI = [b"MULTI"]
EXEC = [b"EXEC"]


class Propagation:
    __slots__ = ("consumers", "pending", "depth", "server")

    def __init__(self, server):
        self.server = server
        self.consumers = []
        self.pending = []       # (dbid, argv) of the unit being built
        self.depth = 0          # nesting of calls in progress (EXEC, scripts)

    def subscribe(self, fn):
        self.consumers.append(fn)
        self.server.propagate_on = True

    def unsubscribe(self, fn):
        if fn in self.consumers:
            self.consumers.remove(fn)
        self.server.propagate_on = bool(self.consumers)

    def add(self, dbid, argv):
        """One command of the current unit."""
        self.pending.append((dbid, argv))

    def emit(self, dbid, argv):
        """One command outside any call (active expiry, eviction, a served
        blocked client): its own unit, unless a call is in progress."""
        self.pending.append((dbid, argv))
        if not self.depth:
            self.flush()

    def flush(self):
        """End of a top-level call: hand the unit to every consumer."""
        unit = self.pending
        if not unit:
            return
        self.pending = []
        if len(unit) > 1:
            unit.insert(0, (-1, MULTI))
            unit.append((-1, EXEC))
        for fn in self.consumers:
            fn(unit)


# -- what handlers call (cheap when propagation is off) -------------------------------
# ``client.prop_argv``: None propagates the argv as sent; a list replaces it;
# an empty tuple propagates nothing for the command itself.
_NOTHING = ()


def rewrite(c, *argv):
    """Propagate ``argv`` instead of what the client sent (Redis's
    rewriteClientCommandVector)."""
    if c.server.propagate_on:
        c.prop_argv = list(argv)


def also(c, *argv):
    """Propagate ``argv`` in the client's database, in addition (Redis's
    alsoPropagate); combine with ``prevent`` to replace the command."""
    srv = c.server
    if srv.propagate_on:
        srv.propagation.add(c.db.id, list(argv))


def prevent(c):
    """Do not propagate the command itself (its effects went with ``also``)."""
    if c.server.propagate_on:
        c.prop_argv = _NOTHING


def del_command(srv, lazy_config):
    """DEL or UNLINK, as a lazyfree directive says for deletions of that kind."""
    return b"UNLINK" if srv.config[lazy_config] else b"DEL"


# -- the consumers' side ----------------------------------------------------------------
def encode_command(argv):
    """One command as a RESP array of bulk strings."""
    parts = [b"*%d\r\n" % len(argv)]
    for a in argv:
        if a.__class__ is not bytes:
            a = bytes(a) if isinstance(a, (bytearray, memoryview)) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(parts)


class StreamEncoder:
    """Turns units into a byte stream for one consumer: SELECT where the
    database changes, then each command in RESP."""
    __slots__ = ("db",)

    def __init__(self):
        self.db = -1

    def encode(self, unit):
        out = []
        for dbid, argv in unit:
            if dbid >= 0 and dbid != self.db:
                out.append(encode_command([b"SELECT", b"%d" % dbid]))
                self.db = dbid
            out.append(encode_command(argv))
        return b"".join(out)
