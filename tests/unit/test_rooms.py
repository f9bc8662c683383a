"""Rooms depend one way (docs/ARCHITECTURE.md): a module may import only from
its own room or rooms below it. Lazy imports inside functions count too."""
import ast
import os

import shardis

ROOT = os.path.dirname(shardis.__file__)

# lower number = lower room
LEVEL = {
    "shardis.native": -1,      # compiled data structures: imports no other room
    "shardis.protocol": 0,
    "shardis.util": 0,
    "shardis.config": 1,
    "shardis.config_table": 1,
    "shardis.defaults": 1,
    "shardis.types": 2,
    "shardis.keyspace": 3,
    "shardis.runtime": 4,
    "shardis.scripting": 4,
    "shardis.persistence": 4,  # RDB codec: types, util, scripting.library
    "shardis.commands": 5,
    "shardis.server": 6,
}


def room_of(mod):
    best = None
    for prefix in LEVEL:
        if mod == prefix or mod.startswith(prefix + "."):
            if best is None or len(prefix) > len(best):
                best = prefix
    return best


def modules():
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, os.path.dirname(ROOT))[:-3].replace(os.sep, ".")
                if rel.endswith(".__init__"):
                    rel = rel[:-9]
                yield rel, path


def imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_upward_imports():
    bad = []
    for mod, path in modules():
        src = room_of(mod)
        if src is None:
            continue
        for imp in imports(path):
            if not imp.startswith("shardis"):
                continue
            dst = room_of(imp)
            if dst is None or dst == src:
                continue
            if LEVEL[dst] > LEVEL[src]:
                bad.append(f"{mod} imports {imp}")
    assert not bad, "upward imports:\n" + "\n".join(sorted(bad))
