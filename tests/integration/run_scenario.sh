#!/usr/bin/env bash
# Run one integration scenario against a real rspamd 3.4 and unbound.
#
#   run_scenario.sh BUILD_DIR SCENARIO_DIR [WORK_DIR]
#
# A scenario directory holds zone.json (DESIGN.md's zone file), local.d/
# (copied into rspamd's private LOCAL_CONFDIR; @WORK@ and @HTTP_PORT@ are
# replaced in its files), optionally override.d/ (copied over the test
# plumbing's override.d), messages, and scenario.txt, one directive a line:
#
#   dkim DOMAIN SELECTOR [BITS]   make an RSA key; its record goes into the zone
#   sign OUT IN DOMAIN SELECTOR   sign message IN (scenario dir) -> OUT (work dir)
#   footer OUT IN TEXT...         IN with TEXT appended to its body -> OUT (a list's footer)
#   arc OUT IN DOMAIN SELECTOR MODE RESULTS...
#                                 IN with the next ARC set sealed by DOMAIN's key (dkim
#                                 directive) -> OUT; MODE good, bad-seal or gap; RESULTS
#                                 the set's Authentication-Results (lib/dkim_sign.py)
#   gen OUT KIND                  a hostile message (lib/gen_message.py) -> OUT
#   write FILE [TEXT...]          write TEXT to FILE in the work dir (\n starts a new line)
#   sleep SECONDS
#   http-serve DIR                serve WORK/DIR over HTTP on @HTTP_PORT@
#   scan NAME MESSAGE [fact=value ...]
#                                 scan; MESSAGE is looked up in the work dir, then
#                                 the scenario dir; facts: ip helo hostname from
#                                 rcpt user tls_version tls_cipher
#   scan-until SECONDS NAME SYMBOL MESSAGE [fact=value ...]
#                                 rescan until SYMBOL appears (a map reload) or time runs out
#   ping                          rspamd must still answer
#   expect-log-clean              no Lua error in rspamd's log
#   expect-log REGEX              rspamd's log matches REGEX (extended)
#   expect-config-defaults        the authweight section rspamd reads (modules.d/authweight.conf
#                                 with nothing in local.d) holds exactly the schema's defaults
#   expect-start-fails            rspamd may refuse the config (it is checked by expect-log)
#   redis                         a redis-server on loopback for rspamd (local.d/redis.conf);
#                                 ratelimit and greylist stay enabled
#   example SRC DEST              examples/rspamd/SRC -> DEST in rspamd's LOCAL_CONFDIR
#                                 (e.g. local.d/multimap.conf, rspamd.local.lua)
#   selector-probe                lib/selector_probe.lua as local.d/rspamd.lua: a rule after
#                                 authweight's check inserting AW_SEL_<SELECTOR> with each
#                                 selector's values, and AW_SEL_NONE naming those that gave nothing
#   expect ...                    a check on the answers (lib/check.py)
#
# Setup directives (dkim, sign, gen, write, http-serve, redis, example,
# selector-probe) before the first
# scan run before rspamd starts. Exit status 0 when every check passed.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SCENARIO_DIR [WORK_DIR]" >&2; exit 2; }
build=$(cd "$1" && pwd)
scenario=$(cd "$2" && pwd)
name=$(basename "$scenario")
work=${3:-$build/tests/integration/$name}
lib=$(dirname "${BASH_SOURCE[0]}")/lib
lib=$(cd "$lib" && pwd)
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

started=$(date +%s)
aw_env_init "$work" "$build"
mkdir -p "$work/keys"
expectations=$work/expectations.txt
: >"$expectations"
cp "$scenario/zone.json" "$work/zone.json"
HTTP_PORT=

msg_path() {
  if [ -e "$work/$1" ]; then echo "$work/$1"; else echo "$scenario/$1"; fi
}


rspamd_up=0
start_expected_to_fail=0
start_services() {
  [ "$rspamd_up" = 1 ] && return 0
  aw_dns_start "$work/zone.json"
  aw_rspamd_prepare "$scenario/local.d"
  local f
  if [ -d "$scenario/override.d" ]; then
    cp -R "$scenario/override.d/." "$AW_CONF/override.d/"
  fi
  for f in "${examples[@]}"; do
    mkdir -p "$(dirname "$AW_CONF/${f#* }")"
    cp "$AW_SRC/examples/rspamd/${f%% *}" "$AW_CONF/${f#* }"
  done
  if [ -n "${AW_REDIS_PORT:-}" ]; then
    echo "servers = \"127.0.0.1:$AW_REDIS_PORT\";" >"$AW_CONF/local.d/redis.conf"
  fi
  for f in "$AW_CONF"/local.d/*; do
    [ -f "$f" ] && sed -i -e "s|@WORK@|$work|g" -e "s|@HTTP_PORT@|${HTTP_PORT:-0}|g" "$f"
  done
  if [ "$start_expected_to_fail" = 1 ]; then
    aw_rspamd_start || true
  else
    aw_rspamd_start
  fi
  rspamd_up=1
  # The authweight section as rspamd read it (the plugin logs it; rspamadm
  # configdump would write hyperscan caches into the system's DBDIR).
  # A disabled module is not loaded at all, and logs nothing.
  { grep -ho "authweight: config section .*" "$work/log/rspamd.log" || true; } | tail -1 |
    sed 's/^authweight: config section //' >"$work/config-section.json"
  "$AW_PYTHON" "$lib/config_defaults.py" --effective "$work/config-section.json" \
    "$AW_SRC/schemas/authweight.schema.json" >"$work/config.json" || true
}

aw_auth_derived "$build" >"$work/auth_derived.txt"

examples=()
failures=0
while IFS= read -r line || [ -n "$line" ]; do
  # a comment is a line whose first word starts with '#'
  read -r -a w <<<"$line" || true
  [ ${#w[@]} -gt 0 ] && [ "${w[0]:0:1}" = "#" ] && continue
  [ ${#w[@]} -eq 0 ] && continue
  case "${w[0]}" in
  dkim | sign | footer | arc | gen)
    aw_message_directive "$work" msg_path "${w[@]}"
    ;;
  write)
    mkdir -p "$(dirname "$work/${w[1]}")"
    if [ ${#w[@]} -gt 2 ]; then printf '%b\n' "${w[*]:2}" >"$work/${w[1]}"; else : >"$work/${w[1]}"; fi
    # A little in the future: HTTP dates count whole seconds, so a file
    # rewritten in the second rspamd last asked about would stay "not
    # modified" (304) for good.
    touch -d "@$(($(date +%s) + 10))" "$work/${w[1]}"
    ;;
  sleep)
    sleep "${w[1]}"
    ;;
  http-serve)
    mkdir -p "$work/${w[1]}"
    HTTP_PORT=$(aw_free_port)
    aw_spawn http "$AW_PYTHON" -m http.server --bind 127.0.0.1 --directory "$work/${w[1]}" "$HTTP_PORT"
    for _ in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && break
      sleep 0.1
    done
    ;;
  expect-start-fails)
    start_expected_to_fail=1
    ;;
  redis)
    aw_redis_start
    export AW_RSPAMD_KEEP_MODULES="${AW_RSPAMD_KEEP_MODULES:-} ratelimit greylist"
    ;;
  example)
    [ -f "$AW_SRC/examples/rspamd/${w[1]}" ] || { echo "no example ${w[1]} in examples/rspamd" >&2; exit 2; }
    examples+=("${w[1]} ${w[2]}")
    ;;
  selector-probe)
    examples+=("../../tests/integration/lib/selector_probe.lua local.d/rspamd.lua")
    ;;
  scan)
    start_services
    aw_scan "${w[1]}" "$(msg_path "${w[2]}")" "${w[@]:3}" || true
    ;;
  scan-until)
    start_services
    deadline=$(($(date +%s) + w[1]))
    while :; do
      aw_scan "${w[2]}" "$(msg_path "${w[4]}")" "${w[@]:5}" || true
      grep -q "\"${w[3]}\"" "$work/results/${w[2]}.json" && break
      [ "$(date +%s)" -ge "$deadline" ] && break
      sleep 1
    done
    ;;
  ping)
    start_services
    if aw_rspamd_ping; then echo "ok     rspamd answers ping"; else
      echo "FAILED rspamd answers ping"
      failures=$((failures + 1))
    fi
    ;;
  expect-log-clean)
    start_services
    errors=$(aw_lua_errors)
    if [ -z "$errors" ]; then echo "ok     no Lua error in rspamd's log"; else
      echo "FAILED Lua errors in rspamd's log:"
      printf '%s\n' "$errors" | head -20 | cut -c1-300
      failures=$((failures + 1))
    fi
    ;;
  expect-log)
    start_services
    regex="${w[*]:1}"
    if grep -qE -- "$regex" "$AW_DIR/log/rspamd.log" "$AW_DIR/log/rspamd.out" 2>/dev/null; then
      echo "ok     rspamd's log matches /$regex/"
    else
      echo "FAILED rspamd's log does not match /$regex/"
      failures=$((failures + 1))
    fi
    ;;
  expect-config-defaults)
    start_services
    if "$AW_PYTHON" "$lib/config_defaults.py" "$work/config-section.json" "$AW_SRC/schemas/authweight.schema.json"; then
      echo "ok     modules.d/authweight.conf holds the schema's defaults"
    else
      echo "FAILED modules.d/authweight.conf differs from the schema's defaults"
      failures=$((failures + 1))
    fi
    ;;
  expect)
    printf '%s\n' "${w[*]:1}" >>"$expectations"
    ;;
  *)
    echo "unknown directive '${w[0]}' in $scenario/scenario.txt" >&2
    exit 2
    ;;
  esac
done <"$scenario/scenario.txt"

# Stop everything first: a crash on the way out is a failure too.
aw_env_stop
if grep -qE "caught fatal signal|rspamd_print_crash" "$work/log/rspamd.log" 2>/dev/null; then
  echo "FAILED rspamd crashed:"
  grep -E "caught fatal signal|rspamd_print_crash" "$work/log/rspamd.log" | head -8 | cut -c1-200
  failures=$((failures + 1))
elif [ "$rspamd_up" = 1 ]; then
  echo "ok     rspamd stopped without a crash"
fi

aw_scenario_end "$name" "$started" "$failures" "$work" "$expectations"
