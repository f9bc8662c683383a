"""The embedded default configuration `make run` starts with (no file given),
and the usage text of the entry point."""
DEFAULT_CONF = """
bind 127.0.0.1 -::1
port 6379
save 3600 1 300 100 60 10000
"""

USAGE = """Usage: shardis-server [/path/to/redis.conf] [options] [-]
       shardis-server - (read config from stdin)
       shardis-server -v or --version
       shardis-server -h or --help

Examples:
       shardis-server (run the server with default conf)
       shardis-server /etc/redis/6379.conf
       shardis-server --port 7777
       shardis-server --port 7777 --replicaof 127.0.0.1 8888
       shardis-server /etc/myredis.conf --loglevel verbose -
       shardis-server /etc/myredis.conf --loglevel verbose

"""
