/**
 * @file ascii.hxx
 * @brief Locale-free ASCII case folding, blank tests and trimming.
 *
 * The protocol text the core reads (DNS names, header names, RFC 2047
 * encodings, TLS version and cipher names, config entries) is case-blind in
 * ASCII only: RFC 5322 2.2 field names, RFC 1035 2.3.3 label comparison,
 * RFC 5321 2.4 domains. <cctype> and std::tolower depend on the C locale and
 * take an int that a negative char makes undefined, so these helpers exist
 * instead. Every one of them is ASCII only: a byte >= 0x80 (a UTF-8 lead or
 * continuation byte) is never changed, never folded and never a space, so
 * UTF-8 text passes through intact. None of them allocates except lower()
 * and upper(), and none throws except by std::bad_alloc from those two.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace authweight::core::ascii {

/**
 * Lower-case one ASCII letter.
 * @param c any byte
 * @return 'a'..'z' for 'A'..'Z'; every other byte, including >= 0x80, as is
 */
[[nodiscard]] constexpr char to_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/**
 * Upper-case one ASCII letter.
 * @param c any byte
 * @return 'A'..'Z' for 'a'..'z'; every other byte, including >= 0x80, as is
 */
[[nodiscard]] constexpr char to_upper(char c) noexcept
{
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

/** The value of a hexadecimal digit (either case), or -1. */
[[nodiscard]] constexpr int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/**
 * ASCII white space, the set of the "C" locale's isspace().
 * @param c any byte
 * @return true for SP, HT, CR, LF, FF and VT; false for everything else,
 *         including NUL and bytes >= 0x80 (so no NBSP or other Unicode space)
 */
[[nodiscard]] constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/** An ASCII letter or digit; false for every byte >= 0x80. */
[[nodiscard]] constexpr bool is_alnum(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/**
 * Lower-cased copy.
 * @param s any bytes
 * @return s with 'A'..'Z' lowered, same length; other bytes unchanged
 */
[[nodiscard]] inline std::string lower(std::string_view s)
{
    std::string out{s};
    for (char &c : out)
        c = to_lower(c);
    return out;
}

/**
 * Upper-cased copy.
 * @param s any bytes
 * @return s with 'a'..'z' raised, same length; other bytes unchanged
 */
[[nodiscard]] inline std::string upper(std::string_view s)
{
    std::string out{s};
    for (char &c : out)
        c = to_upper(c);
    return out;
}

/**
 * Lower-case a string where it is, without allocating.
 * @param s modified: 'A'..'Z' lowered, other bytes and the length unchanged
 */
inline void lower_in_place(std::string &s) noexcept
{
    for (char &c : s)
        c = to_lower(c);
}

/**
 * ASCII case-insensitive equality.
 * @param a,b any bytes
 * @return true when both have the same length and every byte pair is equal
 *         after to_lower(); bytes >= 0x80 must match exactly
 */
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i]))
            return false;
    return true;
}

/**
 * ASCII case-insensitive prefix test.
 * @param s      the text
 * @param prefix what s must begin with; an empty prefix always matches
 * @return true when s is at least as long as prefix and its first
 *         prefix.size() bytes iequals() prefix
 */
[[nodiscard]] constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/**
 * ASCII case-insensitive substring test.
 * @param s      the text
 * @param needle what s must contain; an empty needle always matches
 * @return true when some needle.size() bytes of s iequals() needle
 */
[[nodiscard]] constexpr bool icontains(std::string_view s, std::string_view needle) noexcept
{
    for (std::size_t i = 0; i + needle.size() <= s.size(); ++i)
        if (iequals(s.substr(i, needle.size()), needle))
            return true;
    return false;
}

/**
 * Strip is_space() bytes from both ends.
 * @param s any bytes
 * @return a view into s without leading or trailing SP, HT, CR, LF, FF, VT;
 *         empty when s is empty or all space. Inner bytes are untouched.
 */
[[nodiscard]] constexpr std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

} // namespace authweight::core::ascii
