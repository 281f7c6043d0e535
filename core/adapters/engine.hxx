/**
 * @file engine.hxx
 * @brief Resumable evaluation of one delivery: facts + DNS snapshot ->
 *        either the report or the queries still needed.
 *
 * An engine holds the config and the library-backed services; it is
 * immutable after creation and may be shared by many evaluations. An
 * evaluation never blocks: step() returns NEED_DNS with the queries it
 * lacks; the caller answers them with answer() and calls step() again.
 * After max_dns_rounds rounds every missing answer counts as TEMPFAIL.
 */
#pragma once

#include "authweight/auth_results.hxx"
#include "authweight/config.hxx"
#include "authweight/dns.hxx"
#include "authweight/error.hxx"
#include "authweight/facts.hxx"
#include "authweight/policy.hxx"
#include "libspf2_eval.hxx"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace authweight::adapters {

/** Everything an evaluation found: the CLI's JSON and the Lua table. */
struct report {
    core::auth_results auth;
    core::tls_assessment tls;
    core::host_marks host;
    core::from_identity from;
    std::vector<core::lookalike_match> lookalikes;
    std::optional<std::string> whitelist_entry;   ///< entry the author matched, if any
    core::verdict verdict;
    int dns_rounds{0};
    /** RFC 8601 Authentication-Results value for spf, sender-id, dkim and
     *  dmarc, headed by config authserv_id (no field name, no line end). */
    std::string authentication_results;
    /** Upstream Authentication-Results fields whose authserv-id is in
     *  trusted_authserv_ids: input only, never a pass by themselves. */
    std::vector<core::ar_header> upstream_authentication_results;
    /** The message's authenticated identities (principle 7): the keys a
     *  host looks up and learns. */
    std::vector<core::reputation_identity> reputation_identities;
    /** The counts the host gave (set_reputation) for those identities. */
    core::reputation_map reputation_counts;
    /** Why the attached reputation source gave no counts; empty if it did
     *  (or none is attached). The message is then scored without them. */
    std::string reputation_error;
};

class engine {
public:
    /** @return BAD_CONFIG naming the key for an invalid whitelist or
     *  protected domain; INTERNAL when a library cannot start. */
    [[nodiscard]] static core::result<std::shared_ptr<const engine>> create(core::config cfg);

    [[nodiscard]] const core::config &cfg() const noexcept { return cfg_; }
    [[nodiscard]] const core::domain_services &domains() const noexcept { return *domains_; }
    [[nodiscard]] const core::cipher_oracle &ciphers() const noexcept { return *ciphers_; }
    [[nodiscard]] const core::whitelist &wl() const noexcept { return wl_; }
    [[nodiscard]] const core::lookalike_detector &protect() const noexcept { return *protect_; }

    engine(core::config cfg, std::unique_ptr<core::domain_services> ds,
           std::unique_ptr<core::cipher_oracle> co);

private:
    core::config cfg_;
    std::unique_ptr<core::domain_services> domains_;
    std::unique_ptr<core::cipher_oracle> ciphers_;
    core::whitelist wl_;
    std::unique_ptr<core::lookalike_detector> protect_;
    friend class evaluation;
};

enum class step_status { DONE, NEED_DNS };

/** Counts of identities from an embedded store, read in the step that
 *  finishes an evaluation: identities -> the counts found. */
using reputation_source =
    std::function<core::result<core::reputation_map>(const std::vector<std::string> &identities)>;

class evaluation {
public:
    /** @return BAD_INPUT for an invalid client IP or an unparseable message.
     *  With a cache, queries it can answer are answered from it and the
     *  host's answers are kept in it for later evaluations. */
    [[nodiscard]] static core::result<std::unique_ptr<evaluation>>
    create(std::shared_ptr<const engine> eng, core::delivery_facts facts,
           std::shared_ptr<core::dns_cache> cache = nullptr);

    /** Before the first step: when the checks are done, look the
     *  identities up in `source` and score them in the same step, so the
     *  host need not call set_reputation (report.reputation_error says why
     *  a failing source gave nothing). */
    void use_reputation(reputation_source source) { reputation_source_ = std::move(source); }

    /** Run as far as the snapshot and the cache allow. */
    [[nodiscard]] step_status step();
    /** Queries still needed after step() returned NEED_DNS. */
    [[nodiscard]] const std::vector<core::dns_query> &pending() const noexcept { return pending_; }
    /** Add an answer (to a pending query or any other). */
    void answer(core::dns_query q, core::dns_answer a);
    /**
     * After step() returned DONE: give the reputation counts the host
     * looked up for the report's reputation_identities; the report is
     * scored again at once (the policy only, no check re-run, no DNS), with
     * AUTHW_REP_* and the counts in reputation_counts.
     */
    void set_reputation(core::reputation_map counts);
    /** The report after step() returned DONE. */
    [[nodiscard]] const report &result() const noexcept;

private:
    evaluation(std::shared_ptr<const engine> eng, core::delivery_facts facts);
    std::shared_ptr<const engine> eng_;
    std::shared_ptr<core::dns_cache> cache_;
    reputation_source reputation_source_;
    core::delivery_facts facts_;
    core::header_block headers_;
    core::dns_snapshot snapshot_;
    std::vector<core::dns_query> pending_;
    /** Built in place by the step that finishes, then handed over whole:
     *  moving a report member by member costs more than the allocation. */
    std::unique_ptr<report> report_;
    int rounds_{0};
    std::optional<std::vector<core::dkim_outcome>> dkim_done_;  ///< final DKIM outcomes, once known
    std::optional<core::spf_outcome> spf_done_;                 ///< final SPF result, once known
    std::optional<core::senderid_outcome> senderid_done_;       ///< final Sender ID result, once known
    libspf2::check_memo spf_memo_;  ///< check_host() outputs SPF and Sender ID share
    std::string mail_from_domain_;  ///< MAIL FROM domain as an A-label, for the policy

    void score(report &r);
};

} // namespace authweight::adapters
