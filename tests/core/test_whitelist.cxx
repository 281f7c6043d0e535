// whitelist: exact addresses, "@domain", "*.domain", over the real domain
// services so IDN entries are stored the way the engine stores them.
#include "authweight/whitelist.hxx"
#include "domain_libs.hxx"

#include <memory>
#include <string>

#include <CppUTest/TestHarness.h>

using authweight::core::domain_services;
using authweight::core::error_code;
using authweight::core::whitelist;

TEST_GROUP(whitelist)
{
    std::unique_ptr<domain_services> ds;
    whitelist wl;

    void setup() override
    {
        auto made = authweight::adapters::make_domain_services();
        CHECK_TRUE(made.has_value());
        ds = std::move(*made);
        static const char *const entries[] = {
            "Alice@Example.com",   // exact address
            "@example.org",        // that domain only
            "*.Example.NET",       // the domain and its subdomains
            "bücher.de",           // bare domain = "@domain", stored as A-label
            "*.straße.de",         // IDNA2008: ß kept (xn--strae-oqa.de)
            "  bob@example.edu  ", // surrounding space from a config list
            "@trailing.example.",
        };
        for (const char *e : entries) {
            auto added = wl.add(e, *ds);
            CHECK_TEXT(added.has_value(), e);
        }
    }
    void teardown() override { ds.reset(); }
};

TEST(whitelist, matches)
{
    struct test_case {
        const char *local;
        const char *domain;
        const char *want;   // nullptr: not listed
    };
    static const test_case cases[] = {
        {"alice", "example.com", "alice@example.com"},
        {"ALICE", "EXAMPLE.COM", "alice@example.com"},
        {"alice", "example.com.", "alice@example.com"},
        {"bob", "example.com", nullptr},
        {"alice", "mail.example.com", nullptr},   // exact address: no subdomains
        {"anyone", "example.org", "@example.org"},
        {"", "example.org", "@example.org"},
        {"anyone", "Example.ORG", "@example.org"},
        {"anyone", "sub.example.org", nullptr},   // "@domain" is that domain only
        {"anyone", "example.org.evil.com", nullptr},
        {"x", "example.net", "*.example.net"},
        {"x", "a.b.example.net", "*.example.net"},
        {"x", "EVILEXAMPLE.net", nullptr},        // label boundary
        {"x", "evilexample.net", nullptr},
        {"x", "example.net.evil.com", nullptr},
        {"x", "net", nullptr},
        {"x", "xn--bcher-kva.de", "@xn--bcher-kva.de"},
        {"x", "www.xn--bcher-kva.de", nullptr},
        {"x", "mail.xn--strae-oqa.de", "*.xn--strae-oqa.de"},
        {"x", "strasse.de", nullptr},             // the transitional form is another name
        {"bob", "example.edu", "bob@example.edu"},
        {"x", "trailing.example", "@trailing.example"},
        {"x", "", nullptr},
    };
    for (const auto &c : cases) {
        auto got = wl.match(c.local, c.domain);
        std::string label = std::string(c.local) + "@" + c.domain;
        if (c.want == nullptr) {
            CHECK_TEXT(!got.has_value(), label.c_str());
        } else {
            CHECK_TEXT(got.has_value(), label.c_str());
            STRCMP_EQUAL_TEXT(c.want, got->c_str(), label.c_str());
        }
    }
    CHECK_EQUAL(7U, wl.size());
}

TEST(whitelist, rejects_invalid_entries)
{
    struct test_case {
        const char *entry;
        const char *why;
    };
    static const test_case cases[] = {
        {"", "empty"},
        {"   ", "blank"},
        {"@", "no domain"},
        {"*.", "wildcard without domain"},
        {"*", "bare star"},
        {"*.*.example.com", "two stars"},
        {"user@*.example.com", "star in address domain"},
        {"a@b@c", "two @"},
        {"foo bar@x.com", "space in local part"},
        {"user@", "address without domain"},
        {"@exa mple.com", "space in domain"},
        {"@a..b.com", "empty label"},
        {"\"q\"@x.com", "quoted local part"},
        {"*.com", "wildcard over a public suffix"},
        {"*.co.uk", "wildcard over a two-label public suffix"},
        {"@xn--zz.com", "invalid A-label"},
    };
    const auto before = wl.size();
    for (const auto &c : cases) {
        auto got = wl.add(c.entry, *ds);
        CHECK_TEXT(!got.has_value(), c.why);
        CHECK_EQUAL_TEXT(static_cast<int>(error_code::BAD_CONFIG), static_cast<int>(got.error().code()), c.why);
    }
    CHECK_EQUAL(before, wl.size());
    auto named = wl.add("a@b@c", *ds);
    CHECK_TRUE(!named && named.error().message().find("a@b@c") != std::string::npos);
}

TEST(whitelist, map_urls_are_the_callers)
{
    auto got = wl.add("https://maps.example/whitelist.map", *ds);
    CHECK_TRUE(!got.has_value());
    CHECK_EQUAL(static_cast<int>(error_code::BAD_CONFIG), static_cast<int>(got.error().code()));
    STRCMP_EQUAL("map URLs are loaded by the caller", got.error().message().c_str());
}

TEST(whitelist, unicode_entry_matches_alabel_address)
{
    whitelist idn;
    CHECK_TRUE(idn.add("Jörg@Bücher.de", *ds).has_value());
    auto got = idn.match("jörg", "xn--bcher-kva.de");
    CHECK_TRUE(got.has_value());
    STRCMP_EQUAL("jörg@xn--bcher-kva.de", got->c_str());
    CHECK_TRUE(idn.match("jorg", "xn--bcher-kva.de") == std::nullopt);
}

TEST(whitelist, oversized_identities_never_match)
{
    whitelist w;
    CHECK_TRUE(w.add("*.example.com", *ds).has_value());
    std::string deep;
    for (int i = 0; i < 200; ++i)
        deep += "a.";
    deep += "example.com";   // longer than any valid name
    CHECK_TRUE(w.match("x", deep) == std::nullopt);
    CHECK_TRUE(w.match(std::string(1000, 'x'), "example.com").has_value());   // domain entry ignores the local part
    whitelist exact;
    CHECK_TRUE(exact.add("user@example.com", *ds).has_value());
    CHECK_TRUE(exact.match(std::string(1000, 'u'), "example.com") == std::nullopt);
}
