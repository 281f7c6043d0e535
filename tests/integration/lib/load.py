#!/usr/bin/env python3
"""Scan a corpus (corpus.py) through rspamd's /checkv2 with a fixed number of
requests in flight, and print one line: messages, seconds, messages/s,
failures.

    load.py PORT CORPUS_DIR [IN_FLIGHT] [--symbols]

Each message goes with its own request headers (IP, Helo, Hostname, From,
Rcpt, TLS-Version, TLS-Cipher), as an MTA passes them. With --symbols, the
count of messages carrying each AUTHW_* symbol follows, one a line.
"""
import asyncio
import json
import os
import sys
import time


async def scan(port, body, headers):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = "POST /checkv2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n" % len(body)
    head += "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = data.split(b"\r\n", 1)[0]
    if b" 200 " not in status:
        raise RuntimeError(status.decode(errors="replace"))
    return json.loads(data.split(b"\r\n\r\n", 1)[1])


async def run(port, corpus, in_flight, want_symbols):
    items = []
    with open(os.path.join(corpus, "facts.jsonl")) as f:
        for line in f:
            x = json.loads(line)
            with open(os.path.join(corpus, "msgs", x["file"]), "rb") as m:
                items.append((m.read(), x["headers"]))
    queue = list(range(len(items)))
    failures, counts = [0], {}

    async def worker():
        while queue:
            i = queue.pop()
            try:
                r = await scan(port, *items[i])
                for name in r.get("symbols", {}):
                    if name.startswith("AUTHW_"):
                        counts[name] = counts.get(name, 0) + 1
            except (OSError, RuntimeError, ValueError):
                failures[0] += 1

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.monotonic() - start
    print("%d messages %.3f s %.1f msg/s %d failures" % (len(items), elapsed, len(items) / elapsed, failures[0]))
    if want_symbols:
        for name in sorted(counts):
            print("  %-26s %d" % (name, counts[name]))
    return 1 if failures[0] else 0


def main():
    args = [a for a in sys.argv[1:] if a != "--symbols"]
    if len(args) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    in_flight = int(args[2]) if len(args) == 3 else 8
    return asyncio.run(run(int(args[0]), args[1], in_flight, "--symbols" in sys.argv))


if __name__ == "__main__":
    sys.exit(main())
