#!/usr/bin/env bash
# Reputation in Redis through the CLI (issue 6), against a real
# redis-server this test starts on a loopback port: export/import round
# trip LMDB -> file -> Redis -> file, the update script computes what the
# LMDB path computes (decay, saturation), concurrent updates are atomic,
# every update sets the TTL, and a stopped server gives a warning while the
# check still runs.
# usage: cli_redis_test.sh PATH/TO/authweight-check PATH/TO/examples
set -u

cli=${1:?usage: cli_redis_test.sh AUTHWEIGHT_CHECK EXAMPLES_DIR}
examples=${2:?usage: cli_redis_test.sh AUTHWEIGHT_CHECK EXAMPLES_DIR}
msgs=$examples/messages
zone=$msgs/zone.json

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/authweight-redis.XXXXXX")
redis_pid=
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

command -v redis-server >/dev/null || { echo "redis-server is not installed (tests/lib/deps.sh)" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --logfile "$tmp/redis.log" &
  redis_pid=$!
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  echo "redis-server did not start: $(cat "$tmp/redis.log")" >&2
  exit 1
}
start_redis
rcli() { redis-cli -p "$port" "$@"; }
R=(--redis "127.0.0.1:$port")

# shellcheck source=tests/lib/facts.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/facts.sh"
check() {
  local msg=$1
  shift
  read_facts "$msgs/$msg.facts"
  "$cli" "${facts[@]}" --dns-zone "$zone" "$@" "$msgs/$msg.eml" >"$tmp/out" 2>"$tmp/err"
}
py() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
syms = {s["name"]: s["score"] for s in d["symbols"]}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$1"
}
# records FILE: the export as {identity: record}, printed sorted for comparison.
same_records() {
  python3 -c '
import json,sys
def load(p):
    return {json.loads(l)["identity"]: json.loads(l)["record"] for l in open(p) if l.strip()}
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b and len(a) > 0 else 1)' "$1" "$2"
}

# --- LMDB -> file -> Redis -> file
db=$tmp/rep.mdb
python3 -c '
import json
for i in range(3000):
    rec = {"v": 1, "spam": i * 0.25, "ham": (i % 11) / 7, "ts": 1700000000 + i}
    print(json.dumps({"identity": "sender%d.example" % i, "record": rec}, separators=(",", ":")))
' >"$tmp/seed.jsonl"
"$cli" --reputation-db "$db" --import "$tmp/seed.jsonl" >/dev/null || bad "seed import"
"$cli" --reputation-db "$db" --export "$tmp/lmdb.jsonl" >/dev/null || bad "LMDB export"
"$cli" "${R[@]}" --import "$tmp/lmdb.jsonl" >"$tmp/imp" 2>"$tmp/err"
if grep -q '"imported":3000,"skipped":0' "$tmp/imp"; then ok; else bad "Redis import: $(cat "$tmp/imp" "$tmp/err")"; fi
"$cli" "${R[@]}" --export "$tmp/redis.jsonl" >/dev/null 2>"$tmp/err" || bad "Redis export: $(cat "$tmp/err")"
if same_records "$tmp/lmdb.jsonl" "$tmp/redis.jsonl"; then ok; else bad "LMDB -> Redis -> file differs"; fi
if [ "$(rcli dbsize)" = 3000 ]; then ok; else bad "dbsize $(rcli dbsize)"; fi
# Imported keys carry the TTL too.
ttl=$(rcli ttl aw_rep:sender7.example)
if [ "$ttl" -gt 7776000 ] || [ "$ttl" -lt 7775000 ]; then bad "import TTL $ttl"; else ok; fi
# And back: Redis -> file -> LMDB gives the same records.
"$cli" --reputation-db "$tmp/back.mdb" --import "$tmp/redis.jsonl" >/dev/null
"$cli" --reputation-db "$tmp/back.mdb" --export "$tmp/back.jsonl" >/dev/null
if same_records "$tmp/seed.jsonl" "$tmp/back.jsonl"; then ok; else bad "Redis -> LMDB differs"; fi

# --- the Redis script computes what core::observe computes
rcli flushall >/dev/null
lm=$tmp/same.mdb
for step in "spam 1700000000" "spam 1700003600" "ham 1700100000" "spam 1701000000" "ham 1699000000"; do
  set -- $step
  check friend-tls --reputation-db "$lm" --learn "$1" --now "$2" || bad "LMDB learn $step"
  check friend-tls "${R[@]}" --learn "$1" --now "$2" || bad "Redis learn $step: $(cat "$tmp/err")"
done
"$cli" --reputation-db "$lm" --export "$tmp/a.jsonl" >/dev/null
"$cli" "${R[@]}" --export "$tmp/b.jsonl" >/dev/null
if python3 -c '
import json,sys
a = json.loads(open(sys.argv[1]).readline()); b = json.loads(open(sys.argv[2]).readline())
assert a["identity"] == b["identity"] == "example.org", (a, b)
ra, rb = a["record"], b["record"]
assert ra["ts"] == rb["ts"] == 1701000000, (ra, rb)
for k in ("spam", "ham"):
    assert abs(ra[k] - rb[k]) <= 1e-6 * max(1, ra[k]), (k, ra, rb)
' "$tmp/a.jsonl" "$tmp/b.jsonl"; then ok; else bad "LMDB and Redis disagree: $(cat "$tmp/a.jsonl" "$tmp/b.jsonl")"; fi
ttl=$(rcli ttl aw_rep:example.org)
if [ "$ttl" -gt 0 ] && [ "$ttl" -le 7776000 ]; then ok; else bad "learn TTL $ttl"; fi
# Saturation in the script.
check friend-tls "${R[@]}" --learn spam --now 1701000000 --config /dev/stdin <<<'{"reputation": {"max_count": 4}}'
"$cli" "${R[@]}" --export - >"$tmp/sat.jsonl"
if python3 -c '
import json,sys
r = json.loads(open(sys.argv[1]).readline())["record"]
assert abs(r["spam"] + r["ham"] - 4) < 1e-9, r' "$tmp/sat.jsonl"; then ok; else bad "saturation: $(cat "$tmp/sat.jsonl")"; fi

# --- the reputation in Redis scores the next check
rcli flushall >/dev/null
for i in 1 2 3 4 5 6; do check friend-tls "${R[@]}" --learn spam; done
check friend-tls "${R[@]}"
if py 'abs(syms.get("AUTHW_REP_BAD", 0) - 4.0) < 1e-9'; then ok; else bad "no AUTHW_REP_BAD from Redis: $(cat "$tmp/out")"; fi

# --- a damaged value is replaced by the script, skipped by a lookup
rcli set aw_rep:example.org "not msgpack" >/dev/null
check friend-tls "${R[@]}"
if py '"AUTHW_REP_BAD" not in syms' && [ ! -s "$tmp/err" ]; then ok; else bad "damaged value: $(cat "$tmp/err")"; fi
check friend-tls "${R[@]}" --learn spam --now 1700000000
"$cli" "${R[@]}" --export - >"$tmp/fixed.jsonl"
if grep -q '"spam":1.0,"ham":0.0,"ts":1700000000' "$tmp/fixed.jsonl"; then ok; else bad "damaged value not replaced: $(cat "$tmp/fixed.jsonl")"; fi

# --- concurrent updates through the script lose nothing
rcli flushall >/dev/null
racers=()
for p in 1 2 3 4; do
  (for i in $(seq 1 10); do
    read_facts "$msgs/friend-tls.facts"
    "$cli" "${facts[@]}" --dns-zone "$zone" --now 1700000000 "${R[@]}" --learn spam \
      "$msgs/friend-tls.eml" >/dev/null 2>>"$tmp/race.err" || echo "learn failed" >>"$tmp/race.err"
  done) &
  racers+=($!)
done
wait "${racers[@]}" # not redis-server
"$cli" "${R[@]}" --export - >"$tmp/race.jsonl"
if [ ! -s "$tmp/race.err" ] && grep -q '"spam":40' "$tmp/race.jsonl"; then ok; else
  bad "concurrent Redis learning: $(cat "$tmp/race.jsonl" "$tmp/race.err" 2>/dev/null)"; fi

# --- Redis down: a check warns once and still scores; learning fails cleanly
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null
redis_pid=
check friend-tls "${R[@]}"
rc=$?
if [ "$rc" -eq 0 ] && py '"AUTHW_SPF_PASS" in syms' && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
  grep -q "warning: reputation not used" "$tmp/err"; then ok; else bad "Redis down check: rc $rc $(cat "$tmp/err")"; fi
check friend-tls "${R[@]}" --learn spam
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then ok; else bad "Redis down learn: rc $rc $(cat "$tmp/err")"; fi

echo "reputation CLI (Redis): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
