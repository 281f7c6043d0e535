#!/usr/bin/env python3
"""A `spamassassin -t` output as the rspamd-like JSON lib/check.py reads:
{"action": "spam" | "ham", "score": N, "symbols": {RULE: {"score": S}},
 "messages": {"authweight": {RULE: reason}}}, from the X-Spam-Status,
X-Spam-AW-Tests (_TESTSSCORES_) and X-Spam-AW-Why (_AUTHWEIGHT_) headers.
authweight's symbols scored 0 (AUTHW_SPF_TEMPERROR, ...) are no hits in
SpamAssassin; they are read from the verdict's reasons, with score 0.

    sa_result.py OUTPUT > RESULT.json
"""
import json
import re
import sys


def headers(text):
    """The header block's fields, unfolded: name -> value (first one)."""
    out = {}
    head = text.split("\n\n", 1)[0]
    for field in re.split(r"\n(?![ \t])", head):
        name, sep, value = field.partition(":")
        if sep and name not in out:
            out[name.strip()] = " ".join(value.split())
    return out


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        h = headers(f.read())
    status = h.get("X-Spam-Status")
    if status is None:
        print(json.dumps({"error": "no X-Spam-Status header in the output"}))
        return 0
    score = re.search(r"score=(-?[\d.]+)", status)
    result = {"action": "spam" if status.startswith("Yes") else "ham",
              "score": float(score.group(1)) if score else 0.0,
              "symbols": {}, "messages": {"authweight": {}}}
    tests = h.get("X-Spam-AW-Tests", "none")
    if tests != "none":
        for item in tests.replace(" ", "").split(","):
            rule, _, value = item.partition("=")
            if rule:
                result["symbols"][rule] = {"score": float(value or 0)}
    why = h.get("X-Spam-AW-Why", "")
    for part in re.split(r"; (?=AUTHW_[A-Z_]+: )", why):
        rule, sep, reason = part.partition(": ")
        if sep:
            result["messages"]["authweight"][rule] = reason
            # A rule scored 0 is no hit in SpamAssassin, but in the verdict.
            result["symbols"].setdefault(rule, {"score": 0.0})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
