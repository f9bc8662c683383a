"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

Queueing is dispatch's job (``Dispatcher.call_slow`` appends ``(cmd, argv)``
to ``client.multi_queue`` while ``F_MULTI`` is set and flags ``F_DIRTY_EXEC``
on queue-time errors). This module owns the state changes and the WATCH
bookkeeping:

- ``db.watched``: key -> [clients watching it in that db];
- ``client.watched_keys``: {(db, key): expired_at_watch} - the flag records a
  key that was already logically expired when WATCHed (Redis 7's
  ``watchedKey.expired``): its later lazy deletion is no change, and EXEC does
  not fail because it is expired.

A touch (``server.touch_watched`` calls ``touch_watched`` here) marks the
watchers ``F_DIRTY_CAS`` and drops
their watches, as Redis 7.2 does. EXEC also fails when a watched key has
expired since WATCH (even if nobody accessed it).
"""
from shardis.commands import command
from shardis.protocol.resp import OK, error

# server.client flags (checked in setup: commands do not import the server room)
F_MULTI = 1
F_DIRTY_EXEC = 2
F_DIRTY_CAS = 4

_EXECABORT = error("EXECABORT Transaction discarded because of previous errors.")
_NESTED = error("ERR MULTI calls can not be nested")
_EXEC_NO_MULTI = error("ERR EXEC without MULTI")
_DISCARD_NO_MULTI = error("ERR DISCARD without MULTI")
_WATCH_IN_MULTI = error("ERR WATCH inside MULTI is not allowed")


# -- WATCH bookkeeping --------------------------------------------------------------
def _is_expired(db, key, now):
    when = db.get_expire(key)
    return when is not None and when <= now


def unwatch_all(c):
    """Forget every key ``c`` watches (the DIRTY_CAS flag is the caller's)."""
    wk = c.watched_keys
    if not wk:
        c.watched_keys = None
        return
    c.watched_keys = None
    for db, key in wk:
        clients = db.watched.get(key)
        if clients is None:
            continue
        try:
            clients.remove(c)
        except ValueError:
            pass
        if not clients:
            del db.watched[key]


def touch_watched(db, key):
    """A key changed: its watchers' next EXEC fails (installed as the server's
    touch_watched hook)."""
    clients = db.watched.get(key)
    if not clients:
        return
    k = (db, key)
    for c in tuple(clients):
        wk = c.watched_keys
        if wk is not None and wk.get(k):
            # Watched while already expired: its deletion is no logical change.
            if key not in db.data:
                wk[k] = False
            continue
        c.flags |= F_DIRTY_CAS
        unwatch_all(c)


def touch_swapped(server, db1, db2):
    """SWAPDB: call before swapping the contents of ``db1`` and ``db2``.
    Watchers of a key existing in either database are touched, with the same
    already-expired nuances as Redis's touchAllWatchedKeysInDb."""
    _touch_all(server, db1, db2)
    _touch_all(server, db2, db1)


def _touch_all(server, emptied, replaced_with):
    if not emptied.watched:
        return
    now = server.now_ms
    for key, clients in list(emptied.watched.items()):
        exists = key in emptied.data
        in_new = replaced_with is not None and key in replaced_with.data
        if not (exists or in_new):
            continue
        k = (emptied, key)
        for c in tuple(clients):
            wk = c.watched_keys
            if wk is None or k not in wk:
                continue
            if wk[k]:
                if not in_new:
                    wk[k] = False
                    continue
                if _is_expired(replaced_with, key, now):
                    continue
            elif not exists and _is_expired(replaced_with, key, now):
                wk[k] = True
                continue
            c.flags |= F_DIRTY_CAS


def _after_flush(db):
    """After FLUSHDB/FLUSHALL: keys watched while expired are gone now, so a
    later write to them is a change (server.flush_db touched the others)."""
    if not db.watched:
        return
    for key, clients in db.watched.items():
        k = (db, key)
        for c in clients:
            wk = c.watched_keys
            if wk and wk.get(k):
                wk[k] = False


def _watched_key_expired(c, now):
    for (db, key), expired in c.watched_keys.items():
        if not expired and _is_expired(db, key, now):
            return True
    return False


# -- state changes ------------------------------------------------------------------
def discard_transaction(c):
    c.multi_queue = None
    c.flags &= ~(F_MULTI | F_DIRTY_CAS | F_DIRTY_EXEC)
    unwatch_all(c)
    c.update_gate()


def reset_client(server, c):
    """RESET and disconnect: leave MULTI, forget WATCHes (no reply)."""
    discard_transaction(c)


# -- commands -----------------------------------------------------------------------
@command("multi")
def cmd_multi(c, argv):
    if c.flags & F_MULTI:
        return _NESTED
    c.flags |= F_MULTI
    c.multi_queue = []
    c.update_gate()
    return OK


@command("discard")
def cmd_discard(c, argv):
    if not c.flags & F_MULTI:
        return _DISCARD_NO_MULTI
    discard_transaction(c)
    return OK


@command("exec")
def cmd_exec(c, argv):
    if not c.flags & F_MULTI:
        return _EXEC_NO_MULTI
    srv = c.server
    if c.watched_keys and _watched_key_expired(c, srv.now_ms):
        c.flags |= F_DIRTY_CAS
    if c.flags & (F_DIRTY_CAS | F_DIRTY_EXEC):
        reply = _EXECABORT if c.flags & F_DIRTY_EXEC else c.r.nil_array
        discard_transaction(c)
        return reply
    queue = c.multi_queue or []
    unwatch_all(c)
    execute = srv.dispatch.execute
    parts = [b"*%d\r\n" % len(queue)]
    # Out-of-band messages for this client produced by the queued commands
    # (pub/sub, keyspace events) land inside the array, where Redis puts them.
    saved = c.outq
    c.outq = parts
    try:
        for cmd, qargv in queue:
            reply = execute(c, qargv, cmd)
            if reply is not None and reply.__class__ is bytes:
                parts.append(reply)
    finally:
        c.outq = saved
        discard_transaction(c)
    return b"".join(parts)


@command("watch")
def cmd_watch(c, argv):
    if c.flags & F_MULTI:
        return _WATCH_IN_MULTI
    if c.flags & F_DIRTY_CAS:
        return OK        # already doomed: no point in watching more
    db = c.db
    wk = c.watched_keys
    if wk is None:
        wk = c.watched_keys = {}
    now = c.server.now_ms
    watched = db.watched
    for key in argv[1:]:
        k = (db, key)
        if k in wk:
            continue
        wk[k] = _is_expired(db, key, now)
        lst = watched.get(key)
        if lst is None:
            watched[key] = [c]
        else:
            lst.append(c)
    return OK


@command("unwatch")
def cmd_unwatch(c, argv):
    unwatch_all(c)
    c.flags &= ~F_DIRTY_CAS
    return OK


def setup(server):
    from shardis.runtime import clientflags as _client
    assert (_client.F_MULTI, _client.F_DIRTY_EXEC, _client.F_DIRTY_CAS) == \
        (F_MULTI, F_DIRTY_EXEC, F_DIRTY_CAS)
    server.on_flush.append(_after_flush)

    def gone(c):
        if c.flags & F_MULTI or c.watched_keys:
            c.multi_queue = None
            c.flags &= ~(F_MULTI | F_DIRTY_CAS | F_DIRTY_EXEC)
            unwatch_all(c)
    server.add_cleanup(gone)
