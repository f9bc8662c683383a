"""CONFIG GET / SET / RESETSTAT / REWRITE / HELP."""
import os

from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.config import ConfigError
from shardis.protocol.resp import OK, error

_SYNTAX = error("ERR syntax error")


def _dec(b):
    return b.decode("utf-8", "surrogateescape")


@command("config|get")
def cmd_config_get(c, argv):
    items = c.server.config.get_matching([_dec(a) for a in argv[2:]])
    out = [c.r.map_header(len(items))]
    for k, v in items:
        kb = k.encode("utf-8", "surrogateescape")
        vb = v.encode("utf-8", "surrogateescape")
        out.append(b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(kb), kb, len(vb), vb))
    return b"".join(out)


@command("config|set")
def cmd_config_set(c, argv):
    if len(argv) % 2:
        return _SYNTAX
    pairs = [(_dec(argv[i]), _dec(argv[i + 1])) for i in range(2, len(argv), 2)]
    try:
        c.server.config.set_many(pairs, c)
    except ConfigError as e:
        return error("ERR " + str(e))
    return OK


@command("config|resetstat")
def cmd_config_resetstat(c, argv):
    c.server.reset_stats()
    return OK


@command("config|rewrite")
def cmd_config_rewrite(c, argv):
    srv = c.server
    try:
        srv.config.rewrite()
    except ConfigError as e:
        return error("ERR " + str(e))
    except OSError as e:
        srv.log("warning", f"CONFIG REWRITE failed: {e.strerror}")
        return error(f"ERR Rewriting config file: {e.strerror}")
    srv.log("notice", "CONFIG REWRITE executed with success.")
    return OK


command("config|help")(lambda c, argv: help_reply("CONFIG"))


def _protected_ok(c):
    """enable-protected-configs: yes, or local for loopback/unix clients."""
    if c is None:
        return True
    mode = c.server.config["enable-protected-configs"]
    if mode == "yes":
        return True
    if mode == "local":
        if c.unix:
            return True
        host = c.addr.rsplit(":", 1)[0]
        return host.startswith("127.") or host in ("::1", "localhost")
    return False


def _chdir(path):
    try:
        os.chdir(path)
    except OSError as e:
        raise ConfigError(e.strerror) from None


def _default_user_line(cfg):
    import hashlib
    pw = cfg["requirepass"]
    if pw:
        h = hashlib.sha256(pw.encode("utf-8", "surrogateescape")).hexdigest()
        return [("user", [f"user default on #{h} ~* &* +@all"])]
    return [("user", ["user default on nopass ~* &* +@all"])]


def _port_hook(server):
    """CONFIG SET port: listen on the new port and stop listening on the old
    one; if the new port cannot be bound the old one keeps listening and the
    change is refused (the config rolls the value back)."""
    started = []

    def hook(value):
        if not started or server.loop is None or value == getattr(server, "port", value):
            return          # the first call (startup binds), no event loop, or no change
        try:
            server.rebind_tcp(value)
        except OSError as e:
            server.log("warning", f"Failed listening on port {value} (tcp), aborting: {e}")
            raise ConfigError("Unable to listen on this port. Check server logs.") from None
    server.config.on_change("port", hook)
    started.append(True)


def setup(server):
    cfg = server.config
    cfg.protected_ok = _protected_ok
    _port_hook(server)
    # not on_change: the startup chdir already happened, and a relative dir
    # must not be applied twice
    cfg.hooks.setdefault("dir", []).append(_chdir)
    # the default user is described from requirepass, as Redis writes it
    # (ACL users come with issue 17)
    cfg.rewrite_extra.append(lambda: _default_user_line(cfg))
