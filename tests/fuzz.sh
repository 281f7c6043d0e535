#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz) with clang-19 in build-fuzz and run
# each for SECONDS (default 60), one at a time, starting from the seed corpus
# in tests/fuzz/corpus/<target>/. Prints each target's executions and any
# crash; exits non-zero when a target crashed. Not part of tests/run.sh.
#   tests/fuzz.sh [SECONDS]            every target
#   FUZZ_TARGETS="dmarc spf_record" tests/fuzz.sh 600
# Environment: AUTHWEIGHT_FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS
# (build parallelism, default 2), FUZZ_NICE (nice level, default 19).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
# shellcheck source=tests/lib/deps.sh
. "$top/tests/lib/deps.sh"
authweight_install "${AUTHWEIGHT_BUILD_PACKAGES[@]}" "${AUTHWEIGHT_FUZZ_PACKAGES[@]}"

build=${AUTHWEIGHT_FUZZ_BUILD_DIR:-$top/build-fuzz}
CC=clang-19 CXX=clang++-19 cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAUTHWEIGHT_ENABLE_FUZZING=ON -DAUTHWEIGHT_BUILD_TESTS=OFF -DAUTHWEIGHT_BUILD_BENCH=OFF >/dev/null
nice -n "${FUZZ_NICE:-19}" cmake --build "$build" --target authweight_fuzz_targets -j"${FUZZ_JOBS:-2}"

# Inputs longer than a real field or record only slow the search down.
declare -A max_len=(
  [rfc5322]=4096 [senderid]=4096 [spf_record]=2048 [dkim_signature]=4096 [dkim_key]=2048
  [dmarc]=1024 [auth_results]=2048 [config]=4096 [message]=8192 [msgpack_record]=512
  [display_name]=1024 [arc]=8192
)
targets=${FUZZ_TARGETS:-}
if [ -z "$targets" ]; then
  targets=$(cd "$top/tests/fuzz" && ls fuzz_*.cxx | sed 's/^fuzz_//; s/\.cxx$//')
fi

failed=()
for t in $targets; do
  work="$build/corpus/$t" art="$build/artifacts/$t/"
  mkdir -p "$work" "$art"
  log="$build/fuzz_$t.log"
  echo "== fuzz_$t: ${seconds}s, -max_len=${max_len[$t]:-4096}"
  rc=0
  # The working corpus grows in the build dir; the seeds in the tree stay small.
  nice -n "${FUZZ_NICE:-19}" "$build/tests/fuzz/fuzz_$t" "$work" "$top/tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$art" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  grep -E '^Done [0-9]+ runs' "$log" || true
  if [ "$rc" != 0 ]; then
    failed+=("$t")
    echo "fuzz_$t: CRASH (exit $rc), see $log; input in $art"
    grep -E 'ERROR: |property violated|SUMMARY: ' "$log" | head -5 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzz: no crash"
