#!/usr/bin/env bash
# What authweight costs a whole rspamd: messages per second through one
# rspamd normal worker with authweight disabled, enabled with native checks,
# and enabled with auth_source = "rspamd", on the same corpus, in
# alternating rounds of one run. Not run by CI (timings are measured, never
# asserted).
#
# A fourth instance, "floor", runs tests/bench/symbols_floor.lua in the
# plugin's place: it inserts, for each message, exactly the symbols and
# options the auth_source = "rspamd" instance gave it in the warm-up pass,
# and does nothing else. Its ratio is what publishing the contract's
# symbols alone costs rspamd: no plugin that publishes them does better.
#
#   tests/bench/rspamd_ratio.sh [BUILD_DIR] [ROUNDS] [MESSAGES] [IN_FLIGHT] [RESTART_EVERY]
#
# BUILD_DIR defaults to $AUTHWEIGHT_BUILD_DIR or build/ (it must hold the
# built tree: lua/5.1/authweight_core.so and zone2unbound); ROUNDS to
# 20, MESSAGES to 240 (tests/integration/lib/corpus.py: twelve sender domains
# with SPF -all/~all/include/none, DKIM or not, DMARC reject/quarantine/
# none/absent; own server, botnet forgery, look-alike; TLS 1.3, 1.2, legacy
# or none), IN_FLIGHT (requests in flight) to 8, RESTART_EVERY to 2.
#
# The four rspamd instances (one normal worker each) run side by side on
# loopback with the same private unbound serving the corpus zone; while one
# is measured the others idle. Each round scans the corpus once through each
# instance, in an order that rotates from round to round, after one
# unmeasured warm-up pass each. Every RESTART_EVERY rounds all four are
# restarted (and warmed up again): one rspamd process can run a few
# percent faster or slower than another of the same build for as long as
# it lives, and alternating rounds do not cancel that (one run of 5
# rounds without a restart put the floor 3% above the disabled instance).
# The ratios are those of the medians, by the worker's CPU time, and the
# median of each round's own ratios.
#
# Like the integration tests, the instances run without rspamd's modules
# that reach out to the Internet or need Redis. DNS_MODULES=1 in the
# environment keeps the DNS-only ones on (rbl, surbl, asn, emails), as a
# stock rspamd runs them: the local DNS server answers every name outside
# the corpus zone with NXDOMAIN, so their queries stay on loopback and
# their work is real. rspamd's own cost per message then grows, and with
# it the baseline authweight is compared with.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-${AUTHWEIGHT_BUILD_DIR:-$top/build}}" && pwd)
rounds=${2:-20}
count=${3:-240}
in_flight=${4:-8}
restart_every=${5:-2}
lib=$top/tests/integration/lib
if [ "${DNS_MODULES:-0}" = 1 ]; then
  export AW_RSPAMD_KEEP_MODULES="rbl surbl asn emails"
fi
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

work=$build/bench-rspamd
corpus=$work/corpus
aw_bench_start "$work" "$build" "$count"
modes=(off native rspamd floor)
for mode in "${modes[@]}"; do
  aw_bench_conf "$work/local.d-$mode" "$mode"
done

# CPU time of a process in nanoseconds, all its threads (schedstat's
# run time: finer than the clock ticks of /proc/PID/stat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
# The normal worker of an rspamd: the child whose title says so.
normal_worker() {
  local child
  for child in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null | grep -q normal; then echo "$child"; return; fi
  done
}
# (Re)start the four instances, each warmed up by one unmeasured pass; the
# auth_source = "rspamd" instance's pass records the symbols the floor
# instance (started after it) inserts.
declare -A port=() worker=()
start_all() { # [--symbols]
  local mode pid record
  for mode in "${modes[@]}"; do
    if [ -f "$work/run/rspamd$mode.pid" ]; then
      pid=$(cat "$work/run/rspamd$mode.pid")
      aw_stop_pid "$pid"
      wait "$pid" 2>/dev/null || true
    fi
    record=()
    [ "$mode" = rspamd ] && record=(--record "$AW_BENCH_SYMBOLS")
    aw_bench_prepare "$mode" "$work/local.d-$mode"
    AW_RSPAMD_TAG=$mode aw_rspamd_start
    port[$mode]=$AW_RSPAMD_PORT
    worker[$mode]=$(normal_worker "$(cat "$work/run/rspamd$mode.pid")")
    if [ -n "${1:-}" ]; then
      echo "warm-up, authweight $mode:"
      "$AW_PYTHON" "$lib/load.py" "${port[$mode]}" "$corpus" "$in_flight" "$1" "${record[@]}" | sed 's/^/  /'
    else
      "$AW_PYTHON" "$lib/load.py" "${port[$mode]}" "$corpus" "$in_flight" "${record[@]}" >/dev/null
    fi
  done
}
echo "corpus: $count messages in $corpus; $in_flight requests in flight; $rounds rounds," \
  "instances restarted every $restart_every; rspamd's DNS-only modules: ${AW_RSPAMD_KEEP_MODULES:-off}"
start_all --symbols
unbound_pid=$(cat "$work/run/unbound.pid")

declare -A rates=() cpus=() paired=()
for r in $(seq 1 "$rounds"); do
  if [ "$r" -gt 1 ] && [ "$restart_every" -gt 0 ] && [ $(((r - 1) % restart_every)) -eq 0 ]; then
    start_all
  fi
  declare -A this=()
  # The order rotates: off native rspamd floor, native rspamd floor off, ...
  for i in 0 1 2 3; do
    mode=${modes[$(((r - 1 + i) % 4))]}
    w0=$(cpu_ns "${worker[$mode]}")
    u0=$(cpu_ns "$unbound_pid")
    line=$("$AW_PYTHON" "$lib/load.py" "${port[$mode]}" "$corpus" "$in_flight")
    w1=$(cpu_ns "${worker[$mode]}")
    u1=$(cpu_ns "$unbound_pid")
    rate=$(awk '{print $5}' <<<"$line")
    rates[$mode]="${rates[$mode]:-} $rate"
    this[$mode]=$rate
    # CPU per message of the rspamd worker and of the DNS server, in ms
    cpu=$(awk -v w=$((w1 - w0)) -v u=$((u1 - u0)) -v n="$count" 'BEGIN {printf "%.3f %.3f", w / 1e6 / n, u / 1e6 / n}')
    cpus[$mode]="${cpus[$mode]:-} ${cpu%% *}"
    printf 'round %d  %-7s %s; cpu/msg: worker %s ms, unbound %s ms\n' "$r" "$mode" "$line" "${cpu%% *}" "${cpu##* }"
  done
  # The round's own ratios: its four passes ran back to back, so a
  # machine that slows down or speeds up between rounds cancels out.
  for mode in native rspamd floor; do
    paired[$mode]="${paired[$mode]:-} $(awk -v a="${this[$mode]}" -v b="${this[off]}" 'BEGIN {printf "%.4f", a / b}')"
  done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
declare -A label=([off]="authweight disabled" [native]="authweight native"
  [rspamd]="authweight auth_source=rspamd" [floor]="its symbols alone (floor)")
off=$(median <<<"${rates[off]}")
coff=$(median <<<"${cpus[off]}")
echo
printf '%-30s %7.1f msg/s (median of %d rounds), worker CPU %s ms/msg\n' \
  "${label[off]}" "$off" "$rounds" "$coff"
# The ratio of the medians; by the worker's CPU time, which a busy machine
# (the client shares the cores) disturbs less than the message rate; and
# the median of each round's own ratio.
for mode in native rspamd floor; do
  rate=$(median <<<"${rates[$mode]}")
  cpu=$(median <<<"${cpus[$mode]}")
  printf '%-30s %7.1f msg/s   ratio %s, by worker CPU %s (%s ms/msg), of the rounds %s\n' "${label[$mode]}" \
    "$rate" "$(ratio "$rate" "$off")" "$(ratio "$coff" "$cpu")" "$cpu" "$(median <<<"${paired[$mode]}")"
done
errors=$(grep -hiE "call to .* failed|init of .* failed|load of .* failed" \
  "$work"/{native,rspamd,floor}/log/rspamd.log || true)
[ -z "$errors" ] || { echo "rspamd logged Lua errors:"; printf '%s\n' "$errors" | head; }
