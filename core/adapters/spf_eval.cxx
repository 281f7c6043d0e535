// Placeholder until libspf2 is wired in (issue 3): SPF and Sender ID read none.
#include "spf_eval.hxx"

namespace authweight::adapters {

core::spf_outcome check_spf(const spf_request &, core::dns_source &)
{
    return {};
}

core::senderid_outcome check_senderid(const spf_request &, const core::header_block &, core::dns_source &)
{
    return {};
}

} // namespace authweight::adapters
