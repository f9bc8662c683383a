"""Scripting and functions against redis-server: the Lua <-> RESP conversion
table, error cases, the sandbox, the libraries Redis loads, FUNCTION LOAD /
LIST / DUMP / RESTORE, the handbook's mylib example through redis-cli, the
timeout (BUSY, SCRIPT KILL, FUNCTION KILL), and what scripts propagate."""
import os
import shutil
import socket
import subprocess
import time

import pytest

from tests.resp_client import RawClient, RespError
from tests.servers import ServerProc, redis_replaying

# -- the conversion table and the errors ---------------------------------------------------
CONVERSIONS = [
    # Lua -> RESP
    "return 1", "return -3.7", "return 3.99", "return 1e300", "return 0/0",
    "return 9223372036854775807", "return 'x'", "return true", "return false", "return nil",
    "return {1,2,3.7,'x',nil,4}", "return {1.9, -1.9, 'a', true, false, {}}",
    "return {1,2,{3,{4}}}", "local t = {} t[1]=1 t[2]=2 t[4]=4 return t",
    "return {ok='a',err='b'}", "return {ok=5}", "return {err=5}", "return {err=''}",
    "return {err='My Error'}", "return {err='bad\\r\\nthing'}", "return {err='-BAD thing'}",
    "return {1, {ok='x'}, {err='y'}}", "return redis.status_reply('FINE')",
    "return redis.error_reply('bad thing')", "return redis.error_reply('-BAD thing')",
    "return {double=3.5}", "return {map={a=1}}", "return {set={a=true}}",
    "return {big_number='123'}", "return {verbatim_string={format='txt',string='abc'}}",
    "redis.setresp(3) return true", "redis.setresp(3) return false",
    # RESP -> Lua
    "return redis.call('ping')", "return type(redis.call('set','k','v'))",
    "return redis.call('set','k','v')", "return redis.call('get','nokey')",
    "return type(redis.call('get','nokey'))", "redis.call('rpush','l','a','b') return redis.call('lrange','l',0,-1)",
    "return type(redis.call('lpop','nolist', 2))",
    "redis.call('hset','h','f','v') redis.setresp(3) return redis.call('hgetall','h')",
    "redis.call('hset','h','f','v') redis.setresp(3) local r = redis.call('hgetall','h') return r.map.f",
    "redis.call('sadd','s1','m') redis.setresp(3) local r = redis.call('smembers','s1') return tostring(r.set.m)",
    "redis.setresp(3) return type(redis.call('get','nokey'))",
    "redis.call('zadd','z',1.5,'m') redis.setresp(3) return redis.call('zscore','z','m')",
    "redis.call('zadd','z',1.5,'m') redis.setresp(3) return redis.call('zscore','z','m').double",
    "return redis.call('zadd','z',1.5,'m') .. ''",
    "redis.call('set','k',0.1) return redis.call('get','k')",
    "redis.call('set','k',1e20) return redis.call('get','k')",
    "return redis.pcall('incr', 'k') .. ''",
    "redis.call('set','k','x') return redis.pcall('incr', 'k')",
    "redis.call('set','k','x') local r = redis.pcall('incr', 'k') return r['err']",
    "return redis.pcall('nosuch')", "local t = redis.pcall('nosuch') return t.err",
    "redis.call('select','2') redis.call('set','indb2','v') return redis.call('dbsize')",
    "return redis.sha1hex('')", "return redis.sha1hex('abc')",
    "return redis.breakpoint()", "return redis.debug('x')", "return redis.replicate_commands()",
    "return redis.acl_check_cmd('set','a','b')", "return redis.log(redis.LOG_WARNING, 'from a test')",
    "return redis.set_repl(redis.REPL_ALL)",
    # errors raised
    "redis.call('set','k','x') return redis.call('incr', 'k')",
    "redis.call('set','k','x') redis.call('incr', 'k') return 1",
    "return redis.call('nosuch')", "return redis.call()", "return redis.call('set','k')",
    "return redis.call('eval','return 1','0')", "return redis.call('get',{})",
    "return redis.call('config')", "return redis.call('config', 'nosuch')",
    "return redis.acl_check_cmd('nosuch')", "return redis.sha1hex()", "redis.setresp(4)",
    "return redis.log(9,'hello')", "return redis.log('x')", "return redis.set_repl(9)",
    "error('boom')", "error({err='X boom'})", "error({err='-BAD thing'})", "error('-BAD thing')",
    "error()", "error(5)", "return syntax error here", "return redis.call('lpush','l','a') .. redis.call('get','nokey')",
    "local ok, e = pcall(redis.call, 'incr', 'k') return {tostring(ok), e}",
    "redis.call('set','k','x') local ok, e = pcall(redis.call, 'incr', 'k') return {tostring(ok), e}",
    "local ok, e = pcall(function() error({err='x'}) end) return e",
    "local ok, e = pcall(function() error('x') end) return e",
    "return pcall(redis.call, 'nosuch')",
    # the sandbox
    "x = 1", "return os", "return type(io)", "return type(debug)", "return print",
    "return type(loadstring)", "redis.call = 1", "string.x = 1", "rawset(_G, 'x', 1)",
    "setmetatable(_G, {})", "_G.y = 2", "return KEYS[1]", "return ARGV",
    "local t={} for k,v in pairs(_G) do table.insert(t,k) end table.sort(t) return t",
    "local t={} for k,v in pairs(redis) do table.insert(t,k) end table.sort(t) return t",
    "return math.random(10) ~= nil", "return string.format('%d %s', 5, 'x')",
    "return table.concat({1,2,3}, ',')", "return tostring(tonumber('0x10'))",
    # shebang
    "#!lua\nreturn 1", "#!lua flags=\nreturn 1", "#!lua   flags=no-writes,allow-oom\nreturn 1",
    "#!lua flags=no-writes\nreturn redis.call('set','k','1')", "#!python\nreturn 1",
    "#!lua flags=bad\nreturn 1", "#!lua foo=bar\nreturn 1", "#!lua name=x\nreturn 1",
    "#!lua flags=no-writes,,allow-oom\nreturn 1",
]

LIBS = [
    "return cjson.encode({1,2,3,'a',{x=1}})", "return cjson.encode({a='b/c'})",
    "return cjson.encode({})", "return cjson.encode(3.14159265358979)",
    "return cjson.encode('a\\nb\"c')", "return cjson.encode({[1]=1,[3]=3})",
    "return cjson.encode({[1]=1,[30]=3})", "return cjson.encode(function() end)",
    "return cjson.encode(true)", "return cjson.encode(cjson.null)", "return cjson.encode(1/0)",
    "return cjson.encode(12345678901234)", "return cjson.encode(0.1)", "return cjson.encode({{}})",
    "local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":1.5}') return {t.a[1], t.a[2], type(t.a[3].b), tostring(t.c)}",
    "return cjson.decode('[1,2')", "return cjson.decode('\"x\"')", "return type(cjson.null)",
    "return cjson.decode('null') == cjson.null", "return cjson.decode('{\"a\" 1}')",
    "return cjson.decode('{1:2}')", "return cjson.decode('[1,2]x')", "return cjson.decode('')",
    "return cjson.decode('[\"a\\\\q\"]')", "return cjson.decode('tru')",
    "return cjson.decode('{\"a\":1,}')", "return cjson.decode('[1,]')",
    "return cjson.decode('[\"\\\\u00e9\"]')",
    "return cjson.encode(cjson.decode('[1,2.5,\"x\",true]'))",
    "return cjson.decode('-0.5e3')", "return cjson.decode('[')",
    "return bit.band(0xff, 0x0f)", "return bit.bor(1,2,4)", "return bit.bxor(5,1)",
    "return bit.bnot(0)", "return bit.lshift(1, 31)", "return bit.rshift(-1, 28)",
    "return bit.arshift(-256, 4)", "return bit.tohex(255)", "return bit.tohex(-1, -4)",
    "return bit.tobit(0xffffffff + 1)", "return bit.rol(0x12345678, 8)",
    "return bit.bswap(0x12345678)", "return bit.tobit(2.5)", "return bit.tobit(3.5)",
    "return cmsgpack.pack({1,2,3})", "return cmsgpack.pack({a=1})",
    "return cmsgpack.pack('hello', 300, -5, 1.5, true, 70000, -70000, 0.1)",
    "return cmsgpack.pack(string.rep('x', 40))", "return cmsgpack.pack(string.rep('x', 300))",
    "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}))}",
    "local t = cmsgpack.unpack(cmsgpack.pack({a=5})) return t.a",
    "return struct.pack('>I2', 258)", "return struct.pack('<i', -2)",
    "return {struct.unpack('>I2', '\\1\\2')}", "return struct.size('>iIhd')",
    "return struct.pack('bBhHd', 1, 2, 3, 4, 5.5)", "return {struct.unpack('s', 'abc\\0def')}",
    "return struct.pack('c3', 'abcdef')",
]


@pytest.mark.parametrize("script", CONVERSIONS)
def test_conversion_and_errors(diff, script):
    diff("EVAL", script, "0")


def test_keys_and_argv(diff):
    diff("EVAL", "return {KEYS, ARGV, #KEYS, #ARGV}", "2", "a", "b", "c", "d", "e")
    diff("EVAL", "return {KEYS[1], ARGV[1]}", "0", "x")
    diff("EVAL", "return redis.call('incr', KEYS[1])", "1", "cnt")
    diff("EVAL", "return 1", "-1")
    diff("EVAL", "return 1", "5", "a")
    diff("EVAL", "return 1", "x")
    diff("EVAL", "return 1", "1.5")


@pytest.mark.parametrize("script", LIBS)
def test_libraries(diff, script):
    diff("EVAL", script, "0")


def test_script_cache(diff):
    diff("SCRIPT", "FLUSH")
    sha = diff("SCRIPT", "LOAD", "return ARGV[1]")
    assert sha == b"ef15f4c10a2d9a8a0ef79b4b26b28e87f38a1dcb" or len(sha) == 40
    diff("EVALSHA", sha, "0", "hello")
    diff("EVALSHA", sha.upper(), "0", "hello")
    diff("EVALSHA_RO", sha, "0", "hello")
    diff("SCRIPT", "EXISTS", sha, "f" * 40, sha)
    diff("EVALSHA", "f" * 40, "0")
    diff("EVALSHA", "fff", "0")
    diff("SCRIPT", "LOAD", "return +")
    diff("SCRIPT", "FLUSH", "ASYNC")
    diff("SCRIPT", "EXISTS", sha)
    diff("SCRIPT", "FLUSH", "SYNC")
    diff("SCRIPT", "FLUSH", "bad")
    diff("EVAL", "return 'cached'", "0")
    diff("EVALSHA", "8a8b5d1f1e0eae6e08c0bf6d8d1b9d7b3a01bcd9", "0")
    diff("SCRIPT", "KILL")
    diff("FUNCTION", "KILL")
    diff("EVAL_RO", "return redis.call('set','k','1')", "0")
    diff("EVAL_RO", "return redis.call('get','k')", "0")
    diff("EVAL_RO", "#!lua\nreturn redis.call('get','k')", "0")
    diff("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','k')", "0")
    diff("SCRIPT", "HELP")


def test_scripts_in_multi(diff):
    diff("MULTI")
    diff("EVAL", "return redis.call('incr', KEYS[1])", "1", "m")
    diff("EVAL", "return redis.call('incr', KEYS[1])", "1", "m")
    diff("EXEC")
    diff("GET", "m")


def test_select_inside_a_script_leaves_the_caller(diff):
    diff("EVAL", "redis.call('select', '3') redis.call('set', 'in3', 'v') return 1", "0")
    diff("EXISTS", "in3")
    diff("SELECT", "3")
    diff("GET", "in3")
    diff("FLUSHDB")
    diff("SELECT", "0")


@pytest.mark.redis72
def test_blocking_commands_do_not_block_in_scripts(ours):
    # 7.2 lets scripts call blocking commands (7.0.15 flags them NOSCRIPT):
    # they answer at once, as inside MULTI
    assert ours.call("EVAL", "return redis.call('blpop', 'nolist', 0)", "0")[1] is None
    ours.call("RPUSH", "l", "a")
    assert ours.call("EVAL", "return redis.call('blpop', 'l', 0)", "0")[1] == [b"l", b"a"]


def test_error_statistics(diff):
    # an error raised by a command inside is counted once (for the command),
    # and the EVAL's own reply is not counted again
    diff("CONFIG", "RESETSTAT")
    diff("SET", "str", "x")
    diff("EVAL", "return redis.call('incr', 'str')", "0")
    diff("EVAL", "return redis.pcall('incr', 'str')", "0")
    for srv in (diff.r, diff.s):
        _, info = srv.call("INFO", "errorstats")
        text = info.decode()
        assert "errorstat_ERR:count=2" in text, text
        _, info = srv.call("INFO", "commandstats")
        text = info.decode()
        assert "cmdstat_incr:calls=2," in text and "failed_calls=2" in text, text


# -- functions -----------------------------------------------------------------------------------
FUNCTION_CASES = [
    ("FUNCTION", "LOAD", "return 1"),
    ("FUNCTION", "LOAD", "#!lua"),
    ("FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=x\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.call('ping')"),
    ("FUNCTION", "LOAD", "#!lua name=y\nlocal a = KEYS"),
    ("FUNCTION", "LOAD", "#!lua name=y\nlocal a = string"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('f f', function() return 1 end)"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('f', function() return 1 end, 'x')"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function{function_name='h', callback=function() return 1 end, flags={'bad'}}"),
    ("FUNCTION", "LOAD", "#!lua name=y\nsyntax error"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('a', function() return 1 end)\nredis.register_function('a', function() return 1 end)"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function()"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function(1)"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function{callback=function() end}"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function{function_name='z'}"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function{function_name='z', callback=1}"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function{function_name='z', callback=function() end, other=1}"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function('z', 5)"),
    ("FUNCTION", "LOAD", "#!lua name=y\nredis.register_function({}, function() end)"),
    ("FUNCTION", "LOAD", "#!lua name=y\nx = 5"),
    ("FUNCTION", "LOAD", "#!python name=z\nreturn 1"),
    ("FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"),
    ("FUNCTION", "LOAD"),
    ("FUNCTION", "LOAD", "replace"),
    ("FUNCTION", "LOAD", "bad", "code"),
    ("FUNCTION", "LIST", "bad"),
    ("FUNCTION", "LIST", "libraryname"),
    ("FUNCTION", "DELETE", "nosuch"),
    ("FUNCTION", "RESTORE", "garbage"),
    ("FUNCTION", "RESTORE", "x", "bad"),
    ("FUNCTION", "FLUSH", "bad"),
    ("FCALL", "nosuch", "0"),
    ("FUNCTION", "HELP"),
]


@pytest.mark.parametrize("args", FUNCTION_CASES, ids=range(len(FUNCTION_CASES)))
def test_function_errors(diff, args):
    diff("FUNCTION", "FLUSH")
    diff(*args)


LIB_A = ("#!lua name=liba\n"
         "local function helper() return 42 end\n"
         "redis.register_function('fa', function(keys, args) return {keys, args, helper()} end)\n"
         "redis.register_function{function_name='fro', callback=function(keys, args) return redis.call('get', keys[1]) end,"
         " flags={'no-writes'}, description='reads a key'}\n"
         "redis.register_function('fw', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
         "redis.register_function('ferr', function(keys, args) error('boom') end)\n"
         "redis.register_function('fglobal', function(keys, args) y = 1 end)\n"
         "redis.register_function('fkeys', function(keys, args) return KEYS end)\n"
         "redis.register_function('fcallerr', function(keys, args) return redis.call('incr', keys[1]) end)\n")
LIB_B = ("#!lua name=libb\n"
         "redis.register_function{function_name='fb', callback=function() return 1 end,"
         " flags={'no-writes','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}}\n")


def _lists_equal(diff, *args):
    """FUNCTION LIST on both, libraries and their functions in name order
    (Redis lists them in its dicts' order)."""
    def norm(v):
        libs = []
        for lib in v:
            d = dict(zip(lib[::2], lib[1::2])) if isinstance(lib, list) else dict(lib)
            fns = []
            for f in d[b"functions"]:
                fd = dict(zip(f[::2], f[1::2])) if isinstance(f, list) else dict(f)
                fns.append(sorted((k, repr(x)) for k, x in fd.items()))
            d[b"functions"] = sorted(fns)
            libs.append(sorted((k, repr(x)) for k, x in d.items()))
        return sorted(libs)
    _, rv = diff.r.call(*args)
    _, sv = diff.s.call(*args)
    assert not isinstance(sv, RespError), sv
    assert norm(sv) == norm(rv), f"{args}:\n redis:   {rv!r}\n shardis: {sv!r}"


def _load_libs(diff):
    diff("FUNCTION", "FLUSH")
    diff("FUNCTION", "LOAD", LIB_A)
    diff("FUNCTION", "LOAD", LIB_B)


def test_functions(diff):
    _load_libs(diff)
    diff("FCALL", "fa", "2", "k1", "k2", "a1")
    diff("FCALL", "fa", "0")
    diff("FCALL", "fw", "1", "key", "val")
    diff("FCALL", "fro", "1", "key")
    diff("FCALL_RO", "fro", "1", "key")
    diff("FCALL_RO", "fw", "1", "key", "v2")
    diff("FCALL", "ferr", "0")
    diff("FCALL", "fglobal", "0")
    diff("FCALL", "fkeys", "0")
    diff("FCALL", "fcallerr", "1", "key")
    diff("FCALL", "fb", "0")
    diff("FCALL", "fa", "x")
    diff("FCALL", "fa", "-1")
    diff("FCALL", "fa", "3", "a")
    diff("FUNCTION", "LOAD", LIB_B)
    diff("FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('fb', function() return 2 end)")
    diff("FUNCTION", "LOAD", "REPLACE", "#!lua name=other\nredis.register_function('fb', function() return 2 end)")
    diff("FUNCTION", "LOAD", "REPLACE", LIB_B.replace("return 1", "return 3"))
    diff("FCALL", "fb", "0")
    _lists_equal(diff, "FUNCTION", "LIST")
    _lists_equal(diff, "FUNCTION", "LIST", "WITHCODE")
    _lists_equal(diff, "FUNCTION", "LIST", "LIBRARYNAME", "liba")
    diff("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "libb")
    diff("FUNCTION", "LIST", "LIBRARYNAME", "nomatch*")
    diff("FUNCTION", "STATS")
    diff("FUNCTION", "DELETE", "libb")
    diff("FCALL", "fb", "0")
    diff("FUNCTION", "STATS")
    diff("FUNCTION", "FLUSH", "ASYNC")
    diff("FUNCTION", "LIST")


def test_dump_and_restore_across_servers(diff):
    """A payload written by redis-server restores here and the other way
    round; each policy behaves as Redis's."""
    from shardis.scripting.library import parse_payload
    diff("FUNCTION", "FLUSH")
    diff("FUNCTION", "LOAD", LIB_A)
    _, one_redis = diff.r.call("FUNCTION", "DUMP")
    _, one_us = diff.s.call("FUNCTION", "DUMP")
    assert one_us == one_redis          # the same bytes, LZF and CRC included
    diff("FUNCTION", "LOAD", LIB_B)
    _, from_redis = diff.r.call("FUNCTION", "DUMP")
    _, from_us = diff.s.call("FUNCTION", "DUMP")
    # libraries in each server's order
    assert sorted(parse_payload(from_us)) == sorted(parse_payload(from_redis))
    def both_refuse(*args):
        # which existing library Redis names first follows its dict's order
        for srv in (diff.r, diff.s):
            _, v = srv.call(*args)
            assert isinstance(v, RespError) and str(v).startswith("ERR Library lib"), v

    diff("FUNCTION", "RESTORE", one_redis)
    diff("FUNCTION", "RESTORE", one_us, "APPEND")
    for payload in (from_redis, from_us):
        both_refuse("FUNCTION", "RESTORE", payload)
        both_refuse("FUNCTION", "RESTORE", payload, "APPEND")
        diff("FUNCTION", "RESTORE", payload, "REPLACE")
        diff("FUNCTION", "FLUSH")
        diff("FUNCTION", "RESTORE", payload)
        diff("FCALL", "fa", "1", "k", "a")
        diff("FUNCTION", "RESTORE", payload, "FLUSH")
        _lists_equal(diff, "FUNCTION", "LIST", "WITHCODE")
        diff("FUNCTION", "RESTORE", payload[:-1] + bytes([payload[-1] ^ 1]))
        diff("FUNCTION", "RESTORE", payload[:5])
    diff("FUNCTION", "FLUSH")
    diff("FUNCTION", "LOAD", "#!lua name=clash\nredis.register_function('fa', function() return 0 end)")
    diff("FUNCTION", "RESTORE", from_redis)
    diff("FUNCTION", "RESTORE", from_redis, "REPLACE")
    _lists_equal(diff, "FUNCTION", "LIST")
    diff("FUNCTION", "FLUSH")
    _, empty = diff.r.call("FUNCTION", "DUMP")
    _, ours = diff.s.call("FUNCTION", "DUMP")
    assert empty == ours


def test_function_store_unit():
    from shardis.scripting.library import dump_payload, parse_payload, FunctionStore, Library
    from shardis.util import lzf
    store = FunctionStore()
    for i in range(3):
        store.add(Library(b"l%d" % i, b"LUA", b"#!lua name=l%d\n" % i + b"-- pad " * (i * 20)))
    payload = dump_payload(store)
    assert parse_payload(payload) == [lib.code for lib in store.libraries.values()]
    data = os.urandom(50) + b"abc" * 200 + os.urandom(30)
    assert lzf.decompress(lzf.compress(data), len(data)) == data


# -- the handbook's example through redis-cli -------------------------------------------------
MYLIB = """#!lua name=mylib

-- Function that atomically increments view count and records view history
redis.register_function('increment_view', function(keys, args)
  local current = redis.call('HINCRBY', keys[1], 'views', 1)
  redis.call('ZADD', keys[1] .. ':history', redis.call('TIME')[1], args[1])
  return current
end)
"""


def test_handbook_mylib_with_redis_cli(redis_proc, shardis_proc, tmp_path):
    cli = shutil.which("redis-cli")
    if cli is None:
        pytest.skip("redis-cli not installed")
    path = tmp_path / "mylib.lua"
    path.write_text(MYLIB)
    outs = []
    for port in (redis_proc.port, shardis_proc.port):
        def run(*args, stdin=None):
            return subprocess.run([cli, "-p", str(port), *args], stdin=stdin,
                                  capture_output=True, timeout=20).stdout
        run("FLUSHALL")
        run("FUNCTION", "FLUSH")
        with open(path, "rb") as f:
            got = [run("-x", "FUNCTION", "LOAD", "REPLACE", stdin=f)]
        got.append(run("FCALL", "increment_view", "1", "article:1001", "user:42"))
        got.append(run("FCALL", "increment_view", "1", "article:1001", "user:42"))
        got.append(run("FUNCTION", "LIST"))
        got.append(run("ZRANGE", "article:1001:history", "0", "-1"))
        with open(path, "rb") as f:
            got.append(run("-x", "FUNCTION", "LOAD", stdin=f))
        run("FUNCTION", "FLUSH")
        outs.append(got)
    assert outs[0] == outs[1]
    assert outs[1][0] == b"mylib\n" and outs[1][2] == b"2\n"


# -- the timeout -----------------------------------------------------------------------------------
def _send(s, *args):
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))


def _recv(s):
    s.settimeout(10)
    return s.recv(65536)


def _busy_run(port, threshold_ms, script_cmd, kill_cmd):
    """Start a looping script, measure how soon another client gets BUSY,
    kill it; returns (ms to BUSY, BUSY text, kill reply, script reply, ping after)."""
    admin = RawClient(port)
    admin.call("CONFIG", "SET", "busy-reply-threshold", str(threshold_ms))
    other = socket.create_connection(("127.0.0.1", port))
    runner = socket.create_connection(("127.0.0.1", port))
    try:
        t0 = time.monotonic()
        _send(runner, *script_cmd)
        busy_at = busy = None
        deadline = t0 + threshold_ms / 1000 + 3
        while time.monotonic() < deadline:
            _send(other, "PING")
            r = _recv(other)
            if r.startswith(b"-BUSY"):
                busy_at, busy = (time.monotonic() - t0) * 1000, r
                break
            time.sleep(0.005)
        late = socket.create_connection(("127.0.0.1", port))     # a connection made meanwhile
        _send(late, "GET", "x")
        late_reply = _recv(late)
        _send(late, *kill_cmd)
        kill = _recv(late)
        script = _recv(runner)
        _send(other, "PING")
        after = _recv(other)
        _send(late, "PING")
        time.sleep(0.05)
        late_after = _recv(late)
        late.close()
        return busy_at, busy, late_reply, kill, script, after, late_after
    finally:
        admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")
        admin.close()
        other.close()
        runner.close()


LOOP = "local i = 0 while true do i = i + 1 end"


def test_busy_script_and_script_kill(redis_proc, shardis_proc):
    theirs = _busy_run(redis_proc.port, 100, ("EVAL", LOOP, "0"), ("SCRIPT", "KILL"))
    ours = _busy_run(shardis_proc.port, 100, ("EVAL", LOOP, "0"), ("SCRIPT", "KILL"))
    assert ours[0] is not None and ours[0] <= 100 + 100, ours
    assert ours[1:] == theirs[1:]
    assert ours[3] == b"+OK\r\n" and ours[5] == b"+PONG\r\n"


def test_busy_function_and_function_kill(redis_proc, shardis_proc):
    lib = "#!lua name=loop\nredis.register_function('loop', function() %s end)" % LOOP
    res = []
    for port in (redis_proc.port, shardis_proc.port):
        c = RawClient(port)
        c.call("FUNCTION", "LOAD", "REPLACE", lib)
        res.append(_busy_run(port, 100, ("FCALL", "loop", "0"), ("FUNCTION", "KILL")))
        c.call("FUNCTION", "DELETE", "loop")
        c.close()
    assert res[1][0] is not None and res[1][0] <= 200, res[1]
    assert res[1][1:] == res[0][1:]


def test_busy_script_that_wrote_is_unkillable_until_shutdown_nosave():
    p = ServerProc("shardis", args=["--busy-reply-threshold", "100"])
    try:
        runner = socket.create_connection(("127.0.0.1", p.port))
        _send(runner, "EVAL", "redis.call('set', 'k', 'v') " + LOOP, "0")
        time.sleep(0.3)
        other = socket.create_connection(("127.0.0.1", p.port))
        _send(other, "SCRIPT", "KILL")
        assert _recv(other).startswith(b"-UNKILLABLE Sorry the script already executed write")
        _send(other, "FUNCTION", "KILL")
        assert _recv(other).startswith(b"-UNKILLABLE")
        _send(other, "SHUTDOWN")
        assert _recv(other).startswith(b"-BUSY")
        _send(other, "SHUTDOWN", "NOSAVE")
        p.proc.wait(timeout=10)
        assert p.proc.returncode == 0
    finally:
        p.stop()


# -- propagation (in-process) -------------------------------------------------------------------
def _inprocess():
    from shardis.server.server import Server
    from tests.unit.inprocess import client
    srv = Server()
    units = []
    srv.propagation.subscribe(lambda unit: units.append([[bytes(a) for a in argv] for _, argv in unit]))
    return srv, client(srv), units


def _run(c, *args):
    from tests.unit.inprocess import enc
    c.transport.out.clear()
    c.data_received(enc(*args))
    return b"".join(c.transport.out)


def test_script_effects_are_one_multi_exec_unit():
    srv, c, units = _inprocess()
    assert _run(c, "EVAL", "redis.call('set', KEYS[1], 'a') redis.call('incr', KEYS[2]) "
                "return redis.call('get', KEYS[1])", "2", "k1", "k2") == b"$1\r\na\r\n"
    assert units[-1] == [[b"MULTI"], [b"set", b"k1", b"a"], [b"incr", b"k2"], [b"EXEC"]]
    # one write: no wrapping; a read-only script: nothing
    _run(c, "EVAL", "return redis.call('incr', 'k2')", "0")
    assert units[-1] == [[b"incr", b"k2"]]
    n = len(units)
    _run(c, "EVAL", "return redis.call('get', 'k2')", "0")
    assert len(units) == n
    # rewrites inside scripts as outside (relative TTL -> absolute)
    _run(c, "EVAL", "redis.call('set', 'k3', 'v', 'EX', 100) return 1", "0")
    assert [a.lower() for a in units[-1][0][:4]] == [b"set", b"k3", b"v", b"pxat"]
    # redis.set_repl(REPL_NONE) keeps a command out of the stream
    _run(c, "EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1') "
         "redis.set_repl(redis.REPL_ALL) redis.call('set', 'shown', '1') return 1", "0")
    assert units[-1] == [[b"set", b"shown", b"1"]]
    # SELECT inside a script: the commands carry their database
    seen = []
    srv.propagation.subscribe(lambda unit: seen.append([(d, bytes(a[0])) for d, a in unit]))
    _run(c, "EVAL", "redis.call('select', '5') redis.call('set', 'x', '1') return 1", "0")
    assert (5, b"set") in seen[-1]


def test_functions_are_propagated_as_sent():
    srv, c, units = _inprocess()
    code = "#!lua name=p\nredis.register_function('pf', function(k) return redis.call('incr', k[1]) end)"
    assert _run(c, "FUNCTION", "LOAD", code) == b"$1\r\np\r\n"
    assert units[-1] == [[b"FUNCTION", b"LOAD", code.encode()]]
    _run(c, "FCALL", "pf", "1", "n")
    assert units[-1] == [[b"incr", b"n"]]
    _run(c, "FUNCTION", "DELETE", "p")
    assert units[-1] == [[b"FUNCTION", b"DELETE", b"p"]]
    _run(c, "FUNCTION", "LOAD", "bad")
    assert units[-1] == [[b"FUNCTION", b"DELETE", b"p"]]


def test_script_commands_reach_the_statistics_and_monitor(diff):
    diff("CONFIG", "RESETSTAT")
    diff("EVAL", "redis.call('set', 'a', '1') redis.call('set', 'b', '2') return redis.call('get', 'a')", "0")
    for srv in (diff.r, diff.s):
        _, info = srv.call("INFO", "commandstats")
        text = info.decode()
        assert "cmdstat_set:calls=2," in text and "cmdstat_get:calls=1," in text, text
        assert "cmdstat_eval:calls=1," in text, text


def test_info_memory_counts_scripts_and_functions(diff):
    diff("SCRIPT", "FLUSH")
    diff("FUNCTION", "FLUSH")
    diff("SCRIPT", "LOAD", "return 'one'")
    diff("EVAL", "return 'two'", "0")
    diff("FUNCTION", "LOAD", LIB_B)
    for srv in (diff.r, diff.s):
        _, info = srv.call("INFO", "memory")
        fields = dict(line.split(":", 1) for line in info.decode().split("\r\n")
                      if ":" in line and not line.startswith("#"))
        assert fields["number_of_cached_scripts"] == "2", fields
        assert fields["number_of_functions"] == "1" and fields["number_of_libraries"] == "1"
        assert int(fields["used_memory_vm_functions"]) > 0 and int(fields["used_memory_lua"]) > 0
    diff("FUNCTION", "FLUSH")


# -- the stream replayed by redis-server -----------------------------------------------------
REPLAY_SCRIPTS = [
    "redis.call('incr', KEYS[1]) return redis.call('incrby', KEYS[2], ARGV[1])",
    "redis.call('set', KEYS[1], ARGV[1], 'EX', 1000) return redis.call('get', KEYS[1])",
    "redis.call('hset', KEYS[1], 'f' .. ARGV[1], ARGV[1]) redis.call('hincrby', KEYS[1], 'n', 1) return 1",
    "redis.call('rpush', KEYS[1], ARGV[1], ARGV[1]) return redis.call('lpop', KEYS[1])",
    "redis.call('sadd', KEYS[1], ARGV[1], 'a', 'b', 'c') return redis.call('spop', KEYS[1])",
    "redis.call('zadd', KEYS[1], ARGV[1], 'm' .. ARGV[1]) return redis.call('zincrby', KEYS[1], 1.5, 'm' .. ARGV[1])",
    "redis.call('select', ARGV[1] % 4) redis.call('set', KEYS[1], ARGV[1]) return 1",
    "redis.call('set', KEYS[1], 'x') return redis.pcall('incr', KEYS[1])",
    "local v = redis.call('incrbyfloat', KEYS[1], '0.1') redis.call('expire', KEYS[2], 500) return v",
    "return redis.call('get', KEYS[1])",
    "redis.call('del', KEYS[1]) redis.call('lpush', KEYS[2], ARGV[1]) return redis.call('llen', KEYS[2])",
]


def test_script_effects_replay_in_redis_server():
    """What scripts and functions did, as the propagation stream carries it,
    written as an append-only file: redis-server loads it and has the same
    data and the same function libraries."""
    import random
    from shardis.runtime.propagate import StreamEncoder
    from shardis.server.server import Server
    from tests.behaviour.test_propagation import InProc, dump
    srv = Server()
    encoder = StreamEncoder()
    chunks = []
    srv.propagation.subscribe(lambda unit: chunks.append(encoder.encode(unit)))
    cl = InProc(srv)
    rng = random.Random(12)
    lib = ("#!lua name=rl\nredis.register_function('bump', function(k, a) "
           "redis.call('hincrby', k[1], a[1], 1) return redis.call('zadd', k[2], a[1], 'x') end)")
    assert cl.send("FUNCTION", "LOAD", lib) == b"rl"
    for i in range(1500):
        k1, k2 = b"k%d" % rng.randrange(60), b"k%d" % rng.randrange(60, 120)
        arg = b"%d" % rng.randrange(1, 40)
        if rng.random() < 0.15:
            cl.send("FCALL", "bump", "2", b"h" + k1, b"z" + k2, arg)
        else:
            cl.send("EVAL", rng.choice(REPLAY_SCRIPTS), "2", k1, k2, arg)
        if rng.random() < 0.05:
            cl.send("SELECT", b"%d" % rng.randrange(4))
    stream = b"".join(chunks)
    assert b"MULTI" in stream and b"FUNCTION" in stream and b"SELECT" in stream
    with redis_replaying(stream, polls=300) as r:
        def theirs(*args):
            r.send(*args)
            return r.read()[1]

        ours = dump(cl.send)
        assert len(ours) > 100
        assert ours == dump(theirs)
        assert theirs("FUNCTION", "LIST", "WITHCODE")[0][-1] == lib.encode()


def test_function_load_times_out(diff2):
    """A library whose code never ends is stopped after 500 ms."""
    diff2("FUNCTION", "LOAD", "#!lua name=inf\nlocal i = 0 while true do i = i + 1 end")
    diff2("FUNCTION", "LOAD", "REPLACE", "#!lua name=after\nlocal a = 0 for i = 1, 100 do a = a + i end\n"
          "redis.register_function('after', function() return a end)")
    diff2("FCALL", "after", "0")
    diff2("FUNCTION", "DELETE", "after")
