#!/usr/bin/env bash
# What authweight costs a whole rspamd, counted rather than timed: the
# normal worker's instructions and simulated cache misses per message under
# valgrind's callgrind, with authweight disabled, enabled with native
# checks and with auth_source = "rspamd", on rspamd_ratio.sh's corpus; and
# with tests/bench/symbols_floor.lua in the plugin's place ("floor": the
# symbols the auth_source = "rspamd" instance gave each message, and
# nothing else; see rspamd_ratio.sh). Not run by CI.
#
#   tests/bench/rspamd_callgrind.sh [BUILD_DIR] [MESSAGES]
#
# Timings of one rspamd differ from another's of the same build by more
# than most changes to authweight (see rspamd_ratio.sh); these counts differ
# by up to 0.3% (30,000 instructions a message) between two instances of
# the same configuration. The caches simulated are this machine's
# first level (64 KiB instructions, 48 KiB data) and, as "LL", its 2 MiB
# second level. "cycles" is a model, not a measurement: 0.3 a
# instruction, 10 a first-level miss, 40 a second-level miss; it puts
# the worker's cost within about 15% of rspamd_ratio.sh's measured CPU.
#
# Each instance (one normal worker) starts under callgrind with
# instrumentation off, scans the corpus once unmeasured, then once counted.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-${AUTHWEIGHT_BUILD_DIR:-$top/build}}" && pwd)
count=${2:-240}
in_flight=4
lib=$top/tests/integration/lib
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
  { echo "rspamd_callgrind.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
# Hyperscan refuses valgrind's CPU: a private, empty cache keeps rspamd
# on its PCRE path, which the start-up under valgrind takes anyway.
export AW_HS_CACHE=$build/bench-callgrind-hs
rm -rf "$AW_HS_CACHE"
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

work=$build/bench-callgrind
corpus=$work/corpus
aw_bench_start "$work" "$build" "$count"

# rspamd under callgrind, for aw_rspamd_start (which runs rspamd from PATH).
mkdir -p "$work/bin" "$work/callgrind"
cat >"$work/bin/rspamd" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --trace-children=yes --instr-atstart=no \\
  --callgrind-out-file=$work/callgrind/out.%p --smc-check=all-non-file \\
  --cache-sim=yes --I1=65536,8,64 --D1=49152,12,64 --LL=2097152,16,64 \\
  "$(command -v rspamd)" "\$@"
EOF
chmod +x "$work/bin/rspamd"
export PATH=$work/bin:$PATH

printf '%-8s %11s %9s %9s %9s %9s %11s\n' mode Ir/msg I1mr D1mr+mw ILmr DLmr+mw cycles/msg
declare -A cycles=() instr=()
for mode in off native rspamd floor; do
  d=$work/local.d-$mode
  aw_bench_conf "$d" "$mode"
  record=()
  [ "$mode" = rspamd ] && record=(--record "$AW_BENCH_SYMBOLS")
  echo 'task_timeout = 60s;' >"$d/options.inc.extra" # valgrind is slow
  aw_bench_prepare "$mode" "$d"
  AW_RSPAMD_TAG=$mode aw_rspamd_start
  wk=$(grep -o 'starting normal process [0-9]*' "$work/$mode/log/rspamd.log" | tail -1 | awk '{print $4}')
  [ -n "$wk" ] || aw_die "no normal worker in $work/$mode/log/rspamd.log"
  "$AW_PYTHON" "$lib/load.py" "$AW_RSPAMD_PORT" "$corpus" "$in_flight" "${record[@]}" >/dev/null
  callgrind_control -z "$wk" >/dev/null 2>&1
  callgrind_control -i on "$wk" >/dev/null 2>&1
  "$AW_PYTHON" "$lib/load.py" "$AW_RSPAMD_PORT" "$corpus" "$in_flight" >/dev/null
  callgrind_control -d "$wk" >/dev/null 2>&1
  out=
  for _ in $(seq 1 50); do
    out=$(ls "$work/callgrind/out.$wk".* 2>/dev/null | head -1)
    [ -n "$out" ] && grep -q '^totals:' "$out" && break
    sleep 0.2
  done
  [ -n "$out" ] || aw_die "callgrind wrote no dump for worker $wk"
  pid=$(cat "$work/run/rspamd$mode.pid")
  aw_stop_pid "$pid"
  # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  read -r ir i1 d1 il dl cyc < <(awk -v n="$count" '
    /^events:/ { for (i = 2; i <= NF; i++) col[$i] = i }
    /^totals:/ {
      ir = $col["Ir"] / n; i1 = $col["I1mr"] / n; d1 = ($col["D1mr"] + $col["D1mw"]) / n
      il = $col["ILmr"] / n; dl = ($col["DLmr"] + $col["DLmw"]) / n
      printf "%d %d %d %d %d %d\n", ir, i1, d1, il, dl, 0.3 * ir + 10 * (i1 + d1) + 40 * (il + dl)
    }' "$out")
  printf '%-8s %11d %9d %9d %9d %9d %11d\n' "$mode" "$ir" "$i1" "$d1" "$il" "$dl" "$cyc"
  cycles[$mode]=$cyc
  instr[$mode]=$ir
done
echo
for mode in native rspamd floor; do
  printf 'authweight %-7s adds %7d instructions and %7d cycles a message: ratio %.3f by instructions, %.3f by cycles\n' \
    "$mode" $((instr[$mode] - instr[off])) $((cycles[$mode] - cycles[off])) \
    "$(awk -v a="${instr[off]}" -v b="${instr[$mode]}" 'BEGIN {print a / b}')" \
    "$(awk -v a="${cycles[off]}" -v b="${cycles[$mode]}" 'BEGIN {print a / b}')"
done
errors=$(grep -hiE "call to .* failed|init of .* failed|load of .* failed" \
  "$work"/{native,rspamd,floor}/log/rspamd.log || true)
[ -z "$errors" ] || { echo "rspamd logged Lua errors:"; printf '%s\n' "$errors" | head; }
