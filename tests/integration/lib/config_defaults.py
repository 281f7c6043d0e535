#!/usr/bin/env python3
"""Compare the authweight section rspamd reads (the plugin logs it as JSON:
"authweight: config section {...}") with the defaults of
schemas/authweight.schema.json.

    config_defaults.py SECTION.json SCHEMA.json
    config_defaults.py --effective SECTION.json SCHEMA.json

The second form prints the effective settings instead: the section with
every absent key taken from the schema's defaults (what the plugin uses).

modules.d/authweight.conf spells out the defaults an admin looks for; the
plugin takes every other key's default from the schema. So each key rspamd
reads must be a schema key holding the schema's default (objects key by
key), and the section must not be empty. Exit 0 when that holds; else print
the differences.
"""
import json
import sys


def defaults(node):
    out = {}
    for key, sub in node.get("properties", {}).items():
        if sub.get("type") == "object":
            out[key] = defaults(sub)
        elif "default" in sub:
            out[key] = sub["default"]
    return out


def same(a, b):
    # UCL turns an empty list into an empty object on its way to JSON.
    if a in ([], {}) and b in ([], {}):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def effective(section, want):
    out = dict(want)
    for key, value in section.items():
        if isinstance(value, dict) and isinstance(want.get(key), dict):
            out[key] = effective(value, want[key])
        elif value == {} and isinstance(want.get(key), list):
            out[key] = []
        else:
            out[key] = value
    return out


def main():
    args = sys.argv[1:]
    show_effective = args[:1] == ["--effective"]
    if show_effective:
        args = args[1:]
    if len(args) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            got = json.load(f)
    except (OSError, ValueError):
        got = {}
    with open(args[1]) as f:
        want = defaults(json.load(f))
    if show_effective:
        print(json.dumps(effective(got, want), indent=1))
        return 0
    bad = []

    def compare(path, w, g):
        for k, v in g.items():
            where = path + k
            if k not in w:
                bad.append("  %s: not a schema key" % where)
            elif isinstance(v, dict) and isinstance(w[k], dict):
                compare(where + ".", w[k], v)
            elif not same(w[k], v):
                bad.append("  %s: schema %s, rspamd %s" % (where, json.dumps(w[k]), json.dumps(v)))

    compare("", want, got)
    if not got:
        bad.append("  the section is empty")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
