#include "authweight/spf_record.hxx"

#include "authweight/ip.hxx"

#include "authweight/ascii.hxx"

#include <algorithm>

namespace authweight::core {

namespace {

constexpr std::size_t max_message_term = 100;

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }

/** RFC 7208 7.1 macro-literal: visible characters other than "%". */
bool is_macro_literal(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7e && c != '%';
}

bool is_delimiter(char c) noexcept
{
    return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

std::string quoted(std::string_view s)
{
    std::string out = "'";
    out += s.substr(0, max_message_term);
    if (s.size() > max_message_term)
        out += "...";
    return out + "'";
}

result<void> syntax_error(std::string_view what, std::string_view where)
{
    return fail(error_code::BAD_INPUT, std::string(what) + " " + quoted(where));
}

/** One %{...} macro-expand, parsed. */
struct macro_expand {
    char letter{'\0'};          // lower case
    bool url_escape{false};     // the letter was upper case (RFC 7208 7.3)
    std::size_t keep{0};        // rightmost parts to keep; 0 = all
    bool reverse{false};
    std::string_view delimiters;  // empty = "."
};

bool letter_allowed(char lower, spf_macro_use use) noexcept
{
    switch (lower) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
        return true;
    case 'c': case 'r': case 't':
        // RFC 7208 7.1: only in "exp" text.
        return use != spf_macro_use::DOMAIN_SPEC;
    default:
        return false;
    }
}

/** Parse the inside of "%{...}" at text[pos] (just after "{"). On success
 *  pos is left after the closing brace. */
result<macro_expand> parse_expand(std::string_view text, std::size_t &pos, spf_macro_use use)
{
    const std::size_t start = pos >= 2 ? pos - 2 : 0;
    const auto bad = [&] { return fail(error_code::BAD_INPUT, "invalid macro " + quoted(text.substr(start))); };
    macro_expand m;
    if (pos >= text.size())
        return bad();
    const char raw = text[pos];
    m.letter = ascii::to_lower(raw);
    m.url_escape = raw != m.letter;
    if (!letter_allowed(m.letter, use))
        return bad();
    ++pos;
    // transformers = *DIGIT [ "r" ]; a number, if given, must be nonzero (7.3).
    bool any_digit = false;
    std::size_t value = 0;
    while (pos < text.size() && is_digit(text[pos])) {
        any_digit = true;
        // Labels of a 253-character name are far fewer than this: cap, do not overflow.
        value = std::min<std::size_t>(value * 10 + static_cast<std::size_t>(text[pos] - '0'), 1000);
        ++pos;
    }
    if (any_digit && value == 0)
        return bad();
    m.keep = value;
    if (pos < text.size() && ascii::to_lower(text[pos]) == 'r') {
        m.reverse = true;
        ++pos;
    }
    const std::size_t delim_start = pos;
    while (pos < text.size() && is_delimiter(text[pos]))
        ++pos;
    m.delimiters = text.substr(delim_start, pos - delim_start);
    if (pos >= text.size() || text[pos] != '}')
        return bad();
    ++pos;
    return m;
}

std::string macro_value(const macro_expand &m, const spf_macro_values &v)
{
    switch (m.letter) {
    case 's': return std::string(v.sender);
    case 'l': return std::string(v.local_part);
    case 'o': return std::string(v.sender_domain);
    case 'd': return std::string(v.domain);
    case 'i': return std::string(v.ip_dotted);
    case 'p': return v.ptr != nullptr ? v.ptr->validated_name(v.domain) : std::string("unknown");
    case 'v': return std::string(v.ip_version);
    case 'h': return std::string(v.helo);
    case 'c': return std::string(v.ip_pretty);
    case 'r': return std::string(v.receiver);
    case 't': return std::string(v.timestamp);
    default: return {};
    }
}

/** RFC 7208 7.3: split on the delimiters, reverse, keep the rightmost
 *  parts, rejoin with ".". */
std::string transform(const std::string &value, const macro_expand &m)
{
    if (m.keep == 0 && !m.reverse && m.delimiters.empty())
        return value;
    const std::string_view delims = m.delimiters.empty() ? std::string_view(".") : m.delimiters;
    std::vector<std::string_view> parts;
    std::string_view rest = value;
    for (;;) {
        const auto cut = rest.find_first_of(delims);
        parts.push_back(rest.substr(0, cut));
        if (cut == std::string_view::npos)
            break;
        rest.remove_prefix(cut + 1);
    }
    if (m.reverse)
        std::reverse(parts.begin(), parts.end());
    std::size_t first = 0;
    if (m.keep != 0 && m.keep < parts.size())
        first = parts.size() - m.keep;
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = first; i < parts.size(); ++i) {
        if (i != first)
            out += '.';
        out += parts[i];
    }
    return out;
}

void url_escape_into(std::string &out, std::string_view value)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : value) {
        // RFC 7208 7.3: everything outside "unreserved" (RFC 3986) is escaped.
        if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xF];
        }
    }
}

/**
 * Walk a macro-string; expand into `out` when it is non-null. `ends_with_expand`
 * tells whether the last item was a macro-expand (domain-end, RFC 7208 7.1).
 */
result<void> walk_macro_string(std::string_view text, spf_macro_use use, const spf_macro_values *values,
                               std::string *out, bool *ends_with_expand)
{
    bool last_expand = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (c == '%') {
            if (pos + 1 >= text.size())
                return syntax_error("a '%' ends the macro string", text);
            const char next = text[pos + 1];
            if (next == '%' || next == '_' || next == '-') {
                if (out != nullptr)
                    *out += next == '%' ? "%" : next == '_' ? " " : "%20";
                pos += 2;
            } else if (next == '{') {
                pos += 2;
                auto m = parse_expand(text, pos, use);
                if (!m)
                    return std::unexpected(m.error());
                if (out != nullptr && values != nullptr) {
                    const auto value = transform(macro_value(*m, *values), *m);
                    if (m->url_escape)
                        url_escape_into(*out, value);
                    else
                        *out += value;
                }
            } else {
                // RFC 7208 7.1: "%" followed by anything else is a syntax error.
                return syntax_error("invalid '%' escape in", text);
            }
            last_expand = true;
            continue;
        }
        const bool ok = is_macro_literal(c) || (c == ' ' && use == spf_macro_use::EXPLANATION);
        if (!ok)
            return syntax_error("invalid character in", text);
        if (out != nullptr)
            *out += c;
        last_expand = false;
        ++pos;
    }
    if (ends_with_expand != nullptr)
        *ends_with_expand = last_expand;
    return {};
}

/** toplabel of RFC 7208 7.1: alphanumerics and "-", not starting or ending
 *  with "-", and not all digits. */
bool valid_toplabel(std::string_view label) noexcept
{
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back()))
        return false;
    bool alpha_or_dash = false;
    for (char c : label) {
        if (!is_alnum(c) && c != '-')
            return false;
        alpha_or_dash = alpha_or_dash || is_alpha(c) || c == '-';
    }
    return alpha_or_dash;
}

/** domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand. */
result<void> check_domain_spec(std::string_view spec, std::string_view term)
{
    if (spec.empty())
        return syntax_error("empty domain-spec in", term);
    bool ends_with_expand = false;
    if (auto ok = walk_macro_string(spec, spf_macro_use::DOMAIN_SPEC, nullptr, nullptr, &ends_with_expand); !ok)
        return ok;
    if (ends_with_expand)
        return {};
    std::string_view tail = spec;
    if (tail.back() == '.')
        tail.remove_suffix(1);
    const auto dot = tail.rfind('.');
    if (dot == std::string_view::npos || !valid_toplabel(tail.substr(dot + 1)))
        return syntax_error("domain-spec must end in a macro or a valid top label in", term);
    return {};
}

/** "0" / %x31-39 *DIGIT, at most `max`. */
std::optional<int> parse_cidr_length(std::string_view digits, int max) noexcept
{
    if (digits.empty() || digits.size() > 3)
        return std::nullopt;
    if (digits.size() > 1 && digits.front() == '0')
        return std::nullopt;
    int value = 0;
    for (char c : digits) {
        if (!is_digit(c))
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > max)
        return std::nullopt;
    return value;
}

/** Strip a trailing dual-cidr-length ("/24", "//64", "/24//64") from `rest`. */
result<void> strip_dual_cidr(std::string_view &rest, spf_term &t, std::string_view term)
{
    auto trailing_digits = [](std::string_view s) {
        std::size_t n = 0;
        while (n < s.size() && is_digit(s[s.size() - 1 - n]))
            ++n;
        return n;
    };
    std::size_t n = trailing_digits(rest);
    if (n > 0 && rest.size() >= n + 2 && rest[rest.size() - n - 1] == '/' && rest[rest.size() - n - 2] == '/') {
        auto v = parse_cidr_length(rest.substr(rest.size() - n), 128);
        if (!v)
            return syntax_error("invalid IPv6 prefix length in", term);
        t.cidr6 = *v;
        rest.remove_suffix(n + 2);
        n = trailing_digits(rest);
    }
    if (n > 0 && rest.size() >= n + 1 && rest[rest.size() - n - 1] == '/') {
        auto v = parse_cidr_length(rest.substr(rest.size() - n), 32);
        if (!v)
            return syntax_error("invalid IPv4 prefix length in", term);
        t.cidr4 = *v;
        rest.remove_suffix(n + 1);
    }
    return {};
}

result<void> parse_directive(std::string_view tok, spf_record &rec)
{
    spf_term t;
    std::size_t i = 0;
    switch (tok.front()) {
    case '+': t.qualifier = spf_qualifier::PASS; ++i; break;
    case '-': t.qualifier = spf_qualifier::FAIL; ++i; break;
    case '~': t.qualifier = spf_qualifier::SOFTFAIL; ++i; break;
    case '?': t.qualifier = spf_qualifier::NEUTRAL; ++i; break;
    default: break;
    }
    std::size_t j = i;
    while (j < tok.size() && is_alnum(tok[j]))
        ++j;
    const std::string name = ascii::lower(tok.substr(i, j - i));
    std::string_view rest = tok.substr(j);

    auto required_spec = [&]() -> result<void> {
        if (rest.empty() || rest.front() != ':')
            return syntax_error("missing domain-spec in", tok);
        t.domain_spec = std::string(rest.substr(1));
        return check_domain_spec(rest.substr(1), tok);
    };
    auto optional_spec = [&]() -> result<void> {
        if (rest.empty())
            return {};
        if (rest.front() != ':')
            return syntax_error("invalid mechanism", tok);
        t.domain_spec = std::string(rest.substr(1));
        return check_domain_spec(rest.substr(1), tok);
    };
    auto network = [&](int max, bool v6) -> result<void> {
        if (rest.empty() || rest.front() != ':')
            return syntax_error("missing address in", tok);
        std::string_view value = rest.substr(1);
        const auto slash = value.find('/');
        if (slash != std::string_view::npos) {
            auto v = parse_cidr_length(value.substr(slash + 1), max);
            if (!v)
                return syntax_error("invalid prefix length in", tok);
            (v6 ? t.cidr6 : t.cidr4) = *v;
            value = value.substr(0, slash);
        }
        if (v6) {
            auto a = parse_ipv6(value);
            if (!a)
                return syntax_error("invalid IPv6 address in", tok);
            t.network = *a;
        } else {
            auto a = parse_ipv4(value);
            if (!a)
                return syntax_error("invalid IPv4 address in", tok);
            std::copy(a->begin(), a->end(), t.network.begin());
        }
        return {};
    };

    result<void> ok;
    if (name == "all") {
        t.mechanism = spf_mechanism::ALL;
        if (!rest.empty())
            return syntax_error("invalid mechanism", tok);
    } else if (name == "include") {
        t.mechanism = spf_mechanism::INCLUDE;
        ok = required_spec();
    } else if (name == "exists") {
        t.mechanism = spf_mechanism::EXISTS;
        ok = required_spec();
    } else if (name == "ptr") {
        t.mechanism = spf_mechanism::PTR;
        ok = optional_spec();
    } else if (name == "a" || name == "mx") {
        t.mechanism = name == "a" ? spf_mechanism::A : spf_mechanism::MX;
        ok = strip_dual_cidr(rest, t, tok);
        if (ok)
            ok = optional_spec();
    } else if (name == "ip4") {
        t.mechanism = spf_mechanism::IP4;
        ok = network(32, false);
    } else if (name == "ip6") {
        t.mechanism = spf_mechanism::IP6;
        ok = network(128, true);
    } else {
        return syntax_error("unknown mechanism", tok);
    }
    if (!ok)
        return ok;
    rec.terms.push_back(std::move(t));
    return {};
}

result<void> parse_modifier(std::string_view tok, std::size_t eq, spf_record &rec)
{
    const std::string name = ascii::lower(tok.substr(0, eq));
    const std::string_view value = tok.substr(eq + 1);
    // RFC 7208 6: redirect and exp at most once each; their syntax errors are
    // errors, not unknown modifiers.
    auto known = [&](std::optional<std::string> &slot) -> result<void> {
        if (slot)
            return syntax_error("repeated modifier", tok);
        if (auto ok = check_domain_spec(value, tok); !ok)
            return ok;
        slot = std::string(value);
        return {};
    };
    if (name == "redirect")
        return known(rec.redirect);
    if (name == "exp")
        return known(rec.explanation);
    if (auto ok = walk_macro_string(value, spf_macro_use::MODIFIER, nullptr, nullptr, nullptr); !ok)
        return syntax_error("invalid macro string in modifier", tok);
    return {};
}

/** The length of a modifier name (ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ))
 *  when `tok` is "name=..."; 0 otherwise. */
std::size_t modifier_name_length(std::string_view tok) noexcept
{
    if (tok.empty() || !is_alpha(tok.front()))
        return 0;
    std::size_t k = 1;
    while (k < tok.size() && (is_alnum(tok[k]) || tok[k] == '-' || tok[k] == '_' || tok[k] == '.'))
        ++k;
    return k < tok.size() && tok[k] == '=' ? k : 0;
}

} // namespace

bool spf_term::queries_dns() const noexcept
{
    switch (mechanism) {
    case spf_mechanism::INCLUDE:
    case spf_mechanism::A:
    case spf_mechanism::MX:
    case spf_mechanism::PTR:
    case spf_mechanism::EXISTS:
        return true;
    default:
        return false;
    }
}

bool is_spf1_record(std::string_view txt) noexcept
{
    return ascii::istarts_with(txt, "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

spf_selection select_spf_record(const std::vector<std::string> &txt)
{
    spf_selection sel;
    std::size_t found = 0;
    for (std::size_t i = 0; i < txt.size(); ++i) {
        if (!is_spf1_record(txt[i]))
            continue;
        if (found++ == 0)
            sel.index = i;
    }
    sel.state = found == 0 ? spf_selection::status::NONE
              : found == 1 ? spf_selection::status::ONE
                           : spf_selection::status::MULTIPLE;
    return sel;
}

result<spf_record> parse_spf_record(std::string_view text)
{
    if (text.size() > spf_max_record_length)
        return fail(error_code::BAD_INPUT, "record longer than " + std::to_string(spf_max_record_length) +
                                               " characters");
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        // RFC 7208 3.1 / 12: records are 7-bit; terms are VCHAR separated by SP.
        if (u < 0x20 || u > 0x7e)
            return fail(error_code::BAD_INPUT, "record holds a control or non-ASCII character");
    }
    const auto tag_end = text.find(' ');
    const std::string_view tag = text.substr(0, tag_end);
    if (!ascii::iequals(tag, "v=spf1") && !ascii::istarts_with(tag, "spf2.0/"))
        return fail(error_code::BAD_INPUT, "not an SPF record: " + quoted(tag));

    spf_record rec;
    std::string_view rest = tag_end == std::string_view::npos ? std::string_view{} : text.substr(tag_end);
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos)
            break;
        rest.remove_prefix(start);
        const auto end = rest.find(' ');
        const std::string_view tok = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        result<void> ok;
        if (const auto eq = modifier_name_length(tok); eq != 0)
            ok = parse_modifier(tok, eq, rec);
        else
            ok = parse_directive(tok, rec);
        if (!ok)
            return std::unexpected(ok.error());
    }
    return rec;
}

result<void> check_spf_macro_string(std::string_view text, spf_macro_use use)
{
    return walk_macro_string(text, use, nullptr, nullptr, nullptr);
}

result<std::string> expand_spf_macros(std::string_view text, const spf_macro_values &values, spf_macro_use use)
{
    std::string out;
    out.reserve(text.size() + 32);
    if (auto ok = walk_macro_string(text, use, &values, &out, nullptr); !ok)
        return std::unexpected(ok.error());
    if (use != spf_macro_use::DOMAIN_SPEC)
        return out;
    if (!out.empty() && out.back() == '.')
        out.pop_back();
    // RFC 7208 7.3: over 253 characters, drop labels from the left.
    while (out.size() > 253) {
        const auto dot = out.find('.');
        if (dot == std::string::npos) {
            out.clear();
            break;
        }
        out.erase(0, dot + 1);
    }
    return out;
}

bool spf_has_macros(std::string_view domain_spec) noexcept
{
    return domain_spec.find('%') != std::string_view::npos;
}

bool spf_queryable_name(std::string_view name) noexcept
{
    if (!name.empty() && name.back() == '.')
        name.remove_suffix(1);
    if (name.empty() || name.size() > 253)
        return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (++label > 63) {
            return false;
        }
    }
    return label > 0;
}

bool spf_valid_identity_domain(std::string_view domain) noexcept
{
    if (!spf_queryable_name(domain))
        return false;
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    for (char c : domain) {
        const auto u = static_cast<unsigned char>(c);
        // Names with blanks, control bytes or brackets are not host names.
        if (u <= 0x20 || u >= 0x7f || c == '[' || c == ']' || c == '@' || c == '%')
            return false;
    }
    return domain.find('.') != std::string_view::npos;
}

} // namespace authweight::core
