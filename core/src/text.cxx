#include "authweight/text.hxx"

#include <algorithm>
#include <cstring>

namespace authweight::core::text {

namespace {

constexpr unsigned char byte_of(char c) noexcept { return static_cast<unsigned char>(c); }
constexpr bool is_control(char c) noexcept { return byte_of(c) < 0x20 || byte_of(c) == 0x7f; }

} // namespace

std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t &consumed) noexcept
{
    const auto b0 = byte_of(s[i]);
    consumed = 1;
    if (b0 < 0x80)
        return 1;
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        lo = b0 == 0xE0 ? 0xA0 : lo; // overlong
        hi = b0 == 0xED ? 0x9F : hi; // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        lo = b0 == 0xF0 ? 0x90 : lo; // overlong
        hi = b0 == 0xF4 ? 0x8F : hi; // above U+10FFFF
    } else {
        return 0;
    }
    std::size_t k = 1;
    for (; k <= need && i + k < s.size(); ++k) {
        const auto b = byte_of(s[i + k]);
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            break;
    }
    consumed = k;
    return k == need + 1 ? k : 0;
}

std::size_t utf8_valid_prefix(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        if (byte_of(s[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t consumed = 0;
        const auto n = utf8_sequence(s, i, consumed);
        if (n == 0)
            break;
        i += n;
    }
    return i;
}

std::string sanitize_utf8(std::string_view s)
{
    static constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t used = 0;
        if (utf8_sequence(s, i, used) == 0)
            out += replacement;
        else
            out.append(s.substr(i, used));
        i += used;
    }
    return out;
}

std::size_t utf8_length(std::string_view s) noexcept
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
        std::size_t consumed = 0;
        (void)utf8_sequence(s, i, consumed);
        i += consumed;
    }
    return n;
}

std::size_t cut_point(std::string_view s, std::size_t cap) noexcept
{
    if (s.size() <= cap)
        return s.size();
    std::size_t n = cap;
    while (n > 0 && (byte_of(s[n]) & 0xC0U) == 0x80U)
        --n;
    return n;
}

std::size_t capped_into(std::string_view s, std::size_t cap, char control, char *out, std::size_t size) noexcept
{
    if (size < s.size() && size < cap + 3)
        cap = size < 3 ? 0 : size - 3; // room for "..."
    const std::size_t n = cut_point(s, cap);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = is_control(s[i]) ? control : s[i];
    if (n == s.size())
        return n;
    const std::size_t dots = std::min<std::size_t>(3, size - n);
    std::memcpy(out + n, "...", dots);
    return n + dots;
}

std::string capped(std::string_view s, std::size_t cap, char control)
{
    std::string out(s.size() <= cap ? s.size() : cap + 3, '\0');
    out.resize(capped_into(s, cap, control, out.data(), out.size()));
    return out;
}

} // namespace authweight::core::text
