"""A minimal raw RESP client for tests: sends a command, returns the exact
reply bytes and the parsed value. Exact bytes let differential tests compare
the wire format itself, not a client library's interpretation of it."""
import socket
import time


class RespError(Exception):
    pass


class Push(list):
    """A RESP3 push message (parsed)."""


class RawClient:
    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    @staticmethod
    def encode(args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, (int, float)):
                a = str(a).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(parts)

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, *args):
        self.sock.sendall(self.encode(args))

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return self.buf[pos:i], i + 2
            self._fill()

    def _parse(self, pos):
        line, pos = self._line(pos)
        t, rest = line[:1], line[1:]
        if t in (b"+",):
            return rest, pos
        if t == b"-":
            return RespError(rest.decode("utf-8", "replace")), pos
        if t == b":":
            return int(rest), pos
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None, pos
            while len(self.buf) < pos + n + 2:
                self._fill()
            v = self.buf[pos:pos + n]
            return (RespError(v.decode()) if t == b"!" else v), pos + n + 2
        if t == b"_":
            return None, pos
        if t == b",":
            s = rest.lower()
            return float(s.replace(b"inf", b"inf")), pos
        if t == b"#":
            return rest == b"t", pos
        if t == b"(":
            return int(rest), pos
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None, pos
            out = Push() if t == b">" else []
            for _ in range(n):
                v, pos = self._parse(pos)
                out.append(v)
            return (set(map(_hashable, out)) if t == b"~" and False else out), pos
        if t == b"%" or t == b"|":
            n = int(rest)
            out = {}
            for _ in range(n):
                k, pos = self._parse(pos)
                v, pos = self._parse(pos)
                out[_hashable(k)] = v
            if t == b"|":   # attribute: the real reply follows
                return self._parse(pos)
            return out, pos
        raise ValueError(f"bad reply line {line!r}")

    def read(self):
        """Read one reply: returns (raw bytes, parsed value)."""
        deadline = time.monotonic() + self.timeout
        while not self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError
            self._fill()
        v, end = self._parse(0)
        raw = self.buf[:end]
        self.buf = self.buf[end:]
        return raw, v

    def call(self, *args):
        """Send a command and return (raw, parsed)."""
        self.send(*args)
        return self.read()

    def __call__(self, *args):
        return self.call(*args)[1]


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v
