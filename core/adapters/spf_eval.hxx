/**
 * @file spf_eval.hxx
 * @brief SPF (RFC 7208) and Sender ID (RFC 4406/4407) through libspf2, over
 *        the resumable DNS of dns_source: no call ever blocks.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"

#include <optional>
#include <string>

namespace authweight::adapters {

struct spf_request {
    std::string client_ip;                 ///< text form, required for a result other than none
    std::string helo;                      ///< HELO/EHLO argument
    std::optional<std::string> mail_from;  ///< nullopt = unknown, "" = null sender
    std::string receiver{"unknown"};       ///< %{r}
};

/**
 * SPF for MAIL FROM, or for HELO when MAIL FROM is null (RFC 7208 2.3).
 * Reads DNS only through `dns`; when an answer is missing the outcome is
 * incomplete and the caller steps again.
 */
[[nodiscard]] core::spf_outcome check_spf(const spf_request &req, core::dns_source &dns);

/** Sender ID: the PRA (RFC 4407) from the headers, spf2.0/pra and
 *  spf2.0/mfrom record selection (RFC 4406 3.4), evaluated by libspf2. */
[[nodiscard]] core::senderid_outcome check_senderid(const spf_request &req,
                                                    const core::header_block &headers,
                                                    core::dns_source &dns);

} // namespace authweight::adapters
