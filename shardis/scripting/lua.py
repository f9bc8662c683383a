"""A sandboxed Lua 5.1 state with Redis's globals and ``redis.*`` API.

Redis patches its Lua with read-only tables; lupa's Lua has no such patch,
so the sandbox is built from Lua's own means:

- every script runs with an *environment* table ``env`` that is always
  empty: reading a name looks it up in ``api`` (the globals Redis allows:
  base functions, string/table/math/coroutine, cjson/cmsgpack/bit/struct,
  redis), writing one calls ``__newindex``, which raises "Attempt to modify
  a readonly table" (Redis's text);
- ``api`` itself raises "Script attempted to access nonexistent global
  variable 'x'" for a name it lacks, as Redis's globals metatable does;
- the library tables are read-only proxies (``__index`` the real table),
  and ``rawset``/``setmetatable`` refuse a protected table, so no script can
  change what the next one sees;
- ``debug`` is kept only by the error handler and the timeout hook, and
  ``io``, ``os``, ``package``, ``dofile``, ``loadfile``, ``print``,
  ``require``, ``getfenv``/``setfenv``, ``newproxy`` and lupa's ``python``
  are removed: the globals left are redis-server 7.0's list.

A function library state (FUNCTION LOAD) has one more trick of Redis's:
while the library's code runs, names resolve in a *load* API that holds only
``redis`` with ``register_function``, ``log`` and the version fields; after
the load they resolve in the full API again, so the functions the library
registered see ``redis.call`` at run time but the loading code did not.

The error handler (``xpcall``'s message handler) turns any error into
Redis's table form ``{err=..., source=..., line=...}``: a string error gets
"ERR " in front, and the source and line of the script frame that raised
it (frames of C functions and of this prelude are skipped), from which the
engine writes "... script: <name>, on @user_script:<line>.".
"""
import lupa.lua51 as _lupa


class RaiseTable(Exception):
    """Raised by Python code called from Lua to raise ``table`` (a Lua
    {err=...} table) as the Lua error, as Redis's C functions do."""

    def __init__(self, table):
        Exception.__init__(self)
        self.table = table


class RaiseMessage(Exception):
    """Raised by a library function (cjson, struct, ...) for a Lua error
    message, which gets the script's position as luaL_error gives it."""

    def __init__(self, msg):
        Exception.__init__(self)
        self.msg = msg

# The prelude runs once per state with the Python callables as ``...``.
PRELUDE = r"""
local py_call, py_pcall, py_log, py_sha1, py_setresp, py_set_repl, py_acl,
      py_hook, py_register, py_unwrap, version, version_num, libs = ...
local _G = _G
local type, tostring, error, rawset, rawget, setmetatable, getmetatable, select,
      xpcall, pcall, setfenv, loadstring, pairs, ipairs, next =
      type, tostring, error, rawset, rawget, setmetatable, getmetatable, select,
      xpcall, pcall, setfenv, loadstring, pairs, ipairs, next
local dbg = debug
local sethook = debug.sethook

local READONLY = 'Attempt to modify a readonly table'
local protected = setmetatable({}, {__mode = 'k'})

local function deny_write(t, k, v) error(READONLY, 2) end
local function missing(t, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end

local real_of = setmetatable({}, {__mode = 'k'})   -- proxy -> the table it shows
local function protect(real)
  local proxy = setmetatable({}, {__index = real, __newindex = deny_write, __metatable = false})
  protected[proxy] = true
  real_of[proxy] = real
  return proxy
end

-- the base functions Redis 7.0 leaves to scripts
local api = {}
for _, name in ipairs({'assert', 'collectgarbage', 'error', 'gcinfo', 'getmetatable', 'ipairs',
                       'load', 'loadstring', 'next', 'pairs', 'pcall', 'rawequal', 'rawget',
                       'select', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall'}) do
  api[name] = _G[name]
end
api._VERSION = _G._VERSION
api.rawset = function(t, k, v)
  if protected[t] then error(READONLY, 0) end
  return rawset(t, k, v)
end
api.setmetatable = function(t, m)
  if protected[t] then error(READONLY, 0) end
  return setmetatable(t, m)
end
-- pairs and next walk what a read-only proxy shows
api.next = function(t, k) return next(real_of[t] or t, k) end
api.pairs = function(t) return next, real_of[t] or t, nil end
for _, name in ipairs({'string', 'table', 'math', 'coroutine'}) do
  api[name] = protect(_G[name])
end
for name, lib in pairs(libs) do
  api[name] = protect(lib)
end

-- An error raised by Python code (redis.call and the other redis.*
-- functions are Python callables, C functions to Lua, so a script's frame
-- stays on the stack even in "return redis.call(...)") reaches Lua as a
-- userdata wrapping the Python exception: py_unwrap gives its table.
local function unwrap(e, i)
  if type(e) == 'userdata' then
    local v, positioned = py_unwrap(e)
    if positioned and i then v = i.short_src .. ':' .. i.currentline .. ': ' .. v end
    return v
  end
  return e
end

-- pcall as Redis 7 has it: an error table with an err string comes back
-- as that string (what pcall gave before errors were tables)
local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = unwrap((...))
  if type(e) == 'table' and type(e.err) == 'string' then e = e.err end
  return false, e
end
api.pcall = function(f, ...) return pcall_result(pcall(f, ...)) end

-- redis.*
local redis = {}
redis.call = py_call
redis.pcall = py_pcall
redis.sha1hex = py_sha1
redis.error_reply = function(...)
  if select('#', ...) ~= 1 or type((...)) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  local e = ...
  if e:sub(1, 1) == '-' then e = e:sub(2) end
  return {err = e}
end
redis.status_reply = function(...)
  if select('#', ...) ~= 1 or type((...)) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {ok = (...)}
end
redis.log = py_log
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.setresp = py_setresp
redis.set_repl = py_set_repl
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = py_acl
redis.REDIS_VERSION = version
redis.REDIS_VERSION_NUM = version_num
api.redis = protect(redis)

-- the load-time API of a function library: redis.register_function, log, versions
local load_redis = setmetatable({
  register_function = py_register,
  log = py_log, LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = version, REDIS_VERSION_NUM = version_num,
}, {__index = missing, __newindex = deny_write, __metatable = false})
protected[load_redis] = true
local load_api = setmetatable({redis = load_redis}, {__index = missing, __newindex = deny_write})
protected[load_api] = true

local env_meta = {__index = api, __newindex = deny_write, __metatable = false}
local env = setmetatable({}, env_meta)
protected[env] = true
real_of[env] = api
api._G = env
setmetatable(api, {__index = missing, __newindex = deny_write, __metatable = false})
protected[api] = true

-- errors as Redis's tables {err, source, line}
local function handler(e)
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == '=shardis') do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  e = unwrap(e, i)
  if type(e) ~= 'table' then e = {err = 'ERR ' .. tostring(e)} end
  if i then e.source = i.source; e.line = i.currentline end
  return e
end

-- the timeout hook: past the threshold the engine polls the server; a
-- killed script gets an error on every line so pcall cannot hold it
local kill_error = 'ERR Script killed by user with SCRIPT KILL...'
local getinfo = dbg.getinfo
local function hook()
  local kill = py_hook()
  if kill then
    -- never inside this prelude (the error handler, the runners' tails)
    local i = getinfo(2, 'S')
    if i and i.source == '=shardis' then return end
    sethook(hook, 'l')
    error({err = kill})
  end
end

rawset(api, '__redis__err__handler', handler)

local function arrays(nkeys, ...)
  local n = select('#', ...)
  if nkeys == n then return {...}, {} end
  if nkeys == 0 then return {}, {...} end
  local all, keys, args = {...}, {}, {}
  for i = 1, nkeys do keys[i] = all[i] end
  for i = nkeys + 1, n do args[i - nkeys] = all[i] end
  return keys, args
end

local M = {}

-- compile a script body as a function running in the sandbox
function M.compile(body, chunkname)
  local f, err = loadstring(body, chunkname)
  if not f then return nil, err end
  setfenv(f, env)
  return f, false
end

-- The count hook stays installed: every 100,000 VM instructions it costs
-- one call into Python, which returns at once unless a script runs past
-- the threshold (cheaper than setting and clearing it around each script).
sethook(hook, '', 100000)
function M.reset_hook() sethook(hook, '', 100000) end

-- EVAL: KEYS and ARGV are globals
function M.run_eval(f, nkeys, ...)
  local keys, args = arrays(nkeys, ...)
  rawset(api, 'KEYS', keys)
  rawset(api, 'ARGV', args)
  local ok, r = xpcall(f, handler)
  return ok, r
end

-- FCALL: the callback gets the keys and the arguments
function M.run_function(f, nkeys, ...)
  local keys, args = arrays(nkeys, ...)
  local ok, r = xpcall(function() return f(keys, args) end, handler)
  return ok, r
end

-- FUNCTION LOAD: run the library's code against the load API
function M.load_library(f)
  env_meta.__index = load_api
  local ok, r = xpcall(f, handler)
  env_meta.__index = api
  return ok, r
end

function M.err(msg) return {err = msg} end
function M.err_nostats(msg) return {err = msg, ignore_error_stats_update = true} end
function M.ok(msg) return {ok = msg} end
function M.map(t) return {map = t} end
function M.set(t) return {set = t} end
function M.double(d) return {double = d} end
function M.big_number(s) return {big_number = s} end
function M.verbatim(fmt, s) return {verbatim_string = {format = fmt, string = s}} end
function M.newtable() return {} end
function M.isfunction(v) return type(v) == 'function' end
function M.istable(v) return type(v) == 'table' end
function M.gc() collectgarbage('step', 50) end
function M.memory() return collectgarbage('count') end
return M
"""


def new_state(callbacks, libs, version, version_num):
    """A fresh Lua state with the sandbox; returns (runtime, M) where M is
    the prelude's table of helpers (compile, run_eval, run_function,
    load_library, err, ok, map, ...). ``callbacks`` holds the Python side of
    redis.*: call, pcall, log, sha1hex, setresp, set_repl, acl_check_cmd,
    the timeout hook and register_function; ``libs`` a function that builds
    the Lua tables of cjson/cmsgpack/bit/struct in the runtime."""
    rt = _lupa.LuaRuntime(encoding=None, unpack_returned_tuples=True,
                          register_eval=False, register_builtins=False)
    g = rt.globals()
    # the chunk name marks the prelude's frames for the error handler
    prelude = load_chunk(rt, PRELUDE.encode(), b"=shardis")
    lib_tables = rt.table_from({k.encode(): v for k, v in libs(rt).items()})
    cb = callbacks
    m = prelude(cb["call"], cb["pcall"], cb["log"], cb["sha1hex"], cb["setresp"],
                cb["set_repl"], cb["acl_check_cmd"], cb["hook"], cb["register_function"],
                cb["unwrap"], version, version_num, lib_tables)
    # the prelude captured what it needs (debug for the handler and the hook)
    for name in (b"io", b"os", b"package", b"dofile", b"loadfile", b"print", b"require",
                 b"module", b"getfenv", b"setfenv", b"newproxy", b"python", b"debug"):
        g[name] = None
    return rt, m


def load_chunk(rt, code, name):
    """Compile a chunk of our own Lua code (a failure is a bug: raised)."""
    r = rt.globals().loadstring(code, name)
    if r.__class__ is tuple:
        raise RuntimeError(r[1])
    return r
