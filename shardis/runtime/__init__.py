"""Runtime subsystems that commands drive and the server hosts: client state
flags, blocking on keys, statistics (slow log, latency) and INFO.

This room sits between keyspace/ and commands/: commands import it, and the
server (listener, Client, dispatch, cron) imports both.
"""
