// libFuzzer target: SPF records (core spf_record): the RFC 7208 section 12
// ABNF, record selection and macro expansion. Line 1 is the record (or
// macro string); the next lines, when present, are the sender, the
// current domain and the HELO name the macros expand to.
#include "fuzz_support.hxx"

#include "authweight/ip.hxx"
#include "authweight/spf_record.hxx"

using namespace authweight;

namespace {

class fixed_ptr final : public core::spf_ptr_source {
public:
    std::string validated_name(std::string_view domain) override { return std::string(domain); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    const auto lines = fuzz::split_lines(in, 8);
    const std::string &text = lines[0];

    if (auto rec = core::parse_spf_record(text)) {
        for (const auto &t : rec->terms) {
            fuzz::require(t.cidr4 >= -1 && t.cidr4 <= 32, "cidr4 within 0..32");
            fuzz::require(t.cidr6 >= -1 && t.cidr6 <= 128, "cidr6 within 0..128");
        }
    }
    (void)core::parse_spf_record(in);
    (void)core::is_spf1_record(in);
    const auto sel = core::select_spf_record(lines);
    if (sel.state == core::spf_selection::status::ONE)
        fuzz::require(sel.index < lines.size() && core::is_spf1_record(lines[sel.index]), "selected a v=spf1 record");

    auto line = [&](std::size_t i, std::string_view fallback) -> std::string_view {
        return i < lines.size() ? std::string_view(lines[i]) : fallback;
    };
    const std::string_view sender = line(1, "strong-bad@email.example.com");
    const auto at = sender.rfind('@');
    fixed_ptr ptr;
    core::spf_macro_values values;
    values.sender = sender;
    values.local_part = at == std::string_view::npos ? "postmaster" : sender.substr(0, at);
    values.sender_domain = at == std::string_view::npos ? sender : sender.substr(at + 1);
    values.domain = line(2, "email.example.com");
    values.ip_dotted = "1.2.0.192";
    values.ip_pretty = "192.0.2.1";
    values.ip_version = "in-addr";
    values.helo = line(3, "mx.example.org");
    values.receiver = "receiver.example";
    values.timestamp = "1700000000";
    values.ptr = &ptr;
    for (auto use : {core::spf_macro_use::DOMAIN_SPEC, core::spf_macro_use::MODIFIER,
                     core::spf_macro_use::EXPLANATION}) {
        const bool valid = core::check_spf_macro_string(text, use).has_value();
        auto out = core::expand_spf_macros(text, values, use);
        fuzz::require(valid == out.has_value(), "expansion succeeds exactly for valid macro strings");
        if (out && use == core::spf_macro_use::DOMAIN_SPEC)
            fuzz::require(out->size() <= 253, "an expanded domain-spec is at most 253 characters");
    }
    (void)core::spf_has_macros(text);
    (void)core::spf_queryable_name(text);
    (void)core::spf_valid_identity_domain(text);
    (void)core::parse_ipv4(text);
    (void)core::parse_ipv6(text);
    return 0;
}
