// DMARC (RFC 7489): records, alignment with the PSL, policy discovery over
// DNS answers, and the verdict.

#include "authweight/dmarc.hxx"

#include "domain_libs.hxx"

#include <CppUTest/TestHarness.h>

#include <memory>
#include <string>

using namespace authweight;

namespace {

const core::domain_services &services()
{
    static const auto ds = [] {
        auto r = adapters::make_domain_services();
        return r ? std::move(*r) : nullptr;
    }();
    return *ds;
}

core::dns_answer txt(std::vector<std::string> records)
{
    return {core::dns_status::OK, std::move(records)};
}

core::dkim_outcome dkim(const char *domain, core::auth_result r, bool counts = true)
{
    core::dkim_outcome o;
    o.domain = domain;
    o.selector = "s";
    o.algorithm = "rsa-sha256";
    o.result = r;
    o.counts_for_alignment = counts;
    return o;
}

core::spf_outcome spf(const char *domain, core::auth_result r, const char *identity = "mailfrom")
{
    core::spf_outcome o;
    o.domain = domain;
    o.result = r;
    o.identity = identity;
    return o;
}

} // namespace

TEST_GROUP(dmarc)
{
    void setup() override { CHECK_TRUE(&services() != nullptr); }
};

TEST(dmarc, records)
{
    struct test_case {
        const char *input;
        bool valid;
        core::dmarc_policy policy;
        bool fallback;
    };
    using P = core::dmarc_policy;
    static const test_case cases[] = {
        {"v=DMARC1; p=none", true, P::NONE, false},
        {"v=DMARC1; p=reject;", true, P::REJECT, false},
        {"v=DMARC1;p=quarantine;pct=50", true, P::QUARANTINE, false},
        {"V = DMARC1 ; P = Reject", true, P::REJECT, false},           // tag names and keywords fold case
        {"v=DMARC1; p=none; foo=bar", true, P::NONE, false},           // unknown tags are ignored
        {"v=DMARC1; rua=mailto:d@example.com", true, P::NONE, true},   // 6.6.3: no p, valid rua
        {"v=DMARC1; p=bogus; rua=mailto:d@example.com", true, P::NONE, true},
        {"v=DMARC1", false, P::NONE, false},
        {"v=DMARC1; p=bogus", false, P::NONE, false},
        {"v=DMARC1; p=n", false, P::NONE, false},                      // no prefixes of keywords
        {"v=dmarc1; p=none", false, P::NONE, false},                   // the version is case-sensitive
        {"v=DMARC1; sp=none; p=none", false, P::NONE, false},          // p must come second
        {"v=DMARC1; p=none; p=none", false, P::NONE, false},
        {"v=DMARC1; p=none; adkim=x", false, P::NONE, false},
        {"v=DMARC1; p=none; pct=101", false, P::NONE, false},
        {"v=DMARC1; p=none; pct=", false, P::NONE, false},
        {"v=DMARC1; p=none; ri=12x", false, P::NONE, false},
        {"v=DMARC1; p=none; fo=2", false, P::NONE, false},
        {"v=DMARC1; p=none; rf=bad-", false, P::NONE, false},
        {"v=DMARC1; p=none; rua=bogus", false, P::NONE, false},
        {"v=DMARC1; p=none; rua=mailto:a@b.example!10p", false, P::NONE, false},
        {"v=DMARC1; p=none; bogus", false, P::NONE, false},
        {"v=DMARC1;; p=none", false, P::NONE, false},
        {"v=spf1 -all", false, P::NONE, false},
    };
    for (const auto &c : cases) {
        auto got = core::parse_dmarc_record(c.input);
        CHECK_EQUAL_TEXT(c.valid, got.has_value(), c.input);
        if (!got)
            continue;
        CHECK_TEXT(c.policy == got->policy, c.input);
        CHECK_EQUAL_TEXT(c.fallback, got->policy_fallback, c.input);
    }
    auto full = core::parse_dmarc_record(
        "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=25; ri=3600; fo=1:d; rf=afrf; "
        "rua=mailto:a@example.com, mailto:b@example.net!10m; ruf=mailto:c@example.com");
    CHECK_TRUE(full.has_value());
    CHECK_TRUE(full->subdomain_policy == core::dmarc_policy::QUARANTINE);
    CHECK_TRUE(full->adkim == core::dmarc_alignment::STRICT);
    CHECK_TRUE(full->aspf == core::dmarc_alignment::RELAXED);
    CHECK_EQUAL(25, full->pct);
    CHECK_EQUAL(3600U, full->ri);
    CHECK_EQUAL(2U, full->fo.size());
    CHECK_EQUAL(2U, full->rua.size());
    STRCMP_EQUAL("mailto:b@example.net!10m", full->rua[1].c_str());
}

TEST(dmarc, alignment)
{
    struct test_case {
        const char *identifier;
        const char *from;
        core::dmarc_alignment mode;
        bool want;
    };
    using A = core::dmarc_alignment;
    static const test_case cases[] = {
        {"example.com", "example.com", A::STRICT, true},
        {"mail.example.com", "example.com", A::STRICT, false},
        {"mail.example.com", "example.com", A::RELAXED, true},
        {"example.com", "news.example.com", A::RELAXED, true},
        {"a.example.co.uk", "b.example.co.uk", A::RELAXED, true},
        {"example.co.uk", "other.co.uk", A::RELAXED, false},
        {"co.uk", "example.co.uk", A::RELAXED, false},      // a public suffix never aligns
        {"com", "example.com", A::RELAXED, false},
        {"EXAMPLE.com.", "example.com", A::STRICT, true},   // case and the root dot
        {"", "example.com", A::RELAXED, false},
        {"examplecom", "example.com", A::RELAXED, false},
    };
    for (const auto &c : cases)
        CHECK_EQUAL_TEXT(c.want, core::dmarc_aligned(c.identifier, c.from, c.mode, services()), c.identifier);
}

TEST(dmarc, discovery)
{
    struct test_case {
        const char *name;
        std::optional<core::dns_answer> from_answer;   // nullopt = missing
        std::optional<core::dns_answer> org_answer;
        bool complete;
        core::dmarc_discovery_status want;
        const char *policy_domain;
    };
    using S = core::dmarc_discovery_status;
    const core::dns_answer nx{core::dns_status::NXDOMAIN, {}};
    const core::dns_answer tempfail{core::dns_status::TEMPFAIL, {}};
    const test_case cases[] = {
        {"record at the From domain", txt({"v=DMARC1; p=reject"}), std::nullopt, true, S::FOUND, "mail.example.com"},
        {"other TXT records are skipped", txt({"hello", "v=DMARC1; p=none"}), std::nullopt, true, S::FOUND,
         "mail.example.com"},
        {"fallback to the org domain", nx, txt({"v=DMARC1; p=none"}), true, S::FOUND, "example.com"},
        {"no record anywhere", nx, nx, true, S::NONE, "example.com"},
        {"org answer still missing", nx, std::nullopt, false, S::NONE, ""},
        {"from answer missing", std::nullopt, txt({"v=DMARC1; p=none"}), false, S::NONE, ""},
        {"two records: DMARC not applied", txt({"v=DMARC1; p=none", "v=DMARC1; p=reject"}), std::nullopt, true,
         S::NONE, "mail.example.com"},
        {"a record with a syntax error", txt({"v=DMARC1; p=none; bogus"}), std::nullopt, true, S::PERMERROR,
         "mail.example.com"},
        {"DNS failure at the From domain", tempfail, txt({"v=DMARC1; p=none"}), true, S::TEMPERROR,
         "mail.example.com"},
        {"DNS failure at the org domain", nx, tempfail, true, S::TEMPERROR, "example.com"},
    };
    for (const auto &c : cases) {
        auto got = core::discover_dmarc_policy("mail.example.com", "example.com",
                                               c.from_answer ? &*c.from_answer : nullptr,
                                               c.org_answer ? &*c.org_answer : nullptr);
        CHECK_EQUAL_TEXT(c.complete, got.has_value(), c.name);
        if (!got)
            continue;
        CHECK_TEXT(c.want == got->status, c.name);
        STRCMP_EQUAL_TEXT(c.policy_domain, got->policy_domain.c_str(), c.name);
    }
}

TEST(dmarc, verdicts)
{
    struct test_case {
        const char *name;
        const char *record;
        const char *found_at;
        core::spf_outcome spf;
        std::vector<core::dkim_outcome> dkim;
        core::auth_result want;
        bool spf_aligned;
        bool dkim_aligned;
        core::dmarc_policy policy;
    };
    using R = core::auth_result;
    using P = core::dmarc_policy;
    const test_case cases[] = {
        {"aligned SPF", "v=DMARC1; p=reject", "example.com", spf("bounce.example.com", R::PASS), {}, R::PASS, true,
         false, P::REJECT},
        {"SPF on HELO does not count", "v=DMARC1; p=reject", "example.com",
         spf("mx.example.com", R::PASS, "helo"), {}, R::FAIL, false, false, P::REJECT},
        {"strict SPF", "v=DMARC1; p=reject; aspf=s", "example.com", spf("bounce.example.com", R::PASS), {},
         R::FAIL, false, false, P::REJECT},
        {"aligned DKIM", "v=DMARC1; p=quarantine", "example.com", spf("", R::NONE),
         {dkim("other.example", R::PASS), dkim("mail.example.com", R::PASS)}, R::PASS, false, true, P::QUARANTINE},
        {"DKIM pass without credit", "v=DMARC1; p=reject", "example.com", spf("", R::NONE),
         {dkim("example.com", R::PASS, false)}, R::FAIL, false, false, P::REJECT},
        {"failing DKIM", "v=DMARC1; p=reject", "example.com", spf("", R::NONE), {dkim("example.com", R::FAIL)},
         R::FAIL, false, false, P::REJECT},
        {"temperror of an aligned identifier", "v=DMARC1; p=reject", "example.com", spf("", R::NONE),
         {dkim("example.com", R::TEMPERROR)}, R::TEMPERROR, false, false, P::REJECT},
        {"temperror of an unaligned identifier", "v=DMARC1; p=reject", "example.com", spf("", R::NONE),
         {dkim("other.example", R::TEMPERROR)}, R::FAIL, false, false, P::REJECT},
        {"sp= for a subdomain found at the org", "v=DMARC1; p=reject; sp=none", "example.com",
         spf("", R::NONE), {}, R::FAIL, false, false, P::NONE},
        {"p= when found at the From domain", "v=DMARC1; p=reject; sp=none", "mail.example.com",
         spf("", R::NONE), {}, R::FAIL, false, false, P::REJECT},
    };
    for (const auto &c : cases) {
        core::dmarc_discovery found;
        found.status = core::dmarc_discovery_status::FOUND;
        found.record = *core::parse_dmarc_record(c.record);
        found.policy_domain = c.found_at;
        auto got = core::evaluate_dmarc("mail.example.com", found, c.spf, c.dkim, services());
        CHECK_TEXT(c.want == got.result, c.name);
        CHECK_EQUAL_TEXT(c.spf_aligned, got.spf_aligned, c.name);
        CHECK_EQUAL_TEXT(c.dkim_aligned, got.dkim_aligned, c.name);
        CHECK_TEXT(c.policy == got.policy, c.name);
        STRCMP_EQUAL_TEXT("mail.example.com", got.from_domain.c_str(), c.name);
    }
    // Without a record the result is none and no policy is published, but
    // alignment is still reported.
    core::dmarc_discovery none;
    auto got = core::evaluate_dmarc("example.com", none, spf("example.com", R::PASS), {}, services());
    CHECK_TRUE(got.result == R::NONE);
    CHECK_TRUE(got.policy == P::UNKNOWN);
    CHECK_TRUE(got.spf_aligned);
}
