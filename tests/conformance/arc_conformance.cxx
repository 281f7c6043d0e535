// ARC chain validation conformance over ../shared/testdata/arc, read in place.
//
//   conformance_arc [--floor N] [--verbose]
//
// arc-draft-validation-tests.yml (the ValiMail suite written for the ARC
// drafts): YAML documents, each with `tests` (a message and the expected
// `cv`: None, Pass or Fail) and `txt-records` (the keys). Every test runs
// core::check_arc with the adapters' verifier over those records; a name
// the records lack answers NXDOMAIN. The chain limit is RFC 8617's 50 sets,
// not the config default, so the suite tests the RFC. Cases where the
// draft and RFC 8617 differ are listed in KNOWN_FAILURES.md ("ARC").
// Prints "arc.validation: P passed, F failed"; fails below the floor.

#include "openssl_dkim.hxx"

#include "authweight/arc.hxx"
#include "authweight/ascii.hxx"
#include "authweight/rfc5322.hxx"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>

namespace {

using namespace authweight;

const std::string testdata = AUTHWEIGHT_TESTDATA;

/** The suite stores messages with LF; the wire form has CRLF. */
std::string crlf(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            out += '\r';
        out += text[i];
    }
    return out;
}

/** The document's txt-records; any other name does not exist. */
class records_dns final : public core::dns_source {
public:
    std::map<std::string, core::dns_answer> answers;
    const core::dns_answer *lookup(const core::dns_query &q) override
    {
        static const core::dns_answer nx{core::dns_status::NXDOMAIN, {}};
        if (q.type != core::dns_type::TXT)
            return &nx;
        auto it = answers.find(core::dns_snapshot::normalize_name(q.name));
        return it == answers.end() ? &nx : &it->second;
    }
};

std::string word(core::auth_result r)
{
    switch (r) {
    case core::auth_result::PASS: return "pass";
    case core::auth_result::FAIL: return "fail";
    default: return "none";
    }
}

} // namespace

int main(int argc, char **argv)
{
    long floor = 0;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--floor" && i + 1 < argc)
            floor = std::strtol(argv[++i], nullptr, 10);
        else if (a == "--verbose")
            verbose = true;
    }
    const std::string label = "arc.validation";
    int passed = 0;
    int failed = 0;
    try {
        const auto docs = YAML::LoadAllFromFile(testdata + "/arc/arc-draft-validation-tests.yml");
        for (const auto &doc : docs) {
            records_dns dns;
            for (const auto &kv : doc["txt-records"])
                dns.answers[core::dns_snapshot::normalize_name(kv.first.as<std::string>())] = {
                    core::dns_status::OK, {kv.second.as<std::string>()}};
            for (const auto &t : doc["tests"]) {
                const auto name = t.first.as<std::string>();
                const auto &c = t.second;
                // An empty cv is the draft's "no verdict"; see KNOWN_FAILURES.md.
                const std::string want =
                    core::ascii::lower(core::ascii::trim(c["cv"] ? c["cv"].as<std::string>() : std::string{}));
                const std::string message = crlf(c["message"] ? c["message"].as<std::string>() : std::string{});
                std::string got = "none";
                std::string reason;
                if (auto hb = core::parse_header_block(message)) {
                    auto out = core::check_arc(message, *hb, {core::max_arc_rfc_instances, nullptr}, dns,
                                               adapters::arc_verifier_native());
                    got = word(out.result);
                    reason = out.reason;
                }
                if (got == want) {
                    ++passed;
                    if (verbose)
                        std::printf("ok %s: %s (%s)\n", name.c_str(), got.c_str(), reason.c_str());
                } else {
                    ++failed;
                    std::fprintf(stderr, "FAILED %s: want '%s', got %s (%s)\n", name.c_str(), want.c_str(),
                                 got.c_str(), reason.c_str());
                }
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: cannot read the suite: %s\n", label.c_str(), e.what());
        return 2;
    }
    std::printf("%s: %d passed, %d failed\n", label.c_str(), passed, failed);
    if (passed < floor) {
        std::fprintf(stderr, "%s: %d passed is below the floor of %ld\n", label.c_str(), passed, floor);
        return 1;
    }
    return 0;
}
