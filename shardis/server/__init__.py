"""The server process: listener, clients, dispatch, cron."""
