"""Core string commands, compared with redis-server."""


def test_set_get(diff):
    diff("SET", "k", "v")
    diff("GET", "k")
    diff("GET", "missing")
    diff("SET", "k", "v2", "XX", "GET")
    diff("SET", "n", "v", "NX")
    diff("SET", "n", "v", "NX")
    diff.error("SET", "k", "v", "NX", "XX")
    diff.error("SET", "k", "v", "EX", "0")
    diff.error("SET", "k", "v", "EX", "x")
    diff.error("SET", "k", "v", "EX", "10", "PX", "100")
    diff.error("GET")


def test_incr(diff):
    diff("INCR", "c")
    diff("INCRBY", "c", "41")
    diff("DECRBY", "c", "100")
    diff("SET", "c", "9223372036854775807")
    diff.error("INCR", "c")
    diff("SET", "s", "abc")
    diff.error("INCR", "s")


def test_unknown_command(diff):
    diff.error("NOSUCHCOMMAND", "a", "b")
    diff.error("NOSUCHCOMMAND")


def test_mset_mget(diff):
    diff("MSET", "a", "1", "b", "2")
    diff("MGET", "a", "b", "c")
    diff.error("MSET", "a")
