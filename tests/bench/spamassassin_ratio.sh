#!/usr/bin/env bash
# What the authweight plugin costs SpamAssassin: the time a message takes
# through spamd without the plugin and with it, on the rspamd benchmark's
# corpus (tests/integration/lib/corpus.py, DKIM-signed, served by the same
# private unbound), in alternating rounds of one run. Not run by CI
# (timings are measured, never asserted).
#
#   tests/bench/spamassassin_ratio.sh [BUILD_DIR] [ROUNDS] [MESSAGES]
#
# BUILD_DIR defaults to $AUTHWEIGHT_BUILD_DIR or build/ (libauthweight.so.0,
# lua/5.1/authweight_core.so and zone2unbound built); ROUNDS to 5;
# MESSAGES to 120. Two spamd on loopback, one child each (never recycled,
# so no child's CPU time is lost or counted late), with the same
# site configuration (Debian's rules, the corpus zone as dns_server, no RBL,
# no Bayes) but for authweight.pre, authweight.cf and the corpus's
# whitelist and protected domain in the second. Each message goes in as
# the MTA hands it on (Return-Path and a Postfix Received header from the
# corpus's facts), one at a time through spamc. Each round scans the corpus
# through both, in an order that alternates; one unmeasured pass each
# comes first. Prints the median CPU time of spamd (master and child) a
# message for each and the ratio (without / with: 1.0 means free, 0.97
# means the plugin adds 3%).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-${AUTHWEIGHT_BUILD_DIR:-$top/build}}" && pwd)
rounds=${2:-5}
count=${3:-120}
lib=$top/tests/integration/lib
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"
command -v spamd >/dev/null && command -v spamc >/dev/null ||
  aw_die "spamd and spamc are needed (tests/lib/deps.sh: spamassassin)"

work=$build/bench-spamassassin
aw_bench_start "$work" "$build" "$count"
export AUTHWEIGHT_LIBRARY=$build/libauthweight.so.0

# The messages as the receiving MTA hands them on.
aw_bench_sa_messages "$work/corpus" "$work/sa-msgs"
mapfile -t msgs < <(ls "$work"/sa-msgs/*.eml)

declare -A port
for mode in off on; do
  conf=$work/sa-$mode
  aw_bench_sa_conf "$conf" "$mode"
  port[$mode]=$(aw_free_port)
  aw_spawn "spamd-$mode" spamd --siteconfigpath "$conf" -i 127.0.0.1 -A 127.0.0.1 -p "${port[$mode]}" \
    --min-children 1 --max-children 1 --max-conn-per-child 1000000 -u nobody -x -s stderr
done
for mode in off on; do
  for _ in $(seq 1 120); do
    spamc -d 127.0.0.1 -p "${port[$mode]}" -K >/dev/null 2>&1 && break
    sleep 0.5
  done
  spamc -d 127.0.0.1 -p "${port[$mode]}" -K >/dev/null 2>&1 || aw_die "spamd ($mode) does not answer"
done

# CPU time (clock ticks) of MODE's spamd: the master and its children
# (utime, stime of each; the master's cutime, cstime hold children it
# reaped). Only their own stat files are read: a scan of all of /proc
# meets processes that vanish under it.
cpu_ticks() {
  local master p f t=0
  master=$(cat "$AW_DIR/run/spamd-$1.pid")
  for p in "$master" $(pgrep -P "$master"); do
    f=$(sed 's/^[0-9]* (.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086
    set -- $f
    t=$((t + ${12} + ${13}))
    [ "$p" = "$master" ] && t=$((t + ${14} + ${15}))
  done
  echo "$t"
}

# One pass of the corpus through MODE: CPU seconds a message, spamd's own
# (not spamc's, not the DNS server's: the machine may be busy).
pass() {
  local mode=$1 m c0 c1
  c0=$(cpu_ticks "$mode")
  for m in "${msgs[@]}"; do
    spamc -d 127.0.0.1 -p "${port[$mode]}" -c <"$m" >/dev/null 2>&1 || true
  done
  c1=$(cpu_ticks "$mode")
  awk -v a="$c0" -v b="$c1" -v n="${#msgs[@]}" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz / n }'
}

# The plugin scores: a check that the "on" instance is not "off" by mistake.
spamc -d 127.0.0.1 -p "${port[on]}" <"${msgs[0]}" | grep -q 'AUTHW_' ||
  aw_die "the instance with the plugin shows no AUTHW_ rule"

pass off >/dev/null
pass on >/dev/null
: >"$work/times"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order=(off on); else order=(on off); fi
  for mode in "${order[@]}"; do
    t=$(pass "$mode")
    echo "$r $mode $t" >>"$work/times"
    printf 'round %d %-3s %.2f ms a message\n' "$r" "$mode" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')"
  done
done
"$AW_PYTHON" - "$work/times" "${#msgs[@]}" <<'EOF'
import statistics, sys
times = {"off": [], "on": []}
for line in open(sys.argv[1]):
    r, mode, t = line.split()
    times[mode].append(float(t))
off, on = statistics.median(times["off"]), statistics.median(times["on"])
print("spamassassin: %s messages, %d rounds" % (sys.argv[2], len(times["off"])))
print("  without authweight %.2f ms a message (median)" % (off * 1000))
print("  with authweight    %.2f ms a message (median)" % (on * 1000))
print("  ratio %.3f (without / with)" % (off / on))
EOF
