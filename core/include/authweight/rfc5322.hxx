/**
 * @file rfc5322.hxx
 * @brief RFC 5322 header block and address parsing.
 *
 * The parser is written for hostile input: it never throws, bounds its
 * work, and reports an identity as clean only when there is exactly one
 * unambiguous mailbox. Domains are returned lower case without a trailing
 * dot but otherwise as written (U-labels stay U-labels); IDNA conversion is
 * the job of domain_services.
 *
 * DIAGNOSTICS: malformed input yields error_code::BAD_INPUT with a message
 * that says what was wrong; never a crash.
 */
#pragma once

#include "authweight/error.hxx"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** Bounds on parser work (hostile input). */
struct parse_limits {
    std::size_t max_headers = 10000;             ///< headers kept; more -> LIMIT flag
    std::size_t max_header_bytes = 1024 * 1024;  ///< one unfolded header; longer is truncated
    std::size_t max_mailboxes = 100;             ///< mailboxes per address list
};

/** One header field: name as written, value unfolded (CRLF WSP -> WSP), raw bytes kept. */
struct header_field {
    std::string name;       ///< as written, e.g. "From"
    std::string value;      ///< unfolded value without the leading space after ':'
    std::string raw;        ///< the field exactly as in the message, folding included
};

/** The header block of a message, in order. */
struct header_block {
    std::vector<header_field> fields;
    std::size_t body_offset{0};   ///< offset of the body in the message
    bool truncated{false};        ///< a limit cut the block short
    /** All fields named `name` (case-insensitive), in order. */
    [[nodiscard]] std::vector<const header_field *> all(std::string_view name) const;
    /** Number of fields named `name`. */
    [[nodiscard]] std::size_t count(std::string_view name) const;
};

/**
 * Split a message into header fields and body.
 * Accepts CRLF and bare LF line ends. Lines without a colon in the header
 * block (other than continuation lines) are skipped, not fatal.
 * @return the header block, or BAD_INPUT for a message with no header at all.
 */
[[nodiscard]] result<header_block> parse_header_block(std::string_view message,
                                                      const parse_limits &limits = {});

/** One mailbox. */
struct mailbox {
    std::string display_name;  ///< decoded (RFC 2047 encoded words), comments removed
    std::string local_part;    ///< as written, quotes removed, escapes resolved
    std::string domain;        ///< lower case, no trailing dot, U-labels kept
    [[nodiscard]] std::string address() const { return local_part + "@" + domain; }
};

/**
 * Parse an address list (From, Sender, Resent-*). Groups are flattened.
 * Comments, quoted strings, folding whitespace and encoded words in display
 * names are handled. An empty list is not an error.
 * @return the mailboxes, or BAD_INPUT when the syntax cannot be recovered.
 */
[[nodiscard]] result<std::vector<mailbox>> parse_address_list(std::string_view value,
                                                              const parse_limits &limits = {});

/** Parse an envelope address (MAIL FROM), with or without angle brackets.
 *  "" and "<>" give a mailbox with empty local_part and domain. */
[[nodiscard]] result<mailbox> parse_envelope_address(std::string_view value);

/** Decode RFC 2047 encoded words ("=?utf-8?B?...?=") in a header text.
 *  Unknown charsets are left encoded; invalid UTF-8 is replaced by U+FFFD. */
[[nodiscard]] std::string decode_encoded_words(std::string_view text);

/** How clean the author identity (RFC 5322 From) is. */
enum class from_status : std::uint8_t {
    SINGLE,      ///< exactly one From header with exactly one mailbox
    NONE,        ///< no From header
    MULTIPLE,    ///< several From headers, or several mailboxes in one
    MALFORMED,   ///< a From header that does not parse
};

[[nodiscard]] std::string_view to_string(from_status s) noexcept;

/** The author identity: only `status == SINGLE` may earn any bonus. */
struct from_identity {
    from_status status{from_status::NONE};
    mailbox author;            ///< valid when status == SINGLE
    std::string detail;        ///< why it is not SINGLE, for the reason line
};

/** Derive the author identity from the header block (RFC 5322 3.6.2, 3.6). */
[[nodiscard]] from_identity author_identity(const header_block &headers);

} // namespace authweight::core
