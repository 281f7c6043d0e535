#!/usr/bin/env bash
# Score every sample message in examples/messages/ through a real rspamd
# with the authweight plugin, and print a table: message, rspamd's action,
# its score, and the authweight symbols with their weights and reasons.
#
# A private rspamd 3.4 and a private unbound run on loopback ports for the
# demo only: unbound serves examples/messages/zone.json (through the
# project's zone reader), rspamd reads examples/rspamd/local.d/ as its
# local.d. Each message is scanned with the connection facts of its .facts
# file (IP, HELO, MAIL FROM, TLS version and cipher, as an MTA passes them).
# Both are stopped at the end, also on failure or Ctrl-C. Installs what is
# missing (as root) and builds first.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/deps.sh
. "$top/tests/lib/deps.sh"
authweight_install "${AUTHWEIGHT_BUILD_PACKAGES[@]}" "${AUTHWEIGHT_DEMO_PACKAGES[@]}"

# Only what the demo runs: the Lua module rspamd loads and zone2unbound. A
# build directory configured before (by tests/run.sh, say) is used as it is;
# a new one is configured without tests and benchmarks, which need packages
# the demo does not.
build=${AUTHWEIGHT_BUILD_DIR:-$top/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "configuring authweight in $build ..." >&2
  cmake -S "$top" -B "$build" -DAUTHWEIGHT_BUILD_TESTS=OFF -DAUTHWEIGHT_BUILD_BENCH=OFF >/dev/null
fi
echo "building authweight in $build ..." >&2
cmake --build "$build" -j"$(nproc)" --target authweight_lua51 zone2unbound >/dev/null

# shellcheck source=tests/integration/lib/env.sh
. "$top/tests/integration/lib/env.sh"
work=${AUTHWEIGHT_DEMO_DIR:-$build/demo}
msgs=$top/examples/messages

echo "starting unbound and rspamd on loopback (work dir $work) ..." >&2
aw_env_init "$work" "$build"
aw_dns_start "$msgs/zone.json"
aw_rspamd_prepare "$top/examples/rspamd/local.d"
aw_rspamd_start

printf '%-18s %-11s %7s  %s\n' MESSAGE ACTION SCORE 'AUTHWEIGHT SYMBOLS (weight: reason)'
printf '%-18s %-11s %7s  %s\n' ------- ------ ----- -----------------------------------
for eml in "$msgs"/*.eml; do
  name=$(basename "$eml" .eml)
  facts=()
  # One CLI option per line, its value after the first space (may be empty).
  while IFS= read -r line || [ -n "$line" ]; do
    [ -z "$line" ] && continue
    opt=${line%% *}
    value=
    case "$line" in *" "*) value=${line#* } ;; esac
    case "$opt" in
    --ip) facts+=("ip=$value") ;;
    --helo) facts+=("helo=$value") ;;
    --hostname) facts+=("hostname=$value") ;;
    --mail-from) facts+=("from=$value") ;;
    --user) facts+=("user=$value") ;;
    --tls-version) facts+=("tls_version=$value") ;;
    --tls-cipher) facts+=("tls_cipher=$value") ;;
    *) echo "$name.facts: unknown option $opt" >&2; exit 1 ;;
    esac
  done <"$msgs/$name.facts"
  if ! aw_scan "$name" "$eml" "${facts[@]}"; then
    echo "rspamd did not answer for $name: $(cat "$work/results/$name.err")" >&2
    exit 1
  fi
  json=$work/results/$name.json
  printf '%-18s %-11s %7.2f\n' "$name" "$(jq -r '.action' "$json")" "$(jq -r '.score' "$json")"
  # The reasons are in the reply's messages.authweight (symbol -> reason).
  jq -r '(.messages.authweight // {}) as $why | .symbols | to_entries[] | select(.key | startswith("AUTHW_")) |
         "\(.value.score)\t\(.key)\t\($why[.key] // ((.value.options // []) | join(", ")))"' "$json" |
    sort -t$'\t' -k1,1gr -k2 |
    while IFS=$'\t' read -r weight sym reason; do
      printf '%-18s %-11s %7.2f  %s: %.90s\n' '' '' "$weight" "$sym" "$reason"
    done
done

errors=$(aw_lua_errors)
if [ -n "$errors" ]; then
  echo "rspamd logged Lua errors:" >&2
  printf '%s\n' "$errors" >&2
  exit 1
fi
echo "(rspamd's log: $work/log/rspamd.log; actions use rspamd's default thresholds)" >&2
