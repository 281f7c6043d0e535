/**
 * @file dkim_eval.hxx
 * @brief DKIM (RFC 6376, RFC 8463) through libopendkim with keys from
 *        dns_source, and DMARC (RFC 7489) alignment and policy.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/domain.hxx"
#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"

#include <string_view>
#include <vector>

namespace authweight::adapters {

struct dkim_request {
    std::string_view message;              ///< the raw message
    const core::header_block *headers{nullptr};
    int max_signatures{5};                 ///< signatures examined; the rest ignored
};

/** Verify every DKIM-Signature (bounded). Keys are read through `dns`; all
 *  key queries of a message are asked for in one step. */
[[nodiscard]] std::vector<core::dkim_outcome> check_dkim(const dkim_request &req, core::dns_source &dns);

/** DMARC: alignment of SPF and DKIM with the From domain, and the published
 *  policy (_dmarc lookup with the organisational-domain fallback). */
[[nodiscard]] core::dmarc_outcome check_dmarc(std::string_view from_domain,
                                              const core::spf_outcome &spf,
                                              const std::vector<core::dkim_outcome> &dkim,
                                              core::dns_source &dns,
                                              const core::domain_services &ds);

} // namespace authweight::adapters
