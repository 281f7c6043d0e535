// The DNS cache a context shares between its evaluations: what it keeps,
// for how long, and what it drops first.
#include "authweight/dns.hxx"

#include <chrono>
#include <string>

#include <CppUTest/TestHarness.h>

using namespace authweight;
using core::dns_answer;
using core::dns_cache;
using core::dns_query;
using core::dns_status;
using core::dns_type;
using namespace std::chrono_literals;

namespace {
const dns_cache::clock::time_point t0{};

dns_answer ok(const char *rec)
{
    return dns_answer{dns_status::OK, {rec}};
}
} // namespace

TEST_GROUP(dns_cache){};

TEST(dns_cache, keeps_an_answer_for_its_ttl_and_no_longer)
{
    dns_cache c{60s, 10};
    const dns_query q{"example.org", dns_type::TXT};
    CHECK_FALSE(c.find(q, t0).has_value());
    c.put(q, ok("v=spf1 -all"), t0);
    auto a = c.find(q, t0 + 59s);
    CHECK_TRUE(a.has_value());
    CHECK(dns_status::OK == a->status);
    CHECK_EQUAL(1u, a->records.size());
    STRCMP_EQUAL("v=spf1 -all", a->records[0].c_str());
    CHECK_FALSE(c.find(q, t0 + 60s).has_value());
    CHECK_EQUAL(0u, c.size()); // an expired answer is dropped when met
    // Another type of the same name is another question.
    c.put(q, ok("v=spf1 -all"), t0);
    CHECK_FALSE(c.find({"example.org", dns_type::A}, t0).has_value());
}

TEST(dns_cache, names_match_as_dns_names)
{
    dns_cache c{60s, 10};
    c.put({"Example.ORG.", dns_type::A}, ok("192.0.2.1"), t0);
    CHECK_TRUE(c.find({"example.org", dns_type::A}, t0).has_value());
    CHECK_TRUE(c.find({"EXAMPLE.org.", dns_type::A}, t0).has_value());
    CHECK_EQUAL(1u, c.size());
}

TEST(dns_cache, keeps_negative_answers_never_failures)
{
    dns_cache c{60s, 10};
    c.put({"gone.example", dns_type::TXT}, dns_answer{dns_status::NXDOMAIN, {}}, t0);
    c.put({"empty.example", dns_type::TXT}, dns_answer{dns_status::NODATA, {}}, t0);
    c.put({"slow.example", dns_type::TXT}, dns_answer{dns_status::TEMPFAIL, {}}, t0);
    c.put({"junk.example", dns_type::TXT}, dns_answer{dns_status::MALFORMED, {}}, t0);
    CHECK(dns_status::NXDOMAIN == c.find({"gone.example", dns_type::TXT}, t0)->status);
    CHECK(dns_status::NODATA == c.find({"empty.example", dns_type::TXT}, t0)->status);
    CHECK_FALSE(c.find({"slow.example", dns_type::TXT}, t0).has_value());
    CHECK_FALSE(c.find({"junk.example", dns_type::TXT}, t0).has_value());
    // A failure does not replace what is kept either...
    c.put({"gone.example", dns_type::TXT}, dns_answer{dns_status::TEMPFAIL, {}}, t0 + 1s);
    CHECK(dns_status::NXDOMAIN == c.find({"gone.example", dns_type::TXT}, t0 + 1s)->status);
    // ...while a new answer does, with a new lifetime.
    c.put({"gone.example", dns_type::TXT}, ok("v=spf1 +all"), t0 + 30s);
    auto a = c.find({"gone.example", dns_type::TXT}, t0 + 80s);
    CHECK_TRUE(a.has_value());
    CHECK(dns_status::OK == a->status);
}

TEST(dns_cache, drops_the_least_recently_used_when_full)
{
    dns_cache c{60s, 2};
    c.put({"a.example", dns_type::A}, ok("192.0.2.1"), t0);
    c.put({"b.example", dns_type::A}, ok("192.0.2.2"), t0);
    CHECK_TRUE(c.find({"a.example", dns_type::A}, t0).has_value()); // a is now the newest
    c.put({"c.example", dns_type::A}, ok("192.0.2.3"), t0);
    CHECK_EQUAL(2u, c.size());
    CHECK_TRUE(c.find({"a.example", dns_type::A}, t0).has_value());
    CHECK_FALSE(c.find({"b.example", dns_type::A}, t0).has_value());
    CHECK_TRUE(c.find({"c.example", dns_type::A}, t0).has_value());
}

TEST(dns_cache, zero_ttl_or_size_keeps_nothing)
{
    dns_cache none_ttl{0s, 10};
    none_ttl.put({"a.example", dns_type::A}, ok("192.0.2.1"), t0);
    CHECK_EQUAL(0u, none_ttl.size());
    dns_cache none_size{60s, 0};
    none_size.put({"a.example", dns_type::A}, ok("192.0.2.1"), t0);
    CHECK_EQUAL(0u, none_size.size());
}
