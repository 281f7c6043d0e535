// Helpers shared by the libFuzzer targets (tests/fuzz.sh builds and runs them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::fuzz {

inline std::string_view as_text(const std::uint8_t *data, std::size_t size) noexcept
{
    return {reinterpret_cast<const char *>(data), size};
}

/** Lines of the input: how a target feeds several TXT strings or tags at once. */
inline std::vector<std::string> split_lines(std::string_view in, std::size_t max = 16)
{
    std::vector<std::string> out;
    while (out.size() < max) {
        auto nl = in.find('\n');
        out.emplace_back(in.substr(0, nl));
        if (nl == std::string_view::npos)
            break;
        in.remove_prefix(nl + 1);
    }
    return out;
}

/** A documented property that does not hold is a finding, like a crash. */
inline void require(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "property violated: %s\n", what);
        std::abort();
    }
}

} // namespace authweight::fuzz

namespace authweight::fuzz {

/** RFC 3629 well-formedness, written independently of the parsers' own check. */
inline bool valid_utf8(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (b < 0x80) {
            ++i;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            n = 1;
            cp = b & 0x1FU;
        } else if (b >= 0xE0 && b <= 0xEF) {
            n = 2;
            cp = b & 0x0FU;
        } else if (b >= 0xF0 && b <= 0xF4) {
            n = 3;
            cp = b & 0x07U;
        } else {
            return false;
        }
        if (i + n >= s.size())
            return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0U) != 0x80U)
                return false;
            cp = (cp << 6) | (c & 0x3FU);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += n + 1;
    }
    return true;
}

/** Lower case ASCII, no trailing dot: how the parsers promise to return
 *  domains. Domain literals ("[192.0.2.1]") are kept as written. */
inline bool normalised_domain(std::string_view d) noexcept
{
    if (!d.empty() && d.front() == '[')
        return true;
    for (char c : d)
        if (c >= 'A' && c <= 'Z')
            return false;
    return d.empty() || d.back() != '.';
}

/** Lower case ASCII. */
inline bool lower_case(std::string_view d) noexcept
{
    for (char c : d)
        if (c >= 'A' && c <= 'Z')
            return false;
    return true;
}

} // namespace authweight::fuzz
