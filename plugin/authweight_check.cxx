// authweight-check: one message plus connection facts in, one JSON verdict
// out (DESIGN.md "Contract"). Exit 0 with the JSON on stdout; exit 2 with one
// line on stderr for any bad input. It never crashes.

#include "authweight_version.h"
#include "engine.hxx"
#include "json_io.hxx"
#include "lmdb_store.hxx"
#include "redis_store.hxx"
#include "reputation_store.hxx"
#include "zone_file.hxx"

#include "authweight/config.hxx"
#include "authweight/dns.hxx"
#include "authweight/facts.hxx"
#include "authweight/text.hxx"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>
// <arpa/nameser_compat.h> defines rcode names as macros; they would rewrite
// core::dns_status's enumerators.
#undef NOERROR
#undef FORMERR
#undef SERVFAIL
#undef NXDOMAIN
#undef NOTIMP
#undef REFUSED
#undef DELETE
#undef ADD

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace authweight;
using core::error_code;
using core::fail;

constexpr std::string_view program = "authweight-check";
/** rspamd's default max_message is 50 MB; nothing legitimate is larger. */
constexpr std::size_t max_input_bytes = 64u * 1024u * 1024u;
/** Rounds of answering queries. The engine stops after max_dns_rounds
 *  itself; this only guards against an engine that never finishes. */
constexpr int max_dns_iterations = 64;

constexpr std::string_view usage_text =
    R"(usage: authweight-check [OPTIONS] [MESSAGE.eml | -]

Weighs the authentication evidence of one message (TLS, SPF, Sender ID,
DKIM, DMARC alignment, whitelist, look-alikes) and prints one JSON object:
spf, senderid, dkim, dmarc, tls, symbols, score, and more.
Without a message only the connection and envelope checks run; '-' reads
the message from standard input.

Connection and envelope:
  --ip ADDR             client IP address (IPv4 or IPv6)
  --helo NAME           HELO/EHLO name as sent
  --hostname RDNS       reverse DNS name the MTA found for the client
  --mail-from ADDR      MAIL FROM; --mail-from "" is the null sender
                        (SPF then checks the HELO identity)
  --user U              SMTP AUTH user
  --tls-version V       TLS protocol version, e.g. TLSv1.3 (none = no TLS)
  --tls-cipher C        TLS cipher, OpenSSL or IANA name
  --tls-source S        where the TLS facts come from (default "mta" when
                        --tls-version is given)
  --external NAME=SCORE a symbol another module set, with its score, for
                        the trust budget (repeatable)

Settings:
  --config FILE         JSON config checked against authweight.schema.json;
                        keys not given take the schema's defaults
  --dns system          answer DNS queries with the system resolver
  --dns-zone ZONE.json  answer DNS queries from a zone file
                        Without --dns or --dns-zone no DNS is used: every
                        query is answered as a temporary failure, so checks
                        that need DNS give temperror.
  --dns none            the same, explicitly

Reputation (see doc/reputation.md):
  --learn spam|ham      teach the message's authenticated identities (DKIM
                        d=, aligned SPF, Sender ID PRA) the verdict, in the
                        store of --config (reputation.backend); the report
                        is printed as usual
  --reputation-db PATH  the LMDB store (default reputation.lmdb_path)
  --redis HOST[:PORT]   use the Redis store there (keys reputation.redis_prefix
                        + identity; password from AUTHWEIGHT_REDIS_PASSWORD)
  --export FILE         write every record of the store as JSON lines
                        ('-' = standard output); no message is read
  --import FILE         read JSON lines into the store, replacing records of
                        the same identities ('-' = standard input)
  --now SECONDS         the Unix time to decay and learn at (default: now)
  A check looks the identities up in the LMDB store when the backend is
  lmdb and the file exists (or in Redis with --redis) and scores
  AUTHW_REP_BAD / AUTHW_REP_GOOD; a store that cannot be read gives one
  warning line on standard error and the check runs without it.

Output:
  --pretty              indent the JSON
  --help                show this help and exit
  --version             show the version and exit

Exit status: 0 with the JSON on standard output; 2 with a one-line
message on standard error for bad input.
)";

/** Print one line on stderr: control characters become spaces, and very
 *  long messages are cut, so the one-line contract holds for any input. */
int die(std::string_view message)
{
    const std::string line = core::text::capped(message, 1000, ' ');
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), line.c_str());
    return 2;
}

enum class dns_mode { NONE, SYSTEM, ZONE };

struct options {
    core::delivery_facts facts;
    std::optional<std::string> config_path;
    dns_mode dns{dns_mode::NONE};
    bool dns_given{false};
    std::string zone_path;
    std::optional<std::string> message_path;
    bool tls_source_given{false};
    std::optional<std::string> learn;
    std::optional<std::string> reputation_db;
    std::optional<std::string> redis;
    std::optional<std::string> export_path;
    std::optional<std::string> import_path;
    std::optional<std::int64_t> now;
    bool pretty{false};
    bool help{false};
    bool version{false};
};

core::result<core::external_symbol> parse_external(std::string_view arg)
{
    const auto bad = fail(error_code::BAD_INPUT,
                          "invalid --external '" + std::string(arg) + "': expected NAME=SCORE");
    auto eq = arg.find('=');
    if (eq == 0 || eq == std::string_view::npos)
        return bad;
    auto num = arg.substr(eq + 1);
    if (!num.empty() && num.front() == '+')
        num.remove_prefix(1);
    double score = 0.0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), score);
    if (num.empty() || ec != std::errc{} || end != num.data() + num.size() || !std::isfinite(score))
        return bad;
    return core::external_symbol{std::string(arg.substr(0, eq)), score};
}

core::result<void> set_dns(options &o, dns_mode mode)
{
    if (o.dns_given && o.dns != mode)
        return fail(error_code::BAD_INPUT, "--dns and --dns-zone cannot be combined");
    o.dns = mode;
    o.dns_given = true;
    return {};
}

/** Apply one option that takes a value. */
core::result<void> apply(options &o, std::string_view flag, std::string value)
{
    auto &c = o.facts.connection;
    if (flag == "--ip") {
        // The evaluation checks it (authweight/ip.hxx), like every other fact.
        c.client_ip = std::move(value);
    } else if (flag == "--helo") {
        c.helo = std::move(value);
    } else if (flag == "--hostname") {
        c.hostname = std::move(value);
    } else if (flag == "--mail-from") {
        o.facts.envelope.mail_from = std::move(value);
    } else if (flag == "--tls-version") {
        c.tls_version = std::move(value);
    } else if (flag == "--tls-cipher") {
        c.tls_cipher = std::move(value);
    } else if (flag == "--tls-source") {
        c.tls_source = std::move(value);
        o.tls_source_given = true;
    } else if (flag == "--user") {
        c.auth_user = std::move(value);
    } else if (flag == "--config") {
        o.config_path = std::move(value);
    } else if (flag == "--dns") {
        if (value == "system")
            return set_dns(o, dns_mode::SYSTEM);
        if (value == "none")
            return set_dns(o, dns_mode::NONE);
        return fail(error_code::BAD_INPUT, "invalid --dns '" + value + "': expected system or none");
    } else if (flag == "--dns-zone") {
        o.zone_path = std::move(value);
        return set_dns(o, dns_mode::ZONE);
    } else if (flag == "--external") {
        auto sym = parse_external(value);
        if (!sym)
            return std::unexpected(sym.error());
        o.facts.external.push_back(std::move(*sym));
    } else if (flag == "--learn") {
        if (value != "spam" && value != "ham")
            return fail(error_code::BAD_INPUT, "invalid --learn '" + value + "': expected spam or ham");
        o.learn = std::move(value);
    } else if (flag == "--reputation-db") {
        o.reputation_db = std::move(value);
    } else if (flag == "--redis") {
        o.redis = std::move(value);
    } else if (flag == "--export") {
        o.export_path = std::move(value);
    } else if (flag == "--import") {
        o.import_path = std::move(value);
    } else if (flag == "--now") {
        std::int64_t t = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || t < 0)
            return fail(error_code::BAD_INPUT, "invalid --now '" + value + "': expected Unix seconds");
        o.now = t;
    }
    return {};
}

constexpr std::string_view value_flags[] = {
    "--ip", "--helo", "--hostname", "--mail-from", "--tls-version", "--tls-cipher",
    "--tls-source", "--user", "--config", "--dns", "--dns-zone", "--external",
    "--learn", "--reputation-db", "--redis", "--export", "--import", "--now",
};

core::result<options> parse_args(int argc, char **argv)
{
    options o;
    bool only_positional = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (only_positional || arg == "-" || !arg.starts_with("-")) {
            if (o.message_path)
                return fail(error_code::BAD_INPUT, "more than one message given ('" +
                                                       *o.message_path + "' and '" + std::string(arg) + "')");
            o.message_path = std::string(arg);
            continue;
        }
        if (arg == "--") {
            only_positional = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            o.help = true;
            continue;
        }
        if (arg == "--version") {
            o.version = true;
            continue;
        }
        if (arg == "--pretty") {
            o.pretty = true;
            continue;
        }
        // "--flag value" or "--flag=value"
        std::string_view flag = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            flag = arg.substr(0, eq);
            value = std::string(arg.substr(eq + 1));
        }
        bool known = false;
        for (auto f : value_flags)
            known = known || f == flag;
        if (!known)
            return fail(error_code::BAD_INPUT, "unknown option '" + std::string(flag) + "' (see --help)");
        if (!value) {
            if (i + 1 >= argc)
                return fail(error_code::BAD_INPUT, "option '" + std::string(flag) + "' needs a value");
            value = std::string(argv[++i]);
        }
        if (auto r = apply(o, flag, std::move(*value)); !r)
            return std::unexpected(r.error());
    }
    auto &c = o.facts.connection;
    if (!c.tls_version.empty() && !o.tls_source_given)
        c.tls_source = "mta";
    if (o.export_path && o.import_path)
        return fail(error_code::BAD_INPUT, "--export and --import cannot be combined");
    if ((o.export_path || o.import_path) && (o.message_path || o.learn))
        return fail(error_code::BAD_INPUT, "--export and --import take no message and no --learn");
    if (o.reputation_db && o.redis)
        return fail(error_code::BAD_INPUT, "--reputation-db and --redis cannot be combined");
    return o;
}

/** Read a file ("-" = stdin) whole. `what` names it in messages ("message"). */
core::result<std::string> read_input(const std::string &path, std::string_view what)
{
    const std::string label(what);
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> owned{nullptr, &std::fclose};
    std::FILE *f = stdin;
    if (path != "-") {
        owned.reset(std::fopen(path.c_str(), "rb"));
        if (!owned)
            return fail(error_code::BAD_INPUT,
                        "cannot read " + label + " " + path + ": " + std::strerror(errno));
        f = owned.get();
    }
    std::string text;
    std::vector<char> buf(65536);
    for (;;) {
        const auto n = std::fread(buf.data(), 1, buf.size(), f);
        text.append(buf.data(), n);
        if (text.size() > max_input_bytes)
            return fail(error_code::BAD_INPUT, label + " " + path + ": larger than 64 MiB");
        if (n < buf.size()) {
            if (std::ferror(f))
                return fail(error_code::BAD_INPUT,
                            "cannot read " + label + " " + path + ": " + std::strerror(errno));
            break;
        }
    }
    return text;
}

// --- the system resolver ------------------------------------------------------

/** Blocking lookups through libresolv, used only by this CLI. */
class system_resolver {
public:
    system_resolver() : state_{std::make_unique<struct __res_state>()}
    {
        std::memset(state_.get(), 0, sizeof(struct __res_state));
        ok_ = res_ninit(state_.get()) == 0;
    }
    ~system_resolver()
    {
        if (ok_)
            res_nclose(state_.get());
    }
    system_resolver(const system_resolver &) = delete;
    system_resolver &operator=(const system_resolver &) = delete;

    [[nodiscard]] bool ok() const noexcept { return ok_; }

    [[nodiscard]] core::dns_answer resolve(const core::dns_query &q)
    {
        const int type = wire_type(q.type);
        std::vector<unsigned char> buf(65536);
        int len = res_nquery(state_.get(), q.name.c_str(), ns_c_in, type, buf.data(),
                             static_cast<int>(buf.size()));
        if (len < 0) {
            // glibc maps the rcode to h_errno: NXDOMAIN -> HOST_NOT_FOUND,
            // NOERROR without answers -> NO_DATA, SERVFAIL/timeout -> TRY_AGAIN,
            // REFUSED/FORMERR -> NO_RECOVERY. Only the first two are definite.
            switch (state_->res_h_errno) {
            case HOST_NOT_FOUND: return {core::dns_status::NXDOMAIN, {}};
            case NO_DATA: return {core::dns_status::NODATA, {}};
            default: return {core::dns_status::TEMPFAIL, {}};
            }
        }
        if (len > static_cast<int>(buf.size()))
            len = static_cast<int>(buf.size());
        return parse_answer(buf.data(), len, q.type, type);
    }

private:
    static int wire_type(core::dns_type t) noexcept
    {
        switch (t) {
        case core::dns_type::A: return ns_t_a;
        case core::dns_type::AAAA: return ns_t_aaaa;
        case core::dns_type::MX: return ns_t_mx;
        case core::dns_type::TXT: return ns_t_txt;
        case core::dns_type::PTR: return ns_t_ptr;
        case core::dns_type::CNAME: return ns_t_cname;
        }
        return ns_t_a;
    }

    static core::dns_answer parse_answer(const unsigned char *msg_buf, int len, core::dns_type t, int wire)
    {
        const core::dns_answer malformed{core::dns_status::MALFORMED, {}};
        ns_msg msg;
        if (ns_initparse(msg_buf, len, &msg) < 0)
            return malformed;
        core::dns_answer out{core::dns_status::OK, {}};
        const int count = ns_msg_count(msg, ns_s_an);
        for (int i = 0; i < count; ++i) {
            ns_rr rr;
            if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
                return malformed;
            if (ns_rr_class(rr) != ns_c_in || static_cast<int>(ns_rr_type(rr)) != wire)
                continue; // the CNAMEs the server followed for us
            const unsigned char *rd = ns_rr_rdata(rr);
            const std::size_t rdlen = ns_rr_rdlen(rr);
            auto record = rdata_text(msg, rd, rdlen, t);
            if (!record)
                return malformed;
            out.records.push_back(std::move(*record));
        }
        if (out.records.empty())
            out.status = core::dns_status::NODATA;
        return out;
    }

    static std::optional<std::string> expand(const ns_msg &msg, const unsigned char *src)
    {
        char name[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), src, name, sizeof name) < 0)
            return std::nullopt;
        return name[0] == '\0' ? std::string(".") : std::string(name);
    }

    static std::optional<std::string> rdata_text(const ns_msg &msg, const unsigned char *rd,
                                                 std::size_t rdlen, core::dns_type t)
    {
        char addr[INET6_ADDRSTRLEN];
        switch (t) {
        case core::dns_type::A:
            if (rdlen != 4 || inet_ntop(AF_INET, rd, addr, sizeof addr) == nullptr)
                return std::nullopt;
            return std::string(addr);
        case core::dns_type::AAAA:
            if (rdlen != 16 || inet_ntop(AF_INET6, rd, addr, sizeof addr) == nullptr)
                return std::nullopt;
            return std::string(addr);
        case core::dns_type::MX: {
            if (rdlen < 3)
                return std::nullopt;
            const unsigned pref = (static_cast<unsigned>(rd[0]) << 8) | rd[1];
            auto host = expand(msg, rd + 2);
            if (!host)
                return std::nullopt;
            return std::to_string(pref) + " " + *host;
        }
        case core::dns_type::TXT: {
            // RFC 7208 3.3: the strings of one record are concatenated.
            std::string text;
            std::size_t pos = 0;
            while (pos < rdlen) {
                const std::size_t n = rd[pos];
                if (pos + 1 + n > rdlen)
                    return std::nullopt;
                text.append(reinterpret_cast<const char *>(rd + pos + 1), n);
                pos += 1 + n;
            }
            return text;
        }
        case core::dns_type::PTR:
        case core::dns_type::CNAME:
            return expand(msg, rd);
        }
        return std::nullopt;
    }

    std::unique_ptr<struct __res_state> state_;
    bool ok_{false};
};

// --- reputation -----------------------------------------------------------------

/** A warning: one line on stderr, the check goes on. */
void warn(std::string_view message)
{
    const std::string line = core::text::capped(message, 1000, ' ');
    std::fprintf(stderr, "%.*s: warning: %s\n", static_cast<int>(program.size()), program.data(), line.c_str());
}

enum class store_use { LOOKUP, WRITE, EXPORT };

/**
 * The store the options and config name: --redis, --reputation-db, else
 * reputation.backend. nullptr (no error) when a lookup has no store to ask:
 * backend none or redis without --redis, or the default LMDB file does not
 * exist yet.
 */
core::result<std::unique_ptr<adapters::reputation_store>> open_store(const options &o, const core::config &cfg,
                                                                     store_use use)
{
    const auto &rc = cfg.reputation;
    if (o.redis) {
        auto ro = adapters::parse_redis_address(*o.redis);
        if (!ro)
            return std::unexpected(ro.error());
        ro->prefix = rc.redis_prefix;
        ro->ttl = rc.redis_ttl;
        if (const char *pw = std::getenv("AUTHWEIGHT_REDIS_PASSWORD"))
            ro->password = pw;
        auto st = adapters::redis_store::connect(std::move(*ro));
        if (!st)
            return std::unexpected(st.error());
        return std::unique_ptr<adapters::reputation_store>(std::move(*st));
    }
    if (!o.reputation_db && rc.backend != "lmdb") {
        if (use == store_use::LOOKUP)
            return nullptr;
        return fail(error_code::BAD_INPUT, "reputation.backend is " + rc.backend +
                                               ": give --reputation-db PATH or --redis HOST[:PORT]");
    }
    adapters::lmdb_options lo;
    lo.path = o.reputation_db ? *o.reputation_db : rc.lmdb_path;
    lo.map_size_mib = static_cast<std::size_t>(rc.lmdb_map_size);
    lo.create = use == store_use::WRITE;
    lo.read_only = use != store_use::WRITE;
    auto st = std::make_unique<adapters::lmdb_store>(std::move(lo));
    if (auto ok = st->open(); !ok) {
        if (use == store_use::LOOKUP && !o.reputation_db && ok.error().code() == error_code::NOT_FOUND)
            return nullptr;
        return std::unexpected(ok.error());
    }
    return std::unique_ptr<adapters::reputation_store>(std::move(st));
}

std::int64_t now_of(const options &o)
{
    return o.now ? *o.now : static_cast<std::int64_t>(std::time(nullptr));
}

/** --export FILE / --import FILE. */
int transfer(const options &o, const core::config &cfg)
{
    const bool exporting = o.export_path.has_value();
    auto store = open_store(o, cfg, exporting ? store_use::EXPORT : store_use::WRITE);
    if (!store)
        return die(store.error().message());
    std::size_t done = 0, skipped = 0;
    if (exporting) {
        const std::string &path = *o.export_path;
        std::unique_ptr<std::FILE, int (*)(std::FILE *)> owned{nullptr, &std::fclose};
        std::FILE *out = stdout;
        if (path != "-") {
            owned.reset(std::fopen(path.c_str(), "w"));
            if (!owned)
                return die("cannot write " + path + ": " + std::strerror(errno));
            out = owned.get();
        }
        bool write_ok = true;
        auto r = (*store)->each_record([&](std::string_view id, const core::result<core::reputation_record> &rec) {
            if (!rec) {
                ++skipped;
                warn("skipped '" + std::string(id.substr(0, 100)) + "': " + rec.error().message());
                return;
            }
            const std::string line = adapters::record_line(id, *rec) + "\n";
            write_ok = write_ok && std::fwrite(line.data(), 1, line.size(), out) == line.size();
            ++done;
        });
        if (!r)
            return die(r.error().message());
        if (!write_ok || std::fflush(out) != 0)
            return die("cannot write " + path + ": " + std::strerror(errno));
        if (path != "-") {
            if (std::fclose(owned.release()) != 0)
                return die("cannot write " + path + ": " + std::strerror(errno));
            std::printf("{\"exported\":%zu,\"skipped\":%zu,\"store\":\"%s\"}\n", done, skipped,
                        (*store)->describe().c_str());
        }
        return 0;
    }

    const std::string &path = *o.import_path;
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> owned{nullptr, &std::fclose};
    std::FILE *in = stdin;
    if (path != "-") {
        owned.reset(std::fopen(path.c_str(), "r"));
        if (!owned)
            return die("cannot read " + path + ": " + std::strerror(errno));
        in = owned.get();
    }
    constexpr std::size_t batch_size = 10000;
    constexpr std::size_t max_line = 4096;
    std::vector<std::pair<std::string, core::reputation_record>> batch;
    std::string line;
    std::size_t lineno = 0;
    bool eof = false;
    while (!eof) {
        line.clear();
        int ch = 0;
        while ((ch = std::fgetc(in)) != EOF && ch != '\n')
            if (line.size() <= max_line)
                line += static_cast<char>(ch);
        eof = ch == EOF;
        if (eof && std::ferror(in))
            return die("cannot read " + path + ": " + std::strerror(errno));
        ++lineno;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty() || line.front() == '#')
            continue;
        auto rec = line.size() > max_line ? core::result<std::pair<std::string, core::reputation_record>>(
                                                fail(error_code::BAD_INPUT, "export line: too long"))
                                          : adapters::parse_record_line(line);
        if (!rec) {
            ++skipped;
            warn(path + ":" + std::to_string(lineno) + ": " + rec.error().message());
            continue;
        }
        batch.push_back(std::move(*rec));
        if (batch.size() == batch_size) {
            if (auto r = (*store)->put(batch); !r)
                return die(r.error().message());
            done += batch.size();
            batch.clear();
        }
    }
    if (auto r = (*store)->put(batch); !r)
        return die(r.error().message());
    done += batch.size();
    std::printf("{\"imported\":%zu,\"skipped\":%zu,\"store\":\"%s\"}\n", done, skipped,
                (*store)->describe().c_str());
    return std::fflush(stdout) == 0 ? 0 : 2;
}

int run(int argc, char **argv)
{
    auto parsed = parse_args(argc, argv);
    if (!parsed)
        return die(parsed.error().message());
    options &o = *parsed;
    if (o.help) {
        std::fwrite(usage_text.data(), 1, usage_text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }
    if (o.version) {
        std::printf("%.*s %s\n", static_cast<int>(program.size()), program.data(), AUTHWEIGHT_VERSION_STRING);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }

    // No --config still goes through the schema, so its defaults apply.
    std::string config_text = "{}";
    std::string config_label;
    if (o.config_path) {
        auto text = read_input(*o.config_path, "config");
        if (!text)
            return die(text.error().message());
        config_text = std::move(*text);
        config_label = "config " + *o.config_path + ": ";
    }
    auto cfg = adapters::parse_config(config_text);
    if (!cfg)
        return die(config_label + cfg.error().message());
    if (o.export_path || o.import_path)
        return transfer(o, *cfg);
    const core::config config_copy = *cfg;

    std::optional<adapters::zone> zone;
    if (o.dns == dns_mode::ZONE) {
        auto z = adapters::zone::load(o.zone_path);
        if (!z)
            return die(z.error().message());
        zone = std::move(*z);
    }
    std::unique_ptr<system_resolver> resolver;
    if (o.dns == dns_mode::SYSTEM) {
        resolver = std::make_unique<system_resolver>();
        if (!resolver->ok())
            return die("cannot initialise the system resolver");
    }

    if (o.message_path) {
        auto text = read_input(*o.message_path, "message");
        if (!text)
            return die(text.error().message());
        o.facts.message = std::move(*text);
        o.facts.has_message = true;
    }

    auto eng = adapters::engine::create(std::move(*cfg));
    if (!eng)
        return die((eng.error().code() == error_code::BAD_CONFIG ? config_label : std::string{}) +
                   eng.error().message());
    auto ev = adapters::evaluation::create(*eng, std::move(o.facts));
    if (!ev)
        return die(ev.error().message());
    auto &evaluation = **ev;

    int iterations = 0;
    while (evaluation.step() == adapters::step_status::NEED_DNS) {
        if (++iterations > max_dns_iterations)
            return die("internal error: DNS evaluation did not finish");
        const std::vector<core::dns_query> queries = evaluation.pending();
        for (const auto &q : queries) {
            std::optional<core::dns_answer> a;
            if (zone)
                a = zone->answer(q);
            else if (resolver)
                a = resolver->resolve(q);
            // No DNS, or a TIMEOUT in the zone: a temporary failure, never
            // a negative verdict.
            evaluation.answer(q, a.value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
        }
    }

    // Principle 7: the identities' history, looked up after authentication
    // proved them; the evaluation re-scores over the DNS answers it has.
    std::vector<std::string> identities;
    for (const auto &id : evaluation.result().reputation_identities)
        identities.push_back(id.name);
    std::unique_ptr<adapters::reputation_store> store;
    if (!identities.empty() || o.learn) {
        auto st = open_store(o, config_copy, o.learn ? store_use::WRITE : store_use::LOOKUP);
        if (!st && o.learn)
            return die(st.error().message());
        if (!st)
            warn("reputation not used: " + st.error().message());
        else
            store = std::move(*st);
    }
    if (store && !identities.empty()) {
        auto counts = store->lookup(identities, now_of(o), config_copy.reputation.half_life);
        if (!counts) {
            warn("reputation not used: " + counts.error().message());
        } else if (!counts->empty()) {
            evaluation.set_reputation(std::move(*counts));
        }
    }
    if (o.learn) {
        if (identities.empty()) {
            warn("nothing learned: the message has no authenticated identity");
        } else {
            auto lesson = core::lesson_for(*o.learn, config_copy.reputation);
            if (auto r = store->learn(identities, lesson.value_or(core::reputation_lesson{}), now_of(o),
                                      config_copy.reputation);
                !r)
                return die("cannot learn: " + r.error().message());
        }
    }

    const std::string out = adapters::report_to_json(evaluation.result(), o.pretty ? 2 : -1) + "\n";
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
        return die(std::string("cannot write output: ") + std::strerror(errno));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception &e) {
        return die(std::string("internal error: ") + e.what());
    } catch (...) {
        return die("internal error: unknown exception");
    }
}
