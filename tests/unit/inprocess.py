"""A Client on a recording fake transport, for tests of the hot loop that
run in-process (no sockets)."""
from shardis.server.client import Client


class RecordingTransport:
    """Keeps every write; no flow control, no peer."""

    def __init__(self):
        self.out = []
        self.closed = self.aborted = False

    def write(self, data):
        self.out.append(data)

    def get_write_buffer_size(self):
        return 0

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def get_extra_info(self, name):
        return None

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = self.closed = True


def enc(*args):
    """One command in RESP (str or bytes arguments)."""
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def client(srv):
    c = Client(srv)
    c.connection_made(RecordingTransport())
    return c
