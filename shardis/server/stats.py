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
                                 c.addr.encode() if not c.unix else b"", bytes(c.name or b"")))
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
