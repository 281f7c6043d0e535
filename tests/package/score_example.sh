#!/usr/bin/env bash
# examples/lua54/score.lua against authweight-check: for every sample message
# the Lua 5.4 program (module + its own zone-file answers) must give the
# verdict the CLI gives (the engine + core/adapters/zone_file), and its
# summary must show that verdict.
#
#   score_example.sh LUA AUTHWEIGHT_CHECK EXAMPLES_DIR
#
# LUA_CPATH picks the module: a build tree's lua/5.4, or unset for the
# installed one (the package test); lua-cjson comes from Lua's default
# path either way. score.lua runs with its defaults (facts
# next to the message, config and zone next to the script), so those are
# tested too.
set -euo pipefail
# shellcheck source=tests/lib/facts.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/facts.sh"
[ -z "${LUA_CPATH:-}" ] || export LUA_CPATH="$LUA_CPATH;;"
lua=$1
check=$2
examples=$3
score=$examples/lua54/score.lua
msgs=$examples/messages
python=/usr/bin/python3
[ -x "$python" ] || python=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A second zone with the markers and a CNAME (DESIGN.md's zone semantics):
# the SPF record behind a CNAME, DMARC answering SERVFAIL, reverse DNS
# timing out, and paypal.com's TXT timing out while its A answers.
cat >"$tmp/markers.json" <<'JSON'
{
  "example.org": [["CNAME", "spf-host.example.net."], ["MX", "10 mail.example.org"]],
  "spf-host.example.net": [["TXT", ["v=spf1 ip4:192.0.2.10 ", "-all"]], ["A", "192.0.2.10"]],
  "Mail.Example.ORG.": [["A", "192.0.2.10"]],
  "_dmarc.example.org": [["SERVFAIL", ""]],
  "10.2.0.192.in-addr.arpa": [["TIMEOUT", ""]],
  "paypal.com": [["A", "192.0.2.80"], ["TIMEOUT", ""]],
  "_dmarc.paypal.com": [["TXT", "v=DMARC1; p=reject"]],
  "loop-a.example": [["CNAME", "loop-b.example"]],
  "loop-b.example": [["CNAME", "loop-a.example"]],
  "paypa1.com": [["CNAME", "loop-a.example"]]
}
JSON

passed=0
failed=0
for run in default markers; do
for eml in "$msgs"/*.eml; do
  name=$(basename "$eml" .eml)
  zone=$msgs/zone.json
  zone_arg=()
  if [ "$run" = markers ]; then
    zone=$tmp/markers.json
    zone_arg=(--zone "$zone")
    name="$name (markers zone)"
  fi
  read_facts "${eml%.eml}.facts"
  if ! "$check" --config "$examples/config.json" --dns-zone "$zone" "${facts[@]}" "$eml" \
    >"$tmp/want.json" 2>"$tmp/err"; then
    echo "FAIL $name: authweight-check: $(cat "$tmp/err")"
    failed=$((failed + 1))
    continue
  fi
  if ! "$lua" "$score" "${zone_arg[@]}" --json "$eml" >"$tmp/got.json" 2>"$tmp/err" ||
    ! "$lua" "$score" "${zone_arg[@]}" "$eml" >"$tmp/got.txt" 2>>"$tmp/err"; then
    echo "FAIL $name: score.lua: $(cat "$tmp/err")"
    failed=$((failed + 1))
    continue
  fi
  if "$python" - "$name" "$tmp/want.json" "$tmp/got.json" "$tmp/got.txt" <<'PY'; then
import json, sys
name, want_p, got_p, text_p = sys.argv[1:5]
want = json.load(open(want_p))
got = json.load(open(got_p))
text = open(text_p).read().splitlines()
problems = []
def syms(r):
    return [(s["name"], round(s["score"], 4)) for s in r["symbols"]]
if syms(want) != syms(got):
    problems.append(f"symbols differ: cli {syms(want)} lua {syms(got)}")
if abs(want["score"] - got["score"]) > 1e-9:
    problems.append(f"score differs: cli {want['score']} lua {got['score']}")
for k in ("spf", "senderid", "dmarc"):
    if want[k].get("result") != got[k].get("result"):
        problems.append(f"{k} differs: cli {want[k].get('result')} lua {got[k].get('result')}")
if [d["result"] for d in want["dkim"]] != [d["result"] for d in got["dkim"]]:
    problems.append("dkim results differ")
# The summary shows the same verdict.
score_lines = [l for l in text if l.startswith("score ")]
if score_lines != [f"score     {want['score']:.2f}"]:
    problems.append(f"summary score line {score_lines} for {want['score']:.2f}")
if not any(l.startswith("verdict ") for l in text):
    problems.append("summary has no verdict line")
for s, _ in syms(want):
    if not any(f" {s} " in l + " " for l in text):
        problems.append(f"summary lacks {s}")
if problems:
    print(f"FAIL {name}: " + "; ".join(problems))
    sys.exit(1)
print(f"ok   {name}: score {want['score']:.2f}, " + ",".join(s for s, _ in syms(want)))
PY
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
done
echo "score_example: $passed passed, $failed failed"
[ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
