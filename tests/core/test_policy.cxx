// Policy engine: DESIGN principles 1-6 and 8 as pure functions.
#include "authweight/policy.hxx"
#include "authweight/symbols.hxx"
#include "domain_libs.hxx"

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

using namespace authweight::core;

namespace {

const domain_services &services()
{
    static auto ds = authweight::adapters::make_domain_services();
    return **ds;
}

/** A self-contained policy scenario; build() wires the pointers. */
struct scenario {
    config cfg;
    whitelist wl;
    std::unique_ptr<lookalike_detector> protect;
    policy_input in;

    explicit scenario(std::vector<std::string> wl_entries = {"friend@example.org", "@partner.example"},
                      std::vector<std::string> protected_domains = {"paypal.com", "bank.example"})
    {
        cfg.protected_domains = std::move(protected_domains);
        for (const auto &e : wl_entries)
            CHECK_TRUE(wl.add(e, services()).has_value());
        protect = std::make_unique<lookalike_detector>(cfg.protected_domains, services());
        in.cfg = &cfg;
        in.ds = &services();
        in.wl = &wl;
        in.protect = protect.get();
        in.has_message = true;
    }

    scenario &from(std::string local, std::string domain)
    {
        in.from.status = from_status::SINGLE;
        in.from.author.local_part = std::move(local);
        in.from.author.domain = domain;
        in.auth.dmarc.from_domain = std::move(domain);
        return *this;
    }
    scenario &spf(auth_result r, std::string domain)
    {
        in.auth.spf.result = r;
        in.auth.spf.domain = std::move(domain);
        in.auth.dmarc.spf_aligned = r == auth_result::PASS &&
                                    services().registrable_domain(in.auth.spf.domain) ==
                                        services().registrable_domain(in.auth.dmarc.from_domain);
        return *this;
    }
    scenario &dkim(auth_result r, std::string domain)
    {
        in.auth.dkim.push_back(dkim_outcome{domain, "sel", "rsa-sha256", r, true, ""});
        if (r == auth_result::PASS &&
            services().registrable_domain(domain) == services().registrable_domain(in.auth.dmarc.from_domain))
            in.auth.dmarc.dkim_aligned = true;
        return *this;
    }
    scenario &tls(std::string version, std::string cipher, bool legacy = false)
    {
        in.tls.used = true;
        in.tls.version = parse_tls_version(version);
        in.tls.version_text = std::move(version);
        in.tls.cipher = std::move(cipher);
        in.tls.source = "mta";
        in.tls.legacy = legacy;
        in.tls.legacy_reason = legacy ? "legacy" : "";
        return *this;
    }
    scenario &botnet_host()
    {
        in.host.rdns_dynamic = true;
        in.host.helo_ip_literal = true;
        return *this;
    }
    scenario &external(std::string name, double score)
    {
        in.external.push_back({std::move(name), score});
        return *this;
    }
    [[nodiscard]] verdict run() const { return evaluate_policy(in); }
};

bool has(const verdict &v, const char *name)
{
    return v.find(name) != nullptr;
}

/** Sum of authentication-derived negative weight, own and external, after the cap. */
double auth_negative_after_cap(const verdict &v, const policy_input &in)
{
    double sum = 0;
    for (const auto &s : v.symbols) {
        const auto *def = find_symbol(s.name);
        if (def && def->auth_derived && s.score < 0)
            sum += s.score;
        if (s.name == "AUTHW_TRUST_CAP")
            sum += s.score;
    }
    for (const auto &e : in.external)
        for (const auto &p : in.cfg->trust_symbols) {
            bool prefix = !p.empty() && p.back() == '*';
            if ((prefix && e.name.rfind(p.substr(0, p.size() - 1), 0) == 0) || e.name == p) {
                if (e.score < 0)
                    sum += e.score;
                break;
            }
        }
    return sum;
}

} // namespace

TEST_GROUP(policy){};

// Principle 1: TLS never lowers a score, whatever else is true.
TEST(policy, tls_alone_never_lowers_score)
{
    struct test_case {
        const char *name;
        auth_result spf_result;
        bool whitelisted_author;
        bool botnet;
        const char *version;
        const char *cipher;
    };
    static const test_case cases[] = {
        {"unauthenticated", auth_result::NONE, false, false, "TLSv1.3", "TLS_AES_256_GCM_SHA384"},
        {"spf pass", auth_result::PASS, false, false, "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"},
        {"whitelisted friend", auth_result::PASS, true, false, "TLSv1.3", "TLS_AES_128_GCM_SHA256"},
        {"spf fail", auth_result::FAIL, false, false, "TLSv1.3", "TLS_AES_256_GCM_SHA384"},
        {"botnet host", auth_result::NONE, false, true, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"},
        {"legacy tls", auth_result::NONE, false, false, "TLSv1", "AES128-SHA"},
    };
    for (const auto &c : cases) {
        scenario plain, with_tls;
        for (auto *s : {&plain, &with_tls}) {
            s->from(c.whitelisted_author ? "friend" : "someone", "example.org").spf(c.spf_result, "example.org");
            if (c.botnet)
                s->botnet_host();
        }
        with_tls.tls(c.version, c.cipher, std::string(c.version) == "TLSv1");
        auto got_plain = plain.run();
        auto got_tls = with_tls.run();
        CHECK_TEXT(got_tls.score >= got_plain.score, c.name);
        CHECK_TEXT(has(got_tls, "AUTHW_TLS"), c.name);
        CHECK_TEXT(!has(got_plain, "AUTHW_TLS"), c.name);
        DOUBLES_EQUAL(0.0, got_tls.find("AUTHW_TLS")->score, 1e-9);
    }
}

TEST(policy, tls_symbol_carries_version_and_cipher)
{
    scenario s;
    s.tls("TLSv1.3", "TLS_AES_256_GCM_SHA384");
    auto v = s.run();
    const auto *t = v.find("AUTHW_TLS");
    CHECK_TRUE(t != nullptr);
    STRCMP_EQUAL("TLSv1.3", t->options.at(0).c_str());
    STRCMP_EQUAL("TLS_AES_256_GCM_SHA384", t->options.at(1).c_str());
    STRCMP_EQUAL("mta", t->options.at(2).c_str());
}

TEST(policy, botnet_marks_need_tls_and_no_alignment)
{
    struct test_case {
        const char *name;
        bool tls;
        bool aligned_pass;
        bool rdns_mark;
        bool helo_mark;
        bool smtp_auth;
        bool want_botnet;
    };
    static const test_case cases[] = {
        {"all marks", true, false, true, true, false, true},
        {"no tls", false, false, true, true, false, false},
        {"aligned auth", true, true, true, true, false, false},
        {"rdns only", true, false, true, false, false, false},
        {"helo only", true, false, false, true, false, false},
        {"smtp auth submission", true, false, true, true, true, false},
    };
    for (const auto &c : cases) {
        scenario s;
        s.from("x", "example.org").spf(c.aligned_pass ? auth_result::PASS : auth_result::NONE, "example.org");
        if (c.tls)
            s.tls("TLSv1.3", "TLS_AES_256_GCM_SHA384");
        s.in.host.rdns_dynamic = c.rdns_mark;
        s.in.host.helo_ip_literal = c.helo_mark;
        s.in.smtp_authenticated = c.smtp_auth;
        auto v = s.run();
        CHECK_EQUAL_TEXT(c.want_botnet, has(v, "AUTHW_BOTNET_TLS"), c.name);
        if (c.want_botnet)
            DOUBLES_EQUAL(3.0, v.find("AUTHW_BOTNET_TLS")->score, 1e-9);
    }
}

TEST(policy, legacy_tls_is_a_small_positive_signal)
{
    scenario s;
    s.tls("TLSv1", "AES128-SHA", true);
    auto v = s.run();
    CHECK_TRUE(has(v, "AUTHW_TLS_LEGACY"));
    DOUBLES_EQUAL(0.5, v.find("AUTHW_TLS_LEGACY")->score, 1e-9);
}

// Principle 4: whitelist entries count only with aligned authentication.
TEST(policy, whitelist_needs_aligned_authentication)
{
    struct test_case {
        const char *name;
        const char *local;
        const char *domain;
        auth_result spf_result;
        const char *spf_domain;
        auth_result dkim_result;
        const char *dkim_domain;
        bool want_auth;
        bool want_forged;
    };
    static const test_case cases[] = {
        {"aligned spf pass", "friend", "example.org", auth_result::PASS, "example.org", auth_result::NONE, "", true, false},
        {"aligned dkim pass", "friend", "example.org", auth_result::NONE, "", auth_result::PASS, "example.org", true, false},
        {"dkim pass of subdomain (relaxed)", "friend", "example.org", auth_result::NONE, "", auth_result::PASS, "mail.example.org", true, false},
        {"no authentication at all", "friend", "example.org", auth_result::NONE, "example.org", auth_result::NONE, "", false, false},
        {"spf pass of another domain", "friend", "example.org", auth_result::PASS, "bulk-mailer.example", auth_result::NONE, "", false, false},
        {"dkim pass of another domain", "friend", "example.org", auth_result::NONE, "", auth_result::PASS, "attacker.example", false, false},
        {"spf temperror", "friend", "example.org", auth_result::TEMPERROR, "example.org", auth_result::NONE, "", false, false},
        {"dkim temperror", "friend", "example.org", auth_result::NONE, "", auth_result::TEMPERROR, "example.org", false, false},
        {"spf fail", "friend", "example.org", auth_result::FAIL, "example.org", auth_result::NONE, "", false, true},
        {"spf softfail", "friend", "example.org", auth_result::SOFTFAIL, "example.org", auth_result::NONE, "", false, true},
        {"dkim fail", "friend", "example.org", auth_result::NONE, "", auth_result::FAIL, "example.org", false, true},
        {"domain entry, aligned", "anyone", "partner.example", auth_result::PASS, "partner.example", auth_result::NONE, "", true, false},
        {"domain entry, subdomain not listed", "anyone", "sub.partner.example", auth_result::PASS, "sub.partner.example", auth_result::NONE, "", false, false},
        {"not whitelisted, aligned", "stranger", "example.org", auth_result::PASS, "example.org", auth_result::NONE, "", false, false},
        {"not whitelisted, failing", "stranger", "example.org", auth_result::FAIL, "example.org", auth_result::NONE, "", false, false},
    };
    for (const auto &c : cases) {
        scenario s;
        s.from(c.local, c.domain);
        if (c.spf_result != auth_result::NONE || c.spf_domain[0])
            s.spf(c.spf_result, c.spf_domain);
        if (c.dkim_result != auth_result::NONE)
            s.dkim(c.dkim_result, c.dkim_domain);
        auto v = s.run();
        CHECK_EQUAL_TEXT(c.want_auth, has(v, "AUTHW_WL_AUTH"), c.name);
        CHECK_EQUAL_TEXT(c.want_forged, has(v, "AUTHW_WL_FORGED"), c.name);
        if (c.want_auth)
            DOUBLES_EQUAL(-4.0, v.find("AUTHW_WL_AUTH")->score, 1e-9);
    }
}

TEST(policy, several_from_is_never_a_whitelisted_identity)
{
    scenario s;
    s.from("friend", "example.org").spf(auth_result::PASS, "example.org");
    s.in.from.status = from_status::MULTIPLE;
    auto v = s.run();
    CHECK_FALSE(has(v, "AUTHW_WL_AUTH"));
}

// Principle 3: forgery of a protected domain.
TEST(policy, forged_protected_domain)
{
    struct test_case {
        const char *name;
        const char *from_domain;
        auth_result spf_result;
        auth_result dkim_result;
        dmarc_policy policy;
        bool want;
    };
    static const test_case cases[] = {
        {"spf fail of a listed brand", "paypal.com", auth_result::FAIL, auth_result::NONE, dmarc_policy::UNKNOWN, true},
        {"spf fail, aligned dkim pass: forwarded", "paypal.com", auth_result::FAIL, auth_result::PASS, dmarc_policy::UNKNOWN, false},
        {"softfail is not a hard fail", "paypal.com", auth_result::SOFTFAIL, auth_result::NONE, dmarc_policy::UNKNOWN, false},
        {"temperror never punished", "paypal.com", auth_result::TEMPERROR, auth_result::NONE, dmarc_policy::UNKNOWN, false},
        {"spf fail of an unlisted domain", "example.org", auth_result::FAIL, auth_result::NONE, dmarc_policy::UNKNOWN, false},
        {"spf fail of a subdomain of a brand", "mail.bank.example", auth_result::FAIL, auth_result::NONE, dmarc_policy::UNKNOWN, true},
    };
    for (const auto &c : cases) {
        scenario s;
        s.from("service", c.from_domain).spf(c.spf_result, c.from_domain);
        if (c.dkim_result != auth_result::NONE)
            s.dkim(c.dkim_result, c.from_domain);
        s.in.auth.dmarc.policy = c.policy;
        auto v = s.run();
        CHECK_EQUAL_TEXT(c.want, has(v, "AUTHW_FORGED_PROTECTED"), c.name);
    }
}

TEST(policy, dmarc_reject_domain_is_protected)
{
    scenario s;
    s.from("news", "example.net").spf(auth_result::FAIL, "example.net");
    s.in.auth.dmarc.result = auth_result::FAIL;
    s.in.auth.dmarc.policy = dmarc_policy::REJECT;
    CHECK_TRUE(has(s.run(), "AUTHW_FORGED_PROTECTED"));
    s.in.auth.dmarc.policy = dmarc_policy::NONE;
    CHECK_FALSE(has(s.run(), "AUTHW_FORGED_PROTECTED"));
    // RFC 7489 6.6.4: p=reject with pct below 100 asks for no rejection of
    // every failing message (issue 21: p=reject; pct=0 is not protection).
    s.in.auth.dmarc.policy = dmarc_policy::REJECT;
    for (int pct : {0, 50, 99}) {
        s.in.auth.dmarc.pct = pct;
        CHECK_FALSE_TEXT(has(s.run(), "AUTHW_FORGED_PROTECTED"), std::to_string(pct).c_str());
    }
    s.in.auth.dmarc.pct = 100;
    CHECK_TRUE(has(s.run(), "AUTHW_FORGED_PROTECTED"));
}

TEST(policy, applied_dmarc_policy_is_the_next_lower_below_pct_100)
{
    CHECK_TRUE(applied_dmarc_policy(dmarc_policy::REJECT, 100) == dmarc_policy::REJECT);
    CHECK_TRUE(applied_dmarc_policy(dmarc_policy::REJECT, 0) == dmarc_policy::QUARANTINE);
    CHECK_TRUE(applied_dmarc_policy(dmarc_policy::QUARANTINE, 99) == dmarc_policy::NONE);
    CHECK_TRUE(applied_dmarc_policy(dmarc_policy::NONE, 0) == dmarc_policy::NONE);
    CHECK_TRUE(applied_dmarc_policy(dmarc_policy::UNKNOWN, 0) == dmarc_policy::UNKNOWN);
}

// Principle 5: the trust budget holds when negative signals stack.
TEST(policy, trust_budget_holds_when_signals_stack)
{
    struct test_case {
        const char *name;
        double budget;
        std::vector<external_symbol> external;
        bool want_cap;
    };
    const test_case cases[] = {
        {"own symbols only, within budget", 6.0, {}, false},
        {"rspamd whitelist on top", 6.0, {{"WHITELIST_DMARC", -7.0}}, true},
        {"many rspamd allows", 6.0, {{"R_SPF_ALLOW", -0.2}, {"R_DKIM_ALLOW", -0.2}, {"DMARC_POLICY_ALLOW", -0.5}, {"ARC_ALLOW", -1.0}, {"WHITELIST_SPF_DKIM", -3.0}}, true},
        {"content symbols are not trust symbols", 6.0, {{"BAYES_HAM", -3.0}}, false},
        {"small budget", 2.0, {}, true},
        {"zero budget", 0.0, {{"R_SPF_ALLOW", -0.2}}, true},
    };
    for (const auto &c : cases) {
        scenario s;
        s.cfg.trust_budget = c.budget;
        s.from("friend", "example.org").spf(auth_result::PASS, "example.org").dkim(auth_result::PASS, "example.org");
        s.in.auth.senderid.result = auth_result::PASS;
        s.in.auth.senderid.pra = "friend@example.org";
        s.in.external = c.external;
        auto v = s.run();
        CHECK_TRUE_TEXT(has(v, "AUTHW_WL_AUTH"), c.name);
        CHECK_EQUAL_TEXT(c.want_cap, has(v, "AUTHW_TRUST_CAP"), c.name);
        double got = auth_negative_after_cap(v, s.in);
        CHECK_TEXT(got >= -c.budget - 1e-9, c.name);
        if (c.want_cap)  // the cap adds back exactly the excess
            DOUBLES_EQUAL(-c.budget, got, 1e-9);
    }
}

TEST(policy, authenticated_friend_with_spam_content_is_not_rescued)
{
    scenario s;
    s.from("friend", "example.org").spf(auth_result::PASS, "example.org").dkim(auth_result::PASS, "example.org");
    s.external("WHITELIST_DMARC", -7.0).external("GTUBE", 20.0);
    auto v = s.run();
    // authweight's own total plus every external symbol: the bonus is capped at the budget.
    double total = v.score;
    for (const auto &e : s.in.external)
        total += e.score;
    CHECK_TRUE(total >= 20.0 - s.cfg.trust_budget - 1e-9);
}

// Principle 5's vetoes (issue 21): malware, known phishing or content that
// alone reaches the reject threshold leave no authentication bonus at all.
TEST(policy, a_veto_symbol_leaves_no_authentication_bonus)
{
    struct test_case {
        const char *name;
        external_symbol veto;
        const char *option;
    };
    const test_case cases[] = {
        {"named in veto_symbols", {"CLAM_VIRUS", 0.0}, "veto:CLAM_VIRUS"},
        {"a member of group:antivirus", {"MY_AV_HIT", 1.0, {"virus_other", "antivirus"}}, "veto:MY_AV_HIT"},
        {"a prefix entry", {"PHISHED_LOCAL", 0.5}, "veto:PHISHED_LOCAL"},
    };
    for (const auto &c : cases) {
        scenario s;
        s.cfg.veto_symbols.push_back("PHISHED_*");
        s.from("friend", "example.org").spf(auth_result::PASS, "example.org").dkim(auth_result::PASS, "example.org");
        s.external("R_DKIM_ALLOW", -0.2);
        s.in.external.push_back(c.veto);
        auto v = s.run();
        const auto *cap = v.find("AUTHW_TRUST_CAP");
        CHECK_TEXT(cap != nullptr, c.name);
        STRCMP_EQUAL_TEXT(c.option, cap->options.at(0).c_str(), c.name);
        DOUBLES_EQUAL_TEXT(0.0, auth_negative_after_cap(v, s.in), 1e-9, c.name);
    }
    // Not in the list, or in another group: the budget is the usual one.
    scenario s;
    s.from("friend", "example.org").spf(auth_result::PASS, "example.org").dkim(auth_result::PASS, "example.org");
    s.in.external.push_back({"MY_AV_HIT", 1.0, {"virus_other"}});
    CHECK_FALSE(has(s.run(), "AUTHW_TRUST_CAP"));
}

TEST(policy, content_reaching_the_reject_threshold_vetoes_the_bonus)
{
    scenario s;
    s.from("friend", "example.org").spf(auth_result::PASS, "example.org").dkim(auth_result::PASS, "example.org");
    s.external("WHITELIST_DMARC", -7.0).external("SPAMMY_CONTENT", 16.0);
    auto v = s.run();
    const auto *cap = v.find("AUTHW_TRUST_CAP");
    CHECK_TRUE(cap != nullptr);
    STRCMP_EQUAL("veto:score", cap->options.at(0).c_str());
    DOUBLES_EQUAL(0.0, auth_negative_after_cap(v, s.in), 1e-9);

    // +8 alone rejects nothing: the bonus counts, within the budget.
    s.in.external.back().score = 8.0;
    v = s.run();
    cap = v.find("AUTHW_TRUST_CAP");
    CHECK_TRUE(cap != nullptr);
    CHECK_TRUE(cap->options.empty());
    DOUBLES_EQUAL(-s.cfg.trust_budget, auth_negative_after_cap(v, s.in), 1e-9);

    // veto_score false: off; a number: that score, whatever the host says.
    s.in.external.back().score = 16.0;
    s.cfg.veto_score_mode = config::veto_mode::OFF;
    CHECK_TRUE(s.run().find("AUTHW_TRUST_CAP")->options.empty());
    s.cfg.veto_score_mode = config::veto_mode::VALUE;
    s.cfg.veto_score = 30.0;
    CHECK_TRUE(decide_trust(s.cfg, {}, s.in.external, 10.0).veto.empty());
    // true: the host's reject threshold when it has one.
    s.cfg.veto_score_mode = config::veto_mode::REJECT_ACTION;
    CHECK_EQUAL(std::string("veto:score"), decide_trust(s.cfg, {}, {{"X", 10.5}}, 10.0).veto);
    CHECK_TRUE(decide_trust(s.cfg, {}, {{"X", 10.5}}, std::nan("")).veto.empty());
}

// Forwarded mail (issue 21, RFC 8617): a list that adds a footer breaks the
// friend's SPF and DKIM; a valid ARC chain from a trusted sealer explains it.
namespace {

scenario forwarded_friend()
{
    scenario s({"friend@example.org"}, {"example.org"});
    s.cfg.trusted_arc_sealers = {"example.net"};
    s.from("friend", "example.org").spf(auth_result::FAIL, "example.org").dkim(auth_result::FAIL, "example.org");
    s.in.auth.dmarc.result = auth_result::FAIL;
    s.in.auth.dmarc.policy = dmarc_policy::REJECT;
    auto &arc = s.in.auth.arc;
    arc.result = auth_result::PASS;
    arc.sealers = {"lists.example.net"};
    arc.instance = 1;
    arc.first.spf = auth_result::PASS;
    arc.first.spf_domain = "example.org";
    arc.first.dkim_pass_domains = {"example.org"};
    arc.first.dmarc = auth_result::PASS;
    arc.first.dmarc_domain = "example.org";
    return s;
}

} // namespace

TEST(policy, a_trusted_arc_chain_explains_what_forwarding_broke)
{
    auto s = forwarded_friend();
    auto v = s.run();
    const auto *arc = v.find("AUTHW_ARC_TRUSTED");
    CHECK_TRUE(arc != nullptr);
    DOUBLES_EQUAL(-0.5, arc->score, 1e-9);
    STRCMP_EQUAL("lists.example.net", arc->options.at(0).c_str());
    STRCMP_EQUAL("i=1", arc->options.at(1).c_str());
    CHECK_TRUE(has(v, "AUTHW_WL_AUTH"));
    CHECK_FALSE(has(v, "AUTHW_WL_FORGED"));
    CHECK_FALSE(has(v, "AUTHW_FORGED_PROTECTED"));
    CHECK_TRUE(auth_negative_after_cap(v, s.in) >= -s.cfg.trust_budget - 1e-9);

    // Any one aligned pass at the first hop is enough.
    s.in.auth.arc.first.spf = auth_result::FAIL;
    s.in.auth.arc.first.dmarc = auth_result::NONE;
    CHECK_TRUE(has(s.run(), "AUTHW_ARC_TRUSTED"));
}

TEST(policy, an_untrusted_or_broken_arc_chain_earns_and_removes_nothing)
{
    struct test_case {
        const char *name;
        void (*spoil)(scenario &);
    };
    const test_case cases[] = {
        {"untrusted sealer", [](scenario &s) { s.in.auth.arc.sealers = {"lists.other.example"}; }},
        {"a look-alike of a trusted sealer", [](scenario &s) { s.in.auth.arc.sealers = {"badexample.net"}; }},
        {"a later sealer untrusted", [](scenario &s) {
             s.in.auth.arc.sealers.push_back("relay.other.example");
             s.in.auth.arc.instance = 2;
         }},
        {"cv=fail", [](scenario &s) { s.in.auth.arc.result = auth_result::FAIL; }},
        {"no chain", [](scenario &s) { s.in.auth.arc = {}; }},
        {"first hop authenticated another domain", [](scenario &s) {
             s.in.auth.arc.first = {auth_result::PASS, "evil.example", {"evil.example"}, auth_result::PASS,
                                    "evil.example"};
         }},
        {"first hop says nothing passed", [](scenario &s) { s.in.auth.arc.first = {}; }},
    };
    for (const auto &c : cases) {
        auto s = forwarded_friend();
        c.spoil(s);
        auto v = s.run();
        CHECK_FALSE_TEXT(has(v, "AUTHW_ARC_TRUSTED"), c.name);
        CHECK_FALSE_TEXT(has(v, "AUTHW_WL_AUTH"), c.name);
        CHECK_TRUE_TEXT(has(v, "AUTHW_WL_FORGED"), c.name);
        CHECK_TRUE_TEXT(has(v, "AUTHW_FORGED_PROTECTED"), c.name);
    }
}

// Principle 6: opt-in, bounded aggressive mode.
TEST(policy, unauthenticated_multiplier)
{
    struct test_case {
        const char *name;
        double multiplier;
        bool aligned_pass;
        double content;
        double want;  // expected AUTHW_UNAUTH_STRICT weight, 0 = absent
    };
    static const test_case cases[] = {
        {"off by default", 1.0, false, 4.0, 0.0},
        {"x1.5 of 4", 1.5, false, 4.0, 2.0},
        {"capped", 3.0, false, 10.0, 5.0},
        {"aligned mail untouched", 2.0, true, 4.0, 0.0},
        {"no content score", 2.0, false, 0.0, 0.0},
    };
    for (const auto &c : cases) {
        scenario s;
        s.cfg.unauthenticated_multiplier = c.multiplier;
        s.from("x", "example.org").spf(c.aligned_pass ? auth_result::PASS : auth_result::NONE, "example.org");
        s.external("SOME_CONTENT_RULE", c.content).external("R_SPF_ALLOW", -0.2);
        auto v = s.run();
        const auto *hit = v.find("AUTHW_UNAUTH_STRICT");
        if (c.want == 0.0) {
            CHECK_TRUE_TEXT(hit == nullptr, c.name);
        } else {
            CHECK_TRUE_TEXT(hit != nullptr, c.name);
            DOUBLES_EQUAL(c.want, hit->score, 1e-9);
        }
    }
}

// Principle 8: look-alikes flagged however well they authenticate.
TEST(policy, lookalike_flagged_even_when_authenticated)
{
    scenario s;
    s.from("service", "paypa1.com").spf(auth_result::PASS, "paypa1.com").dkim(auth_result::PASS, "paypa1.com");
    s.in.lookalikes.push_back(lookalike_match{"paypa1.com", "paypal.com", lookalike_form::DIGIT});
    auto v = s.run();
    CHECK_TRUE(has(v, "AUTHW_LOOKALIKE"));
    CHECK_TRUE(has(v, "AUTHW_ALIGNED"));
    DOUBLES_EQUAL(5.0, v.find("AUTHW_LOOKALIKE")->score, 1e-9);
}

TEST(policy, every_symbol_emitted_is_in_the_contract)
{
    scenario s;
    s.from("friend", "example.org").spf(auth_result::FAIL, "example.org").dkim(auth_result::PERMERROR, "example.org");
    s.tls("TLSv1", "RC4-SHA", true).botnet_host();
    auto v = s.run();
    double sum = 0;
    for (const auto &sym : v.symbols) {
        CHECK_TRUE_TEXT(find_symbol(sym.name) != nullptr, sym.name.c_str());
        CHECK_FALSE_TEXT(sym.reason.empty(), sym.name.c_str());
        sum += sym.score;
    }
    DOUBLES_EQUAL(sum, v.score, 1e-4);
}
