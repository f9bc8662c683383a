"""Keyspace notifications: ``notify-keyspace-events`` -> a bit mask, and the
function commands reach through ``server.notify(db, cls, event, key)``.

For an enabled class an event publishes ``__keyspace@<db>__:<key>`` with the
event name as the message (flag K) and ``__keyevent@<db>__:<event>`` with the
key as the message (flag E), exactly as Redis's notifyKeyspaceEvent. Nothing
is published unless K or E is set; ``server.notify_on`` is True only while
some class and some target (K/E) are enabled, so writers skip the call
altogether otherwise.

The publisher is handed in by the pub/sub family (``setup(server, publish)``)
so the keyspace does not import the commands.
"""

KEYSPACE = 1 << 0     # K
KEYEVENT = 1 << 1     # E
GENERIC = 1 << 2      # g
STRING = 1 << 3       # $
LIST = 1 << 4         # l
SET = 1 << 5          # s
HASH = 1 << 6         # h
ZSET = 1 << 7         # z
EXPIRED = 1 << 8      # x
EVICTED = 1 << 9      # e
STREAM = 1 << 10      # t
KEY_MISS = 1 << 11    # m
MODULE = 1 << 12      # d
NEW = 1 << 13         # n
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE

BITS = {"K": KEYSPACE, "E": KEYEVENT, "g": GENERIC, "$": STRING, "l": LIST, "s": SET,
        "h": HASH, "z": ZSET, "x": EXPIRED, "e": EVICTED, "t": STREAM, "m": KEY_MISS,
        "d": MODULE, "n": NEW, "A": ALL}


def flags_from_text(text):
    """Bit mask of a notify-keyspace-events string (already validated)."""
    mask = 0
    for ch in text:
        mask |= BITS.get(ch, 0)
    return mask


def text_from_flags(mask):
    """The text Redis prints for a mask (keyspaceEventsFlagsToString): 'n'
    only when not all classes are set, and 'm' after K and E."""
    out = ""
    if mask & ALL == ALL:
        out = "A"
    else:
        for ch in "g$lshzxetdn":
            if mask & BITS[ch]:
                out += ch
    if mask & KEYSPACE:
        out += "K"
    if mask & KEYEVENT:
        out += "E"
    if mask & KEY_MISS:
        out += "m"
    return out


class Notifier:
    """Holds the mask and the channel-name caches; ``__call__`` is the
    ``server.notifier`` that ``Server.notify`` calls."""
    __slots__ = ("server", "publish", "mask", "_events", "_evchans", "_spaces")

    def __init__(self, server, publish):
        self.server = server
        self.publish = publish
        self.mask = 0
        self._events = {}     # event (str or bytes) -> bytes
        self._evchans = {}    # (dbid, event) -> b"__keyevent@<db>__:<event>"
        self._spaces = {}     # dbid -> b"__keyspace@<db>__:"

    def configure(self, text):
        self.mask = flags_from_text(text or "")
        m = self.mask
        self.server.notify_on = bool(m & (KEYSPACE | KEYEVENT)) and bool(m & ~(KEYSPACE | KEYEVENT))

    def __call__(self, db, cls, event, key):
        m = self.mask
        bit = BITS.get(cls, 0)
        if not m & bit:
            return
        ev = self._events.get(event)
        if ev is None:
            ev = event.encode() if event.__class__ is str else bytes(event)
            self._events[event] = ev
        dbid = db.id
        if m & KEYSPACE:
            prefix = self._spaces.get(dbid)
            if prefix is None:
                prefix = self._spaces[dbid] = b"__keyspace@%d__:" % dbid
            self.publish(prefix + key, ev)
        if m & KEYEVENT:
            k = (dbid, event)
            chan = self._evchans.get(k)
            if chan is None:
                chan = self._evchans[k] = b"__keyevent@%d__:%s" % (dbid, ev)
            self.publish(chan, bytes(key) if key.__class__ is not bytes else key)


def setup(server, publish):
    """Install the notifier (called by the pub/sub family's setup)."""
    n = Notifier(server, publish)
    server.notifier = n
    server.config.on_change("notify-keyspace-events", n.configure)
    return n
