"""Connection limits that are not on the command path.

- ``timeout``: a cron task closes clients idle for longer than the setting,
  except (as Redis) replicas, pub/sub subscribers and blocked clients.
- ``tcp-keepalive``: applied to each accepted TCP socket (client.py,
  connection_made), as Redis does at accept time; a CONFIG SET affects new
  connections.
- ``maxclients``, ``client-query-buffer-limit``, ``proto-max-bulk-len`` and
  ``client-output-buffer-limit`` are enforced where the data flows
  (Server.accept_client, Client.process_input / RequestReader,
  Dispatcher.check_output_limits) from plain attributes kept current by
  config hooks, so a CONFIG SET applies at once.
"""
import time

from shardis.runtime.clientflags import F_BLOCKED, F_MASTER, F_REPLICA

# Idle clients are looked at once a second at most, whatever hz is.
TIMEOUT_CHECK_PERIOD = 1.0


def install(server):
    state = {"last": 0.0}

    def clients_timeout(srv):
        limit = srv.client_timeout
        if not limit:
            return
        now = time.time()
        if now - state["last"] < TIMEOUT_CHECK_PERIOD:
            return
        state["last"] = now
        for c in list(srv.clients.values()):
            if c.closed or c.flags & (F_BLOCKED | F_MASTER | F_REPLICA):
                continue
            if c.kind == "replica" or c.channels_count():
                continue
            if now * 1000 - c.last_interaction > limit * 1000:
                srv.log("verbose", f"Closing idle client id={c.id} addr={c.addr}")
                c.close()

    clients_timeout.__name__ = "clients_timeout"
    server.cron_handlers.append(clients_timeout)

