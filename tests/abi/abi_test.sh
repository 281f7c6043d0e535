#!/usr/bin/env bash
# libauthweight is the one door (issue 20): its dynamic symbol table holds
# the C ABI of authweight.h and nothing else, under its SONAME; the Lua
# modules define nothing but luaopen_authweight_core and reach authweight
# only through the library.
# usage: abi_test.sh LIBRARY HEADER SONAME LUA_MODULE...
set -u
usage="usage: abi_test.sh LIBRARY HEADER SONAME LUA_MODULE..."
lib=${1:?$usage}
header=${2:?$usage}
soname=${3:?$usage}
shift 3

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok; else bad "$what"; fi
}

# Functions defined in the dynamic symbol table (T, W, i), and data (B, D, R):
# what a program linking the library can reach. The version node
# (AUTHWEIGHT_0, an absolute symbol) is no function.
exported() { nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u; }

mapfile -t syms < <(exported "$lib")
echo "exported by $lib: ${#syms[@]} symbols"
check "the library exports something" test "${#syms[@]}" -gt 0
for s in "${syms[@]}"; do
  echo "  $s"
  case $s in
  authweight_*) ok ;;
  *) bad "exported symbol $s does not start with authweight_" ;;
  esac
done

# Every function authweight.h declares is exported, and nothing more.
mapfile -t declared < <(grep -oE 'AUTHWEIGHT_API [^(]*\b(authweight_[a-z0-9_]+)\(' "$header" |
  grep -oE 'authweight_[a-z0-9_]+\($' | tr -d '(' | sort -u)
check "authweight.h declares functions" test "${#declared[@]}" -gt 0
missing=$(comm -23 <(printf '%s\n' "${declared[@]}") <(printf '%s\n' "${syms[@]}"))
extra=$(comm -13 <(printf '%s\n' "${declared[@]}") <(printf '%s\n' "${syms[@]}"))
check "declared but not exported: ${missing//$'\n'/ }" test -z "$missing"
check "exported but not declared: ${extra//$'\n'/ }" test -z "$extra"

got=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
check "SONAME is $soname (got '$got')" test "$got" = "$soname"

for mod in "$@"; do
  mapfile -t modsyms < <(exported "$mod")
  check "$mod defines only luaopen_authweight_core (got: ${modsyms[*]})" \
    test "${modsyms[*]}" = "luaopen_authweight_core"
  check "$mod needs $soname" bash -c "readelf -d '$mod' | grep -qF '[$soname]'"
  # Every authweight_ function it calls is left for the library to define.
  undefined=$(nm -D --undefined-only "$mod" | awk '{ sub(/@.*/, "", $2); print $2 }' | grep -c '^authweight_')
  check "$mod imports the C ABI from the library ($undefined functions)" test "$undefined" -gt 0
done

echo "abi: $passed passed, $failed failed"
test "$failed" -eq 0
