"""Small helpers shared by several rooms (no I/O, no server state)."""
