"""How a Server is put together: every subsystem, in the order it starts.

The Server declares each hook and each piece of subsystem state as an
attribute (``Server.__init__``); the subsystems below fill them in. Nothing
else installs hooks, and the order is this list's, not the import order of
the command modules.
"""
from shardis.commands import (client_cmds, config_cmds, hashes, introspection, keys, lists,
                              object_cmds, pubsub, server_cmds, sets, streams, transactions, zsets)
from shardis.runtime import blocking
from shardis.server import limits, scripts


def install(server):
    # encodings follow their directives (list-max-listpack-size, ...)
    for family in (lists, hashes, sets, zsets, streams):
        family.setup(server)
    blocking.install(server)            # handle_ready_keys; blocked clients leave their queues
    keys.setup(server)                  # active expiry (keyspace.expiry) in the cron
    transactions.setup(server)          # WATCH after a flush; MULTI/WATCH state of a leaving client
    pubsub.setup(server)                # server.pubsub, and server.notifier publishing through it
    client_cmds.setup(server)           # CLIENT PAUSE (server.pause, pause_check)
    object_cmds.setup(server)           # access tracking for LRU/LFU policies
    introspection.setup(server)         # COMMAND without a subcommand
    config_cmds.setup(server)           # CONFIG SET port, dir, REWRITE's default user
    server_cmds.setup(server)           # ADMIN commands hidden from MONITOR; memory baseline
    scripts.install(server)             # EVAL/FUNCTION engine, its fake client, BUSY replies
    limits.install(server)              # client limits (timeout, output buffers)
