"""Every key write, delete, expiry and rename goes through the keyspace's API
(shardis/keyspace/db.py): no module outside keyspace/ assigns into, deletes
from or replaces a database's storage (``db.data``, ``db.expires``), directly
or through a local name bound to it (``data = db.data; data[k] = v``).

The indexes that must see every key (SCAN's, active expiry's, access
tracking, and next the key table's slots and eviction metadata) are kept by
those methods; a write that bypasses them is a silent inconsistency."""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "shardis")
STORAGE = {"data", "expires"}
MUTATORS = {"pop", "popitem", "clear", "update", "setdefault", "__setitem__", "__delitem__"}


def _modules():
    for dirpath, _, files in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        if rel.split(os.sep)[0] == "keyspace":
            continue
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


def _is_storage(node, aliases):
    """``<x>.data`` / ``<x>.expires`` or a local name bound to one."""
    if isinstance(node, ast.Attribute) and node.attr in STORAGE:
        return True
    return isinstance(node, ast.Name) and node.id in aliases


def violations(source, filename="<src>"):
    tree = ast.parse(source, filename)
    found = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            continue
        aliases = set()
        body_nodes = list(ast.walk(fn))
        for node in body_nodes:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr in STORAGE:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        aliases.add(t.id)
        for node in body_nodes:
            targets = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for t in targets:
                if isinstance(t, ast.Subscript) and _is_storage(t.value, aliases):
                    found.add((filename, node.lineno, "item assignment/deletion"))
                elif isinstance(t, ast.Attribute) and t.attr in STORAGE \
                        and not (isinstance(t.value, ast.Name) and t.value.id == "self"):
                    found.add((filename, node.lineno, f"replaces .{t.attr}"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in MUTATORS and _is_storage(node.func.value, aliases):
                found.add((filename, node.lineno, f".{node.func.attr}()"))
    return sorted(found)


def test_the_scanner_sees_each_form():
    src = ("def f(db, c, k, v):\n"
           "    db.data[k] = v\n"
           "    del c.db.expires[k]\n"
           "    data = db.data\n"
           "    data[k] = v\n"
           "    db.expires.pop(k, None)\n"
           "    db.data = {}\n"
           "    data.update({k: v})\n"
           "    x = db.data.get(k)\n")
    lines = sorted(line for _, line, _ in violations(src))
    assert lines == [2, 3, 5, 6, 7, 8]


def test_no_module_outside_keyspace_writes_a_database_directly():
    found = []
    for path in _modules():
        with open(path, encoding="utf-8") as f:
            found += violations(f.read(), os.path.relpath(path, ROOT))
    assert not found, "write through the keyspace API instead:\n" + "\n".join(
        f"  shardis/{p}:{line}: {what}" for p, line, what in found)
