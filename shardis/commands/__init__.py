"""Command families. Each module registers handlers with ``@command(name)``.

A handler is ``fn(client, argv) -> bytes | None | BLOCKED``: it returns the
encoded reply (see protocol.resp), ``None`` when it wrote nothing (replies
already pushed) or ``BLOCKED`` when it parked the client. Subcommands are
registered as ``"container|sub"`` (e.g. ``"config|get"``).

``registry.build()`` joins these handlers with the metadata in table.json.
"""
HANDLERS = {}
BATCHES = {}


def command(name):
    """Register ``fn`` as the handler of ``name`` (lower case, ``a|b`` for a
    subcommand)."""
    def deco(fn):
        HANDLERS[name] = fn
        return fn
    return deco


def batch(name):
    """Register ``fn`` as the run handler of ``name``: the hot loop calls
    ``fn(client, cmds, i, n, out) -> j`` for consecutive calls of ``name``
    (not a blocking command) starting at ``cmds[i]``, with MONITOR and
    propagation off. It handles ``cmds[i:j]`` exactly as the handler would,
    appending one reply per command to ``out``, and stops (returns the index
    reached) at the first command that is not plain: another name (compared
    as bytes with ``cmds[i][0]``), another arity than the one it takes,
    anything needing more than the common case (errors, other encodings); it
    takes nothing unless ``Database.plain()`` holds (no TTLs, WATCH, access
    tracking, blocked clients or notifications). The calls it takes are timed together, at
    their mean, so each must cost O(1) (for a command Redis does not flag
    FAST, e.g. SET, the batch must decline a call that could take long).
    The hot loop runs the rest one by one with ``handler``."""
    def deco(fn):
        BATCHES[name] = fn
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
