/**
 * @file reputation.hxx
 * @brief Reputation of authenticated identities (DESIGN principle 7):
 *        which identities a message proves, how their spam and ham counts
 *        decay and saturate, and what the counts say about the next
 *        message. Pure: the store (LMDB, Redis) lives in the adapters and
 *        the host; this unit only does the arithmetic.
 *
 * An identity is a domain the message authenticated: the d= of a passing
 * DKIM signature that covers the message, the MAIL FROM domain of an SPF
 * pass aligned with the From domain, the PRA domain of a Sender ID pass.
 * Never the bare From: a forger of a sender's From neither borrows nor
 * poisons that sender's reputation.
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/domain.hxx"
#include "authweight/results.hxx"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** Version of the stored record layout (schemas/reputation-record.schema.json). */
inline constexpr int reputation_record_version = 1;

/** Most identities one message yields: DKIM signatures are bounded by
 *  max_dkim_signatures (at most 50), plus SPF and Sender ID. */
inline constexpr std::size_t max_reputation_identities = 16;

/** Longest identity (RFC 1035 2.3.4: a domain name is at most 253 octets in text). */
inline constexpr std::size_t max_identity_length = 253;

/** Decayed counts of one identity, as of the time they were read. */
struct reputation_counts {
    double spam{0.0};
    double ham{0.0};
    [[nodiscard]] double total() const noexcept { return spam + ham; }
    bool operator==(const reputation_counts &) const = default;
};

/** What the store keeps per identity: counts as of `updated`. */
struct reputation_record {
    double spam{0.0};
    double ham{0.0};
    std::int64_t updated{0};          ///< Unix time, seconds
    bool operator==(const reputation_record &) const = default;
};

/** Identity -> decayed counts, as the host looked them up. */
using reputation_map = std::map<std::string, reputation_counts, std::less<>>;

/** One authenticated identity of a message. */
struct reputation_identity {
    std::string name;                 ///< lower-case A-label domain
    std::vector<std::string> via;     ///< "dkim", "spf", "senderid"
    bool operator==(const reputation_identity &) const = default;
};

/**
 * The authenticated identities of a message, deduplicated, in a stable
 * order (DKIM first, then SPF, then Sender ID), at most
 * max_reputation_identities.
 * @param auth the authentication results
 * @param from_domain the single From domain (A-label), "" when there is
 *        none: then SPF, which counts only when aligned, yields nothing
 * @param cfg identity = "registrable" maps each domain to its registrable
 *        domain (a domain that is itself a public suffix yields nothing)
 * @param ds domain services for the registrable domain and alignment;
 *        with nullptr only exact alignment counts and "registrable" acts
 *        as "full"
 */
[[nodiscard]] std::vector<reputation_identity>
reputation_identities(const auth_results &auth, std::string_view from_domain,
                      const reputation_config &cfg, const domain_services *ds);

/**
 * Whether a string may be an identity key: 1..253 octets of lower-case
 * letters, digits, '-', '_' and '.', no empty label. Keys read back from a
 * store or an import file are checked with it.
 */
[[nodiscard]] bool valid_identity(std::string_view name) noexcept;

/**
 * Counts decayed to `now`: each halves every half_life seconds. A record
 * from the future (clock skew between nodes) is not decayed. Non-finite or
 * negative counts become 0.
 */
[[nodiscard]] reputation_counts decayed(const reputation_record &r, std::int64_t now,
                                        double half_life) noexcept;

/**
 * The record after one observation at `now`: decay to now, add, then
 * saturate so that spam + ham <= cfg.max_count (both scaled by one factor,
 * keeping the spam share). `updated` becomes max(r.updated, now).
 * @param spam, ham amounts to add; negative or non-finite amounts add 0
 */
[[nodiscard]] reputation_record observe(const reputation_record &r, std::int64_t now, double spam,
                                        double ham, const reputation_config &cfg) noexcept;

/** What one verdict teaches: amounts of spam and ham. */
struct reputation_lesson {
    double spam{0.0};
    double ham{0.0};
    [[nodiscard]] bool empty() const noexcept { return spam <= 0.0 && ham <= 0.0; }
};

/**
 * The lesson of a verdict word: an rspamd action ("reject", "add header"
 * or "add_header", "no action", ...) weighted by cfg.actions, or an
 * explicit "spam" / "ham" weighted by cfg.learn_weight.
 * @return nullopt for an unknown word
 */
[[nodiscard]] std::optional<reputation_lesson> lesson_for(std::string_view verdict,
                                                          const reputation_config &cfg) noexcept;

/** What the reputation of a message's identities says. */
struct reputation_assessment {
    double bad{0.0};                  ///< AUTHW_REP_BAD weight (spam share), 0 = not fired
    double good{0.0};                 ///< AUTHW_REP_GOOD weight (ham share), 0 = not fired
    std::string identity;             ///< the identity that decided
    reputation_counts counts;         ///< its counts
};

/**
 * Weigh the identities by their counts: AUTHW_REP_BAD when an identity with
 * at least min_messages has a spam share >= bad_threshold (the worst one
 * decides); otherwise AUTHW_REP_GOOD when one has a ham share >=
 * good_threshold (the best one decides). Counts for names that are not in
 * `identities` are ignored, whatever the host looked up.
 */
[[nodiscard]] reputation_assessment assess_reputation(const std::vector<reputation_identity> &identities,
                                                      const reputation_map &counts,
                                                      const reputation_config &cfg);

} // namespace authweight::core
