"""Lua scripting and Redis 7 Functions.

- ``lua``: a sandboxed Lua 5.1 state (lupa) with Redis's globals, its
  read-only global table, the ``redis.*`` API and the error handler;
- ``convert``: replies between RESP and Lua values, in both directions;
- ``libs``: the libraries Redis loads (cjson, cmsgpack, bit, struct);
- ``library``: the function library store (libraries, functions, flags) and
  FUNCTION DUMP's payload (Redis's RDB function record), for RDB/AOF too;
- ``engine``: the script cache, running a script or a function (the run
  context: the fake client, read-only and OOM rules, replication flags,
  the timeout and SCRIPT/FUNCTION KILL).

The room never imports commands/ or server/: the server hands the engine
what it needs at wiring time (the command table, ``Dispatcher.call``, a
fake-client factory and the poller that answers other clients while a script
runs too long).
"""
