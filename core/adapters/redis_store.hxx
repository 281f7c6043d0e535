/**
 * @file redis_store.hxx
 * @brief The reputation records in Redis, for authweight-check (--learn,
 *        --export, --import and lookups against a cluster's store). rspamd
 *        itself reaches the same keys through its own lua_redis and the
 *        admin's redis settings; both use redis_update_script(), so an
 *        update means the same thing from either side.
 *
 * Keys are reputation.redis_prefix + identity; values are the msgpack
 * records of schemas/reputation-record.schema.json. An update runs the
 * script with EVALSHA: Redis runs a script atomically, so the read, decay,
 * add, saturate and write of one identity never interleave with another
 * node's update of it, and every update renews the key's TTL
 * (reputation.redis_ttl), so identities that stop sending expire.
 *
 * The client is hiredis (the Redis project's C client, Debian's
 * libhiredis): one blocking connection with a timeout on connect, read
 * and write, commands pipelined where there are many.
 *
 * DIAGNOSTICS
 *   INTERNAL for a connection, protocol or server error (with the server's
 *   text), BAD_INPUT for an identity that is not a domain, BAD_CONFIG for
 *   an address that is not HOST[:PORT].
 */
#pragma once

#include "reputation_store.hxx"

#include <memory>
#include <string>
#include <string_view>

namespace authweight::adapters {

struct redis_options {
    std::string host{"127.0.0.1"};
    int port{6379};
    std::string password;             ///< AUTH when not empty
    int db{0};                        ///< SELECT when not 0
    int timeout_ms{2000};
    std::string prefix{"aw_rep:"};
    int ttl{7776000};                 ///< seconds
};

/** "HOST", "HOST:PORT", "[V6ADDR]:PORT" -> host and port (6379 by default). */
[[nodiscard]] core::result<redis_options> parse_redis_address(std::string_view address);

/**
 * The update script (Lua, run by Redis). KEYS[1] = the key; ARGV = now
 * (Unix seconds), half_life (seconds), spam, ham (amounts to add),
 * max_count, ttl (seconds). Returns {spam, ham} after the update, as
 * strings. A stored value that is not a version-1 record is replaced.
 * A view of a string literal, so data() is NUL-terminated.
 */
[[nodiscard]] std::string_view redis_update_script() noexcept;

class redis_store final : public reputation_store {
public:
    /** Connect (and AUTH / SELECT) now. */
    [[nodiscard]] static core::result<std::unique_ptr<redis_store>> connect(redis_options opts);
    ~redis_store() override;
    redis_store(const redis_store &) = delete;
    redis_store &operator=(const redis_store &) = delete;

    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] core::result<core::reputation_map> lookup(const std::vector<std::string> &identities,
                                                            std::int64_t now, double half_life) override;
    [[nodiscard]] core::result<void> learn(const std::vector<std::string> &identities,
                                           const core::reputation_lesson &lesson, std::int64_t now,
                                           const core::reputation_config &cfg) override;
    /** SET with EX ttl, pipelined. */
    [[nodiscard]] core::result<void> put(const std::vector<std::pair<std::string, core::reputation_record>> &records) override;
    /** SCAN over prefix*, then GET. */
    [[nodiscard]] core::result<void> each_record(const record_visitor &visit) override;

    struct connection;

private:
    explicit redis_store(redis_options opts);
    redis_options opts_;
    std::unique_ptr<connection> conn_;
    std::string script_sha_;
};

} // namespace authweight::adapters
