/**
 * @file dkim_eval.hxx
 * @brief DKIM (RFC 6376, RFC 8463) through libopendkim with keys from
 *        dns_source, and DMARC (RFC 7489) alignment and policy.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/evaluation.hxx"
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

/** check_dkim's outcomes and whether they are final: `complete` is false
 *  when a key was missing from the snapshot (the outcomes are then empty
 *  and the caller steps again). A complete result stays valid for the rest
 *  of the evaluation, since answers are only ever added to the snapshot. */
using dkim_check = core::dkim_check;

/**
 * The work of check_dkim. Only the first `max_signatures` DKIM-Signature
 * fields (top down: the most recently added) are examined; the keys of all
 * of them are asked for before any is verified. libopendkim verifies; this
 * layer adds what the library leaves to policy: rsa-sha1 never passes (RFC
 * 8301 3.1), a DNS failure for the key is temperror (never fail), an expired
 * signature or a revoked key is fail, and a pass gives no alignment credit
 * (`counts_for_alignment` false) when l= leaves body content unsigned, when
 * the message has more From fields than h= covers (a From added after
 * signing), or when the key is in testing mode (t=y, RFC 6376 3.6.1).
 */
[[nodiscard]] dkim_check check_dkim_resumable(const dkim_request &req, core::dns_source &dns);

} // namespace authweight::adapters
