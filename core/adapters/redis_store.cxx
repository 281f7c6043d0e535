#include "redis_store.hxx"

#include "msgpack_record.hxx"

#include <hiredis/hiredis.h>

#include <charconv>
#include <set>

namespace authweight::adapters {

using core::error_code;
using core::fail;

namespace {

// Redis runs this atomically (EVAL scripts are not interleaved with other
// commands). Redis embeds Lua 5.1 with cmsgpack; the decay, add and
// saturate steps are core::observe()'s, written for Redis.
constexpr std::string_view update_script = R"LUA(-- authweight reputation update, record layout v1
local key = KEYS[1]
local now = tonumber(ARGV[1])
local half_life = tonumber(ARGV[2])
local add_spam = tonumber(ARGV[3])
local add_ham = tonumber(ARGV[4])
local max_count = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local function count(x)
  return type(x) == 'number' and x == x and x >= 0 and x < 1e12
end
local spam, ham, ts = 0, 0, now
local raw = redis.call('GET', key)
if raw then
  local ok, rec = pcall(cmsgpack.unpack, raw)
  if ok and type(rec) == 'table' and rec.v == 1 and count(rec.spam) and count(rec.ham)
      and type(rec.ts) == 'number' and rec.ts >= 0 then
    spam, ham, ts = rec.spam, rec.ham, rec.ts
  end
end
if now > ts and half_life > 0 then
  local f = 2 ^ (-(now - ts) / half_life)
  spam, ham = spam * f, ham * f
end
if add_spam > 0 then spam = spam + add_spam end
if add_ham > 0 then ham = ham + add_ham end
local total = spam + ham
if total > max_count then
  local f = max_count / total
  spam, ham = spam * f, ham * f
end
if ts > now then now = ts end
redis.call('SET', key, cmsgpack.pack({v = 1, spam = spam, ham = ham, ts = now}), 'EX', ttl)
return {tostring(spam), tostring(ham)}
)LUA";

} // namespace

namespace {

std::string fmt_number(double v)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

std::string glob_literal(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

struct reply_deleter {
    void operator()(redisReply *r) const noexcept { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

std::string_view text(const redisReply &r)
{
    return r.str != nullptr ? std::string_view{r.str, r.len} : std::string_view{};
}

std::unexpected<core::error> io_error(const redisContext *c)
{
    return fail(error_code::INTERNAL, std::string("redis: ") + (c->err != 0 ? c->errstr : "no reply"));
}

std::unexpected<core::error> server_error(const redisReply &r)
{
    return fail(error_code::INTERNAL, "redis: " + std::string(text(r).substr(0, 200)));
}

/** Send commands in one write (hiredis buffers them), read one reply each. */
core::result<std::vector<reply_ptr>> pipeline(redisContext *c, const std::vector<std::vector<std::string>> &cmds)
{
    std::vector<const char *> argv;
    std::vector<std::size_t> lens;
    for (const auto &cmd : cmds) {
        argv.clear();
        lens.clear();
        for (const auto &a : cmd) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK)
            return io_error(c);
    }
    std::vector<reply_ptr> replies;
    replies.reserve(cmds.size());
    for (std::size_t i = 0; i < cmds.size(); ++i) {
        void *r = nullptr;
        if (redisGetReply(c, &r) != REDIS_OK || r == nullptr)
            return io_error(c);
        replies.emplace_back(static_cast<redisReply *>(r));
    }
    return replies;
}

core::result<reply_ptr> command(redisContext *c, const std::vector<std::string> &args)
{
    auto r = pipeline(c, {args});
    if (!r)
        return std::unexpected(r.error());
    return std::move(r->front());
}

} // namespace

struct redis_store::connection {
    redisContext *ctx{nullptr};
    connection() = default;
    connection(const connection &) = delete;
    connection &operator=(const connection &) = delete;
    ~connection()
    {
        if (ctx != nullptr)
            redisFree(ctx);
    }
};

core::result<redis_options> parse_redis_address(std::string_view address)
{
    redis_options o;
    std::string_view host = address, port;
    if (address.starts_with("[")) {
        auto close = address.find(']');
        if (close == std::string_view::npos)
            return fail(error_code::BAD_CONFIG, "redis address '" + std::string(address) + "': missing ']'");
        host = address.substr(1, close - 1);
        auto rest = address.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':')
                return fail(error_code::BAD_CONFIG, "redis address '" + std::string(address) + "': expected :PORT");
            port = rest.substr(1);
        }
    } else if (auto colon = address.rfind(':'); colon != std::string_view::npos &&
                                                address.find(':') == colon) {
        host = address.substr(0, colon);
        port = address.substr(colon + 1);
    }
    if (host.empty())
        return fail(error_code::BAD_CONFIG, "redis address '" + std::string(address) + "': no host");
    o.host = std::string(host);
    if (!port.empty()) {
        int p = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc{} || end != port.data() + port.size() || p < 1 || p > 65535)
            return fail(error_code::BAD_CONFIG, "redis address '" + std::string(address) + "': bad port");
        o.port = p;
    }
    return o;
}

std::string_view redis_update_script() noexcept
{
    return update_script;
}

redis_store::redis_store(redis_options opts) : opts_{std::move(opts)} {}

redis_store::~redis_store() = default;

std::string redis_store::describe() const
{
    return "redis " + opts_.host + ":" + std::to_string(opts_.port);
}

core::result<std::unique_ptr<redis_store>> redis_store::connect(redis_options opts)
{
    std::unique_ptr<redis_store> s{new redis_store(std::move(opts))};
    const auto &o = s->opts_;
    const timeval tv{o.timeout_ms / 1000, (o.timeout_ms % 1000) * 1000};
    auto conn = std::make_unique<connection>();
    conn->ctx = redisConnectWithTimeout(o.host.c_str(), o.port, tv);
    if (conn->ctx == nullptr)
        return fail(error_code::INTERNAL, s->describe() + ": cannot connect: out of memory");
    if (conn->ctx->err != 0)
        return fail(error_code::INTERNAL, s->describe() + ": cannot connect: " + conn->ctx->errstr);
    if (redisSetTimeout(conn->ctx, tv) != REDIS_OK)
        return io_error(conn->ctx);
    s->conn_ = std::move(conn);
    redisContext *c = s->conn_->ctx;
    if (!o.password.empty())
        if (auto r = command(c, {"AUTH", o.password}); !r || (*r)->type == REDIS_REPLY_ERROR)
            return r ? server_error(**r) : std::unexpected(r.error());
    if (o.db != 0)
        if (auto r = command(c, {"SELECT", std::to_string(o.db)}); !r || (*r)->type == REDIS_REPLY_ERROR)
            return r ? server_error(**r) : std::unexpected(r.error());
    auto r = command(c, {"SCRIPT", "LOAD", std::string(update_script)});
    if (!r)
        return std::unexpected(r.error());
    if ((*r)->type != REDIS_REPLY_STRING)
        return server_error(**r);
    s->script_sha_ = std::string(text(**r));
    return s;
}

core::result<core::reputation_map> redis_store::lookup(const std::vector<std::string> &identities,
                                                       std::int64_t now, double half_life)
{
    std::vector<std::vector<std::string>> cmds;
    for (const auto &id : identities) {
        if (!core::valid_identity(id))
            return fail(error_code::BAD_INPUT, "not an identity: '" + id.substr(0, 100) + "'");
        cmds.push_back({"GET", opts_.prefix + id});
    }
    core::reputation_map out;
    if (cmds.empty())
        return out;
    auto replies = pipeline(conn_->ctx, cmds);
    if (!replies)
        return std::unexpected(replies.error());
    for (std::size_t i = 0; i < identities.size(); ++i) {
        const redisReply &r = *(*replies)[i];
        if (r.type == REDIS_REPLY_ERROR)
            return server_error(r);
        if (r.type != REDIS_REPLY_STRING)
            continue;
        if (auto rec = decode_record(text(r)))
            out.emplace(identities[i], core::decayed(*rec, now, half_life));
    }
    return out;
}

core::result<void> redis_store::learn(const std::vector<std::string> &identities,
                                      const core::reputation_lesson &lesson, std::int64_t now,
                                      const core::reputation_config &cfg)
{
    for (const auto &id : identities)
        if (!core::valid_identity(id))
            return fail(error_code::BAD_INPUT, "not an identity: '" + id.substr(0, 100) + "'");
    if (identities.empty() || lesson.empty())
        return {};
    for (const auto &id : identities) {
        std::vector<std::string> cmd{"EVALSHA",
                                     script_sha_,
                                     "1",
                                     opts_.prefix + id,
                                     std::to_string(now),
                                     fmt_number(cfg.half_life),
                                     fmt_number(lesson.spam),
                                     fmt_number(lesson.ham),
                                     fmt_number(cfg.max_count),
                                     std::to_string(opts_.ttl)};
        auto r = command(conn_->ctx, cmd);
        if (!r)
            return std::unexpected(r.error());
        if ((*r)->type == REDIS_REPLY_ERROR && text(**r).starts_with("NOSCRIPT")) {
            // The server lost its script cache (restart, SCRIPT FLUSH).
            cmd[0] = "EVAL";
            cmd[1] = std::string(update_script);
            r = command(conn_->ctx, cmd);
            if (!r)
                return std::unexpected(r.error());
        }
        if ((*r)->type == REDIS_REPLY_ERROR)
            return server_error(**r);
    }
    return {};
}

core::result<void> redis_store::put(const std::vector<std::pair<std::string, core::reputation_record>> &records)
{
    constexpr std::size_t batch = 1000;
    std::vector<std::vector<std::string>> cmds;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto &[id, rec] = records[i];
        if (!core::valid_identity(id))
            return fail(error_code::BAD_INPUT, "not an identity: '" + id.substr(0, 100) + "'");
        auto bytes = encode_record(rec);
        if (!bytes)
            return std::unexpected(bytes.error());
        cmds.push_back({"SET", opts_.prefix + id, std::move(*bytes), "EX", std::to_string(opts_.ttl)});
        if (cmds.size() == batch || i + 1 == records.size()) {
            auto replies = pipeline(conn_->ctx, cmds);
            if (!replies)
                return std::unexpected(replies.error());
            for (const auto &r : *replies)
                if (r->type == REDIS_REPLY_ERROR)
                    return server_error(*r);
            cmds.clear();
        }
    }
    return {};
}

core::result<void> redis_store::each_record(const record_visitor &visit)
{
    std::set<std::string> seen; // SCAN may return a key more than once
    std::string cursor = "0";
    const std::string match = glob_literal(opts_.prefix) + "*";
    do {
        auto r = command(conn_->ctx, {"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
        if (!r)
            return std::unexpected(r.error());
        const redisReply &scan = **r;
        if (scan.type == REDIS_REPLY_ERROR)
            return server_error(scan);
        if (scan.type != REDIS_REPLY_ARRAY || scan.elements != 2 || scan.element[0]->type != REDIS_REPLY_STRING ||
            scan.element[1]->type != REDIS_REPLY_ARRAY)
            return fail(error_code::INTERNAL, "redis: unexpected SCAN reply");
        cursor = std::string(text(*scan.element[0]));
        std::vector<std::string> keys;
        for (std::size_t i = 0; i < scan.element[1]->elements; ++i) {
            const redisReply &k = *scan.element[1]->element[i];
            if (k.type == REDIS_REPLY_STRING && seen.insert(std::string(text(k))).second)
                keys.emplace_back(text(k));
        }
        if (keys.empty())
            continue;
        std::vector<std::vector<std::string>> cmds;
        for (const auto &k : keys)
            cmds.push_back({"GET", k});
        auto values = pipeline(conn_->ctx, cmds);
        if (!values)
            return std::unexpected(values.error());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const redisReply &v = *(*values)[i];
            if (v.type != REDIS_REPLY_STRING)
                continue; // expired between SCAN and GET
            std::string_view id = std::string_view(keys[i]).substr(opts_.prefix.size());
            if (!core::valid_identity(id)) {
                visit(id, fail(error_code::BAD_INPUT, "key is not an identity"));
                continue;
            }
            visit(id, decode_record(text(v)));
        }
    } while (cursor != "0");
    return {};
}

} // namespace authweight::adapters
