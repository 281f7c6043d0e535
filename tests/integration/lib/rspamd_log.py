#!/usr/bin/env python3
"""rspamd's verdict on one message, read back from its log line.

    rspamd_log.py RSPAMD_LOG QUEUE_ID > RESULT.json

Mail that reaches rspamd through its milter proxy gets no /checkv2 answer
a test could keep: the verdict is in rspamd's log line for the task, which
names the MTA's queue id (Postfix passes {i}):

    ... qid: <4Xy1AB2>, ip: 192.0.2.10, from: <...>, (default: F (no action):
    [-4.90/15.00] [AUTHW_TLS(0.00){TLSv1.3;TLS_AES_256_GCM_SHA384;mta;},...]), len: ...

This prints it in the shape of rspamd's /checkv2 answer, as check.py reads
it: {"action", "score", "required_score", "ip", "symbols": {NAME: {"name",
"score", "options"}}}. Exit 1 when no line names the queue id, or when two
do (a test must know which scan it looks at).
"""
import json
import re
import sys

LINE = re.compile(r"rspamd_task_write_log: .*?qid: <(?P<qid>[^>]*)>"
                  r"(?:, ip: (?P<ip>[^,]*))?.*?\(default: (?P<spam>[TF]) \((?P<action>[^)]*)\): "
                  r"\[(?P<score>-?[0-9.]+)/(?P<required>-?[0-9.]+)\] \[(?P<symbols>.*?)\]\), len: ")
SYMBOL = re.compile(r"([A-Za-z0-9_]+)\((-?[0-9.]+)\)\{([^}]*)\}")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, qid = sys.argv[1:]
    found = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.search(line)
            if m and m.group("qid") == qid:
                found.append(m)
    if len(found) != 1:
        print("rspamd_log.py: %d log lines for queue id %s" % (len(found), qid), file=sys.stderr)
        return 1
    m = found[0]
    symbols = {}
    for name, score, opts in SYMBOL.findall(m.group("symbols")):
        options = [o for o in opts.split(";") if o]
        symbols[name] = {"name": name, "score": float(score), "options": options}
    json.dump({"qid": qid, "ip": m.group("ip"), "action": m.group("action"),
               "is_spam": m.group("spam") == "T", "score": float(m.group("score")),
               "required_score": float(m.group("required")), "symbols": symbols},
              sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
