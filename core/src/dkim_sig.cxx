#include "authweight/dkim_sig.hxx"

#include "authweight/ascii.hxx"
#include "authweight/dkim_canon.hxx"

#include <algorithm>
#include <limits>
#include <string>

namespace authweight::core {

namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_fws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trim_fws(std::string_view s) noexcept
{
    while (!s.empty() && is_fws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_fws(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string strip_fws(std::string_view s)
{
    std::string out(s.size(), '\0');
    std::size_t n = 0;
    for (char c : s) {
        out[n] = c;
        n += static_cast<std::size_t>(!is_fws(c));
    }
    out.resize(n);
    return out;
}

/** RFC 6376 3.2: tag-name = ALPHA *ALNUMPUNC. */
bool valid_tag_name(std::string_view n) noexcept
{
    if (n.empty() || !is_alpha(n.front()))
        return false;
    return std::all_of(n.begin(), n.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '_'; });
}

/** A tag as views into the text: parsing allocates nothing per tag. */
struct tag_view {
    std::string_view name;
    std::string_view value;
};

template <typename Tag>
const Tag *find_tag(const std::vector<Tag> &tags, std::string_view name)
{
    for (const auto &t : tags)
        if (t.name == name)
            return &t;
    return nullptr;
}

/** RFC 6376 defines 14 signature tags and 7 key tags; a list of more than
 *  this many is hostile, and the duplicate check below is quadratic in it. */
constexpr std::size_t max_tags = 64;

/** RFC 6376 3.2 tag-list into views; see parse_tag_list. */
result<void> parse_tag_views(std::string_view text, std::vector<tag_view> &tags)
{
    while (!text.empty()) {
        auto semi = text.find(';');
        auto spec = text.substr(0, semi);
        text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
        if (trim_fws(spec).empty()) {
            // Only a trailing ";" may leave an empty spec.
            if (trim_fws(text).empty())
                break;
            return fail(error_code::BAD_INPUT, "empty tag in tag list");
        }
        auto eq = spec.find('=');
        if (eq == std::string_view::npos)
            return fail(error_code::BAD_INPUT, "tag without '=': '" + std::string(trim_fws(spec).substr(0, 40)) + "'");
        auto name = trim_fws(spec.substr(0, eq));
        if (!valid_tag_name(name))
            return fail(error_code::BAD_INPUT, "invalid tag name '" + std::string(name.substr(0, 40)) + "'");
        if (tags.size() >= max_tags)
            return fail(error_code::BAD_INPUT, "more than " + std::to_string(max_tags) + " tags");
        if (find_tag(tags, name) != nullptr)
            return fail(error_code::BAD_INPUT, "duplicate tag '" + std::string(name) + "'");
        tags.push_back(tag_view{name, trim_fws(spec.substr(eq + 1))});
    }
    return {};
}

/** Colon-separated list (h=, k= lists), items trimmed and lower-cased. */
std::vector<std::string> colon_list(std::string_view v)
{
    std::vector<std::string> out;
    while (true) {
        auto colon = v.find(':');
        auto item = trim_fws(v.substr(0, colon));
        out.push_back(ascii::lower(item));
        if (colon == std::string_view::npos)
            break;
        v.remove_prefix(colon + 1);
    }
    return out;
}

/** A decimal number of at most `max_digits` digits; larger values saturate. */
std::optional<std::uint64_t> decimal(std::string_view v, std::size_t max_digits)
{
    if (v.empty() || v.size() > max_digits)
        return std::nullopt;
    std::uint64_t n = 0;
    constexpr auto top = std::numeric_limits<std::uint64_t>::max();
    for (char c : v) {
        if (!is_digit(c))
            return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        n = n > (top - d) / 10 ? top : n * 10 + d;
    }
    return n;
}

std::optional<dkim_canon> canon_from(std::string_view v)
{
    if (ascii::iequals(v, "simple"))
        return dkim_canon::SIMPLE;
    if (ascii::iequals(v, "relaxed"))
        return dkim_canon::RELAXED;
    return std::nullopt;
}

/** "a.b.example" is within "example" (or equal to it), case-insensitively. */
bool within_domain(std::string_view sub, std::string_view parent)
{
    if (sub.size() < parent.size())
        return false;
    if (!ascii::iequals(sub.substr(sub.size() - parent.size()), parent))
        return false;
    return sub.size() == parent.size() || sub[sub.size() - parent.size() - 1] == '.';
}

std::string normalized_domain(std::string_view d)
{
    auto s = ascii::lower(trim_fws(d));
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

} // namespace

std::string_view tag_value_trimmed(std::string_view value) noexcept
{
    return trim_fws(value);
}

std::string tag_value_unfolded(std::string_view value)
{
    return strip_fws(value);
}

std::string tag_domain(std::string_view value)
{
    return normalized_domain(value);
}

result<std::vector<dkim_tag>> parse_tag_list(std::string_view text)
{
    std::vector<tag_view> views;
    if (auto r = parse_tag_views(text, views); !r)
        return std::unexpected(r.error());
    std::vector<dkim_tag> tags;
    tags.reserve(views.size());
    for (const auto &v : views)
        tags.push_back(dkim_tag{std::string(v.name), std::string(v.value)});
    return tags;
}

std::size_t dkim_signature::signed_count(std::string_view name) const
{
    return static_cast<std::size_t>(std::count_if(signed_headers.begin(), signed_headers.end(),
                                                  [&](const std::string &h) { return ascii::iequals(h, name); }));
}

dkim_key_locator locate_dkim_key(std::string_view header_value)
{
    dkim_key_locator loc;
    auto tags = parse_tag_list(header_value);
    if (!tags)
        return loc;
    if (const auto *d = find_tag(*tags, "d"))
        loc.domain = normalized_domain(d->value);
    if (const auto *s = find_tag(*tags, "s"))
        loc.selector = ascii::lower(trim_fws(s->value));
    return loc;
}

result<dkim_signature> parse_dkim_signature(std::string_view header_value)
{
    std::vector<tag_view> views;
    views.reserve(16);
    if (auto r = parse_tag_views(header_value, views); !r)
        return std::unexpected(r.error());
    const auto *tags = &views;
    dkim_signature sig;
    for (const char *required : {"v", "a", "b", "bh", "d", "h", "s"})
        if (find_tag(*tags, required) == nullptr)
            return fail(error_code::BAD_INPUT, std::string("missing tag ") + required + "=");

    sig.version = std::string(find_tag(*tags, "v")->value);
    if (sig.version != "1")
        return fail(error_code::BAD_INPUT, "unsupported version v=" + sig.version.substr(0, 20));
    sig.algorithm = ascii::lower(find_tag(*tags, "a")->value);
    if (sig.algorithm.empty())
        return fail(error_code::BAD_INPUT, "empty a=");
    sig.signature = strip_fws(find_tag(*tags, "b")->value);
    if (sig.signature.empty())
        return fail(error_code::BAD_INPUT, "empty b=");
    sig.body_hash = strip_fws(find_tag(*tags, "bh")->value);
    if (sig.body_hash.empty())
        return fail(error_code::BAD_INPUT, "empty bh=");
    sig.domain = normalized_domain(find_tag(*tags, "d")->value);
    if (sig.domain.empty())
        return fail(error_code::BAD_INPUT, "empty d=");
    sig.selector = ascii::lower(find_tag(*tags, "s")->value);
    if (sig.selector.empty())
        return fail(error_code::BAD_INPUT, "empty s=");
    if (auto name = dkim_key_name(sig.selector, sig.domain); !name)
        return std::unexpected(name.error());

    sig.signed_headers = colon_list(find_tag(*tags, "h")->value);
    // Real signatures name a few dozen fields; each name costs a scan of
    // the header block, so a hostile h= is cut off here.
    if (sig.signed_headers.size() > max_signed_fields)
        return fail(error_code::BAD_INPUT, "h= names more than " + std::to_string(max_signed_fields) + " fields");
    for (const auto &h : sig.signed_headers)
        if (h.empty())
            return fail(error_code::BAD_INPUT, "empty header name in h=");
    // RFC 6376 5.4: the From header field MUST be signed.
    if (sig.signed_count("from") == 0)
        return fail(error_code::BAD_INPUT, "h= does not include From");

    if (const auto *c = find_tag(*tags, "c")) {
        auto v = c->value;
        auto slash = v.find('/');
        auto hc = canon_from(trim_fws(v.substr(0, slash)));
        if (!hc)
            return fail(error_code::BAD_INPUT, "invalid c=" + std::string(c->value.substr(0, 40)));
        sig.header_canon = *hc;
        if (slash != std::string_view::npos) {
            auto bc = canon_from(trim_fws(v.substr(slash + 1)));
            if (!bc)
                return fail(error_code::BAD_INPUT, "invalid c=" + std::string(c->value.substr(0, 40)));
            sig.body_canon = *bc;
        }
    }

    if (const auto *i = find_tag(*tags, "i")) {
        sig.identity = std::string(i->value);
        auto at = sig.identity.rfind('@');
        if (at == std::string::npos)
            return fail(error_code::BAD_INPUT, "i= without '@'");
        // RFC 6376 3.5 i=: the domain part must be d= or a subdomain of it.
        if (!within_domain(normalized_domain(std::string_view{sig.identity}.substr(at + 1)), sig.domain))
            return fail(error_code::BAD_INPUT, "i= domain is not within d=");
    } else {
        sig.identity = "@" + sig.domain;
    }

    // RFC 6376 3.5: l= is at most 76 digits, t= and x= at most 12.
    if (const auto *l = find_tag(*tags, "l")) {
        sig.body_length = decimal(l->value, 76);
        if (!sig.body_length)
            return fail(error_code::BAD_INPUT, "invalid l=" + std::string(l->value.substr(0, 40)));
    }
    if (const auto *t = find_tag(*tags, "t")) {
        sig.timestamp = decimal(t->value, 12);
        if (!sig.timestamp)
            return fail(error_code::BAD_INPUT, "invalid t=" + std::string(t->value.substr(0, 40)));
    }
    if (const auto *x = find_tag(*tags, "x")) {
        sig.expiration = decimal(x->value, 12);
        if (!sig.expiration)
            return fail(error_code::BAD_INPUT, "invalid x=" + std::string(x->value.substr(0, 40)));
        if (sig.timestamp && *sig.expiration <= *sig.timestamp)
            return fail(error_code::BAD_INPUT, "x= is not after t=");
    }
    if (const auto *q = find_tag(*tags, "q")) {
        bool dns_txt = false;
        for (const auto &m : colon_list(q->value))
            dns_txt = dns_txt || m == "dns/txt";
        if (!dns_txt)
            return fail(error_code::BAD_INPUT, "q= without dns/txt");
    }
    return sig;
}

result<std::string> dkim_key_name(std::string_view selector, std::string_view domain)
{
    auto check = [](std::string_view name, const char *what) -> result<void> {
        if (name.empty())
            return fail(error_code::BAD_INPUT, std::string("empty ") + what);
        std::size_t label = 0;
        for (char c : name) {
            if (c == '.') {
                if (label == 0)
                    return fail(error_code::BAD_INPUT, std::string("empty label in ") + what);
                label = 0;
                continue;
            }
            if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_'))
                return fail(error_code::BAD_INPUT, std::string("invalid character in ") + what);
            if (++label > 63)
                return fail(error_code::BAD_INPUT, std::string("label too long in ") + what);
        }
        if (label == 0)
            return fail(error_code::BAD_INPUT, std::string("empty label in ") + what);
        return {};
    };
    if (auto r = check(selector, "s="); !r)
        return std::unexpected(r.error());
    if (auto r = check(domain, "d="); !r)
        return std::unexpected(r.error());
    std::string name = ascii::lower(selector) + "._domainkey." + ascii::lower(domain);
    if (name.size() > 253)
        return fail(error_code::BAD_INPUT, "key name longer than 253 octets");
    return name;
}

bool acceptable_algorithm(std::string_view algorithm) noexcept
{
    return ascii::iequals(algorithm, "rsa-sha256") || ascii::iequals(algorithm, "ed25519-sha256");
}

bool dkim_key::testing() const noexcept
{
    return std::find(flags.begin(), flags.end(), "y") != flags.end();
}

bool dkim_key::strict_subdomains() const noexcept
{
    return std::find(flags.begin(), flags.end(), "s") != flags.end();
}

result<dkim_key> parse_dkim_key(std::string_view txt)
{
    auto tags = parse_tag_list(txt);
    if (!tags)
        return std::unexpected(tags.error());
    dkim_key key;
    if (const auto *v = find_tag(*tags, "v")) {
        // RFC 6376 3.6.1 v=: if present, MUST be the first tag, value DKIM1.
        if (&tags->front() != v || v->value != "DKIM1")
            return fail(error_code::BAD_INPUT, "key record v= is not DKIM1 first");
    }
    const auto *p = find_tag(*tags, "p");
    if (p == nullptr)
        return fail(error_code::BAD_INPUT, "key record without p=");
    key.public_key = strip_fws(p->value);
    if (const auto *k = find_tag(*tags, "k"))
        key.key_type = ascii::lower(k->value);
    if (const auto *h = find_tag(*tags, "h"))
        key.hashes = colon_list(h->value);
    if (const auto *s = find_tag(*tags, "s"))
        key.services = colon_list(s->value);
    if (const auto *t = find_tag(*tags, "t"))
        key.flags = colon_list(t->value);
    return key;
}

std::optional<std::size_t> select_dkim_key_record(const std::vector<std::string> &records)
{
    for (std::size_t i = 0; i < records.size(); ++i)
        if (parse_dkim_key(records[i]))
            return i;
    return std::nullopt;
}

std::uint64_t canonical_body_length(std::string_view body, dkim_canon canon)
{
    std::string scratch;
    return canonical_body(body, canon, scratch).size();
}

std::vector<std::string> dkim_credit_denials(const dkim_signature &sig, bool testing_key, std::size_t from_fields,
                                             std::uint64_t canon_body_length)
{
    std::vector<std::string> why;
    if (testing_key)
        why.emplace_back(); // the reason is already on the result ("testing key (t=y)")
    if (from_fields > sig.signed_count("from"))
        why.emplace_back("a From field is not covered by h= (added after signing)");
    if (sig.body_length && *sig.body_length < canon_body_length)
        why.push_back("l=" + std::to_string(*sig.body_length) + " leaves " +
                      std::to_string(canon_body_length - *sig.body_length) + " body bytes unsigned");
    return why;
}

} // namespace authweight::core
