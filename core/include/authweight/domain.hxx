/**
 * @file domain.hxx
 * @brief Domain services the policy needs from libraries: IDNA, the Public
 *        Suffix List and confusable skeletons.
 *
 * The pure core only sees this interface; core/adapters implements it with
 * libidn2, libpsl (Debian's publicsuffix data) and ICU's spoof checker.
 */
#pragma once

#include "authweight/error.hxx"

#include <string>
#include <string_view>

namespace authweight::core {

/** name is parent, or a name under it on a label boundary (both in the
 *  same case, A-labels): "mail.paypal.com" is under "paypal.com",
 *  "badpaypal.com" is not. An empty parent holds nothing. */
[[nodiscard]] constexpr bool is_at_or_under(std::string_view name, std::string_view parent) noexcept
{
    if (parent.empty())
        return false;
    if (name == parent)
        return true;
    return name.size() > parent.size() && name.ends_with(parent) && name[name.size() - parent.size() - 1] == '.';
}

class domain_services {
public:
    virtual ~domain_services() = default;

    /**
     * Normalise a domain to its A-label form: lower case, trailing dot
     * removed, U-labels converted with IDNA2008 (UTS #46 mapping).
     * @return BAD_INPUT for a name that is not a valid domain.
     */
    [[nodiscard]] virtual result<std::string> to_alabel(std::string_view domain) const = 0;

    /** A-label domain -> Unicode (U-label) form, for skeletons and display.
     *  Returns the input unchanged when it has no A-labels. */
    [[nodiscard]] virtual std::string to_ulabel(std::string_view alabel_domain) const = 0;

    /**
     * Registrable (organisational) domain of an A-label domain, from the
     * Public Suffix List: "mail.example.co.uk" -> "example.co.uk".
     * @return NOT_FOUND when the name is itself a public suffix or has none.
     */
    [[nodiscard]] virtual result<std::string> registrable_domain(std::string_view alabel_domain) const = 0;

    /** The public suffix of an A-label domain ("example.co.uk" -> "co.uk"). */
    [[nodiscard]] virtual std::string public_suffix(std::string_view alabel_domain) const = 0;

    /** Whether the domain's public suffix is one the Public Suffix List
     *  names, not one its "*" default rule makes up ("mr.smith"). */
    [[nodiscard]] virtual bool known_suffix(std::string_view alabel_domain) const = 0;

    /**
     * UTS #39 confusable skeleton of a Unicode string (UTF-8), lower-cased:
     * two strings with the same skeleton look alike ("paypal" and "pаypal"
     * with a Cyrillic a; "rn" and "m").
     */
    [[nodiscard]] virtual std::string skeleton(std::string_view utf8) const = 0;
};

} // namespace authweight::core
