"""Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET."""
import hashlib
import hmac

from shardis.commands import command
from shardis.protocol.resp import OK, PONG, bulk, error, RESP2, RESP3, integer
from shardis.commands.util import int_or_error


@command("ping")
def cmd_ping(c, argv):
    n = len(argv)
    if n > 2:
        return error("ERR wrong number of arguments for 'ping' command")
    if c.channels_count() and c.resp == 2:
        payload = argv[1] if n == 2 else b""
        return b"*2\r\n$4\r\npong\r\n" + bulk(payload)
    if n == 2:
        return bulk(argv[1])
    return PONG


@command("echo")
def cmd_echo(c, argv):
    return bulk(argv[1])


@command("quit")
def cmd_quit(c, argv):
    from shardis.runtime.clientflags import F_CLOSE_AFTER_REPLY
    c.flags |= F_CLOSE_AFTER_REPLY
    return OK


@command("select")
def cmd_select(c, argv):
    idx = int_or_error(argv[1])
    if idx.__class__ is bytes:
        return idx
    dbs = c.server.dbs
    if idx < 0 or idx >= len(dbs):
        return error("ERR DB index is out of range")
    c.db = dbs[idx]
    return OK


def _check_password(c, user, password):
    """Default-user authentication until ACL lands: returns True on success.
    The secrets are compared as SHA-256 digests in constant time (as Redis
    compares ACL password hashes), so neither the time taken nor an early
    exit tells how much of a guess was right, or how long the password is."""
    if user != b"default":
        return False
    req = c.server.requirepass
    if not req:
        return True
    return hmac.compare_digest(hashlib.sha256(password).digest(),
                               hashlib.sha256(req.encode()).digest())


@command("auth")
def cmd_auth(c, argv):
    n = len(argv)
    if n > 3:
        return error("ERR syntax error")
    if n == 2:
        user, password = b"default", argv[1]
        if not c.server.requirepass:
            return error("ERR AUTH <password> called without any password configured for "
                         "the default user. Are you sure your configuration is correct?")
    else:
        user, password = argv[1], argv[2]
    if _check_password(c, user, password):
        c.authenticated = True
        c.user = user.decode("utf-8", "replace")
        c.update_gate()
        return OK
    return error("WRONGPASS invalid username-password pair or user is disabled.")


@command("hello")
def cmd_hello(c, argv):
    from shardis import REDIS_VERSION
    n = len(argv)
    ver = None
    i = 1
    if n >= 2:
        v = argv[1]
        ver = int_or_error(v)
        if ver.__class__ is bytes:
            return error("ERR Protocol version is not an integer or out of range")
        if ver < 2 or ver > 3:
            return error("NOPROTO unsupported protocol version")
        i = 2
    setname = None
    while i < n:
        opt = argv[i].upper()
        left = n - i - 1
        if opt == b"AUTH" and left >= 2:
            user, password = argv[i + 1], argv[i + 2]
            if not _check_password(c, user, password):
                return error("WRONGPASS invalid username-password pair or user is disabled.")
            c.authenticated = True
            c.user = user.decode("utf-8", "replace")
            i += 3
        elif opt == b"SETNAME" and left >= 1:
            name = argv[i + 1]
            if any(b < 33 or b > 126 for b in name):
                return error("ERR Client names cannot contain spaces, newlines or special characters.")
            setname = name
            i += 2
        else:
            return error(f"ERR Syntax error in HELLO option '{argv[i].decode('utf-8', 'replace')}'")
    if not c.authenticated:
        return error("NOAUTH HELLO must be called with the client already authenticated, "
                     "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
                     "authenticate the client and select the RESP protocol version at the same time")
    if setname is not None:
        c.name = setname
    if ver is not None:
        c.resp = ver
        c.r = RESP3 if ver == 3 else RESP2
    c.update_gate()
    srv = c.server
    role = srv.role
    mode = "cluster" if srv.config["cluster-enabled"] else "standalone"
    r = c.r
    pairs = [
        (bulk(b"server"), bulk(b"redis")),
        (bulk(b"version"), bulk(REDIS_VERSION.encode())),
        (bulk(b"proto"), integer(c.resp)),
        (bulk(b"id"), integer(c.id)),
        (bulk(b"mode"), bulk(mode.encode())),
        (bulk(b"role"), bulk(role.encode())),
        (bulk(b"modules"), r.empty_array),
    ]
    return r.map(pairs)
