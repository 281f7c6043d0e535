// The Public Suffix List test vectors (../shared/testdata/publicsuffix/
// test_psl.txt, Debian's publicsuffix examples) through DMARC's
// organisational domain (RFC 7489 3.2): checkPublicSuffix(domain, expected)
// with expected the registrable domain of the IDNA-converted input, or null.
// The unit test domain_services.psl_test_vectors checks libpsl itself; this
// checks the function DMARC alignment actually calls.
//
//   conformance_psl [--floor N]      prints "PSL-DMARC: P passed, F failed"

#include "../testdata.hxx"
#include "domain_libs.hxx"

#include "authweight/dmarc.hxx"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace authweight;

/** One argument of checkPublicSuffix(...): 'text' or null; consumes it. */
std::optional<std::optional<std::string>> argument(std::string_view &s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == ','))
        s.remove_prefix(1);
    if (s.starts_with("null")) {
        s.remove_prefix(4);
        return std::optional<std::string>{};
    }
    if (s.empty() || s.front() != '\'')
        return std::nullopt;
    auto end = s.find('\'', 1);
    if (end == std::string_view::npos)
        return std::nullopt;
    std::string v(s.substr(1, end - 1));
    s.remove_prefix(end + 1);
    return std::optional<std::string>{v};
}

} // namespace

int main(int argc, char **argv)
{
    long floor = 0;
    for (int i = 1; i + 1 < argc; i += 2)
        if (std::string_view{argv[i]} == "--floor")
            floor = std::strtol(argv[i + 1], nullptr, 10);
    auto ds = adapters::make_domain_services();
    if (!ds) {
        std::fprintf(stderr, "domain services: %s\n", ds.error().message().c_str());
        return 2;
    }
    auto in = testing::open_file(AUTHWEIGHT_TESTDATA "/publicsuffix/test_psl.txt");
    int passed = 0;
    int failed = 0;
    std::string line;
    while (std::getline(in, line)) {
        std::string_view s = line;
        constexpr std::string_view call = "checkPublicSuffix(";
        if (!s.starts_with(call))
            continue;
        s.remove_prefix(call.size());
        auto input = argument(s);
        auto expected = argument(s);
        if (!input || !expected) {
            ++failed;
            std::fprintf(stderr, "FAILED unreadable line: %s\n", line.c_str());
            continue;
        }
        std::optional<std::string> got;
        if (*input)
            if (auto a = (*ds)->to_alabel(**input))
                got = core::organizational_domain(*a, **ds);
        std::optional<std::string> want;
        if (*expected)
            if (auto a = (*ds)->to_alabel(**expected))
                want = *a;
        if (got == want) {
            ++passed;
        } else {
            ++failed;
            std::fprintf(stderr, "FAILED %s -> %s\n", line.c_str(), got ? got->c_str() : "null");
        }
    }
    std::printf("PSL-DMARC: %d passed, %d failed\n", passed, failed);
    if (passed < floor) {
        std::fprintf(stderr, "PSL-DMARC: %d passed is below the floor of %ld\n", passed, floor);
        return 1;
    }
    return 0;
}
