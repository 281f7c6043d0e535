/**
 * @file arc.hxx
 * @brief ARC chain validation (RFC 8617): the ARC-Seal (AS),
 *        ARC-Message-Signature (AMS) and ARC-Authentication-Results (AAR)
 *        fields of a parsed header block, the chain's structure, and the
 *        signatures, checked through a small cryptographic interface.
 *
 * SYNOPSIS
 *   #include "authweight/arc.hxx"
 *
 *   arc_options opt{cfg.max_arc_instances, &domains};
 *   arc_outcome out = check_arc(message, headers, opt, dns, verifier);
 *
 * DESCRIPTION
 *   The ARC rules live here; the cryptography does not. The core never
 *   calls a crypto library: an arc_verifier (the adapters' OpenSSL one,
 *   sharing the fast DKIM verifier's decoded-key cache) hashes bytes and
 *   verifies a signature over given bytes with a key record. Canonical
 *   forms come from dkim_canon.hxx, tag lists from dkim_sig.hxx.
 *
 *   check_arc() follows RFC 8617 5.2: the sets i=1..N must be contiguous
 *   with exactly one AS, AMS and AAR each; N is at most 50 (RFC 8617
 *   4.2.1) and at most arc_options::max_instances; the newest AS must not
 *   say cv=fail; the AS of i=1 says cv=none and every later one cv=pass;
 *   the newest AMS must verify (like a DKIM signature, RFC 8617 4.1.2),
 *   and every AS from N down to 1 (RFC 8617 5.1.1: relaxed header
 *   canonicalization of the sets 1..i in the order AAR, AMS, AS, the AS
 *   being verified without its b= value and without a final CRLF). Only
 *   rsa-sha256 and ed25519-sha256 verify (RFC 8301 3.1 applies as to
 *   DKIM); RSA keys over max_rsa_key_bits are refused by the verifier.
 *
 *   Keys are TXT records at "<s>._domainkey.<d>" read through the
 *   dns_source. Every key of every set is asked for in one step: a miss
 *   leaves the outcome provisional (the evaluation steps again), as for
 *   DKIM.
 *
 *   A temporary DNS failure for a key the verdict depends on is never
 *   taken as forgery: the outcome is then `none` with a reason starting
 *   "temperror" (RFC 8617 has no temperror cv; `none` adds nothing
 *   trusted and takes nothing away). A key that does not exist is a
 *   signature that cannot verify: `fail`.
 *
 *   Work is linear in the size of the message: fields are looked at once,
 *   the first malformed one ends the parsing, and with N sets (N <= 50)
 *   the seals canonicalize N(N+1)/2 sets and each signature is verified
 *   at most once. Bodies are canonicalized once per algorithm.
 *
 * DIAGNOSTICS
 *   Parsers return BAD_INPUT naming the tag or the problem. check_arc()
 *   never fails: what is wrong with a chain is its outcome's reason
 *   ("AS i=2: cv=none, want pass"). Hostile input never crashes.
 */
#pragma once

#include "authweight/dkim_sig.hxx"
#include "authweight/dns.hxx"
#include "authweight/domain.hxx"
#include "authweight/error.hxx"
#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** RFC 8617 4.2.1: no more than 50 ARC sets; more is a broken chain. */
inline constexpr int max_arc_rfc_instances = 50;

/** An ARC-Seal (RFC 8617 4.1.3). It has no h=, bh=, c= or l=. */
struct arc_seal {
    int instance{0};           ///< i=, 1..50
    std::string algorithm;     ///< a=, lower case
    std::string cv;            ///< cv=, lower case: none, pass or fail
    std::string domain;        ///< d=, lower case, no trailing dot
    std::string selector;      ///< s=, lower case
    std::string signature;     ///< b=, whitespace removed
};

/** Parse an ARC-Seal value: required a, b, cv, d, i, s; no h=.
 *  @return the seal, or BAD_INPUT naming the first problem. */
[[nodiscard]] result<arc_seal> parse_arc_seal(std::string_view value);

/** An ARC-Message-Signature: a DKIM signature (RFC 6376 3.5) whose i= is
 *  the instance and which has no v= (RFC 8617 4.1.2). `sig.identity` stays
 *  empty; `sig.version` is "1" so the DKIM helpers accept it. */
struct arc_message_signature {
    int instance{0};
    dkim_signature sig;
};

/** Parse an ARC-Message-Signature value: required a, b, bh, d, h, i, s.
 *  @return the signature, or BAD_INPUT naming the first problem. */
[[nodiscard]] result<arc_message_signature> parse_arc_message_signature(std::string_view value);

/** The instance of an ARC-Authentication-Results value ("i=1; authserv-id;
 *  ..."). @param rest set to what follows "i=N;" (the RFC 8601 value).
 *  @return 1..50, or BAD_INPUT. */
[[nodiscard]] result<int> parse_arc_instance(std::string_view aar_value, std::string_view *rest = nullptr);

/** Is this field one of the three ARC fields? (case-insensitive) */
[[nodiscard]] bool is_arc_field(std::string_view name) noexcept;

/** One ARC set: its three fields (into the header block) and parses. */
struct arc_set {
    const header_field *seal{nullptr};
    const header_field *ams{nullptr};
    const header_field *aar{nullptr};
    arc_seal as;
    arc_message_signature ms;
};

/** The chain's structure, before any signature (RFC 8617 5.2). */
struct arc_chain {
    bool present{false};           ///< the message has ARC fields at all
    std::vector<arc_set> sets;     ///< index i-1; filled only when well formed
    int instance{0};               ///< highest i= seen (0 when unknown)
    std::string error;             ///< why the structure is broken; "" when it is not
};

/**
 * Collect and check the ARC sets of a header block: every ARC field
 * parses, instances 1..N are contiguous with one AS, AMS and AAR each,
 * N <= min(50, max_instances), the newest AS is not cv=fail, AS i=1 has
 * cv=none and every later AS cv=pass. Linear in the header block.
 */
[[nodiscard]] arc_chain collect_arc_chain(const header_block &headers, int max_instances);

/** What the adapters' verifier says of one signature. */
struct signature_check {
    auth_result result{auth_result::PERMERROR};  ///< PASS, FAIL (bad signature), PERMERROR (key), TEMPERROR
    std::string reason;
};

/**
 * The cryptography ARC needs (adapters: OpenSSL EVP through the fast DKIM
 * verifier's key cache). Implementations are thread-safe and never throw.
 */
class arc_verifier {
public:
    virtual ~arc_verifier() = default;
    /** SHA-256 of `data`: 32 raw bytes, or "" when hashing failed. */
    [[nodiscard]] virtual std::string sha256(std::string_view data) const = 0;
    /**
     * Verify `signature_b64` (base64, whitespace allowed) over `data` with
     * the key in `key_record` (a DKIM key record, RFC 6376 3.6.1). The
     * algorithm is rsa-sha256 or ed25519-sha256 (RFC 8463 3: Ed25519 signs
     * the SHA-256 hash of `data`). Key checks as for DKIM: k= matches a=,
     * h= allows sha256, s= allows email, p= not empty, RSA from 1024 to
     * max_rsa_key_bits bits.
     */
    [[nodiscard]] virtual signature_check verify(std::string_view key_record, std::string_view algorithm,
                                                 std::string_view data, std::string_view signature_b64) const = 0;
};

/** What check_arc needs besides the message. */
struct arc_options {
    int max_instances{10};                    ///< config max_arc_instances
    const domain_services *domains{nullptr};  ///< A-labels for arc_first_hop; lower case only when null
};

/** The data an ARC-Seal signs (RFC 8617 5.1.1): sets 1..seal_index+1,
 *  each AAR, AMS, AS in relaxed canonical form with CRLF, the last AS
 *  without its b= value and without the final CRLF. */
[[nodiscard]] std::string arc_seal_signed_data(const std::vector<arc_set> &sets, std::size_t seal_index);

/**
 * Validate the ARC chain of a message (RFC 8617 5.2).
 * @param message the raw message (for the body)
 * @param headers its parsed header block
 * @return the outcome; provisional (to be discarded) when `dns` missed a
 *         key. `present` says whether the message has ARC fields at all.
 */
[[nodiscard]] arc_outcome check_arc(std::string_view message, const header_block &headers, const arc_options &opt,
                                    dns_source &dns, const arc_verifier &verifier);

/** Fill `first` from the i=1 AAR value (RFC 8601 after "i=1;"): spf result
 *  and smtp.mailfrom (or smtp.helo) domain, header.d of each dkim=pass,
 *  dmarc result and header.from. Unparseable: left empty. */
[[nodiscard]] arc_first_hop read_first_hop(std::string_view aar_value, const domain_services *domains);

} // namespace authweight::core
