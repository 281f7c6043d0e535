/**
 * @file reputation_store.hxx
 * @brief What a reputation backend does (LMDB: lmdb_store.hxx; Redis:
 *        redis_store.hxx), and the line format that moves records between
 *        backends (authweight-check --export / --import).
 *
 * Export format: JSON lines, one record per line, UTF-8, in no particular
 * order:
 *
 *   {"identity":"example.com","record":{"v":1,"spam":3.5,"ham":0.25,"ts":1718000000}}
 *
 * "record" is the stored record of schemas/reputation-record.schema.json
 * with its fields as JSON numbers; counts are as of "ts" (not decayed to
 * the time of export), so a round trip through any backend changes
 * nothing. Blank lines and lines starting with '#' are ignored on import.
 * Importing replaces the records of the identities it names.
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/error.hxx"
#include "authweight/reputation.hxx"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authweight::adapters {

/** Receives each stored record; an undecodable one arrives as an error. */
using record_visitor =
    std::function<void(std::string_view identity, const core::result<core::reputation_record> &record)>;

class reputation_store {
public:
    virtual ~reputation_store() = default;

    /** "lmdb PATH", "redis HOST:PORT", for messages. */
    [[nodiscard]] virtual std::string describe() const = 0;

    /**
     * Decayed counts of the identities found; absent identities and
     * records that do not decode are left out.
     * @param now Unix seconds; @param half_life seconds
     * @return BAD_INPUT for a string that is not an identity; INTERNAL or
     *         LIMIT when the store cannot be read
     */
    [[nodiscard]] virtual core::result<core::reputation_map>
    lookup(const std::vector<std::string> &identities, std::int64_t now, double half_life) = 0;

    /** Add one lesson to each identity, each update atomic (decay, add,
     *  saturate: core::observe). A record that does not decode is replaced. */
    [[nodiscard]] virtual core::result<void> learn(const std::vector<std::string> &identities,
                                                   const core::reputation_lesson &lesson, std::int64_t now,
                                                   const core::reputation_config &cfg) = 0;

    /** Store records as given, replacing existing ones (import). */
    [[nodiscard]] virtual core::result<void>
    put(const std::vector<std::pair<std::string, core::reputation_record>> &records) = 0;

    /** Visit every record (export). */
    [[nodiscard]] virtual core::result<void> each_record(const record_visitor &visit) = 0;
};

/** One export line, without the line end. */
[[nodiscard]] std::string record_line(std::string_view identity, const core::reputation_record &r);

/**
 * Parse one export line.
 * @return the identity and record; BAD_INPUT naming the fault (not JSON,
 *         an unknown or missing key, an identity that is not a lower-case
 *         domain, a version other than 1, a negative or non-finite count)
 */
[[nodiscard]] core::result<std::pair<std::string, core::reputation_record>> parse_record_line(std::string_view line);

} // namespace authweight::adapters
