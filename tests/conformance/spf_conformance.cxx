// Conformance runner for the SPF and Sender ID suites in ../shared/testdata.
//
//   spf_conformance MODE FILE NAME FLOOR [-v]
//   spf_conformance pra NAME FLOOR [-v]
//
// MODE says which result a test names:
//   spf       spf.result of check_spf() (RFC 7208 / 4408 suites, pyspf test.yml);
//             the explanation too when the test gives one
//   mfrom     the Sender ID mfrom scope of check_senderid() (RFC 4406 suite)
//   iterator  Mail::SPF::Iterator's documented check: SPF, and when the
//             domain publishes no v=spf1 record, Sender ID's spf2.0/mfrom
//             (its misc.yml)
//   pra       the RFC 4407 2 PRA table of spf_pra_cases.hxx
// Every test runs through the resumable loop of spf_loop.hxx over the zone
// converted from its scenario. Prints "NAME: P passed, F failed" and exits
// 1 when P is below FLOOR.
#include "spf_loop.hxx"
#include "spf_pra_cases.hxx"
#include "spf_suite.hxx"

#include "spf_eval.hxx"
#include "zone_file.hxx"

#include "authweight/rfc5322.hxx"
#include "authweight/senderid.hxx"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace authweight;

namespace {

struct outcome {
    std::string result;
    std::string explanation;
    std::string reason;
};

outcome run_spf(const spf_test::suite_test &t, const adapters::zone &zone)
{
    adapters::spf_request req;
    req.client_ip = t.host;
    req.helo = t.helo;
    req.mail_from = t.mailfrom;
    req.want_explanation = true;
    req.default_explanation = "DEFAULT";
    adapters::spf_trace trace;
    auto o = spf_test::run_over_zone(zone, [&](core::dns_source &dns) { return adapters::check_spf(req, dns, &trace); });
    return {std::string(core::to_string(o.result)), trace.explanation, o.reason};
}

outcome run_mfrom(const spf_test::suite_test &t, const adapters::zone &zone)
{
    adapters::spf_request req;
    req.client_ip = t.host;
    req.helo = t.helo;
    req.mail_from = t.mailfrom;
    const core::header_block no_headers;
    auto o = spf_test::run_over_zone(
        zone, [&](core::dns_source &dns) { return adapters::check_senderid(req, no_headers, dns); });
    return {std::string(core::to_string(o.mfrom_result)), {}, o.reason};
}

outcome run_iterator(const spf_test::suite_test &t, const adapters::zone &zone)
{
    outcome spf = run_spf(t, zone);
    if (spf.result != "none")
        return spf;
    return run_mfrom(t, zone);
}

int pra_table(std::string_view name, int floor, bool verbose)
{
    int passed = 0;
    int failed = 0;
    for (const auto &c : spf_test::pra_cases) {
        auto hb = core::parse_header_block(c.headers);
        std::string got = "(none)";
        if (hb) {
            auto r = core::select_pra(*hb);
            if (r.found)
                got = r.address.address();
        }
        const bool ok = got == c.want;
        (ok ? passed : failed) += 1;
        if (!ok || verbose)
            std::printf("%s %s (RFC 4407 %s): got %s, want %s\n", ok ? "ok  " : "FAIL", c.name, c.section,
                        got.c_str(), c.want);
    }
    std::printf("%.*s: %d passed, %d failed\n", static_cast<int>(name.size()), name.data(), passed, failed);
    return passed >= floor ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc >= 4 && std::string_view(argv[1]) == "pra")
        return pra_table(argv[2], std::atoi(argv[3]), argc > 4 && std::string_view(argv[4]) == "-v");
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s spf|mfrom|iterator FILE NAME FLOOR [-v]\n       %s pra NAME FLOOR [-v]\n",
                     argv[0], argv[0]);
        return 2;
    }
    const std::string_view mode = argv[1];
    const std::string file = argv[2];
    const std::string_view name = argv[3];
    const int floor = std::atoi(argv[4]);
    const bool verbose = argc > 5 && std::string_view(argv[5]) == "-v";

    spf_test::suite s;
    std::string error;
    if (!spf_test::load_suite(file, s, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
    }
    std::vector<adapters::zone> zones;
    for (const auto &text : s.zones) {
        auto z = adapters::zone::parse(text);
        if (!z) {
            std::fprintf(stderr, "%s: converted zone does not parse: %s\n", file.c_str(), z.error().message().c_str());
            return 2;
        }
        zones.push_back(std::move(*z));
    }

    int passed = 0;
    int failed = 0;
    for (const auto &t : s.tests) {
        const adapters::zone &zone = zones[t.zone];
        outcome got = mode == "mfrom" ? run_mfrom(t, zone) : mode == "iterator" ? run_iterator(t, zone) : run_spf(t, zone);
        bool ok = spf_test::result_matches(t, got.result);
        if (ok && mode == "spf" && t.explanation && got.result == "fail")
            ok = got.explanation == *t.explanation;
        (ok ? passed : failed) += 1;
        if (!ok || verbose) {
            std::string want;
            for (const auto &r : t.results)
                want += (want.empty() ? "" : "|") + r;
            std::printf("%s %s [%s]: got %s, want %s", ok ? "ok  " : "FAIL", t.name.c_str(), t.spec.c_str(),
                        got.result.c_str(), want.c_str());
            if (t.explanation)
                std::printf(" (explanation got '%s', want '%s')", got.explanation.c_str(), t.explanation->c_str());
            std::printf(" -- %s\n", got.reason.c_str());
        }
    }
    std::printf("%.*s: %d passed, %d failed\n", static_cast<int>(name.size()), name.data(), passed, failed);
    return passed >= floor ? 0 : 1;
}
