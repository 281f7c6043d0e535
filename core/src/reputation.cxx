#include "authweight/reputation.hxx"

#include "authweight/ascii.hxx"
#include "authweight/dmarc.hxx"

#include <algorithm>
#include <cmath>

namespace authweight::core {

namespace {

double clean_count(double v) noexcept
{
    return std::isfinite(v) && v > 0.0 ? v : 0.0;
}

/** The key an authenticated domain is remembered under, or "" for none. */
std::string identity_key(std::string_view domain, const reputation_config &cfg, const domain_services *ds)
{
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    if (domain.empty() || domain.size() > max_identity_length)
        return {};
    std::string name;
    if (ds != nullptr) {
        auto a = ds->to_alabel(domain);
        if (!a)
            return {};
        name = std::move(*a);
    } else {
        name = ascii::lower(domain);
    }
    if (cfg.identity == "registrable" && ds != nullptr) {
        // A public suffix itself (d=co.uk) names no organisation.
        auto reg = ds->registrable_domain(name);
        if (!reg)
            return {};
        name = std::move(*reg);
    }
    return valid_identity(name) ? name : std::string{};
}

} // namespace

bool valid_identity(std::string_view name) noexcept
{
    if (name.empty() || name.size() > max_identity_length)
        return false;
    std::size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0 || label > 63)
                return false;
            label = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
        ++label;
    }
    return label > 0 && label <= 63;
}

std::vector<reputation_identity> reputation_identities(const auth_results &auth, std::string_view from_domain,
                                                       const reputation_config &cfg,
                                                       const domain_services *ds)
{
    std::vector<reputation_identity> out;
    auto add = [&](std::string_view domain, const char *via) {
        auto key = identity_key(domain, cfg, ds);
        if (key.empty())
            return;
        for (auto &id : out)
            if (id.name == key) {
                if (std::find(id.via.begin(), id.via.end(), via) == id.via.end())
                    id.via.emplace_back(via);
                return;
            }
        if (out.size() < max_reputation_identities)
            out.push_back(reputation_identity{std::move(key), {via}});
    };

    // A signature that does not cover the message as delivered (l= with
    // unsigned content, From outside h=) would let anyone append spam to a
    // good sender's mail and charge it to that sender.
    for (const auto &sig : auth.dkim)
        if (sig.result == auth_result::PASS && sig.counts_for_alignment)
            add(sig.domain, "dkim");
    // The MAIL FROM domain says nothing about the author unless it is
    // aligned with From (RFC 7489 3.1.2); the HELO identity never counts.
    if (auth.spf.result == auth_result::PASS && auth.spf.identity == "mailfrom" &&
        relaxed_aligned(auth.spf.domain, from_domain, ds))
        add(auth.spf.domain, "spf");
    if (auth.senderid.result == auth_result::PASS) {
        std::string_view pra = auth.senderid.pra;
        if (auto at = pra.rfind('@'); at != std::string_view::npos)
            add(pra.substr(at + 1), "senderid");
    }
    return out;
}

reputation_counts decayed(const reputation_record &r, std::int64_t now, double half_life) noexcept
{
    reputation_counts c{clean_count(r.spam), clean_count(r.ham)};
    if (now <= r.updated || !(half_life > 0.0))
        return c;
    const double age = static_cast<double>(now - r.updated);
    const double factor = std::exp2(-age / half_life);
    c.spam *= factor;
    c.ham *= factor;
    return c;
}

reputation_record observe(const reputation_record &r, std::int64_t now, double spam, double ham,
                          const reputation_config &cfg) noexcept
{
    auto c = decayed(r, now, cfg.half_life);
    c.spam += clean_count(spam);
    c.ham += clean_count(ham);
    // Saturate both by one factor so the spam share survives and no count
    // grows without bound, whatever the message rate.
    const double cap = cfg.max_count > 0.0 ? cfg.max_count : 1.0;
    if (const double total = c.total(); total > cap) {
        const double f = cap / total;
        c.spam *= f;
        c.ham *= f;
    }
    return reputation_record{c.spam, c.ham, std::max(r.updated, now)};
}

std::optional<reputation_lesson> lesson_for(std::string_view verdict, const reputation_config &cfg) noexcept
{
    auto is = [&](std::string_view a, std::string_view b = {}) { return verdict == a || (!b.empty() && verdict == b); };
    if (is("spam"))
        return reputation_lesson{cfg.learn_weight, 0.0};
    if (is("ham"))
        return reputation_lesson{0.0, cfg.learn_weight};
    const auto &a = cfg.actions;
    double w = 0.0;
    // rspamd spells actions with a space; the config keys use '_'.
    // discard and quarantine are reject by other means.
    if (is("reject") || is("discard") || is("quarantine"))
        w = a.reject;
    else if (is("soft reject", "soft_reject"))
        w = a.soft_reject;
    else if (is("rewrite subject", "rewrite_subject"))
        w = a.rewrite_subject;
    else if (is("add header", "add_header"))
        w = a.add_header;
    else if (is("greylist"))
        w = a.greylist;
    else if (is("no action", "no_action"))
        w = a.no_action;
    else
        return std::nullopt;
    if (!std::isfinite(w))
        return reputation_lesson{};
    return w > 0.0 ? reputation_lesson{w, 0.0} : reputation_lesson{0.0, -w};
}

reputation_assessment assess_reputation(const std::vector<reputation_identity> &identities,
                                        const reputation_map &counts, const reputation_config &cfg)
{
    reputation_assessment worst, best;
    double worst_share = -1.0, best_ham = -1.0;
    for (const auto &id : identities) {
        auto it = counts.find(id.name);
        if (it == counts.end())
            continue;
        const reputation_counts c{clean_count(it->second.spam), clean_count(it->second.ham)};
        const double total = c.total();
        if (!(total > 0.0) || total < cfg.min_messages)
            continue;
        const double share = c.spam / total;
        if (share > worst_share) {
            worst_share = share;
            worst.identity = id.name;
            worst.counts = c;
        }
        if (1.0 - share > best_ham) {
            best_ham = 1.0 - share;
            best.identity = id.name;
            best.counts = c;
        }
    }
    if (worst_share > 0.0 && worst_share >= cfg.bad_threshold) {
        worst.bad = worst_share;
        return worst;
    }
    if (best_ham > 0.0 && best_ham >= cfg.good_threshold) {
        best.good = best_ham;
        return best;
    }
    return {};
}

} // namespace authweight::core
