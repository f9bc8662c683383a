"""Starting the server: redis.conf loading and the command line, run as a
subprocess (``python -m shardis`` and the ``shardis-server`` script) and
compared with what redis-server does with the same file or arguments."""
import os
import shutil
import subprocess
import sys

import pytest

from tests.resp_client import RawClient
from tests.servers import ROOT, free_port, wait_ping

REDIS = shutil.which("redis-server")
need_redis = pytest.mark.skipif(REDIS is None, reason="redis-server not installed")


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cmd(kind, args):
    if kind == "redis":
        return [REDIS, *args]
    return [sys.executable, "-m", "shardis", *args]


def fail_run(kind, args, cwd, stdin=None):
    """Run a server that must refuse to start; return (rc, stderr+stdout)."""
    p = subprocess.run(_cmd(kind, args), cwd=cwd, env=_env(), capture_output=True, text=True,
                       timeout=20, input=stdin)
    return p.returncode, p.stderr + p.stdout


class Running:
    def __init__(self, kind, args, cwd, port, stdin=None):
        self.proc = subprocess.Popen(_cmd(kind, args), cwd=cwd, env=_env(),
                                     stdin=subprocess.PIPE if stdin is not None else None,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if stdin is not None:
            self.proc.stdin.write(stdin.encode())
            self.proc.stdin.close()
        try:
            wait_ping(port, self.proc)
        except Exception:
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(err)
        self.client = RawClient(port)

    def get(self, *names):
        v = self.client.call("CONFIG", "GET", *names)[1]
        return v if isinstance(v, dict) else dict(zip(v[::2], v[1::2]))

    def stop(self):
        if getattr(self, "client", None):
            self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stderr:
            self.proc.stderr.close()


def _fatal_lines(text):
    """The lines of a FATAL CONFIG FILE ERROR report, without the banner."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    i = next(i for i, ln in enumerate(lines) if "FATAL CONFIG FILE ERROR" in ln)
    return lines[i + 1:i + 4]


# -- refused configurations -------------------------------------------------------
def test_unknown_directive_names_file_line_and_suggestion(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("port 0\nactive-defrag-enabled yes\n")
    rc, out = fail_run("shardis", [str(conf)], tmp_path)
    assert rc != 0
    assert "Reading the configuration file, at line 2" in out
    assert ">>> 'active-defrag-enabled yes'" in out
    assert "Bad directive or wrong number of arguments (did you mean 'activedefrag'?)" in out
    assert str(conf) in out


def test_suggestions_for_typos(tmp_path):
    for bad, hint in (("maxmemroy 1mb", "maxmemory"), ("slave-read-onyl yes", "slave-read-only"),
                      ("hash-max-zipmap-entries 5", None)):
        conf = tmp_path / "t.conf"
        conf.write_text(bad + "\n")
        rc, out = fail_run("shardis", [str(conf)], tmp_path)
        assert rc != 0 and ">>> '%s'" % bad in out
        if hint:
            assert f"(did you mean '{hint}'?)" in out


BAD_FILES = [
    "port 0\nactive-defrag-enabled yes\n",
    "maxmemory 1 2\n",
    "maxmemory abc\n",
    "hz 1000000000000000000000\n",
    'save "a\n',
    "save 100\n",
    "appendonly maybe\n",
    "maxmemory-policy lru\n",
    "client-output-buffer-limit normal 1 2\n",
    "client-output-buffer-limit nobody 1 2 3\n",
    "notify-keyspace-events Q\n",
    "# comment\n\n   port\n",
    "databases 0\n",
    "include\n",
]


@need_redis
@pytest.mark.parametrize("text", BAD_FILES)
def test_bad_file_reported_like_redis(tmp_path, text):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    rrc, rout = fail_run("redis", [str(conf)], tmp_path)
    src, sout = fail_run("shardis", [str(conf)], tmp_path)
    assert rrc != 0 and src != 0
    r, s = _fatal_lines(rout), _fatal_lines(sout)
    assert s[:2] == r[:2]
    # the reason is Redis's, possibly followed by a did-you-mean hint
    assert s[2].startswith(r[2]), (r, s)


@need_redis
@pytest.mark.parametrize("args", [
    ["--port", "0", "--foo-bar", "1"],
    ["--port"],
    ["--maxmemory", "1gb", "--hz", "x"],
    ["--save", "1"],
])
def test_bad_command_line_reported_like_redis(tmp_path, args):
    rrc, rout = fail_run("redis", args, tmp_path)
    src, sout = fail_run("shardis", args, tmp_path)
    assert rrc != 0 and src != 0
    r, s = _fatal_lines(rout), _fatal_lines(sout)
    assert s[:2] == r[:2]
    assert s[2].startswith(r[2]), (r, s)


def test_missing_config_file(tmp_path):
    rc, out = fail_run("shardis", [str(tmp_path / "nope.conf")], tmp_path)
    assert rc != 0
    assert f"Fatal error, can't open config file '{tmp_path / 'nope.conf'}'" in out


def test_missing_include(tmp_path):
    conf = tmp_path / "a.conf"
    conf.write_text(f"include {tmp_path / 'missing.conf'}\n")
    rc, out = fail_run("shardis", [str(conf)], tmp_path)
    assert rc != 0 and "can't open config file" in out


def test_error_in_included_file_names_it(tmp_path):
    inc = tmp_path / "inc.conf"
    inc.write_text("hz 5\nnosuch-directive 1\n")
    conf = tmp_path / "a.conf"
    conf.write_text(f"include {inc}\n")
    rc, out = fail_run("shardis", [str(conf)], tmp_path)
    assert rc != 0 and "at line 2" in out and str(inc) in out


def test_version_and_help():
    p = subprocess.run(_cmd("shardis", ["--version"]), env=_env(), capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0 and "v=" in p.stdout
    p = subprocess.run(_cmd("shardis", ["--help"]), env=_env(), capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 1 and "Usage:" in p.stderr


# -- accepted configurations: the same values as redis-server -----------------------
GOOD = """# a full-featured file
port {port}
bind 127.0.0.1
maxmemory 4gb
maxmemory-policy "allkeys-lru"
proto-max-bulk-len 1mb
client-query-buffer-limit 2MB
hash-max-ziplist-entries 100
save 3600 1
save 300 100 60 10000
client-output-buffer-limit normal 1mb 512kb 10
client-output-buffer-limit pubsub 64mb 16mb 30
notify-keyspace-events "KEg$"
masterauth 'it\\'s'
replica-announce-ip "a\\x41\\tb"
slave-read-only no
shutdown-on-sigterm save now
oom-score-adj-values 1 2 3
latency-tracking-info-percentiles 1.5 99
  hz 20
timeout 7
tcp-keepalive 0
maxmemory-clients 3%
include {inc}
"""

COMPARE = ["maxmemory", "maxmemory-policy", "proto-max-bulk-len", "client-query-buffer-limit",
           "hash-max-listpack-entries", "save", "client-output-buffer-limit",
           "notify-keyspace-events", "masterauth", "replica-announce-ip", "replica-read-only",
           "shutdown-on-sigterm", "oom-score-adj-values", "latency-tracking-info-percentiles",
           "hz", "timeout", "tcp-keepalive", "maxmemory-clients", "lfu-log-factor",
           "busy-reply-threshold", "bind"]


@need_redis
def test_good_file_loads_like_redis(tmp_path):
    vals = {}
    for kind in ("redis", "shardis"):
        d = tmp_path / kind
        d.mkdir()
        inc = d / "inc.conf"
        inc.write_text("lfu-log-factor 3\nlua-time-limit 77\n")
        port = free_port()
        conf = d / "redis.conf"
        conf.write_text(GOOD.format(port=port, inc=inc))
        srv = Running(kind, [str(conf)], d, port)
        try:
            vals[kind] = srv.get(*COMPARE)
        finally:
            srv.stop()
    assert vals["shardis"] == vals["redis"]
    assert len(vals["redis"]) == len(COMPARE)


@need_redis
@pytest.mark.parametrize("extra", [
    ["--maxmemory", "1gb", "--save", "--appendonly", "no"],
    ["--save", "100", "1", "200", "2", "--hz", "15"],
    ["--save", ""],
    ["--save"],
    ["--maxmemory 2mb", "--client-output-buffer-limit", "normal 1mb 1mb 0"],
    ["--notify-keyspace-events", "KA", "--maxmemory-policy", "volatile-lru"],
    ["--save", "--hz", "12"],
])
def test_command_line_like_redis(tmp_path, extra):
    vals = {}
    for kind in ("redis", "shardis"):
        d = tmp_path / kind
        d.mkdir()
        port = free_port()
        srv = Running(kind, ["--port", str(port), "--bind", "127.0.0.1", *extra], d, port)
        try:
            vals[kind] = srv.get("save", "maxmemory", "hz", "client-output-buffer-limit",
                                 "notify-keyspace-events", "maxmemory-policy", "appendonly")
        finally:
            srv.stop()
    assert vals["shardis"] == vals["redis"]


@need_redis
def test_file_then_command_line_then_stdin(tmp_path):
    vals = {}
    for kind in ("redis", "shardis"):
        d = tmp_path / kind
        d.mkdir()
        port = free_port()
        conf = d / "redis.conf"
        conf.write_text(f"port {port}\nbind 127.0.0.1\nhz 5\nsave 10 1\n")
        srv = Running(kind, [str(conf), "--hz", "6", "-"], d, port, stdin="maxmemory 3mb\nhz 7\n")
        try:
            vals[kind] = srv.get("hz", "maxmemory", "save")
        finally:
            srv.stop()
    assert vals["shardis"] == vals["redis"]


def test_shardis_server_script(tmp_path):
    exe = shutil.which("shardis-server") or os.path.join(os.path.dirname(sys.executable),
                                                          "shardis-server")
    if not os.path.exists(exe):
        pytest.skip("shardis-server script not installed")
    conf = tmp_path / "bad.conf"
    conf.write_text("active-defrag-enabled yes\n")
    p = subprocess.run([exe, str(conf)], env=_env(), capture_output=True, text=True, timeout=20)
    assert p.returncode != 0 and "did you mean 'activedefrag'" in p.stderr
    port = free_port()
    p = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
                         cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        wait_ping(port, p)
    finally:
        p.terminate()
        p.wait(5)
