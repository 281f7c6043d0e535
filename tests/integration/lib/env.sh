# shellcheck shell=bash
# A private rspamd 3.4 and a private unbound on loopback, for the
# integration tests, examples/demo.sh and tests/bench/rspamd_ratio.sh.
#
#   . tests/integration/lib/env.sh
#   aw_env_init WORKDIR BUILD_DIR        # also installs the stop trap
#   aw_dns_start ZONE.json               # unbound serving the zone (zone2unbound)
#   aw_rspamd_prepare [LOCAL.D_DIR ...]  # private LOCAL_CONFDIR, our plugin from the tree
#   aw_rspamd_start
#       (AW_RSPAMD_TAG=NAME before both runs one more rspamd with its own
#        conf, db and log under $AW_DIR/NAME; AW_RSPAMD_PORT is per start)
#   aw_scan NAME MESSAGE [ip=..] [helo=..] [hostname=..] [from=..] [rcpt=..]
#           [user=..] [tls_version=..] [tls_cipher=..]   -> $AW_DIR/results/NAME.json
#   aw_redis_start                       # redis-server on loopback: AW_REDIS_PORT
#   aw_zone_add ZONE NAME TYPE VALUE     # one more record in a zone file
#   aw_message_directive WORK FIND D ARGS  # a scenario's dkim, sign, footer, arc, gen
#   aw_auth_derived BUILD_DIR            # the contract's authentication-derived symbols
#   aw_scenario_end NAME STARTED FAILURES WORK EXPECTATIONS  # check.py, then a scenario's verdict
#   aw_corpus_make DIR COUNT             # lib/corpus.py's load corpus, DKIM-signed
#   aw_bench_start WORKDIR BUILD_DIR COUNT  # the benchmarks' environment, corpus, DNS
#   aw_bench_conf DIR MODE               # the benchmarks' authweight.conf (off, native, rspamd, floor)
#   aw_bench_prepare MODE DIR            # aw_rspamd_prepare for the benchmark instance of MODE
#   aw_sa_plugin_conf DIR                # SpamAssassin's authweight.pre and .cf from the tree
#   aw_bench_sa_messages CORPUS DIR      # the corpus as the MTA hands it to SpamAssassin
#   aw_bench_sa_conf DIR MODE            # the SpamAssassin benchmarks' site config (off, on)
#   aw_env_stop                          # also run by the trap, on any exit
#
# Every process started here is stopped by aw_env_stop, on success and on
# failure (EXIT/INT/TERM trap), with bounded waits; a watchdog stops them
# too if the calling shell is killed outright (ctest's timeout).

AW_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
AW_LIB=$AW_SRC/tests/integration/lib
AW_PIDS=()
AW_PYTHON=/usr/bin/python3
[ -x "$AW_PYTHON" ] || AW_PYTHON=python3

aw_log() { printf 'authweight-env: %s\n' "$*" >&2; }
aw_die() { aw_log "$*"; exit 1; }

# A free TCP/UDP port on 127.0.0.1 (the kernel picks; both protocols free).
aw_free_port() {
  "$AW_PYTHON" - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break
EOF
}

aw_env_init() {
  AW_DIR=$1
  AW_BUILD=$2
  rm -rf "$AW_DIR"
  mkdir -p "$AW_DIR/results" "$AW_DIR/run" "$AW_DIR/log" "$AW_DIR/db" "$AW_DIR/dns"
  AW_ZONE2UNBOUND=${AW_ZONE2UNBOUND:-$AW_BUILD/zone2unbound}
  # The hyperscan cache outlives one test: compiling rspamd's URL and
  # regexp databases takes tens of seconds, loading them a second.
  AW_HS_CACHE=${AW_HS_CACHE:-$AW_BUILD/tests/integration-hs-cache}
  mkdir -p "$AW_HS_CACHE"
  trap 'aw_env_stop' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Watchdog: if this shell dies without running its trap (SIGKILL), stop
  # what it started. It reads the pid files, so it sees later starts too.
  local parent=$$
  (
    trap '' INT HUP
    while kill -0 "$parent" 2>/dev/null; do sleep 1; done
    for f in "$AW_DIR"/run/*.pid; do
      [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    sleep 3
    for f in "$AW_DIR"/run/*.pid; do
      [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
    done
  ) </dev/null >/dev/null 2>&1 &
  AW_WATCHDOG=$!
}

# Add one record to a zone file (DESIGN.md's format): aw_zone_add ZONE NAME TYPE VALUE
aw_zone_add() {
  "$AW_PYTHON" - "$@" <<'EOF'
import json, sys
path, name, rtype, value = sys.argv[1:]
with open(path) as f:
    zone = json.load(f)
zone.setdefault(name, []).append([rtype, value])
with open(path, "w") as f:
    json.dump(zone, f, indent=1)
EOF
}

# The directives both scenario runners share (tests/integration and
# tests/spamassassin run_scenario.sh): making keys, signatures, seals and
# messages in WORK (its keys/ and zone.json); FIND is the runner's function
# that finds a message in WORK or the scenario. Returns 1 for any other
# directive, which is the runner's.
aw_message_directive() { # WORK FIND DIRECTIVE ARGS...
  local work=$1 find=$2 record
  shift 2
  local w=("$@")
  case "${w[0]}" in
  dkim)
    record=$("$AW_PYTHON" "$AW_LIB/dkim_sign.py" keygen "$work/keys/${w[1]}_${w[2]}.pem" ${w[3]:+"${w[3]}"})
    aw_zone_add "$work/zone.json" "${w[2]}._domainkey.${w[1]}" TXT "$record"
    ;;
  sign)
    "$AW_PYTHON" "$AW_LIB/dkim_sign.py" sign "$work/keys/${w[3]}_${w[4]}.pem" "${w[3]}" "${w[4]}" \
      <"$("$find" "${w[2]}")" >"$work/${w[1]}"
    ;;
  footer)
    { cat "$("$find" "${w[2]}")"; printf '%s\n' "${w[*]:3}"; } >"$work/${w[1]}"
    ;;
  arc)
    "$AW_PYTHON" "$AW_LIB/dkim_sign.py" arc "$work/keys/${w[3]}_${w[4]}.pem" "${w[3]}" "${w[4]}" "${w[5]}" \
      "${w[*]:6}" <"$("$find" "${w[2]}")" >"$work/${w[1]}"
    ;;
  gen)
    "$AW_PYTHON" "$AW_LIB/gen_message.py" "${w[2]}" >"$work/${w[1]}"
    ;;
  *) return 1 ;;
  esac
}

# The contract's authentication-derived symbols, from the module itself
# (lib/check.py's trust-budget check).
aw_auth_derived() { # BUILD_DIR
  LUA_CPATH="$1/lua/5.1/?.so;;" luajit -e '
    for _, s in ipairs(require("cjson").decode(require("authweight_core").symbols())) do
      if s.auth_derived then print(s.name) end
    end'
}

# The end of a scenario (both runners): lib/check.py over the answers in
# WORK/results against EXPECTATIONS (expectations without any scan fail),
# then one line with the verdict and the seconds since STARTED. FAILURES
# is what the runner counted on the way; returns non-zero on failure.
aw_scenario_end() { # NAME STARTED FAILURES WORK EXPECTATIONS
  local failures=$3 work=$4
  if [ -n "$(ls -A "$work/results")" ]; then
    "$AW_PYTHON" "$AW_LIB/check.py" "$work/results" "$work/config.json" "$work/auth_derived.txt" "$5" ||
      failures=$((failures + 1))
  elif [ -s "$5" ]; then
    echo "FAILED expectations without scans"
    failures=$((failures + 1))
  fi
  if [ "$failures" = 0 ]; then echo "scenario $1: passed ($(($(date +%s) - $2)) s)"; else echo "scenario $1: FAILED ($(($(date +%s) - $2)) s)"; fi
  [ "$failures" = 0 ]
}

# The load corpus of lib/corpus.py in DIR (COUNT messages, facts.jsonl,
# zone.json), its DKIM-signed messages signed in place with one key per
# signing domain (kept in $AW_DIR/keys), whose record goes into the zone.
aw_corpus_make() { # DIR COUNT
  local dir=$1 count=$2 file domain selector key record
  local -A have_key=()
  "$AW_PYTHON" "$AW_LIB/corpus.py" "$dir" "$count"
  mkdir -p "$AW_DIR/keys"
  while read -r file domain selector; do
    [ -n "${file:-}" ] || continue
    key=$AW_DIR/keys/${domain}_$selector.pem
    if [ -z "${have_key[$domain]:-}" ]; then
      record=$("$AW_PYTHON" "$AW_LIB/dkim_sign.py" keygen "$key")
      aw_zone_add "$dir/zone.json" "$selector._domainkey.$domain" TXT "$record"
      have_key[$domain]=1
    fi
    "$AW_PYTHON" "$AW_LIB/dkim_sign.py" sign "$key" "$domain" "$selector" <"$dir/msgs/$file" >"$dir/msgs/$file.signed"
    mv "$dir/msgs/$file.signed" "$dir/msgs/$file"
  done <"$dir/sign.txt"
}

# Start a process in the background, remember its pid under a name.
aw_spawn() {
  local name=$1
  shift
  "$@" >"$AW_DIR/log/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$AW_DIR/run/$name.pid"
  AW_PIDS+=("$pid")
}

aw_stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  aw_log "process $pid did not stop in 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 0
}

aw_env_stop() {
  local i
  # Newest first: rspamd before the DNS server it uses.
  for ((i = ${#AW_PIDS[@]} - 1; i >= 0; i--)); do
    aw_stop_pid "${AW_PIDS[$i]}"
    wait "${AW_PIDS[$i]}" 2>/dev/null || true
  done
  AW_PIDS=()
  rm -f "$AW_DIR"/run/*.pid 2>/dev/null
  if [ -n "${AW_WATCHDOG:-}" ]; then
    kill "$AW_WATCHDOG" 2>/dev/null || true
    wait "$AW_WATCHDOG" 2>/dev/null || true
    AW_WATCHDOG=
  fi
  return 0
}

# ---- DNS ---------------------------------------------------------------------

aw_dns_start() {
  local zone=$1 i
  AW_DNS_PORT=$(aw_free_port)
  [ -n "$AW_DNS_PORT" ] || aw_die "no free port for the DNS server"
  "$AW_ZONE2UNBOUND" "$zone" "$AW_DNS_PORT" "$AW_DIR/dns" >"$AW_DIR/dns/unbound.conf" ||
    aw_die "zone2unbound failed for $zone"
  aw_spawn unbound unbound -d -c "$AW_DIR/dns/unbound.conf"
  for i in $(seq 1 100); do
    if "$AW_PYTHON" "$AW_SRC/tests/integration/lib/dnsq.py" 127.0.0.1 "$AW_DNS_PORT" \
      authweight-ready.invalid A 0.2 >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "${AW_PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$AW_DIR/log/unbound.out" >&2
  aw_die "unbound did not start"
}

# ---- Redis --------------------------------------------------------------------------

# A redis-server on a free loopback port, nothing saved: AW_REDIS_PORT.
aw_redis_start() {
  command -v redis-server >/dev/null || aw_die "redis-server is not installed (tests/lib/deps.sh)"
  AW_REDIS_PORT=$(aw_free_port)
  [ -n "$AW_REDIS_PORT" ] || aw_die "no free port for redis-server"
  aw_spawn redis redis-server --port "$AW_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$AW_DIR"
  for _ in $(seq 1 50); do
    redis-cli -p "$AW_REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  aw_die "redis-server did not start"
}

# ---- rspamd ----------------------------------------------------------------------

# Build the private LOCAL_CONFDIR: the given local.d directories (copied in
# order, later ones win), then the test plumbing: loopback ports, the DNS
# server, the hyperscan cache, no proxy or fuzzy worker, and the plugin
# and its modules.d file from the source tree.
# Where the rspamd of AW_RSPAMD_TAG keeps its files.
aw_rspamd_home() {
  if [ -n "${AW_RSPAMD_TAG:-}" ]; then echo "$AW_DIR/$AW_RSPAMD_TAG"; else echo "$AW_DIR"; fi
}

aw_rspamd_prepare() {
  local conf d f
  conf=$(aw_rspamd_home)/conf
  mkdir -p "$conf/local.d" "$conf/override.d"
  for d in "$@"; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
      [ -e "$f" ] && cp -R "$f" "$conf/local.d/"
    done
  done
  AW_RSPAMD_PORT=$(aw_free_port)
  AW_CONTROLLER_PORT=$(aw_free_port)
  [ -n "$AW_RSPAMD_PORT" ] && [ -n "$AW_CONTROLLER_PORT" ] || aw_die "no free ports for rspamd"
  {
    echo "# written by tests/integration/lib/env.sh"
    echo "disable_hyperscan = true;"
    echo "hs_cache_dir = \"$AW_HS_CACHE\";"
    # rspamd 3.4 caches HTTP maps in its compiled-in DBDIR, not --var DBDIR
    echo "maps_cache_dir = \"$(aw_rspamd_home)/db\";"
    echo "dns { nameserver = [\"127.0.0.1:$AW_DNS_PORT\"]; timeout = 1s; retransmits = 1; }"
    echo "upstream { max_errors = 100000; error_time = 1; dead_time = 1; }"
    echo "map_watch_interval = ${AW_MAP_WATCH:-2s};"
    [ -f "$conf/local.d/options.inc.extra" ] && cat "$conf/local.d/options.inc.extra"
  } >"$conf/local.d/options.inc"
  printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$AW_RSPAMD_PORT" >"$conf/override.d/worker-normal.inc"
  printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$AW_CONTROLLER_PORT" >"$conf/override.d/worker-controller.inc"
  # The proxy and fuzzy workers are off, but rspamd still parses their
  # stock bind lines and the proxy's upstream, which name localhost: that
  # fails where no /etc/hosts does (a fresh debootstrap root).
  printf 'enabled = false;\nbind_socket = "127.0.0.1:11332";\nupstream "local" { default = yes; hosts = "127.0.0.1:11333"; }\n' \
    >"$conf/override.d/worker-proxy.inc"
  printf 'enabled = false;\nbind_socket = "127.0.0.1:11335";\n' >"$conf/override.d/worker-fuzzy.inc"
  # Modules that only reach out to the Internet, or need Redis, are off,
  # except those named in AW_RSPAMD_KEEP_MODULES (the benchmark keeps the
  # DNS-only ones: the local DNS server answers whatever it has no zone
  # for with NXDOMAIN, so they cost what they cost and reach nothing).
  for f in rbl surbl fuzzy_check phishing asn url_redirector neural reputation \
    ratelimit greylist replies history_redis clickhouse elastic emails dcc; do
    case " ${AW_RSPAMD_KEEP_MODULES:-} " in *" $f "*) continue ;; esac
    [ -e "$conf/override.d/$f.conf" ] || echo 'enabled = false;' >"$conf/override.d/$f.conf"
  done
  # The plugins where the package puts them, among rspamd's own, so that
  # rspamd loads them in the same (alphabetical) order: authweight_selectors
  # before multimap, ratelimit and settings, which compile their selectors
  # as they load. AW_PLUGIN: another plugin in authweight.lua's place
  # (tests/bench/symbols_floor.lua).
  mkdir -p "$conf/plugins"
  for f in /usr/share/rspamd/plugins/*.lua; do
    ln -sf "$f" "$conf/plugins/"
  done
  ln -sf "${AW_PLUGIN:-$AW_SRC/lua/authweight.lua}" "$conf/plugins/authweight.lua"
  ln -sf "$AW_SRC/lua/authweight_selectors.lua" "$conf/plugins/authweight_selectors.lua"
  printf '.include "%s/lua/authweight.conf"\n' "$AW_SRC" >"$conf/rspamd.conf.local"
  AW_CONF=$conf
}

aw_rspamd_start() {
  local i home
  home=$(aw_rspamd_home)
  mkdir -p "$home/run/rspamd" "$home/db" "$home/log"
  # LuaJIT reads LUA_PATH/LUA_CPATH; rspamd appends its own paths to them.
  aw_spawn "rspamd${AW_RSPAMD_TAG:-}" env \
    LUA_PATH="$AW_SRC/lua/lib/?.lua;;" \
    LUA_CPATH="$AW_BUILD/lua/5.1/?.so;;" \
    rspamd -f -u root -g root -i -c /etc/rspamd/rspamd.conf \
    --var LOCAL_CONFDIR="$home/conf" --var DBDIR="$home/db" --var PLUGINSDIR="$home/conf/plugins" \
    --var RUNDIR="$home/run/rspamd" --var LOGDIR="$home/log"
  for i in $(seq 1 1800); do
    if aw_rspamd_ping; then
      return 0
    fi
    kill -0 "${AW_PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 50 "$AW_DIR/log/rspamd${AW_RSPAMD_TAG:-}.out" "$home/log/rspamd.log" >&2 2>/dev/null || true
  aw_die "rspamd did not start"
}

# GET /ping through bash's /dev/tcp: no HTTP client needed.
aw_http_ping() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /ping HTTP/1.0\r\n\r\n" >&3
    grep -q "^pong" <&3' _ "$1" 2>/dev/null
}

aw_rspamd_ping() {
  aw_http_ping "$AW_RSPAMD_PORT"
}

# Scan a message; key=value facts become rspamd request headers.
aw_scan() {
  local name=$1 msg=$2 kv k v
  shift 2
  local args=(-h "127.0.0.1:$AW_RSPAMD_PORT" -t 30 -j)
  for kv in "$@"; do
    k=${kv%%=*}
    v=${kv#*=}
    case "$k" in
    ip) args+=(--ip "$v") ;;
    helo) args+=(--helo "$v") ;;
    hostname) args+=(--hostname "$v") ;;
    from) args+=(--from "${v:-<>}") ;;
    rcpt) args+=(--rcpt "$v") ;;
    user) args+=(--user "$v") ;;
    tls_version) args+=(--header "TLS-Version=$v") ;;
    tls_cipher) args+=(--header "TLS-Cipher=$v") ;;
    *) aw_die "aw_scan: unknown fact '$k'" ;;
    esac
  done
  rspamc "${args[@]}" <"$msg" >"$AW_DIR/results/$name.json" 2>"$AW_DIR/results/$name.err"
}

# Lua errors rspamd logged (none expected).
aw_lua_errors() {
  # rspamd reports a failing Lua call as "call to ... failed" or "init of
  # ... failed", with a "trace: [1]:{...}" of the Lua stack.
  grep -hiE "call to .* failed|init of .* failed|load of .* failed|trace: \[|stack traceback|lua error" \
    "$AW_DIR/log/rspamd.log" "$AW_DIR/log/rspamd.out" 2>/dev/null || true
}

# ---- benchmarks ------------------------------------------------------------------

# The start of tests/bench/rspamd_*.sh: the environment in WORKDIR for the
# tree built in BUILD_DIR, the corpus of COUNT messages in WORKDIR/corpus,
# and the DNS server serving its zone. The auth_source = "rspamd" instance
# records its symbols in AW_BENCH_SYMBOLS (lib/load.py --record) for the
# floor instance (tests/bench/symbols_floor.lua) to insert.
aw_bench_start() { # WORKDIR BUILD_DIR COUNT
  [ -f "$2/lua/5.1/authweight_core.so" ] && [ -x "$2/zone2unbound" ] ||
    aw_die "build $2 first (targets authweight_lua51 and zone2unbound)"
  aw_env_init "$1" "$2"
  aw_corpus_make "$1/corpus" "$3"
  aw_dns_start "$1/corpus/zone.json"
  AW_BENCH_SYMBOLS=$1/symbols.json
}

# The benchmarks' local.d/authweight.conf in DIR: authweight disabled (off),
# the floor's recorded symbols (floor), or enabled with the corpus's
# whitelist and protected domain and MODE as auth_source (native, rspamd).
aw_bench_conf() { # DIR MODE
  mkdir -p "$1"
  if [ "$2" = off ]; then
    echo 'enabled = false;' >"$1/authweight.conf"
  elif [ "$2" = floor ]; then
    printf 'bench_symbols = "%s";\n' "$AW_BENCH_SYMBOLS" >"$1/authweight.conf"
  else
    printf 'whitelist = ["alice@org00.example", "@org03.example", "*.org09.example"];\nprotected_domains = ["bank.example"];\nauth_source = "%s";\n' \
      "$2" >"$1/authweight.conf"
  fi
}

# aw_rspamd_prepare for the benchmark instance of MODE (its tag), with
# local.d from DIR: the floor loads tests/bench/symbols_floor.lua in the
# plugin's place, once the auth_source = "rspamd" instance has recorded
# its symbols (without them it would measure like the disabled instance).
aw_bench_prepare() { # MODE DIR
  local plugin=$AW_SRC/lua/authweight.lua
  if [ "$1" = floor ]; then
    plugin=$AW_SRC/tests/bench/symbols_floor.lua
    [ -s "$AW_BENCH_SYMBOLS" ] ||
      aw_die "the auth_source = \"rspamd\" instance recorded no symbols in $AW_BENCH_SYMBOLS"
  fi
  AW_PLUGIN=$plugin AW_RSPAMD_TAG=$1 aw_rspamd_prepare "$2"
}

# ---- SpamAssassin ----------------------------------------------------------------

# The plugin's authweight.pre (loading the module from the tree) and
# authweight.cf in the site configuration DIR.
aw_sa_plugin_conf() { # DIR
  sed "s|^loadplugin Mail::SpamAssassin::Plugin::AuthWeight\$|& $AW_SRC/plugin/spamassassin/Mail/SpamAssassin/Plugin/AuthWeight.pm|" \
    "$AW_SRC/plugin/spamassassin/authweight.pre" >"$1/authweight.pre"
  cp "$AW_SRC/plugin/spamassassin/authweight.cf" "$1/"
}

# The benchmark corpus (aw_bench_start's WORKDIR/corpus) in DIR as the
# receiving MTA hands it on to SpamAssassin: Return-Path and a Postfix
# Received header from the corpus's facts, then the message.
aw_bench_sa_messages() { # CORPUS DIR
  mkdir -p "$2"
  "$AW_PYTHON" - "$1" "$2" <<'EOF'
import json, os, sys
corpus, out = sys.argv[1:]
for line in open(os.path.join(corpus, "facts.jsonl")):
    f = json.loads(line)
    h = f["headers"]
    using = ""
    if h.get("TLS-Version"):
        using = "\n\t(using %s with cipher %s (256/256 bits))" % (h["TLS-Version"], h.get("TLS-Cipher", "UNKNOWN"))
    head = ("Return-Path: <%s>\nReceived: from %s (%s [%s])%s\n\tby mx.recipient.example (Postfix) with %s id 4Q8b\n"
            "\tfor <%s>; Thu, 26 Nov 2026 12:00:00 +0000\n"
            % (h["From"], h["Helo"], h.get("Hostname") or "unknown", h["IP"], using,
               "ESMTPS" if using else "ESMTP", h["Rcpt"]))
    with open(os.path.join(corpus, "msgs", f["file"]), "rb") as src, open(os.path.join(out, f["file"]), "wb") as dst:
        dst.write(head.encode() + src.read())
EOF
}

# The SpamAssassin benchmarks' site configuration in DIR (made afresh):
# Debian's .pre files, the DNS server (aw_dns_start) as dns_server, no
# RBL, no Bayes; for MODE on, authweight too, with the corpus's whitelist
# and protected domain and its reputation store in DIR/db (where spamd's
# user, nobody, may write).
aw_bench_sa_conf() { # DIR MODE
  local conf=$1
  rm -rf "$conf"
  mkdir -p "$conf"
  cp /etc/spamassassin/*.pre "$conf/"
  {
    echo "dns_server 127.0.0.1:$AW_DNS_PORT"
    echo "dns_available yes"
    echo "trusted_networks 127.0.0.1"
    echo "skip_rbl_checks 1"
    echo "use_bayes 0"
    echo "bayes_auto_learn 0"
  } >"$conf/local.cf"
  if [ "$2" = on ]; then
    aw_sa_plugin_conf "$conf"
    printf 'authweight_whitelist alice@org00.example @org03.example *.org09.example\nauthweight_protected_domains bank.example\n' \
      >>"$conf/local.cf"
    mkdir -p "$conf/db" && chown nobody "$conf/db"
    echo "authweight_reputation_lmdb_path $conf/db/reputation.mdb" >>"$conf/local.cf"
  fi
  chmod -R a+rX "$conf"
}
