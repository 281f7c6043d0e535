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

struct reputation_config {
    std::string backend{"lmdb"};     ///< "lmdb", "redis" or "none"
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
    std::vector<std::string> trusted_authserv_ids;
    std::string authserv_id{"authweight"};        ///< authserv-id of the A-R authweight renders
    reputation_config reputation;
};

} // namespace authweight::core
