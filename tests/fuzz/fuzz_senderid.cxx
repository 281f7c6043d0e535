// libFuzzer target: Sender ID (core senderid): the Purported Responsible
// Address of a header block (RFC 4407 2), version tags and the choice of
// record for a scope (RFC 4406 3.4).
#include "fuzz_support.hxx"

#include "authweight/senderid.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    if (auto hb = core::parse_header_block(in)) {
        const auto pra = core::select_pra(*hb);
        fuzz::require(pra.step >= 1 && pra.step <= 6, "the deciding step is one of RFC 4407's six");
        if (pra.found) {
            fuzz::require(!pra.address.domain.empty(), "a PRA has a domain");
            fuzz::require(fuzz::normalised_domain(pra.address.domain), "PRA domain normalised");
        }
    }
    const auto lines = fuzz::split_lines(in, 16);
    for (const auto &l : lines) {
        const auto tag = core::parse_senderid_tag(l);
        fuzz::require(tag.is_spf2 || (!tag.mfrom && !tag.pra), "scopes only for an spf2.0 tag");
    }
    for (auto scope : {core::senderid_scope::MFROM, core::senderid_scope::PRA}) {
        const auto sel = core::select_senderid_record(lines, scope);
        if (sel.state == core::spf_selection::status::ONE)
            fuzz::require(sel.index < lines.size(), "the selected index names a record");
    }
    return 0;
}
