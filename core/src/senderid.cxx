#include "authweight/senderid.hxx"

#include "authweight/ascii.hxx"

namespace authweight::core {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

bool non_empty(const header_field &f) noexcept
{
    return !ascii::trim(f.value).empty();
}

bool named(const header_field &f, std::string_view name) noexcept
{
    return ascii::iequals(f.name, name);
}

std::size_t first_non_empty(const header_block &h, std::string_view name) noexcept
{
    for (std::size_t i = 0; i < h.fields.size(); ++i)
        if (named(h.fields[i], name) && non_empty(h.fields[i]))
            return i;
    return npos;
}

std::vector<std::size_t> all_non_empty(const header_block &h, std::string_view name)
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < h.fields.size(); ++i)
        if (named(h.fields[i], name) && non_empty(h.fields[i]))
            out.push_back(i);
    return out;
}

pra_result none(std::string header, std::string detail)
{
    pra_result r;
    r.step = 6;
    r.header = std::move(header);
    r.detail = std::move(detail);
    return r;
}

} // namespace

pra_result select_pra(const header_block &headers)
{
    const auto &f = headers.fields;
    std::size_t chosen = npos;
    int step = 0;

    // Step 1.
    const std::size_t resent_sender = first_non_empty(headers, "Resent-Sender");
    const std::size_t resent_from = first_non_empty(headers, "Resent-From");
    if (resent_sender != npos) {
        bool split = false;
        if (resent_from != npos && resent_from < resent_sender)
            for (std::size_t i = resent_from + 1; i < resent_sender && !split; ++i)
                split = named(f[i], "Received") || named(f[i], "Return-Path");
        // A trace header between them means the Resent-Sender belongs to an
        // older resending than the Resent-From: the newer one is responsible.
        if (!split) {
            chosen = resent_sender;
            step = 1;
        }
    }
    // Step 2.
    if (chosen == npos && resent_from != npos) {
        chosen = resent_from;
        step = 2;
    }
    // Step 3.
    if (chosen == npos) {
        const auto senders = all_non_empty(headers, "Sender");
        if (senders.size() > 1)
            return none("Sender", "several Sender headers (RFC 4407 2 step 3)");
        if (senders.size() == 1) {
            chosen = senders.front();
            step = 3;
        }
    }
    // Step 4.
    if (chosen == npos) {
        const auto froms = all_non_empty(headers, "From");
        if (froms.size() != 1)
            return none("From", froms.empty() ? "no From header (RFC 4407 2 step 4)"
                                              : "several From headers (RFC 4407 2 step 4)");
        chosen = froms.front();
        step = 4;
    }

    // Step 5: the chosen header must hold one usable mailbox.
    const header_field &hdr = f[chosen];
    auto boxes = parse_address_list(hdr.value);
    if (!boxes)
        return none(hdr.name, hdr.name + " does not parse (RFC 4407 2 step 5)");
    if (boxes->size() != 1)
        return none(hdr.name, hdr.name + (boxes->empty() ? " holds no mailbox" : " holds several mailboxes") +
                                  " (RFC 4407 2 step 5)");
    auto &box = boxes->front();
    if (box.domain.empty() || box.local_part.empty())
        return none(hdr.name, hdr.name + " mailbox has no domain (RFC 4407 2 step 5)");
    pra_result r;
    r.found = true;
    r.address = std::move(box);
    r.header = hdr.name;
    r.step = step;
    r.detail = "PRA from " + hdr.name + " (RFC 4407 2 step " + std::to_string(step) + ")";
    return r;
}

senderid_tag parse_senderid_tag(std::string_view txt) noexcept
{
    senderid_tag tag;
    const std::string_view word = txt.substr(0, txt.find(' '));
    if (!ascii::istarts_with(word, "spf2.0/"))
        return tag;
    std::string_view scopes = word.substr(7);
    senderid_tag parsed;
    parsed.is_spf2 = true;
    for (;;) {
        const auto comma = scopes.find(',');
        const std::string_view s = scopes.substr(0, comma);
        // RFC 4406 3.2: scope = "mfrom" / "pra" / name; an empty scope makes
        // the tag malformed and the record is ignored.
        if (s.empty())
            return tag;
        if (ascii::iequals(s, "mfrom"))
            parsed.mfrom = true;
        else if (ascii::iequals(s, "pra"))
            parsed.pra = true;
        if (comma == std::string_view::npos)
            break;
        scopes.remove_prefix(comma + 1);
    }
    return parsed;
}

spf_selection select_senderid_record(const std::vector<std::string> &txt, senderid_scope scope)
{
    spf_selection sel;
    std::size_t found = 0;
    for (std::size_t i = 0; i < txt.size(); ++i) {
        const auto tag = parse_senderid_tag(txt[i]);
        if (!tag.is_spf2 || !(scope == senderid_scope::PRA ? tag.pra : tag.mfrom))
            continue;
        if (found++ == 0)
            sel.index = i;
    }
    if (found == 0)
        return select_spf_record(txt);
    sel.state = found == 1 ? spf_selection::status::ONE : spf_selection::status::MULTIPLE;
    return sel;
}

} // namespace authweight::core
