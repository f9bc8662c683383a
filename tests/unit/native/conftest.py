import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _asan_build_loaded():
    """Under make asan, fail unless the AddressSanitizer build is the one imported."""
    if os.environ.get("SHARDIS_EXPECT_ASAN"):
        from shardis.native import _keytable
        want = os.environ.get("SHARDIS_NATIVE_DIR", "")
        assert want and os.path.dirname(os.path.abspath(_keytable.__file__)) == os.path.abspath(want)
    yield


@pytest.fixture(autouse=True)
def _wall_clock():
    """Access fields stamp with the wall clock here: an in-process server test
    run earlier may have left the module clock (set_clock) at its time."""
    from shardis.native import set_clock
    set_clock(0)
    yield
    set_clock(0)
