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


def batch(name, arity):
    """Register ``fn`` as the run handler of ``name`` (not a blocking
    command) for calls of exactly ``arity`` arguments. When consecutive calls
    of ``name`` with that arity arrive in one read, the hot loop hands them
    over at once, ``fn(client, run, out) -> taken``, while the client's
    database is plain (``Database.plain()``: no TTLs, WATCH, access tracking,
    blocked clients or notifications) and nothing observes single calls
    (MONITOR, propagation). ``fn`` handles ``run[:taken]`` exactly as the
    handler would, appending one reply per call to ``out``, and stops at the
    first call that needs more than its common case (another encoding, an
    error, an option): the hot loop runs the rest one by one. The calls it
    takes are timed together, at their mean, so each must cost O(1) (for a
    command Redis does not flag FAST, e.g. SET, the batch declines a call
    that could take long). A batch changes values through their types'
    methods, as the handler does; tests/unit/test_batches.py compares every
    reply and every key with a server without batch handlers."""
    def deco(fn):
        BATCHES[name] = (fn, arity)
        return fn
    return deco


_NOT_FAMILIES = {"registry", "util", "errors"}
LOADED = []


def load_all():
    """Import every family module in this package (so its handlers register).
    A module's ``setup(server)``, if any, is called by server.wiring."""
    import importlib
    import pkgutil
    import os
    if not LOADED:
        for m in sorted(pkgutil.iter_modules([os.path.dirname(__file__)]), key=lambda m: m.name):
            if m.name in _NOT_FAMILIES or m.name.startswith("_"):
                continue
            LOADED.append(importlib.import_module(f"shardis.commands.{m.name}"))
    return HANDLERS
