/**
 * @file opendkim_lib.hxx
 * @brief libopendkim, wrapped: one library handle per process, messages
 *        fed in canonical wire form, keys served by the caller through the
 *        key-lookup hook (dkim_set_key_lookup) so that no call blocks.
 *
 * The hook answers from what the caller already has. When it lacks a key
 * it returns DKIM_CBSTAT_TRYAGAIN and verification stops with
 * `try_again`; the caller fetches the key and verifies again from the
 * start (the engine re-runs every check each step). Callers that prefetch
 * every key before verifying never see a TRYAGAIN.
 *
 * Debian's libopendkim 2.11 is built with Ed25519 (DKIM_FEATURE_ED25519),
 * so RFC 8463 signatures are verified by the library itself.
 */
#pragma once

#include "authweight/dkim_sig.hxx"
#include "authweight/error.hxx"
#include "authweight/rfc5322.hxx"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::adapters {

/**
 * A message as libopendkim wants it: each header field with CRLF folding
 * and no final line end, and the body with CRLF line ends. A non-empty body
 * that lacks a final CRLF gets one: RFC 6376 3.4.3 and 3.4.4 add it in both
 * canonicalizations, while libopendkim reports "CRLF at end of body
 * missing" (a permerror) for relaxed bodies without it.
 */
struct dkim_wire_message {
    std::vector<std::string> headers;   ///< in message order
    std::vector<std::string> names;     ///< the field names, same order
    std::string body;
};

/** Build the wire form from a parsed header block and the raw message. */
[[nodiscard]] dkim_wire_message to_wire(const core::header_block &headers, std::string_view message);

/** What the key-lookup hook may answer for one key name. */
struct key_answer {
    enum class status : std::uint8_t {
        FOUND,      ///< `record` holds the key record (one TXT record)
        NOT_FOUND,  ///< no key record (NXDOMAIN, NODATA, nothing parses)
        MISSING,    ///< not fetched yet: TRYAGAIN
    };
    status state{status::MISSING};
    std::string record;
};

/** Per-signature outcome as libopendkim reports it. */
struct opendkim_signature {
    std::string domain;          ///< d= as libopendkim read it ("" for a broken tag list)
    std::string selector;        ///< s=
    bool ignored{false};         ///< the caller asked not to verify it
    bool processed{false};       ///< DKIM_SIGFLAG_PROCESSED
    bool passed{false};          ///< header signature verified (DKIM_SIGFLAG_PASSED)
    int body_hash{-1};           ///< DKIM_SIGBH_UNTESTED / _MATCH / _MISMATCH
    int error{-1};               ///< DKIM_SIGERROR_*
    std::string error_text;      ///< dkim_sig_geterrorstr()
    unsigned key_bits{0};        ///< 0 when unknown
    bool testing_key{false};     ///< key flag t=y
    /** RFC 6376 pass: header signature and body hash both verified, no error. */
    [[nodiscard]] bool good() const noexcept;
};

struct opendkim_result {
    bool try_again{false};       ///< the hook lacked a key; verify again later
    std::vector<opendkim_signature> signatures;  ///< one per DKIM-Signature fed, in order
    std::string error;           ///< a message-level error, if any
};

/** The key-lookup hook's source: selector and domain (lower case) -> key. */
using key_source = std::function<key_answer(std::string_view selector, std::string_view domain)>;

/**
 * Verify a message. Every DKIM-Signature field in `msg.headers` is a
 * signature; `ignore[i]` (when given) skips the i-th one without fetching
 * its key.
 * @return the outcomes, or INTERNAL when libopendkim cannot start.
 */
[[nodiscard]] core::result<opendkim_result> opendkim_verify(const dkim_wire_message &msg,
                                                            const std::vector<bool> &ignore,
                                                            const key_source &keys);

/** What to sign with (tests, benchmarks and tools; the filter only verifies). */
struct dkim_sign_request {
    std::string domain;
    std::string selector;
    std::string private_key_pem;          ///< RSA or Ed25519, PEM
    std::string algorithm{"rsa-sha256"};  ///< rsa-sha256, rsa-sha1 or ed25519-sha256
    core::dkim_canon header_canon{core::dkim_canon::RELAXED};
    core::dkim_canon body_canon{core::dkim_canon::RELAXED};
    std::optional<std::uint64_t> signing_time;  ///< t=; now when absent
    std::optional<std::uint64_t> lifetime;      ///< x= = t= + lifetime
    bool body_length{false};                    ///< add l= (the whole body)
    std::vector<std::string> sign_headers;      ///< h=; the library's default list when empty
    std::vector<std::string> oversign_headers;  ///< listed once more in h= than present (RFC 6376 8.15)
    unsigned min_key_bits{1024};                ///< smaller RSA keys are refused (tests lower it)
};

/**
 * Sign a message with libopendkim's signing API.
 * @return the complete "DKIM-Signature: ..." field, folded with CRLF and
 *         ending in CRLF, ready to be put on top of the message; BAD_INPUT
 *         for a message or key libopendkim refuses.
 */
[[nodiscard]] core::result<std::string> opendkim_sign(std::string_view message, const dkim_sign_request &req);

} // namespace authweight::adapters
