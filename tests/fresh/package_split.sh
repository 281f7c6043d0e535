#!/usr/bin/env bash
# Neither framework pulls in the other: in a fresh Debian 12 root that has
# only SpamAssassin, apt installs authweight-spamassassin (and the library)
# without rspamd, and the plugin lints and scores; in one that has only
# rspamd, apt installs authweight without SpamAssassin. Not run by CI (two
# roots from Debian's archive take minutes).
#
#   tests/fresh/package_split.sh [DEB_DIR]
#
# DEB_DIR holds the .debs (default build/package, where the package test
# builds them; tests/package/build-deb.sh DIR makes them too). Needs root
# and mmdebstrap (installed when missing). The roots are removed on exit.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
debs=$(cd "${1:-$top/build/package}" && pwd)
[ "$(id -u)" = 0 ] || { echo "package_split.sh: run as root" >&2; exit 1; }
command -v mmdebstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}
lib=$(ls "$debs"/libauthweight0_*_amd64.deb)
rspamd_deb=$(ls "$debs"/authweight_*_amd64.deb)
sa_deb=$(ls "$debs"/authweight-spamassassin_*_all.deb)
work=$(mktemp -d /var/tmp/aw-split.XXXXXX)
trap 'rm -rf "$work"' EXIT

# in_root ROOT CMD...: run CMD in ROOT with the .debs under /debs.
in_root() {
  local root=$1
  shift
  chroot "$root" env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
make_root() { # NAME HOST_PACKAGE
  local root=$work/$1
  mmdebstrap --quiet --variant=apt --include="$2" bookworm "$root" >/dev/null
  # No service starts in the root (spamd, rspamd).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  in_root "$root" apt-get update -qq >/dev/null # mmdebstrap leaves no package lists
  mkdir -p "$root/debs"
  cp "$lib" "$rspamd_deb" "$sa_deb" "$root/debs/"
  echo "$root"
}
installed() { in_root "$1" dpkg-query -W -f='${Status}' "$2" 2>/dev/null | grep -q 'install ok installed'; }

echo "package_split: a root with SpamAssassin only ..."
root=$(make_root sa spamassassin)
in_root "$root" apt-get install -y -qq "/debs/$(basename "$lib")" "/debs/$(basename "$sa_deb")" >"$work/sa.log" 2>&1 ||
  { tail -20 "$work/sa.log"; exit 1; }
installed "$root" authweight-spamassassin || { echo "package_split: authweight-spamassassin not installed" >&2; exit 1; }
if installed "$root" rspamd; then echo "package_split: authweight-spamassassin pulled in rspamd" >&2; exit 1; fi
in_root "$root" spamassassin -L --lint >"$work/lint.log" 2>&1 || { cat "$work/lint.log"; exit 1; }
printf 'From: PayPal <service@paypa1.com>\nTo: you@example.org\nSubject: x\n\nx\n' >"$root/tmp/m.eml"
in_root "$root" sh -c 'spamassassin -L -t --cf="authweight_protected_domains paypal.com" </tmp/m.eml' \
  >"$work/scan.out" 2>&1 || true
grep -q 'AUTHW_LOOKALIKE' "$work/scan.out" || { echo "package_split: no AUTHW_LOOKALIKE from the plugin" >&2; head -40 "$work/scan.out"; exit 1; }
echo "package_split:   installed authweight-spamassassin and libauthweight0; rspamd not installed; lint clean; AUTHW_LOOKALIKE scored"

echo "package_split: a root with rspamd only ..."
root=$(make_root rspamd rspamd)
in_root "$root" apt-get install -y -qq "/debs/$(basename "$lib")" "/debs/$(basename "$rspamd_deb")" >"$work/rspamd.log" 2>&1 ||
  { tail -20 "$work/rspamd.log"; exit 1; }
installed "$root" authweight || { echo "package_split: authweight not installed" >&2; exit 1; }
if installed "$root" spamassassin; then echo "package_split: authweight pulled in SpamAssassin" >&2; exit 1; fi
in_root "$root" authweight-check --version >/dev/null
echo "package_split:   installed authweight and libauthweight0; SpamAssassin not installed; authweight-check runs"
echo "package_split: PASS"
