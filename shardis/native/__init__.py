"""Compiled data structures (the bottom room: imports nothing from shardis).

KeyTable: one database's keyspace (keys, values, deadlines, LRU/LFU access fields,
hash-slot groups); HashTable and SetTable: the hashtable encodings of hashes and sets.
See shardis/native/htcore.h for the layout.

SHARDIS_NATIVE_DIR, when set, names a directory searched first for the compiled
module (make asan points it at the AddressSanitizer build).
"""
import os

_alt = os.environ.get("SHARDIS_NATIVE_DIR")
if _alt:
    __path__.insert(0, _alt)

from ._keytable import (EMBED_MAX, EXPIRED, NSLOTS, HashTable, KeyTable, SetTable,  # noqa: E402
                        blob_type, crc16, key_hash_slot, set_clock)

__all__ = ["EMBED_MAX", "EXPIRED", "NSLOTS", "HashTable", "KeyTable", "SetTable", "crc16", "key_hash_slot",
           "set_clock", "blob_type"]
