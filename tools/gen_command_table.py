"""Generate shardis/commands/table.json from Redis's command metadata JSON files.

Usage: python tools/gen_command_table.py SRC_DIR [OUT]

SRC_DIR holds Redis's src/commands/*.json (one file per command or subcommand).
The output keeps the facts the server needs (arity, flags, ACL categories, key
specs, arguments, doc fields) and drops reply schemas and C function names.
CI regenerates this file and diffs it, so the committed table never drifts.
"""
import json
import os
import sys

DROP = {"reply_schema", "function", "get_keys_function"}


def load(src):
    table = {}
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".json"):
            continue
        with open(os.path.join(src, fn)) as f:
            doc = json.load(f)
        for name, body in doc.items():
            entry = {k: v for k, v in body.items() if k not in DROP}
            container = entry.get("container")
            full = f"{container}|{name}".lower() if container else name.lower()
            table[full] = entry
    return table


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "..", "shardis", "commands", "table.json")
    table = load(src)
    with open(out, "w") as f:
        json.dump(table, f, indent=0, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print(f"{len(table)} entries -> {out}")


if __name__ == "__main__":
    main()
