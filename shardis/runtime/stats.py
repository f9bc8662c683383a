"""SLOWLOG and the latency monitor (LATENCY), as data structures."""
import time
from collections import deque

SLOWLOG_ENTRY_MAX_ARGC = 32
SLOWLOG_ENTRY_MAX_STRING = 128


class SlowLog:
    def __init__(self, server):
        self.server = server
        self.entries = deque()
        self.next_id = 0

    def add(self, c, argv, usec):
        maxlen = self.server.config["slowlog-max-len"]
        args = []
        argc = len(argv)
        for i, a in enumerate(argv):
            if i == SLOWLOG_ENTRY_MAX_ARGC - 1 and argc > SLOWLOG_ENTRY_MAX_ARGC:
                args.append(b"... (%d more arguments)" % (argc - SLOWLOG_ENTRY_MAX_ARGC + 1))
                break
            if len(a) > SLOWLOG_ENTRY_MAX_STRING:
                a = a[:SLOWLOG_ENTRY_MAX_STRING] + b"... (%d more bytes)" % (len(a) - SLOWLOG_ENTRY_MAX_STRING)
            args.append(bytes(a))
        self.entries.appendleft((self.next_id, int(time.time()), usec, args,
                                 c.addr.encode(), bytes(c.name or b"")))
        self.next_id += 1
        while len(self.entries) > maxlen:
            self.entries.pop()

    def reset(self):
        self.entries.clear()


class LatencyMonitor:
    """Per-event latest/max samples and a 160-sample history, as Redis keeps."""
    HISTORY = 160

    def __init__(self, server):
        self.server = server
        self.events = {}   # name -> dict(history deque[(ts, ms)], max)

    def add_sample(self, event, ms):
        now = int(time.time())
        e = self.events.get(event)
        if e is None:
            e = self.events[event] = {"history": deque(maxlen=self.HISTORY), "max": 0}
        h = e["history"]
        if h and h[-1][0] == now:
            ts, old = h[-1]
            h[-1] = (ts, max(old, ms))
        else:
            h.append((now, ms))
        if ms > e["max"]:
            e["max"] = ms

    def reset(self, names=None):
        if not names:
            n = len(self.events)
            self.events.clear()
            return n
        n = 0
        for name in names:
            if self.events.pop(name, None) is not None:
                n += 1
        return n


def latency_graph(name, event, now):
    """An ASCII graph of an event's history: one column per sample, height
    proportional to the latency, labelled with the sample's age."""
    h = list(event["history"])
    rows = 4
    hi = max(ms for _, ms in h) or 1
    lo = min(ms for _, ms in h)
    head = (f"{name} - high {hi} ms, low {lo} ms (all time high {event['max']} ms)\n"
            + "-" * 80 + "\n")
    cols = h[-80:]
    grid = []
    for r in range(rows, 0, -1):
        line = "".join("#" if ms * rows >= r * hi else ("_" if r == 1 else " ") for _, ms in cols)
        grid.append(line.rstrip() + "\n")
    ages = []
    for ts, _ in cols:
        age = max(0, now - ts)
        ages.append(_short_age(age))
    width = max((len(a) for a in ages), default=0)
    labels = []
    for i in range(width):
        labels.append("".join(a[i] if i < len(a) else " " for a in ages).rstrip() + "\n")
    return head + "\n" + "".join(grid) + "\n" + "".join(labels)


def _short_age(secs):
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m"
    if secs < 86400:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def latency_doctor(server):
    """A short human-readable report on the latency events recorded."""
    thr = server.config["latency-monitor-threshold"]
    if not thr:
        return ("Latency monitoring is disabled (latency-monitor-threshold is 0). Enable it "
                "with CONFIG SET latency-monitor-threshold <milliseconds> to collect latency "
                "events, then ask again.\n")
    ev = server.latency.events
    if not ev:
        return ("No latency event above the threshold of %d ms was recorded since the server "
                "started (or since the last LATENCY RESET).\n" % thr)
    lines = [f"{len(ev)} latency event class(es) observed (threshold {thr} ms):\n"]
    for i, (name, e) in enumerate(ev.items(), 1):
        h = e["history"]
        avg = sum(ms for _, ms in h) // max(1, len(h))
        lines.append(f"{i}. {name}: {len(h)} latency spikes (average {avg}ms, "
                     f"worst {e['max']}ms).\n")
    hints = []
    if any(n in ev for n in ("command", "fast-command")):
        hints.append("- Check the SLOWLOG for the commands that took long, and avoid O(N) "
                     "commands on large values.\n")
    if hints:
        lines.append("\nAdvice:\n")
        lines.extend(hints)
    return "".join(lines)
