// libFuzzer target: DMARC records and policy discovery (core dmarc, RFC
// 7489 6.3, 6.6.3). Each input line is one TXT record at _dmarc.<From>;
// the organisational domain's answer holds the same lines reversed.
#include "fuzz_support.hxx"

#include "authweight/dmarc.hxx"

#include <algorithm>

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    (void)core::is_dmarc_record(in);
    if (auto rec = core::parse_dmarc_record(in)) {
        fuzz::require(rec->pct >= 0 && rec->pct <= 100, "pct within 0..100");
        fuzz::require(core::is_dmarc_record(in), "a parsed record starts with v=DMARC1");
    }
    const auto lines = fuzz::split_lines(in, 16);
    core::dns_answer from{core::dns_status::OK, lines};
    core::dns_answer org{core::dns_status::OK, {lines.rbegin(), lines.rend()}};
    for (auto org_domain : {"example.com", "mail.example.com"}) {
        auto found = core::discover_dmarc_policy("mail.example.com", org_domain, &from, &org);
        fuzz::require(found.has_value(), "both answers given: discovery ends");
        fuzz::require(core::discover_dmarc_policy("mail.example.com", org_domain, nullptr, &org) == std::nullopt,
                      "a missing answer asks for it");
    }
    const auto norm = core::dmarc_normalize(lines[0]);
    fuzz::require(norm.empty() || (norm.front() != '.' && norm.back() != '.'), "normalised without edge dots");
    fuzz::require(std::none_of(norm.begin(), norm.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
                  "normalised lower case");
    return 0;
}
