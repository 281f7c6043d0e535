#!/usr/bin/env bash
# Install what is missing, configure, build (warnings are errors) and run
# every test through ctest; then build the unit and conformance tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan) and run
# them. Exits non-zero on any failure. .ci/run calls this.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/deps.sh
. "$top/tests/lib/deps.sh"
authweight_install "${AUTHWEIGHT_BUILD_PACKAGES[@]}" "${AUTHWEIGHT_TEST_PACKAGES[@]}"

build=${AUTHWEIGHT_BUILD_DIR:-$top/build}
jobs=$(nproc)
cmake -S "$top" -B "$build" -DAUTHWEIGHT_WERROR=ON -DAUTHWEIGHT_BUILD_TESTS=ON -DAUTHWEIGHT_BUILD_BENCH=ON
cmake --build "$build" -j"$jobs"
(cd "$build" && ctest --output-on-failure -j"$jobs" "$@")

# The sanitizer build: only what `ctest -L 'unit|conformance'` runs.
asan=${AUTHWEIGHT_ASAN_BUILD_DIR:-$top/build-asan}
cmake -S "$top" -B "$asan" -DAUTHWEIGHT_SANITIZE=ON -DAUTHWEIGHT_BUILD_TESTS=ON -DAUTHWEIGHT_BUILD_BENCH=OFF
cmake --build "$asan" --target authweight_sanitize_targets -j"$jobs"
cd "$asan"
ctest --output-on-failure -j"$jobs" -L 'unit|conformance' "$@"
