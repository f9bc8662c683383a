"""The real redis-cli against shardis, compared with redis-cli against redis-server.

Covers the piped interactive mode, ``-x``, ``--scan --pattern``, ``--latency``,
``--stat`` (both bounded by a timeout and read through a pseudo-terminal, since
redis-cli buffers them otherwise), ``--bigkeys`` on strings and INFO parsing.
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time

import pytest

from tests.resp_client import RawClient

CLI = shutil.which("redis-cli")
pytestmark = pytest.mark.skipif(CLI is None, reason="redis-cli not installed")


def cli(port, *args, stdin=None, timeout=20):
    p = subprocess.run([CLI, "-p", str(port), *args], input=stdin, capture_output=True,
                       timeout=timeout)
    return p.stdout


def cli_tty(port, args, seconds):
    """Run redis-cli with a terminal on stdout for ``seconds``, then stop it
    (SIGINT, as a user would) and return what it printed."""
    master, slave = pty.openpty()
    p = subprocess.Popen([CLI, "-p", str(port), *args], stdout=slave, stderr=slave,
                         stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
        while True:
            r, _, _ = select.select([master], [], [], 0.1)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
    return out.replace(b"\r\n", b"\n")


@pytest.fixture
def ports(redis_proc, shardis_proc):
    for port in (redis_proc.port, shardis_proc.port):
        c = RawClient(port)
        c("FLUSHALL")
        c.close()
    return redis_proc.port, shardis_proc.port


def test_piped_interactive(ports):
    script = (b"SET a b\nGET a\nINCR a\nMSET x 1 y 2\nMGET x y nokey\nDEL x\n"
              b"HSET h f v\nHGETALL h\nPING\nECHO \"two words\"\nNOSUCHCOMMAND arg\n"
              b"EXISTS a x y\nTYPE h\n")
    r = cli(ports[0], stdin=script)
    s = cli(ports[1], stdin=script)
    assert s == r
    assert b"two words" in s


def test_piped_resp3(ports):
    script = b"HELLO 3\nHSET h a 1\nHGETALL h\nCONFIG GET maxmemory\n"
    r = cli(ports[0], "-3", stdin=script)
    s = cli(ports[1], "-3", stdin=script)
    # HELLO's reply carries the version and the client id: compare the rest
    assert s.split(b"modules", 1)[1] == r.split(b"modules", 1)[1]


def test_x_option(ports):
    for port in ports:
        assert cli(port, "-x", "SET", "xk", stdin=b"hello\nworld") == b"OK\n"
        assert cli(port, "GET", "xk") == b"hello\nworld\n"
        assert cli(port, "--raw", "STRLEN", "xk") == b"11\n"


def test_scan_pattern(ports):
    outs = []
    for port in ports:
        c = RawClient(port)
        c("MSET", *[x for i in range(300) for x in ("user:%d" % i, "v")])
        c("MSET", "other:1", "v", "other:2", "v")
        c.close()
        out = cli(port, "--scan", "--pattern", "user:1*")
        outs.append(sorted(out.split()))
    assert outs[0] == outs[1]
    assert len(outs[1]) == 111


def test_scan_all(ports):
    outs = []
    for port in ports:
        c = RawClient(port)
        c("MSET", "a", "1", "b", "2", "c", "3")
        c.close()
        outs.append(sorted(cli(port, "--scan").split()))
    assert outs[0] == outs[1] == [b"a", b"b", b"c"]


def test_latency(ports):
    for port in ports:
        out = cli_tty(port, ["--latency", "-i", "0.1"], 1.5)
        m = re.search(rb"min: (\d+), max: (\d+), avg: ([\d.]+) \((\d+) samples\)", out)
        assert m, out
        assert int(m.group(4)) > 0


def test_latency_raw_output(ports):
    # without a terminal, --latency with -i samples for one interval, prints
    # "min max avg samples" and exits
    for port in ports:
        out = cli(port, "--latency", "-i", "0.3", timeout=10)
        m = re.fullmatch(rb"(\d+) (\d+) ([\d.]+) (\d+)\n", out)
        assert m, out
        assert int(m.group(4)) > 0 and int(m.group(1)) <= int(m.group(2))


def test_stat(ports):
    for port in ports:
        out = cli_tty(port, ["--stat", "-i", "0.2"], 1.5)
        assert b"------- data ------" in out, out
        rows = [l for l in out.split(b"\n") if re.match(rb"^\d+\s+\S+\s+\d+\s+\d+", l)]
        assert rows, out
        # keys column, memory column (human), clients, blocked, requests, connections
        cols = rows[-1].split()
        assert cols[0] == b"0"


def test_bigkeys_strings(ports):
    outs = []
    for port in ports:
        c = RawClient(port)
        c("MSET", "small", "x", "medium", "x" * 50, "large", "x" * 500)
        c.close()
        out = cli(port, "--bigkeys")
        outs.append(out)
        assert b"Biggest string found '\"large\"' has 500 bytes" in out, out
        assert b"3 strings with 551 bytes (100.00% of keys, avg size 183.67)" in out, out
    # the summaries (after the progress lines) are identical
    tail = [o.split(b"-------- summary -------", 1)[1] for o in outs]
    body = [re.sub(rb"Sampled \d+ keys", b"", t) for t in tail]
    assert body[0] == body[1]


def test_info_parsing(ports):
    empty = [cli(port, "INFO", "keyspace") for port in ports]
    assert empty[0] == empty[1] == b"# Keyspace\r\n"
    for port in ports:
        out = cli(port, "INFO", "server")
        assert out.startswith(b"# Server\r\n")
        fields = dict(l.split(b":", 1) for l in out.split(b"\r\n")[1:] if b":" in l)
        assert fields[b"tcp_port"] == str(port).encode()
        c = RawClient(port)
        c("MSET", "a", "1", "b", "2")
        c.close()
        assert cli(port, "INFO", "keyspace").startswith(b"# Keyspace\r\ndb0:keys=2,expires=0,")
    assert cli(ports[1], "INFO", "server").split(b"\r\n")[1].startswith(b"redis_version:7.2.")


def test_cli_commands_that_parse_replies(ports):
    outs = []
    for port in ports:
        outs.append([cli(port, "--no-raw", "CLIENT", "SETNAME", "x"),
                     cli(port, "COMMAND", "COUNT") != b"",
                     cli(port, "--raw", "COMMAND", "INFO", "get").split(b"\n")[:6],
                     cli(port, "CONFIG", "GET", "maxmemory"),
                     cli(port, "--csv", "MGET", "a", "nokey")])
    assert outs[0] == outs[1]
