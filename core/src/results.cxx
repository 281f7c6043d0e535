#include "authweight/results.hxx"

#include <array>
#include <utility>

namespace authweight::core {

namespace {
constexpr std::array<std::pair<auth_result, std::string_view>, 7> result_names{{
    {auth_result::NONE, "none"}, {auth_result::PASS, "pass"}, {auth_result::FAIL, "fail"},
    {auth_result::SOFTFAIL, "softfail"}, {auth_result::NEUTRAL, "neutral"},
    {auth_result::TEMPERROR, "temperror"}, {auth_result::PERMERROR, "permerror"},
}};
} // namespace

std::string_view to_string(auth_result r) noexcept
{
    for (const auto &[v, n] : result_names)
        if (v == r)
            return n;
    return "none";
}

std::optional<auth_result> auth_result_from_string(std::string_view s) noexcept
{
    for (const auto &[v, n] : result_names)
        if (n == s)
            return v;
    return std::nullopt;
}

std::string_view to_string(dmarc_policy p) noexcept
{
    switch (p) {
    case dmarc_policy::NONE: return "none";
    case dmarc_policy::QUARANTINE: return "quarantine";
    case dmarc_policy::REJECT: return "reject";
    case dmarc_policy::UNKNOWN: break;
    }
    return "";
}

dmarc_policy applied_dmarc_policy(dmarc_policy published, int pct) noexcept
{
    if (pct >= 100)
        return published;
    switch (published) {
    case dmarc_policy::REJECT: return dmarc_policy::QUARANTINE;
    case dmarc_policy::QUARANTINE: return dmarc_policy::NONE;
    default: return published;
    }
}

} // namespace authweight::core
