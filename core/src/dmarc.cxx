#include "authweight/dmarc.hxx"

#include "authweight/ascii.hxx"

#include <algorithm>
#include <set>

namespace authweight::core {

namespace {

constexpr bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trim_wsp(std::string_view s) noexcept
{
    while (!s.empty() && is_wsp(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_wsp(s.back()))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    while (true) {
        auto at = s.find(sep);
        out.push_back(trim_wsp(s.substr(0, at)));
        if (at == std::string_view::npos)
            return out;
        s.remove_prefix(at + 1);
    }
}

std::optional<dmarc_policy> policy_from(std::string_view v)
{
    if (ascii::iequals(v, "none"))
        return dmarc_policy::NONE;
    if (ascii::iequals(v, "quarantine"))
        return dmarc_policy::QUARANTINE;
    if (ascii::iequals(v, "reject"))
        return dmarc_policy::REJECT;
    return std::nullopt;
}

std::optional<dmarc_alignment> alignment_from(std::string_view v)
{
    if (ascii::iequals(v, "r"))
        return dmarc_alignment::RELAXED;
    if (ascii::iequals(v, "s"))
        return dmarc_alignment::STRICT;
    return std::nullopt;
}

/** RFC 5321 Keyword = Ldh-str: *( ALPHA / DIGIT / "-" ) Let-dig. */
bool valid_keyword(std::string_view k) noexcept
{
    if (k.empty() || k.back() == '-')
        return false;
    return std::all_of(k.begin(), k.end(), [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; });
}

/** RFC 7489 6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ].
 *  The URI is checked for a scheme and a non-empty rest only. */
bool valid_dmarc_uri(std::string_view u) noexcept
{
    auto bang = u.find('!');
    auto uri = u.substr(0, bang);
    auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size() || !is_alpha(uri.front()))
        return false;
    for (char c : uri.substr(0, colon))
        if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.'))
            return false;
    for (char c : uri)
        if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>' || c == '\\')
            return false;
    if (bang == std::string_view::npos)
        return true;
    auto size = u.substr(bang + 1);
    if (!size.empty() && std::string_view{"kmgtKMGT"}.find(size.back()) != std::string_view::npos)
        size.remove_suffix(1);
    // A size that does not fit 64 bits is not a size.
    return !size.empty() && size.size() <= 19 && std::all_of(size.begin(), size.end(), is_digit);
}

std::optional<std::vector<std::string>> uri_list(std::string_view v)
{
    std::vector<std::string> out;
    for (auto item : split(v, ',')) {
        if (!valid_dmarc_uri(item))
            return std::nullopt;
        out.emplace_back(item);
    }
    return out;
}

std::optional<std::uint64_t> digits(std::string_view v, std::size_t max_digits)
{
    if (v.empty() || v.size() > max_digits || !std::all_of(v.begin(), v.end(), is_digit))
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v)
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    return n;
}

/** One name's TXT answer, reduced to its DMARC records. */
struct name_records {
    bool temperror{false};
    std::vector<std::string> records;
};

name_records dmarc_records(const dns_answer &a)
{
    name_records out;
    if (a.status == dns_status::TEMPFAIL || a.status == dns_status::MALFORMED) {
        out.temperror = true;
        return out;
    }
    if (a.status != dns_status::OK)
        return out;
    for (const auto &r : a.records)
        if (is_dmarc_record(r))
            out.records.push_back(r);
    return out;
}

} // namespace

bool is_dmarc_record(std::string_view txt) noexcept
{
    // v=DMARC1 as the first tag; the version literal is case-sensitive
    // (RFC 7489 6.4 writes it with %x codes), the tag name is not.
    txt = trim_wsp(txt);
    if (txt.empty() || (txt.front() != 'v' && txt.front() != 'V'))
        return false;
    txt = trim_wsp(txt.substr(1));
    if (txt.empty() || txt.front() != '=')
        return false;
    txt = trim_wsp(txt.substr(1));
    if (!txt.starts_with("DMARC1"))
        return false;
    txt = trim_wsp(txt.substr(6));
    return txt.empty() || txt.front() == ';';
}

result<dmarc_record> parse_dmarc_record(std::string_view txt)
{
    if (!is_dmarc_record(txt))
        return fail(error_code::BAD_INPUT, "not a DMARC record (v=DMARC1 must come first)");
    auto specs = split(txt, ';');
    // A trailing ';' leaves one empty spec; an empty spec elsewhere is an error.
    if (specs.size() > 1 && specs.back().empty())
        specs.pop_back();

    dmarc_record rec;
    // A set: a hostile record may hold thousands of distinct unknown tags.
    std::set<std::string> seen;
    bool bad_policy = false;  // p= or sp= absent or invalid
    bool have_p = false;
    for (std::size_t i = 1; i < specs.size(); ++i) {
        auto spec = specs[i];
        if (spec.empty())
            return fail(error_code::BAD_INPUT, "empty tag");
        auto eq = spec.find('=');
        if (eq == std::string_view::npos)
            return fail(error_code::BAD_INPUT, "tag without '=': '" + std::string(spec.substr(0, 40)) + "'");
        auto name = ascii::lower(trim_wsp(spec.substr(0, eq)));
        auto value = trim_wsp(spec.substr(eq + 1));
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
                return is_alpha(c) || is_digit(c) || c == '_';
            }))
            return fail(error_code::BAD_INPUT, "invalid tag name '" + name.substr(0, 40) + "'");
        if (!seen.insert(name).second)
            return fail(error_code::BAD_INPUT, "duplicate tag " + name + "=");
        const auto bad = [&] { return fail(error_code::BAD_INPUT, "invalid " + name + "=" + std::string(value.substr(0, 40))); };

        if (name == "v") {
            return fail(error_code::BAD_INPUT, "duplicate tag v=");
        } else if (name == "p") {
            // RFC 7489 6.3: "v" and "p" MUST appear in that order, p second.
            if (i != 1)
                return fail(error_code::BAD_INPUT, "p= is not the second tag");
            auto p = policy_from(value);
            if (p) {
                rec.policy = *p;
                have_p = true;
            } else {
                bad_policy = true;
            }
        } else if (name == "sp") {
            auto p = policy_from(value);
            if (p)
                rec.subdomain_policy = *p;
            else
                bad_policy = true;
        } else if (name == "adkim" || name == "aspf") {
            auto a = alignment_from(value);
            if (!a)
                return bad();
            (name == "adkim" ? rec.adkim : rec.aspf) = *a;
        } else if (name == "pct") {
            auto n = digits(value, 3);
            if (!n || *n > 100)
                return bad();
            rec.pct = static_cast<int>(*n);
        } else if (name == "ri") {
            auto n = digits(value, 10);
            if (!n || *n > 0xFFFFFFFFULL)
                return bad();
            rec.ri = static_cast<std::uint32_t>(*n);
        } else if (name == "fo") {
            rec.fo.clear();
            for (auto f : split(value, ':')) {
                if (f != "0" && f != "1" && f != "d" && f != "s")
                    return bad();
                rec.fo.emplace_back(f);
            }
        } else if (name == "rf") {
            rec.rf.clear();
            for (auto f : split(value, ':')) {
                if (!valid_keyword(f))
                    return bad();
                rec.rf.push_back(ascii::lower(f));
            }
        } else if (name == "rua" || name == "ruf") {
            auto uris = uri_list(value);
            if (!uris)
                return bad();
            (name == "rua" ? rec.rua : rec.ruf) = std::move(*uris);
        }
        // Unknown tags MUST be ignored (RFC 7489 6.3).
    }
    if (!have_p)
        bad_policy = true;
    if (bad_policy) {
        // RFC 7489 6.6.3: with a valid rua=, act as if p=none was published.
        if (rec.rua.empty())
            return fail(error_code::BAD_INPUT, "no valid p= and no rua=");
        rec.policy = dmarc_policy::NONE;
        rec.subdomain_policy.reset();
        rec.policy_fallback = true;
    }
    return rec;
}

std::string dmarc_normalize(std::string_view domain)
{
    while (!domain.empty() && domain.front() == '.')
        domain.remove_prefix(1);
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    return ascii::lower(domain);
}

std::optional<std::string> organizational_domain(std::string_view domain, const domain_services &ds)
{
    auto d = dmarc_normalize(domain);
    if (d.empty())
        return std::nullopt;
    auto reg = ds.registrable_domain(d);
    if (!reg)
        return std::nullopt;
    return *reg;
}

bool dmarc_aligned(std::string_view identifier, std::string_view from_domain, dmarc_alignment mode,
                   const domain_services &ds)
{
    auto a = dmarc_normalize(identifier);
    auto b = dmarc_normalize(from_domain);
    if (a.empty() || b.empty())
        return false;
    if (a == b)
        return true;
    if (mode == dmarc_alignment::STRICT)
        return false;
    auto oa = organizational_domain(a, ds);
    auto ob = organizational_domain(b, ds);
    return oa && ob && *oa == *ob;
}

bool relaxed_aligned(std::string_view identifier, std::string_view from_domain, const domain_services *ds)
{
    if (ds == nullptr)
        return !identifier.empty() && identifier == from_domain;
    return dmarc_aligned(identifier, from_domain, dmarc_alignment::RELAXED, *ds);
}

std::optional<dmarc_discovery> discover_dmarc_policy(std::string_view from_domain, std::string_view org_domain,
                                                     const dns_answer *from_answer, const dns_answer *org_answer)
{
    dmarc_discovery out;
    out.policy_domain = std::string(from_domain);
    if (from_answer == nullptr)
        return std::nullopt;
    auto from = dmarc_records(*from_answer);
    const name_records *use = &from;
    name_records org;
    if (from.temperror) {
        out.status = dmarc_discovery_status::TEMPERROR;
        out.detail = "DNS error for _dmarc." + std::string(from_domain);
        return out;
    }
    // RFC 7489 6.6.3: only when the From domain has no DMARC record at all
    // is the organisational domain asked.
    if (from.records.empty() && !org_domain.empty() && org_domain != from_domain) {
        if (org_answer == nullptr)
            return std::nullopt;
        org = dmarc_records(*org_answer);
        out.policy_domain = std::string(org_domain);
        if (org.temperror) {
            out.status = dmarc_discovery_status::TEMPERROR;
            out.detail = "DNS error for _dmarc." + std::string(org_domain);
            return out;
        }
        use = &org;
    }
    if (use->records.empty()) {
        out.detail = "no DMARC record";
        return out;
    }
    if (use->records.size() > 1) {
        out.detail = "several DMARC records at _dmarc." + out.policy_domain;
        return out;
    }
    auto rec = parse_dmarc_record(use->records.front());
    if (!rec) {
        out.status = dmarc_discovery_status::PERMERROR;
        out.detail = "invalid DMARC record at _dmarc." + out.policy_domain + ": " + rec.error().message();
        return out;
    }
    out.status = dmarc_discovery_status::FOUND;
    out.record = std::move(*rec);
    return out;
}

dmarc_outcome evaluate_dmarc(std::string_view from_domain, const dmarc_discovery &found, const spf_outcome &spf,
                             const std::vector<dkim_outcome> &dkim, const domain_services &ds)
{
    dmarc_outcome out;
    out.from_domain = std::string(from_domain);
    const auto &rec = found.record;
    const auto adkim = found.status == dmarc_discovery_status::FOUND ? rec.adkim : dmarc_alignment::RELAXED;
    const auto aspf = found.status == dmarc_discovery_status::FOUND ? rec.aspf : dmarc_alignment::RELAXED;

    // RFC 7489 4.1: DMARC uses SPF's result for the MAIL FROM identity only.
    const bool spf_mailfrom = spf.identity == "mailfrom" && !spf.domain.empty();
    const bool spf_would_align = spf_mailfrom && dmarc_aligned(spf.domain, from_domain, aspf, ds);
    out.spf_aligned = spf_would_align && spf.result == auth_result::PASS;
    bool temporary = spf_would_align && spf.result == auth_result::TEMPERROR;
    std::string via;
    for (const auto &sig : dkim) {
        if (!dmarc_aligned(sig.domain, from_domain, adkim, ds))
            continue;
        if (sig.result == auth_result::PASS && sig.counts_for_alignment) {
            out.dkim_aligned = true;
            if (via.empty())
                via = "d=" + sig.domain;
        }
        temporary = temporary || sig.result == auth_result::TEMPERROR;
    }

    switch (found.status) {
    case dmarc_discovery_status::NONE:
        out.result = auth_result::NONE;
        out.reason = found.detail;
        return out;
    case dmarc_discovery_status::TEMPERROR:
        out.result = auth_result::TEMPERROR;
        out.reason = found.detail;
        return out;
    case dmarc_discovery_status::PERMERROR:
        out.result = auth_result::PERMERROR;
        out.reason = found.detail;
        return out;
    case dmarc_discovery_status::FOUND:
        break;
    }
    out.policy_domain = found.policy_domain;
    out.pct = rec.pct;
    // RFC 7489 6.3 sp=: the subdomain policy applies when the record was
    // found at the organisational domain, not at the From domain itself.
    const bool at_org = dmarc_normalize(found.policy_domain) != dmarc_normalize(from_domain);
    out.policy = at_org && rec.subdomain_policy ? *rec.subdomain_policy : rec.policy;
    if (out.spf_aligned || out.dkim_aligned) {
        out.result = auth_result::PASS;
        out.reason = out.dkim_aligned ? "aligned DKIM " + via : "aligned SPF " + spf.domain;
    } else if (temporary) {
        out.result = auth_result::TEMPERROR;
        out.reason = "temporary error of an aligned identifier";
    } else {
        out.result = auth_result::FAIL;
        out.reason = "no aligned SPF or DKIM pass";
    }
    if (rec.policy_fallback)
        out.reason += "; record without valid p=, treated as p=none";
    return out;
}

dmarc_outcome check_dmarc(std::string_view from_domain, const spf_outcome &spf, const std::vector<dkim_outcome> &dkim,
                          dns_source &dns, const domain_services &ds)
{
    dmarc_outcome out;
    out.from_domain = std::string(from_domain);
    const auto from = dmarc_normalize(from_domain);
    if (from.empty()) {
        out.reason = "no single RFC 5322 From domain";
        return out;
    }
    const auto org = organizational_domain(from, ds).value_or(from);
    // RFC 7489 6.6.3: _dmarc.<From domain>, then _dmarc.<organisational
    // domain>; both are asked in the same round.
    const std::string from_name = "_dmarc." + from;
    const std::string org_name = "_dmarc." + org;
    if (from_name.size() > 253) {
        out.reason = "From domain too long for a _dmarc name";
        return out;
    }
    const auto *from_answer = dns.lookup(dns_query{from_name, dns_type::TXT});
    const dns_answer *org_answer = nullptr;
    if (org != from)
        org_answer = dns.lookup(dns_query{org_name, dns_type::TXT});
    auto found = discover_dmarc_policy(from, org, from_answer, org_answer);
    if (!found)
        return out;  // an answer is missing: the caller steps again
    return evaluate_dmarc(from, *found, spf, dkim, ds);
}

} // namespace authweight::core
