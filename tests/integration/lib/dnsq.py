#!/usr/bin/env python3
"""Ask one DNS question over UDP and print the answer: a debugging and
readiness tool for the test DNS server (no dig on a minimal Debian).

    dnsq.py SERVER PORT NAME TYPE [TIMEOUT]

Prints "RCODE" then one line per answer record of the asked type
(TXT strings joined, A/AAAA as text, other types as hex). Exit status:
0 for an answer, 1 for a timeout, 2 for bad usage.
"""
import ipaddress
import random
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            return pos + 2
        if n == 0:
            return pos + 1
        pos += n + 1


def read_name(msg, pos, depth=0):
    labels = []
    while depth < 20:
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            ptr = struct.unpack("!H", msg[pos:pos + 2])[0] & 0x3FFF
            labels.append(read_name(msg, ptr, depth + 1))
            break
        if n == 0:
            break
        labels.append(msg[pos + 1:pos + 1 + n].decode("latin-1"))
        pos += n + 1
    return ".".join(l for l in labels if l)


def query(server, port, name, qtype, timeout):
    qid = random.randint(0, 0xFFFF)
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack("!HH", TYPES[qtype], 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(packet, (server, port))
        while True:
            msg, _ = s.recvfrom(65535)
            if struct.unpack("!H", msg[:2])[0] == qid:
                break
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    pos = 12
    for _ in range(qd):
        pos = skip_name(msg, pos) + 4
    records = []
    for _ in range(an):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        rdata = msg[pos:pos + rdlen]
        if rtype == TYPES[qtype]:
            if rtype == 16:
                strings, i = [], 0
                while i < len(rdata):
                    strings.append(rdata[i + 1:i + 1 + rdata[i]].decode("latin-1"))
                    i += rdata[i] + 1
                records.append("".join(strings))
            elif rtype == 1:
                records.append(str(ipaddress.IPv4Address(rdata)))
            elif rtype == 28:
                records.append(str(ipaddress.IPv6Address(rdata)))
            elif rtype in (5, 12):
                records.append(read_name(msg, pos))
            elif rtype == 15:
                records.append("%d %s" % (struct.unpack("!H", rdata[:2])[0], read_name(msg, pos + 2)))
            else:
                records.append(rdata.hex())
        pos += rdlen
    return RCODES.get(flags & 0xF, str(flags & 0xF)), records


def main():
    if len(sys.argv) not in (5, 6) or sys.argv[4].upper() not in TYPES:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    timeout = float(sys.argv[5]) if len(sys.argv) == 6 else 2.0
    try:
        rcode, records = query(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4].upper(), timeout)
    except socket.timeout:
        print("TIMEOUT")
        return 1
    print(rcode)
    for r in records:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
