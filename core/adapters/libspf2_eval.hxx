/**
 * @file libspf2_eval.hxx
 * @brief check_host() (RFC 7208 4) by libspf2 over the resumable DNS of
 *        core::dns_source.
 *
 * libspf2 runs on a DNS layer of our own (an SPF_dns_server_t whose lookup
 * and get_spf hooks serve the snapshot). A lookup the snapshot lacks is
 * recorded by dns_source and answered "no data" for now, so the evaluation
 * goes on and names every other query it can already know in the same
 * round; the outcome of such a step is marked incomplete and the caller
 * steps again once the answers are in. No call ever blocks.
 *
 * What this layer does around libspf2 1.2.10 and why:
 * - Records are chosen (RFC 7208 4.5, or RFC 4406 3.4 for Sender ID) and
 *   checked against the RFC 7208 12 ABNF here (core::parse_spf_record):
 *   libspf2 accepts much that the ABNF rejects and knows no "spf2.0".
 * - Macros are expanded here (core::expand_spf_macros) and libspf2 is given
 *   a macro-free record; exp= text is fetched and expanded here too.
 * - ip4/ip6 mechanisms are matched here against the client address: only
 *   the first one that matches is passed on (nothing after it can be
 *   reached). This avoids libspf2's rejection of "/0" and the 511-byte
 *   compiled-record limit past which it silently drops mechanisms.
 * - a/mx with a zero prefix for the client's family, which libspf2 cannot
 *   express, become an include of a synthetic record computed here.
 * - The RFC 7208 4.6.4 limits (10 DNS-querying terms, 2 void lookups,
 *   10 MX names, 10 PTR names) are counted in the DNS layer over the whole
 *   evaluation; libspf2 counts per include and has no void limit.
 * - Results libspf2 leaves "invalid" are mapped from the error code.
 *
 * One SPF_server_t per thread is created on first use and reused; libspf2's
 * warning, info and debug output is switched off once per process.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/results.hxx"

#include <cstdint>
#include <string>
#include <vector>

namespace authweight::adapters::libspf2 {

/** Which records a check reads. */
enum class record_kind : std::uint8_t {
    SPF1,            ///< RFC 7208: v=spf1
    SENDERID_MFROM,  ///< RFC 4406: spf2.0 with scope mfrom, else v=spf1
    SENDERID_PRA,    ///< RFC 4406: spf2.0 with scope pra, else v=spf1
};

/** The arguments of check_host(). */
struct check_input {
    std::string client_ip;      ///< text; IPv4-mapped IPv6 counts as IPv4 (RFC 7208 5)
    std::string sender;         ///< <sender>: local-part@domain (s)
    std::string local_part;     ///< l
    std::string sender_domain;  ///< o
    std::string domain;         ///< <domain>: lower case, A-label, no trailing dot
    std::string helo;           ///< h
    std::string receiver{"unknown"};  ///< r
    record_kind kind{record_kind::SPF1};
    bool want_explanation{false};     ///< fetch exp= text on fail (one more round)
    std::string default_explanation;  ///< used when exp= is absent or unusable
};

/** What check_host() found. */
struct check_output {
    core::auth_result result{core::auth_result::NONE};
    std::string reason;        ///< one line
    std::string explanation;   ///< on fail with want_explanation
    bool complete{true};       ///< false: the snapshot lacked answers; step again
    int dns_terms{0};          ///< DNS-querying terms evaluated (RFC 7208 4.6.4)
    int void_lookups{0};       ///< void lookups counted
};

/** RFC 7208 4.6.4 bounds. */
inline constexpr int max_dns_terms = 10;
inline constexpr int max_void_lookups = 2;
inline constexpr int max_mx_names = 10;
inline constexpr int max_ptr_names = 10;

/**
 * The complete check_host() outputs of one message, for its other checks.
 * SPF, Sender ID's mfrom scope and often its PRA check the same sender at
 * the same domain; they differ only in the record each selects at a name
 * (v=spf1, or an spf2.0 record of the scope). A check whose other inputs
 * equal an earlier one's, and that selects the same record (or one with
 * the same terms) at every name the earlier one read, would repeat it step
 * for step: it takes its output.
 */
class check_memo {
public:
    /** How many checks took an earlier output. */
    [[nodiscard]] std::size_t reused() const noexcept { return reused_; }

    /** An earlier output `in` may take, or nullptr. */
    [[nodiscard]] const check_output *find(const check_input &in, core::dns_source &dns);
    /** Keep a complete output and the names whose TXT records it read. */
    void keep(const check_input &in, const check_output &out, std::vector<std::string> names);

private:
    struct entry {
        check_input in;
        check_output out;
        std::vector<std::string> names;
    };
    std::vector<entry> entries_;
    std::size_t reused_{0};
};

/**
 * Evaluate check_host() for `in` over `dns`. Never blocks, never throws.
 * With a memo, an earlier check's output is taken where it applies.
 * DIAGNOSTICS: an invalid client address or <domain> gives none; a missing
 * answer gives complete = false; a library failure gives temperror with the
 * reason "internal error".
 */
[[nodiscard]] check_output check_host(const check_input &in, core::dns_source &dns,
                                      check_memo *memo = nullptr) noexcept;

} // namespace authweight::adapters::libspf2
