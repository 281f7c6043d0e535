#!/usr/bin/env bash
# End to end through a real MTA (issue 9): swaks speaks SMTP, with and
# without STARTTLS, to Debian's Postfix; Postfix hands each message and its
# TLS facts to rspamd's proxy worker over the milter protocol; rspamd 3.4
# runs authweight (DNS from the test's unbound); Postfix acts on the verdict.
#
#   postfix.sh BUILD_DIR [WORK_DIR]
#
# Everything listens on 127.0.0.1 and is stopped on exit, also on failure
# (tests/integration/lib/env.sh's trap and watchdog; Postfix's master runs
# in the foreground, so it is one of the processes env.sh stops). The system
# Postfix and rspamd, /etc/postfix and /etc/rspamd are never written to.
#
# The scenarios' client hosts are not on this machine: swaks connects from
# 127.0.0.1 and, after STARTTLS, sends Postfix's XCLIENT (allowed for
# 127.0.0.1 by smtpd_authorized_xclient_hosts) with the host's ADDR and
# NAME, then EHLO with its HELO name. Postfix then treats the session as
# coming from that host, logs it so, and gives the milter that address,
# name and HELO; the TLS session negotiated before XCLIENT stays.
#
# Checks: each message's verdict is read from rspamd's log line for the
# Postfix queue id (lib/rspamd_log.py) and checked by lib/check.py, which
# also checks the trust budget of every message; Postfix's own behaviour
# (delivered, rejected with rspamd's message) must match rspamd's action;
# AUTHW_TLS must carry the protocol and cipher Postfix logged for the
# session; delivered mail must carry the Authentication-Results value the
# core renders (compared with authweight-check on the same facts) and no
# forged one.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [WORK_DIR]" >&2; exit 2; }
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$here/postfix
work=${2:-$build/tests/e2e/postfix}
lib=$here/../integration/lib
lib=$(cd "$lib" && pwd)
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

for tool in swaks postconf postfix openssl; do
  command -v "$tool" >/dev/null || aw_die "$tool is missing (tests/lib/deps.sh installs it: run tests/run.sh as root)"
done
[ "$(id -u)" = 0 ] || aw_die "Postfix's master must start as root (it drops to mail_owner)"

started=$(date +%s)
failures=0
ok() { echo "ok     $*"; }
fail() {
  echo "FAILED $*"
  failures=$((failures + 1))
}

aw_env_init "$work" "$build"
# Postfix's daemons run as mail_owner and deliver as nobody, so they must
# reach their directories: a checkout under a private directory (mktemp -d,
# mode 700) does not let them. Postfix's tree lives in a directory of its
# own, removed at exit.
pf=$(mktemp -d /var/tmp/authweight-postfix.XXXXXX)
chmod 755 "$pf"
trap 'aw_env_stop; rm -rf "$pf"' EXIT
mkdir -p "$work/keys" "$work/smtp"

# ---- DNS zone and DKIM-signed messages -------------------------------------------

cp "$data/zone.json" "$work/zone.json"
record=$("$AW_PYTHON" "$lib/dkim_sign.py" keygen "$work/keys/example.org.pem")
aw_zone_add "$work/zone.json" "sel1._domainkey.example.org" TXT "$record"
for m in friend spam; do
  "$AW_PYTHON" "$lib/dkim_sign.py" sign "$work/keys/example.org.pem" example.org sel1 \
    <"$data/$m.eml" >"$work/$m-signed.eml"
done

# ---- DNS server and rspamd with its proxy worker in milter mode ------------------

aw_dns_start "$work/zone.json"
# friend_spam's settings: friend@example.org whitelisted, a +20 content rule.
aw_rspamd_prepare "$AW_SRC/tests/integration/scenarios/friend_spam/local.d"
MILTER_PORT=$(aw_free_port)
[ -n "$MILTER_PORT" ] || aw_die "no free port for rspamd's milter"
# env.sh turns the proxy off; here it is the milter, in front of the
# normal worker (the stock worker-proxy.inc, with loopback ports).
cat >"$AW_CONF/override.d/worker-proxy.inc" <<EOF
bind_socket = "127.0.0.1:$MILTER_PORT";
milter = yes;
timeout = 120s;
count = 1;
upstream "local" {
  default = yes;
  hosts = "127.0.0.1:$AW_RSPAMD_PORT";
}
EOF
aw_rspamd_start

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 1 300); do port_open "$MILTER_PORT" && break; sleep 0.1; done
port_open "$MILTER_PORT" || aw_die "rspamd's milter port $MILTER_PORT does not answer"

# ---- Postfix with a private configuration directory ------------------------------

SMTP_PORT=$(aw_free_port)
[ -n "$SMTP_PORT" ] || aw_die "no free port for Postfix"
conf=$pf/conf
mkdir -p "$conf" "$pf/queue" "$pf/tls"
install -d -o nobody -g nogroup "$pf/mail"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.recipient.example" \
  -keyout "$pf/tls/key.pem" -out "$pf/tls/cert.pem" 2>"$pf/tls/openssl.err" ||
  aw_die "openssl could not make the certificate: $(cat "$pf/tls/openssl.err")"
for f in main.cf master.cf; do
  sed -e "s|@PF@|$pf|g" -e "s|@CONF@|$conf|g" -e "s|@MILTER_PORT@|$MILTER_PORT|g" \
    -e "s|@SMTP_PORT@|$SMTP_PORT|g" "$data/$f.in" >"$conf/$f"
done
cp "$data/header_checks" "$conf/header_checks"
# `postfix check` creates the queue and data directories with their owners
# (a data directory not owned by mail_owner keeps the master from starting).
postfix -c "$conf" check >"$work/log/postfix-check.out" 2>&1 ||
  aw_die "postfix -c $conf check failed: $(cat "$work/log/postfix-check.out")"
master=$(postconf -c "$conf" -h daemon_directory)/master
# -d: the master stays in the foreground, a child of this shell that
# env.sh stops. setsid (which execs, as a background job is no group
# leader): on SIGTERM the master stops its daemons by signalling its own
# process group, and fails if it leads none.
aw_spawn postfix setsid "$master" -c "$conf" -d
for _ in $(seq 1 300); do port_open "$SMTP_PORT" && break; sleep 0.1; done
port_open "$SMTP_PORT" || {
  cat "$work/log/postfix.out" "$pf/maillog" >&2 2>/dev/null || true
  aw_die "Postfix does not listen on 127.0.0.1:$SMTP_PORT"
}
ok "Postfix $(postconf -c "$conf" -h mail_version) on 127.0.0.1:$SMTP_PORT, milter rspamd on 127.0.0.1:$MILTER_PORT"

# ---- sending -----------------------------------------------------------------------

maillog=$pf/maillog
log_lines() { if [ -f "$maillog" ]; then wc -l <"$maillog"; else echo 0; fi; }

# send NAME MESSAGE CLIENT [swaks options...]
# CLIENT friend: 192.0.2.10, mail.example.org; botnet: 198.51.100.23 with a
# dynamic-looking name and an IP-literal HELO (tests/integration botnet_tls).
# Leaves the SMTP transcript in smtp/NAME.txt, the session's Postfix log in
# smtp/NAME.log, its queue id in QID and rspamd's verdict in results/NAME.json.
send() {
  local name=$1 msg=$2 client=$3 addr host helo from before
  shift 3
  case $client in
  friend) addr=192.0.2.10 host=mail.example.org helo=mail.example.org from=friend@example.org ;;
  botnet) addr=198.51.100.23 host=198-51-100-23.dyn.pool.isp.example helo='[198.51.100.23]' from=deals@shop.example ;;
  *) aw_die "send: unknown client $client" ;;
  esac
  before=$(log_lines)
  timeout 60 swaks --server 127.0.0.1 --port "$SMTP_PORT" --ehlo "$helo" \
    --xclient-addr "$addr" --xclient-name "$host" \
    --from "$from" --to you@recipient.example --data "@$msg" "$@" \
    >"$work/smtp/$name.txt" 2>&1 || true
  # Postfix logs through postlogd: wait (bounded) for the session's end,
  # then for rspamd's line on the same queue id.
  QID=
  for _ in $(seq 1 300); do
    tail -n +"$((before + 1))" "$maillog" 2>/dev/null >"$work/smtp/$name.log" || true
    QID=$(sed -nE 's/.*postfix\/smtpd\[[0-9]+\]: ([0-9A-F]+): client=.*/\1/p' "$work/smtp/$name.log" | head -1)
    if [ -n "$QID" ] && grep -qE "$QID: (milter-reject|removed)|$QID: to=.*status=(sent|bounced|deferred)" "$work/smtp/$name.log" &&
      grep -qF "disconnect from $host[$addr]" "$work/smtp/$name.log" &&
      grep -q "qid: <$QID>" "$AW_DIR/log/rspamd.log"; then
      break
    fi
    sleep 0.1
  done
  if [ -z "$QID" ]; then
    fail "$name: Postfix took no message (transcript smtp/$name.txt)"
    sed -n '1,60p' "$work/smtp/$name.txt" | cut -c1-200
    return 0
  fi
  "$AW_PYTHON" "$lib/rspamd_log.py" "$AW_DIR/log/rspamd.log" "$QID" >"$AW_DIR/results/$name.json" ||
    fail "$name: no rspamd verdict for queue id $QID"
}

send friend_tls13 "$work/friend-signed.eml" friend --tls --tls-protocol tlsv1_3
send friend_tls12 "$work/friend-signed.eml" friend --tls --tls-protocol tlsv1_2
send friend_plain "$work/friend-signed.eml" friend
send botnet_tls "$data/offer.eml" botnet --tls
send spam_tls "$work/spam-signed.eml" friend --tls

# ---- rspamd's verdicts ----------------------------------------------------------------

cat >"$work/expectations.txt" <<'EOF'
# (a) the whitelisted friend, authenticated (SPF, DKIM, aligned), over TLS
friend_tls13 has AUTHW_WL_AUTH friend@example.org
friend_tls13 has AUTHW_SPF_PASS
friend_tls13 has AUTHW_DKIM_PASS example.org
friend_tls13 has AUTHW_ALIGNED
friend_tls13 has AUTHW_TLS mta
friend_tls13 has AUTHW_TLS TLSv1.3
friend_tls13 lacks AUTHW_BOTNET_TLS
friend_tls13 action no action
friend_tls12 has AUTHW_TLS TLSv1.2
friend_tls12 lacks AUTHW_TLS_LEGACY
friend_tls12 action no action
# (c) the same message in plain text: no TLS symbol, the same weight otherwise
friend_plain lacks AUTHW_TLS
friend_plain has AUTHW_WL_AUTH friend@example.org
friend_plain authweight-same friend_tls13 AUTHW_TLS
friend_plain authweight-same friend_tls12 AUTHW_TLS
friend_plain authweight-minus friend_tls13 == 0
friend_plain action no action
# (b) a botnet-style host over TLS
botnet_tls has AUTHW_TLS TLSv1.3
botnet_tls has AUTHW_BOTNET_TLS rdns-dynamic
botnet_tls has AUTHW_BOTNET_TLS helo-ip-literal
botnet_tls symbol AUTHW_BOTNET_TLS == 3
botnet_tls minus friend_tls13 >= 5
# (d) the trust budget: +20 of content alone reaches rspamd's reject threshold,
# so no authentication bonus stands (veto_score)
spam_tls has TEST_SPAM_PHRASE
spam_tls has AUTHW_WL_AUTH
spam_tls has AUTHW_TRUST_CAP veto:score
spam_tls authneg == 0
spam_tls action reject
EOF
aw_auth_derived "$build" >"$work/auth_derived.txt"
grep -ho "authweight: config section .*" "$AW_DIR/log/rspamd.log" | tail -1 |
  sed 's/^authweight: config section //' >"$work/config-section.json"
"$AW_PYTHON" "$lib/config_defaults.py" --effective "$work/config-section.json" \
  "$AW_SRC/schemas/authweight.schema.json" >"$work/config.json" || true
"$AW_PYTHON" "$lib/check.py" "$AW_DIR/results" "$work/config.json" "$work/auth_derived.txt" \
  "$work/expectations.txt" || failures=$((failures + 1))

# ---- Postfix acted on rspamd's verdicts -------------------------------------------------

json_field() { # FILE FIELD
  "$AW_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null
}
maildir_file() { # QID: the delivered message, by the id in Postfix's Received header
  { grep -lE "[[:space:]]id $1(;|[[:space:]]|$)" "$pf/mail/you/new/"* 2>/dev/null || true; } | head -1
}

for name in friend_tls13 friend_tls12 friend_plain botnet_tls spam_tls; do
  res=$AW_DIR/results/$name.json
  [ -s "$res" ] || continue
  qid=$(json_field "$res" qid)
  action=$(json_field "$res" action)
  ip=$(json_field "$res" ip)
  case $name in botnet*) want_ip=198.51.100.23 ;; *) want_ip=192.0.2.10 ;; esac
  if [ "$ip" = "$want_ip" ]; then ok "$name: rspamd saw the XCLIENT address $ip"; else
    fail "$name: rspamd saw client address '$ip', not $want_ip"
  fi
  delivered=$(maildir_file "$qid")
  case $action in
  reject)
    if grep -qE "$qid: milter-reject: END-OF-MESSAGE .*: 5\.7\.1 Spam message rejected" "$work/smtp/$name.log" &&
      grep -qE "^<(~\*|\*\*) +5[0-9][0-9] 5\.7\.1 Spam message rejected" "$work/smtp/$name.txt" && [ -z "$delivered" ]; then
      ok "$name: rspamd said reject; Postfix rejected it at SMTP time with rspamd's message"
    else
      fail "$name: rspamd said reject; Postfix did not reject with rspamd's message (smtp/$name.txt, smtp/$name.log)"
    fi
    ;;
  "soft reject")
    if grep -qE "^<(~\*|\*\*) +4[0-9][0-9] " "$work/smtp/$name.txt" && [ -z "$delivered" ]; then
      ok "$name: rspamd said soft reject; Postfix deferred it at SMTP time"
    else
      fail "$name: rspamd said soft reject; Postfix did not defer it"
    fi
    ;;
  "no action" | "add header" | "rewrite subject")
    if [ -n "$delivered" ] && grep -qE "$qid: to=<you@recipient.example>.*status=sent" "$work/smtp/$name.log"; then
      ok "$name: rspamd said $action; Postfix delivered it ($(basename "$delivered"))"
      spam_mark=$(sed '/^$/q' "$delivered" | grep -c '^X-Spam: Yes' || true)
      subject_mark=$(sed '/^$/q' "$delivered" | grep -ci '^Subject: \*\*\*SPAM\*\*\*' || true)
      case $action in
      "no action") want="0 0" ;;
      "add header") want="1 0" ;;
      "rewrite subject") want="0 1" ;;
      esac
      if [ "$spam_mark $subject_mark" = "$want" ]; then
        ok "$name: tagged as rspamd's action says (X-Spam: $spam_mark, subject: $subject_mark)"
      else
        fail "$name: X-Spam header $spam_mark, subject mark $subject_mark; want $want for $action"
      fi
    else
      fail "$name: rspamd said $action; Postfix did not deliver it (smtp/$name.log)"
    fi
    ;;
  *)
    fail "$name: unexpected rspamd action '$action'"
    ;;
  esac
done

# ---- the TLS facts are the ones Postfix negotiated -----------------------------------

for name in friend_tls13 friend_tls12 friend_plain botnet_tls spam_tls; do
  res=$AW_DIR/results/$name.json
  [ -s "$res" ] || continue
  # Postfix: "Anonymous TLS connection established from ...: TLSv1.3 with cipher X (256/256 bits)"
  pf_tls=$(sed -nE 's/.*postfix\/smtpd\[[0-9]+\]: .*TLS connection established from [^ ]+: (TLSv[0-9.]+) with cipher ([^ ]+) .*/\1 \2/p' \
    "$work/smtp/$name.log" | head -1)
  aw_tls=$("$AW_PYTHON" -c 'import json,sys
s = json.load(open(sys.argv[1]))["symbols"].get("AUTHW_TLS")
print(" ".join(s["options"][:2]) if s else "")' "$res")
  if [ "$name" = friend_plain ]; then
    if [ -z "$pf_tls" ] && [ -z "$aw_tls" ]; then ok "$name: no TLS in Postfix's log, no AUTHW_TLS"; else
      fail "$name: plain text, but Postfix logged '$pf_tls' and AUTHW_TLS says '$aw_tls'"
    fi
    continue
  fi
  if [ -n "$pf_tls" ] && [ "$pf_tls" = "$aw_tls" ]; then
    ok "$name: AUTHW_TLS reports what Postfix negotiated: $aw_tls"
  else
    fail "$name: Postfix negotiated '$pf_tls', AUTHW_TLS reports '$aw_tls'"
  fi
  want_proto=TLSv1.3
  [ "$name" = friend_tls12 ] && want_proto=TLSv1.2
  if [ "${pf_tls%% *}" = "$want_proto" ]; then ok "$name: the client asked for $want_proto and got it"; else
    fail "$name: the client asked for $want_proto, Postfix logged '$pf_tls'"
  fi
done

# ---- Authentication-Results on delivered mail ---------------------------------------------

# The header's value, unfolded (RFC 5322 2.2.3), of every field NAME in the header block.
header_values() { # FILE NAME
  sed '/^$/q' "$1" | awk -v want="$2" '
    /^[ \t]/ { if (on) cur = cur " " substr($0, match($0, /[^ \t]/)); next }
    { if (on) print cur
      on = 0; i = index($0, ":")
      if (i > 0 && tolower(substr($0, 1, i - 1)) == tolower(want)) { on = 1; cur = substr($0, i + 1) } }
    END { if (on) print cur }' | sed -E 's/^[ \t]+//; s/[ \t]+/ /g'
}

for name in friend_tls13 friend_tls12 friend_plain; do
  res=$AW_DIR/results/$name.json
  [ -s "$res" ] || continue
  delivered=$(maildir_file "$(json_field "$res" qid)")
  [ -n "$delivered" ] || continue
  header_values "$delivered" Authentication-Results >"$work/smtp/$name.ar"
  # The same facts through the CLI: the value the core renders for them.
  case $name in
  friend_tls13 | friend_tls12)
    read -r v c <<<"$(sed -nE 's/.*TLS connection established from [^ ]+: (TLSv[0-9.]+) with cipher ([^ ]+) .*/\1 \2/p' "$work/smtp/$name.log" | head -1)"
    tls=(--tls-version "$v" --tls-cipher "$c")
    ;;
  *) tls=() ;;
  esac
  "$build/authweight-check" --dns-zone "$work/zone.json" --ip 192.0.2.10 --helo mail.example.org \
    --hostname mail.example.org --mail-from friend@example.org "${tls[@]}" "$work/friend-signed.eml" \
    >"$work/smtp/$name.cli.json" 2>&1 || true
  want=$(json_field "$work/smtp/$name.cli.json" authentication_results | sed -E 's/[ \t]+/ /g')
  got=$(grep -iE '^authweight( |;)' "$work/smtp/$name.ar" || true)
  count=$(grep -ciE '^authweight( |;)' "$work/smtp/$name.ar" || true)
  if [ -n "$want" ] && [ "$count" = 1 ] && [ "$got" = "$want" ]; then
    ok "$name: delivered with the Authentication-Results authweight rendered: $got"
  else
    fail "$name: Authentication-Results in the delivered mail ($count with authserv-id authweight): '$got'; the core renders '$want'"
  fi
  case $got in
  *"spf=pass"*"dkim=pass"*"header.d=example.org"*) ok "$name: it says spf=pass and dkim=pass for example.org" ;;
  *) fail "$name: Authentication-Results lacks spf=pass / dkim=pass header.d=example.org: '$got'" ;;
  esac
  if grep -q 'forged.example' "$delivered"; then
    fail "$name: the forged Authentication-Results of the sender reached the mailbox"
  else
    ok "$name: the sender's forged Authentication-Results was dropped"
  fi
done

# ---- shutdown ----------------------------------------------------------------------

errors=$(aw_lua_errors)
if [ -z "$errors" ]; then ok "no Lua error in rspamd's log"; else
  fail "Lua errors in rspamd's log:"
  printf '%s\n' "$errors" | head -20 | cut -c1-300
fi
aw_env_stop
if grep -qE "caught fatal signal|rspamd_print_crash" "$AW_DIR/log/rspamd.log" 2>/dev/null; then
  fail "rspamd crashed"
fi
# Postfix's daemons carry their config directory in MAIL_CONFIG.
for d in /proc/[0-9]*; do
  if { tr '\0' '\n' <"$d/environ"; } 2>/dev/null | grep -qx "MAIL_CONFIG=$conf"; then
    fail "a Postfix process of this test is still running: $({ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null)"
  fi
done
if port_open "$SMTP_PORT"; then fail "something still listens on Postfix's port $SMTP_PORT"; fi
if grep -qE "postfix/[a-z]+\[[0-9]+\]: (fatal|panic):" "$maillog" 2>/dev/null; then
  fail "Postfix logged fatal errors:"
  grep -E "postfix/[a-z]+\[[0-9]+\]: (fatal|panic):" "$maillog" | head -5 | cut -c1-200
fi

if [ "$failures" = 0 ]; then echo "e2e.postfix: passed ($(($(date +%s) - started)) s)"; else
  echo "e2e.postfix: FAILED, $failures failures ($(($(date +%s) - started)) s); files in $work"
fi
[ "$failures" = 0 ]
