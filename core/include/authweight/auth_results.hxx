/**
 * @file auth_results.hxx
 * @brief The Authentication-Results header field (RFC 8601): rendering
 *        authweight's own results, and parsing upstream ones.
 *
 * An upstream Authentication-Results field is read only when its
 * authserv-id is one the admin trusts (RFC 8601 5: others may be forged by
 * anyone), and even then only as input: it never makes a pass by itself.
 *
 * DIAGNOSTICS: a field that does not follow the RFC 8601 2.2 grammar
 * yields BAD_INPUT saying where; never a crash. Parsing is linear in the
 * field size, and comments nest at most 32 deep.
 */
#pragma once

#include "authweight/error.hxx"
#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"

#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** One property of a result: ptype.property=value, e.g. header.d=example.com. */
struct ar_property {
    std::string ptype;     ///< lower case: smtp, header, body, policy
    std::string property;  ///< lower case: mailfrom, d, from, ...
    std::string value;     ///< quotes removed, comments dropped
};

/** One resinfo: method=result with its reason and properties. */
struct ar_result {
    std::string method;        ///< lower case, e.g. "dkim", "spf", "sender-id"
    std::string result;        ///< lower case, e.g. "pass"; any keyword
    std::string reason;        ///< reason= value, "" when absent
    std::vector<ar_property> properties;
    /** The value of ptype.property, or "" when absent. */
    [[nodiscard]] std::string_view property(std::string_view ptype, std::string_view name) const;
};

/** One Authentication-Results field. */
struct ar_header {
    std::string authserv_id;   ///< as written (case kept; compare case-insensitively)
    int version{1};
    std::vector<ar_result> results;   ///< empty for "none"
};

/** Parse one field value (what follows "Authentication-Results:").
 *  @return the header, or BAD_INPUT saying what did not parse. */
[[nodiscard]] result<ar_header> parse_authentication_results(std::string_view value);

/**
 * The parsed Authentication-Results fields of a message whose authserv-id
 * is in `trusted` (ASCII case-insensitive), top to bottom. Fields that do
 * not parse are skipped, and so is everything when `trusted` is empty.
 * At most 50 fields are read.
 */
[[nodiscard]] std::vector<ar_header> trusted_authentication_results(const header_block &headers,
                                                                    const std::vector<std::string> &trusted);

/** What rendering needs besides the results. */
struct ar_render_input {
    std::string authserv_id{"authweight"};
    const auth_results *auth{nullptr};
    bool has_message{true};        ///< Sender ID, DKIM and DMARC ran
    std::string mail_from;         ///< the MAIL FROM address ("" = null or unknown)
    std::string helo;              ///< the HELO name
    std::string pra_header;        ///< header the PRA came from ("From", "Sender", ...)
};

/**
 * Render the field value (without "Authentication-Results:" and without a
 * line end): "authweight; spf=pass smtp.mailfrom=example.net; dkim=pass
 * header.d=example.com header.s=sel header.a=rsa-sha256; dmarc=pass
 * (p=reject) header.from=example.com". Results are the RFC 8601 words;
 * values that are not tokens are quoted.
 */
[[nodiscard]] std::string render_authentication_results(const ar_render_input &in);

} // namespace authweight::core
