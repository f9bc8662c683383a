"""Generic key commands: DEL, EXISTS, FLUSHDB/FLUSHALL, DBSIZE, ..."""
from shardis.commands import command
from shardis.protocol.resp import OK, integer, error


@command("del")
def cmd_del(c, argv):
    db = c.db
    srv = c.server
    n = 0
    for key in argv[1:]:
        if db.delete(key):
            n += 1
            srv.dirty += 1
            if srv.notify_on:
                srv.notify(db, "g", "del", key)
    return integer(n)


@command("exists")
def cmd_exists(c, argv):
    db = c.db
    n = 0
    for key in argv[1:]:
        if db.lookup_write(key) is not None:
            n += 1
    return integer(n)


@command("dbsize")
def cmd_dbsize(c, argv):
    return integer(len(c.db.data))


def _flush_arg(argv):
    if len(argv) == 1:
        return True
    if len(argv) == 2 and argv[1].upper() in (b"ASYNC", b"SYNC"):
        return True
    return False


@command("flushdb")
def cmd_flushdb(c, argv):
    if not _flush_arg(argv):
        return error("ERR syntax error")
    c.server.flush_db(c.db)
    return OK


@command("flushall")
def cmd_flushall(c, argv):
    if not _flush_arg(argv):
        return error("ERR syntax error")
    for db in c.server.dbs:
        c.server.flush_db(db)
    return OK
