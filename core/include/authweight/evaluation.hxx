/**
 * @file evaluation.hxx
 * @brief The decision pipeline: one resumable evaluation of a delivery,
 *        facts + DNS snapshot -> either the report or the queries still
 *        needed. Core code over small interfaces (auth_checks, the
 *        domain_services, the cipher_oracle) that the adapters implement
 *        with the C libraries (core/adapters/engine.cxx: make_engine()).
 *
 * An engine holds the config and those services; it is immutable after
 * creation and may be shared by many evaluations. An evaluation never
 * blocks: step() returns NEED_DNS with the queries it lacks; the caller
 * answers them with answer() and calls step() again. After max_dns_rounds
 * rounds every missing answer counts as TEMPFAIL.
 *
 * One step runs, over the same snapshot: forward-confirmed reverse DNS,
 * the TLS and host assessments, SPF, Sender ID, DKIM and DMARC (all their
 * queries go out in one round), then look-alikes, the whitelist, the
 * identities' reputation, the policy and the Authentication-Results value.
 */
#pragma once

#include "authweight/auth_results.hxx"
#include "authweight/config.hxx"
#include "authweight/display_name.hxx"
#include "authweight/dns.hxx"
#include "authweight/error.hxx"
#include "authweight/facts.hxx"
#include "authweight/lookalike.hxx"
#include "authweight/policy.hxx"
#include "authweight/rfc5322.hxx"
#include "authweight/whitelist.hxx"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

class arc_verifier;

/** The identity SPF and Sender ID check (RFC 7208 4.1). */
struct spf_input {
    std::string client_ip;                ///< text form
    std::string helo;                     ///< HELO/EHLO argument
    std::optional<std::string> mail_from; ///< nullopt = unknown, "" = null sender
};

/** DKIM outcomes, and whether every key they need was answered. */
struct dkim_check {
    std::vector<dkim_outcome> outcomes;
    bool complete{true};
};

/**
 * The checks an evaluation leaves to libraries (libspf2, libopendkim: the
 * adapters' make_engine()). Each reads DNS only through `dns`; a missing
 * answer makes its outcome provisional, and the evaluation steps again.
 */
class auth_checks {
public:
    /** What one evaluation's SPF and Sender ID checks share (libspf2's
     *  check_host() outputs); made once per evaluation. */
    class state {
    public:
        virtual ~state() = default;
    };
    virtual ~auth_checks() = default;
    [[nodiscard]] virtual std::unique_ptr<state> new_state() const = 0;
    /** SPF for MAIL FROM, or for HELO when MAIL FROM is null (RFC 7208 2.3). */
    [[nodiscard]] virtual spf_outcome spf(const spf_input &in, dns_source &dns, state &st) const = 0;
    /** Sender ID (RFC 4406, the PRA of RFC 4407). */
    [[nodiscard]] virtual senderid_outcome senderid(const spf_input &in, const header_block &headers,
                                                    dns_source &dns, state &st) const = 0;
    /** Every DKIM-Signature, at most max_signatures of them. */
    [[nodiscard]] virtual dkim_check dkim(std::string_view message, const header_block &headers,
                                          int max_signatures, dns_source &dns) const = 0;
    /** The cryptography ARC validation (arc.hxx, RFC 8617) runs on; null:
     *  ARC chains are not validated and their result stays none. */
    [[nodiscard]] virtual const arc_verifier *arc() const { return nullptr; }
};

/** What an engine is built from: the library-backed services. */
struct engine_services {
    std::unique_ptr<domain_services> domains;
    std::unique_ptr<cipher_oracle> ciphers;
    std::unique_ptr<auth_checks> checks;
};

/** Everything an evaluation found: the CLI's JSON and the Lua table. */
struct report {
    auth_results auth;
    tls_assessment tls;
    host_marks host;
    from_identity from;
    std::vector<lookalike_match> lookalikes;
    std::optional<display_imitation> display_spoof;   ///< what the From display name imitates
    std::optional<std::string> whitelist_entry;   ///< entry the author matched, if any
    core::verdict verdict;
    int dns_rounds{0};
    /** RFC 8601 Authentication-Results value for spf, sender-id, dkim and
     *  dmarc, headed by config authserv_id (no field name, no line end). */
    std::string authentication_results;
    /** Upstream Authentication-Results fields whose authserv-id is in
     *  trusted_authserv_ids: input only, never a pass by themselves. */
    std::vector<ar_header> upstream_authentication_results;
    /** The message's authenticated identities (principle 7): the keys a
     *  host looks up and learns. */
    std::vector<reputation_identity> reputation_identities;
    /** The counts the host gave (set_reputation) for those identities. */
    reputation_map reputation_counts;
    /** Why the attached reputation source gave no counts; empty if it did
     *  (or none is attached). The message is then scored without them. */
    std::string reputation_error;
};

class engine {
public:
    /** @return BAD_CONFIG naming the key for an invalid whitelist or
     *  protected domain; INTERNAL when a service is missing. */
    [[nodiscard]] static result<std::shared_ptr<const engine>> create(config cfg, engine_services services);

    [[nodiscard]] const config &cfg() const noexcept { return cfg_; }
    [[nodiscard]] const domain_services &domains() const noexcept { return *services_.domains; }
    [[nodiscard]] const cipher_oracle &ciphers() const noexcept { return *services_.ciphers; }
    [[nodiscard]] const whitelist &wl() const noexcept { return wl_; }
    [[nodiscard]] const lookalike_detector &protect() const noexcept { return *protect_; }

    engine(config cfg, engine_services services);

private:
    config cfg_;
    engine_services services_;
    whitelist wl_;
    std::unique_ptr<lookalike_detector> protect_;
    std::unique_ptr<display_name_checker> display_;
    friend class evaluation;
};

enum class step_status { DONE, NEED_DNS };

/** Counts of identities from an embedded store, read in the step that
 *  finishes an evaluation: identities -> the counts found. */
using reputation_source =
    std::function<result<reputation_map>(const std::vector<std::string> &identities)>;

class evaluation {
public:
    /** @return BAD_INPUT for an invalid client IP or an unparseable message.
     *  With a cache, queries it can answer are answered from it and the
     *  host's answers are kept in it for later evaluations. */
    [[nodiscard]] static core::result<std::unique_ptr<evaluation>>
    create(std::shared_ptr<const engine> eng, delivery_facts facts,
           std::shared_ptr<dns_cache> cache = nullptr);

    /** Before the first step: when the checks are done, look the
     *  identities up in `source` and score them in the same step, so the
     *  host need not call set_reputation (report.reputation_error says why
     *  a failing source gave nothing). */
    void use_reputation(reputation_source source) { reputation_source_ = std::move(source); }

    /** Run as far as the snapshot and the cache allow. */
    [[nodiscard]] step_status step();
    /** Queries still needed after step() returned NEED_DNS. */
    [[nodiscard]] const std::vector<dns_query> &pending() const noexcept { return pending_; }
    /** Add an answer (to a pending query or any other). */
    void answer(dns_query q, dns_answer a);
    /**
     * After step() returned DONE: give the reputation counts the host
     * looked up for the report's reputation_identities; the report is
     * scored again at once (the policy only, no check re-run, no DNS), with
     * AUTHW_REP_* and the counts in reputation_counts.
     */
    void set_reputation(reputation_map counts);
    /** The report after step() returned DONE. */
    [[nodiscard]] const report &result() const noexcept;

private:
    evaluation(std::shared_ptr<const engine> eng, delivery_facts facts);
    std::shared_ptr<const engine> eng_;
    std::shared_ptr<dns_cache> cache_;
    reputation_source reputation_source_;
    delivery_facts facts_;
    header_block headers_;
    dns_snapshot snapshot_;
    std::vector<dns_query> pending_;
    /** Built in place by the step that finishes, then handed over whole:
     *  moving a report member by member costs more than the allocation. */
    std::unique_ptr<report> report_;
    int rounds_{0};
    std::optional<std::vector<dkim_outcome>> dkim_done_;  ///< final DKIM outcomes, once known
    std::optional<spf_outcome> spf_done_;                 ///< final SPF result, once known
    std::optional<senderid_outcome> senderid_done_;       ///< final Sender ID result, once known
    std::optional<arc_outcome> arc_done_;                 ///< final ARC result, once known
    std::unique_ptr<auth_checks::state> check_state_; ///< what the SPF and Sender ID checks share
    std::string mail_from_domain_;  ///< MAIL FROM domain as an A-label, for the policy

    void score(report &r);
};

} // namespace authweight::core
