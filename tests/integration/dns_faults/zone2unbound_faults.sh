#!/usr/bin/env bash
# zone2unbound, then the DNS faults a zone file of DESIGN.md cannot state,
# read from $AW_FAULTS_FILE, one a line:
#
#   fill NAME COUNT     COUNT more TXT records of ~250 bytes at NAME, so the
#                       answer does not fit UDP (truncated, retried over TCP)
#                       or, past 64 KB, not even TCP (truncated there too)
#   cname NAME TARGET   NAME is a CNAME that unbound does not chase, so a TXT
#                       or A query gets an answer of the wrong type alone
#
# Used as AW_ZONE2UNBOUND by tests/integration/lib/env.sh; the real
# converter is $AW_FAULTS_ZONE2UNBOUND. Same arguments: ZONE.json PORT DIR.
set -euo pipefail
"$AW_FAULTS_ZONE2UNBOUND" "$@"
filler=$(printf 'x%.0s' $(seq 1 236))
echo "server:"
while read -r kind name arg; do
  case "$kind" in
  '' | '#'*) ;;
  fill)
    for i in $(seq 1 "$arg"); do
      printf "  local-data: '%s. 60 IN TXT \"filler %04d %s\"'\n" "$name" "$i" "$filler"
    done
    ;;
  cname) printf "  local-data: '%s. 60 IN CNAME %s.'\n" "$name" "$arg" ;;
  *)
    echo "zone2unbound_faults: unknown fault '$kind'" >&2
    exit 2
    ;;
  esac
done <"$AW_FAULTS_FILE"
