"""CONFIG GET / SET / RESETSTAT / REWRITE."""
from shardis.commands import command
from shardis.config import ConfigError
from shardis.protocol.resp import OK, error


@command("config|get")
def cmd_config_get(c, argv):
    pats = [a.decode("utf-8", "replace") for a in argv[2:]]
    items = c.server.config.get_matching(pats)
    out = [c.r.map_header(len(items))]
    for k, v in items:
        kb, vb = k.encode(), v.encode()
        out.append(b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(kb), kb, len(vb), vb))
    return b"".join(out)


@command("config|set")
def cmd_config_set(c, argv):
    if len(argv) % 2:
        return error("ERR wrong number of arguments for 'config|set' command")
    pairs = [(argv[i].decode("utf-8", "replace"), argv[i + 1].decode("utf-8", "replace"))
             for i in range(2, len(argv), 2)]
    try:
        c.server.config.set_many(pairs)
    except ConfigError as e:
        return error("ERR " + str(e))
    return OK


@command("config|resetstat")
def cmd_config_resetstat(c, argv):
    c.server.reset_stats()
    return OK


@command("config|rewrite")
def cmd_config_rewrite(c, argv):
    try:
        c.server.config.rewrite()
    except ConfigError as e:
        return error("ERR " + str(e))
    except OSError as e:
        return error(f"ERR Rewriting config file: {e.strerror}")
    return OK
