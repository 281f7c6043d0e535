#!/usr/bin/env bash
# The .deb, end to end, as a Debian admin meets it:
#   build it (tests/package/build-deb.sh), lintian (no E: allowed),
#   dpkg -i, check DESIGN.md's installed layout, run the Lua 5.4 example on
#   the INSTALLED module, start rspamd from the stock /etc/rspamd with only a
#   private LOCAL_CONFDIR written here (loopback ports, a DNS server on
#   loopback), rspamadm configtest, scan messages and see AUTHW_* symbols,
#   stop rspamd; lint and scan with SpamAssassin from the stock
#   /etc/spamassassin; dpkg --purge, and check that nothing is left.
#
#   package_test.sh SOURCE_DIR BUILD_DIR
#
# BUILD_DIR is the ctest build tree: the package is built in BUILD_DIR/package
# (prefix /usr, incremental across runs), and BUILD_DIR/zone2unbound,
# when built, serves examples/messages/zone.json to rspamd.
#
# Needs root (dpkg). Without it, or when authweight is already installed
# here, or files of the package already exist, it prints why and exits 77
# (ctest: skipped). It never touches a system rspamd service or /etc/rspamd
# (checked: /etc/rspamd is the same before and after), and it stops what it
# started and purges the package on failure too.
set -euo pipefail
SKIP=77
top=$(cd "${1:?usage: package_test.sh SOURCE_DIR BUILD_DIR}" && pwd)
build=$(cd "${2:?usage: package_test.sh SOURCE_DIR BUILD_DIR}" && pwd)
pkgbuild=$build/package
python=/usr/bin/python3
[ -x "$python" ] || python=python3

say() { printf 'package: %s\n' "$*"; }
fail() {
  printf 'package: FAIL: %s\n' "$*" >&2
  exit 1
}
skip() {
  printf 'package: SKIPPED: %s\n' "$*"
  exit "$SKIP"
}

[ "$(id -u)" = 0 ] || skip "installing and purging the .deb needs root; run tests/run.sh as root"
for tool in dpkg dpkg-deb dpkg-buildflags dpkg-shlibdeps file lintian rspamd rspamadm rspamc unbound lua5.4 luajit cc pkg-config readelf ldconfig spamassassin; do
  command -v "$tool" >/dev/null || fail "$tool is missing (tests/lib/deps.sh lists its package; tests/run.sh installs it)"
done
# The packages of cmake/packaging.cmake: the rspamd plugin, the library, its
# -dev, the SpamAssassin plugin.
packages=(authweight libauthweight0 libauthweight-dev authweight-spamassassin)
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
  *installed* | *config-files* | *unpacked* | *half*)
    skip "$pkg is already known to dpkg here ($status); the test installs and purges its own copy and will not touch that one"
    ;;
  esac
done

work=$(mktemp -d /tmp/aw-pkgtest.XXXXXX)
installed=0
pids=()

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[$i]}"; done
  pids=()
}
cleanup() {
  local rc=$?
  stop_all
  if [ "$installed" = 1 ]; then
    say "cleanup: purging the packages"
    dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
  fi
  if [ "$rc" != 0 ] && [ "$rc" != "$SKIP" ]; then
    for f in "$work"/log/rspamd.log "$work"/log/rspamd.out "$work"/log/unbound.out; do
      [ -s "$f" ] && { echo "--- tail of $f"; tail -40 "$f"; }
    done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work/log" "$work/db" "$work/run" "$work/dns" "$work/conf/local.d" "$work/results"
snapshot_etc() {
  find /etc/rspamd /etc/spamassassin -xdev \( -type f -o -type l \) -print0 2>/dev/null | sort -z | xargs -0r sha256sum
  find /etc/rspamd /etc/spamassassin -xdev -type d 2>/dev/null | sort
}
snapshot_etc >"$work/etc-before"

# ---- build and lint -----------------------------------------------------------
say "building the .debs in $pkgbuild"
if ! "$top/tests/package/build-deb.sh" "$pkgbuild" >"$work/log/build.out" 2>&1; then
  tail -40 "$work/log/build.out" >&2
  fail "build-deb.sh failed"
fi
mapfile -t debs < <(tail -4 "$work/log/build.out")
[ "${#debs[@]}" = 4 ] || fail "build-deb.sh did not name four .debs"
for i in 0 1 2 3; do
  case "$(basename "${debs[$i]}")" in "${packages[$i]}"_*_amd64.deb | "${packages[$i]}"_*_all.deb) ;; *) fail "no .deb of ${packages[$i]} (${debs[$i]})" ;; esac
  [ -f "${debs[$i]}" ] || fail "no .deb (${debs[$i]})"
  say "built $(basename "${debs[$i]}") ($(stat -c %s "${debs[$i]}") bytes)"
  dpkg-deb -f "${debs[$i]}" Package Version Architecture Depends Section Priority | sed 's/^/package:   /'
done
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
case "$depends" in *"rspamd (>= 3.4)"*) ;; *) fail "Depends lacks rspamd (>= 3.4): $depends" ;; esac
case "$depends" in *"libauthweight0 (= $version)"*) ;; *) fail "Depends lacks libauthweight0 (= $version): $depends" ;; esac
depends=$(dpkg-deb -f "${debs[1]}" Depends)
case "$depends" in *libc6*) ;; *) fail "libauthweight0 lacks the shared libraries (dpkg-shlibdeps did not run?): $depends" ;; esac
dpkg-deb --ctrl-tarfile "${debs[1]}" | tar -xO ./shlibs | grep -qx "libauthweight 0 libauthweight0 (>= $version)" ||
  fail "libauthweight0 has no shlibs line for libauthweight.so.0"
dpkg-deb --ctrl-tarfile "${debs[1]}" | tar -xO ./triggers | grep -qx "activate-noawait ldconfig" ||
  fail "libauthweight0 does not trigger ldconfig"
# Neither framework pulls in the other.
case "$(dpkg-deb -f "$deb" Depends)" in *spamassassin*) fail "authweight depends on SpamAssassin" ;; esac
depends=$(dpkg-deb -f "${debs[3]}" Depends)
case "$depends" in *rspamd*) fail "authweight-spamassassin depends on rspamd: $depends" ;; esac
for dep in "libauthweight0 (= $version)" "spamassassin (>= 4.0)" libffi-platypus-perl; do
  case "$depends" in *"$dep"*) ;; *) fail "authweight-spamassassin's Depends lacks $dep: $depends" ;; esac
done

# DESIGN.md's installed layout, and what Debian wants beside it.
layout=(
  /usr/share/rspamd/plugins/authweight.lua
  /usr/share/rspamd/plugins/authweight_selectors.lua
  /usr/share/rspamd/lualib/authweight_common.lua
  /usr/share/rspamd/lualib/authweight_verdict.lua
  /usr/lib/x86_64-linux-gnu/lua/5.1/authweight_core.so
  /usr/lib/x86_64-linux-gnu/lua/5.4/authweight_core.so
  /etc/rspamd/modules.d/authweight.conf
  /usr/bin/authweight-check
  /usr/share/man/man1/authweight-check.1.gz
  /usr/share/doc/authweight/copyright
  /usr/share/doc/authweight/changelog.Debian.gz
  /usr/share/doc/authweight/examples/lua54/score.lua
  /usr/share/doc/authweight/examples/config.json
  /usr/share/doc/authweight/examples/rspamd/rspamd.local.lua
  /usr/share/doc/authweight/examples/rspamd/ratelimit.conf
  /usr/share/doc/authweight/examples/messages/zone.json
  /usr/share/authweight/schemas/authweight.schema.json
  /usr/lib/x86_64-linux-gnu/libauthweight.so.0
  /usr/share/doc/libauthweight0/copyright
  /usr/include/authweight.h
  /usr/include/authweight_version.h
  /usr/lib/x86_64-linux-gnu/pkgconfig/authweight.pc
  /usr/lib/x86_64-linux-gnu/libauthweight.so
  /usr/share/doc/libauthweight-dev/copyright
  /usr/share/perl5/Mail/SpamAssassin/Plugin/AuthWeight.pm
  /etc/spamassassin/authweight.pre
  /etc/spamassassin/authweight.cf
  /usr/share/doc/authweight-spamassassin/copyright
  /usr/share/doc/authweight-spamassassin/examples/local.cf
)
for d in "${debs[@]}"; do
  dpkg-deb --fsys-tarfile "$d" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^/\?$'
done | sort -u >"$work/deb-paths"
missing=0
for p in "${layout[@]}"; do
  grep -qxF "$p" "$work/deb-paths" || {
    say "  the .deb lacks $p (no install rule for it?)"
    missing=$((missing + 1))
  }
done
[ "$missing" = 0 ] || fail "$missing path(s) of the installed layout missing from the .deb"
say "the .deb holds the ${#layout[@]} paths of the layout ($(wc -l <"$work/deb-paths") paths in all)"

say "lintian ${packages[*]}"
lintian --tag-display-limit 0 "${debs[@]}" >"$work/lintian.out" 2>&1 || true
sed 's/^/package:   /' "$work/lintian.out"
if grep -q '^E:' "$work/lintian.out"; then
  fail "lintian reports errors"
fi
say "lintian: $(grep -c '^E:' "$work/lintian.out") errors, $(grep -c '^W:' "$work/lintian.out") warnings"

# ---- the machine before -----------------------------------------------------------
# Every path the package would create, and whether it is there already.
: >"$work/preexisting"
while IFS= read -r p; do
  if [ -e "$p" ] || [ -L "$p" ]; then echo "$p" >>"$work/preexisting"; fi
done <"$work/deb-paths"
while IFS= read -r p; do
  [ -d "$p" ] && [ ! -L "$p" ] && continue
  skip "$p already exists (an earlier cmake --install to /usr?); remove it first, the test will not overwrite it"
done <"$work/preexisting"

# ---- install -------------------------------------------------------------------------
say "dpkg -i ${packages[*]}"
installed=1
dpkg -i "${debs[@]}" >"$work/log/dpkg-install.out" 2>&1 || {
  cat "$work/log/dpkg-install.out" >&2
  fail "dpkg -i failed"
}
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$pkg" | grep -q '^install ok installed$' || fail "dpkg does not list $pkg as installed"
done
dpkg -L "${packages[@]}" | sort -u >"$work/dpkg-L"

missing=0
for p in "${layout[@]}"; do
  if [ -e "$p" ] && grep -qxF "$p" "$work/dpkg-L"; then
    say "  ok  $p"
  else
    say "  MISSING $p"
    missing=$((missing + 1))
  fi
done
[ "$missing" = 0 ] || fail "$missing path(s) of the installed layout missing"
conffiles=$(dpkg-query -W -f='${Conffiles}' authweight)
case "$conffiles" in
*/etc/rspamd/modules.d/authweight.conf*) say "  conffile /etc/rspamd/modules.d/authweight.conf" ;;
*) fail "modules.d/authweight.conf is not a conffile: '$conffiles'" ;;
esac
for d in local.d override.d; do
  grep -q "\\\$LOCAL_CONFDIR/$d/authweight.conf" /etc/rspamd/modules.d/authweight.conf ||
    fail "modules.d/authweight.conf does not include \$LOCAL_CONFDIR/$d/authweight.conf"
done
conffiles=$(dpkg-query -W -f='${Conffiles}' authweight-spamassassin)
for f in /etc/spamassassin/authweight.pre /etc/spamassassin/authweight.cf; do
  case "$conffiles" in *"$f"*) say "  conffile $f" ;; *) fail "$f is not a conffile: '$conffiles'" ;; esac
done
/usr/bin/authweight-check --version >/dev/null || fail "authweight-check --version"
# The library: known to the dynamic linker (the ldconfig trigger ran), and
# usable from C through its pkg-config file, the -dev package's promise.
# (merged /usr: ldconfig may name it under /lib)
ldconfig -p | grep -Eq 'libauthweight\.so\.0 \(libc6,x86-64\) => (/usr)?/lib/x86_64-linux-gnu/libauthweight\.so\.0$' ||
  fail "ldconfig does not know libauthweight.so.0"
readelf -d /usr/lib/x86_64-linux-gnu/lua/5.4/authweight_core.so | grep -qF '[libauthweight.so.0]' ||
  fail "the Lua 5.4 module does not link libauthweight.so.0"
cat >"$work/hello.c" <<'EOF'
#include <authweight.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    authweight_ctx *ctx = NULL;
    char *err = NULL;
    if (authweight_ctx_new(NULL, 0, &ctx, &err) != AUTHWEIGHT_OK)
        return 1;
    authweight_ctx_free(ctx);
    printf("%s\n", authweight_version());
    return strcmp(authweight_version(), AUTHWEIGHT_VERSION_STRING) != 0;
}
EOF
# shellcheck disable=SC2046
cc -o "$work/hello" "$work/hello.c" $(pkg-config --cflags --libs authweight) ||
  fail "a C program does not build with pkg-config authweight"
got=$("$work/hello") || fail "a C program linked with -lauthweight fails"
[ "$got" = "$(pkg-config --modversion authweight)" ] ||
  fail "libauthweight says version $got, pkg-config $(pkg-config --modversion authweight)"
say "  libauthweight.so.0: ldconfig knows it; a C program built with pkg-config authweight runs ($got)"
zcat /usr/share/man/man1/authweight-check.1.gz | grep -q '^\.TH AUTHWEIGHT-CHECK 1' || fail "man page"

# ---- the upgrade path --------------------------------------------------------------
# local.d/override.d are the admin's: the package must ship nothing there.
if grep -E '^/etc/rspamd/(local|override)\.d(/|$)' "$work/deb-paths"; then
  fail "the package ships files in local.d/override.d (above)"
fi
# An admin edits the conffile, then upgrades to a version whose defaults
# changed: dpkg keeps the edit (here --force-confold answers its question)
# and leaves the new defaults beside it as .dpkg-dist.
new_version="${version}+upgradetest1"
dpkg --compare-versions "$new_version" gt "$version" || fail "$new_version is not newer than $version"
echo '# an admin edit (package test)' >>/etc/rspamd/modules.d/authweight.conf
dpkg-deb -R "$deb" "$work/repack"
sed -i "s/^Version: .*/Version: $new_version/" "$work/repack/DEBIAN/control"
echo '# new defaults (package test)' >>"$work/repack/etc/rspamd/modules.d/authweight.conf"
(cd "$work/repack" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$work/repack" "$work/upgrade.deb" >/dev/null
dpkg -i --force-confold "$work/upgrade.deb" >"$work/log/dpkg-upgrade.out" 2>&1 || {
  cat "$work/log/dpkg-upgrade.out" >&2
  fail "dpkg -i of the upgrade failed"
}
[ "$(dpkg-query -W -f='${Version}' authweight)" = "$new_version" ] || fail "the upgrade did not install"
grep -q '^# an admin edit (package test)$' /etc/rspamd/modules.d/authweight.conf ||
  fail "the upgrade overwrote the admin's edit of the conffile"
grep -q '^# new defaults (package test)$' /etc/rspamd/modules.d/authweight.conf.dpkg-dist ||
  fail "the upgrade did not leave the new defaults as .dpkg-dist"
say "upgrade $version -> $new_version: the admin's conffile edit is kept, new defaults in .dpkg-dist"
dpkg -L "${packages[@]}" | sort -u >"$work/dpkg-L"

# The installed modules, found on the default cpath of each interpreter.
unset LUA_PATH LUA_CPATH LUA_PATH_5_4 LUA_CPATH_5_4
got=$(lua5.4 -e 'io.write(package.searchpath("authweight_core", package.cpath) or "none")')
[ "$got" = /usr/lib/x86_64-linux-gnu/lua/5.4/authweight_core.so ] || fail "lua5.4 finds authweight_core at $got"
got=$(luajit -e 'local m = require "authweight_core"; io.write(m.version)') || fail "luajit cannot load the installed module"
say "  lua5.4 and luajit load the installed authweight_core ($got)"

say "examples/lua54/score.lua with lua5.4 and the installed module"
if ! "$top/tests/package/score_example.sh" lua5.4 /usr/bin/authweight-check \
  /usr/share/doc/authweight/examples >"$work/log/score_example.out" 2>&1; then
  sed 's/^/package:   /' "$work/log/score_example.out"
  fail "score.lua on the installed module"
fi
tail -1 "$work/log/score_example.out" | sed 's/^/package:   /'
(cd /usr/share/doc/authweight/examples && lua5.4 lua54/score.lua messages/friend-tls.eml) >"$work/score.txt" ||
  fail "score.lua as the README shows it"
grep -q '^verdict ' "$work/score.txt" || fail "score.lua printed no verdict"

# ---- rspamd from the stock /etc/rspamd ----------------------------------------------
free_port() {
  "$python" - <<'EOF'
import socket
for _ in range(50):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    u.close(); t.close(); print(port); break
EOF
}
dns_port=$(free_port)
normal_port=$(free_port)
controller_port=$(free_port)

# DNS on loopback: the project's zone reader serves examples/messages/zone.json
# through unbound (tests/integration); without zone2unbound, an unbound that
# answers NXDOMAIN for every name.
zone2unbound=$build/zone2unbound
full_zone=0
if [ -x "$zone2unbound" ]; then
  "$zone2unbound" "$top/examples/messages/zone.json" "$dns_port" "$work/dns" >"$work/dns/unbound.conf" ||
    fail "zone2unbound failed"
  full_zone=1
else
  say "no $zone2unbound: rspamd gets an unbound that answers NXDOMAIN for every name"
  cat >"$work/dns/unbound.conf" <<EOF
server:
  interface: 127.0.0.1
  port: $dns_port
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$work/dns"
  pidfile: ""
  use-syslog: no
  logfile: ""
  local-zone: "." static
remote-control:
  control-enable: no
EOF
fi
unbound -d -c "$work/dns/unbound.conf" >"$work/log/unbound.out" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 1 100); do
  if "$python" - "$dns_port" <<'EOF' 2>/dev/null; then
import random, socket, struct, sys
q = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + b"\x05ready\x07invalid\x00" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
s.sendto(q, ("127.0.0.1", int(sys.argv[1]))); s.recvfrom(512)
EOF
    ready=1
    break
  fi
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.1
done
[ "$ready" = 1 ] || fail "unbound did not start on 127.0.0.1:$dns_port"
say "DNS: unbound on 127.0.0.1:$dns_port"

# The test's LOCAL_CONFDIR: local.d only, merged over the stock config.
conf=$work/conf
cat >"$conf/local.d/options.inc" <<EOF
disable_hyperscan = true;
dns { nameserver = ["127.0.0.1:$dns_port"]; timeout = 1s; retransmits = 1; }
upstream { max_errors = 100000; error_time = 1; dead_time = 1; }
EOF
printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$normal_port" >"$conf/local.d/worker-normal.inc"
printf 'bind_socket = "127.0.0.1:%s";\ncount = 1;\n' "$controller_port" >"$conf/local.d/worker-controller.inc"
# Off, with loopback addresses: rspamd parses the stock bind lines and the
# proxy's upstream anyway, and they name localhost, which a system without
# /etc/hosts cannot resolve.
printf 'enabled = false;\nbind_socket = "127.0.0.1:11332";\nupstream "local" { default = yes; hosts = "127.0.0.1:11333"; }\n' \
  >"$conf/local.d/worker-proxy.inc"
printf 'enabled = false;\nbind_socket = "127.0.0.1:11335";\n' >"$conf/local.d/worker-fuzzy.inc"
# fuzzy_check resolves rspamd.com's servers with the system resolver.
echo 'enabled = false;' >"$conf/local.d/fuzzy_check.conf"
cat >"$conf/local.d/authweight.conf" <<'EOF'
# An admin's settings, merged over /etc/rspamd/modules.d/authweight.conf.
whitelist = ["friend@example.org"];
protected_domains = ["paypal.com"];
EOF
vars=(--var="LOCAL_CONFDIR=$conf" --var="DBDIR=$work/db" --var="RUNDIR=$work/run" --var="LOGDIR=$work/log")

say "rspamadm configtest (stock /etc/rspamd/rspamd.conf, LOCAL_CONFDIR=$conf)"
# rspamadm 3.4 takes --var before the command.
rspamadm "${vars[@]}" configtest -c /etc/rspamd/rspamd.conf >"$work/log/configtest.out" 2>&1 || {
  cat "$work/log/configtest.out" >&2
  fail "rspamadm configtest"
}
sed 's/^/package:   /' "$work/log/configtest.out" | tail -3
# configtest says "syntax OK" even when a plugin fails to load.
if grep -i 'authweight' "$work/log/configtest.out" | grep -iE 'fail|error|cannot|traceback'; then
  fail "rspamadm configtest: the plugin does not load (above)"
fi
rspamadm "${vars[@]}" configdump -c /etc/rspamd/rspamd.conf authweight >"$work/log/configdump.out" 2>&1 || true
grep -q 'friend@example.org' "$work/log/configdump.out" ||
  fail "configdump: local.d/authweight.conf is not merged into the authweight section"
say "  configdump authweight: the local.d whitelist is merged over modules.d"

say "starting rspamd on 127.0.0.1:$normal_port (controller $controller_port)"
rspamd -f -u root -g root -i -c /etc/rspamd/rspamd.conf "${vars[@]}" >"$work/log/rspamd.out" 2>&1 &
pids+=($!)
rspamd_pid=${pids[-1]}
up=0
# rspamc 3.4 has no ping command; the worker answers GET /ping itself.
for _ in $(seq 1 1200); do
  if "$python" -c 'import sys, urllib.request
sys.exit(urllib.request.urlopen("http://127.0.0.1:%s/ping" % sys.argv[1], timeout=1).read().strip() != b"pong")' \
    "$normal_port" 2>/dev/null; then
    up=1
    break
  fi
  kill -0 "$rspamd_pid" 2>/dev/null || break
  sleep 0.1
done
[ "$up" = 1 ] || fail "rspamd did not start"
# rspamd names the plugin file it loaded: the packaged one, not a tree's.
grep -F 'init lua module authweight from /usr/share/rspamd/plugins/authweight.lua' "$work/log/rspamd.log" |
  head -1 | cut -c1-200 | sed 's/^/package:   log: /' | grep . ||
  fail "rspamd did not load /usr/share/rspamd/plugins/authweight.lua"
if grep -i 'authweight' "$work/log/rspamd.log" | grep -iE 'disabl|cannot|error|traceback|failed'; then
  fail "rspamd logged authweight errors (above)"
fi

# scan NAME [rspamc options]: the JSON result in $work/results/NAME.json; the
# AUTHW_* symbols it carries, comma-separated, in NAME.syms, and rspamd's
# score and action in NAME.score.
scan() {
  local name=$1
  shift
  rspamc -h "127.0.0.1:$normal_port" -t 60 -j "$@" <"$top/examples/messages/$name.eml" \
    >"$work/results/$name.json" 2>"$work/results/$name.err" || {
    cat "$work/results/$name.err" >&2
    fail "rspamc $name"
  }
  "$python" - "$work/results/$name" <<'PY' || fail "rspamc $name: no JSON result"
import json, sys
base = sys.argv[1]
r = json.load(open(base + ".json"))
syms = r.get("symbols") or {}
open(base + ".syms", "w").write(",".join(sorted(k for k in syms if k.startswith("AUTHW_"))))
open(base + ".score", "w").write("rspamd score %.2f, action %s" % (r.get("score", 0), r.get("action")))
PY
}
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

scan friend-tls --ip 192.0.2.10 --helo mail.example.org --from friend@example.org \
  --header "TLS-Version=TLSv1.3" --header "TLS-Cipher=TLS_AES_256_GCM_SHA384"
friend=$(cat "$work/results/friend-tls.syms")
say "  friend-tls: $friend ($(cat "$work/results/friend-tls.score"))"
scan paypal-lookalike --ip 203.0.113.5 --helo mail.paypa1.com --from service@paypa1.com \
  --header "TLS-Version=TLSv1.3" --header "TLS-Cipher=TLS_AES_256_GCM_SHA384"
lookalike=$(cat "$work/results/paypal-lookalike.syms")
say "  paypal-lookalike: $lookalike ($(cat "$work/results/paypal-lookalike.score"))"
[ -n "$friend" ] || fail "the scan carries no AUTHW_* symbol: the plugin is not scoring"
has "$friend" AUTHW_TLS || fail "friend-tls: no AUTHW_TLS"
if [ "$full_zone" = 1 ]; then
  # The zone says example.org's SPF passes for 192.0.2.10, and local.d
  # whitelists the friend and protects paypal.com.
  has "$friend" AUTHW_SPF_PASS || fail "friend-tls: no AUTHW_SPF_PASS"
  has "$friend" AUTHW_WL_AUTH || fail "friend-tls: no AUTHW_WL_AUTH (local.d whitelist)"
  has "$lookalike" AUTHW_LOOKALIKE || fail "paypal-lookalike: no AUTHW_LOOKALIKE (local.d protected_domains)"
fi

# ---- SpamAssassin from the stock /etc/spamassassin -----------------------------
# The installed plugin, loaded by /etc/spamassassin/authweight.pre (the
# library from /usr/lib, found by its SONAME): --lint, then the look-alike
# through `spamassassin -t` on the same DNS server, as Postfix delivers it.
: >"$work/user_prefs"
spamassassin -L -p "$work/user_prefs" --lint >"$work/log/sa-lint.out" 2>&1 || {
  cat "$work/log/sa-lint.out" >&2
  fail "spamassassin --lint fails with authweight-spamassassin installed"
}
! grep -i authweight "$work/log/sa-lint.out" || fail "spamassassin --lint warns about authweight"
{
  printf 'Return-Path: <service@paypa1.com>\n'
  printf 'Received: from mail.paypa1.com (mail.paypa1.com [203.0.113.5])\n'
  printf '\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\n'
  printf '\tby mx.recipient.example (Postfix) with ESMTPS id 4Q8pkg\n'
  printf '\tfor <you@recipient.example>; Mon, 07 Dec 2026 10:00:00 +0000\n'
  cat "$top/examples/messages/paypal-lookalike.eml"
} >"$work/sa-lookalike.eml"
spamassassin -p "$work/user_prefs" -t --cf="dns_server 127.0.0.1:$dns_port" --cf="trusted_networks 127.0.0.1" \
  --cf="skip_rbl_checks 1" --cf="rbl_timeout 5" --cf="authweight_protected_domains paypal.com" \
  --cf="authweight_reputation_lmdb_path $work/reputation.mdb" \
  <"$work/sa-lookalike.eml" >"$work/results/sa-lookalike.out" 2>"$work/log/sa-scan.err" ||
  fail "spamassassin -t failed: $(head -c 300 "$work/log/sa-scan.err")"
sa_status=$(sed -n '/^X-Spam-Status:/,/^[^ \t]/p' "$work/results/sa-lookalike.out" | tr -d '\n\t')
say "  spamassassin: ${sa_status:0:300}"
case "$sa_status" in *AUTHW_*) ;; *) fail "spamassassin's verdict carries no AUTHW_* rule: the plugin is not scoring" ;; esac
if [ "$full_zone" = 1 ]; then
  case "$sa_status" in *AUTHW_LOOKALIKE*) ;; *) fail "spamassassin: no AUTHW_LOOKALIKE for paypa1.com" ;; esac
fi

say "stopping rspamd and unbound"
stop_all
if ss -ltn 2>/dev/null | grep -qE "127\.0\.0\.1:($normal_port|$controller_port) "; then
  fail "rspamd's ports are still open"
fi

# ---- purge ------------------------------------------------------------------------------
say "dpkg --purge ${packages[*]}"
dpkg --purge "${packages[@]}" >"$work/log/dpkg-purge.out" 2>&1 || {
  cat "$work/log/dpkg-purge.out" >&2
  fail "dpkg --purge failed"
}
installed=0
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
  "" | *not-installed*) ;;
  *) fail "dpkg still knows $pkg after purge: $status" ;;
  esac
done
if ldconfig -p | grep -q 'libauthweight\.so'; then
  fail "ldconfig still lists libauthweight after purge"
fi
left=0
while IFS= read -r p; do
  [ "$p" = /. ] && continue
  grep -qxF "$p" "$work/preexisting" && continue # a shared directory (/usr, /etc/rspamd, ...)
  if [ -e "$p" ] || [ -L "$p" ]; then
    say "  LEFT BEHIND $p"
    left=$((left + 1))
  fi
done <"$work/dpkg-L"
[ "$left" = 0 ] || fail "$left path(s) left behind by purge"
for f in /etc/rspamd/modules.d/authweight.conf /etc/rspamd/modules.d/authweight.conf.dpkg-dist; do
  [ ! -e "$f" ] || fail "$f left behind"
done
snapshot_etc >"$work/etc-after"
if ! cmp -s "$work/etc-before" "$work/etc-after"; then
  diff "$work/etc-before" "$work/etc-after" >&2 || true
  fail "/etc/rspamd or /etc/spamassassin differs from before the test"
fi
say "purged: none of the $(wc -l <"$work/dpkg-L") paths of dpkg -L is left (shared directories aside), /etc/rspamd and /etc/spamassassin are as before"
say "PASS"
