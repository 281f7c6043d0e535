/**
 * @file config.hxx
 * @brief The settings the core uses. Names, types and defaults are those of
 *        schemas/authweight.schema.json, the single description of the
 *        config; adapters/json_io fills this struct from a JSON document
 *        validated against that schema.
 */
#pragma once

#include <string>
#include <vector>

namespace authweight::core {

/** What each final rspamd action teaches the reputation of a message's
 *  authenticated identities: > 0 counts that much spam, < 0 that much ham,
 *  0 nothing. */
struct reputation_actions {
    double reject{1.0};
    double soft_reject{0.0};          ///< rate limits, temporary: no verdict
    double rewrite_subject{0.5};
    double add_header{0.5};
    double greylist{0.0};             ///< undecided
    double no_action{-1.0};
};

/** Reputation of authenticated identities (DESIGN principle 7). */
struct reputation_config {
    std::string backend{"lmdb"};      ///< "lmdb", "redis" or "none"
    std::string identity{"registrable"}; ///< "registrable" or "full" domain
    double half_life{1209600.0};      ///< seconds (14 days) for counts to halve
    double min_messages{5.0};         ///< decayed total before any symbol
    double max_count{10000.0};        ///< saturation of spam + ham
    double bad_threshold{0.5};        ///< spam share from which AUTHW_REP_BAD fires
    double good_threshold{0.9};       ///< ham share from which AUTHW_REP_GOOD fires
    double learn_weight{1.0};         ///< explicit feedback (--learn, rspamc learn_*)
    reputation_actions actions;
    std::string lmdb_path{"/var/lib/rspamd/authweight-reputation.mdb"};
    int lmdb_map_size{256};           ///< MiB, the most the store may grow to
    double lmdb_flush_interval{1.0};  ///< seconds rspamd groups updates into one commit; 0 = each message
    std::string redis_prefix{"aw_rep:"};
    int redis_ttl{7776000};           ///< seconds (90 days) an idle identity lives
    int error_log_interval{60};       ///< seconds between repeated store errors in the log
};

struct config {
    bool enabled{true};
    std::vector<std::string> whitelist;           ///< entries or map URLs
    std::vector<std::string> protected_domains;
    double trust_budget{6.0};                     ///< max authentication-derived negative weight
    std::vector<std::string> trust_symbols{       ///< other modules' authentication symbols
        "R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW", "DMARC_POLICY_ALLOW_WITH_FAILURES",
        "ARC_ALLOW", "WHITELIST_*"};
    double unauthenticated_multiplier{1.0};       ///< 1.0 = off
    double unauthenticated_cap{5.0};              ///< max AUTHW_UNAUTH_STRICT
    std::string auth_source{"native"};            ///< "native" or "rspamd"
    int max_dkim_signatures{5};
    int max_dns_rounds{20};                       ///< RFC 7208 4.6.4 allows 10 nested includes
    double dns_cache_ttl{60.0};                   ///< seconds an answer is reused; 0 = no cache
    int dns_cache_size{10000};                    ///< answers kept per context; 0 = no cache
    std::vector<std::string> trusted_authserv_ids;
    std::string authserv_id{"authweight"};        ///< authserv-id of the A-R authweight renders
    std::vector<std::string> protected_names;     ///< brand names for AUTHW_DISPLAY_SPOOF
    std::vector<std::string> local_domains;       ///< the receiving organisation's domains
    std::vector<std::string> trusted_arc_sealers; ///< ARC sealer domains whose chains are believed
    int max_arc_instances{10};                    ///< ARC sets examined; more is cv=fail
    /** Symbols (or "group:NAME") after which no authentication bonus stands. */
    std::vector<std::string> veto_symbols{"CLAM_VIRUS", "PHISHING", "PHISHED_OPENPHISH", "PHISHED_PHISHTANK",
                                          "DBL_PHISH", "URIBL_BLACK", "group:antivirus"};
    /** veto_score: the score without authentication-derived weight from
     *  which the budget is 0. REJECT_ACTION: the host's reject threshold
     *  (reject_score when the host has none). */
    enum class veto_mode : unsigned char { OFF, VALUE, REJECT_ACTION } veto_score_mode{veto_mode::REJECT_ACTION};
    double veto_score{15.0};
    reputation_config reputation;
};

} // namespace authweight::core
