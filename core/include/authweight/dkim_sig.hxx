/**
 * @file dkim_sig.hxx
 * @brief DKIM-Signature header fields and DKIM key records (RFC 6376 3.2,
 *        3.5, 3.6.1; RFC 8463), parsed without I/O.
 *
 * libopendkim does the cryptography. These parsers exist for what must be
 * known before or beside it: the d= and s= of every signature, so that one
 * DNS round fetches all keys (prefetch); the h= list, l= and a= for the
 * policy checks libopendkim does not make (RFC 8301 algorithms, a From
 * added after signing, unsigned content after l=); and the key record,
 * to pick one TXT record among several.
 *
 * DIAGNOSTICS: malformed input yields error_code::BAD_INPUT with a message
 * naming the tag; never a crash. All work is linear in the input size.
 */
#pragma once

#include "authweight/error.hxx"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** One tag=value pair of a tag list (RFC 6376 3.2). */
struct dkim_tag {
    std::string name;    ///< case as written (tag names are case-sensitive)
    std::string value;   ///< surrounding whitespace removed, inner folding kept
};

/**
 * Parse a tag list: tag-spec *( ";" tag-spec ) [ ";" ].
 * @return the tags in order; BAD_INPUT for a tag without '=', an invalid tag
 *         name, or a duplicate tag (RFC 6376 3.2: the whole list is invalid).
 */
[[nodiscard]] result<std::vector<dkim_tag>> parse_tag_list(std::string_view text);

/** A tag value with folding whitespace trimmed at both ends (RFC 6376 3.2). */
[[nodiscard]] std::string_view tag_value_trimmed(std::string_view value) noexcept;

/** A tag value with all folding whitespace removed (b=, bh=: folded base64). */
[[nodiscard]] std::string tag_value_unfolded(std::string_view value);

/** A d= value as the parsers keep it: trimmed, lower case, one trailing dot dropped. */
[[nodiscard]] std::string tag_domain(std::string_view value);

/** Most field names h= may list; more is a broken signature (hostile input). */
inline constexpr std::size_t max_signed_fields = 256;

/** Canonicalization algorithm (RFC 6376 3.4). */
enum class dkim_canon : std::uint8_t { SIMPLE, RELAXED };

/** What a DKIM-Signature says. Tags that are absent keep their defaults. */
struct dkim_signature {
    std::string version;                 ///< v=, must be "1"
    std::string algorithm;               ///< a=, lower case, e.g. "rsa-sha256"
    std::string domain;                  ///< d=, lower case, no trailing dot
    std::string selector;                ///< s=, lower case
    std::vector<std::string> signed_headers; ///< h=, lower case, in order, repeats kept
    std::string identity;                ///< i=, as written; "@" + d= when absent
    dkim_canon header_canon{dkim_canon::SIMPLE};  ///< c= before '/'
    dkim_canon body_canon{dkim_canon::SIMPLE};    ///< c= after '/'; simple when absent
    std::optional<std::uint64_t> body_length;     ///< l=; values too large saturate
    std::optional<std::uint64_t> timestamp;       ///< t=
    std::optional<std::uint64_t> expiration;      ///< x=
    std::string body_hash;               ///< bh=, whitespace removed
    std::string signature;               ///< b=, whitespace removed
    /** How many times `name` (case-insensitive) appears in h=. */
    [[nodiscard]] std::size_t signed_count(std::string_view name) const;
};

/** The d= and s= of a signature whatever else is wrong with it; empty
 *  strings when the tag list cannot be read or a tag is absent. Used to
 *  prefetch keys: fetching one key too many costs less than a round. */
struct dkim_key_locator {
    std::string domain;     ///< lower case
    std::string selector;   ///< lower case
};
[[nodiscard]] dkim_key_locator locate_dkim_key(std::string_view header_value);

/**
 * Parse and check a DKIM-Signature header value (RFC 6376 3.5): required
 * tags v, a, b, bh, d, h, s; v=1; h= contains From (5.4); i= within d=
 * (3.5 i=); x= after t=; c= and l= well formed. The algorithm is NOT
 * judged here (rsa-sha1 parses; see acceptable_algorithm).
 * @return the signature, or BAD_INPUT naming the first problem.
 */
[[nodiscard]] result<dkim_signature> parse_dkim_signature(std::string_view header_value);

/** The DNS name of the key: "<s>._domainkey.<d>" (RFC 6376 3.6.2.1).
 *  @return BAD_INPUT when d= or s= is not a usable DNS name (empty labels,
 *          characters outside LDH and '_', a name over 253 octets). */
[[nodiscard]] result<std::string> dkim_key_name(std::string_view selector, std::string_view domain);

/** Algorithms that may pass: rsa-sha256 and ed25519-sha256. rsa-sha1 never
 *  counts (RFC 8301 3.1), nor does anything unknown. */
[[nodiscard]] bool acceptable_algorithm(std::string_view algorithm) noexcept;

/** A DKIM key record (RFC 6376 3.6.1, RFC 8463 4). */
struct dkim_key {
    std::string key_type{"rsa"};          ///< k=, lower case
    std::vector<std::string> hashes;      ///< h=, empty = any
    std::vector<std::string> services{"*"}; ///< s=
    std::vector<std::string> flags;       ///< t=, e.g. "y", "s"
    std::string public_key;               ///< p=, base64 with whitespace removed
    [[nodiscard]] bool revoked() const noexcept { return public_key.empty(); }
    [[nodiscard]] bool testing() const noexcept;       ///< t=y
    [[nodiscard]] bool strict_subdomains() const noexcept; ///< t=s
};

/**
 * Parse a key record. v=, when present, must be the first tag and "DKIM1";
 * p= is required (empty = revoked).
 * @return the key, or BAD_INPUT naming the problem.
 */
[[nodiscard]] result<dkim_key> parse_dkim_key(std::string_view txt);

/**
 * Choose the key record among the TXT records of a key name: the first one
 * that parses as a key. RFC 6376 3.6.2.2 lets a verifier pick one.
 * @return its index, or nullopt when none parses.
 */
[[nodiscard]] std::optional<std::size_t> select_dkim_key_record(const std::vector<std::string> &records);

/**
 * Length of the canonicalized body (RFC 6376 3.4.3, 3.4.4), for comparing
 * with l=; see canonical_body in dkim_canon.hxx.
 */
[[nodiscard]] std::uint64_t canonical_body_length(std::string_view body, dkim_canon canon);

/**
 * The largest RSA key authweight verifies with (RFC 8301 3.2: verifiers
 * must handle 1024 to 4096 bits and may refuse larger). One limit for both
 * verifiers: libopendkim's key buffer (1,024 bytes) holds a 4096-bit key
 * record and not an 8192-bit one.
 */
inline constexpr unsigned max_rsa_key_bits = 4096;

/**
 * What a verified DKIM pass proves about the visible message (principle 3):
 * none of it for a testing key (t=y, RFC 6376 3.6.1), and no alignment
 * credit when the message has more From fields than h= covers (one added
 * after signing) or l= leaves canonicalized body bytes unsigned.
 * @param sig the signature that passed
 * @param testing_key its key record has t=y
 * @param from_fields the message's From fields
 * @param canon_body_length the body's length in sig's body canonicalization
 * @return the reasons a pass earns no alignment credit; empty: it does
 */
[[nodiscard]] std::vector<std::string> dkim_credit_denials(const dkim_signature &sig, bool testing_key,
                                                           std::size_t from_fields,
                                                           std::uint64_t canon_body_length);

} // namespace authweight::core
