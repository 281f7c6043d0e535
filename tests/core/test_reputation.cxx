// Reputation of authenticated identities (DESIGN principle 7): which
// identities a message proves, decay, saturation, lessons, assessment, and
// the policy's AUTHW_REP_* symbols.
#include "authweight/policy.hxx"
#include "authweight/reputation.hxx"
#include "authweight/symbols.hxx"
#include "domain_libs.hxx"

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace authweight::core;

namespace {

const domain_services &services()
{
    static auto ds = authweight::adapters::make_domain_services();
    return **ds;
}

dkim_outcome sig(std::string d, auth_result r, bool covers = true)
{
    return dkim_outcome{std::move(d), "s1", "rsa-sha256", r, covers, ""};
}

std::string names(const std::vector<reputation_identity> &ids)
{
    std::string out;
    for (const auto &id : ids) {
        out += out.empty() ? "" : " ";
        out += id.name + "=";
        for (std::size_t i = 0; i < id.via.size(); ++i)
            out += (i ? "+" : "") + id.via[i];
    }
    return out;
}

} // namespace

TEST_GROUP(reputation){};

TEST(reputation, identities_are_only_authenticated_ones)
{
    struct test_case {
        const char *what;
        auth_results auth;
        const char *from_domain;
        const char *identity_mode;
        const char *want;
    };
    auto with = [](auto f) {
        auth_results a;
        f(a);
        return a;
    };
    const test_case cases[] = {
        {"nothing authenticated: the From alone is no identity",
         with([](auth_results &) {}), "bank.example", "registrable", ""},
        {"DKIM pass: d= as registrable domain",
         with([](auth_results &a) { a.dkim.push_back(sig("mail.news.example.co.uk", auth_result::PASS)); }),
         "other.example", "registrable", "example.co.uk=dkim"},
        {"DKIM pass, full domain",
         with([](auth_results &a) { a.dkim.push_back(sig("Mail.News.Example.co.uk.", auth_result::PASS)); }),
         "", "full", "mail.news.example.co.uk=dkim"},
        {"DKIM fail, temperror and permerror prove nothing",
         with([](auth_results &a) {
             a.dkim.push_back(sig("bank.example", auth_result::FAIL));
             a.dkim.push_back(sig("bank.example", auth_result::TEMPERROR));
             a.dkim.push_back(sig("bank.example", auth_result::PERMERROR));
         }),
         "bank.example", "registrable", ""},
        {"a pass that does not cover the message (l=, From unsigned) proves nothing",
         with([](auth_results &a) { a.dkim.push_back(sig("bank.example", auth_result::PASS, false)); }),
         "bank.example", "registrable", ""},
        {"SPF pass aligned with From",
         with([](auth_results &a) {
             a.spf = spf_outcome{auth_result::PASS, "bounce.bank.example", "mailfrom", ""};
         }),
         "bank.example", "registrable", "bank.example=spf"},
        {"SPF pass not aligned with From: no identity",
         with([](auth_results &a) {
             a.spf = spf_outcome{auth_result::PASS, "spammer.example", "mailfrom", ""};
         }),
         "bank.example", "registrable", ""},
        {"SPF pass without a From: no identity",
         with([](auth_results &a) { a.spf = spf_outcome{auth_result::PASS, "bank.example", "mailfrom", ""}; }),
         "", "registrable", ""},
        {"SPF pass on HELO never counts",
         with([](auth_results &a) { a.spf = spf_outcome{auth_result::PASS, "bank.example", "helo", ""}; }),
         "bank.example", "registrable", ""},
        {"SPF softfail or neutral: no identity",
         with([](auth_results &a) {
             a.spf = spf_outcome{auth_result::SOFTFAIL, "bank.example", "mailfrom", ""};
         }),
         "bank.example", "registrable", ""},
        {"Sender ID pass: the PRA domain",
         with([](auth_results &a) {
             a.senderid.result = auth_result::PASS;
             a.senderid.pra = "list@lists.example.org";
         }),
         "bank.example", "registrable", "example.org=senderid"},
        {"Sender ID fail: nothing",
         with([](auth_results &a) {
             a.senderid.result = auth_result::FAIL;
             a.senderid.pra = "ceo@bank.example";
         }),
         "bank.example", "registrable", ""},
        {"one domain by several methods is one identity",
         with([](auth_results &a) {
             a.dkim.push_back(sig("bank.example", auth_result::PASS));
             a.dkim.push_back(sig("mail.bank.example", auth_result::PASS));
             a.spf = spf_outcome{auth_result::PASS, "bank.example", "mailfrom", ""};
             a.senderid.result = auth_result::PASS;
             a.senderid.pra = "ceo@bank.example";
         }),
         "bank.example", "registrable", "bank.example=dkim+spf+senderid"},
        {"an ESP's signature and the sender's own are two identities",
         with([](auth_results &a) {
             a.dkim.push_back(sig("esp.example", auth_result::PASS));
             a.dkim.push_back(sig("shop.example", auth_result::PASS));
         }),
         "shop.example", "registrable", "esp.example=dkim shop.example=dkim"},
        {"a public suffix is no organisation",
         with([](auth_results &a) { a.dkim.push_back(sig("co.uk", auth_result::PASS)); }),
         "", "registrable", ""},
        {"a d= that is not a domain is skipped",
         with([](auth_results &a) { a.dkim.push_back(sig("bad domain!", auth_result::PASS)); }),
         "", "full", ""},
    };
    for (const auto &c : cases) {
        reputation_config cfg;
        cfg.identity = c.identity_mode;
        auto got = names(reputation_identities(c.auth, c.from_domain, cfg, &services()));
        STRCMP_EQUAL_TEXT(c.want, got.c_str(), c.what);
    }
}

TEST(reputation, identities_are_bounded)
{
    auth_results a;
    for (int i = 0; i < 100; ++i)
        a.dkim.push_back(sig("d" + std::to_string(i) + ".example", auth_result::PASS));
    auto got = reputation_identities(a, "", reputation_config{}, &services());
    CHECK_EQUAL(max_reputation_identities, got.size());
}

TEST(reputation, valid_identity)
{
    struct test_case {
        const char *name;
        bool want;
    };
    static const test_case cases[] = {
        {"example.com", true},     {"xn--bcher-kva.example", true}, {"a_b.example", true},
        {"", false},               {"Example.com", false},          {"example..com", false},
        {".example.com", false},   {"example.com.", false},         {"exa mple.com", false},
        {"ex\xc3\xa4mple.com", false}, {"a:b", false},
    };
    for (const auto &c : cases)
        CHECK_EQUAL_TEXT(c.want, valid_identity(c.name), c.name);
    CHECK_FALSE(valid_identity(std::string(254, 'a')));
    CHECK_FALSE(valid_identity(std::string(64, 'a') + ".example"));
    CHECK_TRUE(valid_identity(std::string(63, 'a') + ".example"));
}

TEST(reputation, decay_halves_every_half_life)
{
    struct test_case {
        std::int64_t age;
        double half_life;
        double want_factor;
    };
    static const test_case cases[] = {
        {0, 3600, 1.0},     {3600, 3600, 0.5},    {7200, 3600, 0.25},
        {1800, 3600, 0.70710678118654752}, {-500, 3600, 1.0}, // a record from the future is not decayed
        {36000, 3600, 1.0 / 1024},
    };
    for (const auto &c : cases) {
        reputation_record r{8.0, 2.0, 1'000'000};
        auto got = decayed(r, 1'000'000 + c.age, c.half_life);
        DOUBLES_EQUAL(8.0 * c.want_factor, got.spam, 1e-9);
        DOUBLES_EQUAL(2.0 * c.want_factor, got.ham, 1e-9);
    }
}

TEST(reputation, decay_cleans_impossible_counts)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    auto got = decayed(reputation_record{nan, -3.0, 0}, 10, 3600);
    DOUBLES_EQUAL(0.0, got.spam, 0);
    DOUBLES_EQUAL(0.0, got.ham, 0);
    got = decayed(reputation_record{inf, 1.0, 0}, 0, 3600);
    DOUBLES_EQUAL(0.0, got.spam, 0);
    DOUBLES_EQUAL(1.0, got.ham, 0);
}

TEST(reputation, observe_decays_then_adds)
{
    reputation_config cfg;
    cfg.half_life = 100;
    auto r = observe(reputation_record{4.0, 2.0, 1000}, 1100, 1.0, 0.5, cfg);
    DOUBLES_EQUAL(3.0, r.spam, 1e-12);
    DOUBLES_EQUAL(1.5, r.ham, 1e-12);
    CHECK_EQUAL(1100, r.updated);
    // An update from a node whose clock is behind keeps the newer time.
    r = observe(reputation_record{1.0, 0.0, 5000}, 4000, 1.0, 0.0, cfg);
    DOUBLES_EQUAL(2.0, r.spam, 1e-12);
    CHECK_EQUAL(5000, r.updated);
    // Negative or non-finite amounts add nothing.
    r = observe(reputation_record{1.0, 1.0, 10}, 10, -5.0, std::numeric_limits<double>::infinity(), cfg);
    DOUBLES_EQUAL(1.0, r.spam, 0);
    DOUBLES_EQUAL(1.0, r.ham, 0);
}

TEST(reputation, saturation_keeps_the_share_and_bounds_the_counts)
{
    reputation_config cfg;
    cfg.max_count = 100;
    cfg.half_life = 1e9;
    reputation_record r;
    // A flood of messages in one second: 3 spam to 1 ham, a million times.
    for (int i = 0; i < 1'000'000; ++i)
        r = observe(r, 1000, 3.0, 1.0, cfg);
    CHECK_TRUE(std::isfinite(r.spam) && std::isfinite(r.ham));
    DOUBLES_EQUAL(100.0, r.spam + r.ham, 1e-6);
    DOUBLES_EQUAL(0.75, r.spam / (r.spam + r.ham), 1e-9);
    // Even with the largest amounts allowed, nothing overflows.
    r = observe(reputation_record{1e300, 1e300, 0}, 0, 1e308, 1e308, cfg);
    CHECK_TRUE(std::isfinite(r.spam) && std::isfinite(r.ham));
    CHECK_TRUE(r.spam + r.ham <= 100.0 + 1e-9);
}

TEST(reputation, lessons_follow_the_configured_weights)
{
    struct test_case {
        const char *verdict;
        double want_spam;
        double want_ham;
    };
    static const test_case cases[] = {
        {"reject", 1.0, 0.0},           {"discard", 1.0, 0.0},        {"add header", 0.5, 0.0},
        {"add_header", 0.5, 0.0},       {"rewrite subject", 0.5, 0.0}, {"greylist", 0.0, 0.0},
        {"soft reject", 0.0, 0.0},      {"no action", 0.0, 1.0},      {"no_action", 0.0, 1.0},
        {"spam", 2.0, 0.0},             {"ham", 0.0, 2.0},
    };
    reputation_config cfg;
    cfg.learn_weight = 2.0;
    for (const auto &c : cases) {
        auto l = lesson_for(c.verdict, cfg);
        CHECK_TRUE_TEXT(l.has_value(), c.verdict);
        DOUBLES_EQUAL(c.want_spam, l->spam, 0);
        DOUBLES_EQUAL(c.want_ham, l->ham, 0);
    }
    CHECK_FALSE(lesson_for("custom_action", cfg).has_value());
    CHECK_FALSE(lesson_for("", cfg).has_value());
    cfg.actions.greylist = -0.25;
    DOUBLES_EQUAL(0.25, lesson_for("greylist", cfg)->ham, 0);
}

TEST(reputation, assessment_needs_min_messages_and_scales_by_share)
{
    struct test_case {
        const char *what;
        reputation_counts counts;
        double want_bad;
        double want_good;
    };
    static const test_case cases[] = {
        {"below min_messages: nothing", {4.0, 0.0}, 0.0, 0.0},
        {"all spam", {10.0, 0.0}, 1.0, 0.0},
        {"80% spam", {8.0, 2.0}, 0.8, 0.0},
        {"exactly the bad threshold", {5.0, 5.0}, 0.5, 0.0},
        {"mixed: neither", {3.0, 7.0}, 0.0, 0.0},
        {"95% ham", {1.0, 19.0}, 0.0, 0.95},
        {"all ham", {0.0, 6.0}, 0.0, 1.0},
        {"nothing at all", {0.0, 0.0}, 0.0, 0.0},
    };
    const std::vector<reputation_identity> ids{{"sender.example", {"dkim"}}};
    for (const auto &c : cases) {
        reputation_map m{{"sender.example", c.counts}};
        auto got = assess_reputation(ids, m, reputation_config{});
        DOUBLES_EQUAL(c.want_bad, got.bad, 1e-12);
        DOUBLES_EQUAL(c.want_good, got.good, 1e-12);
        if (c.want_bad > 0 || c.want_good > 0)
            STRCMP_EQUAL_TEXT("sender.example", got.identity.c_str(), c.what);
    }
}

TEST(reputation, the_worst_identity_decides_and_unproven_ones_are_ignored)
{
    const std::vector<reputation_identity> ids{{"good.example", {"dkim"}}, {"bad.example", {"dkim"}}};
    reputation_map m{{"good.example", {0.0, 50.0}}, {"bad.example", {9.0, 1.0}},
                     // Counts for an identity the message does not prove:
                     {"forged.example", {100.0, 0.0}}};
    auto got = assess_reputation(ids, m, reputation_config{});
    STRCMP_EQUAL("bad.example", got.identity.c_str());
    DOUBLES_EQUAL(0.9, got.bad, 1e-12);
    DOUBLES_EQUAL(0.0, got.good, 0);

    const std::vector<reputation_identity> good_only{{"good.example", {"dkim"}}};
    got = assess_reputation(good_only, m, reputation_config{});
    DOUBLES_EQUAL(1.0, got.good, 0);
    DOUBLES_EQUAL(0.0, got.bad, 0);
}

TEST(reputation, policy_scores_rep_symbols_for_authenticated_identities_only)
{
    config cfg;
    const reputation_map store{{"bulk.example", {40.0, 0.0}}, {"friend.example", {0.0, 30.0}}};
    struct test_case {
        const char *what;
        const char *dkim_domain;      ///< "" = no DKIM pass
        const char *from_domain;
        const char *want_symbol;      ///< "" = none
        double want_score;
    };
    const double bad = find_symbol("AUTHW_REP_BAD")->score;
    const double good = find_symbol("AUTHW_REP_GOOD")->score;
    const test_case cases[] = {
        {"authenticated spammer", "bulk.example", "bulk.example", "AUTHW_REP_BAD", bad},
        {"authenticated friend", "friend.example", "friend.example", "AUTHW_REP_GOOD", good},
        {"forger of the friend's From cannot borrow", "", "friend.example", "", 0.0},
        {"forger of the spammer's From is not charged", "", "bulk.example", "", 0.0},
        {"unknown identity", "new.example", "new.example", "", 0.0},
    };
    for (const auto &c : cases) {
        policy_input in;
        in.cfg = &cfg;
        in.ds = &services();
        in.has_message = true;
        in.from.status = from_status::SINGLE;
        in.from.author = mailbox{"", "someone", c.from_domain};
        in.auth.dmarc.from_domain = c.from_domain;
        if (*c.dkim_domain != '\0') {
            in.auth.dkim.push_back(sig(c.dkim_domain, auth_result::PASS));
            in.auth.dmarc.dkim_aligned = true;
        }
        in.reputation = &store;
        // The evaluation computes the identities once, from the results.
        const auto ids = reputation_identities(in.auth, c.from_domain, cfg.reputation, in.ds);
        in.identities = &ids;
        auto v = evaluate_policy(in);
        const auto *b = v.find("AUTHW_REP_BAD");
        const auto *g = v.find("AUTHW_REP_GOOD");
        if (*c.want_symbol == '\0') {
            CHECK_TRUE_TEXT(b == nullptr && g == nullptr, c.what);
            continue;
        }
        const auto *hit = v.find(c.want_symbol);
        CHECK_TRUE_TEXT(hit != nullptr, c.what);
        DOUBLES_EQUAL(c.want_score, hit->score, 1e-9);
    }
}

TEST(reputation, rep_good_counts_against_the_trust_budget)
{
    const auto *good = find_symbol("AUTHW_REP_GOOD");
    CHECK_TRUE(good != nullptr && good->auth_derived && good->score < 0);
    const auto *bad = find_symbol("AUTHW_REP_BAD");
    CHECK_TRUE(bad != nullptr && !bad->auth_derived && bad->score > 0);

    config cfg;
    cfg.trust_budget = 1.0;
    const reputation_map store{{"friend.example", {0.0, 30.0}}};
    policy_input in;
    in.cfg = &cfg;
    in.ds = &services();
    in.has_message = true;
    in.from.status = from_status::SINGLE;
    in.from.author = mailbox{"", "a", "friend.example"};
    in.auth.dmarc.from_domain = "friend.example";
    in.auth.dkim.push_back(sig("friend.example", auth_result::PASS));
    in.auth.dmarc.dkim_aligned = true;
    in.reputation = &store;
    const auto ids = reputation_identities(in.auth, "friend.example", cfg.reputation, in.ds);
    in.identities = &ids;
    auto v = evaluate_policy(in);
    CHECK_TRUE(v.find("AUTHW_REP_GOOD") != nullptr);
    const auto *cap = v.find("AUTHW_TRUST_CAP");
    CHECK_TRUE(cap != nullptr);
    // DKIM pass -0.3, aligned -1.0, REP_GOOD -1.5: 1.8 beyond a budget of 1.
    DOUBLES_EQUAL(-0.3 - 1.0 + good->score + 1.0, -cap->score, 1e-9);
}
