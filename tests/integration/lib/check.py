#!/usr/bin/env python3
"""Check what rspamd answered in an integration scenario.

    check.py RESULTS_DIR CONFIG.json AUTH_DERIVED.txt EXPECTATIONS

RESULTS_DIR holds NAME.json, rspamd's /checkv2 answer for each scan.
CONFIG.json is the effective `authweight` section (config_defaults.py --effective);
AUTH_DERIVED.txt the contract's authentication-derived symbols, one a line.

Every scan is checked for an answer and for the trust budget: the sum of
the authentication-derived negative weight on the message (authweight's
own symbols and trust_symbols), with AUTHW_TRUST_CAP added back, is never
below -trust_budget. Then each expectation line, one of:

    NAME has SYMBOL [TEXT]        symbol present (an option or its reason containing TEXT;
                                  reasons are in the reply's messages.authweight)
    NAME lacks SYMBOL
    NAME action ACTION            rspamd's action is ACTION ("!ACTION": is not; may be two words)
    NAME score OP NUMBER          total score
    NAME time OP SECONDS          rspamd's time_real for the scan
    NAME symbol SYMBOL OP NUMBER  one symbol's score (absent counts as 0)
    NAME authweight OP NUMBER     sum of the AUTHW_* scores
    NAME authneg OP NUMBER        authentication-derived weight after the cap
    NAME minus NAME2 OP NUMBER    score(NAME) - score(NAME2)
    NAME authweight-minus NAME2 OP NUMBER   the same for the AUTHW_* sums
    NAME authweight-same NAME2 [SYMBOL ...]  the same AUTHW_* symbols with the same
                                  scores, the SYMBOLs left out
    NAME milter-header HEADER TEXT  the milter reply adds HEADER, its unfolded value
                                  containing TEXT

OP is one of >= <= > < ==. Prints one line per check; exit 1 on a failure.
"""
import json
import os
import sys

EPS = 1e-6
OPS = {
    ">=": lambda a, b: a >= b - EPS,
    "<=": lambda a, b: a <= b + EPS,
    ">": lambda a, b: a > b + EPS,
    "<": lambda a, b: a < b - EPS,
    "==": lambda a, b: abs(a - b) <= 1e-4,
}


class Scenario:
    def __init__(self, results, config, auth_derived):
        self.results = results
        budget = config.get("trust_budget", 6.0)
        # An invalid config disables the module; the default then stands.
        self.budget = float(budget) if isinstance(budget, (int, float)) else 6.0
        self.trust_symbols = config.get("trust_symbols", [])
        if isinstance(self.trust_symbols, str):
            self.trust_symbols = [self.trust_symbols]
        self.auth_derived = set(auth_derived)
        self.cache = {}
        self.failed = 0
        self.passed = 0

    def load(self, name):
        if name not in self.cache:
            path = os.path.join(self.results, name + ".json")
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    self.cache[name] = json.load(f)
            except (OSError, ValueError) as e:
                self.cache[name] = {"error": "no answer: %s" % e}
        return self.cache[name]

    def symbols(self, name):
        return self.load(name).get("symbols") or {}

    def score(self, name):
        return float(self.load(name).get("score", float("nan")))

    def is_trust_symbol(self, sym):
        for p in self.trust_symbols:
            if p.endswith("*") and sym.startswith(p[:-1]):
                return True
            if sym == p:
                return True
        return False

    def authneg(self, name):
        total = 0.0
        for sym, s in self.symbols(name).items():
            score = float(s.get("score", 0))
            if score < 0 and (sym in self.auth_derived or self.is_trust_symbol(sym)):
                total += score
        cap = self.symbols(name).get("AUTHW_TRUST_CAP")
        return total + (float(cap["score"]) if cap else 0.0)

    def authweight(self, name):
        return sum(float(s.get("score", 0)) for sym, s in self.symbols(name).items() if sym.startswith("AUTHW_"))

    def report(self, ok, text, detail=""):
        if ok:
            self.passed += 1
            print("ok     " + text)
        else:
            self.failed += 1
            print("FAILED " + text + (" -- " + detail if detail else ""))

    def describe(self, name):
        r = self.load(name)
        if "error" in r:
            return r["error"]
        syms = ", ".join("%s(%g)" % (k, float(v.get("score", 0)))
                         for k, v in sorted(self.symbols(name).items())
                         if k.startswith("AUTHW_") or float(v.get("score", 0)) != 0)
        return "score %.2f, action %s: %s" % (self.score(name), r.get("action"), syms)

    def global_checks(self, names):
        for name in names:
            r = self.load(name)
            answered = "error" not in r and "symbols" in r
            self.report(answered, "%s: rspamd answered" % name, r.get("error", "no symbols"))
            if not answered:
                continue
            neg = self.authneg(name)
            self.report(neg >= -self.budget - EPS,
                        "%s: authentication-derived weight %.2f is within the trust budget -%.2f"
                        % (name, neg, self.budget), self.describe(name))

    def value(self, name, what, args):
        if what == "score":
            return self.score(name), args
        if what == "symbol":
            s = self.symbols(name).get(args[0])
            return (float(s["score"]) if s else 0.0), args[1:]
        if what == "time":
            return float(self.load(name).get("time_real", float("nan"))), args
        if what == "authweight":
            return self.authweight(name), args
        if what == "authneg":
            return self.authneg(name), args
        if what == "minus":
            return self.score(name) - self.score(args[0]), args[1:]
        if what == "authweight-minus":
            return self.authweight(name) - self.authweight(args[0]), args[1:]
        raise ValueError("unknown check '%s'" % what)

    def expect(self, line):
        words = line.split()
        name, what, args = words[0], words[1], words[2:]
        if what == "has":
            sym = self.symbols(name).get(args[0])
            ok = sym is not None
            if ok and len(args) > 1:
                text = " ".join(args[1:])
                reason = str(((self.load(name).get("messages") or {}).get("authweight") or {}).get(args[0], ""))
                ok = any(text in str(o) for o in sym.get("options", [])) or text in reason
            return self.report(ok, line, self.describe(name))
        if what == "lacks":
            return self.report(args[0] not in self.symbols(name), line, self.describe(name))
        if what == "action":
            got = self.load(name).get("action")
            want = " ".join(args)
            ok = got != want[1:] if want.startswith("!") else got == want
            return self.report(ok, line, self.describe(name))
        if what == "authweight-same":
            def weights(n):
                return {k: round(float(v.get("score", 0)), 4) for k, v in self.symbols(n).items()
                        if k.startswith("AUTHW_") and k not in args[1:]}
            got, want = weights(name), weights(args[0])
            return self.report(got == want, line, "%s: %s; %s: %s" % (name, sorted(got.items()),
                                                                    args[0], sorted(want.items())))
        if what == "milter-header":
            added = ((self.load(name).get("milter") or {}).get("add_headers") or {}).get(args[0])
            values = added if isinstance(added, list) else [added] if added else []
            texts = [" ".join(str(v.get("value", "") if isinstance(v, dict) else v).split()) for v in values]
            want = " ".join(args[1:])
            return self.report(any(want in t for t in texts), line, "added: %s" % texts)
        got, rest = self.value(name, what, args)
        if len(rest) != 2 or rest[0] not in OPS:
            raise ValueError("bad comparison in '%s'" % line)
        ok = OPS[rest[0]](got, float(rest[1]))
        detail = "got %.3f; %s" % (got, self.describe(name))
        if what in ("minus", "authweight-minus"):
            detail += "; %s: %s" % (args[0], self.describe(args[0]))
        return self.report(ok, line, detail)


def main():
    if len(sys.argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results, config_path, derived_path, expectations = sys.argv[1:]
    try:
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        config = {}
    with open(derived_path, encoding="utf-8") as f:
        derived = [l.strip() for l in f if l.strip()]
    sc = Scenario(results, config, derived)
    names = sorted(f[:-5] for f in os.listdir(results) if f.endswith(".json"))
    sc.global_checks(names)
    with open(expectations, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                sc.expect(line)
    print("%d checks passed, %d failed" % (sc.passed, sc.failed))
    return 1 if sc.failed else 0


if __name__ == "__main__":
    sys.exit(main())
