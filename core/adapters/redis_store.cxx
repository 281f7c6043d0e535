#include "redis_store.hxx"

#include "msgpack_record.hxx"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
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

constexpr std::size_t max_bulk = 16u * 1024u * 1024u;
constexpr std::size_t max_elements = 1u << 20;

struct reply {
    enum class kind { NIL, STATUS, ERROR, INTEGER, STRING, ARRAY } type{kind::NIL};
    std::string str;
    long long integer{0};
    std::vector<reply> elements;
};

std::string fmt_number(double v)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

/** Escape glob characters so SCAN MATCH takes the prefix literally. */
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

} // namespace

struct redis_store::connection {
    int fd{-1};
    int timeout_ms{2000};
    std::string in;
    std::size_t pos{0};

    connection() = default;
    connection(const connection &) = delete;
    connection &operator=(const connection &) = delete;
    ~connection()
    {
        if (fd >= 0)
            ::close(fd);
    }

    core::result<void> send_all(std::string_view data)
    {
        while (!data.empty()) {
            pollfd p{fd, POLLOUT, 0};
            int pr = ::poll(&p, 1, timeout_ms);
            if (pr <= 0)
                return fail(error_code::INTERNAL, pr == 0 ? "redis: write timed out" : "redis: poll failed");
            ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN)
                    continue;
                return fail(error_code::INTERNAL, std::string("redis: ") + std::strerror(errno));
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return {};
    }

    core::result<void> fill()
    {
        if (pos > 0 && pos == in.size()) {
            in.clear();
            pos = 0;
        }
        pollfd p{fd, POLLIN, 0};
        int pr = ::poll(&p, 1, timeout_ms);
        if (pr <= 0)
            return fail(error_code::INTERNAL, pr == 0 ? "redis: read timed out" : "redis: poll failed");
        char buf[65536];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            return fail(error_code::INTERNAL, "redis: connection closed");
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                return {};
            return fail(error_code::INTERNAL, std::string("redis: ") + std::strerror(errno));
        }
        in.append(buf, static_cast<std::size_t>(n));
        return {};
    }

    core::result<std::string> line()
    {
        for (;;) {
            auto end = in.find("\r\n", pos);
            if (end != std::string::npos) {
                std::string l = in.substr(pos, end - pos);
                pos = end + 2;
                return l;
            }
            if (in.size() - pos > 65536)
                return fail(error_code::INTERNAL, "redis: protocol line too long");
            if (auto r = fill(); !r)
                return std::unexpected(r.error());
        }
    }

    core::result<long long> number(std::string_view s)
    {
        long long v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc{} || end != s.data() + s.size())
            return fail(error_code::INTERNAL, "redis: bad number in reply");
        return v;
    }

    core::result<reply> read(int depth = 0)
    {
        if (depth > 4)
            return fail(error_code::INTERNAL, "redis: reply nested too deeply");
        auto l = line();
        if (!l)
            return std::unexpected(l.error());
        if (l->empty())
            return fail(error_code::INTERNAL, "redis: empty reply line");
        reply r;
        const char t = (*l)[0];
        std::string_view body = std::string_view(*l).substr(1);
        switch (t) {
        case '+':
            r.type = reply::kind::STATUS;
            r.str = body;
            return r;
        case '-':
            r.type = reply::kind::ERROR;
            r.str = body;
            return r;
        case ':': {
            auto n = number(body);
            if (!n)
                return std::unexpected(n.error());
            r.type = reply::kind::INTEGER;
            r.integer = *n;
            return r;
        }
        case '$': {
            auto n = number(body);
            if (!n)
                return std::unexpected(n.error());
            if (*n < 0)
                return r; // nil
            if (static_cast<unsigned long long>(*n) > max_bulk)
                return fail(error_code::INTERNAL, "redis: value too large");
            const auto len = static_cast<std::size_t>(*n);
            while (in.size() - pos < len + 2)
                if (auto f = fill(); !f)
                    return std::unexpected(f.error());
            r.type = reply::kind::STRING;
            r.str = in.substr(pos, len);
            pos += len + 2;
            return r;
        }
        case '*': {
            auto n = number(body);
            if (!n)
                return std::unexpected(n.error());
            if (*n < 0)
                return r;
            if (static_cast<unsigned long long>(*n) > max_elements)
                return fail(error_code::INTERNAL, "redis: array too large");
            r.type = reply::kind::ARRAY;
            for (long long i = 0; i < *n; ++i) {
                auto e = read(depth + 1);
                if (!e)
                    return std::unexpected(e.error());
                r.elements.push_back(std::move(*e));
            }
            return r;
        }
        default:
            return fail(error_code::INTERNAL, "redis: unexpected reply type");
        }
    }
};

namespace {

void append_command(std::string &out, const std::vector<std::string> &args)
{
    out += "*" + std::to_string(args.size()) + "\r\n";
    for (const auto &a : args) {
        out += "$" + std::to_string(a.size()) + "\r\n";
        out += a;
        out += "\r\n";
    }
}

/** Send commands in one write, read one reply each. */
core::result<std::vector<reply>> pipeline(redis_store::connection &c, const std::vector<std::vector<std::string>> &cmds)
{
    std::string out;
    for (const auto &cmd : cmds)
        append_command(out, cmd);
    if (auto s = c.send_all(out); !s)
        return std::unexpected(s.error());
    std::vector<reply> replies;
    replies.reserve(cmds.size());
    for (std::size_t i = 0; i < cmds.size(); ++i) {
        auto r = c.read();
        if (!r)
            return std::unexpected(r.error());
        replies.push_back(std::move(*r));
    }
    return replies;
}

core::result<reply> command(redis_store::connection &c, const std::vector<std::string> &args)
{
    auto r = pipeline(c, {args});
    if (!r)
        return std::unexpected(r.error());
    return std::move(r->front());
}

std::unexpected<core::error> server_error(const reply &r)
{
    return fail(error_code::INTERNAL, "redis: " + r.str.substr(0, 200));
}

} // namespace

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
    const std::string where = s->describe();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *res = nullptr;
    const std::string port = std::to_string(o.port);
    if (int rc = ::getaddrinfo(o.host.c_str(), port.c_str(), &hints, &res); rc != 0)
        return fail(error_code::INTERNAL, where + ": " + ::gai_strerror(rc));
    auto conn = std::make_unique<connection>();
    conn->timeout_ms = o.timeout_ms;
    std::string last = "no address";
    for (addrinfo *ai = res; ai != nullptr && conn->fd < 0; ai = ai->ai_next) {
        int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
            continue;
        int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = ::poll(&p, 1, o.timeout_ms) == 1 ? 0 : -1;
            int err = 0;
            socklen_t len = sizeof err;
            if (rc == 0 && (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)) {
                errno = err;
                rc = -1;
            } else if (rc != 0) {
                errno = ETIMEDOUT;
            }
        }
        if (rc == 0) {
            conn->fd = fd;
            int one = 1;
            static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
        } else {
            last = std::strerror(errno);
            ::close(fd);
        }
    }
    ::freeaddrinfo(res);
    if (conn->fd < 0)
        return fail(error_code::INTERNAL, where + ": cannot connect: " + last);
    s->conn_ = std::move(conn);
    if (!o.password.empty()) {
        auto r = command(*s->conn_, {"AUTH", o.password});
        if (!r)
            return std::unexpected(r.error());
        if (r->type == reply::kind::ERROR)
            return server_error(*r);
    }
    if (o.db != 0) {
        auto r = command(*s->conn_, {"SELECT", std::to_string(o.db)});
        if (!r)
            return std::unexpected(r.error());
        if (r->type == reply::kind::ERROR)
            return server_error(*r);
    }
    auto r = command(*s->conn_, {"SCRIPT", "LOAD", std::string(update_script)});
    if (!r)
        return std::unexpected(r.error());
    if (r->type != reply::kind::STRING)
        return server_error(*r);
    s->script_sha_ = r->str;
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
    auto replies = pipeline(*conn_, cmds);
    if (!replies)
        return std::unexpected(replies.error());
    for (std::size_t i = 0; i < identities.size(); ++i) {
        const auto &r = (*replies)[i];
        if (r.type == reply::kind::ERROR)
            return server_error(r);
        if (r.type != reply::kind::STRING)
            continue;
        if (auto rec = decode_record(r.str))
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
        const std::vector<std::string> args{std::to_string(now), fmt_number(cfg.half_life),
                                            fmt_number(lesson.spam), fmt_number(lesson.ham),
                                            fmt_number(cfg.max_count), std::to_string(opts_.ttl)};
        std::vector<std::string> cmd{"EVALSHA", script_sha_, "1", opts_.prefix + id};
        cmd.insert(cmd.end(), args.begin(), args.end());
        auto r = command(*conn_, cmd);
        if (!r)
            return std::unexpected(r.error());
        if (r->type == reply::kind::ERROR && r->str.starts_with("NOSCRIPT")) {
            // The server lost its script cache (restart, SCRIPT FLUSH).
            cmd[0] = "EVAL";
            cmd[1] = std::string(update_script);
            r = command(*conn_, cmd);
            if (!r)
                return std::unexpected(r.error());
        }
        if (r->type == reply::kind::ERROR)
            return server_error(*r);
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
            auto replies = pipeline(*conn_, cmds);
            if (!replies)
                return std::unexpected(replies.error());
            for (const auto &r : *replies)
                if (r.type == reply::kind::ERROR)
                    return server_error(r);
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
        auto r = command(*conn_, {"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
        if (!r)
            return std::unexpected(r.error());
        if (r->type == reply::kind::ERROR)
            return server_error(*r);
        if (r->type != reply::kind::ARRAY || r->elements.size() != 2 ||
            r->elements[0].type != reply::kind::STRING || r->elements[1].type != reply::kind::ARRAY)
            return fail(error_code::INTERNAL, "redis: unexpected SCAN reply");
        cursor = r->elements[0].str;
        std::vector<std::string> keys;
        for (const auto &k : r->elements[1].elements)
            if (k.type == reply::kind::STRING && seen.insert(k.str).second)
                keys.push_back(k.str);
        if (keys.empty())
            continue;
        std::vector<std::vector<std::string>> cmds;
        for (const auto &k : keys)
            cmds.push_back({"GET", k});
        auto values = pipeline(*conn_, cmds);
        if (!values)
            return std::unexpected(values.error());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const auto &v = (*values)[i];
            if (v.type != reply::kind::STRING)
                continue; // expired between SCAN and GET
            std::string_view id = std::string_view(keys[i]).substr(opts_.prefix.size());
            if (!core::valid_identity(id)) {
                visit(id, fail(error_code::BAD_INPUT, "key is not an identity"));
                continue;
            }
            visit(id, decode_record(v.str));
        }
    } while (cursor != "0");
    return {};
}

} // namespace authweight::adapters
