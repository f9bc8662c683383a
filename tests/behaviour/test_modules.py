"""MODULE (no native modules: LIST empty, LOAD fails as Redis fails) and LOLWUT."""
from tests.servers import ServerProc
from tests.resp_client import RawClient, RespError


def test_module_list_and_failures(diff):
    diff("MODULE", "LIST")
    diff.error("MODULE", "LOAD", "/nonexistent/module.so")
    diff.error("MODULE", "LOADEX", "/nonexistent/module.so", "ARGS", "a")
    diff.error("MODULE", "UNLOAD", "nosuchmodule")
    diff.error("MODULE", "NOSUCHSUB")
    diff.error("MODULE", "LOAD")


def test_module_protected_when_disabled():
    ours = ServerProc("shardis", args=["--enable-module-command", "no"])
    theirs = ServerProc("redis", args=["--enable-module-command", "no"])
    try:
        a, b = RawClient(ours.port), RawClient(theirs.port)
        for args in (("MODULE", "LOAD", "/x.so"), ("MODULE", "UNLOAD", "x"), ("MODULE", "LIST")):
            ra, rb = a.call(*args)[0], b.call(*args)[0]
            assert ra == rb, (args, ra, rb)
        a.close()
        b.close()
    finally:
        ours.stop()
        theirs.stop()


def test_lolwut(diff):
    out = diff.s("LOLWUT")
    assert isinstance(out, bytes) and b"Redis ver. 7.2" in out
    out = diff.s("LOLWUT", "VERSION", "5", "10", "3")
    assert b"Redis ver." in out
    diff.error("LOLWUT", "VERSION", "x")
    diff.error("LOLWUT", "VERSION", "5", "x")
