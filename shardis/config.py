"""Typed registry of redis.conf directives.

Each directive has a type that parses and formats its value the way Redis
does, a default, whether CONFIG SET may change it, and optional aliases (the
legacy ``*-ziplist-*`` names, ``slaveof``...). Subsystems read values with
``config[name]`` and subscribe to changes with ``config.on_change(name, fn)``;
the server mirrors hot values into plain attributes from those hooks so the
command path never looks them up.

The directive table lives in ``config_table.py``; this module is the
mechanism: parsing of values, of redis.conf files and of the command line,
CONFIG GET/SET semantics and CONFIG REWRITE.
"""
import fnmatch
import os
import difflib


class ConfigError(Exception):
    """A bad directive or value; ``str(e)`` is the reason Redis would give."""


MEMORY_UNITS = {
    "": 1, "b": 1, "k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2,
    "g": 1000 ** 3, "gb": 1024 ** 3,
}


def parse_memory(s):
    """'4gb' -> 4294967296, '100' -> 100, '1k' -> 1000. Raises ValueError."""
    t = s.strip().lower()
    i = len(t)
    while i > 0 and t[i - 1].isalpha():
        i -= 1
    num, unit = t[:i], t[i:]
    if unit not in MEMORY_UNITS or not num:
        raise ValueError(s)
    if not (num.lstrip("-").isdigit()):
        raise ValueError(s)
    return int(num) * MEMORY_UNITS[unit]


def parse_bool(s):
    t = s.lower()
    if t == "yes":
        return True
    if t == "no":
        return False
    raise ValueError(s)


class Directive:
    __slots__ = ("name", "kind", "default", "mutable", "aliases", "lo", "hi", "choices",
                 "multi", "parse_fn", "format_fn", "sensitive", "flags")

    def __init__(self, name, kind, default, mutable=True, aliases=(), lo=None, hi=None,
                 choices=None, multi=False, parse=None, fmt=None, sensitive=False, flags=()):
        self.name = name
        self.kind = kind          # bool int memory enum string special
        self.default = default    # the default in redis.conf text form
        self.mutable = mutable
        self.aliases = tuple(aliases)
        self.lo = lo
        self.hi = hi
        self.choices = choices    # enum: tuple of names; multi=True: set of flags
        self.multi = multi
        self.parse_fn = parse
        self.format_fn = fmt
        self.sensitive = sensitive
        self.flags = set(flags)

    def parse(self, text):
        """Text -> value; raises ConfigError with Redis's reason."""
        k = self.kind
        if k == "bool":
            try:
                return parse_bool(text)
            except ValueError:
                raise ConfigError("argument must be 'yes' or 'no'") from None
        if k in ("int", "memory"):
            try:
                v = parse_memory(text) if k == "memory" else int(text, 10)
                if k == "int" and not text.strip().lstrip("-").isdigit():
                    raise ValueError
            except ValueError:
                if k == "memory":
                    raise ConfigError("argument must be a memory value") from None
                raise ConfigError("argument couldn't be parsed into an integer") from None
            if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
                raise ConfigError(f"argument must be between {self.lo} and {self.hi} inclusive")
            return v
        if k == "enum":
            if self.multi:
                words = text.lower().split()
                for w in words:
                    if w not in self.choices:
                        raise ConfigError(f"argument(s) must be one of the following: "
                                          + ", ".join(self.choices))
                return tuple(words)
            t = text.lower()
            if t not in self.choices:
                raise ConfigError("argument(s) must be one of the following: "
                                  + ", ".join(self.choices))
            return t
        if k == "special":
            return self.parse_fn(text)
        return text

    def format(self, value):
        """Value -> the text CONFIG GET shows."""
        k = self.kind
        if k == "bool":
            return "yes" if value else "no"
        if k in ("int", "memory"):
            return str(value)
        if k == "enum" and self.multi:
            return " ".join(value)
        if k == "special":
            return self.format_fn(value)
        return value


class Config:
    """The live configuration of one server."""

    def __init__(self, directives):
        self.directives = {}
        self.by_name = {}
        for d in directives:
            self.directives[d.name] = d
            self.by_name[d.name] = d
            for a in d.aliases:
                self.by_name[a] = d
        self.values = {d.name: d.parse(d.default) for d in directives}
        self.hooks = {}
        self.config_file = None
        self._file_lines = None

    def __getitem__(self, name):
        return self.values[name]

    def lookup(self, name):
        return self.by_name.get(name.lower())

    def on_change(self, name, fn):
        """Call ``fn(value)`` now and after every change of ``name``."""
        self.hooks.setdefault(name, []).append(fn)
        fn(self.values[name])

    def _apply(self, d, value):
        old = self.values[d.name]
        self.values[d.name] = value
        try:
            for fn in self.hooks.get(d.name, ()):
                fn(value)
        except ConfigError:
            self.values[d.name] = old
            for fn in self.hooks.get(d.name, ()):
                fn(old)
            raise

    def set_startup(self, name, args):
        """Apply a directive from a file or the command line (args: list of str)."""
        d = self.lookup(name)
        if d is None:
            raise ConfigError(f"Bad directive or wrong number of arguments")
        text = " ".join(args)
        if d.kind == "special" and "append" in d.flags:
            # Directives that accumulate over several lines (save, client-output-buffer-limit).
            value = d.parse_fn(text, self.values[d.name], startup=True)
        else:
            value = d.parse(text)
        self._apply(d, value)

    def suggest(self, name):
        names = list(self.by_name)
        close = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
        if not close:
            for n in names:
                if name.lower().startswith(n) or n.startswith(name.lower().split("-")[0] + "-") and \
                        name.lower().split("-")[0] == n:
                    close = [n]
                    break
        return close[0] if close else None

    # -- CONFIG GET / SET --------------------------------------------------
    def get_matching(self, patterns):
        """CONFIG GET: [(name, text)] for every directive or alias matching any
        glob, each directive once, in registry order."""
        out = {}
        for pat in patterns:
            p = pat.lower()
            if not any(ch in p for ch in "*?["):
                d = self.by_name.get(p)
                if d is not None:
                    out[p] = d.format(self.values[d.name])
                continue
            for name, d in self.by_name.items():
                if name not in out and fnmatch.fnmatchcase(name, p):
                    out[name] = d.format(self.values[d.name])
        return list(out.items())

    def set_many(self, pairs):
        """CONFIG SET with several name/value pairs: validated first, applied
        all or none. Raises ConfigError with Redis's message."""
        seen = {}
        parsed = []
        for name, text in pairs:
            d = self.lookup(name)
            if d is None:
                raise ConfigError(f"Unknown option or number of arguments for CONFIG SET - '{name}'")
            if not d.mutable:
                raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config")
            if d.name in seen:
                raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter")
            seen[d.name] = True
            try:
                if d.kind == "special" and "append" in d.flags:
                    v = d.parse_fn(text, None, startup=False)
                else:
                    v = d.parse(text)
            except ConfigError as e:
                raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - {e}") from None
            parsed.append((d, v, name))
        applied = []
        try:
            for d, v, name in parsed:
                old = self.values[d.name]
                try:
                    self._apply(d, v)
                except ConfigError as e:
                    raise ConfigError(f"CONFIG SET failed (possibly related to argument '{name}') - {e}") from None
                applied.append((d, old))
        except ConfigError:
            for d, old in reversed(applied):
                self._apply(d, old)
            raise

    # -- files ------------------------------------------------------------
    def load_file(self, path, _depth=0):
        """Load a redis.conf; ``include`` is followed. Errors name the file and line."""
        if _depth == 0:
            self.config_file = os.path.abspath(path)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError as e:
            raise ConfigError(f"Fatal error, can't open config file '{path}': {e.strerror}")
        self.load_text(text, path, _depth)

    def load_text(self, text, source="(command line)", _depth=0):
        for lineno, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            args = split_config_line(s)
            if args is None:
                raise ConfigError(_bad_line(source, lineno, line, "Unbalanced quotes in configuration line"))
            if not args:
                continue
            name = args[0].lower()
            if name == "include":
                if len(args) != 2:
                    raise ConfigError(_bad_line(source, lineno, line, "Bad directive or wrong number of arguments"))
                self.load_file(args[1], _depth + 1)
                continue
            d = self.lookup(name)
            if d is None:
                hint = self.suggest(name)
                msg = "Bad directive or wrong number of arguments"
                if hint:
                    msg += f" (did you mean '{hint}'?)"
                raise ConfigError(_bad_line(source, lineno, line, msg))
            try:
                self.set_startup(name, args[1:])
            except ConfigError as e:
                raise ConfigError(_bad_line(source, lineno, line, str(e)))

    def rewrite(self):
        """CONFIG REWRITE: keep the file's comments and order, update lines of
        changed directives in place, append the rest, drop lines of directives
        now at their default. Raises ConfigError when there is no file."""
        if not self.config_file:
            raise ConfigError("The server is running without a config file")
        try:
            with open(self.config_file) as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        written = set()
        out = []
        marker = "# Generated by CONFIG REWRITE"
        for line in lines:
            if line.strip() == marker:
                continue
            args = split_config_line(line.strip()) if line.strip() and not line.strip().startswith("#") else None
            if not args:
                out.append(line)
                continue
            d = self.lookup(args[0])
            if d is None or args[0].lower() == "include":
                out.append(line)
                continue
            if d.name in written:
                continue
            written.add(d.name)
            for new in self._rewrite_lines(d):
                out.append(new)
        tail = []
        for name, d in self.directives.items():
            if name in written or "norewrite" in d.flags:
                continue
            if d.format(self.values[name]) == d.format(d.parse(d.default)):
                continue
            tail.extend(self._rewrite_lines(d))
        if tail:
            out.append(marker)
            out.extend(tail)
        tmp = self.config_file + ".tmp-rewrite"
        with open(tmp, "w") as f:
            f.write("\n".join(out) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.config_file)

    def _rewrite_lines(self, d):
        v = self.values[d.name]
        if d.kind == "special" and "lines" in d.flags:
            return [f"{d.name} {x}" for x in d.format_fn(v, lines=True)]
        text = d.format(v)
        return [f"{d.name} {quote_config(text)}"]


def quote_config(text):
    if text == "" or any(c in text for c in " \"'\t\\") or not text.isprintable():
        esc = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{esc}"'
    return text


def split_config_line(s):
    from shardis.protocol.request import split_args
    r = split_args(s.encode())
    if r is None:
        return None
    return [a.decode("utf-8", "replace") for a in r]


def _bad_line(source, lineno, line, msg):
    return ("\n*** FATAL CONFIG FILE ERROR (Redis 7.2.4) ***\n"
            f"Reading the configuration file, at line {lineno}\n"
            f">>> '{line.strip()}'\n{msg}\n(in {source})")


def parse_command_line(argv):
    """redis-server style argv: [configfile] [--name value ...] [-]. Returns
    (path or None, directives text)."""
    path = None
    rest = list(argv)
    if rest and not rest[0].startswith("--") and rest[0] != "-":
        path = rest.pop(0)
    lines = []
    cur = None
    for a in rest:
        if a.startswith("--") and len(a) > 2:
            if cur:
                lines.append(cur)
            cur = [a[2:]]
        elif cur is None:
            raise ConfigError(f"Invalid argument '{a}'")
        else:
            cur.append(a)
    if cur:
        lines.append(cur)
    text = "\n".join(" ".join(quote_config(x) for x in ln) for ln in lines)
    return path, text
