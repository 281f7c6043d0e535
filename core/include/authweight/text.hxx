/**
 * @file text.hxx
 * @brief Untrusted text: the one UTF-8 validator and the one capper, for
 *        every place that checks text or puts text from a message, a
 *        config or the network into an error message, a log line or a
 *        symbol option.
 *
 * DESCRIPTION
 *   utf8_sequence() reads one UTF-8 sequence as RFC 3629 4 defines it (no
 *   overlong forms, no surrogates, nothing above U+10FFFF). capped() makes
 *   text safe for one line: control characters (C0 and DEL) are replaced
 *   and text longer than the cap is cut on a UTF-8 boundary and ends in
 *   "..." (STYLE.md §3: cap untrusted text).
 *
 * DIAGNOSTICS
 *   None: every function takes any bytes.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace authweight::core::text {

/**
 * The well-formed UTF-8 sequence at s[i].
 * @param consumed receives its length, or for an ill-formed one the
 *        length of its maximal ill-formed subpart (>= 1; Unicode 3.9 U+FFFD
 *        substitution replaces exactly that)
 * @return its length (1 to 4), or 0 when ill-formed; i must be < s.size()
 */
[[nodiscard]] std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t &consumed) noexcept;

/** @return the length of the longest prefix of s that is valid UTF-8 */
[[nodiscard]] std::size_t utf8_valid_prefix(std::string_view s) noexcept;

/** @return whether all of s is valid UTF-8 */
[[nodiscard]] inline bool valid_utf8(std::string_view s) noexcept { return utf8_valid_prefix(s) == s.size(); }

/** s with each ill-formed subpart replaced by U+FFFD (Unicode 3.9). */
[[nodiscard]] std::string sanitize_utf8(std::string_view s);

/** @return the code points in s, counting each ill-formed subpart as one */
[[nodiscard]] std::size_t utf8_length(std::string_view s) noexcept;

/** How long a cut of s to at most cap bytes may be without splitting a
 *  UTF-8 sequence (s.size() when it fits). */
[[nodiscard]] std::size_t cut_point(std::string_view s, std::size_t cap) noexcept;

/**
 * Untrusted text for one line: control characters become `control`, and
 * past `cap` bytes it is cut (cut_point()) and ends in "...".
 */
[[nodiscard]] std::string capped(std::string_view s, std::size_t cap = 100, char control = '?');

/** capped() into a caller's buffer of `size` bytes (no NUL is written);
 *  a buffer smaller than cap + 3 lowers the cap. @return the bytes written */
std::size_t capped_into(std::string_view s, std::size_t cap, char control, char *out, std::size_t size) noexcept;

} // namespace authweight::core::text
