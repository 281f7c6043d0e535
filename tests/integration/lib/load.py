#!/usr/bin/env python3
"""Scan a corpus (corpus.py) through rspamd's /checkv2 with a fixed number of
requests in flight, and print one line: messages, seconds, messages/s,
failures.

    load.py PORT CORPUS_DIR [IN_FLIGHT] [--symbols] [--record FILE]

Each message goes with its own request headers (IP, Helo, Hostname, From,
Rcpt, TLS-Version, TLS-Cipher), as an MTA passes them. With --symbols, the
count of messages carrying each AUTHW_* symbol follows, one a line. With
--record, FILE gets each message's AUTHW_* symbols as JSON, by Message-ID:
{"ID": [[NAME, SCORE, [OPTION, ...]], ...], ...} (tests/bench/symbols_floor.lua).
"""
import asyncio
import email.parser
import json
import os
import sys
import time


def message_id(body):
    value = email.parser.BytesHeaderParser().parsebytes(body).get("Message-ID", "")
    return str(value).strip().strip("<>")


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


async def run(port, corpus, in_flight, want_symbols, record):
    items = []
    with open(os.path.join(corpus, "facts.jsonl")) as f:
        for line in f:
            x = json.loads(line)
            with open(os.path.join(corpus, "msgs", x["file"]), "rb") as m:
                items.append((m.read(), x["headers"]))
    queue = list(range(len(items)))
    failures, counts, recorded = [0], {}, {}

    async def worker():
        while queue:
            i = queue.pop()
            try:
                r = await scan(port, *items[i])
                symbols = [s for name, s in r.get("symbols", {}).items() if name.startswith("AUTHW_")]
                for s in symbols:
                    counts[s["name"]] = counts.get(s["name"], 0) + 1
                if record:
                    recorded[message_id(items[i][0])] = [
                        [s["name"], s.get("score", 0.0), s.get("options", [])] for s in symbols]
            except (OSError, RuntimeError, ValueError):
                failures[0] += 1

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.monotonic() - start
    print("%d messages %.3f s %.1f msg/s %d failures" % (len(items), elapsed, len(items) / elapsed, failures[0]))
    if want_symbols:
        for name in sorted(counts):
            print("  %-26s %d" % (name, counts[name]))
    if record:
        with open(record, "w") as f:
            json.dump(recorded, f)
    return 1 if failures[0] else 0


def main():
    args, record = sys.argv[1:], None
    if "--record" in args:
        i = args.index("--record")
        if i + 1 >= len(args):
            print(__doc__.strip(), file=sys.stderr)
            return 2
        record = args[i + 1]
        del args[i:i + 2]
    args = [a for a in args if a != "--symbols"]
    if len(args) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    in_flight = int(args[2]) if len(args) == 3 else 8
    return asyncio.run(run(int(args[0]), args[1], in_flight, "--symbols" in sys.argv, record))


if __name__ == "__main__":
    sys.exit(main())
