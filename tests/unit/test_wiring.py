"""The server's hooks are declared in Server.__init__ and installed by
server.wiring: no string-keyed registry of hooks, no hook read that nothing
installs, gate reasons that do not clear each other."""
import os
import re

from shardis.server.server import Server

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "shardis")


def test_no_extensions_registry_left():
    found = []
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        if re.search(r"\bextensions\b", line):
                            found.append(f"{os.path.relpath(path, ROOT)}:{n}")
    assert not found, found


def test_every_subsystem_is_installed_by_wiring():
    srv = Server()
    assert srv.pubsub is not None and srv.notifier is not None and srv.pause is not None
    assert callable(srv.handle_ready_keys) and callable(srv.pause_check)
    assert srv.on_flush and srv.on_client_gone and srv.cron_handlers
    # the scripting engine, handed the call path it runs scripts' commands through
    assert srv.scripting is not None and srv.scripting.call == srv.dispatch.call
    assert srv.busy_reply is None and "busy" not in srv.gate_reasons
    # created on demand (CLIENT TRACKING ON), declared all the same
    assert srv.tracking is None


def test_a_gate_reason_cleared_leaves_the_others():
    srv = Server()
    assert not srv.gated
    srv.set_gate("pause", True)
    srv.set_gate("other", True)
    srv.set_gate("pause", False)
    assert srv.gated
    srv.set_gate("other", False)
    assert not srv.gated


def test_unpause_keeps_another_reason(monkeypatch):
    from shardis.commands import client_cmds
    srv = Server()
    srv.set_gate("other", True)
    client_cmds.pause(srv, 10000, "all")
    assert srv.gated and not srv.expire_keys_allowed
    client_cmds.unpause(srv)
    assert srv.gated and srv.expire_keys_allowed
