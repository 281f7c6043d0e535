#!/usr/bin/env bash
# Score every sample message in examples/messages/ with its connection facts
# and the shared zone file, and print a table: message, verdict, score, and
# the authweight symbols with their weights and reasons.
# Installs what is missing (as root) and builds first.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/deps.sh
. "$top/tests/lib/deps.sh"
authweight_install "${AUTHWEIGHT_BUILD_PACKAGES[@]}" jq

# Its own build directory, without tests: the demo needs only the build packages.
build=${AUTHWEIGHT_DEMO_BUILD_DIR:-$top/build-demo}
if [ ! -x "$build/authweight-check" ] || [ -n "$(find "$top/core" "$top/plugin" "$top/schemas" -newer "$build/authweight-check" -print -quit)" ]; then
  echo "building authweight in $build ..." >&2
  cmake -S "$top" -B "$build" -DAUTHWEIGHT_BUILD_TESTS=OFF -DAUTHWEIGHT_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target authweight-check >/dev/null
fi

msgs=$top/examples/messages
config=$top/examples/config.json

# The demo's reading of authweight's own score; in rspamd the action comes
# from the total of all modules.
verdict() {
  awk -v s="$1" 'BEGIN {
    if (s >= 5) print "hostile"; else if (s >= 2) print "suspicious";
    else if (s <= -2) print "trusted"; else print "neutral" }'
}

printf '%-18s %-11s %7s  %s\n' MESSAGE VERDICT SCORE 'SYMBOLS (weight: reason)'
printf '%-18s %-11s %7s  %s\n' ------- ------- ----- -----------------------
for eml in "$msgs"/*.eml; do
  name=$(basename "$eml" .eml)
  args=()
  # One option per line; the value follows the first space (may be empty).
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    args+=("${line%% *}")
    case "$line" in *" "*) args+=("${line#* }") ;; *) args+=("") ;; esac
  done < "$msgs/$name.facts"
  json=$("$build/authweight-check" --config "$config" --dns-zone "$msgs/zone.json" "${args[@]}" "$eml")
  score=$(jq -r '.score' <<<"$json")
  printf '%-18s %-11s %7.2f\n' "$name" "$(verdict "$score")" "$score"
  jq -r '.symbols[] | "\(.name)\t\(.score)\t\(.reason)"' <<<"$json" |
    while IFS=$'\t' read -r sym weight reason; do
      printf '%-18s %-11s %7.2f  %s: %.90s\n' '' '' "$weight" "$sym" "$reason"
    done
done
