#!/usr/bin/env bash
# What the authweight plugin costs SpamAssassin, counted rather than timed:
# the instructions a message of one Mail::SpamAssassin object under
# valgrind's callgrind, without the plugin and with it, on
# spamassassin_ratio.sh's corpus and site configuration (its private
# unbound the only DNS server), DNS time limits raised for valgrind. Not
# run by CI.
#
#   tests/bench/spamassassin_callgrind.sh [BUILD_DIR] [MESSAGES] [JOBS] [CACHE]
#
# BUILD_DIR defaults to $AUTHWEIGHT_BUILD_DIR or build/ (libauthweight.so.0,
# lua/5.1/authweight_core.so and zone2unbound built); MESSAGES, the
# messages counted, to 30, spread evenly over the corpus's 120; JOBS, the
# callgrind runs at once, to 2; CACHE to cache: the library's DNS cache
# keeps every answer for the run, as it does for the few seconds the
# corpus takes without valgrind (spamassassin_ratio.sh), or nocache: no
# DNS cache, every message asks for all it needs.
#
# tests/bench/sa_check.pl makes the object as spamd does and checks the
# messages one after the other, as one spamd child would. It runs under
# callgrind twice in each configuration: with no message and with the
# MESSAGES; the difference over MESSAGES is the instructions a message
# (the start-up, rules and compile_now, cancels out). Perl's hash seed is
# fixed, and each run starts with an empty reputation store. Then each
# configuration checks the same messages without valgrind: the rules hit
# (AUTHW_* among them) and the plugin's DNS rounds and queries must be
# the same as under valgrind, or the counts measure something else (a
# DNS answer late under valgrind, taken as a time-out). Prints the
# instructions a message of each configuration and the ratio (without /
# with: 1.0 means free, 0.97 means the plugin adds 3%).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-${AUTHWEIGHT_BUILD_DIR:-$top/build}}" && pwd)
count=${2:-30}
jobs=${3:-2}
cache=${4:-cache}
corpus_size=120
lib=$top/tests/integration/lib
command -v valgrind >/dev/null ||
  { echo "spamassassin_callgrind.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"
command -v spamassassin >/dev/null || aw_die "SpamAssassin is needed (tests/lib/deps.sh: spamassassin)"
[ "$count" -ge 1 ] && [ "$count" -le "$corpus_size" ] || aw_die "MESSAGES must be 1 to $corpus_size"
case "$cache" in cache | nocache) ;; *) aw_die "CACHE must be cache or nocache" ;; esac

work=$build/bench-sa-callgrind
aw_bench_start "$work" "$build" "$corpus_size"
export AUTHWEIGHT_LIBRARY=$build/libauthweight.so.0
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0

aw_bench_sa_messages "$work/corpus" "$work/sa-msgs"
mapfile -t all < <(ls "$work"/sa-msgs/*.eml)
msgs=()
for i in $(seq 0 $((count - 1))); do
  msgs+=("${all[$((i * ${#all[@]} / count))]}")
done

for mode in off on; do
  aw_bench_sa_conf "$work/sa-$mode" "$mode"
  # valgrind makes Perl some 50 times slower: no lookup may time out.
  printf 'rbl_timeout 300 300\ntime_limit 3000\n' >>"$work/sa-$mode/local.cf"
done
# Nor may the library's DNS cache (60 s by default) expire under valgrind
# when it would not without: it keeps answers for the whole run (an hour
# at most), or none.
if [ "$cache" = cache ]; then
  echo 'authweight_dns_cache_ttl 3600' >>"$work/sa-on/local.cf"
else
  echo 'authweight_dns_cache_size 0' >>"$work/sa-on/local.cf"
fi
for mode in off on; do
  lint=$(spamassassin --siteconfigpath "$work/sa-$mode" --lint 2>&1 | grep -v 'netset: cannot include' || true)
  [ -z "$lint" ] || aw_die "spamassassin --lint ($mode): $lint"
done

# Start one run of sa_check.pl (aw_spawn: stopped on exit, also on
# failure): RUN names it, MODE the configuration (its reputation store
# emptied first), then the command that runs it (valgrind, or nothing)
# and the messages.
check_start() { # RUN MODE [COMMAND ...] -- [MESSAGE ...]
  local run=$1 conf=$work/sa-$2
  shift 2
  local cmd=()
  while [ "$1" != -- ]; do cmd+=("$1"); shift; done
  shift
  rm -rf "$conf/db" && mkdir -p "$conf/db"
  aw_spawn "$run" "${cmd[@]}" perl "$top/tests/bench/sa_check.pl" "$conf" "$work/results/$run" "$@"
}

check_wait() { # RUN
  wait "$(cat "$AW_DIR/run/$1.pid")" ||
    aw_die "sa_check.pl failed ($1): $(tail -5 "$AW_DIR/log/$1.out")"
}

# Both configurations' runs of N messages under callgrind, JOBS at once
# (each configuration has its own store).
grind() { # N
  local n=$1 mode m=()
  [ "$n" = 0 ] || m=("${msgs[@]}")
  for mode in off on; do
    check_start "$mode-$n" "$mode" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$mode-$n" -- "${m[@]}"
    [ "$jobs" -ge 2 ] || check_wait "$mode-$n"
  done
  if [ "$jobs" -ge 2 ]; then
    check_wait "off-$n"
    check_wait "on-$n"
  fi
}

started=$(date +%s)
grind 0
grind "$count"
for mode in off on; do
  check_start "$mode-native" "$mode" -- "${msgs[@]}"
  check_wait "$mode-native"
done

# Total instructions (Ir) of a run.
ir() { awk '/^(summary|totals):/ { print $2; exit }' "$work/callgrind.$1"; }

declare -A per
for mode in off on; do
  cmp -s "$work/results/$mode-$count" "$work/results/$mode-native" ||
    aw_die "$mode: the results under valgrind differ from those without: diff $work/results/$mode-$count $work/results/$mode-native"
  per[$mode]=$((($(ir "$mode-$count") - $(ir "$mode-0")) / count))
done
grep -q 'AUTHW_' "$work/results/on-$count" || aw_die "the configuration with the plugin hit no AUTHW_ rule"
read -r hits rounds sent < <(awk '
  { for (i = 4; i <= NF; i++) if ($i ~ /^(rounds|sent)=/) { split($i, kv, "="); t[kv[1]] += kv[2] }
    n = split($3, r, ","); for (i = 1; i <= n; i++) if (r[i] ~ /^AUTHW_/) h++ }
  END { print h + 0, t["rounds"] + 0, t["sent"] + 0 }' "$work/results/on-$count")
echo "spamassassin under callgrind: $count of the corpus's $corpus_size messages, $(($(date +%s) - started)) s"
echo "  start-up (no message): without authweight $(ir off-0), with $(ir on-0) instructions"
printf '  without authweight %12d instructions a message\n' "${per[off]}"
printf '  with authweight    %12d instructions a message (+%d)\n' "${per[on]}" $((per[on] - per[off]))
echo "  ratio $(awk -v a="${per[off]}" -v b="${per[on]}" 'BEGIN { printf "%.3f", a / b }') (without / with)"
echo "  same rules hit with and without valgrind: $hits AUTHW_ hits, $rounds DNS rounds, $sent queries"
