#!/usr/bin/env python3
"""Hostile messages for the integration tests, made at test time so the
repository holds no megabyte fixtures.

    gen_message.py KIND > message

KIND is one of:
    junk        256 KiB of pseudo-random bytes, NULs included, no header at all
    bigheader   a message with a 1 MiB header field (one folded Subject)
    longline    a message whose From header is one 1 MiB line
    manydkim    100 DKIM-Signature fields, each naming another domain
    nulheaders  NULs and 8-bit bytes inside From, Sender and Resent-From
"""
import random
import sys

BASE = (b"From: Mallory <mallory@hostile.example>\r\n"
        b"To: you@recipient.example\r\n"
        b"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <hostile@hostile.example>\r\n")


def junk():
    rnd = random.Random(20261126)
    return bytes(rnd.getrandbits(8) for _ in range(256 * 1024))


def bigheader():
    chunk = b"A" * 76
    lines = [b"Subject: " + chunk] + [b"\t" + chunk for _ in range((1 << 20) // 78)]
    return BASE + b"\r\n".join(lines) + b"\r\n\r\nbody\r\n"


def longline():
    return (b"From: " + b"x" * (1 << 20) + b"@hostile.example\r\n" + BASE[BASE.index(b"To:"):]
            + b"Subject: long line\r\n\r\nbody\r\n")


def manydkim():
    sigs = b"".join(
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=d%d.hostile.example; s=s%d;\r\n"
        b"\th=from:to:subject:date; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
        b"\tb=dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=\r\n" % (i, i) for i in range(100))
    return sigs + BASE + b"Subject: a hundred signatures\r\n\r\nbody\r\n"


def nulheaders():
    return (b"From: \"\x00\xff\xfe\" <a\x00b@hostile.example>\r\n"
            b"Sender: \xc3\x28@\xe2\x82.example\r\n"
            b"Resent-From: <>, <@@>, \"unterminated\r\n"
            b"To: you@recipient.example\r\nSubject: \x00\x01\x02\r\n\r\nbody\x00\r\n")


KINDS = {"junk": junk, "bigheader": bigheader, "longline": longline, "manydkim": manydkim,
         "nulheaders": nulheaders}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in KINDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sys.stdout.buffer.write(KINDS[sys.argv[1]]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
