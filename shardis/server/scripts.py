"""The scripting engine's place in the server: the fake client scripts run
their commands as, busy-reply-threshold, and serving other clients while a
script runs too long.

A script blocks the event loop, as in Redis. Past busy-reply-threshold the
engine's Lua hook calls ``BusyPoller.poll`` (at most once a millisecond):
it looks at every client socket but the script caller's with a zero-timeout
``select``, reads what arrived straight from the socket (uvloop is not
running, and finds nothing to read afterwards), and feeds it to the
client's usual input path, which runs each command through
``Dispatcher.call_slow`` (the "busy" gate is set): commands Redis flags
ALLOW_BUSY run (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN NOSAVE,
AUTH, HELLO, ...), everything else gets the BUSY error. Replies are written
at once (``Server.flush_writes``); uvloop's transports try the socket write
immediately, so they leave without the loop. New connections are accepted
from the listening sockets and served the same way through a transport over
the raw socket; when the script ends they are handed to the event loop as
new connections (what they set up while the script ran, such as AUTH or
HELLO 3, does not carry over).

SHUTDOWN NOSAVE during a script stops the script (even one that wrote, as
Redis exits without waiting for it) so that the loop can shut down.
"""
import os
import select
import socket
import time

from shardis import REDIS_VERSION
from shardis.runtime.blocking import F_DENY_BLOCKING
from shardis.scripting.engine import ScriptEngine
from shardis.server.client import Client

_POLL_EVERY_NS = 1000000


def install(server):
    major, minor, patch = (int(x) for x in REDIS_VERSION.split("."))
    eng = ScriptEngine(REDIS_VERSION.encode(), (major << 16) | (minor << 8) | patch)
    server.scripting = eng
    eng.commands = server.commands
    eng.call = server.dispatch.call
    eng.log = server.log
    eng.propagation = server.propagation
    eng.make_fake_client = lambda: _fake_client(server)
    server.config.on_change("busy-reply-threshold",
                            lambda v: setattr(eng, "busy_ns", v * 1000000 if v > 0 else 1 << 62))
    poller = BusyPoller(server)
    eng.on_busy = poller.poll
    eng.start_busy = poller.start
    eng.end_busy = poller.end


def _fake_client(server):
    """Redis's script client: no connection, its replies go to the script."""
    c = Client(server)
    c.id = -1
    c.addr = "lua"
    c.laddr = "lua"
    c.name = b""
    c.closed = True         # nothing is ever written to it (pushes are dropped)
    c.flags |= F_DENY_BLOCKING
    c.authenticated = True
    return c


class _SocketTransport:
    """A transport over a socket accepted while the loop is held."""

    def __init__(self, sock):
        self.sock = sock

    def write(self, data):
        view = memoryview(data)
        deadline = time.monotonic() + 1.0
        while view:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                select.select([], [self.sock], [], 0.01)
            except OSError:
                return

    def get_write_buffer_size(self):
        return 0

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_extra_info(self, name, default=None):
        if name == "socket":
            return self.sock
        if name == "peername":
            try:
                return self.sock.getpeername()
            except OSError:
                return None
        if name == "sockname":
            try:
                return self.sock.getsockname()
            except OSError:
                return None
        return default

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def close(self):
        pass

    def abort(self):
        pass


class BusyPoller:
    def __init__(self, server):
        self.server = server
        self.last = 0
        self.accepted = []          # (client, socket) accepted while a script ran
        self.listen_socks = None

    def start(self, ctx):
        srv = self.server
        srv.busy_reply = srv.scripting.busy_reply()
        srv.set_gate("busy", True)
        self.caller = ctx.caller
        self.listen_socks = []
        for lst in srv.listeners:
            for s in lst.sockets or ():
                try:
                    dup = socket.socket(fileno=os.dup(s.fileno()))
                    dup.setblocking(False)
                    self.listen_socks.append(dup)
                except OSError:
                    pass

    def end(self, ctx):
        srv = self.server
        srv.busy_reply = None
        srv.set_gate("busy", False)
        for s in self.listen_socks or ():
            s.close()
        self.listen_socks = None
        accepted, self.accepted = self.accepted, []
        loop = srv.loop
        for c, sock in accepted:
            if not c.closed:
                c.closed = True
                srv.client_gone(c)
            if loop is not None and sock.fileno() >= 0:
                loop.create_task(loop.connect_accepted_socket(lambda: Client(srv), sock))
        # what the poll read (and what clients queued) goes out now
        srv.flush_writes()

    def poll(self):
        now = time.perf_counter_ns()
        if now - self.last < _POLL_EVERY_NS:
            return
        self.last = now
        srv = self.server
        caller = self.caller
        fds = {}
        for c in srv.clients.values():
            if c is caller or c.closed or c.fd < 0:
                continue
            fds[c.fd] = c
        for c, sock in self.accepted:
            if not c.closed:
                fds[sock.fileno()] = c
        lfds = {s.fileno(): s for s in self.listen_socks or ()}
        try:
            ready, _, _ = select.select(list(fds) + list(lfds), [], [], 0)
        except (OSError, ValueError):
            return
        for fd in ready:
            if fd in lfds:
                self._accept(lfds[fd])
                continue
            c = fds[fd]
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                if not c.closed:
                    c.closed = True
                    srv.client_gone(c)
                continue
            srv.busy_reply = srv.scripting.busy_reply()
            c.data_received(data)
        srv.flush_writes()
        if srv.shutdown_requested is not None and srv.shutdown_requested.done():
            srv.scripting.abort_for_shutdown()

    def _accept(self, lsock):
        srv = self.server
        for _ in range(16):
            try:
                sock, _ = lsock.accept()
            except (BlockingIOError, OSError):
                return
            sock.setblocking(False)
            c = Client(srv)
            c.connection_made(_SocketTransport(sock))
            self.accepted.append((c, sock))
