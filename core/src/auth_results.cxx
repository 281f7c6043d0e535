#include "authweight/auth_results.hxx"

#include "authweight/ascii.hxx"

#include <algorithm>

namespace authweight::core {

namespace {

constexpr std::size_t max_field_bytes = 64 * 1024;
constexpr std::size_t max_results = 100;
constexpr std::size_t max_fields = 50;
constexpr int max_comment_depth = 32;

constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/** RFC 2045 5.1 tspecials. */
constexpr bool is_tspecial(char c) noexcept
{
    return std::string_view{"()<>@,;:\\\"/[]?="}.find(c) != std::string_view::npos;
}

/** RFC 2045 token character: CHAR except SPACE, CTLs and tspecials. */
constexpr bool is_token_char(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

/** RFC 5322 3.2.3 atext. */
constexpr bool is_atext(char c) noexcept
{
    return is_alpha(c) || is_digit(c) || std::string_view{"!#$%&'*+-/=?^_`{|}~"}.find(c) != std::string_view::npos;
}

constexpr bool is_keyword_char(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '-'; }

bool is_domain_name(std::string_view d) noexcept
{
    if (d.empty() || d.front() == '.' || d.back() == '.')
        return false;
    for (std::size_t i = 0; i < d.size(); ++i) {
        const char c = d[i];
        if (c == '.') {
            if (d[i - 1] == '.')
                return false;
        } else if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

bool is_dot_atom(std::string_view s) noexcept
{
    if (s.empty() || s.front() == '.' || s.back() == '.')
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '.') {
            if (s[i - 1] == '.')
                return false;
        } else if (!is_atext(s[i])) {
            return false;
        }
    }
    return true;
}

/** A cursor over one field value, RFC 8601 2.2 grammar. */
class ar_parser {
public:
    explicit ar_parser(std::string_view s) : s_{s} {}

    result<ar_header> parse()
    {
        ar_header h;
        skip_cfws();
        if (!ok_)
            return error();
        auto id = read_value();
        if (!id || id->empty())
            return bad("missing authserv-id");
        h.authserv_id = std::move(*id);
        skip_cfws();
        if (!at_end() && is_digit(peek())) {
            std::string v;
            while (!at_end() && is_digit(peek()) && v.size() < 9)
                v += s_[pos_++];
            if (!at_end() && is_digit(peek()))
                return bad("authres-version too long");
            h.version = std::stoi(v);
            skip_cfws();
        }
        if (!ok_)
            return error();
        if (at_end() || peek() != ';')
            return bad("expected ';' after authserv-id");
        bool first = true;
        while (!at_end()) {
            if (peek() != ';')
                return bad("expected ';' between results");
            ++pos_;
            skip_cfws();
            if (!ok_)
                return error();
            auto method = read_keyword();
            if (method.empty())
                return bad("expected a method");
            skip_cfws();
            if (first && ascii::iequals(method, "none") && at_end())
                return h;  // no-result
            first = false;
            if (h.results.size() >= max_results)
                return bad("too many results");
            ar_result r;
            r.method = ascii::lower(method);
            if (!at_end() && peek() == '/') {
                ++pos_;
                skip_cfws();
                std::string mv;
                while (!at_end() && is_digit(peek()) && mv.size() < 9)
                    mv += s_[pos_++];
                if (mv.empty())
                    return bad("expected a method version");
                skip_cfws();
            }
            if (at_end() || peek() != '=')
                return bad("expected '=' after method " + r.method);
            ++pos_;
            skip_cfws();
            auto res = read_keyword();
            if (res.empty())
                return bad("expected a result for " + r.method);
            r.result = ascii::lower(res);
            skip_cfws();
            while (ok_ && !at_end() && peek() != ';') {
                auto word = read_keyword();
                if (word.empty())
                    return bad("unexpected character in " + r.method + " result");
                skip_cfws();
                if (ascii::iequals(word, "reason") && !at_end() && peek() == '=') {
                    ++pos_;
                    skip_cfws();
                    auto v = read_value();
                    if (!v)
                        return bad("invalid reason");
                    r.reason = std::move(*v);
                    skip_cfws();
                    continue;
                }
                if (at_end() || peek() != '.')
                    return bad("expected ptype.property");
                ++pos_;
                skip_cfws();
                auto prop = read_keyword();
                if (prop.empty())
                    return bad("expected a property after " + std::string(word) + ".");
                skip_cfws();
                if (at_end() || peek() != '=')
                    return bad("expected '=' after " + std::string(word) + "." + std::string(prop));
                ++pos_;
                skip_cfws();
                auto pv = read_pvalue();
                if (!pv)
                    return bad("invalid value of " + std::string(word) + "." + std::string(prop));
                r.properties.push_back(ar_property{ascii::lower(word), ascii::lower(prop), std::move(*pv)});
                skip_cfws();
            }
            if (!ok_)
                return error();
            h.results.push_back(std::move(r));
        }
        return h;
    }

private:
    [[nodiscard]] bool at_end() const noexcept { return pos_ >= s_.size(); }
    [[nodiscard]] char peek() const noexcept { return s_[pos_]; }

    std::unexpected<core::error> bad(std::string what)
    {
        return fail(error_code::BAD_INPUT, what + " at offset " + std::to_string(pos_));
    }
    std::unexpected<core::error> error() { return bad(why_); }

    /** Skip folding white space and (nested) comments. */
    void skip_cfws()
    {
        while (!at_end()) {
            const char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++pos_;
            } else if (c == '(') {
                int depth = 0;
                do {
                    const char d = s_[pos_];
                    if (d == '\\') {
                        if (pos_ + 1 < s_.size())  // a backslash ending the field quotes nothing
                            ++pos_;
                    } else if (d == '(') {
                        if (++depth > max_comment_depth) {
                            ok_ = false;
                            why_ = "comments nested too deep";
                            return;
                        }
                    } else if (d == ')') {
                        --depth;
                    }
                    ++pos_;
                } while (depth > 0 && !at_end());
                if (depth > 0) {
                    ok_ = false;
                    why_ = "unterminated comment";
                    return;
                }
            } else {
                return;
            }
        }
    }

    std::string_view read_keyword()
    {
        const auto start = pos_;
        while (!at_end() && is_keyword_char(peek()))
            ++pos_;
        return s_.substr(start, pos_ - start);
    }

    std::optional<std::string> read_quoted()
    {
        std::string out;
        ++pos_;  // opening quote
        while (!at_end()) {
            const char c = s_[pos_++];
            if (c == '"')
                return out;
            if (c == '\\') {
                if (at_end())
                    return std::nullopt;
                out += s_[pos_++];
            } else {
                out += c;
            }
        }
        return std::nullopt;
    }

    /** RFC 2045 value = token / quoted-string. */
    std::optional<std::string> read_value()
    {
        if (!at_end() && peek() == '"')
            return read_quoted();
        const auto start = pos_;
        while (!at_end() && is_token_char(peek()))
            ++pos_;
        if (pos_ == start)
            return std::nullopt;
        return std::string(s_.substr(start, pos_ - start));
    }

    /** pvalue = value / [ [ local-part ] "@" ] domain-name (RFC 8601 2.2). */
    std::optional<std::string> read_pvalue()
    {
        if (!at_end() && peek() == '"') {
            auto q = read_quoted();
            if (!q)
                return std::nullopt;
            if (at_end() || peek() != '@')
                return q;
            ++pos_;
            auto d = read_run();
            if (!is_domain_name(d))
                return std::nullopt;
            return *q + "@" + std::string(d);
        }
        auto run = read_run();
        if (run.empty())
            return std::nullopt;
        auto at = run.rfind('@');
        if (at == std::string_view::npos) {
            if (!std::all_of(run.begin(), run.end(), is_token_char))
                return std::nullopt;
            return std::string(run);
        }
        auto local = run.substr(0, at);
        auto domain = run.substr(at + 1);
        if ((!local.empty() && !is_dot_atom(local)) || !is_domain_name(domain))
            return std::nullopt;
        return std::string(run);
    }

    /** The characters a pvalue may hold outside quotes. */
    std::string_view read_run()
    {
        const auto start = pos_;
        while (!at_end() && (is_atext(peek()) || peek() == '.' || peek() == '@'))
            ++pos_;
        return s_.substr(start, pos_ - start);
    }

    std::string_view s_;
    std::size_t pos_{0};
    bool ok_{true};
    std::string why_;
};

std::string quoted(std::string_view v);

/** A property value: as is when it is a token or an address, else quoted. */
std::string pvalue(std::string_view v)
{
    if (!v.empty() && std::all_of(v.begin(), v.end(), is_token_char))
        return std::string(v);
    auto at = v.rfind('@');
    if (at != std::string_view::npos && (at == 0 || is_dot_atom(v.substr(0, at))) &&
        is_domain_name(v.substr(at + 1)))
        return std::string(v);
    return quoted(v);
}

/** A reason: RFC 8601 2.2 reasonspec takes an RFC 2045 value, a token or a
 *  quoted-string; the address form of a pvalue is not one. */
std::string reason_value(std::string_view v)
{
    if (!v.empty() && std::all_of(v.begin(), v.end(), is_token_char))
        return std::string(v);
    return quoted(v);
}

/** An RFC 5322 quoted-string, control characters dropped. */
std::string quoted(std::string_view v)
{
    std::string out = "\"";
    for (char c : v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            continue;  // no control characters in a header
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

/** A comment's text: parentheses and backslashes escaped, controls dropped. */
std::string comment(std::string_view v)
{
    std::string out;
    for (char c : v.substr(0, 200)) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            continue;
        if (c == '(' || c == ')' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

} // namespace

std::string_view ar_result::property(std::string_view ptype, std::string_view name) const
{
    for (const auto &p : properties)
        if (ascii::iequals(p.ptype, ptype) && ascii::iequals(p.property, name))
            return p.value;
    return {};
}

result<ar_header> parse_authentication_results(std::string_view value)
{
    if (value.size() > max_field_bytes)
        return fail(error_code::BAD_INPUT, "Authentication-Results field too long");
    return ar_parser{value}.parse();
}

std::vector<ar_header> trusted_authentication_results(const header_block &headers,
                                                      const std::vector<std::string> &trusted)
{
    std::vector<ar_header> out;
    if (trusted.empty())
        return out;
    std::size_t seen = 0;
    for (const auto *f : headers.all("Authentication-Results")) {
        if (++seen > max_fields)
            break;
        auto h = parse_authentication_results(f->value);
        if (!h)
            continue;
        const bool ok = std::any_of(trusted.begin(), trusted.end(),
                                    [&](const std::string &id) { return ascii::iequals(id, h->authserv_id); });
        if (ok)
            out.push_back(std::move(*h));
    }
    return out;
}

std::string render_authentication_results(const ar_render_input &in)
{
    std::vector<std::string> parts;
    static const auth_results empty{};
    const auth_results &a = in.auth != nullptr ? *in.auth : empty;

    std::string spf = "spf=" + std::string(to_string(a.spf.result));
    if (a.spf.identity == "helo" && !a.spf.domain.empty())
        spf += " smtp.helo=" + pvalue(a.spf.domain);
    else if (!in.mail_from.empty())
        spf += " smtp.mailfrom=" + pvalue(in.mail_from);
    else if (!a.spf.domain.empty())
        spf += " smtp.mailfrom=" + pvalue(a.spf.domain);
    parts.push_back(std::move(spf));

    if (in.has_message) {
        std::string sid = "sender-id=" + std::string(to_string(a.senderid.result));
        if (!a.senderid.pra.empty())
            sid += " header." + ascii::lower(in.pra_header.empty() ? "From" : in.pra_header) + "=" +
                   pvalue(a.senderid.pra);
        parts.push_back(std::move(sid));

        if (a.dkim.empty())
            parts.emplace_back("dkim=none");
        for (const auto &sig : a.dkim) {
            std::string d = "dkim=" + std::string(to_string(sig.result));
            if (sig.result != auth_result::PASS && !sig.reason.empty())
                d += " reason=" + reason_value(sig.reason.substr(0, 200));
            else if (sig.result == auth_result::PASS && !sig.counts_for_alignment)
                d += " (" + comment(sig.reason.empty() ? "no alignment credit" : sig.reason) + ")";
            if (!sig.domain.empty())
                d += " header.d=" + pvalue(sig.domain);
            if (!sig.selector.empty())
                d += " header.s=" + pvalue(sig.selector);
            if (!sig.algorithm.empty())
                d += " header.a=" + pvalue(sig.algorithm);
            parts.push_back(std::move(d));
        }

        std::string dm = "dmarc=" + std::string(to_string(a.dmarc.result));
        if (a.dmarc.policy != dmarc_policy::UNKNOWN)
            dm += " (p=" + std::string(to_string(a.dmarc.policy)) +
                  (a.dmarc.pct != 100 ? " pct=" + std::to_string(a.dmarc.pct) : std::string{}) + ")";
        if (!a.dmarc.from_domain.empty())
            dm += " header.from=" + pvalue(a.dmarc.from_domain);
        parts.push_back(std::move(dm));

        // RFC 8617 10.1 (method "arc"): only for a message that has ARC fields.
        if (a.arc.present) {
            std::string arc = "arc=" + std::string(to_string(a.arc.result));
            if (a.arc.result != auth_result::PASS && !a.arc.reason.empty())
                arc += " reason=" + reason_value(a.arc.reason.substr(0, 200));
            parts.push_back(std::move(arc));
        }
    }

    std::string out = pvalue(in.authserv_id.empty() ? std::string_view{"authweight"} : in.authserv_id);
    for (const auto &p : parts)
        out += "; " + p;
    return out;
}

} // namespace authweight::core
