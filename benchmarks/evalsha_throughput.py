"""EVALSHA throughput of a small script, shardis versus redis-server, with
redis-benchmark's command form (issue 12).

The script is one INCR and one GET of the key it is given:

    redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])

Each round starts nothing new: a fresh redis-server (``--save "" --appendonly
no``) and a fresh shardis (``--target-cmd``, ``{port}`` replaced) are started
once, each gets the script with SCRIPT LOAD, and then the rounds alternate
between them (never both at once):

    redis-benchmark -p PORT -c CLIENTS -n N -P DEPTH -r KEYSPACE -q \\
        EVALSHA <sha> 1 key:__rand_int__

for every pipeline depth. It prints requests per second per round, the
medians, and shardis/redis per depth. From the project root:

    .venv/bin/python benchmarks/evalsha_throughput.py                       # 3 rounds, P1 and P16
    .venv/bin/python benchmarks/evalsha_throughput.py -n 20000 --rounds 1   # a quick check

Run it on a quiet machine: on this 2-core VM redis-benchmark and the server
share the CPUs and any other load shows in both.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SCRIPT = "redis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1])"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def command(port, *args, timeout=5.0):
    """One command, its raw reply (first read)."""
    data = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() if isinstance(x, str) else x for x in args))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return s.recv(65536)


def start(argv, port, cwd, timeout=30.0):
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited with {proc.returncode}")
        try:
            if command(port, "PING", timeout=1).startswith(b"+PONG"):
                return proc
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{argv[0]} did not answer PING on {port}")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def load_script(port):
    reply = command(port, "SCRIPT", "LOAD", SCRIPT)
    if not reply.startswith(b"$40\r\n"):
        raise RuntimeError(f"SCRIPT LOAD on {port}: {reply!r}")
    return reply[5:45].decode()


_RPS = re.compile(rb"([0-9.]+) requests per second")


def bench(benchmark, port, sha, n, clients, depth, keyspace, timeout):
    argv = [benchmark, "-p", str(port), "-c", str(clients), "-n", str(n), "-P", str(depth),
            "-r", str(keyspace), "-q", "EVALSHA", sha, "1", "key:__rand_int__"]
    out = subprocess.run(argv, capture_output=True, timeout=timeout).stdout
    found = _RPS.findall(out.replace(b"\r", b"\n"))
    if not found:
        raise RuntimeError(f"no figure from redis-benchmark: {out[-300:]!r}")
    return float(found[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target-cmd", default=".venv/bin/python -m shardis --port {port} "
                    "--bind 127.0.0.1 --save '' --appendonly no")
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--redis-benchmark", default=shutil.which("redis-benchmark") or "redis-benchmark")
    ap.add_argument("-n", "--requests", type=int, default=200000)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("--pipeline", default="1,16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keyspace", type=int, default=100000)
    ap.add_argument("--test-timeout", type=float, default=300)
    o = ap.parse_args()
    depths = [int(x) for x in o.pipeline.split(",")]
    work = tempfile.mkdtemp(prefix="evalsha-bench-")
    procs = []
    try:
        rport = free_port()
        redis = start([o.redis_server, "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", work], rport, work)
        procs.append(redis)
        sport = free_port()
        shardis = start(["/bin/sh", "-c", "exec " + o.target_cmd.replace("{port}", str(sport))],
                        sport, ROOT)
        procs.append(shardis)
        shas = {"redis": load_script(rport), "shardis": load_script(sport)}
        assert shas["redis"] == shas["shardis"], shas
        ports = {"redis": rport, "shardis": sport}
        figures = {(name, d): [] for name in ports for d in depths}
        for r in range(o.rounds):
            for d in depths:
                for name in ("redis", "shardis"):
                    rps = bench(o.redis_benchmark, ports[name], shas[name], o.requests, o.clients,
                                d, o.keyspace, o.test_timeout)
                    figures[(name, d)].append(rps)
                    print(f"round {r + 1} P{d:<3} {name:8s} {rps:12.0f} requests/s", flush=True)
        print()
        print(f"EVALSHA ({SCRIPT!r}), -c {o.clients} -n {o.requests} -r {o.keyspace}, "
              f"{o.rounds} rounds, medians:")
        for d in depths:
            rm = statistics.median(figures[("redis", d)])
            sm = statistics.median(figures[("shardis", d)])
            print(f"  P{d:<3} redis {rm:12.0f}  shardis {sm:12.0f}  ratio {sm / rm:.2f}")
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
