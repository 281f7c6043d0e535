// libFuzzer target: ARC (core arc.hxx, RFC 8617): the ARC-Seal,
// ARC-Message-Signature and ARC-Authentication-Results parsers, the chain's
// structure, the data a seal signs, the first hop's AAR, and check_arc
// itself over a verifier that says pass to every signature (the
// cryptography is the adapters'; what is fuzzed here is the ARC rules).
#include "fuzz_support.hxx"

#include "authweight/arc.hxx"
#include "authweight/dkim_canon.hxx"

using namespace authweight;

namespace {

/** Every signature verifies: the rules after the crypto are reached. */
class yes_verifier final : public core::arc_verifier {
public:
    std::string sha256(std::string_view) const override { return std::string(32, '\0'); }
    core::signature_check verify(std::string_view, std::string_view, std::string_view,
                                 std::string_view) const override
    {
        return {core::auth_result::PASS, {}};
    }
};

/** Every key exists. */
class any_key final : public core::dns_source {
public:
    core::dns_answer key{core::dns_status::OK, {"v=DKIM1; k=rsa; p=AAAA"}};
    const core::dns_answer *lookup(const core::dns_query &) override { return &key; }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    // One field value on its own, through each parser.
    (void)core::parse_arc_seal(in);
    if (auto ms = core::parse_arc_message_signature(in))
        fuzz::require(ms->instance >= 1 && ms->instance <= core::max_arc_rfc_instances, "AMS i= in 1..50");
    std::string_view rest;
    if (auto i = core::parse_arc_instance(in, &rest))
        fuzz::require(*i >= 1 && *i <= core::max_arc_rfc_instances && rest.size() < in.size(), "AAR i= in 1..50");
    (void)core::read_first_hop(in, nullptr);

    // The input as a message.
    auto hb = core::parse_header_block(in);
    if (!hb)
        return 0;
    bool any = false;
    for (const auto &f : hb->fields)
        any = any || core::is_arc_field(f.name);
    for (int limit : {1, 10, core::max_arc_rfc_instances}) {
        auto chain = core::collect_arc_chain(*hb, limit);
        fuzz::require(chain.present == any, "present iff there are ARC fields");
        fuzz::require(chain.sets.empty() || chain.error.empty(), "sets only for a well-formed chain");
        fuzz::require(static_cast<int>(chain.sets.size()) <= limit, "no more sets than the limit");
        for (std::size_t k = 0; k < chain.sets.size(); ++k) {
            const auto &s = chain.sets[k];
            fuzz::require(s.seal && s.ams && s.aar, "every set has its three fields");
            fuzz::require(s.as.instance == static_cast<int>(k) + 1 && s.ms.instance == s.as.instance,
                          "sets in instance order");
        }
        if (!chain.sets.empty())
            (void)core::arc_seal_signed_data(chain.sets, chain.sets.size() - 1);
    }
    any_key dns;
    const yes_verifier verifier;
    auto out = core::check_arc(in, *hb, {core::max_arc_rfc_instances, nullptr}, dns, verifier);
    fuzz::require(out.present == any, "outcome present iff there are ARC fields");
    fuzz::require(any || out.result == core::auth_result::NONE, "no ARC fields: none");
    if (out.result == core::auth_result::PASS)
        fuzz::require(static_cast<int>(out.sealers.size()) == out.instance && out.oldest_pass >= 1 &&
                          out.oldest_pass <= out.instance,
                      "a pass names every sealer");
    return 0;
}
