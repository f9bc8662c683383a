"""The keyspace: databases (data + expires), expiry, notifications."""
