/**
 * @file whitelist.hxx
 * @brief Whitelist of identities: exact address, "@domain", "*.domain".
 *
 * Matching says only whether an identity is listed. Whether it earns a
 * bonus is the policy's decision, and only with aligned authentication.
 */
#pragma once

#include "authweight/domain.hxx"
#include "authweight/error.hxx"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

class whitelist {
public:
    /**
     * Add one entry: "user@example.com" (exact address; local part compared
     * case-insensitively), "@example.com" (that domain only), "*.example.com"
     * (the domain and every subdomain). A bare "example.com" is taken as
     * "@example.com". Domains are stored as A-labels.
     * @return BAD_CONFIG naming the entry when it is not one of those forms.
     */
    [[nodiscard]] result<void> add(std::string_view entry, const domain_services &ds);

    /** The entry that lists this address (local@A-label-domain), if any. */
    [[nodiscard]] std::optional<std::string> match(std::string_view local_part,
                                                   std::string_view alabel_domain) const;

    [[nodiscard]] std::size_t size() const noexcept { return addresses_.size() + domains_.size() + wildcards_.size(); }

private:
    std::set<std::string> addresses_;  // lower-cased "local@domain"
    std::set<std::string> domains_;    // "domain"
    std::set<std::string> wildcards_;  // "domain" for "*.domain"
};

} // namespace authweight::core
