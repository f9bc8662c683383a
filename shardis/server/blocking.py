"""Moved to shardis.runtime.blocking (the room commands may import); this
name stays until every importer uses the new one."""
from shardis.runtime.blocking import *  # noqa: F401,F403
from shardis.runtime.blocking import (  # noqa: F401
    F_DENY_BLOCKING, UNBLOCKED, BlockState, parse_timeout, can_block, block, served_as,
    signal_ready, unblock_client, handle_ready_keys, blocked_clients, blocking_keys_count,
    install,
)
