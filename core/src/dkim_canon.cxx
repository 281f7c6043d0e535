#include "authweight/dkim_canon.hxx"

#include "authweight/ascii.hxx"

#include <bit>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstdint>
#include <cstring>
#include <unordered_map>

namespace authweight::core {

namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;

/** 0x80 in every byte of `w` equal to `c`, 0 elsewhere (exact, no carries
 *  between bytes). */
constexpr std::uint64_t bytes_equal(std::uint64_t w, char c) noexcept
{
    const std::uint64_t v = w ^ (ones * static_cast<unsigned char>(c));
    return ~(((v & low7) + low7) | v | low7);
}

/** Relaxed body canonicalization (RFC 6376 3.4.4) of the whole body into
 *  `out`, which has room for 2 * n + 2 bytes; returns the output size.
 *  Eight bytes at a time while they hold no line end, no tab and no two
 *  adjacent spaces, which is most of any text. */
std::size_t relax_body(const char *p, std::size_t n, char *out) noexcept
{
    char *w = out;
    char *line_start = out;
    std::size_t committed = 0;  // output size after the last non-empty line
    bool prev_space = false;    // the last input byte was WSP
    std::size_t i = 0;
    while (i < n) {
#if defined(__SSE2__)
        // Sixteen bytes at a time where SSE2 is there (every x86-64), up to
        // the first CR or LF, which the byte loop below handles.
        if (i + 16 <= n) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
            const auto mask = [&](char c) {
                return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c))));
            };
            const unsigned eol = mask('\r') | mask('\n');
            const int lim = eol == 0 ? 16 : std::countr_zero(eol);
            if (lim > 0) {
                const __m128i tabs = _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'));
                const unsigned ws = mask(' ') | static_cast<unsigned>(_mm_movemask_epi8(tabs));
                const unsigned in_range = lim == 16 ? 0xFFFFU : (1U << lim) - 1U;
                // A byte is dropped when it and the one before are WSP.
                unsigned drop = ws & ((ws << 1) | (prev_space ? 1U : 0U)) & in_range;
                // Tabs become spaces; the runs between dropped bytes are
                // stored sixteen bytes at a time into room the output has
                // to spare, and only their length is kept.
                alignas(16) char block[32] = {};
                _mm_store_si128(reinterpret_cast<__m128i *>(block),
                                _mm_or_si128(_mm_andnot_si128(tabs, v), _mm_and_si128(tabs, _mm_set1_epi8(' '))));
                int start = 0;
                while (drop != 0) {
                    const int j = std::countr_zero(drop);
                    _mm_storeu_si128(reinterpret_cast<__m128i *>(w),
                                     _mm_loadu_si128(reinterpret_cast<const __m128i *>(block + start)));
                    w += j - start;
                    start = j + 1;
                    drop &= drop - 1;
                }
                _mm_storeu_si128(reinterpret_cast<__m128i *>(w),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i *>(block + start)));
                w += lim - start;
                prev_space = ((ws >> (lim - 1)) & 1U) != 0;
                i += static_cast<std::size_t>(lim);
                continue;
            }
        }
#endif
        if (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, p + i, 8);
            const std::uint64_t sp = bytes_equal(word, ' ');
            // Bytes that need care: line ends, tabs, a space after a space.
            std::uint64_t bad = bytes_equal(word, '\t') | bytes_equal(word, '\r') | bytes_equal(word, '\n') |
                                (sp & (sp << 8));
            if (prev_space)
                bad |= sp & 0x80;
            // The bytes before the first one that needs care go as they are.
            const int k = bad == 0 ? 8 : std::countr_zero(bad) / 8;
            if (k > 0) {
                std::memcpy(w, p + i, 8);
                w += k;
                i += static_cast<std::size_t>(k);
                prev_space = ((sp >> (8 * k - 1)) & 1) != 0;
                continue;
            }
        }
        const char c = p[i];
        if (is_wsp(c)) {
            // The whole run at once; it leaves one SP (already written when
            // the run began in the eight-byte path).
            while (i < n && is_wsp(p[i]))
                ++i;
            if (!prev_space)
                *w++ = ' ';
            prev_space = true;
            continue;
        }
        if (c == '\n' || (c == '\r' && i + 1 < n && p[i + 1] == '\n')) {
            if (prev_space)
                --w;  // WSP at the end of a line goes; a run left one SP
            const bool empty = w == line_start;
            *w++ = '\r';
            *w++ = '\n';
            if (!empty)
                committed = static_cast<std::size_t>(w - out);
            line_start = w;
            prev_space = false;
            i += c == '\r' ? 2 : 1;
            continue;
        }
        *w++ = c;
        prev_space = false;
        ++i;
    }
    // A last line without CRLF gets one, unless it is empty.
    if (prev_space)
        --w;
    if (w > line_start) {
        *w++ = '\r';
        *w++ = '\n';
        committed = static_cast<std::size_t>(w - out);
    }
    return committed;
}

} // namespace

std::string_view canonical_body(std::string_view raw, dkim_canon canon, std::string &scratch)
{
    // An empty view may have no data pointer, which memchr must not get.
    if (raw.empty())
        raw = std::string_view{""};
    const char *const base = raw.data();
    const std::size_t n = raw.size();
    if (canon == dkim_canon::SIMPLE) {
        // Simple keeps every byte; only trailing empty lines go, and a
        // missing final CRLF is added (RFC 6376 3.4.3). With CRLF line ends
        // throughout, the result is a prefix of the input.
        bool crlf_only = true;
        for (const char *p = base; (p = static_cast<const char *>(std::memchr(p, '\n', base + n - p))) != nullptr; ++p)
            if (p == base || p[-1] != '\r') {
                crlf_only = false;
                break;
            }
        if (crlf_only) {
            std::size_t end = n;
            while (end >= 2 && base[end - 2] == '\r' && base[end - 1] == '\n') {
                // Drop this CRLF only when it ends an empty line.
                if (end == 2 || (end >= 4 && base[end - 4] == '\r' && base[end - 3] == '\n'))
                    end -= 2;
                else
                    break;
            }
            if (end == 0)
                return "\r\n";
            if (end >= 2 && base[end - 2] == '\r' && base[end - 1] == '\n')
                return raw.substr(0, end);
            scratch.assign(base, end);
            scratch += "\r\n";
            return scratch;
        }
    }
    // Each LF may become CRLF: at most twice the input, plus a final CRLF.
    if (canon == dkim_canon::RELAXED) {
        scratch.resize_and_overwrite(2 * n + 2, [&](char *out, std::size_t) { return relax_body(base, n, out); });
        return scratch;
    }
    scratch.resize(2 * n + 2);
    char *const out = scratch.data();
    char *w = out;
    std::size_t committed = 0;  // output size after the last non-empty line
    std::size_t pos = 0;
    while (pos < n) {
        const auto *nl = static_cast<const char *>(std::memchr(base + pos, '\n', n - pos));
        const std::size_t line_end = nl != nullptr ? static_cast<std::size_t>(nl - base) : n;
        std::size_t content_end = line_end;
        if (nl != nullptr && content_end > pos && base[content_end - 1] == '\r')
            --content_end;
        std::memcpy(w, base + pos, content_end - pos);
        w += content_end - pos;
        const bool empty = content_end == pos;
        *w++ = '\r';
        *w++ = '\n';
        if (!empty)
            committed = static_cast<std::size_t>(w - out);
        pos = nl != nullptr ? line_end + 1 : n;
    }
    if (committed == 0) {
        scratch.assign("\r\n");
        return scratch;
    }
    scratch.resize(committed);
    return scratch;
}

void append_canonical_header(std::string &out, std::string_view raw, dkim_canon canon, bool crlf)
{
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r'))
        raw.remove_suffix(1);
    if (canon == dkim_canon::SIMPLE) {
        // RFC 6376 3.4.1: no change at all; line ends are CRLF on the wire.
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
                out += '\r';
            out += raw[i];
        }
        if (crlf)
            out += "\r\n";
        return;
    }
    // RFC 6376 3.4.2: lower-case name, unfold, WSP runs to one SP, no WSP
    // at the end of the value or around the colon.
    auto colon = raw.find(':');
    auto name = raw.substr(0, colon);
    while (!name.empty() && is_wsp(name.back()))
        name.remove_suffix(1);
    for (char c : name)
        out += ascii::to_lower(c);
    out += ':';
    if (colon != std::string_view::npos) {
        auto value = raw.substr(colon + 1);
        const std::size_t start = out.size();
        bool pending = false;
        for (std::size_t i = 0; i < value.size(); ++i) {
            const char c = value[i];
            // Unfolding removes a CRLF (or LF) that precedes WSP; any other
            // line break cannot be in a parsed field.
            if (c == '\n' || (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n'))
                continue;
            if (is_wsp(c)) {
                pending = true;
                continue;
            }
            if (pending && out.size() > start)
                out += ' ';
            pending = false;
            out += c;
        }
    }
    if (crlf)
        out += "\r\n";
}

std::vector<const header_field *> select_signed_fields(const header_block &headers,
                                                       const std::vector<std::string> &signed_names,
                                                       const header_field *signature)
{
    // The instances of each name h= lists, top down, from one pass over the
    // header block: linear in the fields plus the names, however many both.
    std::unordered_map<std::string, std::vector<const header_field *>> instances;
    for (const auto &name : signed_names)
        instances.try_emplace(ascii::lower(name));
    for (const auto &f : headers.fields) {
        if (&f == signature)
            continue;
        if (auto it = instances.find(ascii::lower(f.name)); it != instances.end())
            it->second.push_back(&f);
    }
    std::vector<const header_field *> out;
    out.reserve(signed_names.size());
    for (const auto &name : signed_names) {
        auto &left = instances[ascii::lower(name)];
        if (left.empty())
            continue;
        out.push_back(left.back());
        left.pop_back();
    }
    return out;
}

std::string without_b_value(std::string_view raw_field)
{
    std::string out;
    out.reserve(raw_field.size());
    auto colon = raw_field.find(':');
    if (colon == std::string_view::npos)
        return std::string(raw_field);
    out.append(raw_field.substr(0, colon + 1));
    std::string_view rest = raw_field.substr(colon + 1);
    while (true) {
        auto semi = rest.find(';');
        auto spec = rest.substr(0, semi);
        auto eq = spec.find('=');
        bool is_b = false;
        if (eq != std::string_view::npos) {
            auto name = spec.substr(0, eq);
            std::size_t a = 0, z = name.size();
            while (a < z && (is_wsp(name[a]) || name[a] == '\r' || name[a] == '\n'))
                ++a;
            while (z > a && (is_wsp(name[z - 1]) || name[z - 1] == '\r' || name[z - 1] == '\n'))
                --z;
            is_b = name.substr(a, z - a) == "b";
        }
        if (is_b) {
            out.append(spec.substr(0, eq + 1));
            // A final line end after the value belongs to the field, not b=.
            if (semi == std::string_view::npos) {
                auto tail = spec.substr(eq + 1);
                std::size_t k = tail.size();
                while (k > 0 && (tail[k - 1] == '\n' || tail[k - 1] == '\r'))
                    --k;
                out.append(tail.substr(k));
            }
        } else {
            out.append(spec);
        }
        if (semi == std::string_view::npos)
            break;
        out += ';';
        rest = rest.substr(semi + 1);
    }
    return out;
}

std::string signed_header_data(const header_block &headers, const header_field &signature_field,
                               const dkim_signature &sig)
{
    std::string data;
    data.reserve(1024);
    for (const auto *f : select_signed_fields(headers, sig.signed_headers, &signature_field))
        append_canonical_header(data, f->raw, sig.header_canon, true);
    append_canonical_header(data, without_b_value(signature_field.raw), sig.header_canon, false);
    return data;
}

} // namespace authweight::core
