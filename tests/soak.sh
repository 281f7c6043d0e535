#!/usr/bin/env bash
# rspamd under load (issue 8): COUNT messages (default 10,000), a mix of the
# benchmark corpus (tests/integration/lib/corpus.py, DKIM-signed) and
# hostile messages (one in ten: lib/gen_message.py's kinds and a few more),
# through a real rspamd with two normal workers and authweight enabled, on
# the integration tests' private unbound. Not part of tests/run.sh.
#
#   tests/soak.sh [BUILD_DIR] [COUNT] [IN_FLIGHT]
#
# BUILD_DIR defaults to $AUTHWEIGHT_BUILD_DIR or build/ (it must hold
# lua/5.1/authweight_core.so and zone2unbound); IN_FLIGHT (requests in
# flight) to 8. Passes when every message is answered (HTTP 200 with an
# action; no hostile one with AUTHW_WL_AUTH), no worker died or was
# replaced, no Lua error was logged, and the normal workers' resident
# memory after the run is within 10% of its level after the first 10% of
# the messages (1,000 of 10,000). Bounded: SOAK_TIMEOUT seconds in all
# (default 3600), 120 s per request. Prints the figures.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-${AUTHWEIGHT_BUILD_DIR:-$top/build}}" && pwd)
count=${2:-10000}
in_flight=${3:-8}
first=$((count / 10))
lib=$top/tests/integration/lib
# shellcheck source=tests/integration/lib/env.sh
. "$lib/env.sh"

[ -f "$build/lua/5.1/authweight_core.so" ] && [ -x "$build/zone2unbound" ] ||
  aw_die "build $build first (targets authweight_lua51 and zone2unbound)"

work=$build/soak
aw_env_init "$work" "$build"
corpus=$work/corpus
aw_corpus_make "$corpus" 400 >/dev/null

# The hostile messages: lib/gen_message.py's kinds, and tricks of the
# hostile-input suite (tests/core/hostile_cases.hxx) against org00.example,
# whose alice@ is whitelisted below, and the protected bank.example.
for kind in junk bigheader longline manydkim nulheaders; do
  "$AW_PYTHON" "$lib/gen_message.py" "$kind" >"$corpus/msgs/hostile-$kind.eml"
done
"$AW_PYTHON" - "$corpus/msgs" <<'EOF'
import sys
out = sys.argv[1]
tail = b"To: you@recipient.example\r\nSubject: hello\r\nMessage-ID: <h@hostile.example>\r\n\r\nHello.\r\n"
msgs = {
    "two-from": b"From: alice@org00.example\r\nFrom: mallory@hostile.example\r\n",
    "display-name": b"From: \"alice@org00.example\" <mallory@hostile.example>\r\n",
    "encoded-word": b"From: =?utf-8?B?YWxpY2VAb3JnMDAuZXhhbXBsZQ==?= <mallory@hostile.example>\r\n",
    "homograph": "From: Bank <service@b\u0430nk.example>\r\n".encode(),
    "quoted-local": b"From: \"alice@org00.example\"@hostile.example\r\n",
    "headers-10000": b"".join(b"X-Filler-%d: v\r\n" % i for i in range(10000)) + b"From: alice@org00.example\r\n",
    "folded-from-1mb": b"From: Alice" + b"\r\n Alice" * 150000 + b" <alice@org00.example>\r\n",
    "nul-from": b"From: alice\0@org00.example\r\n",
}
for name, head in msgs.items():
    with open("%s/hostile-%s.eml" % (out, name), "wb") as f:
        f.write(head + tail)
EOF

# The sequence: one message in ten is hostile, from a host nothing authorizes.
"$AW_PYTHON" - "$corpus" "$count" <<'EOF'
import json, os, sys
corpus, count = sys.argv[1], int(sys.argv[2])
normal = [json.loads(l) for l in open(os.path.join(corpus, "facts.jsonl"))]
hostile = sorted(f for f in os.listdir(os.path.join(corpus, "msgs")) if f.startswith("hostile-"))
hfacts = {"IP": "203.0.113.66", "Helo": "[203.0.113.66]", "Hostname": "unknown",
          "From": "mallory@hostile.example", "Rcpt": "you@recipient.example"}
with open(os.path.join(corpus, "soak.jsonl"), "w") as f:
    for i in range(count):
        x = {"file": hostile[(i // 10) % len(hostile)], "headers": hfacts} if i % 10 == 9 else normal[i % len(normal)]
        f.write(json.dumps(x) + "\n")
EOF

aw_dns_start "$corpus/zone.json"
conf_in=$work/local.d
mkdir -p "$conf_in"
printf 'whitelist = ["alice@org00.example", "@org03.example", "*.org09.example"];\nprotected_domains = ["bank.example"];\n' \
  >"$conf_in/authweight.conf"
aw_rspamd_prepare "$conf_in"
# Two normal workers, as the issue asks (the harness starts one).
printf 'bind_socket = "127.0.0.1:%s";\ncount = 2;\n' "$AW_RSPAMD_PORT" >"$AW_CONF/override.d/worker-normal.inc"
aw_rspamd_start
main_pid=$(cat "$work/run/rspamd.pid")

normal_workers() {
  local child
  for child in $(cat "/proc/$main_pid/task/$main_pid/children" 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null | grep -q 'normal'; then echo "$child"; fi
  done | sort -n | tr '\n' ' '
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_line() {
  local p total=0 out=""
  for p in $1; do
    out+="$p:$(rss_kb "$p")kB "
    total=$((total + $(rss_kb "$p")))
  done
  echo "$total $out"
}

# Every worker must be up before the first message (rspamd forks them after ping works).
for _ in $(seq 1 100); do
  workers=$(normal_workers)
  [ "$(wc -w <<<"$workers")" -ge 2 ] && break
  sleep 0.1
done
[ "$(wc -w <<<"$workers")" = 2 ] || aw_die "expected 2 normal workers, found: $workers"

send() { # FROM TO: messages [FROM, TO) of the sequence
  timeout "${SOAK_TIMEOUT:-3600}" "$AW_PYTHON" - "$AW_RSPAMD_PORT" "$corpus" "$1" "$2" "$in_flight" "$AW_LIB" <<'EOF'
import asyncio, json, os, sys, time
port, corpus, lo, hi, in_flight = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, sys.argv[6])
import load  # lib/load.py: one /checkv2 request
seq = [json.loads(l) for l in open(os.path.join(corpus, "soak.jsonl"))][lo:hi]
cache = {}
def body(name):
    if name not in cache:
        with open(os.path.join(corpus, "msgs", name), "rb") as f:
            cache[name] = f.read()
    return cache[name]
async def scan(b, headers):
    r = await load.scan(port, b, headers)
    if "action" not in r:
        raise RuntimeError("no action in the answer")
    return r
async def main():
    queue = list(range(len(seq)))
    failures, counts, slowest = [], {}, [0.0]
    async def worker():
        while queue:
            i = queue.pop(0)
            t0 = time.monotonic()
            try:
                r = await asyncio.wait_for(scan(body(seq[i]["file"]), seq[i]["headers"]), 120)
                if seq[i]["file"].startswith("hostile-") and "AUTHW_WL_AUTH" in r.get("symbols", {}):
                    raise RuntimeError("a hostile message got AUTHW_WL_AUTH")
                for name in r.get("symbols", {}):
                    if name.startswith("AUTHW_"):
                        counts[name] = counts.get(name, 0) + 1
            except Exception as e:  # every failure is counted and named
                failures.append("%s: %s" % (seq[i]["file"], e or type(e).__name__))
            slowest[0] = max(slowest[0], time.monotonic() - t0)
    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.monotonic() - start
    print("messages %d-%d: %d in %.1f s, %.1f msg/s, slowest %.2f s, %d unanswered"
          % (lo, hi, len(seq), elapsed, len(seq) / elapsed, slowest[0], len(failures)))
    for name in sorted(counts):
        print("  %-26s %d" % (name, counts[name]))
    for f in failures[:10]:
        print("  unanswered: " + f)
    return 1 if failures else 0
sys.exit(asyncio.run(main()))
EOF
}

failed=0
echo "soak: $count messages ($first, then $((count - first))), $in_flight in flight, workers $workers"
send 0 "$first" || failed=1
read -r rss_first detail_first <<<"$(rss_line "$workers")"
echo "resident memory of the normal workers after $first messages: ${rss_first} kB ($detail_first)"
send "$first" "$count" || failed=1
read -r rss_end detail_end <<<"$(rss_line "$workers")"
echo "resident memory of the normal workers after $count messages: ${rss_end} kB ($detail_end)"

growth=$(awk -v a="$rss_first" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
echo "growth: ${growth}% (limit 10%)"
if awk -v a="$rss_first" -v b="$rss_end" 'BEGIN {exit !(b > a * 1.10)}'; then
  echo "FAILED resident memory grew by more than 10%"
  failed=1
fi
now=$(normal_workers)
if [ "$now" != "$workers" ] || ! kill -0 "$main_pid" 2>/dev/null; then
  echo "FAILED a worker died or was replaced: before '$workers', after '$now'"
  failed=1
fi
if grep -hE 'terminated abnormally|core dumped|killed by signal|segmentation' \
  "$work/log/rspamd.log" "$work/log/rspamd.out" 2>/dev/null | head -5 | grep -q .; then
  echo "FAILED rspamd logged a worker crash"
  failed=1
fi
errors=$(aw_lua_errors | wc -l)
echo "Lua errors in rspamd's log: $errors"
[ "$errors" = 0 ] || failed=1
if [ "$failed" = 0 ]; then echo "soak: passed"; else echo "soak: FAILED"; fi
exit "$failed"
