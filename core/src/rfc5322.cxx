#include "authweight/rfc5322.hxx"

#include "authweight/ascii.hxx"
#include "authweight/text.hxx"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authweight::core {

namespace {


constexpr unsigned char byte_of(char c) noexcept { return static_cast<unsigned char>(c); }
constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_fws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
constexpr bool is_ctl(char c) noexcept { return byte_of(c) < 0x20 || byte_of(c) == 0x7f; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// ---------------------------------------------------------------- UTF-8 ----

void append_utf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// ------------------------------------------------------------- RFC 2047 ----

enum class charset : std::uint8_t { UTF8, LATIN1, CP1252, UNKNOWN };

charset charset_of(std::string_view name) noexcept
{
    // RFC 2231 5: "charset*language"
    if (auto star = name.find('*'); star != std::string_view::npos)
        name = name.substr(0, star);
    for (auto n : {"utf-8", "utf8", "us-ascii", "ascii"})
        if (ascii::iequals(name, n))
            return charset::UTF8;
    for (auto n : {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1"})
        if (ascii::iequals(name, n))
            return charset::LATIN1;
    for (auto n : {"windows-1252", "cp1252"})
        if (ascii::iequals(name, n))
            return charset::CP1252;
    return charset::UNKNOWN;
}

// windows-1252 0x80..0x9F; the five unassigned bytes map to C1 controls (WHATWG).
constexpr std::array<std::uint16_t, 32> cp1252_high{
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

std::string to_utf8(std::string_view bytes, charset cs)
{
    if (cs == charset::UTF8)
        return std::string{bytes};
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) {
        const auto b = byte_of(c);
        if (cs == charset::CP1252 && b >= 0x80 && b <= 0x9F)
            append_utf8(out, cp1252_high[b - 0x80]);
        else
            append_utf8(out, b);
    }
    return out;
}

int base64_value(char c) noexcept
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (is_digit(c))
        return c - '0' + 52;
    if (c == '+')
        return 62;
    return c == '/' ? 63 : -1;
}

std::optional<std::string> decode_b(std::string_view text)
{
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (char c : text) {
        if (c == '=') {
            padding = true;
            continue;
        }
        const int v = base64_value(c);
        if (v < 0 || padding)
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string decode_q(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            out.push_back(' ');  // RFC 2047 4.2 (2)
        } else if (c == '=' && i + 2 < text.size() && ascii::hex_value(text[i + 1]) >= 0 &&
                   ascii::hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(ascii::hex_value(text[i + 1]) * 16 + ascii::hex_value(text[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

bool is_2047_token_char(char c) noexcept
{
    // RFC 2047 2: token excludes SPACE, CTLs and especials
    return !is_ctl(c) && c != ' ' && byte_of(c) < 0x80 &&
           std::string_view{"()<>@,;:\"/[]?.="}.find(c) == std::string_view::npos;
}

struct decoded_word {
    std::string text;
    std::size_t end;
};

/** Decode the encoded word starting at text[i] ("=?"); nullopt if it is not one.
 *  Every scan stops at the next '?' or space, which keeps the caller linear. */
std::optional<decoded_word> decode_word_at(std::string_view text, std::size_t i)
{
    constexpr std::size_t max_charset = 64;
    std::size_t j = i + 2;
    while (j < text.size() && j - i - 2 < max_charset && is_2047_token_char(text[j]))
        ++j;
    if (j == i + 2 || j + 2 >= text.size() || text[j] != '?' || text[j + 2] != '?')
        return std::nullopt;
    const auto cs = charset_of(text.substr(i + 2, j - i - 2));
    const char enc = ascii::to_lower(text[j + 1]);
    if (cs == charset::UNKNOWN || (enc != 'b' && enc != 'q'))
        return std::nullopt;
    const std::size_t start = j + 3;
    std::size_t k = start;
    while (k < text.size() && text[k] != '?' && !is_fws(text[k]) && !is_ctl(text[k]))
        ++k;
    if (k + 1 >= text.size() || text[k] != '?' || text[k + 1] != '=')
        return std::nullopt;
    const auto encoded = text.substr(start, k - start);
    std::string raw;
    if (enc == 'b') {
        auto b = decode_b(encoded);
        if (!b)
            return std::nullopt;
        raw = std::move(*b);
    } else {
        raw = decode_q(encoded);
    }
    return decoded_word{to_utf8(raw, cs), k + 2};
}

// ---------------------------------------------------------- RFC 5322 lexer --

enum class tok : std::uint8_t { END, ATOM, QUOTED, LITERAL, SPECIAL, BAD };

struct token {
    tok kind{tok::END};
    char special{0};
    /// ATOM: the atom; QUOTED: inside the quotes, escapes unresolved;
    /// LITERAL: with brackets; BAD: why it is bad
    std::string_view text;
    bool space_before{false};   ///< whitespace or a comment preceded the token
};

// RFC 5322 3.2.3 atext; RFC 6532 3.2 adds UTF-8 (validated where it matters)
constexpr auto atext_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = c >= 0x80 || is_alpha(static_cast<char>(c)) ||
                                         is_digit(static_cast<char>(c)) ||
                                         std::string_view{"!#$%&'*+-/=?^_`{|}~"}.find(static_cast<char>(c)) !=
                                             std::string_view::npos;
    return t;
}();

constexpr bool is_atext(char c) noexcept { return atext_table[byte_of(c)]; }

bool is_stop(const token &t) noexcept
{
    return t.kind == tok::END ||
           (t.kind == tok::SPECIAL && std::string_view{",;:<>"}.find(t.special) != std::string_view::npos);
}

bool is_special(const token &t, char c) noexcept { return t.kind == tok::SPECIAL && t.special == c; }

/** Pull lexer over a header value; comments are skipped (RFC 5322 3.2.2). */
class lexer {
public:
    explicit lexer(std::string_view s) noexcept : s_{s} {}
    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
    void rewind(std::size_t p) noexcept { pos_ = p; }
    [[nodiscard]] bool saw_space() const noexcept { return saw_space_; }

    token next()
    {
        bool space = false;
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (is_fws(c)) {
                space = true;
                ++pos_;
            } else if (c == '(') {
                // Comments nest and hold quoted-pairs; depth is a counter, never recursion.
                std::size_t depth = 0;
                while (pos_ < s_.size()) {
                    const char d = s_[pos_++];
                    if (d == '\\') {
                        if (pos_ < s_.size())
                            ++pos_;
                    } else if (d == '(') {
                        ++depth;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                if (depth != 0)
                    return bad("unterminated comment", space);
                space = true;
            } else {
                break;
            }
        }
        saw_space_ = saw_space_ || space;
        if (pos_ >= s_.size())
            return token{tok::END, 0, {}, space};
        const char c = s_[pos_];
        if (c == '"')
            return quoted(space);
        if (c == '[')
            return literal(space);
        if (std::string_view{"<>@,:;."}.find(c) != std::string_view::npos) {
            ++pos_;
            return token{tok::SPECIAL, c, s_.substr(pos_ - 1, 1), space};
        }
        if (is_atext(c)) {
            const std::size_t start = pos_;
            while (pos_ < s_.size() && is_atext(s_[pos_]))
                ++pos_;
            return token{tok::ATOM, 0, s_.substr(start, pos_ - start), space};
        }
        ++pos_;
        if (c == '\0')
            return bad("NUL byte in address", space);
        if (is_ctl(c))
            return bad("control character in address", space);
        return bad("invalid character in address", space);
    }

private:
    static token bad(std::string_view why, bool space) noexcept { return token{tok::BAD, 0, why, space}; }

    token quoted(bool space)
    {
        const std::size_t start = ++pos_;
        for (;; ++pos_) {
            if (pos_ >= s_.size())
                return bad("unterminated quoted string", space);
            char c = s_[pos_];
            if (c == '"')
                break;
            if (c == '\\') {
                if (++pos_ >= s_.size())
                    return bad("unterminated quoted string", space);
                c = s_[pos_];
            }
            if (is_ctl(c) && !is_fws(c))
                return bad(c == '\0' ? "NUL byte in quoted string" : "control character in quoted string",
                           space);
        }
        const auto text = s_.substr(start, pos_ - start);
        ++pos_;
        return token{tok::QUOTED, 0, text, space};
    }

    token literal(bool space)
    {
        const std::size_t start = pos_++;
        while (pos_ < s_.size() && s_[pos_] != ']') {
            if (s_[pos_] == '[' || s_[pos_] == '\\')
                return bad("invalid domain literal", space);
            ++pos_;
        }
        if (pos_ >= s_.size())
            return bad("unterminated domain literal", space);
        ++pos_;
        return token{tok::LITERAL, 0, s_.substr(start, pos_ - start), space};
    }

    std::string_view s_;
    std::size_t pos_{0};
    bool saw_space_{false};
};

/** Quoted-string content with quoted-pairs resolved and folding CR/LF dropped. */
std::string unquote(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size())
            c = text[++i];
        else if (c == '\r' || c == '\n')
            continue;
        out.push_back(c);
    }
    return out;
}

bool valid_domain_label(std::string_view label) noexcept
{
    // LDH plus '_' (seen in real host names); 8-bit is a U-label, checked as UTF-8 later.
    for (char c : label)
        if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || byte_of(c) >= 0x80))
            return false;
    return true;
}

bool valid_domain_literal(std::string_view lit) noexcept
{
    // RFC 5322 3.4.1 dtext, without obs-dtext and without FWS inside
    if (lit.size() < 3)
        return false;
    for (char c : lit.substr(1, lit.size() - 2))
        if (byte_of(c) < 33 || byte_of(c) > 126)
            return false;
    return true;
}

struct spec_result {
    mailbox box;
    std::optional<std::string> error;
    bool no_at{false};   ///< a word list that never reached '@'
    token stop;          ///< the token that ended the addr-spec
};

/** addr-spec (RFC 5322 3.4.1, with obs-local-part and obs-domain CFWS) from `t` on. */
spec_result parse_addr_spec(lexer &lx, token t)
{
    spec_result r;
    bool last_word = false;
    for (;; t = lx.next()) {
        if (t.kind == tok::BAD) {
            r.error = std::string{t.text};
            return r;
        }
        if (is_stop(t)) {
            r.no_at = true;
            r.error = "address without @";
            r.stop = t;
            return r;
        }
        if (t.kind == tok::ATOM || t.kind == tok::QUOTED) {
            if (last_word) {
                r.error = "space in local part";
                return r;
            }
            if (t.kind == tok::ATOM)
                r.box.local_part += t.text;
            else
                r.box.local_part += unquote(t.text);
            last_word = true;
        } else if (is_special(t, '.')) {
            r.box.local_part.push_back('.');
            last_word = false;
        } else if (is_special(t, '@')) {
            break;
        } else {
            r.error = "invalid character in local part";
            return r;
        }
    }
    if (r.box.local_part.empty()) {
        r.error = "empty local part";
        return r;
    }
    if (!text::valid_utf8(r.box.local_part)) {
        r.error = "invalid UTF-8 in local part";
        return r;
    }

    t = lx.next();
    if (t.kind == tok::LITERAL) {
        if (!valid_domain_literal(t.text)) {
            r.error = "invalid domain literal";
            return r;
        }
        r.box.domain = std::string{t.text};
        t = lx.next();
        if (!is_stop(t)) {
            r.error = t.kind == tok::BAD ? std::string{t.text} : "text after domain literal";
            return r;
        }
        r.stop = t;
        return r;
    }
    std::string domain;
    bool expect_label = true;
    for (;; t = lx.next()) {
        if (t.kind == tok::BAD) {
            r.error = std::string{t.text};
            return r;
        }
        if (is_stop(t))
            break;
        if (t.kind == tok::ATOM) {
            if (!expect_label) {
                r.error = "space in domain";
                return r;
            }
            if (!valid_domain_label(t.text)) {
                r.error = "invalid character in domain";
                return r;
            }
            domain += t.text;
            expect_label = false;
        } else if (is_special(t, '.')) {
            if (expect_label) {
                r.error = domain.empty() ? "domain starts with a dot" : "empty label in domain";
                return r;
            }
            domain.push_back('.');
            expect_label = true;
        } else {
            r.error = is_special(t, '@') ? "more than one @ in address" : "invalid character in domain";
            return r;
        }
    }
    if (domain.empty()) {
        r.error = "empty domain";
        return r;
    }
    if (expect_label)  // RFC 1034 3.1: one trailing dot is an absolute name
        domain.pop_back();
    if (!text::valid_utf8(domain)) {
        r.error = "invalid UTF-8 in domain";
        return r;
    }
    r.box.domain = ascii::lower(domain);
    r.stop = t;
    return r;
}

/** A display name is for people; a longer phrase is still read, but cut, so a
 *  megabyte of it is never copied or decoded again by each caller. */
constexpr std::size_t max_display_name = 1024;

/** The display-name phrase: `count` tokens, joined as written (lenient: '.' and '@' allowed). */
std::string read_phrase(lexer &lx, std::size_t count)
{
    std::string out;
    for (std::size_t k = 0; k < count; ++k) {
        const token t = lx.next();
        if (out.size() >= max_display_name)
            continue;
        if (t.space_before && !out.empty())
            out.push_back(' ');
        const auto text = t.text.substr(0, max_display_name - out.size());
        if (t.kind == tok::QUOTED)
            out += unquote(text);
        else
            out += text;
    }
    return decode_encoded_words(out);
}

/** Skip an obs-route ("@a,@b:") after '<' (RFC 5322 4.4); it carries no identity. */
std::optional<std::string> skip_route(lexer &lx)
{
    for (;;) {
        const token t = lx.next();
        if (t.kind == tok::BAD)
            return std::string{t.text};
        if (is_special(t, ':'))
            return std::nullopt;
        if (t.kind == tok::END || t.kind == tok::QUOTED || is_special(t, '<') || is_special(t, '>') ||
            is_special(t, ';'))
            return std::string{"invalid route in angle address"};
    }
}

} // namespace

// ---------------------------------------------------------------- headers ---

std::vector<const header_field *> header_block::all(std::string_view name) const
{
    std::vector<const header_field *> out;
    for (const auto &f : fields)
        if (ascii::iequals(f.name, name))
            out.push_back(&f);
    return out;
}

std::size_t header_block::count(std::string_view name) const
{
    std::size_t n = 0;
    for (const auto &f : fields)
        if (ascii::iequals(f.name, name))
            ++n;
    return n;
}

namespace {

bool valid_field_name(std::string_view name) noexcept
{
    // RFC 5322 2.2 ftext: printable US-ASCII except ':' (whitespace is not allowed)
    if (name.empty())
        return false;
    for (char c : name)
        if (byte_of(c) < 33 || byte_of(c) > 126)
            return false;
    return true;
}

/** Append an unfolded segment, keeping `value` free of leading WSP and within the limit. */
void append_value(header_field &f, std::string_view segment, std::size_t max_bytes, bool &truncated)
{
    if (f.value.empty()) {
        std::size_t k = 0;
        while (k < segment.size() && is_wsp(segment[k]))
            ++k;
        segment.remove_prefix(k);
    }
    const std::size_t room = max_bytes > f.value.size() ? max_bytes - f.value.size() : 0;
    if (segment.size() > room) {
        segment = segment.substr(0, room);
        truncated = true;
    }
    f.value += segment;
}

} // namespace

result<header_block> parse_header_block(std::string_view message, const parse_limits &limits)
{
    if (message.empty())
        return fail(error_code::BAD_INPUT, "empty message");
    header_block hb;
    hb.body_offset = message.size();
    std::size_t pos = 0;
    if (message.starts_with("From ")) {  // mbox separator line
        const auto eol = message.find('\n');
        pos = eol == std::string_view::npos ? message.size() : eol + 1;
    }
    bool first = true;
    header_field *current = nullptr;  // the field continuation lines belong to, if kept
    while (pos < message.size()) {
        const auto eol = message.find('\n', pos);
        const std::size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
        std::size_t end = eol == std::string_view::npos ? message.size() : eol;
        if (end > pos && message[end - 1] == '\r')
            --end;
        const auto line = message.substr(pos, end - pos);
        const auto whole = message.substr(pos, next - pos);

        if (line.empty()) {
            if (first)
                return fail(error_code::BAD_INPUT, "message has no header");
            hb.body_offset = next;
            return hb;
        }
        if (is_wsp(line.front())) {
            // RFC 5322 2.2.3: unfolding removes the CRLF, keeps the WSP
            if (first)
                return fail(error_code::BAD_INPUT, "message starts with a continuation line");
            if (current) {
                current->raw += whole;
                append_value(*current, line, limits.max_header_bytes, hb.truncated);
            }
        } else {
            const auto colon = line.find(':');
            auto name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
            while (!name.empty() && is_wsp(name.back()))
                name.remove_suffix(1);
            if (colon == std::string_view::npos || !valid_field_name(name)) {
                if (first)
                    return fail(error_code::BAD_INPUT, "first line is not a header field");
                current = nullptr;
            } else if (hb.fields.size() >= limits.max_headers) {
                hb.truncated = true;
                current = nullptr;
            } else {
                header_field &f = hb.fields.emplace_back();
                f.name = std::string{name};
                f.raw = std::string{whole};
                append_value(f, line.substr(colon + 1), limits.max_header_bytes, hb.truncated);
                current = &f;
            }
        }
        first = false;
        pos = next;
    }
    if (first)
        return fail(error_code::BAD_INPUT, "message has no header");
    return hb;
}

// -------------------------------------------------------------- addresses ---

std::string decode_encoded_words(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    bool after_word = false;      // only whitespace since the last encoded word
    std::size_t word_end = 0;     // out.size() right after that word
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?') {
            if (auto w = decode_word_at(text, i)) {
                if (after_word)  // RFC 2047 6.2: whitespace between encoded words is dropped
                    out.resize(word_end);
                out += w->text;
                i = w->end;
                after_word = true;
                word_end = out.size();
                continue;
            }
        }
        if (!is_fws(text[i]))
            after_word = false;
        out.push_back(text[i]);
        ++i;
    }
    return text::sanitize_utf8(out);
}

result<std::vector<mailbox>> parse_address_list(std::string_view value, const parse_limits &limits)
{
    lexer lx{value};
    std::vector<mailbox> out;
    bool in_group = false;
    bool saw_group = false;
    bool skipped = false;  // an element without '@' (e.g. bare "undisclosed-recipients")

    auto push = [&](mailbox &&m) -> bool {
        if (out.size() >= limits.max_mailboxes)
            return false;
        out.push_back(std::move(m));
        return true;
    };

    for (;;) {
        // RFC 5322 3.4: the first of '<' (name-addr), ':' (group) or a separator
        // decides what the element is; it is then read again from its start.
        const std::size_t start = lx.pos();
        std::size_t words = 0;
        bool saw_at = false;
        token t = lx.next();
        for (; !is_stop(t); t = lx.next()) {
            if (t.kind == tok::BAD)
                return fail(error_code::BAD_INPUT, std::string{t.text});
            saw_at = saw_at || is_special(t, '@');
            ++words;
        }

        if (is_special(t, '>'))
            return fail(error_code::BAD_INPUT, "unexpected '>'");

        if (is_special(t, ':')) {
            if (in_group)
                return fail(error_code::BAD_INPUT, "nested group");
            in_group = true;  // the group's display name carries no identity
            saw_group = true;
            continue;
        }

        if (is_special(t, '<')) {
            lx.rewind(start);
            std::string display = read_phrase(lx, words);
            (void)lx.next();  // '<'
            token a = lx.next();
            if (is_special(a, '@')) {
                if (auto err = skip_route(lx))
                    return fail(error_code::BAD_INPUT, std::move(*err));
                a = lx.next();
            }
            auto spec = parse_addr_spec(lx, a);
            if (spec.error && !spec.no_at)
                return fail(error_code::BAD_INPUT, std::move(*spec.error));
            if (!is_special(spec.stop, '>'))
                return fail(error_code::BAD_INPUT, "unterminated angle address");
            // A second address after the angle-addr would make the identity ambiguous.
            t = lx.next();
            if (t.kind == tok::BAD)
                return fail(error_code::BAD_INPUT, std::string{t.text});
            if (!(t.kind == tok::END || is_special(t, ',') || is_special(t, ';')))
                return fail(error_code::BAD_INPUT, "text after angle address");
            if (spec.no_at) {
                skipped = true;
            } else {
                spec.box.display_name = std::move(display);
                if (!push(std::move(spec.box)))
                    return fail(error_code::BAD_INPUT, "too many mailboxes");
            }
        } else if (words > 0) {
            if (!saw_at) {
                skipped = true;
            } else {
                lx.rewind(start);
                auto spec = parse_addr_spec(lx, lx.next());
                if (spec.error)
                    return fail(error_code::BAD_INPUT, std::move(*spec.error));
                if (!push(std::move(spec.box)))
                    return fail(error_code::BAD_INPUT, "too many mailboxes");
                t = spec.stop;
            }
        }

        // ';' ends a group; outside one it is taken as a separator, as sloppy MUAs write it.
        if (is_special(t, ';'))
            in_group = false;
        if (t.kind == tok::END)
            break;
    }
    if (out.empty() && skipped && !saw_group)
        return fail(error_code::BAD_INPUT, "address without @");
    return out;
}

result<mailbox> parse_envelope_address(std::string_view value)
{
    while (!value.empty() && is_fws(value.front()))
        value.remove_prefix(1);
    while (!value.empty() && is_fws(value.back()))
        value.remove_suffix(1);
    if (!value.empty() && value.front() == '<') {
        if (value.size() < 2 || value.back() != '>')
            return fail(error_code::BAD_INPUT, "unbalanced angle bracket in envelope address");
        value = value.substr(1, value.size() - 2);
    } else if (value.find_first_of("<>") != std::string_view::npos) {
        return fail(error_code::BAD_INPUT, "unbalanced angle bracket in envelope address");
    }
    if (value.empty())
        return mailbox{};  // RFC 5321 4.5.5: the null reverse-path

    // RFC 5321 4.1.2 Mailbox: no comments and no whitespace outside quoted strings.
    lexer lx{value};
    token t = lx.next();
    if (is_special(t, '@')) {  // RFC 5321 4.1.2 A-d-l source route, to be ignored
        if (auto err = skip_route(lx))
            return fail(error_code::BAD_INPUT, std::move(*err));
        t = lx.next();
    }
    auto spec = parse_addr_spec(lx, t);
    if (spec.no_at)
        return fail(error_code::BAD_INPUT, "envelope address without @");
    if (spec.error)
        return fail(error_code::BAD_INPUT, std::move(*spec.error));
    if (spec.stop.kind != tok::END)
        return fail(error_code::BAD_INPUT, "text after envelope address");
    if (lx.saw_space())
        return fail(error_code::BAD_INPUT, "whitespace or comment in envelope address");
    return std::move(spec.box);
}

// ----------------------------------------------------------------- author ---

std::string_view to_string(from_status s) noexcept
{
    switch (s) {
    case from_status::SINGLE: return "single";
    case from_status::NONE: return "none";
    case from_status::MULTIPLE: return "multiple";
    case from_status::MALFORMED: return "malformed";
    }
    return "?";
}

from_identity author_identity(const header_block &headers)
{
    from_identity id;
    const auto froms = headers.all("From");
    // RFC 5322 3.6: exactly one From field; authweight never picks one of several.
    if (froms.size() > 1) {
        id.status = from_status::MULTIPLE;
        id.detail = std::to_string(froms.size()) + " From headers";
        return id;
    }
    // A block cut by a limit may hide a From, a second one, or the tail of this one.
    if (headers.truncated) {
        id.status = from_status::MALFORMED;
        id.detail = "header block truncated by a parse limit";
        return id;
    }
    if (froms.empty()) {
        id.status = from_status::NONE;
        id.detail = "no From header";
        return id;
    }
    auto list = parse_address_list(froms.front()->value);
    if (!list) {
        id.status = from_status::MALFORMED;
        id.detail = "From: " + list.error().message();
        return id;
    }
    if (list->empty()) {
        id.status = from_status::MALFORMED;
        id.detail = "From: no mailbox";
        return id;
    }
    if (list->size() > 1) {
        id.status = from_status::MULTIPLE;
        id.detail = std::to_string(list->size()) + " mailboxes in From";
        return id;
    }
    id.status = from_status::SINGLE;
    id.author = std::move(list->front());
    return id;
}

} // namespace authweight::core
