/**
 * @file spf_record.hxx
 * @brief SPF records (RFC 7208): selection, the section 12 ABNF, and macro
 *        expansion (section 7). Pure: no DNS, no libspf2.
 *
 * The adapter (core/adapters/libspf2_eval) validates every record with
 * parse_spf_record() before libspf2 sees it, because libspf2 1.2.10 accepts
 * many records the ABNF makes a permerror. It then expands the macros itself
 * (expand_spf_macros) and hands libspf2 a macro-free record, so libspf2's
 * own expander, which garbles exp= text, never runs.
 *
 * DIAGNOSTICS: every syntax error is error_code::BAD_INPUT with a message
 * naming the term (cut to 100 characters); the caller maps it to permerror.
 */
#pragma once

#include "authweight/error.hxx"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** A directive's qualifier (RFC 7208 4.6.2). */
enum class spf_qualifier : std::uint8_t {
    PASS,      ///< "+" or none
    FAIL,      ///< "-"
    SOFTFAIL,  ///< "~"
    NEUTRAL,   ///< "?"
};

/** The mechanisms of RFC 7208 5. */
enum class spf_mechanism : std::uint8_t {
    ALL,       ///< all
    INCLUDE,   ///< include:domain-spec
    A,         ///< a[:domain-spec][dual-cidr]
    MX,        ///< mx[:domain-spec][dual-cidr]
    PTR,       ///< ptr[:domain-spec]
    IP4,       ///< ip4:network[/len]
    IP6,       ///< ip6:network[/len]
    EXISTS,    ///< exists:domain-spec
};

/** One directive. */
struct spf_term {
    spf_mechanism mechanism{spf_mechanism::ALL};
    spf_qualifier qualifier{spf_qualifier::PASS};
    std::string domain_spec;                ///< macro-string as written; empty = the current domain
    int cidr4{-1};                          ///< a, mx, ip4: prefix length; -1 = not given (32)
    int cidr6{-1};                          ///< a, mx, ip6: prefix length; -1 = not given (128)
    std::array<std::uint8_t, 16> network{}; ///< ip4 (first 4 bytes) or ip6 network address

    /** RFC 7208 4.6.4: include, a, mx, ptr and exists query DNS. */
    [[nodiscard]] bool queries_dns() const noexcept;
};

/** A parsed, valid record. */
struct spf_record {
    std::vector<spf_term> terms;              ///< directives in order
    std::optional<std::string> redirect;      ///< redirect= domain-spec
    std::optional<std::string> explanation;   ///< exp= domain-spec
};

/** Bounds on hostile input. */
inline constexpr std::size_t spf_max_record_length = 16 * 1024;

/**
 * Parse and validate a record against the ABNF of RFC 7208 section 12.
 * `text` is the whole record including its version tag, which may be
 * "v=spf1" or a Sender ID tag "spf2.0/scopes" (RFC 4406 3); only the terms
 * after the tag are checked here. The record must be 7-bit printable ASCII
 * (RFC 7208 3.1 and the ABNF's VCHAR/SP). Known modifiers must be valid and
 * appear at most once (RFC 7208 6); unknown modifiers need a valid
 * macro-string and are dropped.
 * @return the record, or BAD_INPUT naming the first offending term.
 */
[[nodiscard]] result<spf_record> parse_spf_record(std::string_view text);

/** RFC 7208 4.5: the string begins with "v=spf1" (any case) then SP or end. */
[[nodiscard]] bool is_spf1_record(std::string_view txt) noexcept;

/** Outcome of choosing the one record a domain publishes. */
struct spf_selection {
    enum class status : std::uint8_t {
        NONE,      ///< no record of the wanted kind: result none
        ONE,       ///< exactly one; `index` names it
        MULTIPLE,  ///< more than one: permerror (RFC 7208 4.5)
    };
    status state{status::NONE};
    std::size_t index{0};
};

/** RFC 7208 4.5: pick the v=spf1 record among a name's TXT strings. */
[[nodiscard]] spf_selection select_spf_record(const std::vector<std::string> &txt);

/**
 * Where a macro string is used: the letters c, r and t are allowed only in
 * explanation text (RFC 7208 7.1), and explanation text may hold spaces.
 */
enum class spf_macro_use : std::uint8_t {
    DOMAIN_SPEC,  ///< a mechanism's, redirect='s or exp='s domain-spec
    MODIFIER,     ///< an unknown modifier's value (never expanded, any letter)
    EXPLANATION,  ///< the TXT text exp= points at (explain-string)
};

/** Supplies %{p}: the validated domain name of the client (RFC 7208 7.3). */
class spf_ptr_source {
public:
    virtual ~spf_ptr_source() = default;
    /** @return the validated name to use while evaluating `domain`, or "unknown". */
    [[nodiscard]] virtual std::string validated_name(std::string_view domain) = 0;
};

/** The values macros expand to (RFC 7208 7.2). */
struct spf_macro_values {
    std::string_view sender;        ///< s: local-part@domain
    std::string_view local_part;    ///< l
    std::string_view sender_domain; ///< o
    std::string_view domain;        ///< d: the current domain
    std::string_view ip_dotted;     ///< i: dotted quad, or 32 dot-separated nibbles for IPv6
    std::string_view ip_pretty;     ///< c: dotted quad, or RFC 5952 text for IPv6
    std::string_view ip_version;    ///< v: "in-addr" or "ip6"
    std::string_view helo;          ///< h
    std::string_view receiver;      ///< r
    std::string_view timestamp;     ///< t: seconds since the epoch, as text
    spf_ptr_source *ptr{nullptr};   ///< p; nullptr expands to "unknown"
};

/**
 * Check that `text` is a valid macro-string (or explain-string) for `use`.
 * @return BAD_INPUT naming the bad "%" sequence or character.
 */
[[nodiscard]] result<void> check_spf_macro_string(std::string_view text, spf_macro_use use);

/**
 * Expand the macros of a macro-string (RFC 7208 7.3): transformers, reversal,
 * delimiters, URL escaping of upper-case letters, "%%", "%_" and "%-".
 * For DOMAIN_SPEC the result is also cut to 253 characters from the left,
 * label by label (RFC 7208 7.3), and a trailing dot is dropped.
 * @return the expansion, or BAD_INPUT for invalid syntax.
 */
[[nodiscard]] result<std::string> expand_spf_macros(std::string_view text, const spf_macro_values &values,
                                                    spf_macro_use use);

/** Does the domain-spec hold a macro ("%{")? Literal specs need no expansion. */
[[nodiscard]] bool spf_has_macros(std::string_view domain_spec) noexcept;

/**
 * Can `name` be sent as a DNS query: 1 to 253 characters once a trailing dot
 * is dropped, every label 1 to 63 characters? Names that cannot are answered
 * as non-existent without a query (RFC 7208 4.3 and 4.8).
 */
[[nodiscard]] bool spf_queryable_name(std::string_view name) noexcept;

/**
 * RFC 7208 4.3: is `domain` usable as the <domain> of check_host()?
 * It must be queryable and hold at least two labels (fully qualified);
 * domain literals ("[192.0.2.1]") are not.
 */
[[nodiscard]] bool spf_valid_identity_domain(std::string_view domain) noexcept;

} // namespace authweight::core
