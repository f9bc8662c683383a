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


_NOT_FAMILIES = {"registry", "util", "errors"}
LOADED = []


def load_all():
    """Import every family module in this package (so its handlers register).
    A module may define ``setup(server)``: the Server calls it once at start."""
    import importlib
    import pkgutil
    import os
    if not LOADED:
        for m in sorted(pkgutil.iter_modules([os.path.dirname(__file__)]), key=lambda m: m.name):
            if m.name in _NOT_FAMILIES or m.name.startswith("_"):
                continue
            LOADED.append(importlib.import_module(f"shardis.commands.{m.name}"))
    return HANDLERS
