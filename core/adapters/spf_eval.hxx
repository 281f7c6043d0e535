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

namespace libspf2 {
class check_memo;
}

struct spf_request {
    std::string client_ip;                 ///< text form, required for a result other than none
    std::string helo;                      ///< HELO/EHLO argument
    std::optional<std::string> mail_from;  ///< nullopt = unknown, "" = null sender
    std::string receiver{"unknown"};       ///< %{r}
    /** Fetch the exp= text on fail (RFC 7208 6.2). It costs one more DNS
     *  round, so the engine leaves it off; conformance tests turn it on. */
    bool want_explanation{false};
    std::string default_explanation{};     ///< explanation when exp= gives none
};

/** What one check_host() run found besides the result, for tests and tools. */
struct spf_trace {
    std::string explanation;   ///< on fail, with want_explanation
    bool complete{true};       ///< false: the snapshot lacked answers; step again
    int dns_terms{0};          ///< DNS-querying terms evaluated (RFC 7208 4.6.4, at most 10 + 1)
    int void_lookups{0};       ///< void lookups counted
};

/**
 * SPF for MAIL FROM, or for HELO when MAIL FROM is null (RFC 7208 2.3): the
 * <sender> is then postmaster@HELO, as it is for a MAIL FROM without a
 * local part (4.3). An unknown MAIL FROM (nullopt) checks nothing.
 * Reads DNS only through `dns`; when an answer is missing the outcome is
 * incomplete (trace->complete false) and the caller steps again.
 * DIAGNOSTICS: an identity that is not a fully qualified domain, or no
 * client address, gives none with the reason.
 */
[[nodiscard]] core::spf_outcome check_spf(const spf_request &req, core::dns_source &dns,
                                          spf_trace *trace = nullptr, libspf2::check_memo *memo = nullptr);

/** Sender ID: the PRA (RFC 4407) from the headers, spf2.0/pra and
 *  spf2.0/mfrom record selection (RFC 4406 3.4), evaluated by libspf2.
 *  No PRA (RFC 4407 2 step 6) gives permerror on the PRA scope; the mfrom
 *  scope uses the same identity as SPF (MAIL FROM, or postmaster@HELO). */
[[nodiscard]] core::senderid_outcome check_senderid(const spf_request &req,
                                                    const core::header_block &headers,
                                                    core::dns_source &dns,
                                                    spf_trace *pra_trace = nullptr,
                                                    spf_trace *mfrom_trace = nullptr,
                                                    libspf2::check_memo *memo = nullptr);

} // namespace authweight::adapters
