"""Process management as redis.conf promises it, checked on redis-server and
shardis alike: ``--daemonize yes --pidfile F --logfile L --port P`` (the way
scripts start a local cluster), stopping by the pid in F with SIGTERM or
SIGINT, the pid file without daemonizing, and a start that fails.

Every wait is bounded; the only processes signalled are the ones a test
started (by the pid the server wrote)."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from tests.resp_client import RawClient
from tests.servers import ROOT, free_port, wait_ping
from tests.interop.test_startup import REDIS, _env, _cmd

KINDS = ["shardis"] + (["redis"] if REDIS else [])


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers kill(0); it has exited for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait(cond, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _pings(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _read_pid(path):
    with open(path) as f:
        return int(f.read().strip())


class Daemon:
    """A server started with --daemonize yes; stopped (if still alive) by
    the pid it wrote."""

    def __init__(self, kind, tmp, extra=()):
        self.port = free_port()
        self.pidfile = os.path.join(tmp, f"{kind}.pid")
        self.logfile = os.path.join(tmp, f"{kind}.log")
        args = ["--daemonize", "yes", "--pidfile", self.pidfile, "--logfile", self.logfile,
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", tmp, "--enable-debug-command", "yes", *extra]
        self.launcher = subprocess.Popen(_cmd(kind, args), cwd=tmp, env=_env(),
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True)
        try:
            self.out, self.err = self.launcher.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.launcher.kill()
            self.out, self.err = self.launcher.communicate(timeout=5)
        self.pid = None

    def started(self):
        assert self.launcher.returncode == 0, self.err
        assert _wait(lambda: os.path.exists(self.pidfile) and _pings(self.port)), \
            self.log()
        self.pid = _read_pid(self.pidfile)
        return self

    def log(self):
        try:
            with open(self.logfile) as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        if self.pid is not None and _alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
            _wait(lambda: not _alive(self.pid), 5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_daemonize_pidfile_logfile(kind, sig):
    with tempfile.TemporaryDirectory(prefix="shardis-proc-") as tmp:
        d = Daemon(kind, tmp)
        try:
            d.started()
            # the launcher has exited (status 0) and the server is another process
            assert d.pid not in (d.launcher.pid, os.getpid())
            assert _alive(d.pid)
            assert os.getsid(d.pid) != os.getsid(0)        # its own session
            c = RawClient(d.port)
            assert c("PING") == b"PONG"
            assert c("SET", "k", "v") == b"OK"
            c.close()
            # nothing on the launcher's terminal: the log is in the log file
            assert d.out == ""
            os.kill(d.pid, sig)
            assert _wait(lambda: not _alive(d.pid)), d.log()
            assert _wait(lambda: not os.path.exists(d.pidfile), 5)
            log = d.log()
            name = signal.Signals(sig).name
            assert f"Received {name} scheduling shutdown..." in log
            assert "User requested shutdown..." in log
            assert "is now ready to exit, bye bye..." in log
            assert "You insist" not in log
        finally:
            d.cleanup()


@pytest.mark.parametrize("kind", KINDS)
def test_pidfile_in_foreground(kind):
    with tempfile.TemporaryDirectory(prefix="shardis-proc-") as tmp:
        port = free_port()
        pidfile = os.path.join(tmp, "fg.pid")
        p = subprocess.Popen(_cmd(kind, ["--port", str(port), "--bind", "127.0.0.1",
                                         "--save", "", "--pidfile", pidfile]),
                             cwd=tmp, env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_ping(port, p)
            assert _read_pid(pidfile) == p.pid
            p.send_signal(signal.SIGTERM)
            assert p.wait(15) == 0
            assert not os.path.exists(pidfile)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(5)


def test_daemonize_start_failure_reported():
    """A daemonized start that cannot listen: the launcher says why and
    exits 1 (Redis's launcher has already exited 0 by then; ours waits for
    the server to be listening) and no pid file is left behind."""
    with tempfile.TemporaryDirectory(prefix="shardis-proc-") as tmp:
        busy = socket.socket()
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        pidfile = os.path.join(tmp, "f.pid")
        try:
            r = subprocess.run(_cmd("shardis", ["--daemonize", "yes", "--pidfile", pidfile,
                                                "--logfile", os.path.join(tmp, "f.log"),
                                                "--port", str(port), "--bind", "127.0.0.1",
                                                "--save", ""]),
                               cwd=tmp, env=_env(), capture_output=True, text=True, timeout=30)
        finally:
            busy.close()
        assert r.returncode == 1
        assert "Could not create server TCP listening socket" in r.stderr
        assert not os.path.exists(pidfile)


def test_second_sigint_exits_at_once():
    """SIGINT while a shutdown is pending (here: the loop is held by DEBUG
    SLEEP) exits at once with status 1, as Redis's handler does."""
    with tempfile.TemporaryDirectory(prefix="shardis-proc-") as tmp:
        d = Daemon("shardis", tmp)
        try:
            d.started()
            c = RawClient(d.port)
            c.send("DEBUG", "SLEEP", "3")
            time.sleep(0.3)
            t0 = time.monotonic()
            os.kill(d.pid, signal.SIGINT)
            assert _wait(lambda: "Received SIGINT" in d.log(), 2)   # logged during the sleep
            os.kill(d.pid, signal.SIGINT)
            assert _wait(lambda: not _alive(d.pid), 5)
            assert time.monotonic() - t0 < 2.5                        # before the sleep ended
            log = d.log()
            assert "You insist... exiting now." in log
            assert "bye bye" not in log
            c.close()
        finally:
            d.cleanup()


@pytest.mark.parametrize("flags", ["nosave now", "save", "force", "default"])
def test_shutdown_on_sigterm_flags(flags):
    with tempfile.TemporaryDirectory(prefix="shardis-proc-") as tmp:
        d = Daemon("shardis", tmp, extra=["--shutdown-on-sigterm", flags])
        try:
            d.started()
            os.kill(d.pid, signal.SIGTERM)
            assert _wait(lambda: not _alive(d.pid)), d.log()
            assert "bye bye" in d.log()
            assert not os.path.exists(d.pidfile)
        finally:
            d.cleanup()
