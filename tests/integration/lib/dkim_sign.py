#!/usr/bin/env python3
"""DKIM keys and signatures for the integration tests (RFC 6376), made with
the openssl command line, so no private key lives in the repository.

    dkim_sign.py keygen KEY.pem [BITS]     prints the key record's TXT value (RSA, 2048 bits by default)
    dkim_sign.py sign KEY.pem DOMAIN SELECTOR < message > signed
    dkim_sign.py arc KEY.pem DOMAIN SELECTOR MODE RESULTS < message > sealed

arc adds the next ARC set (RFC 8617): ARC-Authentication-Results
"i=N; DOMAIN; RESULTS", ARC-Message-Signature and ARC-Seal (cv=none for
i=1, else pass), as a forwarder does after changing the message. MODE is
good, bad-seal (the seal's signature is altered) or gap (the instance
skips one number).

Signatures are rsa-sha256, relaxed/relaxed (RFC 6376 3.4.2, 3.4.4), over
the headers of HEADERS present in the message, without l=, x= or t=.
"""
import base64
import hashlib
import re
import subprocess
import sys

HEADERS = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type",
           "resent-from", "sender", "reply-to"]


def run_openssl(args, data=None):
    return subprocess.run(["openssl"] + args, input=data, check=True, capture_output=True).stdout


def keygen(path, bits="2048"):
    run_openssl(["genrsa", "-out", path, bits])
    der = run_openssl(["rsa", "-in", path, "-pubout", "-outform", "DER"])
    print("v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())


def split_message(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        head, body = raw, b""
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        elif line:
            fields.append(line)
    return fields, body


def relaxed_header(field):
    name, _, value = field.partition(b":")
    value = re.sub(rb"\r\n", b"", value)
    value = re.sub(rb"[ \t]+", b" ", value).strip()
    return name.strip().lower() + b":" + value


def relaxed_body(body):
    lines = body.replace(b"\r\n", b"\n").split(b"\n")
    out = [re.sub(rb"[ \t]+", b" ", l).rstrip(b" \t") for l in lines]
    while out and out[-1] == b"":
        out.pop()
    return b"".join(l + b"\r\n" for l in out)


def signed_fields(fields):
    """Each header of HEADERS present, once, the bottom-most instance
    (RFC 6376 5.4.2): the fields and their names."""
    signed, names = [], []
    for name in HEADERS:
        for f in reversed(fields):
            if f.split(b":", 1)[0].strip().lower() == name.encode():
                signed.append(f)
                names.append(name)
                break
    return signed, names


def sign(key, domain, selector):
    raw = sys.stdin.buffer.read()
    fields, body = split_message(raw)
    bh = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest()).decode()
    signed, names = signed_fields(fields)
    sig_value = ("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s;\r\n\th=%s;\r\n\tbh=%s;\r\n\tb="
                 % (domain, selector, ":".join(names), bh))
    data = b"".join(relaxed_header(f) + b"\r\n" for f in signed)
    data += relaxed_header(b"DKIM-Signature: " + sig_value.encode())
    b = base64.b64encode(run_openssl(["dgst", "-sha256", "-sign", key], data)).decode()
    out = b"DKIM-Signature: " + sig_value.encode() + b.encode() + b"\r\n"
    sys.stdout.buffer.write(out + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def instance_of(field):
    m = re.search(rb"(?:^|;)\s*i\s*=\s*(\d+)", field.split(b":", 1)[1])
    return int(m.group(1)) if m else 0


def arc(key, domain, selector, mode, results):
    raw = sys.stdin.buffer.read()
    fields, body = split_message(raw)
    names = (b"arc-authentication-results", b"arc-message-signature", b"arc-seal")
    sets = {}
    for f in fields:
        name = f.split(b":", 1)[0].strip().lower()
        if name in names:
            sets.setdefault(instance_of(f), {})[name] = f
    i = max(sets, default=0) + (2 if mode == "gap" else 1)
    cv = "none" if i == 1 else "pass"
    aar = ("ARC-Authentication-Results: i=%d; %s; %s" % (i, domain, results)).encode()
    bh = base64.b64encode(hashlib.sha256(relaxed_body(body)).digest()).decode()
    signed, hnames = signed_fields(fields)
    ams_value = ("i=%d; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s; t=1765100000;\r\n\th=%s;\r\n\tbh=%s;\r\n\tb="
                 % (i, domain, selector, ":".join(hnames), bh))
    data = b"".join(relaxed_header(f) + b"\r\n" for f in signed)
    data += relaxed_header(b"ARC-Message-Signature: " + ams_value.encode())
    ams = b"ARC-Message-Signature: " + ams_value.encode() + base64.b64encode(
        run_openssl(["dgst", "-sha256", "-sign", key], data))
    as_value = "i=%d; a=rsa-sha256; t=1765100000; cv=%s; d=%s; s=%s; b=" % (i, cv, domain, selector)
    chain = []
    for j in sorted(sets):
        chain += [sets[j].get(n) for n in names if sets[j].get(n)]
    data = b"".join(relaxed_header(f) + b"\r\n" for f in chain + [aar, ams])
    data += relaxed_header(b"ARC-Seal: " + as_value.encode())
    seal = bytearray(run_openssl(["dgst", "-sha256", "-sign", key], data))
    if mode == "bad-seal":
        seal[len(seal) // 2] ^= 0x55
    arc_seal = b"ARC-Seal: " + as_value.encode() + base64.b64encode(bytes(seal))
    out = arc_seal + b"\r\n" + ams + b"\r\n" + aar + b"\r\n"
    sys.stdout.buffer.write(out + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "keygen":
        keygen(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "sign":
        sign(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 7 and sys.argv[1] == "arc" and sys.argv[5] in ("good", "bad-seal", "gap"):
        arc(*sys.argv[2:])
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
