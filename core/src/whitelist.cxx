#include "authweight/whitelist.hxx"

#include "authweight/ascii.hxx"
#include "authweight/text.hxx"

#include <cstddef>
#include <string>
#include <string_view>

namespace authweight::core {

namespace {

// RFC 5321 4.5.3.1.1: 64 octets of local part; a domain is at most 253
// characters. Longer identities are never listed, so they never match.
constexpr std::size_t max_local = 64;
constexpr std::size_t max_domain = 253;
constexpr std::size_t max_entry = 1024;

std::unexpected<error> bad_entry(std::string_view entry, std::string_view why)
{
    return fail(error_code::BAD_CONFIG, "whitelist entry '" + text::capped(entry) + "': " + std::string(why));
}

/** An unquoted local part (RFC 5322 3.4.1 dot-atom, plus UTF-8 for RFC
 *  6532): no space, control character, '@' or quoting. */
bool valid_local(std::string_view local) noexcept
{
    if (local.empty() || local.size() > max_local)
        return false;
    for (char c : local) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20U || u == 0x7FU || c == '@' || c == '"' || c == '\\' || c == '<' || c == '>' ||
            c == '(' || c == ')' || c == ',' || c == ';' || c == ':' || c == '[' || c == ']')
            return false;
    }
    return true;
}

} // namespace

result<void> whitelist::add(std::string_view entry, const domain_services &ds)
{
    if (entry.find("://") != std::string_view::npos)
        return fail(error_code::BAD_CONFIG, "map URLs are loaded by the caller");
    std::string_view e = ascii::trim(entry);
    if (e.empty())
        return bad_entry(entry, "empty entry");
    if (e.size() > max_entry)
        return bad_entry(entry, "entry too long");
    for (char c : e) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20U || u == 0x7FU)
            return bad_entry(entry, "space or control character in entry");
    }

    enum class kind { ADDRESS, DOMAIN, WILDCARD } k = kind::DOMAIN;
    std::string_view local;
    std::string_view domain = e;
    if (e.starts_with("*.")) {
        k = kind::WILDCARD;
        domain = e.substr(2);
    } else if (std::size_t at = e.find('@'); at != std::string_view::npos) {
        if (e.find('@', at + 1) != std::string_view::npos)
            return bad_entry(entry, "more than one '@'");
        local = e.substr(0, at);
        domain = e.substr(at + 1);
        if (at > 0) {
            k = kind::ADDRESS;
            if (!valid_local(local))
                return bad_entry(entry, "invalid local part");
        }
    }
    if (domain.empty())
        return bad_entry(entry, "no domain");
    if (domain.find('@') != std::string_view::npos || domain.find('*') != std::string_view::npos)
        return bad_entry(entry, "not an address, '@domain' or '*.domain'");
    auto alabel = ds.to_alabel(domain);
    if (!alabel)
        return bad_entry(entry, alabel.error().message());

    // "*.com" or "*.co.uk" would list everyone under a public suffix: a
    // typo in a config must not whitelist half the Internet.
    if (k == kind::WILDCARD && !ds.registrable_domain(*alabel))
        return bad_entry(entry, "wildcard over a public suffix");

    switch (k) {
    case kind::ADDRESS: addresses_.insert(ascii::lower(local) + "@" + *alabel); break;
    case kind::DOMAIN: domains_.insert(std::move(*alabel)); break;
    case kind::WILDCARD: wildcards_.insert(std::move(*alabel)); break;
    }
    return {};
}

std::optional<std::string> whitelist::match(std::string_view local_part, std::string_view alabel_domain) const
{
    std::string domain = ascii::lower(alabel_domain);
    if (!domain.empty() && domain.back() == '.')
        domain.pop_back();
    if (domain.empty() || domain.size() > max_domain)
        return std::nullopt;

    if (!local_part.empty() && local_part.size() <= max_local) {
        std::string address = ascii::lower(local_part) + "@" + domain;
        if (addresses_.contains(address))
            return address;
    }
    if (domains_.contains(domain))
        return "@" + domain;
    // "*.example.com" lists example.com and each name under it; walking up
    // whole labels keeps "evilexample.com" out.
    std::string_view d = domain;
    while (!d.empty()) {
        if (wildcards_.contains(std::string{d}))
            return "*." + std::string{d};
        std::size_t dot = d.find('.');
        if (dot == std::string_view::npos)
            break;
        d.remove_prefix(dot + 1);
    }
    return std::nullopt;
}

} // namespace authweight::core
