// libFuzzer target: RFC 5322 header blocks and address lists (core rfc5322).
#include "fuzz_support.hxx"

#include "authweight/rfc5322.hxx"

using namespace authweight;

namespace {

void check_mailbox(const core::mailbox &m)
{
    fuzz::require(fuzz::normalised_domain(m.domain), "mailbox domain is lower case without a trailing dot");
    fuzz::require(fuzz::valid_utf8(m.display_name), "decoded display name is UTF-8");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    // Small limits so that the fuzzer reaches them with small inputs.
    const core::parse_limits small{50, 512, 8};
    for (const auto &limits : {core::parse_limits{}, small}) {
        auto hb = core::parse_header_block(in, limits);
        if (!hb)
            continue;
        fuzz::require(hb->fields.size() <= limits.max_headers, "headers kept within max_headers");
        fuzz::require(hb->body_offset <= in.size(), "body offset inside the message");
        for (const auto &f : hb->fields)
            fuzz::require(f.value.size() <= limits.max_header_bytes, "header value within max_header_bytes");
        const auto id = core::author_identity(*hb);
        if (id.status == core::from_status::SINGLE) {
            check_mailbox(id.author);
            fuzz::require(!id.author.domain.empty(), "a single author has a domain");
        }
        std::size_t parsed = 0;
        for (const auto &f : hb->fields) {
            if (++parsed > 8)
                break;
            if (auto list = core::parse_address_list(f.value, limits)) {
                fuzz::require(list->size() <= limits.max_mailboxes, "mailboxes within max_mailboxes");
                for (const auto &m : *list)
                    check_mailbox(m);
            }
        }
    }
    if (auto list = core::parse_address_list(in))
        for (const auto &m : *list)
            check_mailbox(m);
    if (auto env = core::parse_envelope_address(in))
        fuzz::require(fuzz::normalised_domain(env->domain), "envelope domain normalised");
    fuzz::require(fuzz::valid_utf8(core::decode_encoded_words(in)), "decode_encoded_words gives UTF-8");
    return 0;
}
