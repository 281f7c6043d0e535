/**
 * @file openssl_dkim.hxx
 * @brief The fast DKIM verifier: core canonicalization (dkim_canon.hxx),
 *        SHA-256 and RSA / Ed25519 verification through OpenSSL EVP, and a
 *        process-wide cache of decoded public keys.
 *
 * Why it exists beside libopendkim: on Debian 12 (OpenSSL 3.0) libopendkim
 * spends ~90 us decoding the key of every signature (d2i_PUBKEY through
 * OpenSSL's decoder framework) and ~40 us canonicalizing a 10 KB relaxed
 * body, four to eight times the cost of the cryptography itself. This
 * verifier decodes each key record once and canonicalizes in one pass.
 * check_dkim trusts its passes; any signature it finds cryptographically
 * bad is verified again by libopendkim, whose verdict stands.
 */
#pragma once

#include "authweight/arc.hxx"
#include "authweight/dkim_sig.hxx"
#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"

#include <cstdint>
#include <string>
#include <string_view>

namespace authweight::adapters {

/** The fast verifier's view of one signature. */
struct native_verdict {
    core::auth_result result{core::auth_result::PERMERROR};
    std::string reason;
    /** The signature or body hash did not verify: libopendkim should
     *  confirm before a negative verdict stands. */
    bool crypto_failure{false};
    bool testing_key{false};     ///< key flag t=y
    unsigned key_bits{0};        ///< RSA modulus bits; 256 for Ed25519
};

/** Canonical bodies of one message, computed at most once per algorithm. */
class canonical_bodies {
public:
    explicit canonical_bodies(std::string_view raw_body) : raw_{raw_body} {}
    /** The canonical body for `canon` (RFC 6376 3.4.3, 3.4.4). */
    [[nodiscard]] std::string_view get(core::dkim_canon canon);

private:
    std::string_view raw_;
    std::string simple_buf_, relaxed_buf_;
    std::string_view simple_, relaxed_;
    bool have_simple_{false}, have_relaxed_{false};
};

/**
 * Verify one signature against its key record.
 * @param headers    the message's header block
 * @param field      the DKIM-Signature field being verified (in `headers`)
 * @param sig        that field parsed
 * @param key_record the TXT record of the key (one record)
 * @param bodies     canonical bodies of the message
 * @param now        the current time (seconds since the epoch), for x= and t=
 */
[[nodiscard]] native_verdict verify_dkim_native(const core::header_block &headers, const core::header_field &field,
                                                const core::dkim_signature &sig, std::string_view key_record,
                                                canonical_bodies &bodies, std::uint64_t now);

/** The ARC verifier (core/include/authweight/arc.hxx): SHA-256 and a
 *  signature over given bytes, with the same decoded-key cache and key
 *  checks as verify_dkim_native. Process-wide and thread-safe. */
[[nodiscard]] const core::arc_verifier &arc_verifier_native();

/** Drop every cached key (tests). */
void clear_dkim_key_cache();

} // namespace authweight::adapters
