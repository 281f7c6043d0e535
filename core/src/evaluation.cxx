#include "authweight/evaluation.hxx"

#include "authweight/arc.hxx"
#include "authweight/dmarc.hxx"
#include "authweight/host.hxx"
#include "authweight/ip.hxx"
#include "authweight/reputation.hxx"
#include "authweight/tls.hxx"

#include <algorithm>
#include <utility>

namespace authweight::core {

namespace {

// RFC 7208 4.6.4 bounds PTR names looked at to 10; the same bound serves FCrDNS.
constexpr std::size_t max_ptr_names = 10;

/** The snapshot as one step sees it: misses are recorded as pending, or,
 *  in the last round, answered as temporary failures. */
class step_dns final : public dns_source {
public:
    step_dns(dns_snapshot &snapshot, std::vector<dns_query> &pending, bool last_round, dns_cache *cache)
        : snapshot_{snapshot}, pending_{pending}, last_round_{last_round}, cache_{cache}
    {
    }

    const dns_answer *lookup(const dns_query &query) override
    {
        dns_query q{dns_snapshot::normalize_name(query.name), query.type};
        if (const auto *a = snapshot_.find(q))
            return a;
        // What the context's cache holds is answered at once, within this
        // step: a message whose names are all cached takes one step.
        if (cache_ != nullptr) {
            if (!now_)
                now_ = dns_cache::clock::now();
            if (auto a = cache_->find(q, *now_)) {
                snapshot_.add(q, std::move(*a));
                return snapshot_.find(q);
            }
        }
        if (last_round_) {
            snapshot_.add(q, dns_answer{dns_status::TEMPFAIL, {}});
            return snapshot_.find(q);
        }
        ++misses_;
        if (std::find(pending_.begin(), pending_.end(), q) == pending_.end())
            pending_.push_back(std::move(q));
        return nullptr;
    }

    /** Lookups the snapshot could not answer so far in this step. */
    [[nodiscard]] std::size_t misses() const noexcept { return misses_; }

private:
    dns_snapshot &snapshot_;
    std::vector<dns_query> &pending_;
    bool last_round_;
    dns_cache *cache_;
    std::optional<dns_cache::clock::time_point> now_;
    std::size_t misses_{0};
};

} // namespace

engine::engine(config cfg, engine_services services) : cfg_{std::move(cfg)}, services_{std::move(services)} {}

result<std::shared_ptr<const engine>> engine::create(config cfg, engine_services services)
{
    if (!services.domains || !services.ciphers || !services.checks)
        return fail(error_code::INTERNAL, "engine: a service is missing");
    auto eng = std::make_shared<engine>(std::move(cfg), std::move(services));
    const auto &ds = *eng->services_.domains;
    for (const auto &entry : eng->cfg_.whitelist) {
        // Map URLs are loaded by the host (rspamd maps, the CLI's file reader).
        if (entry.find("://") != std::string::npos)
            continue;
        if (auto added = eng->wl_.add(entry, ds); !added)
            return fail(error_code::BAD_CONFIG, "'whitelist': " + added.error().message());
    }
    for (const auto &d : eng->cfg_.protected_domains)
        if (auto ok = ds.to_alabel(d); !ok)
            return fail(error_code::BAD_CONFIG, "'protected_domains': " + ok.error().message());
    eng->protect_ = std::make_unique<lookalike_detector>(eng->cfg_.protected_domains, ds);
    for (const auto &d : eng->cfg_.local_domains)
        if (auto ok = ds.to_alabel(d); !ok)
            return fail(error_code::BAD_CONFIG, "'local_domains': " + ok.error().message());
    // Sealers are compared as A-labels; map URLs are the host's to load.
    for (auto &d : eng->cfg_.trusted_arc_sealers) {
        if (d.find("://") != std::string::npos)
            continue;
        auto a = ds.to_alabel(d);
        if (!a)
            return fail(error_code::BAD_CONFIG, "'trusted_arc_sealers': " + a.error().message());
        d = std::move(*a);
    }
    eng->display_ = std::make_unique<display_name_checker>(eng->cfg_, ds);
    return std::shared_ptr<const engine>(std::move(eng));
}

evaluation::evaluation(std::shared_ptr<const engine> eng, delivery_facts facts)
    : eng_{std::move(eng)}, facts_{std::move(facts)}
{
}

result<std::unique_ptr<evaluation>> evaluation::create(std::shared_ptr<const engine> eng,
                                                       delivery_facts facts,
                                                       std::shared_ptr<dns_cache> cache)
{
    if (!eng)
        return fail(error_code::INTERNAL, "no engine");
    if (!facts.connection.client_ip.empty() && !ip_address::parse(facts.connection.client_ip))
        return fail(error_code::BAD_INPUT,
                    "invalid IP address '" + facts.connection.client_ip.substr(0, 100) + "'");
    // A MAIL FROM that is not a clean address is not an input error: SPF
    // judges it (RFC 7208 4.3: an identity that is not a valid domain gives
    // none, a missing local part means "postmaster").
    std::unique_ptr<evaluation> ev{new evaluation(std::move(eng), std::move(facts))};
    ev->cache_ = std::move(cache);
    if (ev->facts_.has_message) {
        // A message whose header cannot be read is scored as one without
        // headers: it must still get a verdict, never lose the connection checks.
        if (auto hb = parse_header_block(ev->facts_.message))
            ev->headers_ = std::move(*hb);
    }
    return ev;
}

void evaluation::answer(dns_query q, dns_answer a)
{
    if (cache_)
        cache_->put(q, a, dns_cache::clock::now());
    snapshot_.add(std::move(q), std::move(a));
}

void evaluation::score(report &r)
{
    policy_input in;
    // The policy reads the report's parts by value: they are lent to it
    // and taken back (swapped in, then out again), not copied.
    const auto lend = [&] {
        using std::swap;
        swap(in.tls, r.tls);
        swap(in.host, r.host);
        swap(in.from, r.from);
        swap(in.mail_from_domain, mail_from_domain_);
        swap(in.auth, r.auth);
        swap(in.lookalikes, r.lookalikes);
        swap(in.display_spoof, r.display_spoof);
        swap(in.external, facts_.external);
    };
    in.cfg = &eng_->cfg_;
    in.ds = eng_->services_.domains.get();
    in.has_message = facts_.has_message;
    in.smtp_authenticated = !facts_.connection.auth_user.empty();
    in.wl = &eng_->wl_;
    in.protect = eng_->protect_.get();
    in.reputation = &facts_.reputation;
    in.identities = &r.reputation_identities;
    r.reputation_counts.clear();
    for (const auto &id : r.reputation_identities)
        if (auto it = facts_.reputation.find(id.name); it != facts_.reputation.end())
            r.reputation_counts.emplace(id.name, it->second);
    lend();
    r.verdict = evaluate_policy(in);
    lend();
}

void evaluation::set_reputation(reputation_map counts)
{
    // Reputation weighs only in the policy: every check's result stands,
    // so the report is scored again without running them (or asking DNS).
    facts_.reputation = std::move(counts);
    if (report_)
        score(*report_);
}

const report &evaluation::result() const noexcept
{
    static const report none;
    return report_ ? *report_ : none;
}

step_status evaluation::step()
{
    pending_.clear();
    const auto &cfg = eng_->cfg_;
    const auto &ds = *eng_->services_.domains;
    // After the last round every missing answer counts as a temporary
    // failure, so evaluation always ends (STYLE 2: cap rounds).
    step_dns dns{snapshot_, pending_, rounds_ >= cfg.max_dns_rounds, cache_.get()};
    auto lookup = [&](dns_query q) { return dns.lookup(q); };

    auto fresh = std::make_unique<report>();
    report &r = *fresh;
    connection_facts conn = facts_.connection;

    // Forward-confirmed reverse DNS, unless the MTA already said.
    // A PTR lookup that failed temporarily leaves the name unknown, which
    // is not the same as no name: no mark on the host for it.
    bool rdns_unknown = false;
    const auto ip = ip_address::parse(conn.client_ip);
    if (!conn.fcrdns && ip) {
        std::vector<std::string> names;
        if (conn.hostname.empty()) {
            const auto *ptr = lookup({ip->reverse_name(), dns_type::PTR});
            if (ptr && ptr->status == dns_status::OK)
                for (const auto &n : ptr->records)
                    if (names.size() < max_ptr_names)
                        names.push_back(dns_snapshot::normalize_name(n));
            rdns_unknown = ptr == nullptr || ptr->status == dns_status::TEMPFAIL ||
                           ptr->status == dns_status::MALFORMED;
        } else if (conn.hostname != "unknown") {
            names.push_back(dns_snapshot::normalize_name(conn.hostname));
        }
        bool unknown = false;
        for (const auto &name : names) {
            const auto *fwd = lookup({name, ip->is_v4() ? dns_type::A : dns_type::AAAA});
            if (fwd == nullptr || fwd->status == dns_status::TEMPFAIL) {
                unknown = true;
                continue;
            }
            if (std::any_of(fwd->records.begin(), fwd->records.end(),
                            [&](const std::string &rec) { return ip_address::parse(rec) == ip; })) {
                conn.hostname = name;
                conn.fcrdns = true;
                break;
            }
        }
        if (!conn.fcrdns && !names.empty() && !unknown)
            conn.fcrdns = false;
        if (conn.hostname.empty() && !names.empty())
            conn.hostname = names.front();
    }

    // TLS facts: from the MTA unless the caller said where they came from.
    std::string tls_source = conn.tls_source;
    if (tls_source.empty() && (!conn.tls_version.empty() || !conn.tls_cipher.empty()))
        tls_source = "mta";
    r.tls = assess_tls(conn.tls_version, conn.tls_cipher, tls_source, *eng_->services_.ciphers);
    r.host = assess_host(conn, ds);
    if (rdns_unknown)
        r.host.no_rdns = false;

    // The author identity, its domain as an A-label. An author domain that
    // is not a valid domain is no identity at all.
    r.from = author_identity(headers_);
    if (r.from.status == from_status::SINGLE) {
        if (auto a = ds.to_alabel(r.from.author.domain)) {
            r.from.author.domain = *a;
        } else {
            r.from.status = from_status::MALFORMED;
            r.from.detail = a.error().message();
        }
    }

    std::string mail_from_domain;
    if (facts_.envelope.mail_from && !facts_.envelope.mail_from->empty())
        if (auto mf = parse_envelope_address(*facts_.envelope.mail_from))
            if (auto a = ds.to_alabel(mf->domain))
                mail_from_domain = *a;

    // Authentication. Every check runs each step over the same snapshot, so
    // the queries of all of them go out in one round.
    // A check that met no missing answer has its final result (it reads
    // nothing but the snapshot, which only grows): later steps reuse it.
    auto final_once = [&dns](auto &done, auto &&check) {
        if (done)
            return *done;
        const auto misses = dns.misses();
        auto result = check();
        if (dns.misses() == misses)
            done = result;
        return result;
    };
    const auto &checks = *eng_->services_.checks;
    if (!check_state_)
        check_state_ = checks.new_state();
    const spf_input sreq{conn.client_ip, conn.helo, facts_.envelope.mail_from};
    r.auth.spf = facts_.given_spf ? *facts_.given_spf
                                  : final_once(spf_done_, [&] { return checks.spf(sreq, dns, *check_state_); });
    if (facts_.has_message) {
        r.auth.senderid = final_once(senderid_done_, [&] {
            return checks.senderid(sreq, headers_, dns, *check_state_);
        });
        if (facts_.given_dkim) {
            r.auth.dkim = *facts_.given_dkim;
        } else if (dkim_done_) {
            r.auth.dkim = *dkim_done_;
        } else {
            // Verified once: the keys it read stay in the snapshot unchanged.
            auto d = checks.dkim(facts_.message, headers_, cfg.max_dkim_signatures, dns);
            if (d.complete)
                dkim_done_ = d.outcomes;
            r.auth.dkim = std::move(d.outcomes);
        }
        // ARC (RFC 8617) only for a message that has ARC fields: the
        // others pay one scan of the field names.
        const auto *arc = checks.arc();
        if (arc != nullptr && std::any_of(headers_.fields.begin(), headers_.fields.end(),
                                          [](const header_field &f) { return is_arc_field(f.name); }))
            r.auth.arc = final_once(arc_done_, [&] {
                return check_arc(facts_.message, headers_, {cfg.max_arc_instances, &ds}, dns, *arc);
            });
    }
    const std::string from_domain = r.from.status == from_status::SINGLE ? r.from.author.domain : "";
    r.auth.dmarc = facts_.given_dmarc ? *facts_.given_dmarc
                                      : check_dmarc(from_domain, r.auth.spf, r.auth.dkim, dns, ds);

    if (!pending_.empty()) {
        ++rounds_;
        return step_status::NEED_DNS;
    }

    // Sender domains a look-alike could hide in (principle 8).
    std::vector<std::string> sender_domains;
    auto add_domain = [&](std::string_view d) {
        if (!d.empty() && std::find(sender_domains.begin(), sender_domains.end(), d) == sender_domains.end())
            sender_domains.emplace_back(d);
    };
    if (r.from.status == from_status::SINGLE)
        add_domain(r.from.author.domain);
    add_domain(mail_from_domain);
    for (const char *hdr : {"Sender", "Resent-From", "Resent-Sender"})
        for (const auto *f : headers_.all(hdr))
            if (auto boxes = parse_address_list(f->value))
                for (const auto &mb : *boxes)
                    if (auto a = ds.to_alabel(mb.domain))
                        add_domain(*a);
    for (const auto &sig : r.auth.dkim)
        add_domain(sig.domain);
    for (const auto &d : sender_domains)
        if (auto m = eng_->protect_->check(d))
            r.lookalikes.push_back(std::move(*m));

    // A display name claiming an identity the address lacks.
    if (r.from.status == from_status::SINGLE && !r.from.author.display_name.empty()) {
        std::vector<std::string> rcpt_domains;
        for (const auto &rcpt : facts_.envelope.rcpt)
            if (auto box = parse_envelope_address(rcpt); box && !box->domain.empty())
                if (auto a = ds.to_alabel(box->domain))
                    rcpt_domains.push_back(std::move(*a));
        r.display_spoof = eng_->display_->check(r.from.author.display_name, r.from.author.domain,
                                                aligned(r.auth), rcpt_domains);
    }

    if (r.from.status == from_status::SINGLE)
        r.whitelist_entry = eng_->wl_.match(r.from.author.local_part, r.from.author.domain);

    r.reputation_identities = reputation_identities(r.auth, from_domain, cfg.reputation, &ds);
    if (reputation_source_ && !r.reputation_identities.empty()) {
        std::vector<std::string> names;
        for (const auto &id : r.reputation_identities)
            names.push_back(id.name);
        if (auto found = reputation_source_(names)) {
            for (auto &[id, counts] : *found)
                facts_.reputation.insert_or_assign(id, counts);
        } else {
            r.reputation_error = found.error().message();
        }
    }
    mail_from_domain_ = mail_from_domain;
    score(r);
    r.dns_rounds = rounds_;

    ar_render_input ar;
    ar.authserv_id = cfg.authserv_id;
    ar.auth = &r.auth;
    ar.has_message = facts_.has_message;
    if (facts_.envelope.mail_from && !facts_.envelope.mail_from->empty())
        if (auto mf = parse_envelope_address(*facts_.envelope.mail_from); mf && !mf->domain.empty())
            ar.mail_from = mf->local_part.empty() ? mf->domain : mf->address();
    ar.helo = conn.helo;
    ar.pra_header = r.auth.senderid.pra_header;
    r.authentication_results = render_authentication_results(ar);
    r.upstream_authentication_results = trusted_authentication_results(headers_, cfg.trusted_authserv_ids);
    report_ = std::move(fresh);
    return step_status::DONE;
}

} // namespace authweight::core
