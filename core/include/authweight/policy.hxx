/**
 * @file policy.hxx
 * @brief The policy engine: facts plus authentication results in, a
 *        verdict out. Pure functions, no I/O (DESIGN principles 1-6, 8).
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/display_name.hxx"
#include "authweight/facts.hxx"
#include "authweight/host.hxx"
#include "authweight/lookalike.hxx"
#include "authweight/results.hxx"
#include "authweight/reputation.hxx"
#include "authweight/rfc5322.hxx"
#include "authweight/tls.hxx"
#include "authweight/whitelist.hxx"

#include <string>
#include <vector>

namespace authweight::core {

/** One symbol in a verdict. */
struct symbol_hit {
    std::string name;
    double score{0.0};
    std::string reason;                 ///< one line, for humans
    std::vector<std::string> options;   ///< rspamd symbol options
};

struct verdict {
    std::vector<symbol_hit> symbols;
    double score{0.0};                  ///< sum of authweight's own symbols
    [[nodiscard]] const symbol_hit *find(std::string_view name) const;
};

/** Everything the policy reads, already computed. */
struct policy_input {
    const config *cfg{nullptr};
    const domain_services *ds{nullptr};
    bool has_message{false};            ///< header checks ran (Sender ID, DKIM symbols)
    bool smtp_authenticated{false};     ///< SMTP AUTH: a submission, not a botnet
    tls_assessment tls;
    host_marks host;
    from_identity from;                 ///< From with its domain as A-label
    std::string mail_from_domain;       ///< A-label, "" for null sender / unknown
    auth_results auth;
    std::vector<lookalike_match> lookalikes;
    std::optional<display_imitation> display_spoof;  ///< what the From display name imitates
    std::vector<external_symbol> external;  ///< other modules' symbols
    const whitelist *wl{nullptr};
    const lookalike_detector *protect{nullptr};  ///< protected-domain list
    /** Decayed counts the host looked up for the message's identities
     *  (principle 7); nullptr or empty: no reputation symbols. Only the
     *  identities the authentication results prove are read. */
    const reputation_map *reputation{nullptr};
    /** The message's authenticated identities (reputation_identities(),
     *  computed once by the evaluation): whose counts are weighed. */
    const std::vector<reputation_identity> *identities{nullptr};
};

/**
 * Principle 6, aggressive mode for unauthenticated mail: (multiplier - 1)
 * x the positive score of the external symbols that are no trust_symbols,
 * capped by unauthenticated_cap; 0 when the mode is off (multiplier <= 1),
 * the From is aligned or the sender used SMTP AUTH.
 * @param content if not NULL, receives that positive score
 */
[[nodiscard]] double unauth_strict_weight(const config &cfg, const std::vector<external_symbol> &external,
                                          bool auth_aligned, bool smtp_authenticated, double *content = nullptr);

/** Whether the From domain is authenticated by aligned SPF or DKIM. */
[[nodiscard]] bool aligned(const auth_results &a) noexcept;

/**
 * The trust budget (principle 5): the sum of authentication-derived
 * negative weight, own and external (trust_symbols), never goes below
 * -budget. @return the positive weight to add back (0 when within budget).
 */
[[nodiscard]] double trust_cap(const std::vector<symbol_hit> &own,
                               const std::vector<external_symbol> &external,
                               const std::vector<std::string> &trust_symbols,
                               double budget);

/**
 * Principle 5's vetoes: what leaves a message no authentication bonus at
 * all (its trust budget is 0). A symbol of veto_symbols that hit (a name,
 * a prefix ending in '*', or "group:NAME" matching a symbol's groups), or
 * a score without the authentication-derived negative weight (what
 * trust_cap weighs) that reaches veto_score.
 * @param reject_score the host's reject threshold, NaN when it has none;
 *        used when veto_score is true (config::veto_mode::REJECT_ACTION),
 *        config::veto_score otherwise
 * @return the AUTHW_TRUST_CAP option, "veto:SYMBOL" or "veto:score"; empty
 *         when nothing vetoes
 */
[[nodiscard]] std::string trust_veto(const config &cfg, const std::vector<symbol_hit> &own,
                                     const std::vector<external_symbol> &external, double reject_score);

/** The budget a message gets: 0 when vetoed, else config::trust_budget. */
struct trust_decision {
    double cap{0.0};     ///< weight to add back (trust_cap at that budget)
    std::string veto;    ///< trust_veto()'s option, empty without a veto
};
[[nodiscard]] trust_decision decide_trust(const config &cfg, const std::vector<symbol_hit> &own,
                                          const std::vector<external_symbol> &external, double reject_score);

/**
 * Whether a forwarder's ARC chain vouches for the From (RFC 8617): it
 * validates (cv=pass), every sealer from instance 1 on is at or under a
 * trusted_arc_sealers entry, and the first ARC-Authentication-Results
 * says SPF, DKIM or DMARC passed aligned with the From domain.
 * @return the sealer whose first-hop results vouch; empty when none does
 */
[[nodiscard]] std::string trusted_arc_sealer(const config &cfg, const arc_outcome &arc, std::string_view from_domain,
                                             const domain_services *ds);

/** Evaluate the policy. Deterministic; never fails. */
[[nodiscard]] verdict evaluate_policy(const policy_input &in);

} // namespace authweight::core
