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
