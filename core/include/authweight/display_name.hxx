/**
 * @file display_name.hxx
 * @brief Display-name impersonation (AUTHW_DISPLAY_SPOOF): the From's
 *        display name claims an identity its address does not have.
 *
 * SYNOPSIS
 *   display_name_checker chk{cfg, ds};
 *   auto hit = chk.check(display_name, from_domain, aligned, rcpt_domains);
 *
 * DESCRIPTION
 *   A display name imitates, in the order reported (an address or domain
 *   under a local domain before a local label's words):
 *   - a brand: the words of a protected_names entry, or of the
 *     registrable label of a protected_domains entry ("paypal",
 *     "example bank" for example-bank.co.uk), found as whole words after
 *     confusable folding (UTS #39 skeletons, so "PаyPal" with a Cyrillic
 *     а counts). Not when the From domain is, or is under, a protected
 *     domain of that brand and authenticated by aligned SPF or DKIM;
 *   - a local domain: the words of a local_domains entry's registrable
 *     label ("receiver IT desk"), or an address or domain under a local
 *     domain or a recipient's domain. Not when the From domain is one of
 *     them or under one;
 *   - an address: an address or domain of another organisation
 *     (registrable domain) than the From domain's. A domain without "@"
 *     counts only with a suffix of the Public Suffix List or a special-use
 *     TLD (RFC 6761: example, test, invalid), so "Mr.Smith" is no domain.
 *   Aligned authentication of the sender's own domain cancels only the
 *   brand case: an authenticated phisher is still a phisher.
 *
 * LIMITS
 *   The display name is read up to max_display_name_bytes (whitespace runs
 *   count as one). Matching is linear in that length: one pass over its
 *   words, each looked up in a table of the brands' first words.
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/domain.hxx"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authweight::core {

/** Bytes of a display name the check reads. */
inline constexpr std::size_t max_display_name_bytes = 256;

struct display_imitation {
    std::string imitated;   ///< the brand, domain or address imitated
    std::string how;        ///< "brand", "local domain" or "address"
};

class display_name_checker {
public:
    display_name_checker(const config &cfg, const domain_services &ds);

    /**
     * @param display_name the From's decoded display name (UTF-8)
     * @param from_domain  the From domain, A-label
     * @param aligned      the From domain is authenticated by aligned SPF or DKIM
     * @param rcpt_domains the recipients' domains, A-labels (may be empty)
     * @return what the name imitates, or nullopt
     */
    [[nodiscard]] std::optional<display_imitation> check(std::string_view display_name, std::string_view from_domain,
                                                     bool aligned,
                                                     const std::vector<std::string> &rcpt_domains) const;

private:
    struct brand {
        std::string name;                 ///< as the admin wrote it
        std::vector<std::string> words;   ///< skeleton words
        std::vector<std::string> domains; ///< own domains (A-labels): the exemption
        bool local{false};                ///< a local_domains label
    };
    [[nodiscard]] std::vector<std::string> words_of(std::string_view text) const;
    void add_brand(std::string name, std::vector<std::string> domains, bool local);

    const domain_services &ds_;
    std::vector<brand> brands_;
    std::unordered_map<std::string, std::vector<std::size_t>> by_first_word_;
    std::vector<std::string> local_domains_;   ///< A-labels
};

} // namespace authweight::core
