// Placeholder until libopendkim is wired in (issue 4): DKIM reads none and
// DMARC computes relaxed alignment only, without looking up a policy.
#include "dkim_eval.hxx"

namespace authweight::adapters {

std::vector<core::dkim_outcome> check_dkim(const dkim_request &, core::dns_source &)
{
    return {};
}

core::dmarc_outcome check_dmarc(std::string_view from_domain, const core::spf_outcome &spf,
                                const std::vector<core::dkim_outcome> &dkim, core::dns_source &,
                                const core::domain_services &ds)
{
    core::dmarc_outcome out;
    out.from_domain = std::string(from_domain);
    if (from_domain.empty())
        return out;
    auto org = [&](std::string_view d) {
        auto r = ds.registrable_domain(d);
        return r ? *r : std::string(d);
    };
    const auto from_org = org(from_domain);
    out.spf_aligned = spf.result == core::auth_result::PASS && !spf.domain.empty() && org(spf.domain) == from_org;
    for (const auto &sig : dkim)
        if (sig.result == core::auth_result::PASS && sig.counts_for_alignment && org(sig.domain) == from_org)
            out.dkim_aligned = true;
    return out;
}

} // namespace authweight::adapters
