#!/usr/bin/env bash
# Run one SpamAssassin scenario: Debian's SpamAssassin 4 (`spamassassin -t`
# with a private site config) with the authweight plugin from the tree, and
# the same unbound serving the scenario's zone as the rspamd tests.
#
#   run_scenario.sh BUILD_DIR SCENARIO_DIR [WORK_DIR]
#
# A scenario directory holds zone.json, messages, sa.cf (settings added to
# the test's local.cf) and scenario.txt, with the directives of the rspamd
# scenarios (tests/integration/run_scenario.sh) that make sense here:
#
#   dkim DOMAIN SELECTOR [BITS] | sign OUT IN DOMAIN SELECTOR | gen OUT KIND |
#   footer OUT IN TEXT... | arc OUT IN DOMAIN SELECTOR MODE RESULTS...
#   scan NAME MESSAGE [fact=value ...]   facts: ip helo hostname from rcpt user
#                                        tls_version tls_cipher; they become the
#                                        Return-Path and the Received header the
#                                        receiving MTA (Postfix) writes
#   expect-log-clean                     SpamAssassin warned about nothing
#   expect ...                           a check on the answers (lib/check.py)
#
# Each scan's hits and scores are written as rspamd-like JSON, so the same
# checks apply, the trust budget among them (authweight's own rules and
# the plugin's trust_symbols). Exit status 0 when every check passed.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SCENARIO_DIR [WORK_DIR]" >&2; exit 2; }
build=$(cd "$1" && pwd)
scenario=$(cd "$2" && pwd)
name=$(basename "$scenario")
work=${3:-$build/tests/spamassassin/$name}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=$(cd "$here/../integration/lib" && pwd)
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

started=$(date +%s)
aw_env_init "$work" "$build"
mkdir -p "$work/keys" "$work/sa"
expectations=$work/expectations.txt
: >"$expectations"
: >"$work/sa.err"
cp "$scenario/zone.json" "$work/zone.json"
export AUTHWEIGHT_LIBRARY=$build/libauthweight.so.0

msg_path() {
  if [ -e "$work/$1" ]; then echo "$work/$1"; else echo "$scenario/$1"; fi
}

# SpamAssassin's trust rules and the budget, as the plugin applies them,
# for lib/check.py's trust-budget check.
sa_trust_symbols='["USER_IN_WELCOMELIST", "USER_IN_DEF_WELCOMELIST", "USER_IN_SPF_WELCOMELIST",
  "USER_IN_DKIM_WELCOMELIST", "USER_IN_DEF_SPF_WL", "USER_IN_DEF_DKIM_WL", "SPF_PASS", "SPF_HELO_PASS",
  "DKIM_VALID", "DKIM_VALID_AU", "DKIM_VALID_EF", "DMARC_PASS", "ARC_VALID"]'
echo "{\"trust_budget\": 6, \"trust_symbols\": $sa_trust_symbols}" >"$work/config.json"
aw_auth_derived "$build" >"$work/auth_derived.txt"

sa_up=0
start_services() {
  [ "$sa_up" = 1 ] && return 0
  aw_dns_start "$work/zone.json"
  cp /etc/spamassassin/*.pre "$work/sa/"
  aw_sa_plugin_conf "$work/sa"
  {
    echo "dns_server 127.0.0.1:$AW_DNS_PORT"
    echo "dns_available yes"
    echo "trusted_networks 127.0.0.1"
    echo "skip_rbl_checks 1"
    echo "rbl_timeout 5"
    echo "use_bayes 0"
    echo "bayes_auto_learn 0"
    echo "add_header all AW-Tests _TESTSSCORES(,)_"
    echo "add_header all AW-Why _AUTHWEIGHT_"
    echo "authweight_reputation_lmdb_path $work/reputation.mdb"
    [ -f "$scenario/sa.cf" ] && cat "$scenario/sa.cf"
  } >"$work/sa/local.cf"
  : >"$work/user_prefs"
  sa_up=1
}

# The message as the receiving MTA hands it on: Return-Path and Postfix's
# Received header from the facts, then the message.
sa_scan() {
  local name=$1 msg=$2 kv k v ip='' helo='' host='unknown' from='' rcpt='you@recipient.example' tls='' cipher='' user=''
  shift 2
  for kv in "$@"; do
    k=${kv%%=*}
    v=${kv#*=}
    case "$k" in
    ip) ip=$v ;;
    helo) helo=$v ;;
    hostname) host=$v ;;
    from) from=$v ;;
    rcpt) rcpt=$v ;;
    tls_version) tls=$v ;;
    tls_cipher) cipher=$v ;;
    user) user=$v ;;
    *) aw_die "sa_scan: unknown fact '$k'" ;;
    esac
  done
  local with=ESMTP using=''
  if [ -n "$tls" ]; then
    with=ESMTPS
    using=$'\n'"	(using $tls with cipher ${cipher:-UNKNOWN} (256/256 bits))"
  fi
  # SMTP AUTH, as Postfix writes it (smtpd_sasl_authenticated_header yes).
  if [ -n "$user" ]; then
    with=${with}A
    using+=$'\n'"	(Authenticated sender: $user)"
  fi
  {
    printf 'Return-Path: <%s>\n' "$from"
    printf 'Received: from %s (%s [%s])%s\n\tby mx.recipient.example (Postfix) with %s id 4Q8xyz\n\tfor <%s>; Mon, 07 Dec 2026 10:00:00 +0000\n' \
      "$helo" "$host" "$ip" "$using" "$with" "$rcpt"
    cat "$msg"
  } >"$work/results/$name.eml"
  spamassassin --siteconfigpath "$work/sa" -p "$work/user_prefs" -t <"$work/results/$name.eml" \
    >"$work/results/$name.out" 2>"$work/results/$name.err" || true
  grep -v 'netset: cannot include' "$work/results/$name.err" >>"$work/sa.err" || true
  "$AW_PYTHON" "$here/sa_result.py" "$work/results/$name.out" >"$work/results/$name.json"
}

failures=0
while IFS= read -r line || [ -n "$line" ]; do
  read -r -a w <<<"$line" || true
  [ ${#w[@]} -gt 0 ] && [ "${w[0]:0:1}" = "#" ] && continue
  [ ${#w[@]} -eq 0 ] && continue
  case "${w[0]}" in
  dkim | sign | gen | footer | arc)
    aw_message_directive "$work" msg_path "${w[@]}"
    ;;
  scan)
    start_services
    sa_scan "${w[1]}" "$(msg_path "${w[2]}")" "${w[@]:3}"
    ;;
  expect-log-clean)
    if ! grep -E 'warn:|error|die' "$work/sa.err" | head -5 | grep -q .; then
      echo "ok     SpamAssassin warned about nothing"
    else
      echo "FAILED SpamAssassin warned:"
      grep -E 'warn:|error|die' "$work/sa.err" | sort -u | head -10 | cut -c1-300
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

aw_env_stop
aw_scenario_end "$name" "$started" "$failures" "$work" "$expectations"
