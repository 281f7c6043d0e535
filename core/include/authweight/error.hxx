/**
 * @file error.hxx
 * @brief Operational errors of the authweight core.
 *
 * Authentication outcomes (fail, softfail, temperror ...) are values of
 * authweight::core::auth_result, never errors. An error is what stops the
 * core from producing an outcome at all: unreadable input, a bad config.
 * Functions that can fail return std::expected<T, error>; nothing throws.
 */
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace authweight::core {

/** Error codes, ordered so that is_fatal() is one comparison. */
enum class error_code : std::int8_t {
    OK = 0,
    NOT_FOUND,      ///< the thing looked for is absent (recoverable)
    BAD_INPUT,      ///< malformed message, address, IP or zone data
    BAD_CONFIG,     ///< configuration that does not match the schema
    LIMIT,          ///< a bound (size, count, rounds) was reached
    INTERNAL,       ///< a library failed in a way that is not the input's fault
};

/** A code plus a message that names what went wrong (owned string). */
class error {
public:
    error(error_code code, std::string message)
        : code_{code}, message_{std::move(message)} {}

    [[nodiscard]] error_code code() const noexcept { return code_; }
    [[nodiscard]] const std::string &message() const noexcept { return message_; }
    /** BAD_INPUT and above stop the current evaluation. */
    [[nodiscard]] bool is_fatal() const noexcept { return code_ >= error_code::BAD_INPUT; }
    bool operator==(const error &) const = default;

private:
    error_code code_;
    std::string message_;
};

template <typename T>
using result = std::expected<T, error>;

/** Shorthand for returning an error from a result-returning function. */
[[nodiscard]] inline std::unexpected<error> fail(error_code code, std::string message)
{
    return std::unexpected<error>{error{code, std::move(message)}};
}

} // namespace authweight::core
