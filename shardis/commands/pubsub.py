"""Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH,
SPUBLISH and PUBSUB introspection.

Server state lives in one ``PubSub`` object (``server.pubsub``):
channel -> {client: None}, pattern -> [matcher, {client: None}] and shard
channel -> {client: None}. Dicts keep subscription order and give O(1)
membership. Each client holds the same relation from its side in
``client.channels`` / ``client.patterns`` / ``client.shard_channels`` (dicts
used as ordered sets).

A message is encoded once per protocol version and pushed with
``client.push``. RESP2 subscribers are in the pub/sub context while they hold
any subscription: dispatch enforces it through ``client.update_gate()``.
"""
from shardis.commands import command
from shardis.commands.util import help_reply
from shardis.protocol.resp import error, integer
from shardis.util.glob import compile_glob

# server.client flags (checked in setup: commands do not import the server room)
F_MULTI = 1
F_PUBSUB = 8
_SSUB_DENIED = error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")

_KIND = {name: b"$%d\r\n%s\r\n" % (len(name), name) for name in (
    b"subscribe", b"unsubscribe", b"psubscribe", b"punsubscribe", b"ssubscribe",
    b"sunsubscribe", b"message", b"pmessage", b"smessage")}

_MSG2 = b"*3\r\n" + _KIND[b"message"]
_MSG3 = b">3\r\n" + _KIND[b"message"]
_PMSG2 = b"*4\r\n" + _KIND[b"pmessage"]
_PMSG3 = b">4\r\n" + _KIND[b"pmessage"]
_SMSG2 = b"*3\r\n" + _KIND[b"smessage"]
_SMSG3 = b">3\r\n" + _KIND[b"smessage"]


class PubSub:
    __slots__ = ("channels", "patterns", "shard")

    def __init__(self):
        self.channels = {}   # channel -> {client: None}
        self.patterns = {}   # pattern -> [matcher, {client: None}]
        self.shard = {}      # shard channel -> {client: None}

    def publish(self, channel, message):
        """Deliver ``message`` to the subscribers of ``channel`` and of the
        patterns matching it; returns the number of receivers."""
        n = 0
        subs = self.channels.get(channel)
        body = None
        if subs:
            body = b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(message), message)
            m2 = m3 = None
            for c in tuple(subs):
                if c.resp == 3:
                    if m3 is None:
                        m3 = _MSG3 + body
                    c.push(m3)
                else:
                    if m2 is None:
                        m2 = _MSG2 + body
                    c.push(m2)
                n += 1
        if self.patterns:
            hits = [(pat, entry[1]) for pat, entry in self.patterns.items() if entry[0](channel)]
            if hits:
                if body is None:
                    body = b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel,
                                                           len(message), message)
                for pat, subs in hits:
                    head = b"$%d\r\n%s\r\n" % (len(pat), pat)
                    m2 = m3 = None
                    for c in tuple(subs):
                        if c.resp == 3:
                            if m3 is None:
                                m3 = _PMSG3 + head + body
                            c.push(m3)
                        else:
                            if m2 is None:
                                m2 = _PMSG2 + head + body
                            c.push(m2)
                        n += 1
        return n

    def spublish(self, channel, message):
        subs = self.shard.get(channel)
        if not subs:
            return 0
        body = b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(message), message)
        m2 = m3 = None
        n = 0
        for c in tuple(subs):
            if c.resp == 3:
                if m3 is None:
                    m3 = _SMSG3 + body
                c.push(m3)
            else:
                if m2 is None:
                    m2 = _SMSG2 + body
                c.push(m2)
            n += 1
        return n

    # -- per-client relation --------------------------------------------------
    def add_channel(self, c, ch):
        mine = c.channels
        if mine is None:
            mine = c.channels = {}
        if ch in mine:
            return
        mine[ch] = None
        subs = self.channels.get(ch)
        if subs is None:
            subs = self.channels[ch] = {}
        subs[c] = None

    def remove_channel(self, c, ch):
        mine = c.channels
        if not mine or ch not in mine:
            return
        del mine[ch]
        subs = self.channels.get(ch)
        if subs is not None:
            subs.pop(c, None)
            if not subs:
                del self.channels[ch]

    def add_pattern(self, c, pat):
        mine = c.patterns
        if mine is None:
            mine = c.patterns = {}
        if pat in mine:
            return
        mine[pat] = None
        entry = self.patterns.get(pat)
        if entry is None:
            entry = self.patterns[pat] = [compile_glob(pat), {}]
        entry[1][c] = None

    def remove_pattern(self, c, pat):
        mine = c.patterns
        if not mine or pat not in mine:
            return
        del mine[pat]
        entry = self.patterns.get(pat)
        if entry is not None:
            entry[1].pop(c, None)
            if not entry[1]:
                del self.patterns[pat]

    def add_shard(self, c, ch):
        mine = c.shard_channels
        if mine is None:
            mine = c.shard_channels = {}
        if ch in mine:
            return
        mine[ch] = None
        subs = self.shard.get(ch)
        if subs is None:
            subs = self.shard[ch] = {}
        subs[c] = None

    def remove_shard(self, c, ch):
        mine = c.shard_channels
        if not mine or ch not in mine:
            return
        del mine[ch]
        subs = self.shard.get(ch)
        if subs is not None:
            subs.pop(c, None)
            if not subs:
                del self.shard[ch]

    def drop_client(self, c):
        """Remove every subscription of ``c`` (no replies)."""
        if c.channels:
            for ch in list(c.channels):
                self.remove_channel(c, ch)
        if c.patterns:
            for pat in list(c.patterns):
                self.remove_pattern(c, pat)
        if c.shard_channels:
            for ch in list(c.shard_channels):
                self.remove_shard(c, ch)


def _state(c):
    return c.server.pubsub


def _count(c):
    """Channels + patterns: the count SUBSCRIBE/PSUBSCRIBE replies carry."""
    n = 0
    if c.channels:
        n += len(c.channels)
    if c.patterns:
        n += len(c.patterns)
    return n


def _shard_count(c):
    return len(c.shard_channels) if c.shard_channels else 0


def _after_change(c):
    if c.channels_count():
        c.flags |= F_PUBSUB
    else:
        c.flags &= ~F_PUBSUB
    c.update_gate()


def _reply(c, kind, name, count):
    """One subscription confirmation: [kind, name|nil, count] as a push."""
    head = b">3\r\n" if c.resp == 3 else b"*3\r\n"
    if name is None:
        nm = c.r.nil
    else:
        nm = b"$%d\r\n%s\r\n" % (len(name), name)
    return head + _KIND[kind] + nm + integer(count)


def _deliver(c, out):
    """Confirmations are pushes, not replies: Redis sends them even under
    CLIENT REPLY OFF/SKIP. ``push`` puts them where the reply would be."""
    c.push(b"".join(out))
    return None


# -- commands ----------------------------------------------------------------------
@command("subscribe")
def cmd_subscribe(c, argv):
    ps = _state(c)
    out = []
    for ch in argv[1:]:
        ps.add_channel(c, ch)
        out.append(_reply(c, b"subscribe", ch, _count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("psubscribe")
def cmd_psubscribe(c, argv):
    ps = _state(c)
    out = []
    for pat in argv[1:]:
        ps.add_pattern(c, pat)
        out.append(_reply(c, b"psubscribe", pat, _count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("ssubscribe")
def cmd_ssubscribe(c, argv):
    if c.flags & F_MULTI:
        # run by EXEC: Redis denies it there (SUBSCRIBE/PSUBSCRIBE are allowed)
        return _SSUB_DENIED
    ps = _state(c)
    out = []
    for ch in argv[1:]:
        ps.add_shard(c, ch)
        out.append(_reply(c, b"ssubscribe", ch, _shard_count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("unsubscribe")
def cmd_unsubscribe(c, argv):
    ps = _state(c)
    out = []
    names = argv[1:] if len(argv) > 1 else list(c.channels or ())
    if not names:
        out.append(_reply(c, b"unsubscribe", None, _count(c)))
    for ch in names:
        ps.remove_channel(c, ch)
        out.append(_reply(c, b"unsubscribe", ch, _count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("punsubscribe")
def cmd_punsubscribe(c, argv):
    ps = _state(c)
    out = []
    names = argv[1:] if len(argv) > 1 else list(c.patterns or ())
    if not names:
        out.append(_reply(c, b"punsubscribe", None, _count(c)))
    for pat in names:
        ps.remove_pattern(c, pat)
        out.append(_reply(c, b"punsubscribe", pat, _count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("sunsubscribe")
def cmd_sunsubscribe(c, argv):
    ps = _state(c)
    out = []
    names = argv[1:] if len(argv) > 1 else list(c.shard_channels or ())
    if not names:
        out.append(_reply(c, b"sunsubscribe", None, _shard_count(c)))
    for ch in names:
        ps.remove_shard(c, ch)
        out.append(_reply(c, b"sunsubscribe", ch, _shard_count(c)))
    _after_change(c)
    return _deliver(c, out)


@command("publish")
def cmd_publish(c, argv):
    return integer(c.server.pubsub.publish(argv[1], argv[2]))


@command("spublish")
def cmd_spublish(c, argv):
    return integer(c.server.pubsub.spublish(argv[1], argv[2]))


def _bad_args(argv):
    name = argv[1].decode("utf-8", "replace")
    return error(f"ERR unknown subcommand or wrong number of arguments for '{name}'. "
                 "Try PUBSUB HELP.")


def _list_channels(table, argv):
    if len(argv) > 3:
        return _bad_args(argv)
    if len(argv) == 3:
        m = compile_glob(argv[2])
        names = [ch for ch in table if m(ch)]
    else:
        names = list(table)
    return b"*%d\r\n" % len(names) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in names)


def _numsub(table, argv):
    out = [b"*%d\r\n" % (2 * (len(argv) - 2))]
    for ch in argv[2:]:
        subs = table.get(ch)
        out.append(b"$%d\r\n%s\r\n" % (len(ch), ch))
        out.append(integer(len(subs) if subs else 0))
    return b"".join(out)


@command("pubsub|channels")
def cmd_pubsub_channels(c, argv):
    return _list_channels(_state(c).channels, argv)


@command("pubsub|shardchannels")
def cmd_pubsub_shardchannels(c, argv):
    return _list_channels(_state(c).shard, argv)


@command("pubsub|numsub")
def cmd_pubsub_numsub(c, argv):
    return _numsub(_state(c).channels, argv)


@command("pubsub|shardnumsub")
def cmd_pubsub_shardnumsub(c, argv):
    return _numsub(_state(c).shard, argv)


@command("pubsub|numpat")
def cmd_pubsub_numpat(c, argv):
    return integer(len(_state(c).patterns))




command("pubsub|help")(lambda c, argv: help_reply("PUBSUB"))
# -- lifecycle -----------------------------------------------------------------------
def reset_client(server, c):
    """Drop every subscription of ``c`` without replies (RESET, disconnect)."""
    ps = server.pubsub
    if ps is not None and c.channels_count():
        ps.drop_client(c)
    c.flags &= ~F_PUBSUB
    c.update_gate()


def setup(server):
    from shardis.runtime import clientflags as _client
    assert (_client.F_MULTI, _client.F_PUBSUB) == (F_MULTI, F_PUBSUB)
    ps = server.pubsub = PubSub()

    def gone(c):
        if c.channels_count():
            ps.drop_client(c)
    server.add_cleanup(gone)
    from shardis.keyspace import notify
    notify.setup(server, ps.publish)
