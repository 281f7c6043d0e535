# shellcheck shell=bash
# read_facts FILE: the connection facts of a sample message (examples/
# messages/NAME.facts) as authweight-check arguments, in the array `facts`.
# A facts file holds one option per line; the value follows the first space
# and may be empty ("--mail-from " is the null sender), see messages/README.md.
read_facts() {
  local file=$1 line
  facts=()
  local lines=()
  mapfile -t lines <"$file"
  for line in "${lines[@]}"; do
    line=${line%$'\r'}
    [ -z "$line" ] && continue
    [[ "$line" == "#"* ]] && continue
    facts+=("${line%% *}")
    case "$line" in *" "*) facts+=("${line#* }") ;; *) facts+=("") ;; esac
  done
}
