"""Start and stop servers for tests: a real redis-server (the oracle) and
shardis, each on a free loopback port, stopped by pid."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_ping(port, proc, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not answer PING in {timeout}s")


class ServerProc:
    def __init__(self, kind, args=(), port=None):
        self.kind = kind
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix=f"shardis-test-{kind}-")
        if kind == "redis":
            exe = shutil.which("redis-server")
            if exe is None:
                raise FileNotFoundError("redis-server")
            cmd = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", self.dir, "--enable-debug-command", "yes",
                   "--enable-module-command", "yes", *args]
        else:
            cmd = [sys.executable, "-m", "shardis", "--port", str(self.port), "--bind",
                   "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir,
                   "--enable-debug-command", "yes", "--enable-module-command", "yes", *args]
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     cwd=self.dir)
        try:
            wait_ping(self.port, self.proc)
        except Exception:
            self.stop()
            raise

    def alive(self):
        return self.proc.poll() is None

    def output(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def redis_replaying(stream, polls=600):
    """A redis-server started on ``stream`` written as its append-only file,
    once it has loaded it (INFO loading:0, polled every 0.1 s at most ``polls``
    times): yields a RawClient to it; the server is stopped by pid and its
    directory removed afterwards. While loading, Redis expires nothing, so a
    key alive when shardis ran a command on it is alive when Redis replays it."""
    from tests.resp_client import RawClient
    aof_dir = tempfile.mkdtemp(prefix="shardis-test-replay-")
    with open(os.path.join(aof_dir, "appendonly.aof"), "wb") as f:
        f.write(stream)
    oracle = ServerProc("redis", args=["--dir", aof_dir, "--appendonly", "yes",
                                       "--appendfilename", "appendonly.aof"])
    try:
        r = RawClient(oracle.port, timeout=60)
        for _ in range(polls):
            if b"loading:0" in r("INFO", "persistence"):
                break
            time.sleep(0.1)
        try:
            yield r
        finally:
            r.close()
    finally:
        oracle.stop()
        shutil.rmtree(aof_dir, ignore_errors=True)
