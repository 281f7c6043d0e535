#!/usr/bin/env python3
"""A benchmark corpus with varied authentication, and the zone it needs.

    corpus.py OUT_DIR [COUNT]

Writes OUT_DIR/zone.json (DESIGN.md's zone file), OUT_DIR/msgs/NNNN.eml,
OUT_DIR/facts.jsonl (one JSON object a line: file and the request headers
an MTA would pass: IP, Helo, Hostname, From, Rcpt, TLS-Version, TLS-Cipher)
and OUT_DIR/sign.txt (messages to DKIM-sign: file domain selector). The
DKIM keys are made by the caller (dkim_sign.py), whose records it adds to
the zone. COUNT defaults to 240.

Twelve sender domains cover the cases: SPF -all, ~all, an include chain,
none; DKIM or not; DMARC reject, quarantine, none or absent. Messages come
from the domain's own server, from a botnet host forging it (dynamic rDNS,
IP-literal HELO), over TLS 1.3, legacy TLS or none; a look-alike of the
protected bank.example authenticates perfectly; some carry Sender or
Resent-From (Sender ID's PRA).
"""
import json
import os
import random
import sys

WORDS = ("meeting report invoice garden coffee project update weekend train harbour river "
         "budget schedule summary draft review notes picture holiday library concert").split()


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 240
    rnd = random.Random(7489)
    os.makedirs(os.path.join(out, "msgs"), exist_ok=True)
    zone = {
        "recipient.example": [["A", "192.0.2.99"], ["MX", "10 mx.recipient.example"]],
        "mx.recipient.example": [["A", "192.0.2.99"]],
        "_spf.provider.example": [["TXT", "v=spf1 ip4:192.0.2.0/25 include:_spf2.provider.example ~all"]],
        "_spf2.provider.example": [["TXT", "v=spf1 ip4:203.0.113.0/25 -all"]],
    }
    # (spf, dkim, dmarc) per domain
    policies = [
        ("-all", True, "reject"), ("-all", True, "quarantine"), ("~all", True, "none"), ("include", True, None),
        ("-all", False, "reject"), ("~all", False, None), ("none", True, None), ("none", False, None),
        ("include", False, "quarantine"), ("-all", True, None), ("~all", True, "quarantine"), ("-all", False, "none"),
    ]
    domains = []
    for i, (spf, dkim, dmarc) in enumerate(policies):
        d = "org%02d.example" % i
        ip = "192.0.2.%d" % (10 + i)
        host = "mail." + d
        recs = [["A", ip], ["MX", "10 " + host]]
        if spf == "include":
            recs.append(["TXT", "v=spf1 include:_spf.provider.example -all"])
        elif spf != "none":
            recs.append(["TXT", "v=spf1 ip4:%s %s" % (ip, spf)])
            recs.append(["TXT", "spf2.0/pra ip4:%s %s" % (ip, spf)])
        zone[d] = recs
        zone[host] = [["A", ip]]
        zone["%d.2.0.192.in-addr.arpa" % (10 + i)] = [["PTR", host]]
        if dmarc:
            zone["_dmarc." + d] = [["TXT", "v=DMARC1; p=%s" % dmarc]]
        domains.append((d, ip, host, dkim))
    # the protected brand and a look-alike that authenticates perfectly
    zone["bank.example"] = [["A", "192.0.2.80"], ["TXT", "v=spf1 ip4:192.0.2.80 -all"]]
    zone["_dmarc.bank.example"] = [["TXT", "v=DMARC1; p=reject"]]
    zone["bank-secure.example"] = [["A", "203.0.113.5"], ["TXT", "v=spf1 ip4:203.0.113.5 -all"]]
    zone["mail.bank-secure.example"] = [["A", "203.0.113.5"]]
    zone["5.113.0.203.in-addr.arpa"] = [["PTR", "mail.bank-secure.example"]]
    # botnet hosts: dynamic-looking, forward-confirmed reverse names
    bots = []
    for k in range(8):
        ip = "198.51.100.%d" % (20 + k)
        name = "198-51-100-%d.dyn.pool.isp.example" % (20 + k)
        zone["%d.100.51.198.in-addr.arpa" % (20 + k)] = [["PTR", name]]
        zone[name] = [["A", ip]]
        bots.append((ip, name))

    facts, signs = [], []
    tls_choices = [("TLSv1.3", "TLS_AES_256_GCM_SHA384")] * 5 + [("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")] * 2 + \
                  [("TLSv1", "DES-CBC3-SHA"), (None, None), (None, None)]
    for n in range(count):
        kind = rnd.random()
        d, ip, host, dkim = domains[n % len(domains)]
        user = rnd.choice(["alice", "bob", "carol", "news", "billing"])
        sender = "%s@%s" % (user, d)
        helo, hostname, extra = host, host, ""
        if kind < 0.6:
            pass                                   # the domain's own server
        elif kind < 0.8:
            ip, hostname = rnd.choice(bots)        # a botnet host forging the domain
            helo = "[%s]" % ip
            dkim = False
        elif kind < 0.9:
            d, ip, host, dkim = "bank-secure.example", "203.0.113.5", "mail.bank-secure.example", False
            sender, helo, hostname = "service@" + d, host, host
        else:
            extra = rnd.choice(["Sender: list@%s\n" % d, "Resent-From: relay@%s\n" % d])
        version, cipher = rnd.choice(tls_choices)
        body = "\n".join(" ".join(rnd.choice(WORDS) for _ in range(12)) for _ in range(rnd.randint(5, 60)))
        name = "%04d.eml" % n
        msg = ("From: %s <%s>\n%sTo: you@recipient.example\nSubject: %s %s\n"
               "Date: Thu, 26 Nov 2026 %02d:%02d:00 +0000\nMessage-ID: <m%04d@%s>\n"
               "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n"
               % (user.capitalize(), sender, extra, rnd.choice(WORDS), rnd.choice(WORDS), n % 24, n % 60, n,
                  sender.split("@")[1], body))
        with open(os.path.join(out, "msgs", name), "w") as f:
            f.write(msg)
        if dkim:
            signs.append("%s %s s1" % (name, sender.split("@")[1]))
        h = {"IP": ip, "Helo": helo, "Hostname": hostname, "From": sender, "Rcpt": "you@recipient.example"}
        if version:
            h["TLS-Version"], h["TLS-Cipher"] = version, cipher
        facts.append({"file": name, "headers": h})
    with open(os.path.join(out, "zone.json"), "w") as f:
        json.dump(zone, f, indent=1)
    with open(os.path.join(out, "facts.jsonl"), "w") as f:
        for x in facts:
            f.write(json.dumps(x) + "\n")
    with open(os.path.join(out, "sign.txt"), "w") as f:
        f.write("\n".join(signs) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
