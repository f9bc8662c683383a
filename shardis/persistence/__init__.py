"""Persistence: Redis's on-disk formats (RDB today; the multi-part AOF next).
Pure codecs over shardis's value objects; the server drives them."""
