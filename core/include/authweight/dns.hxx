/**
 * @file dns.hxx
 * @brief The DNS snapshot that resumable evaluation reads, and the queries
 *        it asks for when the snapshot lacks an answer.
 *
 * The core never resolves. Evaluation is called with a snapshot; when an
 * answer it needs is missing it returns the list of queries instead of a
 * verdict. The caller (rspamd's async resolver, a blocking resolver in the
 * CLI, a zone file in tests) answers them, adds them to the snapshot and
 * calls again. Lookup outcomes follow Postfix's DNS_OK / DNS_NOTFOUND /
 * DNS_RETRY / DNS_INVAL.
 */
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authweight::core {

/** Record types the core asks for. */
enum class dns_type : std::uint8_t {
    A,      ///< IPv4 address, text form "192.0.2.1"
    AAAA,   ///< IPv6 address, text form "2001:db8::1"
    MX,     ///< "PREFERENCE EXCHANGE", e.g. "10 mx.example.com"
    TXT,    ///< one string per record (multi-string records concatenated)
    PTR,    ///< a host name
    CNAME,  ///< a host name
};

/** Outcome of one lookup. */
enum class dns_status : std::uint8_t {
    OK,          ///< records present (may still be empty of the wanted type)
    NXDOMAIN,    ///< the name does not exist
    NODATA,      ///< the name exists, no record of that type
    TEMPFAIL,    ///< timeout or SERVFAIL: never treated as a negative verdict
    MALFORMED,   ///< an answer that could not be understood
};

[[nodiscard]] std::string_view to_string(dns_type t) noexcept;
[[nodiscard]] std::optional<dns_type> dns_type_from_string(std::string_view s) noexcept;
[[nodiscard]] std::string_view to_string(dns_status s) noexcept;
[[nodiscard]] std::optional<dns_status> dns_status_from_string(std::string_view s) noexcept;

/** One question: name (lower case, no trailing dot) and type. */
struct dns_query {
    std::string name;
    dns_type type{dns_type::A};

    auto operator<=>(const dns_query &) const = default;
};

/** One answer. `records` holds the RDATA in text form (see dns_type). */
struct dns_answer {
    dns_status status{dns_status::NXDOMAIN};
    std::vector<std::string> records;
};

/**
 * Answers gathered so far. Names are normalised on insert and lookup
 * (lower case, trailing dot removed), so callers may pass either form.
 */
class dns_snapshot {
public:
    void add(dns_query q, dns_answer a);
    /** @return the answer, or nullptr when the snapshot has none (a miss). */
    [[nodiscard]] const dns_answer *find(const dns_query &q) const;
    [[nodiscard]] std::size_t size() const noexcept { return answers_.size(); }

    /** Lower-case a DNS name and drop one trailing dot. */
    [[nodiscard]] static std::string normalize_name(std::string_view name);

private:
    std::map<dns_query, dns_answer> answers_;
};

/**
 * Where a check reads DNS during one evaluation step. lookup() returns the
 * answer, or nullptr after recording the query as missing; the check then
 * returns whatever it has (its result is discarded) and the caller steps
 * again once the missing answers are in. Checks ask for every name they can
 * already know in one step, so a round fetches as much as possible.
 */
class dns_source {
public:
    virtual ~dns_source() = default;
    [[nodiscard]] virtual const dns_answer *lookup(const dns_query &q) = 0;
};

/**
 * Answers kept across evaluations (one cache per context: an rspamd
 * worker, a filter process), so a sender's records are asked for once per
 * `ttl` rather than once per message. The host's resolver gives no TTLs
 * (rspamd 3.4's Lua resolver has none), so every answer lives `ttl` at
 * most, however long its record's own TTL; TEMPFAIL and MALFORMED are
 * never kept, so a failure is asked again by the next message. The least
 * recently used answer goes first once `capacity` is reached. Safe to share
 * between threads.
 */
class dns_cache {
public:
    using clock = std::chrono::steady_clock;

    dns_cache(std::chrono::milliseconds ttl, std::size_t capacity);

    /** @return the answer if one younger than ttl is kept. */
    [[nodiscard]] std::optional<dns_answer> find(const dns_query &q, clock::time_point now);
    /** Keep an answer (OK, NXDOMAIN, NODATA only) from `now` on. */
    void put(const dns_query &q, const dns_answer &a, clock::time_point now);
    [[nodiscard]] std::size_t size() const;

private:
    struct entry {
        std::string key;
        dns_answer answer;
        clock::time_point expires;
    };
    std::chrono::milliseconds ttl_;
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::list<entry> lru_;  ///< most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

} // namespace authweight::core
