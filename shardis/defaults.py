"""The embedded default configuration `make run` starts with (no file given)."""
DEFAULT_CONF = """
bind 127.0.0.1 -::1
port 6379
save 3600 1 300 100 60 10000
"""
