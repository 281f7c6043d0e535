// libFuzzer target: DKIM-Signature tag lists (core dkim_sig, RFC 6376 3.2,
// 3.5): the tag-list grammar, the signature's checks, key location and
// the key name built from d= and s=; and body canonicalization (3.4).
#include "fuzz_support.hxx"

#include "authweight/dkim_canon.hxx"
#include "authweight/dkim_sig.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    (void)core::parse_tag_list(in);
    const auto loc = core::locate_dkim_key(in);
    fuzz::require(fuzz::lower_case(loc.domain) && fuzz::lower_case(loc.selector), "locator lower case");
    if (auto name = core::dkim_key_name(loc.selector, loc.domain))
        fuzz::require(name->size() <= 253, "a key name is at most 253 octets");
    if (auto sig = core::parse_dkim_signature(in)) {
        fuzz::require(sig->version == "1", "v=1");
        fuzz::require(!sig->domain.empty() && !sig->selector.empty(), "d= and s= present");
        fuzz::require(sig->signed_count("from") >= 1, "h= covers From");
        fuzz::require(sig->signed_headers.size() <= core::max_signed_fields, "h= within max_signed_fields");
        fuzz::require(sig->domain == loc.domain && sig->selector == loc.selector,
                      "locate_dkim_key agrees with parse_dkim_signature");
        (void)core::acceptable_algorithm(sig->algorithm);
        (void)core::dkim_key_name(sig->selector, sig->domain);
        // The signed header data over a one-field block holding this signature.
        const std::string message = "DKIM-Signature: " + std::string(in) + "\r\nFrom: a@b.example\r\n\r\n";
        if (auto hb = core::parse_header_block(message); hb && !hb->fields.empty())
            (void)core::signed_header_data(*hb, hb->fields.front(), *sig);
    }
    (void)core::without_b_value(in);
    for (auto canon : {core::dkim_canon::SIMPLE, core::dkim_canon::RELAXED}) {
        std::string scratch;
        const auto body = core::canonical_body(in, canon, scratch);
        fuzz::require(body.size() == core::canonical_body_length(in, canon), "canonical length agrees");
        std::string header;
        core::append_canonical_header(header, in, canon, true);
    }
    return 0;
}
