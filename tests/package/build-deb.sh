#!/usr/bin/env bash
# Build the Debian package the way Debian builds its own: Debian's hardening
# build flags (dpkg-buildflags, with CPPFLAGS folded into C/CXXFLAGS as
# dh_auto_configure does for CMake), prefix /usr, no tests or benchmarks,
# then `cpack -G DEB`, which strips the binaries and runs dpkg-shlibdeps.
#
#   tests/package/build-deb.sh [BUILD_DIR]     (default: build-deb)
#
# Prints the paths of the four .debs (cmake/packaging.cmake: authweight,
# libauthweight0, libauthweight-dev, each _<version>-<release>_amd64.deb,
# and authweight-spamassassin_<version>-<release>_all.deb, in BUILD_DIR) on
# its last four lines, authweight's first. Needs dpkg-dev and file besides the build
# packages of tests/lib/deps.sh. A second run rebuilds only what changed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$top/build-deb}
jobs=${AUTHWEIGHT_JOBS:-$(nproc)}

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cppflags=$(dpkg-buildflags --get CPPFLAGS)
cflags="$(dpkg-buildflags --get CFLAGS) $cppflags"
cxxflags="$(dpkg-buildflags --get CXXFLAGS) $cppflags"
ldflags=$(dpkg-buildflags --get LDFLAGS)

# CMAKE_BUILD_TYPE None: the flags above are all the flags (Debian's choice).
cmake -S "$top" -B "$build" \
  -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
  -DAUTHWEIGHT_BUILD_TESTS=OFF -DAUTHWEIGHT_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cxxflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" \
  -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" >/dev/null
cmake --build "$build" -j"$jobs"
# Old packages of other versions would be ambiguous to the caller.
rm -f "$build"/authweight_*.deb "$build"/authweight-spamassassin_*.deb "$build"/libauthweight*.deb
(cd "$build" && cpack -G DEB >/dev/null)
for pkg in authweight libauthweight0 libauthweight-dev; do
  ls "$build"/${pkg}_*_amd64.deb
done
ls "$build"/authweight-spamassassin_*_all.deb
