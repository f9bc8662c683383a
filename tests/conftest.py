"""Fixtures: a real redis-server (the oracle) and shardis, side by side.

``diff`` runs each command on both and compares the exact reply bytes;
``ours`` is a raw client of shardis alone; ``oracle`` of redis alone.
Tests that need 7.2 behaviour which redis-server 7.0.15 lacks are marked
``@pytest.mark.redis72`` and run on shardis only.
"""
import os
import shutil

import pytest

from tests.resp_client import RawClient, RespError, _hashable
from tests.servers import ServerProc


def pytest_configure(config):
    config.addinivalue_line("markers", "redis72: 7.2 behaviour, not comparable with 7.0.15")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def _need_redis():
    if shutil.which("redis-server") is None:
        if os.environ.get("SHARDIS_REQUIRE_REDIS"):
            pytest.fail("redis-server is not installed (required: SHARDIS_REQUIRE_REDIS=1)")
        pytest.skip("redis-server not installed")


@pytest.fixture(scope="session")
def redis_proc():
    _need_redis()
    p = ServerProc("redis")
    yield p
    p.stop()


@pytest.fixture(scope="session")
def shardis_proc():
    p = ServerProc("shardis")
    yield p
    p.stop()


class Diff:
    """Send the same command to redis-server and shardis; compare replies."""

    def __init__(self, redis_port, shardis_port, protocol=2):
        self.r = RawClient(redis_port)
        self.s = RawClient(shardis_port)
        self.protocol = protocol
        if protocol == 3:
            self.r.call("HELLO", "3")
            self.s.call("HELLO", "3")

    def close(self):
        self.r.close()
        self.s.close()

    def both(self, *args):
        """Run on both; return shardis's parsed reply. Replies must be identical bytes."""
        rr, rv = self.r.call(*args)
        sr, sv = self.s.call(*args)
        assert sr == rr, f"{args!r}:\n redis:   {rr!r}\n shardis: {sr!r}"
        return sv

    __call__ = both

    def unordered(self, *args):
        """Run on both; compare as multisets (SMEMBERS, KEYS, HGETALL...)."""
        _, rv = self.r.call(*args)
        _, sv = self.s.call(*args)
        assert _norm(sv) == _norm(rv), f"{args!r}:\n redis:   {rv!r}\n shardis: {sv!r}"
        return sv

    def error(self, *args):
        """Both must reply with an error; texts must match."""
        _, rv = self.r.call(*args)
        _, sv = self.s.call(*args)
        assert isinstance(rv, RespError), f"redis did not fail: {rv!r}"
        assert isinstance(sv, RespError) and str(sv) == str(rv), \
            f"{args!r}:\n redis:   {rv!r}\n shardis: {sv!r}"
        return sv

    def same_type(self, *args):
        """Both reply with the same shape (type and length), not the same content
        (random replies: RANDOMKEY, SPOP...)."""
        _, rv = self.r.call(*args)
        _, sv = self.s.call(*args)
        assert type(rv) is type(sv), f"{args!r}: {rv!r} vs {sv!r}"
        if isinstance(rv, (list, bytes)):
            assert len(rv) == len(sv), f"{args!r}: {rv!r} vs {sv!r}"
        return sv


def _norm(v):
    if isinstance(v, list):
        return sorted((_hashable(x) for x in v), key=repr)
    if isinstance(v, dict):
        return sorted(((k, _hashable(x)) for k, x in v.items()), key=repr)
    return v


def _reset(port):
    c = RawClient(port)
    c.call("FLUSHALL")
    c.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def diff(request, redis_proc, shardis_proc):
    _reset(redis_proc.port)
    _reset(shardis_proc.port)
    d = Diff(redis_proc.port, shardis_proc.port, request.param)
    yield d
    d.close()
    assert shardis_proc.alive(), "shardis died:\n" + shardis_proc.output()[-3000:]


@pytest.fixture
def diff2(redis_proc, shardis_proc):
    """RESP2 only."""
    _reset(redis_proc.port)
    _reset(shardis_proc.port)
    d = Diff(redis_proc.port, shardis_proc.port, 2)
    yield d
    d.close()
    assert shardis_proc.alive(), "shardis died:\n" + shardis_proc.output()[-3000:]


@pytest.fixture
def ours(shardis_proc):
    _reset(shardis_proc.port)
    c = RawClient(shardis_proc.port)
    yield c
    c.close()
    assert shardis_proc.alive(), "shardis died:\n" + shardis_proc.output()[-3000:]


@pytest.fixture
def oracle(redis_proc):
    _reset(redis_proc.port)
    c = RawClient(redis_proc.port)
    yield c
    c.close()
