#include "authweight/symbols.hxx"

#include <array>

namespace authweight::core {

namespace {
// DESIGN.md's contract table. auth_derived marks the symbols whose negative
// weight counts against the trust budget (principle 5).
constexpr std::array<symbol_def, 33> symbol_table{{
    {"AUTHW_TLS", 0.0, false, false, "Connection used TLS (options: version, cipher, source)"},
    {"AUTHW_TLS_LEGACY", 0.5, false, false, "TLS below 1.2 or a weak cipher"},
    {"AUTHW_BOTNET_TLS", 3.0, false, false, "TLS with botnet-host marks and no aligned authentication"},
    {"AUTHW_SPF_PASS", -0.3, false, true, "SPF pass (MAIL FROM, or HELO for the null sender)"},
    {"AUTHW_SPF_FAIL", 2.0, false, false, "SPF fail"},
    {"AUTHW_SPF_SOFTFAIL", 0.5, false, false, "SPF softfail"},
    {"AUTHW_SPF_NEUTRAL", 0.0, false, false, "SPF neutral"},
    {"AUTHW_SPF_NONE", 0.0, false, false, "No SPF record"},
    {"AUTHW_SPF_TEMPERROR", 0.0, false, false, "SPF temporary DNS error"},
    {"AUTHW_SPF_PERMERROR", 0.5, false, false, "SPF permanent error (broken record)"},
    {"AUTHW_SENDERID_PASS", -0.2, false, true, "Sender ID pass on the PRA"},
    {"AUTHW_SENDERID_FAIL", 2.0, false, false, "Sender ID fail on the PRA"},
    {"AUTHW_SENDERID_SOFTFAIL", 0.5, false, false, "Sender ID softfail"},
    {"AUTHW_SENDERID_NEUTRAL", 0.0, false, false, "Sender ID neutral"},
    {"AUTHW_SENDERID_NONE", 0.0, false, false, "No Sender ID or SPF record for the PRA"},
    {"AUTHW_SENDERID_TEMPERROR", 0.0, false, false, "Sender ID temporary DNS error"},
    {"AUTHW_SENDERID_PERMERROR", 0.5, false, false, "Sender ID permanent error"},
    {"AUTHW_DKIM_PASS", -0.3, false, true, "DKIM signature verified"},
    {"AUTHW_DKIM_FAIL", 1.0, false, false, "DKIM signature failed"},
    {"AUTHW_DKIM_TEMPERROR", 0.0, false, false, "DKIM key lookup failed temporarily"},
    {"AUTHW_DKIM_PERMERROR", 0.3, false, false, "DKIM signature or key unusable"},
    {"AUTHW_DKIM_NONE", 0.0, false, false, "No DKIM signature"},
    {"AUTHW_ALIGNED", -1.0, false, true, "From domain authenticated by aligned SPF or DKIM"},
    {"AUTHW_FORGED_PROTECTED", 6.0, false, false, "Hard fail of a protected or p=reject domain, no aligned DKIM"},
    {"AUTHW_WL_AUTH", -4.0, false, true, "Whitelisted identity, authenticated and aligned"},
    {"AUTHW_WL_FORGED", 5.0, false, false, "Whitelisted identity whose authentication failed"},
    {"AUTHW_LOOKALIKE", 5.0, false, false, "A sender domain imitates a protected domain"},
    {"AUTHW_DISPLAY_SPOOF", 3.0, false, false,
     "The From display name imitates a protected brand, another organisation's address, or the receiver's own domain"},
    {"AUTHW_ARC_TRUSTED", -0.5, false, true,
     "A valid ARC chain sealed only by trusted sealers vouches for aligned authentication lost in forwarding"},
    // Principle 7. The score is the weight at a spam (or ham) share of 1;
    // the policy scales it by the share, the way rspamd multiplies a
    // symbol's configured score by its dynamic weight.
    {"AUTHW_REP_BAD", 4.0, false, false, "An authenticated identity of the message has mostly sent spam"},
    {"AUTHW_REP_GOOD", -1.5, false, true, "The authenticated identities of the message have mostly sent ham"},
    {"AUTHW_UNAUTH_STRICT", 0.0, true, false, "Aggressive mode: extra weight on unauthenticated mail"},
    {"AUTHW_TRUST_CAP", 0.0, true, false, "Adds back authentication-derived negative weight beyond the trust budget"},
}};
} // namespace

std::span<const symbol_def> all_symbols() noexcept
{
    return symbol_table;
}

const symbol_def *find_symbol(std::string_view name) noexcept
{
    for (const auto &s : symbol_table)
        if (s.name == name)
            return &s;
    return nullptr;
}

} // namespace authweight::core
