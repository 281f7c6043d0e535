/**
 * @file lookalike.hxx
 * @brief Detect sender domains that imitate protected domains.
 *
 * Forms detected (DESIGN principle 8):
 *  - EMBEDDED: the protected registrable label (or the whole protected name)
 *    is a label of another registrable domain: "paypal.does.not.exist.com",
 *    "paypal.com.evil.net";
 *  - EDIT: one edit (insert, delete, substitute, adjacent swap) in the
 *    registrable label: "paypall.com", "paypl.com";
 *  - DIGIT: digit-for-letter swaps ("paypa1.com", "g00gle.com");
 *  - HOMOGRAPH: the same confusable skeleton (UTS #39) as the protected
 *    name but a different domain: "pаypal.com" with Cyrillic a.
 * The protected domain itself and its subdomains are never flagged.
 */
#pragma once

#include "authweight/domain.hxx"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

enum class lookalike_form : std::uint8_t { EMBEDDED, EDIT, DIGIT, HOMOGRAPH };
[[nodiscard]] std::string_view to_string(lookalike_form f) noexcept;

struct lookalike_match {
    std::string domain;      ///< the suspicious domain (A-label)
    std::string imitates;    ///< the protected domain
    lookalike_form form{lookalike_form::EDIT};
};

class lookalike_detector {
public:
    /** @param protected_domains A-label or U-label names; normalised here. */
    lookalike_detector(const std::vector<std::string> &protected_domains, const domain_services &ds);

    /** Check one domain (any form); nullopt when it imitates nothing. */
    [[nodiscard]] std::optional<lookalike_match> check(std::string_view domain) const;

    /** Whether the domain is, or is under, a protected domain. */
    [[nodiscard]] bool is_protected(std::string_view alabel_domain) const;

private:
    struct entry {
        std::string alabel;       // "paypal.com"
        std::string label;        // registrable label "paypal"
        std::string suffix;       // public suffix "com"
        std::string skeleton;     // skeleton of the U-label registrable domain
        std::string label_skeleton;
    };
    const domain_services &ds_;
    std::vector<entry> entries_;
};

} // namespace authweight::core
