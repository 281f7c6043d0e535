# shellcheck shell=bash
# The Debian 12 packages authweight needs, in one place: sourced by
# tests/run.sh and examples/demo.sh.

# Build and run time: what a build without tests or benchmarks needs.
AUTHWEIGHT_BUILD_PACKAGES=(
  build-essential cmake pkg-config
  libssl-dev libspf2-dev libopendkim-dev libmsgpack-dev liblmdb-dev libhiredis-dev
  liblua5.4-dev lua5.4 libluajit-5.1-dev luajit
  libidn2-dev libpsl-dev publicsuffix libicu-dev nlohmann-json3-dev
)
# examples/demo.sh, besides the build: the rspamd it scans with, unbound
# serving its zone, python3 for the helpers of tests/integration/lib/env.sh
# (free ports, the DNS readiness probe) and jq for its table.
AUTHWEIGHT_DEMO_PACKAGES=(
  rspamd unbound python3 jq
)
# Tests only.
AUTHWEIGHT_TEST_PACKAGES=(
  cpputest python3 libbenchmark-dev
  libyaml-cpp-dev
  # The Lua modules' tests and examples/lua54/score.lua: the module takes
  # and gives JSON text, which lua-cjson encodes and decodes there.
  lua-cjson
  # The .deb and its test (tests/package): cpack's dpkg-shlibdeps and file,
  # lintian, and the rspamd and DNS server it is exercised with.
  dpkg-dev file lintian rspamd unbound
  # Reputation: the Redis backend's integration test starts its own redis-server.
  redis-server
  # The rspamd plugin's integration tests (tests/integration): rspamd with
  # rspamc and rspamadm, unbound as the DNS server, openssl for DKIM keys
  # and signatures made at test time.
  rspamd unbound openssl
  # End to end through a real MTA (tests/e2e): Postfix with its own config
  # directory, and swaks as the SMTP client; swaks needs Net::SSLeay for
  # STARTTLS (only a Recommends, and recommends are not installed).
  postfix swaks libnet-ssleay-perl
  # The SpamAssassin plugin (tests/spamassassin): SpamAssassin 4, and
  # FFI::Platypus, through which the plugin calls libauthweight.
  # spamassassin's postinst imports its update key with gpg when gpg is
  # there, and fails without gpg-agent (only a Recommends, via gnupg).
  spamassassin libffi-platypus-perl gpg-agent
)
# Fuzzing only (tests/fuzz.sh, not tests/run.sh): libFuzzer needs clang, and
# Debian 12's clang-14 cannot read libstdc++ 12's <expected>.
AUTHWEIGHT_FUZZ_PACKAGES=(
  clang-19 libclang-rt-19-dev
)

# Install the packages given that are not installed yet. apt-get update runs
# first, and only when something is missing, so a warm machine starts at once.
authweight_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "authweight: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    return 1
  fi
  echo "authweight: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks for a mail configuration on install: none. The tests run
  # their own instance from a private config directory; the system one is
  # neither configured nor started (the policy-rc.d below).
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  # Packages such as rspamd, unbound and redis-server start their system
  # service on install; the tests start their own on loopback instead. A
  # policy-rc.d that denies starts is put in place only if none exists.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  return "$rc"
}
