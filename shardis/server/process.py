"""Process management, as redis.conf describes it: ``daemonize``,
``pidfile``, ``supervised`` (only to decide whether to go to the
background), and the SIGTERM / SIGINT shutdown (``shutdown-on-sigterm``,
``shutdown-on-sigint``).

Daemonizing. Redis forks once, lets the parent exit at once and sends the
child's stdin/stdout/stderr to /dev/null. We fork twice (the first child
starts a new session with setsid and forks again, so the server is not a
session leader and can never regain a terminal) and keep the parent waiting
on a pipe until the server is listening: it exits 0 then, or 1 with the
server's error on its stderr when the server could not start (a port in
use...). So ``shardis --daemonize yes --port P && redis-cli -p P ping`` works
without a retry loop. Nothing is logged to the terminal after the fork: the
log goes to ``logfile``, or nowhere when it is "" (stdout is /dev/null), as
in Redis.

The pid file is written once the process is the one that will serve (after
daemonizing), when ``pidfile`` is set or when daemonized (Redis's default
path then); it is removed on a clean shutdown, only if it still holds our
pid.

Signals. SIGTERM and SIGINT log Redis's line ("Received SIGTERM scheduling
shutdown...") and start a normal shutdown with the flags the matching
``shutdown-on-*`` directive gives ("default": save if save points are set).
A second SIGINT while shutting down exits at once with status 1 ("You
insist... exiting now."), as in Redis. There is no persistence yet: a save
asked for at shutdown runs the functions registered with ``on_final_save``
(none today).
"""
import os
import signal
import sys

DEFAULT_PIDFILE = "/var/run/redis.pid"     # Redis's, used when daemonized without one

_ready_fd = None        # write end of the pipe to the waiting parent (daemonized only)
_pidfile_written = None
_final_savers = []


# -- daemonize -------------------------------------------------------------------------
def supervised_mode(cfg):
    """Redis's ``supervised`` resolution: "auto" means systemd when
    NOTIFY_SOCKET is set, upstart when UPSTART_JOB is, else no."""
    mode = cfg["supervised"]
    if mode == "auto":
        if os.environ.get("NOTIFY_SOCKET"):
            return "systemd"
        if os.environ.get("UPSTART_JOB"):
            return "upstart"
        return "no"
    return mode


def should_daemonize(cfg):
    """Redis goes to the background when daemonize is on and no supervisor
    (systemd, upstart) is managing the process."""
    return bool(cfg["daemonize"]) and supervised_mode(cfg) == "no"


def daemonize():
    """Detach from the terminal. Returns in the server process only; the
    original process waits for the server's word (``notify_ready`` /
    ``notify_failed``) and exits 0 or 1."""
    global _ready_fd
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(w)
        os._exit(_wait_for_server(r, pid))
    os.close(r)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)                 # the middle process: its child serves
    fd = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(fd, target)
    if fd > 2:
        os.close(fd)
    _ready_fd = w


def _wait_for_server(r, pid):
    """The original process: reap the middle process, then read the pipe
    until the server reports (b"ok" or b"err <message>") or it closes."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    data = b""
    while True:
        try:
            chunk = os.read(r, 4096)
        except InterruptedError:
            continue
        if not chunk:
            break
        data += chunk
        if data.startswith(b"ok") or data.endswith(b"\n"):
            break
    os.close(r)
    if data.startswith(b"ok"):
        return 0
    msg = data[4:].decode("utf-8", "replace").strip() if data.startswith(b"err ") else \
        "the server exited before it was ready (see its log file)"
    try:
        os.write(2, (msg + "\n").encode())
    except OSError:
        pass
    return 1


def _tell_parent(data):
    global _ready_fd
    fd = _ready_fd
    if fd is None:
        return
    _ready_fd = None
    try:
        os.write(fd, data)
    except OSError:
        pass
    try:
        os.close(fd)
    except OSError:
        pass


def notify_ready():
    """The server listens: let a waiting daemonize parent exit 0."""
    _tell_parent(b"ok\n")


def notify_failed(msg):
    """The server cannot start: the waiting parent prints ``msg`` and exits 1."""
    _tell_parent(b"err " + msg.replace("\n", " ").encode("utf-8", "replace") + b"\n")


# -- pid file --------------------------------------------------------------------------
def pidfile_path(cfg, daemonized):
    path = cfg["pidfile"]
    if not path and daemonized:
        path = DEFAULT_PIDFILE
    return path or None


def write_pidfile(path, log):
    """Write our pid to ``path``; a failure is logged, not fatal (Redis)."""
    global _pidfile_written
    try:
        with open(path, "w") as f:
            f.write("%d\n" % os.getpid())
    except OSError as e:
        log("warning", f"Failed to write PID file: {e.strerror}")
        return
    _pidfile_written = os.path.abspath(path)


def remove_pidfile(log=None):
    """Remove the pid file we wrote, if it still holds our pid."""
    global _pidfile_written
    path = _pidfile_written
    if path is None:
        return
    _pidfile_written = None
    try:
        with open(path) as f:
            if f.read().strip() != str(os.getpid()):
                return
    except OSError:
        return
    if log is not None:
        log("notice", "Removing the pid file.")
    try:
        os.unlink(path)
    except OSError:
        pass


# -- shutdown ----------------------------------------------------------------------------
_SIG_DIRECTIVE = {"SIGTERM": "shutdown-on-sigterm", "SIGINT": "shutdown-on-sigint"}


def signal_flags(cfg, signame):
    """The shutdown flags a signal asks for (a set of "save", "nosave",
    "now", "force"; empty for a default shutdown)."""
    name = _SIG_DIRECTIVE.get(signame)
    if name is None:
        return set()
    v = cfg[name]
    flags = set(v if isinstance(v, (list, tuple)) else str(v).split())
    flags.discard("default")
    return flags


def install_signal_handlers(server):
    """SIGTERM / SIGINT handlers (call from inside the server's loop).

    Python-level handlers, not loop.add_signal_handler: they run as soon as
    the signal arrives, even while a command holds the loop (DEBUG SLEEP, a
    long KEYS), so the log line is written at once and a second SIGINT exits
    at once, as Redis's handler does. The shutdown itself is handed to the
    loop (call_soon_threadsafe wakes it) and runs between commands."""
    loop = server.loop
    state = {"asked": False}

    def handler(signum, frame):
        name = signal.Signals(signum).name
        if state["asked"] and name == "SIGINT":
            server.log("warning", "You insist... exiting now.")
            os._exit(1)
        server.log("warning", f"Received {name} scheduling shutdown...")
        if not state["asked"]:
            state["asked"] = True
            loop.call_soon_threadsafe(_shutdown_for_signal, server, name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):       # not the main thread
            pass


def _shutdown_for_signal(server, signame):
    fut = server.shutdown_requested
    if fut is not None and fut.done():
        return                              # a SHUTDOWN is already under way
    server.log("warning", "User requested shutdown...")
    how = " ".join(sorted(signal_flags(server.config, signame))) or "default"
    server.request_shutdown(how)


def on_final_save(fn):
    """Register ``fn(server, flags)``: run at shutdown when the flags (or
    the save points) ask for a final save. Persistence registers here."""
    _final_savers.append(fn)


def wants_save(cfg, how):
    flags = set(str(how or "default").split())
    if "nosave" in flags:
        return False
    if "save" in flags:
        return True
    return bool(cfg["save"])


def finish_shutdown(server, how):
    """The steps of a clean shutdown before the listeners close: the final
    save when asked for, then the pid file."""
    if wants_save(server.config, how) and _final_savers:
        server.log("notice", "Saving the final RDB snapshot before exiting.")
        for fn in _final_savers:
            try:
                fn(server, how)
            except Exception as e:
                server.log("warning", f"Error trying to save the DB, can't exit: {e!r}")
    remove_pidfile(server.log)
