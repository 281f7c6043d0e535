// authweight-check: one message plus connection facts in, one JSON verdict
// out (DESIGN.md "Contract"). Exit 0 with the JSON on stdout; exit 2 with one
// line on stderr for any bad input. It never crashes.
//
// A front end like any other: it reaches authweight only through
// libauthweight's C ABI (authweight.h). The facts go in as the ABI's JSON;
// DNS comes from a zone file (authweight_zone_*), the system resolver
// (libresolv, below) or nowhere; reputation from the store the options name.

#include "authweight.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view program = "authweight-check";
/** rspamd's default max_message is 50 MB; nothing legitimate is larger. */
constexpr std::size_t max_input_bytes = 64u * 1024u * 1024u;
/** Rounds of answering queries. The library stops after max_dns_rounds
 *  itself; this only guards against one that never finishes. */
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
  --rcpt ADDR           RCPT TO (repeatable): the recipients' domains are
                        the receiver's own, for AUTHW_DISPLAY_SPOOF
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

/** Untrusted text for one line of stderr, through the library's capper. */
std::string capped(std::string_view s, std::size_t cap)
{
    std::string out(cap + 4, '\0');
    out.resize(authweight_text_cap(s.data(), s.size(), cap, out.data(), out.size()));
    return out;
}

/** Print one line on stderr: control characters become spaces, and very
 *  long messages are cut, so the one-line contract holds for any input. */
int die(std::string_view message)
{
    const std::string line = capped(message, 1000);
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(), line.c_str());
    return 2;
}

enum class dns_mode { NONE, SYSTEM, ZONE };

struct options {
    nlohmann::ordered_json facts = nlohmann::ordered_json::object();
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
    std::optional<long long> now;
    bool pretty{false};
    bool help{false};
    bool version{false};
};

/** A failure: the one line die() prints. */
using failure = std::unexpected<std::string>;
template <typename T>
using result = std::expected<T, std::string>;

/** --external NAME=SCORE, appended to the facts' "external". */
result<void> add_external(options &o, std::string_view arg)
{
    const failure bad{"invalid --external '" + std::string(arg) + "': expected NAME=SCORE"};
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
    o.facts["external"].push_back({{"name", std::string(arg.substr(0, eq))}, {"score", score}});
    return {};
}

result<void> set_dns(options &o, dns_mode mode)
{
    if (o.dns_given && o.dns != mode)
        return failure{"--dns and --dns-zone cannot be combined"};
    o.dns = mode;
    o.dns_given = true;
    return {};
}

/** The flags that are facts, and their key in the facts document. The
 *  library checks every value (an IP address, ...) like any other facts'. */
constexpr std::pair<std::string_view, std::string_view> fact_flags[] = {
    {"--ip", "ip"},
    {"--helo", "helo"},
    {"--hostname", "hostname"},
    {"--mail-from", "mail_from"},
    {"--tls-version", "tls_version"},
    {"--tls-cipher", "tls_cipher"},
    {"--tls-source", "tls_source"},
    {"--user", "user"},
};

/** Apply one option that takes a value. */
result<void> apply(options &o, std::string_view flag, std::string value)
{
    for (const auto &[f, key] : fact_flags)
        if (flag == f) {
            o.tls_source_given = o.tls_source_given || key == "tls_source";
            o.facts[std::string(key)] = std::move(value);
            return {};
        }
    if (flag == "--config") {
        o.config_path = std::move(value);
    } else if (flag == "--dns") {
        if (value == "system")
            return set_dns(o, dns_mode::SYSTEM);
        if (value == "none")
            return set_dns(o, dns_mode::NONE);
        return failure{"invalid --dns '" + value + "': expected system or none"};
    } else if (flag == "--dns-zone") {
        o.zone_path = std::move(value);
        return set_dns(o, dns_mode::ZONE);
    } else if (flag == "--external") {
        return add_external(o, value);
    } else if (flag == "--rcpt") {
        o.facts["rcpt"].push_back(std::move(value));
    } else if (flag == "--learn") {
        if (value != "spam" && value != "ham")
            return failure{"invalid --learn '" + value + "': expected spam or ham"};
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
        long long t = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), t);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || t < 0)
            return failure{"invalid --now '" + value + "': expected Unix seconds"};
        o.now = t;
    }
    return {};
}

constexpr std::string_view other_value_flags[] = {
    "--config", "--dns", "--dns-zone", "--external", "--rcpt", "--learn", "--reputation-db", "--redis",
    "--export", "--import", "--now",
};

bool takes_value(std::string_view flag)
{
    for (const auto &f : fact_flags)
        if (f.first == flag)
            return true;
    for (auto f : other_value_flags)
        if (f == flag)
            return true;
    return false;
}

result<options> parse_args(int argc, char **argv)
{
    options o;
    bool only_positional = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (only_positional || arg == "-" || !arg.starts_with("-")) {
            if (o.message_path)
                return failure{"more than one message given ('" + *o.message_path + "' and '" + std::string(arg) +
                               "')"};
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
        if (!takes_value(flag))
            return failure{"unknown option '" + std::string(flag) + "' (see --help)"};
        if (!value) {
            if (i + 1 >= argc)
                return failure{"option '" + std::string(flag) + "' needs a value"};
            value = std::string(argv[++i]);
        }
        if (auto r = apply(o, flag, std::move(*value)); !r)
            return std::unexpected(r.error());
    }
    if (o.facts.contains("tls_version") && !o.tls_source_given)
        o.facts["tls_source"] = "mta";
    if (o.export_path && o.import_path)
        return failure{"--export and --import cannot be combined"};
    if ((o.export_path || o.import_path) && (o.message_path || o.learn))
        return failure{"--export and --import take no message and no --learn"};
    if (o.reputation_db && o.redis)
        return failure{"--reputation-db and --redis cannot be combined"};
    return o;
}

/** Read a file ("-" = stdin) whole. `what` names it in messages ("message"). */
result<std::string> read_input(const std::string &path, std::string_view what)
{
    const std::string label(what);
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> owned{nullptr, &std::fclose};
    std::FILE *f = stdin;
    if (path != "-") {
        owned.reset(std::fopen(path.c_str(), "rb"));
        if (!owned)
            return failure{"cannot read " + label + " " + path + ": " + std::strerror(errno)};
        f = owned.get();
    }
    std::string text;
    std::vector<char> buf(65536);
    for (;;) {
        const auto n = std::fread(buf.data(), 1, buf.size(), f);
        text.append(buf.data(), n);
        if (text.size() > max_input_bytes)
            return failure{label + " " + path + ": larger than 64 MiB"};
        if (n < buf.size()) {
            if (std::ferror(f))
                return failure{"cannot read " + label + " " + path + ": " + std::strerror(errno)};
            break;
        }
    }
    return text;
}

// --- libauthweight's handles, owned -------------------------------------------------

/** A malloc'ed message from the library, taken over (NULL: the code's text). */
std::string take_message(char *errmsg, int code)
{
    std::string msg = errmsg != nullptr ? errmsg : authweight_strerror(code);
    authweight_free(errmsg);
    return msg;
}

/** Owns a handle and releases it with the ABI's own free function. */
template <auto Free>
struct abi_free {
    template <typename T>
    void operator()(T *p) const noexcept
    {
        Free(p);
    }
};
using ctx_ptr = std::unique_ptr<authweight_ctx, abi_free<authweight_ctx_free>>;
using eval_ptr = std::unique_ptr<authweight_eval, abi_free<authweight_eval_free>>;
using rep_ptr = std::unique_ptr<authweight_rep, abi_free<authweight_rep_free>>;
using zone_ptr = std::unique_ptr<authweight_zone, abi_free<authweight_zone_free>>;

// --- the system resolver ------------------------------------------------------

/** One answer, as authweight_eval_answer() takes it. */
struct dns_answer {
    const char *status;
    std::vector<std::string> records;
};

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

    [[nodiscard]] dns_answer resolve(const std::string &name, std::string_view type)
    {
        const int wire = wire_type(type);
        if (wire < 0)
            return {"tempfail", {}};
        std::vector<unsigned char> buf(65536);
        int len = res_nquery(state_.get(), name.c_str(), ns_c_in, wire, buf.data(), static_cast<int>(buf.size()));
        if (len < 0) {
            // glibc maps the rcode to h_errno: NXDOMAIN -> HOST_NOT_FOUND,
            // NOERROR without answers -> NO_DATA, SERVFAIL/timeout -> TRY_AGAIN,
            // REFUSED/FORMERR -> NO_RECOVERY. Only the first two are definite.
            switch (state_->res_h_errno) {
            case HOST_NOT_FOUND: return {"nxdomain", {}};
            case NO_DATA: return {"nodata", {}};
            default: return {"tempfail", {}};
            }
        }
        if (len > static_cast<int>(buf.size()))
            len = static_cast<int>(buf.size());
        return parse_answer(buf.data(), len, wire);
    }

private:
    /** The wire type of a type the library asks for; -1 for another. */
    static int wire_type(std::string_view t) noexcept
    {
        static constexpr std::pair<std::string_view, int> types[] = {
            {"A", ns_t_a},     {"AAAA", ns_t_aaaa}, {"MX", ns_t_mx},
            {"TXT", ns_t_txt}, {"PTR", ns_t_ptr},   {"CNAME", ns_t_cname},
        };
        for (const auto &[name, wire] : types)
            if (name == t)
                return wire;
        return -1;
    }

    static dns_answer parse_answer(const unsigned char *msg_buf, int len, int wire)
    {
        const dns_answer malformed{"malformed", {}};
        ns_msg msg;
        if (ns_initparse(msg_buf, len, &msg) < 0)
            return malformed;
        dns_answer out{"ok", {}};
        const int count = ns_msg_count(msg, ns_s_an);
        for (int i = 0; i < count; ++i) {
            ns_rr rr;
            if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
                return malformed;
            if (ns_rr_class(rr) != ns_c_in || static_cast<int>(ns_rr_type(rr)) != wire)
                continue; // the CNAMEs the server followed for us
            auto record = rdata_text(msg, ns_rr_rdata(rr), ns_rr_rdlen(rr), wire);
            if (!record)
                return malformed;
            out.records.push_back(std::move(*record));
        }
        if (out.records.empty())
            out.status = "nodata";
        return out;
    }

    static std::optional<std::string> expand(const ns_msg &msg, const unsigned char *src)
    {
        char name[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), src, name, sizeof name) < 0)
            return std::nullopt;
        return name[0] == '\0' ? std::string(".") : std::string(name);
    }

    static std::optional<std::string> rdata_text(const ns_msg &msg, const unsigned char *rd, std::size_t rdlen,
                                                 int wire)
    {
        char addr[INET6_ADDRSTRLEN];
        switch (wire) {
        case ns_t_a:
            if (rdlen != 4 || inet_ntop(AF_INET, rd, addr, sizeof addr) == nullptr)
                return std::nullopt;
            return std::string(addr);
        case ns_t_aaaa:
            if (rdlen != 16 || inet_ntop(AF_INET6, rd, addr, sizeof addr) == nullptr)
                return std::nullopt;
            return std::string(addr);
        case ns_t_mx: {
            if (rdlen < 3)
                return std::nullopt;
            const unsigned pref = (static_cast<unsigned>(rd[0]) << 8) | rd[1];
            auto host = expand(msg, rd + 2);
            if (!host)
                return std::nullopt;
            return std::to_string(pref) + " " + *host;
        }
        case ns_t_txt: {
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
        default:
            return expand(msg, rd); // PTR, CNAME
        }
    }

    std::unique_ptr<struct __res_state> state_;
    bool ok_{false};
};

// --- reputation -----------------------------------------------------------------

/** A warning: one line on stderr, the check goes on. */
void warn(std::string_view message)
{
    const std::string line = capped(message, 1000);
    std::fprintf(stderr, "%.*s: warning: %s\n", static_cast<int>(program.size()), program.data(), line.c_str());
}

enum class store_use { LOOKUP, WRITE, EXPORT };

/**
 * The store the options and config name: --redis, --reputation-db, else
 * reputation.backend. nullptr (no error) when a lookup has no store to ask:
 * backend none or redis without --redis, or the default LMDB file does not
 * exist yet.
 */
result<rep_ptr> open_store(const options &o, authweight_ctx *ctx, store_use use)
{
    authweight_rep *rep = nullptr;
    char *errmsg = nullptr;
    if (o.redis) {
        const int rc = authweight_rep_connect(ctx, o.redis->c_str(), std::getenv("AUTHWEIGHT_REDIS_PASSWORD"), &rep,
                                              &errmsg);
        if (rc != AUTHWEIGHT_OK)
            return failure{take_message(errmsg, rc)};
        return rep_ptr{rep};
    }
    const std::string_view backend = authweight_ctx_rep_backend(ctx);
    if (!o.reputation_db && backend != "lmdb") {
        if (use == store_use::LOOKUP)
            return rep_ptr{};
        return failure{"reputation.backend is " + std::string(backend) +
                       ": give --reputation-db PATH or --redis HOST[:PORT]"};
    }
    const int rc = authweight_rep_open(ctx, o.reputation_db ? o.reputation_db->c_str() : nullptr,
                                       use == store_use::WRITE ? AUTHWEIGHT_REP_OPEN_NOW : AUTHWEIGHT_REP_READ_ONLY, &rep, &errmsg);
    if (rc == AUTHWEIGHT_E_NOTFOUND && use == store_use::LOOKUP && !o.reputation_db) {
        authweight_free(errmsg);
        return rep_ptr{};
    }
    if (rc != AUTHWEIGHT_OK)
        return failure{take_message(errmsg, rc)};
    return rep_ptr{rep};
}

long long now_of(const options &o)
{
    return o.now ? *o.now : static_cast<long long>(std::time(nullptr));
}

/** What --export writes to, and what went wrong. */
struct export_sink {
    std::FILE *out;
    std::size_t done{0};
    std::size_t skipped{0};
    bool write_ok{true};
};

void export_record(void *arg, const char *identity, const char *line, size_t len, const char *error)
{
    auto &sink = *static_cast<export_sink *>(arg);
    if (line == nullptr) {
        ++sink.skipped;
        warn("skipped '" + std::string(identity).substr(0, 100) + "': " + error);
        return;
    }
    sink.write_ok = sink.write_ok && std::fwrite(line, 1, len, sink.out) == len && std::fputc('\n', sink.out) != EOF;
    ++sink.done;
}

/** --export FILE / --import FILE. */
int transfer(const options &o, authweight_ctx *ctx)
{
    const bool exporting = o.export_path.has_value();
    auto store = open_store(o, ctx, exporting ? store_use::EXPORT : store_use::WRITE);
    if (!store)
        return die(store.error());
    authweight_rep *rep = store->get();
    char *errmsg = nullptr;
    if (exporting) {
        const std::string &path = *o.export_path;
        std::unique_ptr<std::FILE, int (*)(std::FILE *)> owned{nullptr, &std::fclose};
        export_sink sink{stdout};
        if (path != "-") {
            owned.reset(std::fopen(path.c_str(), "w"));
            if (!owned)
                return die("cannot write " + path + ": " + std::strerror(errno));
            sink.out = owned.get();
        }
        if (int rc = authweight_rep_export(rep, export_record, &sink, &errmsg); rc != AUTHWEIGHT_OK)
            return die(take_message(errmsg, rc));
        if (!sink.write_ok || std::fflush(sink.out) != 0)
            return die("cannot write " + path + ": " + std::strerror(errno));
        if (path != "-") {
            if (std::fclose(owned.release()) != 0)
                return die("cannot write " + path + ": " + std::strerror(errno));
            std::printf("{\"exported\":%zu,\"skipped\":%zu,\"store\":\"%s\"}\n", sink.done, sink.skipped,
                        authweight_rep_describe(rep));
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
    constexpr std::size_t max_line = 4096;
    std::size_t done = 0, skipped = 0, lineno = 0;
    std::string line;
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
        const int rc = line.size() > max_line ? AUTHWEIGHT_E_INPUT
                                              : authweight_rep_import(rep, line.data(), line.size(), &errmsg);
        if (rc == AUTHWEIGHT_E_INPUT) {
            ++skipped;
            warn(path + ":" + std::to_string(lineno) + ": " +
                 (errmsg != nullptr ? take_message(errmsg, rc) : std::string("export line: too long")));
            errmsg = nullptr;
            continue;
        }
        if (rc != AUTHWEIGHT_OK)
            return die(take_message(errmsg, rc));
        ++done;
    }
    if (int rc = authweight_rep_flush(rep, nullptr, &errmsg); rc != AUTHWEIGHT_OK)
        return die(take_message(errmsg, rc));
    std::printf("{\"imported\":%zu,\"skipped\":%zu,\"store\":\"%s\"}\n", done, skipped, authweight_rep_describe(rep));
    return std::fflush(stdout) == 0 ? 0 : 2;
}

/** The evaluation's authenticated identities (the report's reputation.identities). */
std::vector<const char *> identities_of(const authweight_eval *ev)
{
    std::vector<const char *> ids;
    for (size_t i = 0; i < authweight_eval_identity_count(ev); ++i) {
        const char *id = nullptr;
        if (authweight_eval_identity(ev, i, &id) == AUTHWEIGHT_OK)
            ids.push_back(id);
    }
    return ids;
}

/** Principle 7: the identities' history, looked up after authentication
 *  proved them and handed to the evaluation, which re-scores. */
void score_reputation(authweight_rep *rep, authweight_eval *ev, const std::vector<const char *> &ids, long long now)
{
    char *json = nullptr, *errmsg = nullptr;
    size_t len = 0;
    int rc = authweight_rep_lookup(rep, ids.data(), ids.size(), now, &json, &len, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return warn("reputation not used: " + take_message(errmsg, rc));
    rc = authweight_eval_reputation(ev, json, len, &errmsg);
    authweight_free(json);
    if (rc != AUTHWEIGHT_OK)
        warn("reputation not used: " + take_message(errmsg, rc));
}

int run(int argc, char **argv)
{
    auto parsed = parse_args(argc, argv);
    if (!parsed)
        return die(parsed.error());
    options &o = *parsed;
    if (o.help) {
        std::fwrite(usage_text.data(), 1, usage_text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 2;
    }
    if (o.version) {
        std::printf("%.*s %s\n", static_cast<int>(program.size()), program.data(), authweight_version());
        return std::fflush(stdout) == 0 ? 0 : 2;
    }

    // No --config still goes through the schema, so its defaults apply.
    std::string config_text = "{}";
    std::string config_label;
    if (o.config_path) {
        auto text = read_input(*o.config_path, "config");
        if (!text)
            return die(text.error());
        config_text = std::move(*text);
        config_label = "config " + *o.config_path + ": ";
    }
    char *errmsg = nullptr;
    authweight_ctx *ctx_raw = nullptr;
    if (int rc = authweight_ctx_new(config_text.data(), config_text.size(), &ctx_raw, &errmsg); rc != AUTHWEIGHT_OK)
        return die((rc == AUTHWEIGHT_E_CONFIG ? config_label : std::string{}) + take_message(errmsg, rc));
    const ctx_ptr ctx{ctx_raw};
    if (o.export_path || o.import_path)
        return transfer(o, ctx.get());

    zone_ptr zone;
    if (o.dns == dns_mode::ZONE) {
        authweight_zone *z = nullptr;
        if (int rc = authweight_zone_load(o.zone_path.c_str(), &z, &errmsg); rc != AUTHWEIGHT_OK)
            return die(take_message(errmsg, rc));
        zone.reset(z);
    }
    std::unique_ptr<system_resolver> resolver;
    if (o.dns == dns_mode::SYSTEM) {
        resolver = std::make_unique<system_resolver>();
        if (!resolver->ok())
            return die("cannot initialise the system resolver");
    }

    std::string message;
    if (o.message_path) {
        auto text = read_input(*o.message_path, "message");
        if (!text)
            return die(text.error());
        message = std::move(*text);
    }

    const std::string facts = o.facts.dump();
    authweight_eval *ev_raw = nullptr;
    if (int rc = authweight_eval_new(ctx.get(), facts.data(), facts.size(), o.message_path ? message.data() : nullptr,
                                     message.size(), &ev_raw, &errmsg);
        rc != AUTHWEIGHT_OK)
        return die(take_message(errmsg, rc));
    const eval_ptr ev{ev_raw};

    int rc = AUTHWEIGHT_OK;
    for (int iterations = 0; (rc = authweight_eval_step(ev.get())) == AUTHWEIGHT_NEED_DNS;) {
        if (++iterations > max_dns_iterations)
            return die("internal error: DNS evaluation did not finish");
        if (zone) {
            if (int zr = authweight_eval_answer_zone(ev.get(), zone.get()); zr != AUTHWEIGHT_OK)
                return die(std::string("internal error: ") + authweight_strerror(zr));
            continue;
        }
        for (size_t i = 0; i < authweight_eval_query_count(ev.get()); ++i) {
            const char *name = nullptr, *type = nullptr;
            if (authweight_eval_query(ev.get(), i, &name, &type) != AUTHWEIGHT_OK)
                break;
            // No DNS: a temporary failure, never a negative verdict.
            const std::string qname{name}, qtype{type};
            dns_answer a = resolver ? resolver->resolve(qname, qtype) : dns_answer{"tempfail", {}};
            std::vector<const char *> recs;
            for (const auto &r : a.records)
                recs.push_back(r.c_str());
            authweight_eval_answer(ev.get(), qname.c_str(), qtype.c_str(), a.status, recs.data(), recs.size());
        }
    }
    if (rc != AUTHWEIGHT_OK)
        return die(std::string("internal error: ") + authweight_strerror(rc));

    const std::vector<const char *> ids = identities_of(ev.get());
    rep_ptr store;
    if (!ids.empty() || o.learn) {
        auto st = open_store(o, ctx.get(), o.learn ? store_use::WRITE : store_use::LOOKUP);
        if (!st && o.learn)
            return die(st.error());
        if (!st)
            warn("reputation not used: " + st.error());
        else
            store = std::move(*st);
    }
    if (store && !ids.empty())
        score_reputation(store.get(), ev.get(), ids, now_of(o));
    if (o.learn) {
        if (ids.empty()) {
            warn("nothing learned: the message has no authenticated identity");
        } else {
            const auto learn_ids = identities_of(ev.get()); // reputation re-scoring renews the strings
            if (int lr = authweight_rep_learn(store.get(), learn_ids.data(), learn_ids.size(), o.learn->c_str(),
                                              now_of(o), 0, &errmsg);
                lr != AUTHWEIGHT_OK)
                return die("cannot learn: " + take_message(errmsg, lr));
        }
    }

    char *report = nullptr;
    size_t len = 0;
    if (int jr = authweight_eval_report_json(ev.get(), &report, &len); jr != AUTHWEIGHT_OK)
        return die(std::string("internal error: ") + authweight_strerror(jr));
    std::string out{report, len};
    authweight_free(report);
    if (o.pretty)
        out = nlohmann::ordered_json::parse(out).dump(2);
    out += '\n';
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
