#include "authweight/policy.hxx"

#include "authweight/ascii.hxx"
#include "authweight/dmarc.hxx"
#include "authweight/symbols.hxx"
#include "authweight/text.hxx"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace authweight::core {

namespace {

/** Add a symbol with its contract default score. */
symbol_hit &add(std::vector<symbol_hit> &out, std::string_view name, std::string reason,
                std::vector<std::string> options = {})
{
    const auto *def = find_symbol(name);
    out.push_back(symbol_hit{std::string(name), def ? def->score : 0.0, std::move(reason),
                             std::move(options)});
    return out.back();
}

std::string_view domain_of(std::string_view address)
{
    auto at = address.rfind('@');
    return at == std::string_view::npos ? address : address.substr(at + 1);
}

bool is_fail(auth_result r) noexcept
{
    return r == auth_result::FAIL || r == auth_result::SOFTFAIL;
}

/** Trust symbol patterns: exact names, or a prefix ending in '*'. */
bool matches_pattern(std::string_view name, std::string_view pattern)
{
    if (!pattern.empty() && pattern.back() == '*')
        return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
    return name == pattern;
}

bool is_trust_symbol(std::string_view name, const std::vector<std::string> &patterns)
{
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string &p) { return matches_pattern(name, p); });
}

std::string fmt_score(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

void spf_symbols(const policy_input &in, std::vector<symbol_hit> &out)
{
    const auto &spf = in.auth.spf;
    std::string name = "AUTHW_SPF_" + ascii::upper(to_string(spf.result));
    std::string reason = "SPF " + std::string(to_string(spf.result));
    if (!spf.domain.empty())
        reason += " for " + spf.domain + " (" + spf.identity + ")";
    if (!spf.reason.empty())
        reason += ": " + spf.reason;
    add(out, name, std::move(reason), {spf.domain});
}

void senderid_symbols(const policy_input &in, std::vector<symbol_hit> &out)
{
    const auto &sid = in.auth.senderid;
    std::string reason = "Sender ID " + std::string(to_string(sid.result));
    if (!sid.pra.empty())
        reason += " for PRA " + sid.pra;
    if (!sid.reason.empty())
        reason += ": " + sid.reason;
    add(out, "AUTHW_SENDERID_" + ascii::upper(to_string(sid.result)), std::move(reason), {sid.pra});
}

void dkim_symbols(const policy_input &in, std::vector<symbol_hit> &out)
{
    if (in.auth.dkim.empty()) {
        add(out, "AUTHW_DKIM_NONE", "no DKIM signature");
        return;
    }
    // One symbol per distinct outcome, like rspamd's R_DKIM_ALLOW/R_DKIM_REJECT:
    // a message may carry a valid and a broken signature at once.
    for (auto r : {auth_result::PASS, auth_result::FAIL, auth_result::PERMERROR,
                   auth_result::TEMPERROR, auth_result::NONE}) {
        std::vector<std::string> domains;
        std::string reasons;
        for (const auto &sig : in.auth.dkim) {
            if (sig.result != r)
                continue;
            domains.push_back(sig.domain + ":" + sig.selector);
            if (!reasons.empty())
                reasons += "; ";
            reasons += "d=" + sig.domain + " s=" + sig.selector;
            if (!sig.reason.empty())
                reasons += " (" + sig.reason + ")";
        }
        if (domains.empty())
            continue;
        add(out, "AUTHW_DKIM_" + ascii::upper(to_string(r)),
            "DKIM " + std::string(to_string(r)) + ": " + reasons, std::move(domains));
    }
}

/** The From's authentication failed (principle 4): not none, not temperror. */
std::string author_auth_failure(const policy_input &in, std::string_view from_domain)
{
    const auto &a = in.auth;
    if (is_fail(a.spf.result) && relaxed_aligned(a.spf.domain, from_domain, in.ds))
        return "SPF " + std::string(to_string(a.spf.result)) + " for " + a.spf.domain;
    if (is_fail(a.senderid.result) && relaxed_aligned(domain_of(a.senderid.pra), from_domain, in.ds))
        return "Sender ID " + std::string(to_string(a.senderid.result)) + " for " + a.senderid.pra;
    for (const auto &sig : a.dkim)
        if (sig.result == auth_result::FAIL && relaxed_aligned(sig.domain, from_domain, in.ds))
            return "DKIM fail for d=" + sig.domain;
    if (a.dmarc.result == auth_result::FAIL && a.dmarc.policy != dmarc_policy::UNKNOWN)
        return "DMARC fail against p=" + std::string(to_string(a.dmarc.policy));
    return {};
}

/** A hard fail of a protected or p=reject domain (principle 3). */
std::string protected_forgery(const policy_input &in)
{
    const auto &a = in.auth;
    auto is_protected = [&](std::string_view d) {
        return !d.empty() && in.protect != nullptr && in.protect->is_protected(d);
    };
    // "unless an aligned DKIM pass shows the mail was merely forwarded"
    auto dkim_vouches = [&](std::string_view d) {
        return std::any_of(a.dkim.begin(), a.dkim.end(), [&](const dkim_outcome &s) {
            return s.result == auth_result::PASS && s.counts_for_alignment &&
                   relaxed_aligned(s.domain, d, in.ds);
        });
    };
    if (a.spf.result == auth_result::FAIL && is_protected(a.spf.domain) && !dkim_vouches(a.spf.domain))
        return "SPF fail for protected domain " + a.spf.domain;
    auto pra_domain = domain_of(a.senderid.pra);
    if (a.senderid.result == auth_result::FAIL && is_protected(pra_domain) && !dkim_vouches(pra_domain))
        return "Sender ID fail for protected domain " + std::string(pra_domain);
    // p=reject with pct below 100 is not "only us" for every message.
    const bool rejects = applied_dmarc_policy(a.dmarc.policy, a.dmarc.pct) == dmarc_policy::REJECT;
    if (a.dmarc.result == auth_result::FAIL && !a.dmarc.dkim_aligned &&
        (rejects || is_protected(a.dmarc.from_domain)))
        return "DMARC fail for " + a.dmarc.from_domain + (rejects ? " (p=reject)" : " (protected)");
    return {};
}

/** Authentication-derived negative weight: what the budget caps. */
double auth_negative(const std::vector<symbol_hit> &own, const std::vector<external_symbol> &external,
                     const std::vector<std::string> &trust_symbols)
{
    double negative = 0.0;
    for (const auto &s : own) {
        const auto *def = find_symbol(s.name);
        if (def != nullptr && def->auth_derived && s.score < 0)
            negative += s.score;
    }
    for (const auto &e : external)
        if (e.score < 0 && is_trust_symbol(e.name, trust_symbols))
            negative += e.score;
    return negative;
}

bool vetoes(std::string_view entry, const external_symbol &e)
{
    constexpr std::string_view group = "group:";
    if (entry.starts_with(group))
        return std::find(e.groups.begin(), e.groups.end(), entry.substr(group.size())) != e.groups.end();
    return matches_pattern(e.name, entry);
}


bool trusted_sealer(const config &cfg, std::string_view sealer)
{
    return std::any_of(cfg.trusted_arc_sealers.begin(), cfg.trusted_arc_sealers.end(),
                       [&](const std::string &t) { return is_at_or_under(sealer, t); });
}

} // namespace

std::string trusted_arc_sealer(const config &cfg, const arc_outcome &arc, std::string_view from_domain,
                               const domain_services *ds)
{
    if (arc.result != auth_result::PASS || arc.sealers.empty() || from_domain.empty())
        return {};
    for (const auto &s : arc.sealers)
        if (!trusted_sealer(cfg, ascii::lower(s)))
            return {};
    const auto &hop = arc.first;
    const bool spf = hop.spf == auth_result::PASS && relaxed_aligned(hop.spf_domain, from_domain, ds);
    const bool dkim = std::any_of(hop.dkim_pass_domains.begin(), hop.dkim_pass_domains.end(),
                                  [&](const std::string &d) { return relaxed_aligned(d, from_domain, ds); });
    const bool dmarc = hop.dmarc == auth_result::PASS && ascii::iequals(hop.dmarc_domain, from_domain);
    return spf || dkim || dmarc ? arc.sealers.front() : std::string{};
}

const symbol_hit *verdict::find(std::string_view name) const
{
    for (const auto &s : symbols)
        if (s.name == name)
            return &s;
    return nullptr;
}

double unauth_strict_weight(const config &cfg, const std::vector<external_symbol> &external, bool auth_aligned,
                            bool smtp_authenticated, double *content)
{
    double positive = 0.0;
    for (const auto &e : external)
        if (e.score > 0 && !is_trust_symbol(e.name, cfg.trust_symbols))
            positive += e.score;
    if (content != nullptr)
        *content = positive;
    if (cfg.unauthenticated_multiplier <= 1.0 || auth_aligned || smtp_authenticated)
        return 0.0;
    return std::max(0.0, std::min(cfg.unauthenticated_cap, (cfg.unauthenticated_multiplier - 1.0) * positive));
}

bool aligned(const auth_results &a) noexcept
{
    return a.dmarc.spf_aligned || a.dmarc.dkim_aligned;
}

double trust_cap(const std::vector<symbol_hit> &own, const std::vector<external_symbol> &external,
                 const std::vector<std::string> &trust_symbols, double budget)
{
    double excess = -budget - auth_negative(own, external, trust_symbols);
    // In millionths, free of binary noise (12.7 - 6 is 6.699999999999999):
    // hosts print scores to six places, and a truncated 6.699999 would
    // leave the budget overdrawn in what they report.
    excess = std::round(excess * 1e6) / 1e6;
    return excess > 0 ? excess : 0.0;
}


std::string trust_veto(const config &cfg, const std::vector<symbol_hit> &own,
                       const std::vector<external_symbol> &external, double reject_score)
{
    for (const auto &entry : cfg.veto_symbols)
        for (const auto &e : external)
            if (vetoes(entry, e))
                return "veto:" + e.name;
    if (cfg.veto_score_mode == config::veto_mode::OFF)
        return {};
    const double threshold = cfg.veto_score_mode == config::veto_mode::VALUE || std::isnan(reject_score)
                                 ? cfg.veto_score
                                 : reject_score;
    double total = 0.0;
    for (const auto &s : own)
        total += s.score;
    for (const auto &e : external)
        total += e.score;
    if (total - auth_negative(own, external, cfg.trust_symbols) >= threshold)
        return "veto:score";
    return {};
}

trust_decision decide_trust(const config &cfg, const std::vector<symbol_hit> &own,
                            const std::vector<external_symbol> &external, double reject_score)
{
    trust_decision d;
    d.veto = trust_veto(cfg, own, external, reject_score);
    d.cap = trust_cap(own, external, cfg.trust_symbols, d.veto.empty() ? cfg.trust_budget : 0.0);
    return d;
}

verdict evaluate_policy(const policy_input &in)
{
    static const config default_config{};
    const config &cfg = in.cfg ? *in.cfg : default_config;
    verdict v;
    auto &out = v.symbols;
    const bool auth_aligned = aligned(in.auth);

    // Principle 1: TLS is transport. AUTHW_TLS weighs 0; only its legacy
    // forms and the botnet combination add weight, never subtract.
    if (in.tls.used) {
        std::string reason = "TLS " + (in.tls.version_text.empty() ? std::string("(version unknown)")
                                                                    : in.tls.version_text);
        if (!in.tls.cipher.empty())
            reason += " " + in.tls.cipher;
        if (!in.tls.source.empty())
            reason += " (from " + in.tls.source + ")";
        add(out, "AUTHW_TLS", std::move(reason),
            {in.tls.version_text, in.tls.cipher, in.tls.source});
        if (in.tls.legacy)
            add(out, "AUTHW_TLS_LEGACY", in.tls.legacy_reason, {in.tls.version_text, in.tls.cipher});
        if (!auth_aligned && !in.smtp_authenticated && in.host.rdns_mark() && in.host.helo_mark()) {
            auto marks = in.host.names();
            std::string list;
            for (const auto &m : marks)
                list += (list.empty() ? "" : ", ") + m;
            add(out, "AUTHW_BOTNET_TLS", "TLS from a host with botnet marks (" + list +
                                             ") and no aligned authentication",
                std::move(marks));
        }
    }

    // Principle 2: passes are modest signals.
    spf_symbols(in, out);
    if (in.has_message) {
        senderid_symbols(in, out);
        dkim_symbols(in, out);
    }
    if (auth_aligned) {
        std::string how = in.auth.dmarc.spf_aligned && in.auth.dmarc.dkim_aligned ? "SPF and DKIM"
                          : in.auth.dmarc.dkim_aligned                            ? "DKIM"
                                                                                   : "SPF";
        add(out, "AUTHW_ALIGNED", "From domain " + in.auth.dmarc.from_domain +
                                      " authenticated by aligned " + how,
            {in.auth.dmarc.from_domain});
    }

    // Forwarding (principle 5): a trusted forwarder's valid ARC chain says
    // the From was authenticated, aligned, before it broke SPF and DKIM.
    const std::string from_domain = in.from.status == from_status::SINGLE ? in.from.author.domain
                                                                          : in.auth.dmarc.from_domain;
    const std::string arc_sealer = trusted_arc_sealer(cfg, in.auth.arc, from_domain, in.ds);
    if (!arc_sealer.empty())
        add(out, "AUTHW_ARC_TRUSTED", "ARC chain of " + std::to_string(in.auth.arc.instance) +
                                          " trusted sealer(s) vouches for " + from_domain + ", authenticated at " +
                                          arc_sealer + " (i=1)",
            {in.auth.arc.sealers.back(), "i=" + std::to_string(in.auth.arc.instance)});

    // Principle 3: forgery of a domain that says "only us" (unless a
    // trusted forwarder explains the failure).
    if (auto why = protected_forgery(in); !why.empty() && arc_sealer.empty())
        add(out, "AUTHW_FORGED_PROTECTED", why + ", no aligned DKIM pass");

    // Principle 4: whitelists hold authenticated identities only. Several
    // From headers or mailboxes never count as one clean identity.
    if (in.from.status == from_status::SINGLE && in.wl != nullptr) {
        const auto &author = in.from.author;
        if (auto entry = in.wl->match(author.local_part, author.domain)) {
            if (auth_aligned) {
                add(out, "AUTHW_WL_AUTH", author.address() + " is whitelisted (" + *entry +
                                              ") and authenticated by aligned " +
                                              (in.auth.dmarc.dkim_aligned ? "DKIM" : "SPF"),
                    {*entry});
            } else if (!arc_sealer.empty()) {
                add(out, "AUTHW_WL_AUTH", author.address() + " is whitelisted (" + *entry +
                                              ") and was authenticated, aligned, before forwarding (trusted ARC "
                                              "sealer " + arc_sealer + ")",
                    {*entry});
            } else if (auto why = author_auth_failure(in, author.domain); !why.empty()) {
                add(out, "AUTHW_WL_FORGED",
                    author.address() + " is whitelisted (" + *entry + ") but " + why, {*entry});
            }
        }
    }

    // Principle 8: look-alikes get nothing, however well they authenticate.
    if (!in.lookalikes.empty()) {
        std::string reason;
        std::vector<std::string> options;
        for (const auto &m : in.lookalikes) {
            reason += (reason.empty() ? "" : "; ") + m.domain + " imitates " + m.imitates + " (" +
                      std::string(to_string(m.form)) + ")";
            options.push_back(m.domain);
        }
        add(out, "AUTHW_LOOKALIKE", std::move(reason), std::move(options));
    }

    // A display name claiming a brand, another organisation or the
    // receiver's own domain: authentication of the sender's own domain
    // does not cancel it (only the brand's own, aligned, never fires).
    if (in.display_spoof) {
        const auto &d = *in.display_spoof;
        add(out, "AUTHW_DISPLAY_SPOOF",
            "From display name \"" + text::capped(in.from.author.display_name, 60) + "\" imitates " + d.how + " " +
                d.imitated + ", From domain " + in.from.author.domain,
            {d.imitated, d.how});
    }

    // Principle 7: the history of the authenticated identities, never of
    // the bare From. The contract score is the weight at a share of 1.
    if (in.reputation != nullptr && !in.reputation->empty() && in.identities != nullptr) {
        const auto rep = assess_reputation(*in.identities, *in.reputation, cfg.reputation);
        if (rep.bad > 0.0 || rep.good > 0.0) {
            const bool bad = rep.bad > 0.0;
            const std::string_view name = bad ? "AUTHW_REP_BAD" : "AUTHW_REP_GOOD";
            const double share = bad ? rep.bad : rep.good;
            auto &hit = add(out, name, rep.identity + " has sent " + fmt_score(rep.counts.spam) + " spam and " +
                                           fmt_score(rep.counts.ham) + " ham (" +
                                           fmt_score(100.0 * share) + "% " + (bad ? "spam" : "ham") + ")",
                            {rep.identity});
            hit.score *= share;
        }
    }

    // Principle 6: opt-in, bounded extra weight for unauthenticated mail.
    double content = 0.0;
    if (double extra = unauth_strict_weight(cfg, in.external, auth_aligned, in.smtp_authenticated, &content);
        extra > 0) {
        add(out, "AUTHW_UNAUTH_STRICT", "no aligned authentication: content score " + fmt_score(content) +
                                            " weighed x" + fmt_score(cfg.unauthenticated_multiplier))
            .score = extra;
    }

    // Principle 5: no automatic pass. Computed last, over everything above;
    // a veto leaves no authentication bonus at all.
    if (auto trust = decide_trust(cfg, out, in.external, std::nan("")); trust.cap > 0) {
        if (trust.veto.empty())
            add(out, "AUTHW_TRUST_CAP", "authentication-derived weight beyond the trust budget of -" +
                                            fmt_score(cfg.trust_budget) + " added back")
                .score = trust.cap;
        else
            add(out, "AUTHW_TRUST_CAP", "all authentication-derived weight added back (" + trust.veto + ")",
                {trust.veto})
                .score = trust.cap;
    }

    for (const auto &s : out)
        v.score += s.score;
    // Keep totals free of binary noise (0.30000000000000004) for readers.
    v.score = std::round(v.score * 10000.0) / 10000.0;
    return v;
}

} // namespace authweight::core
