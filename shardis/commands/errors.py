"""Error replies, encoded once, with Redis's exact texts."""
from shardis.protocol.resp import error

WRONGTYPE = error("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_INT = error("ERR value is not an integer or out of range")
NOT_FLOAT = error("ERR value is not a valid float")
SYNTAX = error("ERR syntax error")
OVERFLOW = error("ERR increment or decrement would overflow")
NO_SUCH_KEY = error("ERR no such key")
OUT_OF_RANGE = error("ERR index out of range")
INVALID_EXPIRE = "ERR invalid expire time in '{}' command"
NOT_POSITIVE = error("ERR value is out of range, must be positive")
BIT_OFFSET = error("ERR bit offset is not an integer or out of range")
BIT_VALUE = error("ERR bit is not an integer or out of range")
STRING_TOO_LONG = error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
INVALID_CURSOR = error("ERR invalid cursor")
