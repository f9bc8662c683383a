"""RESP2/RESP3 request parsing and reply encoding. Pure: no sockets, no keyspace."""
