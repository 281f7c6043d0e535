/**
 * @file results.hxx
 * @brief Authentication outcomes (values, not errors).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** RFC 7208 / RFC 6376 / RFC 7489 result words. */
enum class auth_result : std::uint8_t {
    NONE,        ///< nothing published / no signature
    PASS,
    FAIL,
    SOFTFAIL,    ///< SPF and Sender ID only
    NEUTRAL,     ///< SPF and Sender ID only
    TEMPERROR,   ///< a DNS failure: never punished as forgery
    PERMERROR,   ///< a broken record or signature
};

[[nodiscard]] std::string_view to_string(auth_result r) noexcept;
[[nodiscard]] std::optional<auth_result> auth_result_from_string(std::string_view s) noexcept;

/** SPF on MAIL FROM, or HELO when MAIL FROM is null. */
struct spf_outcome {
    auth_result result{auth_result::NONE};
    std::string domain;            ///< the domain checked (A-label)
    std::string identity{"mailfrom"}; ///< "mailfrom" or "helo"
    std::string reason;            ///< one line, e.g. the mechanism that matched
};

/** Sender ID (RFC 4406) on the PRA and its MAIL FROM scope. */
struct senderid_outcome {
    auth_result result{auth_result::NONE};      ///< PRA scope
    std::string pra;                            ///< the purported responsible address
    std::string pra_header;                     ///< the header it came from ("Sender", ...), when found
    auth_result mfrom_result{auth_result::NONE};///< spf2.0/mfrom scope
    std::string reason;
};

/** One DKIM signature. */
struct dkim_outcome {
    std::string domain;       ///< d= (A-label)
    std::string selector;     ///< s=
    std::string algorithm;    ///< a=, e.g. "rsa-sha256"
    auth_result result{auth_result::NONE};
    bool counts_for_alignment{true}; ///< false for l= with unsigned content, From outside h=
    std::string reason;
};

/** DMARC published policy. */
enum class dmarc_policy : std::uint8_t { UNKNOWN, NONE, QUARANTINE, REJECT };
[[nodiscard]] std::string_view to_string(dmarc_policy p) noexcept;

/**
 * The DMARC policy as applied to a message (RFC 7489 6.6.4): the published
 * one at pct=100; below that, the next-lower one (reject -> quarantine,
 * quarantine -> none), as for a message outside the sample. authweight
 * does not sample: a domain that publishes pct below 100 is not asking for
 * every failing message to be treated by its policy.
 */
[[nodiscard]] dmarc_policy applied_dmarc_policy(dmarc_policy published, int pct) noexcept;

/** Alignment and DMARC (RFC 7489). */
struct dmarc_outcome {
    auth_result result{auth_result::NONE};  ///< pass, fail, none, temperror, permerror
    dmarc_policy policy{dmarc_policy::UNKNOWN};  ///< UNKNOWN renders as null
    std::string from_domain;                ///< RFC 5322 From domain (A-label)
    bool spf_aligned{false};                ///< SPF pass on an aligned domain
    bool dkim_aligned{false};               ///< DKIM pass on an aligned d=
    std::string policy_domain;              ///< where the record was found ("" = none)
    int pct{100};                           ///< the record's pct=
    std::string reason;                     ///< one line: why this result
};

/** What the first ARC-Authentication-Results (i=1) says for one method. */
struct arc_first_hop {
    auth_result spf{auth_result::NONE};
    std::string spf_domain;      ///< smtp.mailfrom (or smtp.helo) domain, A-label
    std::vector<std::string> dkim_pass_domains;  ///< header.d of each dkim=pass
    auth_result dmarc{auth_result::NONE};
    std::string dmarc_domain;    ///< header.from
};

/** An ARC chain (RFC 8617). */
struct arc_outcome {
    auth_result result{auth_result::NONE};   ///< cv: none, pass or fail
    std::vector<std::string> sealers;        ///< d= of each ARC-Seal, i=1 first
    int instance{0};                         ///< highest i= (0: no chain)
    int oldest_pass{0};                      ///< lowest i= whose AMS still verifies (0: none)
    arc_first_hop first;                     ///< the i=1 AAR, when the chain passed
    std::string reason;                      ///< one line: why this result
    bool present{false};                     ///< the message has ARC fields (a chain to report)
};

/** All authentication results for one message. */
struct auth_results {
    spf_outcome spf;
    senderid_outcome senderid;
    std::vector<dkim_outcome> dkim;
    dmarc_outcome dmarc;
    arc_outcome arc;
};

} // namespace authweight::core
