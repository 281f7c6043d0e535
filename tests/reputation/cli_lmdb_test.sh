#!/usr/bin/env bash
# Reputation through the CLI against the embedded LMDB store (issue 6):
# learning only authenticated identities, AUTHW_REP_BAD / AUTHW_REP_GOOD,
# a forger neither poisons nor borrows, export/import round trip, an
# unreadable store warns once and the check still runs, and concurrent
# processes lose no update.
# usage: cli_lmdb_test.sh PATH/TO/authweight-check PATH/TO/examples
set -u

cli=${1:?usage: cli_lmdb_test.sh AUTHWEIGHT_CHECK EXAMPLES_DIR}
examples=${2:?usage: cli_lmdb_test.sh AUTHWEIGHT_CHECK EXAMPLES_DIR}
msgs=$examples/messages
zone=$msgs/zone.json

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/authweight-rep.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
db=$tmp/rep.mdb
now=1700000000

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# shellcheck source=tests/lib/facts.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/facts.sh"

# check NAME MESSAGE ARGS...: run a check, leave stdout in $tmp/out.
check() {
  local msg=$1
  shift
  read_facts "$msgs/$msg.facts"
  "$cli" "${facts[@]}" --dns-zone "$zone" --now "$now" "$@" "$msgs/$msg.eml" >"$tmp/out" 2>"$tmp/err"
}

# py EXPR: evaluate a Python expression over the report d (from $tmp/out).
py() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
syms = {s["name"]: s["score"] for s in d["symbols"]}
ids = [i["identity"] for i in d["reputation"]["identities"]]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1"
}

# --- an authenticated sender that keeps sending spam ends up with AUTHW_REP_BAD
check friend-tls --reputation-db "$db"
if py 'ids == ["example.org"] and "AUTHW_REP_BAD" not in syms'; then ok; else bad "fresh: $(cat "$tmp/out")"; fi
for i in 1 2 3 4; do
  check friend-tls --reputation-db "$db" --learn spam || bad "learn spam $i: $(cat "$tmp/err")"
done
check friend-tls --reputation-db "$db"
if py '"AUTHW_REP_BAD" not in syms'; then ok; else bad "REP_BAD before min_messages"; fi
check friend-tls --reputation-db "$db" --learn spam
check friend-tls --reputation-db "$db"
if py 'abs(syms.get("AUTHW_REP_BAD", 0) - 4.0) < 1e-9'; then ok; else bad "no AUTHW_REP_BAD 4.0 after 5 spam: $(cat "$tmp/out")"; fi

# --- a forger of that From cannot poison or borrow
check friend-forged --reputation-db "$db" --learn ham
if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "nothing learned" "$tmp/err"; then ok; else bad "forger learn: $(cat "$tmp/err")"; fi
if py 'ids == [] and "AUTHW_REP_BAD" not in syms and "AUTHW_REP_GOOD" not in syms'; then ok; else
  bad "forger scored by the sender's reputation: $(cat "$tmp/out")"; fi
"$cli" --reputation-db "$db" --export "$tmp/one.jsonl" >/dev/null
if python3 -c '
import json,sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["identity"] for l in lines] == ["example.org"], lines
r = lines[0]["record"]
assert r["v"] == 1 and r["spam"] == 5 and r["ham"] == 0 and r["ts"] == 1700000000, r
' "$tmp/one.jsonl"; then ok; else bad "store after the forger: $(cat "$tmp/one.jsonl")"; fi

# --- ham outweighs the spam: AUTHW_REP_GOOD, within the trust budget
db2=$tmp/good.mdb
for i in $(seq 1 10); do check friend-tls --reputation-db "$db2" --learn ham; done
check friend-tls --reputation-db "$db2"
if py 'abs(syms.get("AUTHW_REP_GOOD", 0) + 1.5) < 1e-9'; then ok; else bad "no AUTHW_REP_GOOD: $(cat "$tmp/out")"; fi
check friend-tls --reputation-db "$db2" --config /dev/stdin <<<'{"trust_budget": 2.0}'
if py '"AUTHW_TRUST_CAP" in syms and abs(sum(v for k, v in syms.items() if v < 0) + syms["AUTHW_TRUST_CAP"] + 2.0) < 1e-9'; then
  ok; else bad "REP_GOOD not counted in the trust budget: $(cat "$tmp/out")"; fi

# --- decay: a half-life later the counts have halved
now=$((1700000000 + 1209600))
"$cli" --reputation-db "$db" --export - >"$tmp/before.jsonl"
check friend-tls --reputation-db "$db" --learn ham
"$cli" --reputation-db "$db" --export - >"$tmp/after.jsonl"
if python3 -c '
import json,sys
r = json.loads(open(sys.argv[1]).readline())["record"]
assert abs(r["spam"] - 2.5) < 1e-9 and abs(r["ham"] - 1.0) < 1e-9 and r["ts"] == 1701209600, r
' "$tmp/after.jsonl"; then ok; else bad "decay: $(cat "$tmp/after.jsonl")"; fi
now=1700000000

# --- export / import round trip, and bad lines skipped with a warning each
python3 -c '
import json
for i in range(2000):
    rec = {"v": 1, "spam": i * 0.37, "ham": (i % 7) / 3, "ts": 1700000000 + i}
    print(json.dumps({"identity": "host%d.example" % i, "record": rec}, separators=(",", ":")))
' >>"$tmp/after.jsonl"
"$cli" --reputation-db "$tmp/copy.mdb" --import "$tmp/after.jsonl" >"$tmp/imp" 2>"$tmp/err"
if grep -q '"imported":2001,"skipped":0' "$tmp/imp" && [ ! -s "$tmp/err" ]; then ok; else bad "import: $(cat "$tmp/imp" "$tmp/err")"; fi
"$cli" --reputation-db "$tmp/copy.mdb" --export - >"$tmp/copy.jsonl"
if python3 -c '
import json,sys
a = {json.loads(l)["identity"]: json.loads(l)["record"] for l in open(sys.argv[1])}
b = {json.loads(l)["identity"]: json.loads(l)["record"] for l in open(sys.argv[2])}
sys.exit(0 if a == b and len(a) == 2001 else 1)' "$tmp/after.jsonl" "$tmp/copy.jsonl"; then ok; else bad "round trip differs"; fi
printf '%s\n' '# a comment' '' 'garbage' '{"identity":"UPPER.example","record":{"v":1,"spam":1,"ham":0,"ts":1}}' \
  '{"identity":"fine.example","record":{"v":1,"spam":1,"ham":2,"ts":3}}' >"$tmp/mixed.jsonl"
"$cli" --reputation-db "$tmp/copy.mdb" --import "$tmp/mixed.jsonl" >"$tmp/imp" 2>"$tmp/err"
if grep -q '"imported":1,"skipped":2' "$tmp/imp" && [ "$(wc -l <"$tmp/err")" -eq 2 ]; then ok; else
  bad "mixed import: $(cat "$tmp/imp" "$tmp/err")"; fi

# --- an unreadable store: one warning line, the check still runs
head -c 20000 /dev/urandom >"$tmp/garbage.mdb"
check friend-tls --reputation-db "$tmp/garbage.mdb"
rc=$?
if [ "$rc" -eq 0 ] && py 'ids == ["example.org"]' && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
  grep -q "warning: reputation not used" "$tmp/err"; then ok; else bad "garbage store: rc $rc $(cat "$tmp/err")"; fi
check friend-tls --reputation-db "$tmp/no/such/dir/rep.mdb" --learn spam
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then ok; else bad "learn into a bad path: rc $rc $(cat "$tmp/err")"; fi
# Backend none: nothing looked up, nothing said.
check friend-tls --config /dev/stdin <<<'{"reputation": {"backend": "none"}}'
if [ ! -s "$tmp/err" ] && py '"AUTHW_REP_BAD" not in syms'; then ok; else bad "backend none: $(cat "$tmp/err")"; fi

# --- processes learning one identity at the same time lose nothing
db3=$tmp/race.mdb
for p in 1 2 3; do
  (for i in $(seq 1 15); do
    read_facts "$msgs/friend-tls.facts"
    "$cli" "${facts[@]}" --dns-zone "$zone" --now "$now" --reputation-db "$db3" --learn spam \
      "$msgs/friend-tls.eml" >/dev/null 2>>"$tmp/race.err" || echo "learn failed" >>"$tmp/race.err"
  done) &
done
wait
"$cli" --reputation-db "$db3" --export - >"$tmp/race.jsonl"
if [ ! -s "$tmp/race.err" ] && grep -q '"spam":45.0,' "$tmp/race.jsonl"; then ok; else
  bad "concurrent learning: $(cat "$tmp/race.jsonl" "$tmp/race.err" 2>/dev/null)"; fi

echo "reputation CLI (LMDB): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
