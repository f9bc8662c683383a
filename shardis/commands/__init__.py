"""Command families. Each module registers handlers with ``@command(name)``.

A handler is ``fn(client, argv) -> bytes | None | BLOCKED``: it returns the
encoded reply (see protocol.resp), ``None`` when it wrote nothing (replies
already pushed) or ``BLOCKED`` when it parked the client. Subcommands are
registered as ``"container|sub"`` (e.g. ``"config|get"``).

``registry.build()`` joins these handlers with the metadata in table.json.
"""
HANDLERS = {}


def command(name):
    """Register ``fn`` as the handler of ``name`` (lower case, ``a|b`` for a
    subcommand)."""
    def deco(fn):
        HANDLERS[name] = fn
        return fn
    return deco


MODULES = (
    "connection", "strings", "keys", "server_cmds", "introspection", "config_cmds",
    "bitmaps", "hyperloglog", "pubsub", "transactions", "hashes", "lists", "sets",
    "zsets", "streams", "geo", "blocking",
)


def load_all():
    """Import every family module that exists (so its handlers register)."""
    import importlib
    for m in MODULES:
        try:
            importlib.import_module(f"shardis.commands.{m}")
        except ModuleNotFoundError as e:
            if e.name != f"shardis.commands.{m}":
                raise
    return HANDLERS
