#!/usr/bin/env bash
# A newcomer's first ten minutes, on a really fresh machine: make a minimal
# Debian 12 root with mmdebstrap (variant apt, from Debian's archive), put a
# clean clone of this checkout's HEAD in it with ../shared beside it, and run
# the README's two commands inside it as root: examples/demo.sh, then
# tests/run.sh. Not run by CI: it takes as long as a cold CI run and more.
#
#   tests/fresh/debian12.sh [WORKDIR]
#
# WORKDIR (default: a new directory under /var/tmp) holds the root and the
# logs demo.log and run.log. Only committed work is tested (a git clone of
# HEAD). A root left in a WORKDIR given again (KEEP=1, or a failed run) is
# reused, with a new clone: quicker, but no longer fresh. Prints each
# command's time and exits non-zero when either fails.
# /proc, /sys and /dev are mounted in the root for the run and unmounted on
# exit, also on failure or Ctrl-C; every process still running in the root
# is stopped first. The root is removed on success unless KEEP=1.
# Needs root, git, and mmdebstrap (installed when missing).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared=$top/../shared
[ "$(id -u)" = 0 ] || { echo "debian12.sh: run as root (chroot, mount)" >&2; exit 1; }
[ -d "$shared" ] || { echo "debian12.sh: no $shared beside the checkout" >&2; exit 1; }
command -v mmdebstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

work=${1:-$(mktemp -d /var/tmp/authweight-fresh.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
mounted=()

say() { printf 'debian12.sh: %s\n' "$*" >&2; }

# Processes whose root directory is inside $root: TERM, then KILL.
in_root() {
  local p r
  for p in /proc/[0-9]*; do
    r=$(readlink "$p/root" 2>/dev/null) || continue
    case "$r" in "$root" | "$root"/*) echo "${p#/proc/}" ;; esac
  done
}
cleanup() {
  local pids i
  pids=$(in_root)
  if [ -n "$pids" ]; then
    say "stopping processes left in the root: $(echo $pids)"
    kill -TERM $pids 2>/dev/null || true
    for i in $(seq 1 50); do
      [ -z "$(in_root)" ] && break
      sleep 0.2
    done
    pids=$(in_root)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  fi
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -lR "${mounted[$i]}" 2>/dev/null || say "could not unmount ${mounted[$i]}"
  done
  mounted=()
}
# Never remove a root with anything still mounted in it (/dev is the host's).
remove_root() {
  if awk -v r="$root/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    say "not removing $root: something is still mounted in it"
    return 1
  fi
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ! -x "$root/usr/bin/apt-get" ]; then
  remove_root
  say "making a Debian 12 root in $root ..."
  start=$SECONDS
  mmdebstrap --quiet --variant=apt bookworm "$root" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" </dev/null
  say "root made in $((SECONDS - start)) s"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"

# A clean clone of HEAD (committed work only), ../shared beside it.
rm -rf "$root/work"
mkdir -p "$root/work"
git clone -q "$top" "$root/work/authweight"
cp -a "$shared" "$root/work/shared"

mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")

run_in_root() { # LOG COMMAND
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /work/authweight && $2" >"$work/$1" 2>&1
}

rc=0
for step in "demo.log examples/demo.sh" "run.log tests/run.sh"; do
  log=${step%% *}
  cmd=${step#* }
  say "running $cmd (log: $work/$log) ..."
  start=$SECONDS
  if run_in_root "$log" "$cmd"; then
    say "$cmd passed in $((SECONDS - start)) s"
  else
    rc=$?
    say "$cmd FAILED (exit $rc) after $((SECONDS - start)) s; its last lines:"
    tail -30 "$work/$log" >&2
    break
  fi
done
cleanup
if [ "$rc" = 0 ] && [ "${KEEP:-0}" != 1 ]; then
  remove_root && say "passed; root removed, logs in $work"
fi
exit "$rc"
