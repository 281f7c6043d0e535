#!/usr/bin/env bash
# Reputation in a real rspamd 3.4 with two normal workers (issue 6), on
# loopback with the test DNS server of tests/integration/lib/env.sh.
#
#   rspamd_reputation_test.sh BUILD_DIR lmdb|redis [WORK_DIR]
#
# Both backends: an authenticated bulk sender that keeps sending spam ends
# up with AUTHW_REP_BAD; a sender of ham with AUTHW_REP_GOOD; a forger of
# their From (no DKIM, SPF fail) neither borrows their reputation nor
# changes it; the two workers updating one identity at the same time lose
# no update (the count matches the messages sent); rspamc learn_spam
# through the controller reaches the store via a classifier learn_condition.
# lmdb:  kill -9 of rspamd in the middle of learning leaves a store that
#        opens, is consistent, and learns on after a restart; the Bayes
#        classifier that carries learn_condition keeps its statistics in
#        SQLite.
# redis: a redis-server started here on loopback through the admin's
#        local.d/redis.conf; keys carry the TTL; Redis stopped mid-run:
#        messages are still scored and the failure is logged once per
#        interval; Redis back: learning resumes.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR lmdb|redis [WORK_DIR]" >&2; exit 2; }
build=$(cd "$1" && pwd)
mode=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$here/rspamd
work=${3:-$build/tests/reputation-rspamd-$mode}
lib=$here/../integration/lib
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"
cli=$build/authweight-check

aw_env_init "$work" "$build"
results=$AW_DIR/results
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok     $*"; }
bad() { failed=$((failed + 1)); echo "FAILED $*"; }

# ---- setup: keys, signed messages, the zone ----------------------------------
cp "$data/zone.json" "$AW_DIR/zone.json"
mkdir -p "$AW_DIR/keys" "$AW_DIR/msg"
for d in bulk.example good.example conc.example learnt.example; do
  record=$("$AW_PYTHON" "$lib/dkim_sign.py" keygen "$AW_DIR/keys/$d.pem")
  aw_zone_add "$AW_DIR/zone.json" "sel1._domainkey.$d" TXT "$record"
done
sign() { # OUT IN DOMAIN
  "$AW_PYTHON" "$lib/dkim_sign.py" sign "$AW_DIR/keys/$3.pem" "$3" sel1 <"$data/messages/$2" >"$AW_DIR/msg/$1"
}
sign spam-bulk.eml spam-bulk.eml bulk.example
sign ham-bulk.eml ham-bulk.eml bulk.example
sign ham-good.eml ham-good.eml good.example
sign ham-conc.eml ham-conc.eml conc.example
sign ham-learnt.eml ham-learnt.eml learnt.example

# ---- rspamd ----------------------------------------------------------------------
redis_port=
if [ "$mode" = redis ]; then
  command -v redis-server >/dev/null || aw_die "redis-server is not installed (tests/lib/deps.sh)"
  redis_port=$(aw_free_port)
  start_redis() {
    aw_spawn redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$AW_DIR"
    REDIS_PID=${AW_PIDS[-1]}
    for _ in $(seq 1 50); do
      redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
      sleep 0.1
    done
    aw_die "redis-server did not start"
  }
  start_redis
fi

aw_dns_start "$AW_DIR/zone.json"
aw_rspamd_prepare "$data/local.d"
{
  echo "reputation {"
  echo "  half_life = 315360000;   # no decay to speak of during the test"
  echo "  lmdb_flush_interval = 0.2;"
  echo "  error_log_interval = 3600;"
  [ "$mode" = redis ] && echo '  backend = "redis";'
  echo "}"
} >"$AW_CONF/local.d/authweight.conf"
# The learn path: rspamc learn_spam runs the classifiers only; their
# learn_condition hands the task to the plugin (doc/reputation.md).
learn_condition='learn_condition = <<EOD
return function(task, is_spam, is_unlearn)
  local aw = rspamd_plugins and rspamd_plugins.authweight
  if aw and aw.learn then aw.learn(task, is_spam) end
  return require("lua_bayes_learn").can_learn(task, is_spam, is_unlearn)
end
EOD'
if [ "$mode" = redis ]; then
  echo "servers = \"127.0.0.1:$redis_port\";" >"$AW_CONF/local.d/redis.conf"
  printf '%s\n' "$learn_condition" >"$AW_CONF/local.d/classifier-bayes.conf"
else
  # Without Redis, rspamd's Bayes classifier (which learn_condition belongs
  # to) keeps its statistics in SQLite.
  {
    echo 'backend = "sqlite3";'
    echo "statfile { symbol = \"BAYES_HAM\"; spam = false; path = \"$(aw_rspamd_home)/db/bayes.ham.sqlite\"; }"
    echo "statfile { symbol = \"BAYES_SPAM\"; spam = true; path = \"$(aw_rspamd_home)/db/bayes.spam.sqlite\"; }"
    printf '%s\n' "$learn_condition"
  } >"$AW_CONF/override.d/classifier-bayes.conf"
fi
# The plugin's debug lines (identities and the counts looked up) explain
# a failed expectation.
echo 'debug_modules = ["authweight"];' >"$AW_CONF/local.d/logging.inc"
# Two normal workers share the store.
printf 'bind_socket = "127.0.0.1:%s";\ncount = 2;\n' "$AW_RSPAMD_PORT" >"$AW_CONF/override.d/worker-normal.inc"
[ -n "${AW_DEV_PLUGIN:-}" ] && ln -sf "$AW_DEV_PLUGIN" "$AW_CONF/plugins/authweight.lua"
aw_rspamd_start
RSPAMD_PID=${AW_PIDS[-1]}

db=$AW_DIR/db/authweight-reputation.mdb
store() { # the CLI's view of the store, as JSON lines
  if [ "$mode" = redis ]; then
    "$cli" --redis "127.0.0.1:$redis_port" --export -
  else
    "$cli" --reputation-db "$db" --export -
  fi
}
# record IDENTITY FIELD: one field of an identity's record ("" when absent)
record() {
  store | "$AW_PYTHON" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    if d["identity"] == sys.argv[1]:
        print(d["record"][sys.argv[2]])' "$1" "$2"
}
near() { "$AW_PYTHON" -c 'import sys; sys.exit(0 if sys.argv[1] and abs(float(sys.argv[1]) - float(sys.argv[2])) < 1e-3 else 1)' "$1" "$2"; }
settle() { sleep 0.6; } # LMDB workers commit every 0.2 s

AUTH_BULK=(ip=192.0.2.20 helo=mail.bulk.example hostname=mail.bulk.example from=news@bulk.example rcpt=you@recipient.example)
AUTH_GOOD=(ip=192.0.2.30 helo=mail.good.example hostname=mail.good.example from=info@good.example rcpt=you@recipient.example)
AUTH_CONC=(ip=192.0.2.40 helo=mail.conc.example hostname=mail.conc.example from=alerts@conc.example rcpt=you@recipient.example)
BOTNET=(ip=198.51.100.23 helo=[198.51.100.23] hostname=198-51-100-23.dyn.pool.isp.example rcpt=you@recipient.example)
expectations=$AW_DIR/expectations.txt
: >"$expectations"
expect() { echo "$*" >>"$expectations"; }
scan() { aw_scan "$@" || true; }

# ---- an authenticated bulk sender that keeps sending spam -----------------------
for i in 1 2 3 4 5 6; do
  scan "bulk-spam-$i" "$AW_DIR/msg/spam-bulk.eml" "${AUTH_BULK[@]}"
  [ "$mode" = lmdb ] && settle
done
expect bulk-spam-1 lacks AUTHW_REP_BAD
expect bulk-spam-1 action reject
expect bulk-spam-1 has AUTHW_DKIM_PASS
settle
scan bulk-next "$AW_DIR/msg/ham-bulk.eml" "${AUTH_BULK[@]}"
expect bulk-next has AUTHW_REP_BAD bulk.example
expect bulk-next symbol AUTHW_REP_BAD == 4.0
spam=$(record bulk.example spam)
if near "$spam" 6; then ok "bulk.example learned 6 rejects (spam $spam)"; else bad "bulk.example spam $spam, want 6"; fi
# bulk-next passed (no action): one ham, so the spam share and the weight
# of AUTHW_REP_BAD drop to 6/7.
settle
ham=$(record bulk.example ham)
if near "$ham" 1; then ok "bulk-next taught bulk.example one ham"; else bad "bulk.example ham '$ham', want 1"; fi
scan bulk-after "$AW_DIR/msg/ham-bulk.eml" "${AUTH_BULK[@]}"
expect bulk-after has AUTHW_REP_BAD bulk.example
expect bulk-after symbol AUTHW_REP_BAD == 3.4286

# ---- a sender of ham -------------------------------------------------------------
for i in 1 2 3 4 5 6; do
  scan "good-$i" "$AW_DIR/msg/ham-good.eml" "${AUTH_GOOD[@]}"
  [ "$mode" = lmdb ] && settle
done
expect good-1 action !reject
settle
scan good-next "$AW_DIR/msg/ham-good.eml" "${AUTH_GOOD[@]}"
expect good-next has AUTHW_REP_GOOD good.example
expect good-next symbol AUTHW_REP_GOOD == -1.5
settle

# ---- a forger of their From neither borrows nor poisons ---------------------------
before=$(store | grep -E '"identity":"(bulk|good)\.example"' || true)
for i in 1 2 3 4; do
  scan "forged-good-$i" "$data/messages/ham-good.eml" "${BOTNET[@]}" from=info@good.example
  scan "forged-bulk-$i" "$data/messages/ham-bulk.eml" "${BOTNET[@]}" from=news@bulk.example
done
settle
for i in 1 4; do
  expect "forged-good-$i" lacks AUTHW_REP_GOOD
  expect "forged-good-$i" lacks AUTHW_REP_BAD
  expect "forged-good-$i" has AUTHW_SPF_FAIL
  expect "forged-bulk-$i" lacks AUTHW_REP_BAD
  expect "forged-bulk-$i" lacks AUTHW_REP_GOOD
done
after=$(store | grep -E '"identity":"(bulk|good)\.example"' || true)
if [ -n "$before" ] && [ "$before" = "$after" ]; then ok "forged mail changed no record"; else
  bad "forged mail changed the records: before $before after $after"; fi

# ---- two workers updating one identity at the same time -----------------------------
n_conc=40
racers=()
for p in 1 2 3 4; do
  (for i in $(seq 1 $((n_conc / 4))); do
    aw_scan "conc-$p-$i" "$AW_DIR/msg/ham-conc.eml" "${AUTH_CONC[@]}" || echo "scan conc-$p-$i failed"
  done) &
  racers+=($!)
done
wait "${racers[@]}"
settle
ham=$(record conc.example ham)
if near "$ham" "$n_conc"; then ok "two workers: $n_conc messages, ham $ham"; else bad "two workers: ham $ham, want $n_conc"; fi
workers=$(grep -ohE '#[0-9]+\(normal\)' "$AW_DIR/log/rspamd.log" | sort -u | wc -l)
if [ "$workers" -ge 2 ]; then ok "both normal workers scanned ($workers pids)"; else bad "only $workers normal worker scanned"; fi

# ---- backend specifics ---------------------------------------------------------------
children() { pgrep -P "$1" || true; }
if [ "$mode" = lmdb ]; then
  # kill -9 in the middle of learning. The loader answers into a directory
  # of its own (aw_scan writes to $AW_DIR/results): a scan it had running
  # when it was killed outlives it and writes its file late, and that file
  # must never reach the checks on $results.
  (
    msg=$AW_DIR/msg/ham-conc.eml
    AW_DIR=$AW_DIR/crash
    mkdir -p "$AW_DIR/results"
    for i in $(seq 1 300); do aw_scan "crash-$i" "$msg" "${AUTH_CONC[@]}" >/dev/null 2>&1 || true; done
  ) &
  loader=$!
  sleep 2
  kids=$(children "$RSPAMD_PID")
  kill -9 "$RSPAMD_PID" $kids 2>/dev/null || true
  kill "$loader" 2>/dev/null || true
  wait "$loader" 2>/dev/null || true
  sleep 0.5
  if store >"$AW_DIR/after-crash.jsonl" 2>"$AW_DIR/after-crash.err" && [ ! -s "$AW_DIR/after-crash.err" ] &&
    "$AW_PYTHON" -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) >= 3 and all(r["record"]["spam"] >= 0 and r["record"]["ham"] >= 0 for r in recs)' "$AW_DIR/after-crash.jsonl"; then
    ok "after kill -9 the store opens and every record is valid"
  else
    bad "store after kill -9: $(cat "$AW_DIR/after-crash.err")"
  fi
  crashed=$(record conc.example ham)
  if "$AW_PYTHON" -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) - 1e-3 else 1)' "$crashed" "$n_conc"; then
    ok "learning went on until the kill (ham $crashed)"; else bad "ham after the kill $crashed < $n_conc"; fi
  aw_rspamd_start
  scan after-restart "$AW_DIR/msg/ham-conc.eml" "${AUTH_CONC[@]}"
  settle
  restarted=$(record conc.example ham)
  if near "$restarted" "$("$AW_PYTHON" -c "print(float('$crashed') + 1)")"; then
    ok "after a restart learning goes on (ham $restarted)"; else
    bad "after restart ham $restarted, want $crashed + 1"
    grep -E "authweight|lmdb|reputation" "$AW_DIR/log/rspamd.log" | tail -20 | cut -c1-300
  fi
  expect after-restart has AUTHW_REP_GOOD conc.example
else
  # Keys carry the TTL.
  ttl=$(redis-cli -p "$redis_port" ttl aw_rep:bulk.example)
  if [ "$ttl" -gt 7776000 ] || [ "$ttl" -le 7770000 ]; then bad "TTL of aw_rep:bulk.example is $ttl"; else ok "keys carry the TTL ($ttl s)"; fi
  # Redis stopped mid-run: still scored, logged once.
  aw_stop_pid "$REDIS_PID"
  for i in 1 2 3; do
    scan "redis-down-$i" "$AW_DIR/msg/ham-good.eml" "${AUTH_GOOD[@]}"
    expect "redis-down-$i" has AUTHW_DKIM_PASS
    expect "redis-down-$i" has AUTHW_ALIGNED
    expect "redis-down-$i" lacks AUTHW_REP_GOOD
  done
  lines=$(grep -c "reputation .* (redis) failed" "$AW_DIR/log/rspamd.log" || true)
  if [ "$lines" -ge 1 ] && [ "$lines" -le 2 ]; then ok "Redis down: $lines log line(s) for 6 failures (one per worker and interval)"; else
    bad "Redis down: $lines log lines"; fi
  # Redis back: learning resumes.
  start_redis
  resumed=
  for i in $(seq 1 20); do
    scan "redis-back-$i" "$AW_DIR/msg/ham-conc.eml" "${AUTH_CONC[@]}"
    if [ -n "$(record conc.example ham)" ]; then resumed=$i; break; fi
    sleep 1
  done
  if [ -n "$resumed" ]; then ok "Redis back: learning resumed after $resumed message(s)"; else bad "Redis back: nothing learned"; fi
fi

# The learn path, both backends: rspamc learn_spam through the controller.
rspamc -h "127.0.0.1:$AW_CONTROLLER_PORT" -t 30 learn_spam "$AW_DIR/msg/ham-learnt.eml" >"$results/learn.out" 2>&1 || true
learnt=
for _ in $(seq 1 20); do
  learnt=$(record learnt.example spam)
  [ -n "$learnt" ] && break
  sleep 0.5
done
if near "$learnt" 1; then ok "rspamc learn_spam taught learnt.example (spam $learnt)"; else
  bad "rspamc learn_spam: learnt.example spam '$learnt' ($(head -c 300 "$results/learn.out"))"; fi

# ---- checks on the answers, the trust budget, the log -----------------------------------
echo '{}' >"$AW_DIR/config.json"
aw_auth_derived "$build" >"$AW_DIR/auth_derived.txt"
if "$AW_PYTHON" "$lib/check.py" "$results" "$AW_DIR/config.json" "$AW_DIR/auth_derived.txt" "$expectations" \
  >"$AW_DIR/check.out" 2>&1; then
  ok "$(grep -c '^ok' "$AW_DIR/check.out") checks on rspamd's answers"
else
  grep -v '^ok' "$AW_DIR/check.out"
  bad "checks on rspamd's answers"
fi
errors=$(aw_lua_errors)
if [ -z "$errors" ]; then ok "no Lua error in rspamd's log"; else bad "Lua errors: $errors"; fi
if [ "$mode" = lmdb ]; then
  if grep -q "reputation .* failed" "$AW_DIR/log/rspamd.log"; then bad "LMDB store failures logged"; else ok "no store failure logged"; fi
fi

echo "reputation rspamd ($mode): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
