"""Client state flags (CLIENT LIST ``flags=``) and the BLOCKED sentinel.

They live below commands/ and server/ so that both can use them: a handler
returns BLOCKED after parking its client; dispatch reads the flags.
"""

BLOCKED = object()          # a handler's return value: the client is now blocked

# client flags (CLIENT LIST flags=)
F_MULTI = 1
F_DIRTY_EXEC = 2
F_DIRTY_CAS = 4
F_PUBSUB = 8
F_MONITOR = 16
F_CLOSE_AFTER_REPLY = 32
F_BLOCKED = 64
F_NO_EVICT = 128
F_NO_TOUCH = 256            # CLIENT NO-TOUCH on: its commands (but TOUCH) leave access times alone
F_READONLY = 512
F_MASTER = 1024
F_REPLICA = 2048
F_UNIX = 4096
F_CLOSE_ASAP = 8192
F_TRACKING = 16384
