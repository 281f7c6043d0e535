#include "libspf2_eval.hxx"

#include "authweight/ascii.hxx"
#include "authweight/ip.hxx"
#include "authweight/senderid.hxx"
#include "authweight/spf_record.hxx"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

extern "C" {
#include <spf2/spf.h>
}
// <arpa/nameser_compat.h> (through spf_dns.h) defines rcode and opcode names
// as macros; they would rewrite core::dns_status's enumerators.
#undef NOERROR
#undef FORMERR
#undef SERVFAIL
#undef NXDOMAIN
#undef NOTIMP
#undef REFUSED
#undef YXDOMAIN
#undef YXRRSET
#undef NXRRSET
#undef NOTAUTH
#undef NOTZONE
#undef DELETE
#undef ADD
#undef QUERY
#undef IQUERY
#undef STATUS

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authweight::adapters::libspf2 {

namespace {

using core::auth_result;
using core::dns_answer;
using core::dns_query;
using core::dns_status;
using core::dns_type;
namespace ascii = core::ascii;

/** libspf2 refuses to add a mechanism once a record's compiled mechanisms
 *  reach SPF_MAX_MECH_LEN (511) bytes, and says nothing: the rest of the
 *  record is silently dropped. Records are cut into chunks well below that,
 *  chained by a synthetic redirect. */
constexpr std::size_t chunk_budget = 400;
/** Compiled records kept per thread, so a warm evaluation compiles nothing. */
constexpr std::size_t compiled_cache_size = 4096;
/** Keeps the validated-name search of %{p} bounded (RFC 7208 4.6.4). */
constexpr std::size_t max_p_names = 10;

const char *const exp_token_prefix = "aw-exp-";

// ---------------------------------------------------------------------------
// The client address and its macro forms (RFC 7208 7.3).

struct client_address {
    int family{0};                      // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first four
    std::string i;                      // %{i}
    std::string c;                      // %{c}
    std::string v;                      // %{v}
    std::string reverse;                // the in-addr.arpa / ip6.arpa name
};

std::optional<client_address> parse_client(const std::string &text)
{
    // RFC 7208 5: an IPv4-mapped IPv6 address is an IPv4 address; the one
    // parser (authweight/ip.hxx) maps it.
    const auto ip = core::ip_address::parse(text);
    if (!ip)
        return std::nullopt;
    client_address a;
    a.family = ip->is_v4() ? AF_INET : AF_INET6;
    std::copy(ip->bytes().begin(), ip->bytes().end(), a.bytes.begin());
    a.reverse = ip->reverse_name();
    char buf[INET6_ADDRSTRLEN];
    static constexpr char hex_upper[] = "0123456789ABCDEF";
    if (a.family == AF_INET) {
        inet_ntop(AF_INET, a.bytes.data(), buf, sizeof buf);
        a.i = buf;
        a.c = buf;
        a.v = "in-addr";
    } else {
        inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
        a.c = buf;
        a.v = "ip6";
        for (std::size_t k = 0; k < 16; ++k) {
            // pyspf and the OpenSPF suite write the nibbles upper case.
            a.i += hex_upper[a.bytes[k] >> 4];
            a.i += '.';
            a.i += hex_upper[a.bytes[k] & 0xF];
            if (k != 15)
                a.i += '.';
        }
    }
    return a;
}

bool prefix_equal(const std::uint8_t *x, const std::uint8_t *y, int bits) noexcept
{
    int full = bits / 8;
    if (std::memcmp(x, y, static_cast<std::size_t>(full)) != 0)
        return false;
    const int rest = bits % 8;
    if (rest == 0)
        return true;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
    return (x[full] & mask) == (y[full] & mask);
}

/** Parse one A or AAAA record of `family` into `out` (4 or 16 bytes). */
bool parse_address(int family, const std::string &text, std::uint8_t *out) noexcept
{
    if (family == AF_INET) {
        const auto v4 = core::parse_ipv4(text);
        if (v4)
            std::copy(v4->begin(), v4->end(), out);
        return v4.has_value();
    }
    const auto v6 = core::parse_ipv6(text);
    if (v6)
        std::copy(v6->begin(), v6->end(), out);
    return v6.has_value();
}

std::string strip_dot(std::string_view name)
{
    if (!name.empty() && name.back() == '.')
        name.remove_suffix(1);
    return std::string(name);
}

/** The host of an MX record "PREF HOST". */
std::optional<std::string> mx_host(std::string_view rdata)
{
    const auto sp = rdata.find(' ');
    if (sp == std::string_view::npos)
        return std::nullopt;
    return strip_dot(rdata.substr(sp + 1));
}

/** A target name as literal text in a record handed to libspf2: "%" and SP
 *  are escaped, control bytes (a NUL would cut the record) replaced. A name
 *  no query can carry becomes "." (never a query: see spf_queryable_name),
 *  which also keeps it under libspf2's 255-byte string limit. */
std::string escape_literal(std::string_view s)
{
    if (!core::spf_queryable_name(s))
        return ".";
    std::string out;
    out.reserve(s.size() + 4);
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '%')
            out += "%%";
        else if (c == ' ')
            out += "%_";
        else if (u < 0x20 || u == 0x7f)
            out += '?';
        else
            out += c;
    }
    return out;
}

char qualifier_char(core::spf_qualifier q) noexcept
{
    switch (q) {
    case core::spf_qualifier::PASS: return '+';
    case core::spf_qualifier::FAIL: return '-';
    case core::spf_qualifier::SOFTFAIL: return '~';
    case core::spf_qualifier::NEUTRAL: return '?';
    }
    return '+';
}

/** A nonce that makes synthetic names unguessable: a name produced by a
 *  sender's macros can never select a synthetic record. */
const std::string &process_nonce()
{
    static const std::string nonce = [] {
        std::random_device rd;
        char buf[40];
        std::snprintf(buf, sizeof buf, "%08x%08x%08x", rd(), rd(), rd());
        return std::string(buf);
    }();
    return nonce;
}

// ---------------------------------------------------------------------------
// Per-thread libspf2 state.

class evaluation;

SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *srv, const char *domain, ns_type type, int should_cache);
SPF_errcode_t layer_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
                            SPF_record_t **out);
SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain, char **bufp, size_t *buflenp);

void quiet_libspf2()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // libspf2 logs to stderr by default; rspamd's log must not get it.
        // Errors (SPF_error) still abort; no input reaches them.
        SPF_warning_handler = nullptr;
        SPF_info_handler = nullptr;
        SPF_debug_handler = nullptr;
    });
}

struct thread_state {
    SPF_dns_server_t layer{};
    SPF_server_t *server{nullptr};
    evaluation *current{nullptr};
    std::unordered_map<std::string, SPF_record_t *> compiled;

    thread_state()
    {
        quiet_libspf2();
        layer.destroy = nullptr;  // owned here, not by libspf2
        layer.lookup = &layer_lookup;
        layer.get_spf = &layer_get_spf;
        layer.get_exp = &layer_get_exp;
        layer.add_cache = nullptr;
        layer.layer_below = nullptr;
        layer.name = "authweight";
        layer.debug = 0;
        layer.hook = this;
        server = SPF_server_new_dns(&layer, 0);
        if (server == nullptr)
            return;
        // Our layer enforces RFC 7208 4.6.4 over the whole evaluation;
        // libspf2's own counter restarts in every include.
        SPF_server_set_max_dns_mech(server, 1000);
        SPF_server_set_max_dns_mx(server, max_mx_names);
        SPF_server_set_max_dns_ptr(server, max_ptr_names);
        if (SPF_server_set_rec_dom(server, "unknown") != SPF_E_SUCCESS)
            return;
        SPF_response_t *resp = nullptr;
        // A plain default explanation: libspf2 expands it on every fail,
        // softfail and neutral; ours comes from explanation() below.
        (void)SPF_server_set_explanation(server, "authweight", &resp);
        if (resp != nullptr)
            SPF_response_free(resp);
    }
    ~thread_state()
    {
        for (auto &[text, rec] : compiled)
            SPF_record_free(rec);
        if (server != nullptr)
            SPF_server_free(server);
    }
    thread_state(const thread_state &) = delete;
    thread_state &operator=(const thread_state &) = delete;
};

thread_state &state()
{
    thread_local thread_state s;
    return s;
}

/** A private copy of a cached compiled record (libspf2 frees what get_spf returns). */
SPF_record_t *copy_record(const SPF_record_t *src)
{
    auto *rp = static_cast<SPF_record_t *>(std::malloc(sizeof(SPF_record_t)));
    if (rp == nullptr)
        return nullptr;
    *rp = *src;
    rp->mech_first = nullptr;
    rp->mod_first = nullptr;
    rp->mech_size = rp->mech_len;
    rp->mod_size = rp->mod_len;
    if (src->mech_len > 0) {
        rp->mech_first = static_cast<SPF_mech_t *>(std::malloc(src->mech_len));
        if (rp->mech_first == nullptr) {
            SPF_record_free(rp);
            return nullptr;
        }
        std::memcpy(rp->mech_first, src->mech_first, src->mech_len);
    }
    if (src->mod_len > 0) {
        rp->mod_first = static_cast<SPF_mod_t *>(std::malloc(src->mod_len));
        if (rp->mod_first == nullptr) {
            SPF_record_free(rp);
            return nullptr;
        }
        std::memcpy(rp->mod_first, src->mod_first, src->mod_len);
    }
    return rp;
}

struct request_deleter {
    void operator()(SPF_request_t *r) const noexcept { SPF_request_free(r); }
};
struct response_deleter {
    void operator()(SPF_response_t *r) const noexcept { SPF_response_free(r); }
};
struct record_deleter {
    void operator()(SPF_record_t *r) const noexcept { SPF_record_free(r); }
};

/** The record a check of `kind` reads among a name's TXT strings. */
core::spf_selection select_record(record_kind kind, const std::vector<std::string> &txt)
{
    switch (kind) {
    case record_kind::SENDERID_MFROM: return core::select_senderid_record(txt, core::senderid_scope::MFROM);
    case record_kind::SENDERID_PRA: return core::select_senderid_record(txt, core::senderid_scope::PRA);
    case record_kind::SPF1: break;
    }
    return core::select_spf_record(txt);
}

/**
 * Whether two records read alike: byte for byte the same after their
 * version tags (v=spf1, spf2.0/scopes), which core::parse_spf_record reads
 * only to accept, and both within its length and character limits. A
 * domain's spf2.0/pra record is often its v=spf1 record with another tag.
 */
bool same_terms(std::string_view a, std::string_view b)
{
    const auto plain = [](std::string_view t) {
        return t.size() <= core::spf_max_record_length &&
               std::all_of(t.begin(), t.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
    };
    const auto terms = [](std::string_view t) {
        const auto sp = t.find(' ');
        return sp == std::string_view::npos ? std::string_view{} : t.substr(sp);
    };
    return terms(a) == terms(b) && plain(a) && plain(b);
}

/** Inputs equal but for the kind of record read. */
bool same_but_kind(const check_input &a, const check_input &b)
{
    return a.client_ip == b.client_ip && a.sender == b.sender && a.local_part == b.local_part &&
           a.sender_domain == b.sender_domain && a.domain == b.domain && a.helo == b.helo &&
           a.receiver == b.receiver && a.want_explanation == b.want_explanation &&
           a.default_explanation == b.default_explanation;
}

// ---------------------------------------------------------------------------
// One check_host() evaluation.

enum class synthetic_kind : std::uint8_t {
    CONTINUATION,  // the rest of a record cut into chunks
    ZERO_A,        // "a" with a zero prefix for the client's family
    ZERO_MX,       // "mx" with a zero prefix for the client's family
};

struct synthetic {
    synthetic_kind kind{synthetic_kind::CONTINUATION};
    std::string payload;   // the chunk's text, or the target name
    int mechanisms{0};     // CONTINUATION: mechanisms libspf2 must compile
};

struct exp_entry {
    std::optional<std::string> name;  // the expanded exp= target, if usable
    std::string domain;                // the record's domain (%{d} of the text)
};

/** The chunks of one rewritten record. */
struct built_record {
    std::string text;
    int mechanisms{0};
};

enum class fetch_status : std::uint8_t { RECORD, MISSED, TEMPFAIL, NO_RECORD, MULTIPLE, SYNTAX };

struct fetched {
    fetch_status status{fetch_status::NO_RECORD};
    core::spf_record record;
    std::string why;
};

class evaluation final : public core::spf_ptr_source {
public:
    evaluation(const check_input &in, core::dns_source &dns, const client_address &ip, thread_state &ts)
        : in_{in}, dns_{dns}, ip_{ip}, ts_{ts}, timestamp_{std::to_string(std::time(nullptr))}
    {
        synthetic_suffix_ = "." + process_nonce() + ".authweight.invalid";
    }

    check_output run();

    SPF_dns_rr_t *lookup(SPF_dns_server_t *srv, const char *domain, ns_type type);
    SPF_errcode_t get_spf(SPF_request_t *req, SPF_record_t **out);
    SPF_errcode_t get_exp(const char *domain, char **bufp, size_t *buflenp);
    std::string validated_name(std::string_view domain) override;

    void internal_error() noexcept { internal_ = true; }
    /** The names whose TXT records fetch() read, in order. */
    std::vector<std::string> take_names() noexcept { return std::move(names_); }

private:
    const dns_answer *ask(const std::string &name, dns_type type);
    bool count_term();
    bool count_void();
    fetched fetch(const std::string &name);
    core::result<built_record> build(const core::spf_record &rec, const std::string &domain);
    SPF_errcode_t compile(const std::string &text, int mechanisms, SPF_record_t **out);
    SPF_errcode_t placeholder(bool match, SPF_record_t **out)
    {
        return compile(match ? "v=spf1 all" : "v=spf1", match ? 1 : 0, out);
    }
    SPF_errcode_t zero_prefix(const synthetic &s, SPF_record_t **out);
    core::spf_macro_values values_for(std::string_view domain);
    std::string synthetic_name(std::size_t index) const
    {
        return std::to_string(index) + synthetic_suffix_;
    }
    std::optional<std::size_t> synthetic_index(std::string_view name) const;
    dns_type address_type() const noexcept { return ip_.family == AF_INET ? dns_type::A : dns_type::AAAA; }
    ns_type address_ns_type() const noexcept { return ip_.family == AF_INET ? ns_t_a : ns_t_aaaa; }
    SPF_dns_rr_t *answer_rr(SPF_dns_server_t *srv, const std::string &name, ns_type type,
                            const dns_answer &a);
    std::string explanation();

    const check_input &in_;
    core::dns_source &dns_;
    const client_address &ip_;
    thread_state &ts_;
    std::string timestamp_;
    std::string synthetic_suffix_;

    int terms_{0};
    int voids_{0};
    bool term_void_{false};    // the current term has counted its void lookup
    bool missed_{false};
    bool internal_{false};
    std::string limit_;        // non-empty: an RFC 7208 4.6.4 limit was hit (permerror)
    std::string error_;        // why evaluation stopped on a DNS error or a bad include/redirect

    // MX and PTR answers are followed by lookups of their names, in order;
    // those are part of the same term, not terms of their own.
    std::vector<std::string> targets_;
    std::size_t next_target_{0};
    bool targets_from_ptr_{false};

    std::vector<synthetic> synthetics_;
    std::vector<exp_entry> exps_;
    long last_exp_token_{-1};

    std::optional<std::vector<std::string>> validated_;
    std::vector<std::string> names_;
};

const dns_answer *evaluation::ask(const std::string &name, dns_type type)
{
    const dns_answer *a = dns_.lookup(dns_query{core::dns_snapshot::normalize_name(name), type});
    if (a == nullptr)
        missed_ = true;
    return a;
}

bool evaluation::count_term()
{
    term_void_ = false;
    if (++terms_ > max_dns_terms) {
        if (limit_.empty())
            limit_ = "more than " + std::to_string(max_dns_terms) + " DNS-querying terms (RFC 7208 4.6.4)";
        return false;
    }
    return true;
}

bool evaluation::count_void()
{
    // RFC 7208 4.6.4 limits the "terms for which DNS queries return" no
    // answer: a term counts once, whether its own query or the address
    // query of one of its MX or PTR names came back empty.
    if (term_void_)
        return true;
    term_void_ = true;
    if (++voids_ > max_void_lookups) {
        if (limit_.empty())
            limit_ = "more than " + std::to_string(max_void_lookups) + " void lookups (RFC 7208 4.6.4)";
        return false;
    }
    return true;
}

std::optional<std::size_t> evaluation::synthetic_index(std::string_view name) const
{
    if (!name.ends_with(synthetic_suffix_))
        return std::nullopt;
    name.remove_suffix(synthetic_suffix_.size());
    std::size_t idx = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), idx);
    if (ec != std::errc{} || end != name.data() + name.size() || idx >= synthetics_.size())
        return std::nullopt;
    return idx;
}

core::spf_macro_values evaluation::values_for(std::string_view domain)
{
    core::spf_macro_values v;
    v.sender = in_.sender;
    v.local_part = in_.local_part;
    v.sender_domain = in_.sender_domain;
    v.domain = domain;
    v.ip_dotted = ip_.i;
    v.ip_pretty = ip_.c;
    v.ip_version = ip_.v;
    v.helo = in_.helo;
    v.receiver = in_.receiver;
    v.timestamp = timestamp_;
    v.ptr = this;
    return v;
}

std::string evaluation::validated_name(std::string_view domain)
{
    if (!validated_) {
        validated_.emplace();
        const dns_answer *ptr = ask(ip_.reverse, dns_type::PTR);
        if (ptr != nullptr && ptr->status == dns_status::OK) {
            std::size_t n = 0;
            for (const auto &raw : ptr->records) {
                if (n++ >= max_p_names)
                    break;
                const std::string name = strip_dot(raw);
                if (!core::spf_queryable_name(name))
                    continue;
                const dns_answer *addr = ask(name, address_type());
                if (addr == nullptr || addr->status != dns_status::OK)
                    continue;
                for (const auto &rec : addr->records) {
                    std::array<std::uint8_t, 16> b{};
                    if (parse_address(ip_.family, rec, b.data()) &&
                        std::memcmp(b.data(), ip_.bytes.data(), ip_.family == AF_INET ? 4 : 16) == 0) {
                        validated_->push_back(name);
                        break;
                    }
                }
            }
        }
    }
    // RFC 7208 7.3: prefer <domain> itself, then a subdomain of it, then any.
    const std::string want = ascii::lower(domain);
    for (const auto &n : *validated_)
        if (ascii::iequals(n, want))
            return n;
    for (const auto &n : *validated_)
        if (n.size() > want.size() && ascii::iequals(std::string_view(n).substr(n.size() - want.size()), want) &&
            n[n.size() - want.size() - 1] == '.')
            return n;
    return validated_->empty() ? std::string("unknown") : validated_->front();
}

fetched evaluation::fetch(const std::string &name)
{
    fetched f;
    names_.push_back(name);
    if (!core::spf_queryable_name(name)) {
        f.status = fetch_status::NO_RECORD;
        f.why = "'" + name.substr(0, 100) + "' is not a valid domain name";
        return f;
    }
    const dns_answer *a = ask(name, dns_type::TXT);
    if (a == nullptr) {
        f.status = fetch_status::MISSED;
        return f;
    }
    switch (a->status) {
    case dns_status::OK:
        break;
    case dns_status::NXDOMAIN:
    case dns_status::NODATA:
        f.status = fetch_status::NO_RECORD;
        f.why = "no SPF record at " + name;
        return f;
    default:
        f.status = fetch_status::TEMPFAIL;
        f.why = "DNS failure for " + name + " TXT";
        return f;
    }
    const core::spf_selection sel = select_record(in_.kind, a->records);
    if (sel.state == core::spf_selection::status::NONE) {
        f.status = fetch_status::NO_RECORD;
        f.why = "no SPF record at " + name;
        return f;
    }
    if (sel.state == core::spf_selection::status::MULTIPLE) {
        f.status = fetch_status::MULTIPLE;
        f.why = "more than one SPF record at " + name;
        return f;
    }
    auto rec = core::parse_spf_record(a->records[sel.index]);
    if (!rec) {
        f.status = fetch_status::SYNTAX;
        f.why = name + ": " + rec.error().message();
        return f;
    }
    f.status = fetch_status::RECORD;
    f.record = std::move(*rec);
    return f;
}

core::result<built_record> evaluation::build(const core::spf_record &rec, const std::string &domain)
{
    const auto values = values_for(domain);
    auto expand = [&](const std::string &spec) -> core::result<std::string> {
        if (spec.empty())
            return domain;
        if (!core::spf_has_macros(spec)) {
            std::string out = strip_dot(spec);
            return out;
        }
        return core::expand_spf_macros(spec, values, core::spf_macro_use::DOMAIN_SPEC);
    };

    struct chunk {
        std::string text{"v=spf1"};
        int mechanisms{0};
        std::size_t size{0};
        std::size_t synthetic{0};  // index in synthetics_ (chunks after the first)
    };
    std::vector<chunk> chunks(1);
    auto emit = [&](const std::string &token, std::size_t estimate) {
        if (chunks.back().mechanisms > 0 && chunks.back().size + estimate > chunk_budget) {
            chunk next;
            next.synthetic = synthetics_.size();
            synthetics_.push_back(synthetic{synthetic_kind::CONTINUATION, {}, 0});
            chunks.push_back(std::move(next));
        }
        chunks.back().text += ' ';
        chunks.back().text += token;
        chunks.back().mechanisms += 1;
        chunks.back().size += estimate;
    };
    // Compiled sizes in libspf2: a 4-byte mechanism header, then the data.
    auto domain_estimate = [](const std::string &target) { return 16 + target.size(); };

    bool stopped = false;
    int dns_terms = 0;
    for (const auto &t : rec.terms) {
        const std::string q(1, qualifier_char(t.qualifier));
        switch (t.mechanism) {
        case core::spf_mechanism::ALL:
            emit(q + "all", 4);
            stopped = true;  // nothing after "all" is ever reached, not even redirect
            break;
        case core::spf_mechanism::IP4:
        case core::spf_mechanism::IP6: {
            const bool v6 = t.mechanism == core::spf_mechanism::IP6;
            if ((v6 ? AF_INET6 : AF_INET) != ip_.family)
                break;
            const int bits = v6 ? (t.cidr6 < 0 ? 128 : t.cidr6) : (t.cidr4 < 0 ? 32 : t.cidr4);
            if (!prefix_equal(t.network.data(), ip_.bytes.data(), bits))
                break;
            // The first matching address mechanism decides and nothing after
            // it is reached: for libspf2 it is an "all" with its qualifier,
            // which keeps the compiled record the same for every client.
            emit(q + "all", 4);
            stopped = true;
            break;
        }
        default: {
            // The eleventh DNS term of one record always exceeds the limit
            // (RFC 7208 4.6.4); nothing after it can be reached.
            if (++dns_terms > max_dns_terms + 1) {
                stopped = true;
                break;
            }
            auto target = expand(t.domain_spec);
            if (!target)
                return std::unexpected(target.error());
            if (t.mechanism == core::spf_mechanism::A || t.mechanism == core::spf_mechanism::MX) {
                const int family_bits = ip_.family == AF_INET ? t.cidr4 : t.cidr6;
                if (family_bits == 0) {
                    // libspf2 cannot say "/0": an include of a synthetic record
                    // that matches when the name has any address at all.
                    const std::size_t idx = synthetics_.size();
                    synthetics_.push_back(synthetic{t.mechanism == core::spf_mechanism::A ? synthetic_kind::ZERO_A
                                                                                          : synthetic_kind::ZERO_MX,
                                                    *target, 0});
                    const auto name = synthetic_name(idx);
                    emit(q + "include:" + name, domain_estimate(name));
                    break;
                }
                const int c4 = t.cidr4 > 0 ? t.cidr4 : 32;
                const int c6 = t.cidr6 > 0 ? t.cidr6 : 128;
                // An explicit prefix always, so that a "/24" at the end of an
                // expanded name is never read as one.
                emit(q + (t.mechanism == core::spf_mechanism::A ? "a:" : "mx:") + escape_literal(*target) + "/" +
                         std::to_string(c4) + "//" + std::to_string(c6),
                     domain_estimate(*target));
                break;
            }
            const char *name = t.mechanism == core::spf_mechanism::INCLUDE ? "include:"
                             : t.mechanism == core::spf_mechanism::PTR     ? "ptr:"
                                                                           : "exists:";
            emit(q + name + escape_literal(*target), domain_estimate(*target));
            break;
        }
        }
        if (stopped)
            break;
    }
    if (!stopped && rec.redirect) {
        auto target = expand(*rec.redirect);
        if (!target)
            return std::unexpected(target.error());
        emit("redirect=" + escape_literal(*target), domain_estimate(*target));
    }

    std::string exp_modifier;
    if (in_.want_explanation) {
        exp_entry e;
        e.domain = domain;
        if (rec.explanation) {
            auto target = expand(*rec.explanation);
            if (target && core::spf_queryable_name(*target))
                e.name = std::move(*target);
        }
        exp_modifier = " exp=" + std::string(exp_token_prefix) + std::to_string(exps_.size());
        exps_.push_back(std::move(e));
    }

    // Chain the chunks: each ends with a redirect to the next.
    for (std::size_t k = chunks.size(); k-- > 1;) {
        auto &s = synthetics_[chunks[k].synthetic];
        s.payload = chunks[k].text + exp_modifier;
        s.mechanisms = chunks[k].mechanisms;
        chunks[k - 1].text += " redirect=" + synthetic_name(chunks[k].synthetic);
        chunks[k - 1].mechanisms += 1;
    }
    return built_record{chunks.front().text + exp_modifier, chunks.front().mechanisms};
}

SPF_errcode_t evaluation::compile(const std::string &text, int mechanisms, SPF_record_t **out)
{
    *out = nullptr;
    auto it = ts_.compiled.find(text);
    if (it == ts_.compiled.end()) {
        std::unique_ptr<SPF_response_t, response_deleter> resp{SPF_response_new(nullptr)};
        if (!resp)
            return SPF_E_NO_MEMORY;
        SPF_record_t *rec = nullptr;
        const SPF_errcode_t err = SPF_record_compile(ts_.server, resp.get(), &rec, text.c_str());
        std::unique_ptr<SPF_record_t, record_deleter> owned{rec};
        if (err != SPF_E_SUCCESS || !owned)
            return err != SPF_E_SUCCESS ? err : SPF_E_INTERNAL_ERROR;
        // libspf2 drops mechanisms it has no room for without an error.
        if (owned->num_mech != mechanisms)
            return SPF_E_BIG_MECH;
        if (ts_.compiled.size() >= compiled_cache_size) {
            for (auto &[k, r] : ts_.compiled)
                SPF_record_free(r);
            ts_.compiled.clear();
        }
        it = ts_.compiled.emplace(text, owned.release()).first;
    }
    *out = copy_record(it->second);
    return *out != nullptr ? SPF_E_SUCCESS : SPF_E_NO_MEMORY;
}

SPF_dns_rr_t *evaluation::answer_rr(SPF_dns_server_t *srv, const std::string &name, ns_type type,
                                    const dns_answer &a)
{
    SPF_dns_rr_t *rr = SPF_dns_rr_new_init(srv, name.c_str(), type, 0, NETDB_SUCCESS);
    if (rr == nullptr)
        return nullptr;
    int n = 0;
    std::vector<std::string> names;
    for (const auto &rec : a.records) {
        if (type == ns_t_a || type == ns_t_aaaa) {
            const int family = type == ns_t_a ? AF_INET : AF_INET6;
            std::array<std::uint8_t, 16> b{};
            if (!parse_address(family, rec, b.data()))
                continue;
            if (SPF_dns_rr_buf_realloc(rr, n, sizeof(SPF_dns_rr_data_t)) != SPF_E_SUCCESS)
                break;
            std::memcpy(type == ns_t_a ? static_cast<void *>(&rr->rr[n]->a) : static_cast<void *>(&rr->rr[n]->aaaa),
                        b.data(), family == AF_INET ? 4 : 16);
            ++n;
            continue;
        }
        std::optional<std::string> host = type == ns_t_mx ? mx_host(rec) : std::optional<std::string>(strip_dot(rec));
        if (!host)
            continue;
        // RFC 7208 4.6.4: past ten PTR names the rest are ignored.
        if (type == ns_t_ptr && n >= max_ptr_names)
            break;
        if (SPF_dns_rr_buf_realloc(rr, n, host->size() + 1) != SPF_E_SUCCESS)
            break;
        std::memcpy(type == ns_t_mx ? rr->rr[n]->mx : rr->rr[n]->ptr, host->c_str(), host->size() + 1);
        names.push_back(std::move(*host));
        ++n;
    }
    rr->num_rr = n;
    if (n == 0) {
        // Records of no usable kind: the same as no records.
        rr->herrno = NO_DATA;
        if (!count_void())
            rr->herrno = TRY_AGAIN;
        return rr;
    }
    if (type == ns_t_mx && n > max_mx_names) {
        // RFC 7208 4.6.4: more than ten MX names is a permerror for "mx".
        if (limit_.empty())
            limit_ = "more than " + std::to_string(max_mx_names) + " MX records for " + name + " (RFC 7208 4.6.4)";
        rr->herrno = TRY_AGAIN;
        rr->num_rr = 0;
        return rr;
    }
    if (type == ns_t_mx || type == ns_t_ptr) {
        targets_ = std::move(names);
        next_target_ = 0;
        targets_from_ptr_ = type == ns_t_ptr;
    }
    return rr;
}

SPF_dns_rr_t *evaluation::lookup(SPF_dns_server_t *srv, const char *domain, ns_type type)
{
    const std::string name = strip_dot(domain != nullptr ? domain : "");
    dns_type t{};
    switch (type) {
    case ns_t_a: t = dns_type::A; break;
    case ns_t_aaaa: t = dns_type::AAAA; break;
    case ns_t_mx: t = dns_type::MX; break;
    case ns_t_ptr: t = dns_type::PTR; break;
    default:
        // TXT goes through get_spf/get_exp; type SPF (99) is not used (RFC 7208 3.1).
        return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, NO_DATA);
    }
    bool is_target = false;
    if (next_target_ < targets_.size() && type == address_ns_type() &&
        ascii::iequals(name, targets_[next_target_])) {
        is_target = true;
        ++next_target_;
    } else {
        targets_.clear();
        next_target_ = 0;
        if (!count_term())
            return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, TRY_AGAIN);
    }
    // A name no query can carry does not exist (RFC 7208 4.3, 4.8); it is
    // not a lookup, so not a void one.
    if (!core::spf_queryable_name(name))
        return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, HOST_NOT_FOUND);
    const dns_answer *a = ask(name, t);
    if (a == nullptr)  // missing: answered "no data" for now so evaluation goes on
        return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, NO_DATA);
    switch (a->status) {
    case dns_status::OK:
        return answer_rr(srv, name, type, *a);
    case dns_status::NXDOMAIN:
    case dns_status::NODATA: {
        SPF_dns_stat_t herrno = a->status == dns_status::NXDOMAIN ? HOST_NOT_FOUND : NO_DATA;
        if (!count_void())
            herrno = TRY_AGAIN;
        return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, herrno);
    }
    default:
        // RFC 7208 5.5: a DNS error on a PTR name's address skips that name.
        if (is_target && targets_from_ptr_)
            return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, HOST_NOT_FOUND);
        error_ = "DNS failure for " + name + " " + std::string(core::to_string(t));
        return SPF_dns_rr_new_init(srv, name.c_str(), type, 0, TRY_AGAIN);
    }
}

SPF_errcode_t evaluation::zero_prefix(const synthetic &s, SPF_record_t **out)
{
    enum class addresses : std::uint8_t { FOUND, EMPTY, UNUSABLE_NAME, MISSING, ERROR };
    auto look = [&](const std::string &name) {
        if (!core::spf_queryable_name(name))
            return addresses::UNUSABLE_NAME;
        const dns_answer *a = ask(name, address_type());
        if (a == nullptr)
            return addresses::MISSING;
        if (a->status == dns_status::OK) {
            std::array<std::uint8_t, 16> b{};
            for (const auto &rec : a->records)
                if (parse_address(ip_.family, rec, b.data()))
                    return addresses::FOUND;
            return addresses::EMPTY;
        }
        if (a->status == dns_status::NXDOMAIN || a->status == dns_status::NODATA)
            return addresses::EMPTY;
        return addresses::ERROR;
    };

    if (s.kind == synthetic_kind::ZERO_A) {
        switch (look(s.payload)) {
        case addresses::FOUND: return placeholder(true, out);
        case addresses::EMPTY: return count_void() ? placeholder(false, out) : SPF_E_BIG_DNS;
        case addresses::ERROR:
            error_ = "DNS failure for " + s.payload;
            return SPF_E_DNS_ERROR;
        default: return placeholder(false, out);
        }
    }
    // ZERO_MX: the first ten MX hosts, any address (RFC 7208 5.4, 4.6.4).
    if (!core::spf_queryable_name(s.payload))
        return placeholder(false, out);
    const dns_answer *mx = ask(s.payload, dns_type::MX);
    if (mx == nullptr)
        return placeholder(false, out);
    if (mx->status == dns_status::TEMPFAIL || mx->status == dns_status::MALFORMED) {
        error_ = "DNS failure for " + s.payload + " MX";
        return SPF_E_DNS_ERROR;
    }
    std::vector<std::string> hosts;
    if (mx->status == dns_status::OK)
        for (const auto &rec : mx->records)
            if (auto h = mx_host(rec))
                hosts.push_back(std::move(*h));
    if (hosts.empty())
        return count_void() ? placeholder(false, out) : SPF_E_BIG_DNS;
    if (hosts.size() > static_cast<std::size_t>(max_mx_names)) {
        if (limit_.empty())
            limit_ = "more than " + std::to_string(max_mx_names) + " MX records for " + s.payload +
                     " (RFC 7208 4.6.4)";
        return SPF_E_BIG_DNS;
    }
    for (const auto &h : hosts) {
        switch (look(h)) {
        case addresses::FOUND: return placeholder(true, out);
        case addresses::EMPTY:
            if (!count_void())
                return SPF_E_BIG_DNS;
            break;
        case addresses::ERROR:
            error_ = "DNS failure for " + h;
            return SPF_E_DNS_ERROR;
        default: break;
        }
    }
    return placeholder(false, out);
}

SPF_errcode_t evaluation::get_spf(SPF_request_t *req, SPF_record_t **out)
{
    *out = nullptr;
    const std::string name = strip_dot(req->cur_dom != nullptr ? req->cur_dom : "");
    if (auto idx = synthetic_index(name)) {
        const synthetic s = synthetics_[*idx];
        if (s.kind == synthetic_kind::CONTINUATION)
            return compile(s.payload, s.mechanisms, out);
        if (!count_term())
            return SPF_E_BIG_DNS;
        return zero_prefix(s, out);
    }
    // include: or redirect=
    if (!count_term())
        return SPF_E_BIG_DNS;
    fetched f = fetch(name);
    switch (f.status) {
    case fetch_status::MISSED:
        // Unknown yet: a record that matches nothing lets evaluation go on.
        return placeholder(false, out);
    case fetch_status::TEMPFAIL:
        error_ = f.why;
        return SPF_E_DNS_ERROR;
    case fetch_status::NO_RECORD:
        // RFC 7208 5.2 and 6.1: include or redirect of a domain without a
        // record is a permerror.
        error_ = f.why;
        return SPF_E_NOT_SPF;
    case fetch_status::MULTIPLE:
        error_ = f.why;
        return SPF_E_MULTIPLE_RECORDS;
    case fetch_status::SYNTAX:
        error_ = f.why;
        return SPF_E_SYNTAX;
    case fetch_status::RECORD:
        break;
    }
    auto built = build(f.record, name);
    if (!built) {
        error_ = name + ": " + built.error().message();
        return SPF_E_SYNTAX;
    }
    const SPF_errcode_t err = compile(built->text, built->mechanisms, out);
    if (err != SPF_E_SUCCESS)
        error_ = name + ": libspf2 cannot compile the record";
    return err;
}

SPF_errcode_t evaluation::get_exp(const char *domain, char **bufp, size_t *buflenp)
{
    // Every record handed to libspf2 carries exp=aw-exp-N (when explanations
    // are wanted); the last call names the record of the final result.
    std::string_view token = domain != nullptr ? domain : "";
    long idx = -1;
    if (token.starts_with(exp_token_prefix)) {
        token.remove_prefix(std::strlen(exp_token_prefix));
        long v = 0;
        auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
        if (ec == std::errc{} && end == token.data() + token.size())
            idx = v;
    }
    last_exp_token_ = idx;
    if (*bufp == nullptr || *buflenp < 2) {
        auto *p = static_cast<char *>(std::realloc(*bufp, 2));
        if (p == nullptr)
            return SPF_E_NO_MEMORY;
        *bufp = p;
        *buflenp = 2;
    }
    (*bufp)[0] = '-';
    (*bufp)[1] = '\0';
    return SPF_E_SUCCESS;
}

std::string evaluation::explanation()
{
    // RFC 7208 6.2: any problem with exp= leaves the default explanation.
    if (last_exp_token_ < 0 || static_cast<std::size_t>(last_exp_token_) >= exps_.size())
        return in_.default_explanation;
    const exp_entry &e = exps_[static_cast<std::size_t>(last_exp_token_)];
    if (!e.name)
        return in_.default_explanation;
    const dns_answer *a = ask(*e.name, dns_type::TXT);
    if (a == nullptr || a->status != dns_status::OK || a->records.size() != 1)
        return in_.default_explanation;
    auto text = core::expand_spf_macros(a->records.front(), values_for(e.domain), core::spf_macro_use::EXPLANATION);
    if (!text)
        return in_.default_explanation;
    return std::move(*text);
}

check_output evaluation::run()
{
    check_output out;
    auto finish = [&](auth_result r, std::string reason) {
        out.result = r;
        out.reason = std::move(reason);
        out.complete = !missed_;
        out.dns_terms = std::min(terms_, max_dns_terms + 1);
        out.void_lookups = voids_;
        return out;
    };
    if (!core::spf_valid_identity_domain(in_.domain))
        return finish(auth_result::NONE, "'" + in_.domain.substr(0, 100) + "' is not a valid domain");

    fetched f = fetch(in_.domain);
    switch (f.status) {
    case fetch_status::MISSED: return finish(auth_result::NONE, "waiting for DNS");
    case fetch_status::TEMPFAIL: return finish(auth_result::TEMPERROR, f.why);
    case fetch_status::NO_RECORD: return finish(auth_result::NONE, f.why);
    case fetch_status::MULTIPLE:
    case fetch_status::SYNTAX: return finish(auth_result::PERMERROR, f.why);
    case fetch_status::RECORD: break;
    }
    auto built = build(f.record, in_.domain);
    if (!built)
        return finish(auth_result::PERMERROR, in_.domain + ": " + built.error().message());
    SPF_record_t *raw = nullptr;
    if (compile(built->text, built->mechanisms, &raw) != SPF_E_SUCCESS)
        return finish(auth_result::PERMERROR, in_.domain + ": libspf2 cannot compile the record");
    std::unique_ptr<SPF_record_t, record_deleter> rec{raw};

    std::unique_ptr<SPF_request_t, request_deleter> req{SPF_request_new(ts_.server)};
    if (!req)
        return finish(auth_result::TEMPERROR, "internal error: out of memory");
    if (ip_.family == AF_INET) {
        in_addr a{};
        std::memcpy(&a, ip_.bytes.data(), 4);
        SPF_request_set_ipv4(req.get(), a);
    } else {
        in6_addr a{};
        std::memcpy(&a, ip_.bytes.data(), 16);
        SPF_request_set_ipv6(req.get(), a);
    }
    // Not SPF_request_query_mailfrom(): it passes loopback clients without
    // looking, and fetches the record itself.
    req->cur_dom = in_.domain.c_str();
    std::unique_ptr<SPF_response_t, response_deleter> resp{SPF_response_new(req.get())};
    if (!resp)
        return finish(auth_result::TEMPERROR, "internal error: out of memory");
    resp->spf_record_exp = rec.get();
    (void)SPF_record_interpret(rec.get(), req.get(), resp.get(), 0);
    const SPF_result_t r = resp->result;
    const SPF_errcode_t err = resp->err;
    // After a redirect, spf_record_exp points at a record libspf2 freed.
    resp->spf_record_exp = nullptr;

    if (internal_)
        return finish(auth_result::TEMPERROR, "internal error");
    if (missed_)
        return finish(auth_result::NONE, "waiting for DNS");
    if (!limit_.empty())
        return finish(auth_result::PERMERROR, limit_);
    switch (r) {
    case SPF_RESULT_PASS: return finish(auth_result::PASS, "pass for " + in_.domain);
    case SPF_RESULT_FAIL: {
        if (in_.want_explanation)
            out.explanation = explanation();
        return finish(auth_result::FAIL, "fail for " + in_.domain);
    }
    case SPF_RESULT_SOFTFAIL: return finish(auth_result::SOFTFAIL, "softfail for " + in_.domain);
    case SPF_RESULT_NEUTRAL: return finish(auth_result::NEUTRAL, "neutral for " + in_.domain);
    case SPF_RESULT_NONE: return finish(auth_result::NONE, "no result for " + in_.domain);
    case SPF_RESULT_TEMPERROR:
        return finish(auth_result::TEMPERROR, error_.empty() ? "DNS failure" : error_);
    case SPF_RESULT_PERMERROR:
    case SPF_RESULT_INVALID:
    default:
        // libspf2 leaves "invalid" on some errors: the code tells which.
        if (err == SPF_E_DNS_ERROR)
            return finish(auth_result::TEMPERROR, error_.empty() ? "DNS failure" : error_);
        return finish(auth_result::PERMERROR, error_.empty() ? std::string(SPF_strerror(err)) : error_);
    }
}

// ---------------------------------------------------------------------------
// The DNS layer's hooks: C callbacks into the thread's current evaluation.

evaluation *current(SPF_dns_server_t *srv) noexcept
{
    auto *ts = srv != nullptr ? static_cast<thread_state *>(srv->hook) : nullptr;
    return ts != nullptr ? ts->current : nullptr;
}

SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *srv, const char *domain, ns_type type, int)
{
    evaluation *ev = current(srv);
    if (ev != nullptr) {
        try {
            return ev->lookup(srv, domain, type);
        } catch (...) {
            ev->internal_error();
        }
    }
    return SPF_dns_rr_new_init(srv, domain, type, 0, TRY_AGAIN);
}

SPF_errcode_t layer_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *, SPF_record_t **out)
{
    *out = nullptr;
    evaluation *ev = current(server != nullptr ? server->resolver : nullptr);
    if (ev == nullptr)
        return SPF_E_INTERNAL_ERROR;
    try {
        return ev->get_spf(req, out);
    } catch (...) {
        ev->internal_error();
        return SPF_E_INTERNAL_ERROR;
    }
}

SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain, char **bufp, size_t *buflenp)
{
    evaluation *ev = current(server != nullptr ? server->resolver : nullptr);
    if (ev == nullptr)
        return SPF_E_INTERNAL_ERROR;
    try {
        return ev->get_exp(domain, bufp, buflenp);
    } catch (...) {
        ev->internal_error();
        return SPF_E_INTERNAL_ERROR;
    }
}

/** Makes an evaluation the thread's current one for its lifetime. */
class current_guard {
public:
    current_guard(thread_state &ts, evaluation *ev) : ts_{ts}, saved_{ts.current} { ts.current = ev; }
    ~current_guard() { ts_.current = saved_; }
    current_guard(const current_guard &) = delete;
    current_guard &operator=(const current_guard &) = delete;

private:
    thread_state &ts_;
    evaluation *saved_;
};

} // namespace

const check_output *check_memo::find(const check_input &in, core::dns_source &dns)
{
    for (const auto &e : entries_) {
        if (!same_but_kind(e.in, in))
            continue;
        const bool same = std::all_of(e.names.begin(), e.names.end(), [&](const std::string &name) {
            if (!core::spf_queryable_name(name))
                return true; // never looked up, whatever the kind
            // Read before, so in the snapshot: no query is asked here.
            const dns_answer *a =
                dns.lookup(dns_query{core::dns_snapshot::normalize_name(name), dns_type::TXT});
            if (a == nullptr)
                return false;
            if (a->status != dns_status::OK)
                return true; // no record, whatever the kind
            const auto x = select_record(e.in.kind, a->records);
            const auto y = select_record(in.kind, a->records);
            return x.state == y.state && (x.state != core::spf_selection::status::ONE || x.index == y.index ||
                                          same_terms(a->records[x.index], a->records[y.index]));
        });
        if (same) {
            ++reused_;
            return &e.out;
        }
    }
    return nullptr;
}

void check_memo::keep(const check_input &in, const check_output &out, std::vector<std::string> names)
{
    entries_.push_back(entry{in, out, std::move(names)});
}

check_output check_host(const check_input &in, core::dns_source &dns, check_memo *memo) noexcept
{
    try {
        if (memo != nullptr)
            if (const check_output *earlier = memo->find(in, dns))
                return *earlier;
        check_output out;
        auto ip = parse_client(in.client_ip);
        if (!ip) {
            out.reason = "no valid client address";
            return out;
        }
        thread_state &ts = state();
        if (ts.server == nullptr) {
            out.result = auth_result::TEMPERROR;
            out.reason = "internal error: libspf2 did not start";
            return out;
        }
        evaluation ev{in, dns, *ip, ts};
        current_guard guard{ts, &ev};
        out = ev.run();
        if (memo != nullptr && out.complete)
            memo->keep(in, out, ev.take_names());
        return out;
    } catch (...) {
        check_output out;
        out.result = auth_result::TEMPERROR;
        out.reason = "internal error";
        return out;
    }
}

} // namespace authweight::adapters::libspf2
