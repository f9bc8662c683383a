"""config.py / config_table.py without a server: value types, redis.conf
loading, the command line, CONFIG SET semantics and CONFIG REWRITE."""
import pytest

from shardis.config import (Config, ConfigError, memtoull, parse_command_line, string2ll,
                            format_memory_rewrite, sds_repr)
from shardis.config_table import directives


@pytest.fixture
def cfg():
    return Config(directives())


def test_memory_units():
    assert memtoull("1k") == 1000
    assert memtoull("1kb") == 1024
    assert memtoull("1KB") == 1024
    assert memtoull("4gb") == 4 * 1024 ** 3
    assert memtoull("3M") == 3000000
    assert memtoull("5b") == 5
    assert memtoull("kb") == 0
    for bad in ("-1", "1.5mb", " 5", "5 ", "1tb", "abc"):
        with pytest.raises(ValueError):
            memtoull(bad)


def test_rewrite_formats():
    assert format_memory_rewrite(0) == "0"
    assert format_memory_rewrite(1024) == "1kb"
    assert format_memory_rewrite(3 * 1024 ** 3) == "3gb"
    assert format_memory_rewrite(1000) == "1000"
    assert sds_repr('a"b\n\x01') == '"a\\"b\\n\\x01"'


def test_string2ll():
    assert string2ll("-5") == -5
    assert string2ll("05") is None and string2ll("+5") is None and string2ll("") is None


def test_table_has_every_directive_once(cfg):
    names = [d.name for d in directives()]
    assert len(names) == len(set(names))
    assert len(cfg.by_name) >= 190


def test_defaults(cfg):
    assert cfg["save"] == ((3600, 1), (300, 100), (60, 10000))
    assert cfg["maxmemory"] == 0
    assert cfg["proto-max-bulk-len"] == 512 * 1024 * 1024
    assert dict(cfg["client-output-buffer-limit"])["pubsub"] == (32 * 1024 * 1024, 8 * 1024 * 1024, 60)
    assert cfg.lookup("slave-read-only").name == "replica-read-only"
    assert cfg.lookup("lua-time-limit").name == "busy-reply-threshold"


def test_set_many_messages(cfg):
    with pytest.raises(ConfigError, match="Unknown option or number of arguments for CONFIG SET - 'nope'"):
        cfg.set_many([("nope", "1")])
    with pytest.raises(ConfigError, match="'daemonize'\\) - can't set immutable config"):
        cfg.set_many([("daemonize", "yes")])
    with pytest.raises(ConfigError, match="'dir'\\) - can't set protected config"):
        cfg.set_many([("dir", "/")])
    with pytest.raises(ConfigError, match="'HZ'\\) - duplicate parameter"):
        cfg.set_many([("hz", "1"), ("HZ", "2")])
    with pytest.raises(ConfigError, match="argument must be between 1 and 4294967295 inclusive"):
        cfg.set_many([("maxclients", "0")])
    with pytest.raises(ConfigError, match="percentage argument must be less or equal to 100"):
        cfg.set_many([("maxmemory-clients", "101%")])


def test_set_many_is_atomic(cfg):
    seen = []
    cfg.on_change("hz", seen.append)
    with pytest.raises(ConfigError):
        cfg.set_many([("hz", "20"), ("maxmemory", "x")])
    assert cfg["hz"] == 10 and seen == [10]
    cfg.set_many([("hz", "20"), ("maxmemory", "1mb")])
    assert cfg["hz"] == 20 and cfg["maxmemory"] == 1024 * 1024 and seen == [10, 20]


def test_hook_refusal_rolls_back_everything(cfg):
    def refuse(v):
        if v == 7:
            raise ConfigError("no sevens")
    cfg.on_change("maxmemory-samples", refuse)
    with pytest.raises(ConfigError, match="'maxmemory-samples'\\) - no sevens"):
        cfg.set_many([("hz", "30"), ("maxmemory-samples", "7")])
    assert cfg["hz"] == 10 and cfg["maxmemory-samples"] == 5


def test_get_matching(cfg):
    assert cfg.get_matching(["MAXMEMORY"]) == [("MAXMEMORY", "0")]
    names = dict(cfg.get_matching(["*ziplist*"]))
    assert "hash-max-ziplist-entries" in names and "list-max-ziplist-size" in names
    assert cfg.get_matching(["*delay*"]) and "key-load-delay" not in dict(cfg.get_matching(["*"]))
    assert cfg.get_matching(["key-load-delay"]) == [("key-load-delay", "0")]


def test_load_text_save_lines_accumulate(cfg):
    cfg.load_text("save 10 1\nsave 20 2\n", "x.conf")
    assert cfg["save"] == ((10, 1), (20, 2))
    cfg.load_text('save ""\n', "x.conf")
    assert cfg["save"] == ()


def test_load_text_cob_lines(cfg):
    cfg.load_text("client-output-buffer-limit normal 1mb 2mb 3\nclient-output-buffer-limit pubsub 0 0 0\n")
    lim = dict(cfg["client-output-buffer-limit"])
    assert lim["normal"] == (1024 * 1024, 2 * 1024 * 1024, 3) and lim["pubsub"] == (0, 0, 0)
    assert lim["replica"] == (256 * 1024 * 1024, 64 * 1024 * 1024, 60)


def test_load_errors_name_file_line_and_hint(cfg):
    with pytest.raises(ConfigError) as e:
        cfg.load_text("port 1\n\nactive-defrag-enabled yes\n", "my.conf")
    msg = str(e.value)
    assert "at line 3" in msg and ">>> 'active-defrag-enabled yes'" in msg
    assert "(did you mean 'activedefrag'?)" in msg and "'my.conf'" in msg
    with pytest.raises(ConfigError, match="wrong number of arguments"):
        cfg.load_text("maxmemory 1 2\n")
    with pytest.raises(ConfigError, match="Unbalanced quotes"):
        cfg.load_text('requirepass "abc\n')


def test_include(cfg, tmp_path):
    inc = tmp_path / "inc.conf"
    inc.write_text("hz 33\n")
    main = tmp_path / "main.conf"
    main.write_text(f"include {inc}\nmaxmemory 2mb\n")
    cfg.load_file(str(main))
    assert cfg["hz"] == 33 and cfg["maxmemory"] == 2 * 1024 * 1024
    assert cfg.config_file == str(main)


def test_command_line():
    assert parse_command_line(["--port", "7000", "--save", "--hz", "5"]) == \
        (None, False, '\nport "7000" \nsave ""\nhz "5" ')
    path, stdin, text = parse_command_line(["my.conf", "--maxmemory 1gb", "-"])
    assert path == "my.conf" and stdin and text == "\nmaxmemory 1gb "
    assert parse_command_line(["-"])[:2] == (None, True)
    assert parse_command_line(["--save"])[2] == '\nsave ""'


def test_command_line_values_applied(cfg):
    _, _, text = parse_command_line(["--save", "100 1 200 2", "--maxmemory", "3mb",
                                     "--client-output-buffer-limit", "normal 1mb 1mb 0"])
    cfg.load_text(text)
    assert cfg["save"] == ((100, 1), (200, 2))
    assert cfg["maxmemory"] == 3 * 1024 * 1024
    assert dict(cfg["client-output-buffer-limit"])["normal"] == (1024 * 1024, 1024 * 1024, 0)


def test_rewrite_keeps_comments_and_order(cfg, tmp_path):
    conf = tmp_path / "r.conf"
    conf.write_text("# head\nmaxmemory 1mb\n\n# hz below\nhz 10\nsave 1 1\nsave 2 2\nslave-read-only yes\n")
    cfg.load_file(str(conf))
    cfg.set_many([("maxmemory", "0"), ("save", "5 5"), ("maxmemory-policy", "allkeys-lru"),
                  ("requirepass", "p w")])
    cfg.rewrite()
    text = conf.read_text()
    lines = text.split("\n")
    assert lines[:8] == ["# head", "maxmemory 0", "", "# hz below", "hz 10", "save 5 5", "",
                         "replica-read-only yes"]
    tail = text.split("# Generated by CONFIG REWRITE\n")[1].splitlines()
    assert "maxmemory-policy allkeys-lru" in tail and 'requirepass "p w"' in tail
    assert any(ln.startswith("dir ") for ln in tail)
    # as Redis, the empty line after the last newline is kept from then on;
    # later rewrites with nothing changed are stable
    cfg.rewrite()
    second = conf.read_text()
    assert second == text + "\n"
    cfg.rewrite()
    assert conf.read_text() == second


def test_rewrite_without_file(cfg):
    with pytest.raises(ConfigError, match="The server is running without a config file"):
        cfg.rewrite()
