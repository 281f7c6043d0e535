#!/usr/bin/env bash
# The CLI contract of DESIGN.md: every sample message gives exit 0 and one
# JSON object with the contract's fields; every kind of bad input gives
# exit 2 and exactly one line on stderr.
# usage: cli_test.sh PATH/TO/authweight-check PATH/TO/examples VERSION
# (VERSION: the project version of CMakeLists.txt, which --version must say)
set -u

usage="usage: cli_test.sh AUTHWEIGHT_CHECK EXAMPLES_DIR VERSION"
cli=${1:?$usage}
examples=${2:?$usage}
version=${3:?$usage}
msgs=$examples/messages
python=/usr/bin/python3

passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/authweight-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# The JSON on stdout has the contract's fields with the contract's types.
check_json() {
  "$python" -c '
import json, sys
d = json.load(open(sys.argv[1]))
words = {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"}
assert isinstance(d, dict), "not an object"
for k in ("spf", "senderid", "dkim", "dmarc", "tls", "symbols", "score"):
    assert k in d, "missing " + k
assert d["spf"]["result"] in words and d["spf"]["identity"] in ("mailfrom", "helo")
assert isinstance(d["spf"]["domain"], str)
assert d["senderid"]["result"] in words and d["senderid"]["mfrom_result"] in words
assert isinstance(d["senderid"]["pra"], str)
for s in d["dkim"]:
    assert s["result"] in words and all(isinstance(s[k], str) for k in ("domain", "selector", "algorithm"))
m = d["dmarc"]
assert m["result"] in words and m["policy"] in (None, "none", "quarantine", "reject")
assert isinstance(m["from_domain"], str) and isinstance(m["spf_aligned"], bool) and isinstance(m["dkim_aligned"], bool)
t = d["tls"]
assert all(isinstance(t[k], str) for k in ("version", "cipher", "source")) and isinstance(t["legacy"], bool)
total = 0.0
for s in d["symbols"]:
    assert isinstance(s["name"], str) and s["name"].startswith("AUTHW_"), s
    assert isinstance(s["score"], (int, float)) and isinstance(s["reason"], str), s
    total += s["score"]
assert isinstance(d["score"], (int, float)) and not isinstance(d["score"], bool)
assert abs(total - d["score"]) < 1e-3, "score %r is not the sum of the symbols %r" % (d["score"], total)
' "$1" 2>"$tmp/py.err"
}

# run NAME ARGS...: expect exit 0, one JSON object on stdout, nothing on stderr.
expect_ok() {
  local name=$1
  shift
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    bad "$name: exit $rc, want 0 ($(head -c 300 "$tmp/err"))"
  elif [ -s "$tmp/err" ]; then
    bad "$name: unexpected stderr: $(head -c 300 "$tmp/err")"
  elif ! check_json "$tmp/out"; then
    bad "$name: output is not the contract's JSON: $(tail -n 1 "$tmp/py.err")"
  else
    ok
  fi
}

# expect_error NAME WANT_LINE ARGS...: exit 2, nothing on stdout, exactly one
# stderr line starting "authweight-check: "; WANT_LINE, if not empty, is the
# whole line.
expect_error() {
  local name=$1 want=$2
  shift 2
  "$cli" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  local line
  line=$(head -n 1 "$tmp/err")
  if [ "$rc" -ne 2 ]; then
    bad "$name: exit $rc, want 2 ($(head -c 300 "$tmp/err"))"
  elif [ "$lines" -ne 1 ] || [ "$(wc -c <"$tmp/err")" -ne "$((${#line} + 1))" ]; then
    bad "$name: want exactly one stderr line, got $lines: $(head -c 300 "$tmp/err")"
  elif [ -s "$tmp/out" ]; then
    bad "$name: unexpected stdout: $(head -c 300 "$tmp/out")"
  elif [[ "$line" != "authweight-check: "* ]]; then
    bad "$name: stderr line lacks the program prefix: $line"
  elif [ -n "$want" ] && [ "$line" != "$want" ]; then
    bad "$name: got '$line', want '$want'"
  else
    ok
  fi
}

# shellcheck source=tests/lib/facts.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/facts.sh"

# --- every sample message -----------------------------------------------------
zone=$msgs/zone.json
samples=0
if [ -d "$msgs" ]; then
  for eml in "$msgs"/*.eml; do
    [ -e "$eml" ] || continue
    name=$(basename "$eml" .eml)
    facts=()
    [ -f "$msgs/$name.facts" ] && read_facts "$msgs/$name.facts"
    dns=()
    [ -f "$zone" ] && dns=(--dns-zone "$zone")
    expect_ok "$name" "${dns[@]}" "${facts[@]}" "$eml"
    if [ -f "$examples/config.json" ]; then
      expect_ok "$name (config.json)" --config "$examples/config.json" "${dns[@]}" "${facts[@]}" "$eml"
    fi
    samples=$((samples + 1))
  done
fi
[ "$samples" -gt 0 ] || echo "note: no sample messages in $msgs; only the built-in cases ran" >&2

# --- the built-in message and zone ----------------------------------------------
cat >"$tmp/msg.eml" <<'EOF'
From: Alice <alice@a.example>
To: bob@b.example
Subject: hello
Date: Thu, 26 Nov 2026 10:00:00 +0000
Message-ID: <1@a.example>

Hello.
EOF
cat >"$tmp/zone.json" <<'EOF'
{
  "a.example": [["A", "192.0.2.1"], ["TXT", "v=spf1 ip4:192.0.2.1 -all"]],
  "_dmarc.a.example": [["TXT", "v=DMARC1; p=reject"]],
  "1.2.0.192.in-addr.arpa": [["PTR", "mail.a.example"]],
  "mail.a.example": [["A", "192.0.2.1"]],
  "slow.example": [["TIMEOUT", ""]]
}
EOF
echo '{"trust_budget": 3, "protected_domains": ["a.example"]}' >"$tmp/config.json"
echo '{"trust_budget": 3, "foo": 1}' >"$tmp/config-unknown.json"
echo '{"a.example": [["TXT", "v=spf1 -all"]' >"$tmp/zone-bad.json"
conn=(--ip 192.0.2.1 --helo mail.a.example --mail-from alice@a.example)

expect_ok "built-in message, zone" --dns-zone "$tmp/zone.json" "${conn[@]}" "$tmp/msg.eml"
expect_ok "built-in message, config, pretty" --pretty --config "$tmp/config.json" \
  --dns-zone "$tmp/zone.json" "${conn[@]}" "$tmp/msg.eml"
expect_ok "no DNS given" "${conn[@]}" "$tmp/msg.eml"
expect_ok "no message" --dns-zone "$tmp/zone.json" "${conn[@]}"
expect_ok "null sender" --dns-zone "$tmp/zone.json" --ip 192.0.2.1 --helo mail.a.example --mail-from "" "$tmp/msg.eml"
expect_ok "IPv6, TLS, --flag=value, --external" --dns-zone="$tmp/zone.json" --ip 2001:db8::25 \
  --helo mail.a.example --tls-version TLSv1.2 --tls-cipher ECDHE-RSA-AES128-GCM-SHA256 \
  --external R_SPF_ALLOW=-0.2 --external WHITELIST_X=-3 "$tmp/msg.eml"
expect_ok "timeouts become temperror" --dns-zone "$tmp/zone.json" --ip 192.0.2.1 \
  --helo mail.a.example --mail-from bob@slow.example "$tmp/msg.eml"

# --rcpt: a display name claiming the recipient's own domain.
printf 'From: "corp.example IT desk" <helpdesk@evil.example>\nSubject: Your mailbox is full\n\nClick.\n' \
  >"$tmp/it-desk.eml"
spoofed() { "$python" -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(s["name"] == "AUTHW_DISPLAY_SPOOF" and s["options"] == ["corp.example", "local domain"]
                  for s in d["symbols"]) else 1)' "$tmp/out"; }
expect_ok "--rcpt" --rcpt you@corp.example "$tmp/it-desk.eml"
if spoofed; then ok; else bad "--rcpt: corp.example is not named as a local domain"; fi
expect_ok "without --rcpt" "$tmp/it-desk.eml"
if ! spoofed; then ok; else bad "corp.example is a local domain without --rcpt"; fi

# '-' reads the message from stdin.
if "$cli" --dns-zone "$tmp/zone.json" "${conn[@]}" - <"$tmp/msg.eml" >"$tmp/out" 2>"$tmp/err" &&
  check_json "$tmp/out"; then ok; else bad "message on stdin: $(head -c 300 "$tmp/err")"; fi

# --help and --version succeed and say what they should.
if "$cli" --help >"$tmp/out" 2>&1 && grep -q -- '--dns-zone' "$tmp/out" &&
  grep -qi 'temporary failure' "$tmp/out"; then ok; else bad "--help"; fi
if "$cli" --version >"$tmp/out" 2>&1 && [ "$(cat "$tmp/out")" = "authweight-check $version" ]; then ok; else
  bad "--version: '$(head -c 100 "$tmp/out")', want 'authweight-check $version'"
fi

# --- bad input: exit 2 and one line ----------------------------------------------
expect_error "missing message file" \
  "authweight-check: cannot read message $tmp/nonexistent.eml: No such file or directory" \
  --dns-zone "$tmp/zone.json" "${conn[@]}" "$tmp/nonexistent.eml"
expect_error "unparseable zone file" "" --dns-zone "$tmp/zone-bad.json" "${conn[@]}" "$tmp/msg.eml"
if [[ "$(cat "$tmp/err")" == "authweight-check: zone file $tmp/zone-bad.json: not valid JSON"* ]]; then ok; else
  bad "unparseable zone file: message does not name the file: $(cat "$tmp/err")"; fi
expect_error "missing zone file" \
  "authweight-check: cannot read zone file $tmp/nozone.json: No such file or directory" \
  --dns-zone "$tmp/nozone.json" "$tmp/msg.eml"
expect_error "invalid --ip" "authweight-check: invalid IP address '999.1.2.3'" \
  --ip 999.1.2.3 "$tmp/msg.eml"
expect_error "invalid --ip (name)" "authweight-check: invalid IP address 'mail.a.example'" \
  --ip mail.a.example "$tmp/msg.eml"
expect_error "config with an unknown key" \
  "authweight-check: config $tmp/config-unknown.json: unknown key 'foo'" \
  --config "$tmp/config-unknown.json" "$tmp/msg.eml"
expect_error "missing config file" "" --config "$tmp/noconfig.json" "$tmp/msg.eml"
expect_error "unknown flag" "" --frobnicate "$tmp/msg.eml"
expect_error "flag without its value" "" --ip
expect_error "bad --external" "" --external R_SPF_ALLOW "$tmp/msg.eml"
expect_error "bad --dns" "" --dns carrier-pigeon "$tmp/msg.eml"
expect_error "two messages" "" "$tmp/msg.eml" "$tmp/msg.eml"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
