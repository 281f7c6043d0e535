// Authentication-Results conformance over ../shared/testdata/dkim_verifier/
// arh (the A-R set of dkim_verifier's tests), read in place.
//
//   conformance_arh [--floor N]      prints "ARH: P passed, F failed"
//
// Three kinds of checks:
//  1. every field of every file parses to what it says, or is refused when
//     it breaks RFC 8601 2.2 (a missing or '/'-broken authserv-id, a '/'
//     in a value, a trailing ';'): expectations written from the files,
//     matching dkim_verifier's strict parser (its relaxed mode is not ours);
//  2. trust by authserv-id: the results dkim_verifier's authVerifierSpec
//     expects when it trusts example.net, or foo.example.net and
//     unrelated.com (a set: it sorts, we keep field order);
//  3. an upstream result is input only: through the engine, with every
//     authserv-id trusted and no DKIM keys in DNS, no file gets a DKIM pass
//     or any alignment credit from its A-R fields.

#include "../testdata.hxx"
#include "engine.hxx"
#include "json_io.hxx"

#include "authweight/auth_results.hxx"
#include "authweight/rfc5322.hxx"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace authweight;

const std::string dir = AUTHWEIGHT_TESTDATA "/dkim_verifier/arh/";

using testing::read_file;

/** A parsed field in one line: "id; method=result reason=.. ptype.prop=v". */
std::string summary(const core::ar_header &h)
{
    std::string s = h.authserv_id;
    if (h.results.empty())
        s += "; none";
    for (const auto &r : h.results) {
        s += "; " + r.method + "=" + r.result;
        if (!r.reason.empty())
            s += " reason=" + r.reason;
        for (const auto &p : r.properties)
            s += " " + p.ptype + "." + p.property + "=" + p.value;
    }
    return s;
}

struct file_case {
    const char *file;
    std::vector<const char *> fields;   // top down; "" = must not parse
};

const char *const A2 = "example.net; spf=pass smtp.mailfrom=example.com; ";

const std::vector<file_case> &parse_cases()
{
    static const std::vector<file_case> cases = {
        {"alignment-auid_not_in_sdid.eml",
         {"example.net; dkim=pass header.d=example.net header.i=joe@football.example.com"}},
        {"alignment-from_not_in_sdid.eml", {"example.net; dkim=pass header.d=unrelated.com"}},
        {"dkim-unknown_result.eml", {"example.net; dkim=timeout header.d=example.com"}},
        {"fakePayPal.eml", {"example.net; dkim=pass header.d=unrelated.com"}},
        {"multiple_arh-newest_no_authserv.eml", {"", "unrelated.com; dkim=pass header.d=unrelated.com", ""}},
        {"multiple_arh-newest_no_result.eml",
         {"example.net; none", "unrelated.com; dkim=pass header.d=unrelated.com",
          "example.net; dkim=pass header.d=example.com"}},
        {"multiple_arh-newest_parsing_error_01.eml",
         {"", "unrelated.com; dkim=pass header.d=unrelated.com", "example.net; dkim=pass header.d=example.com"}},
        {"multiple_arh-newest_parsing_error_02.eml", {"", "unrelated.com; dkim=pass header.d=unrelated.com", ""}},
        {"multiple_arh-newest_unknown_method.eml",
         {"example.net; foo=pass", "unrelated.com; dkim=pass header.d=unrelated.com",
          "example.net; dkim=pass header.d=example.com"}},
        {"multiple_arh-same_and_different_authserv.eml",
         {"example.net; spf=pass", "example.net; dkim=pass header.d=example.com",
          "example.net; dkim=pass header.d=football.example.com", "foo.example.net; dkim=pass header.d=foo.example.com",
          "unrelated.com; dkim=pass header.d=unrelated.com", "", "example.net; dkim=pass header.d=last.example.com"}},
        {"multiple_dkim_results.eml",
         {"example.net; dkim=fail header.d=example.com; dkim=pass header.d=unrelated.org; dkim=pass "
          "header.d=example.com; dkim=fail reason=test failure header.d=example.com; dkim=fail reason=test failure "
          "signed by unrelated header.d=unrelated.org; dkim=fail header.d=example.com; dkim=pass header.d=example.org"}},
        {"multiple_spf_and_dmarc_results.eml",
         {"example.net; spf=fail; spf=pass; spf=none; spf=softfail; spf=policy; spf=neutral; spf=temperror; "
          "spf=permerror; dmarc=fail; dmarc=pass; dmarc=permerror; dmarc=none; dmarc=temperror"}},
        {"rfc6376-A.2-arh-failed-no_reason.eml", {"+dkim=fail header.d=example.com"}},
        {"rfc6376-A.2-arh-failed.eml", {"+dkim=fail reason=bad signature header.d=example.com"}},
        {"rfc6376-A.2-arh-valid-a_tag.eml", {"+dkim=pass header.d=example.com header.a=rsa-sha256"}},
        {"rfc6376-A.2-arh-valid-a_tag_sha1.eml", {"+dkim=pass header.d=example.com header.a=rsa-sha1"}},
        {"rfc6376-A.2-arh-valid-auid.eml", {"+dkim=pass header.i=joe@football.example.com"}},
        {"rfc6376-A.2-arh-valid-no_sdid_or_auid.eml", {"+dkim=pass"}},
        {"rfc6376-A.2-arh-valid-sdid_and_auid.eml",
         {"+dkim=pass header.d=example.com header.i=joe@football.example.com"}},
        {"rfc6376-A.2-arh-valid.eml", {"+dkim=pass header.d=example.com"}},
        {"rfc6376-A.2-arh-valid_relaxed.eml", {""}},   // a trailing ';': strict RFC 8601 refuses it
    };
    return cases;
}

struct trust_case {
    const char *file;
    std::vector<std::string> trusted;
    std::multiset<std::string> dkim_domains;   // header.d of the trusted dkim results
    std::size_t spf;                           // trusted spf results
    const char *source;
};

const std::vector<trust_case> &trust_cases()
{
    static const std::vector<trust_case> cases = {
        {"multiple_arh-same_and_different_authserv.eml", {"example.net"},
         {"football.example.com", "example.com", "last.example.com"}, 1, "Trust a specific authserv_id"},
        {"multiple_arh-same_and_different_authserv.eml", {"foo.example.net", "unrelated.com"},
         {"foo.example.com", "unrelated.com"}, 0, "Trust multiple authserv_id"},
        {"multiple_arh-newest_no_result.eml", {"example.net"}, {"example.com"}, 0, "Newest ARH has no result"},
        {"multiple_arh-newest_unknown_method.eml", {"example.net"}, {"example.com"}, 0,
         "Newest ARH has an unknown method"},
        {"multiple_arh-newest_parsing_error_01.eml", {"example.net"}, {"example.com"}, 0,
         "Newest ARH has a parsing error in the method"},
        {"multiple_arh-newest_parsing_error_02.eml", {"example.net"}, {}, 0,
         "Newest ARH has a parsing error in the authserv_id"},
        {"multiple_arh-newest_no_authserv.eml", {"example.net"}, {}, 0, "Newest ARH has no authserv_id"},
    };
    return cases;
}

} // namespace

int main(int argc, char **argv)
{
    long floor = 0;
    for (int i = 1; i + 1 < argc; i += 2)
        if (std::string{argv[i]} == "--floor")
            floor = std::strtol(argv[i + 1], nullptr, 10);
    int passed = 0;
    int failed = 0;
    auto check = [&](bool ok, const std::string &what) {
        if (ok) {
            ++passed;
        } else {
            ++failed;
            std::fprintf(stderr, "FAILED %s\n", what.c_str());
        }
    };

    // 1. parsing, field by field
    for (const auto &c : parse_cases()) {
        auto hb = core::parse_header_block(read_file(dir + c.file));
        if (!hb) {
            check(false, std::string(c.file) + ": message does not parse");
            continue;
        }
        const auto fields = hb->all("Authentication-Results");
        check(fields.size() == c.fields.size(), std::string(c.file) + ": " + std::to_string(fields.size()) +
                                                    " fields, want " + std::to_string(c.fields.size()));
        for (std::size_t i = 0; i < std::min(fields.size(), c.fields.size()); ++i) {
            std::string want = c.fields[i];
            if (want.starts_with("+"))
                want = A2 + want.substr(1);
            auto got = core::parse_authentication_results(fields[i]->value);
            const std::string have = got ? summary(*got) : "";
            check(have == want, std::string(c.file) + " field " + std::to_string(i) + ": got '" +
                                    (got ? have : "refused: " + got.error().message()) + "', want '" + want + "'");
        }
    }

    // 2. trust by authserv-id
    for (const auto &c : trust_cases()) {
        auto hb = core::parse_header_block(read_file(dir + c.file));
        std::multiset<std::string> dkim;
        std::size_t spf = 0;
        if (hb)
            for (const auto &h : core::trusted_authentication_results(*hb, c.trusted))
                for (const auto &r : h.results) {
                    if (r.method == "dkim")
                        dkim.insert(std::string(r.property("header", "d")));
                    spf += r.method == "spf";
                }
        check(dkim == c.dkim_domains && spf == c.spf,
              std::string(c.file) + " (" + c.source + "): " + std::to_string(dkim.size()) + " dkim and " +
                  std::to_string(spf) + " spf results");
    }

    // 3. input only: never a pass by itself
    core::config cfg;
    cfg.trusted_authserv_ids = {"example.net", "foo.example.net", "unrelated.com"};
    auto eng = adapters::make_engine(cfg);
    if (!eng) {
        std::fprintf(stderr, "engine: %s\n", eng.error().message().c_str());
        return 2;
    }
    for (const auto &c : parse_cases()) {
        core::delivery_facts facts;
        facts.message = read_file(dir + c.file);
        facts.has_message = true;
        facts.connection.client_ip = "192.0.2.1";
        facts.envelope.mail_from = "joe@football.example.com";
        auto ev = adapters::evaluation::create(*eng, facts);
        if (!ev) {
            check(false, std::string(c.file) + ": " + ev.error().message());
            continue;
        }
        int rounds = 0;
        while ((*ev)->step() == adapters::step_status::NEED_DNS && ++rounds < 20)
            for (const auto &q : std::vector<core::dns_query>((*ev)->pending()))
                (*ev)->answer(q, core::dns_answer{core::dns_status::NXDOMAIN, {}});
        const auto &rep = (*ev)->result();
        const bool dkim_pass = std::any_of(rep.auth.dkim.begin(), rep.auth.dkim.end(),
                                           [](const core::dkim_outcome &o) { return o.result == core::auth_result::PASS; });
        const bool credit = rep.auth.dmarc.dkim_aligned || rep.auth.dmarc.spf_aligned ||
                            rep.verdict.find("AUTHW_ALIGNED") != nullptr ||
                            rep.verdict.find("AUTHW_DKIM_PASS") != nullptr;
        const bool has_input = std::any_of(c.fields.begin(), c.fields.end(), [](const char *f) { return *f != '\0'; });
        check(!dkim_pass && !credit && (rep.upstream_authentication_results.empty() != has_input),
              std::string(c.file) + ": upstream results must be input only (dkim pass " +
                  (dkim_pass ? "yes" : "no") + ", credit " + (credit ? "yes" : "no") + ", upstream fields " +
                  std::to_string(rep.upstream_authentication_results.size()) + ")");
    }

    std::printf("ARH: %d passed, %d failed\n", passed, failed);
    if (passed < floor) {
        std::fprintf(stderr, "ARH: %d passed is below the floor of %ld\n", passed, floor);
        return 1;
    }
    return 0;
}
