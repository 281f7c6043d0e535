/**
 * @file dmarc.hxx
 * @brief DMARC (RFC 7489) without I/O: policy records, policy discovery
 *        over DNS answers the caller fetched, identifier alignment and the
 *        resulting verdict.
 *
 * The organisational domain comes from domain_services (libpsl over
 * Debian's publicsuffix list in the adapters). Discovery needs at most two
 * TXT answers, _dmarc.<From domain> and _dmarc.<organisational domain>;
 * callers ask for both in one DNS round.
 *
 * DIAGNOSTICS: a record that is not DMARC is not an error (it is skipped);
 * a DMARC record with a syntax error yields BAD_INPUT naming the tag, which
 * evaluation turns into the permerror result of RFC 7489 11.2.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/domain.hxx"
#include "authweight/error.hxx"
#include "authweight/results.hxx"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** Identifier alignment mode (RFC 7489 3.1). */
enum class dmarc_alignment : std::uint8_t {
    RELAXED,  ///< same organisational domain
    STRICT,   ///< the very same domain
};

/** A DMARC policy record (RFC 7489 6.3). Defaults are the RFC's. */
struct dmarc_record {
    dmarc_policy policy{dmarc_policy::NONE};        ///< p=
    std::optional<dmarc_policy> subdomain_policy;   ///< sp=; p applies when absent
    dmarc_alignment adkim{dmarc_alignment::RELAXED};
    dmarc_alignment aspf{dmarc_alignment::RELAXED};
    int pct{100};
    std::vector<std::string> rua;                   ///< aggregate report URIs
    std::vector<std::string> ruf;                   ///< failure report URIs
    std::uint32_t ri{86400};
    std::vector<std::string> fo{"0"};
    std::vector<std::string> rf{"afrf"};
    /** p= (or sp=) was absent or invalid but rua= held a valid URI, so the
     *  record acts as p=none (RFC 7489 6.6.3). */
    bool policy_fallback{false};
};

/** True when the TXT record starts with the v=DMARC1 tag (RFC 7489 6.6.3:
 *  other records at _dmarc are discarded, not errors). */
[[nodiscard]] bool is_dmarc_record(std::string_view txt) noexcept;

/**
 * Parse a DMARC record. v=DMARC1 must come first and p= second (RFC 7489
 * 6.3); duplicate tags, tags without '=', and invalid values of known tags
 * are syntax errors; unknown tags are ignored. A missing or invalid p= or
 * sp= with a valid rua= acts as p=none (policy_fallback).
 * @return the record, or BAD_INPUT naming the problem.
 */
[[nodiscard]] result<dmarc_record> parse_dmarc_record(std::string_view txt);

/** Normalise a domain for DMARC comparisons: lower case, leading and
 *  trailing dots removed. */
[[nodiscard]] std::string dmarc_normalize(std::string_view domain);

/**
 * The organisational domain (RFC 7489 3.2) of a normalised domain.
 * @return the registrable domain from the PSL, or nullopt when the name is
 *         itself a public suffix or has no registrable part.
 */
[[nodiscard]] std::optional<std::string> organizational_domain(std::string_view domain,
                                                               const domain_services &ds);

/** Identifier alignment (RFC 7489 3.1.1, 3.1.2). A domain above the
 *  organisational domain (a public suffix) never aligns in relaxed mode
 *  unless it is the very same name. */
[[nodiscard]] bool dmarc_aligned(std::string_view identifier, std::string_view from_domain,
                                 dmarc_alignment mode, const domain_services &ds);

/** Relaxed alignment (RFC 7489 3.1) for callers that may have no domain
 *  services (ds nullptr): then only the very same name aligns. */
[[nodiscard]] bool relaxed_aligned(std::string_view identifier, std::string_view from_domain,
                                   const domain_services *ds);

/** How policy discovery ended (RFC 7489 6.6.3). */
enum class dmarc_discovery_status : std::uint8_t {
    FOUND,      ///< one valid record
    NONE,       ///< no record, or several at one name: DMARC not applied
    TEMPERROR,  ///< a DNS failure
    PERMERROR,  ///< a DMARC record with a syntax error
};

struct dmarc_discovery {
    dmarc_discovery_status status{dmarc_discovery_status::NONE};
    dmarc_record record;
    std::string policy_domain;   ///< where the record was found (or looked for last)
    std::string detail;          ///< why, for the reason line
};

/**
 * Policy discovery over the two TXT answers. `org_domain` may equal
 * `from_domain` (then `org_answer` is not read).
 * @return the outcome, or nullopt while an answer it needs is missing
 *         (nullptr).
 */
[[nodiscard]] std::optional<dmarc_discovery>
discover_dmarc_policy(std::string_view from_domain, std::string_view org_domain,
                      const dns_answer *from_answer, const dns_answer *org_answer);

/**
 * The DMARC verdict (RFC 7489 6.6.2, 6.6.4): alignment of the SPF MAIL FROM
 * identity (only spf.identity == "mailfrom") and of each passing DKIM
 * signature that counts for alignment, then pass / fail, or temperror when
 * only a temporary error of an identifier that would align stands between
 * the message and a pass. `from_domain` is the normalised A-label.
 */
[[nodiscard]] dmarc_outcome evaluate_dmarc(std::string_view from_domain, const dmarc_discovery &found,
                                           const spf_outcome &spf, const std::vector<dkim_outcome> &dkim,
                                           const domain_services &ds);

/**
 * DMARC for one message: the _dmarc lookup with the organisational-domain
 * fallback (RFC 7489 6.6.3, both names asked in one round), then
 * evaluate_dmarc(). An answer still missing leaves the outcome as for no
 * policy; the caller steps again once dns has it.
 */
[[nodiscard]] dmarc_outcome check_dmarc(std::string_view from_domain, const spf_outcome &spf,
                                        const std::vector<dkim_outcome> &dkim, dns_source &dns,
                                        const domain_services &ds);

} // namespace authweight::core
