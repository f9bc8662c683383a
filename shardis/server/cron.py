"""serverCron: the periodic work, ``hz`` times a second, bounded per tick.

Subsystems add a callable to ``server.cron_handlers``; each gets the server
and must return quickly (a millisecond or two at most).
"""
import time


def start(server):
    loop = server.loop

    def tick():
        server.clock_offset_ns = time.time_ns() - time.perf_counter_ns()
        server.clock_ms()
        server.cronloops = getattr(server, "cronloops", 0) + 1
        sample_ops(server)
        for fn in list(server.cron_handlers):
            try:
                fn(server)
            except Exception as e:
                server.log("warning", f"cron task {getattr(fn, '__name__', fn)} failed: {e!r}")
        if server.ready_keys:
            # keys the tick deleted (active expiry) wake clients blocked on them
            server.handle_ready_keys()
        server.cron_handle = loop.call_later(1.0 / server.hz, tick)

    server.cron_handle = loop.call_later(1.0 / server.hz, tick)


def sample_ops(server):
    """instantaneous_ops_per_sec and friends: a rate over the last samples,
    taken every 100 ms as Redis does."""
    now = time.time()
    t0, cmds0, in0, out0 = server.ops_last
    if now - t0 < 0.1:
        return
    dt = now - t0
    sample = ((server.stat_numcommands - cmds0) / dt,
              (server.stat_net_input_bytes - in0) / dt,
              (server.stat_net_output_bytes - out0) / dt)
    server.ops_samples.append(sample)
    if len(server.ops_samples) > 16:
        del server.ops_samples[0]
    server.ops_last = (now, server.stat_numcommands, server.stat_net_input_bytes,
                       server.stat_net_output_bytes)
