"""MODULE and LOLWUT.

shardis loads no native modules (Redis modules are C shared objects written
against Redis's module API), so MODULE LIST is always empty and LOAD/LOADEX
fail the way Redis fails for a library it cannot load. LOAD, LOADEX and UNLOAD
are protected commands, refused unless enable-module-command allows them.
"""
import random

from shardis import REDIS_VERSION
from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.commands.util import parse_int
from shardis.commands import errors as E
from shardis.protocol.resp import error

_NOT_ALLOWED = error(
    "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", "
    "you can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.")
_LOAD_FAILED = error("ERR Error loading the extension. Please check the server logs.")
_NO_MODULE = error("ERR Error unloading module: no such module with that name")


def _allowed(c):
    mode = c.server.config["enable-module-command"]
    if mode == "yes":
        return True
    if mode == "local":
        return c.unix or c.addr.startswith("127.") or c.addr.startswith("::1")
    return False


@command("module|list")
def cmd_module_list(c, argv):
    return c.r.empty_array


@command("module|load")
def cmd_module_load(c, argv):
    if not _allowed(c):
        return _NOT_ALLOWED
    c.server.log("warning", f"Module {argv[2].decode('utf-8', 'replace')} failed to load: "
                 "native Redis modules are not supported by shardis")
    return _LOAD_FAILED


@command("module|loadex")
def cmd_module_loadex(c, argv):
    return cmd_module_load(c, argv)


@command("module|unload")
def cmd_module_unload(c, argv):
    if not _allowed(c):
        return _NOT_ALLOWED
    return _NO_MODULE


command("module|help")(lambda c, argv: help_reply("MODULE"))


# LOLWUT: a small piece of generative art and the version line clients look
# for. The drawing is shardis's own: a random walk of box-drawing corners.
_TILES = ("\u256d", "\u256e", "\u256f", "\u2570")


@command("lolwut")
def cmd_lolwut(c, argv):
    n = len(argv)
    cols, rows = 40, 8
    i = 1
    if n >= 3 and argv[1].upper() == b"VERSION":
        v = parse_int(argv[2])
        if v is None:
            return E.NOT_INT
        i = 3
    extra = []
    for a in argv[i:]:
        x = parse_int(a)
        if x is None:
            return E.NOT_INT
        extra.append(x)
    if extra:
        cols = max(1, min(extra[0], 1000))
    if len(extra) > 1:
        rows = max(1, min(extra[1], 1000))
    rnd = random.Random(cols * 1000 + rows)
    art = "\n".join("".join(rnd.choice(_TILES) for _ in range(cols)) for _ in range(rows))
    text = f"{art}\n\nshardis, after Truchet tiles. Redis ver. {REDIS_VERSION}\n".encode()
    return c.r.verbatim(text)
