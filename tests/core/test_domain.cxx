// domain_services over the real libraries: libidn2, libpsl (Debian's list)
// and ICU's spoof checker.
#include "authweight/domain.hxx"
#include "../testdata.hxx"
#include "domain_libs.hxx"

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CppUTest/TestHarness.h>

using authweight::core::domain_services;
using authweight::core::error_code;
using authweight::testing::open_file;

namespace {

std::unique_ptr<domain_services> services()
{
    auto ds = authweight::adapters::make_domain_services();
    if (!ds)
        FAIL(ds.error().message().c_str());
    return std::move(*ds);
}

/** One argument of checkPublicSuffix(): null or a quoted string. */
std::optional<std::optional<std::string>> psl_arg(std::string_view &s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == ','))
        s.remove_prefix(1);
    if (s.starts_with("null")) {
        s.remove_prefix(4);
        return std::optional<std::string>{};
    }
    if (s.empty() || s.front() != '\'')
        return std::nullopt;
    std::size_t end = s.find('\'', 1);
    if (end == std::string_view::npos)
        return std::nullopt;
    std::string value{s.substr(1, end - 1)};
    s.remove_prefix(end + 1);
    return std::optional<std::string>{std::move(value)};
}

} // namespace

TEST_GROUP(domain_services)
{
    std::unique_ptr<domain_services> ds;
    void setup() override { ds = services(); }
    void teardown() override { ds.reset(); }
};

TEST(domain_services, to_alabel_normalises)
{
    struct test_case {
        const char *input;
        const char *want;
    };
    static const test_case cases[] = {
        {"example.com", "example.com"},
        {"Example.COM", "example.com"},
        {"example.com.", "example.com"},
        {"MAIL.Example.Co.UK.", "mail.example.co.uk"},
        {"bücher.de", "xn--bcher-kva.de"},
        {"BÜCHER.de", "xn--bcher-kva.de"},
        {"p\xd0\xb0ypal.com", "xn--pypal-4ve.com"},   // Cyrillic a
        {"faß.de", "xn--fa-hia.de"},                   // non-transitional: ß stays
        {"XN--PYPAL-4VE.com", "xn--pypal-4ve.com"},
        {"xn--bcher-kva.de", "xn--bcher-kva.de"},
        {"食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"},
        {"_dmarc.example.com", "_dmarc.example.com"},
        {"sel._domainkey.example.com", "sel._domainkey.example.com"},
        {"example\xe3\x80\x82" "com", "example.com"},  // ideographic full stop
        {"\xf0\x9f\x92\xa9.la", "xn--ls8h.la"},       // emoji: transitional fallback
        {"a-b.c-d.example", "a-b.c-d.example"},
    };
    for (const auto &c : cases) {
        auto got = ds->to_alabel(c.input);
        CHECK_TEXT(got.has_value(), c.input);
        STRCMP_EQUAL_TEXT(c.want, got->c_str(), c.input);
    }
}

TEST(domain_services, to_alabel_rejects_invalid_names)
{
    const std::string long_label(64, 'a');
    std::string long_name;
    while (long_name.size() < 254)
        long_name += "abcdefghi.";
    long_name += "com";
    const std::string with_nul("exa\0mple.com", 12);
    struct test_case {
        std::string input;
        const char *why;
    };
    const test_case cases[] = {
        {"", "empty"},
        {".", "root only"},
        {"..", "two dots"},
        {".example.com", "leading dot"},
        {"a..b.com", "empty label"},
        {"example.com..", "two trailing dots"},
        {"a b.com", "space"},
        {"exa*mple.com", "star"},
        {"*.\xc3\xbc.com", "star in IDN"},
        {"http://example.com", "URL"},
        {"user@example.com", "address"},
        {long_label + ".com", "64-character label"},
        {long_name, "254+ character name"},
        {"xn--a.com", "A-label decoding to nothing"},
        {"xn--zz.com", "bad punycode"},
        {"xn--.com", "empty punycode"},
        {"xn--abc-.com", "truncated punycode"},
        {"\xff.com", "invalid UTF-8"},
        {with_nul, "embedded NUL"},
        {std::string(5000, 'a'), "huge input"},
    };
    for (const auto &c : cases) {
        auto got = ds->to_alabel(c.input);
        CHECK_TEXT(!got.has_value(), c.why);
        CHECK_EQUAL_TEXT(static_cast<int>(error_code::BAD_INPUT), static_cast<int>(got.error().code()), c.why);
        // The message names the domain, capped so hostile input cannot flood logs.
        CHECK_TEXT(got.error().message().size() < 200, c.why);
    }
    auto bad = ds->to_alabel("a b.com");
    CHECK_TRUE(bad.error().message().find("a b.com") != std::string::npos);
    CHECK_EQUAL(64U, long_label.size());
    CHECK_TRUE(ds->to_alabel(std::string(63, 'a') + ".com").has_value());
}

TEST(domain_services, to_ulabel)
{
    struct test_case {
        const char *input;
        const char *want;
    };
    static const test_case cases[] = {
        {"xn--pypal-4ve.com", "p\xd0\xb0ypal.com"},
        {"xn--bcher-kva.de", "bücher.de"},
        {"www.xn--85x722f.xn--55qx5d.cn", "www.食狮.公司.cn"},
        {"example.com", "example.com"},
        {"Mail.Example.COM.", "Mail.Example.COM."},  // no A-label: as given
        {"WWW.xn--bcher-kva.DE", "WWW.bücher.DE"},    // one A-label among others
        {"xn--zz.com", "xn--zz.com"},   // undecodable: unchanged
        {"", ""},
    };
    for (const auto &c : cases)
        STRCMP_EQUAL_TEXT(c.want, ds->to_ulabel(c.input).c_str(), c.input);
}

TEST(domain_services, registrable_domain_and_public_suffix)
{
    struct test_case {
        const char *input;
        const char *want_registrable;   // nullptr: NOT_FOUND
        const char *want_suffix;
    };
    static const test_case cases[] = {
        {"example.com", "example.com", "com"},
        {"a.b.example.com", "example.com", "com"},
        {"mail.example.co.uk", "example.co.uk", "co.uk"},
        {"example.co.uk", "example.co.uk", "co.uk"},
        {"co.uk", nullptr, "co.uk"},
        {"com", nullptr, "com"},
        {"www.xn--bcher-kva.de", "xn--bcher-kva.de", "de"},
        {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn", "xn--55qx5d.cn"},
        {"WWW.Example.COM.", "example.com", "com"},
        {"", nullptr, ""},
    };
    // The second pass is answered from what the services remember.
    for (int pass = 0; pass < 2; ++pass)
    for (const auto &c : cases) {
        auto got = ds->registrable_domain(c.input);
        if (c.want_registrable == nullptr) {
            CHECK_TEXT(!got.has_value(), c.input);
            CHECK_EQUAL_TEXT(static_cast<int>(error_code::NOT_FOUND), static_cast<int>(got.error().code()), c.input);
        } else {
            CHECK_TEXT(got.has_value(), c.input);
            STRCMP_EQUAL_TEXT(c.want_registrable, got->c_str(), c.input);
        }
        STRCMP_EQUAL_TEXT(c.want_suffix, ds->public_suffix(c.input).c_str(), c.input);
    }
}

TEST(domain_services, skeletons)
{
    struct test_case {
        const char *a;
        const char *b;
        bool same;
    };
    static const test_case cases[] = {
        {"paypal", "p\xd0\xb0ypal", true},    // Cyrillic a
        {"paypal.com", "p\xd0\xb0ypal.com", true},
        {"microsoft", "rnicrosoft", true},    // UTS #39 maps m to rn
        {"paypal", "PayPal", true},           // lower-cased
        {"paypal", "paypa1", true},           // digit one looks like l
        {"google", "g00gle", true},
        {"paypal", "google", false},
        {"example", "exarnple", true},
        {"paypal", "paypai", false},
    };
    for (int pass = 0; pass < 2; ++pass)
    for (const auto &c : cases) {
        auto sa = ds->skeleton(c.a);
        auto sb = ds->skeleton(c.b);
        CHECK_EQUAL_TEXT(c.same, sa == sb, (std::string(c.a) + " vs " + c.b).c_str());
    }
    STRCMP_EQUAL("paypal", ds->skeleton("PAYPAL").c_str());
}

TEST(domain_services, remembered_answers_survive_a_full_memo)
{
    // More names than the services remember: answers stay right after the
    // memo is forgotten and filled again.
    for (int i = 0; i < 10000; ++i) {
        const std::string name = "host" + std::to_string(i) + ".example" + std::to_string(i % 7) + ".co.uk";
        auto reg = ds->registrable_domain(name);
        const std::string want = "example" + std::to_string(i % 7) + ".co.uk";
        if (!reg || *reg != want)
            FAIL(("registrable domain of " + name).c_str());
    }
    auto none = ds->registrable_domain("co.uk");
    CHECK_FALSE(none.has_value());
    STRCMP_EQUAL("paypal", ds->skeleton("PAYPAL").c_str());
}

TEST(domain_services, concurrent_reads_agree)
{
    // One services object serves several threads (documented in domain_libs.cxx).
    const std::string want_skel = ds->skeleton("p\xd0\xb0ypal.com");
    const auto want_reg = ds->registrable_domain("a.b.example.co.uk");
    CHECK_TRUE(want_reg.has_value());
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < mismatches.size(); ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                if (ds->skeleton("p\xd0\xb0ypal.com") != want_skel)
                    ++mismatches[t];
                auto reg = ds->registrable_domain("a.b.example.co.uk");
                if (!reg || *reg != *want_reg)
                    ++mismatches[t];
                auto a = ds->to_alabel("BÜCHER.de");
                if (!a || *a != "xn--bcher-kva.de")
                    ++mismatches[t];
            }
        });
    for (auto &th : threads)
        th.join();
    for (int m : mismatches)
        CHECK_EQUAL(0, m);
}

// Debian's PSL test vectors (publicsuffix package), read in place.
// checkPublicSuffix(domain, expected): expected is the registrable domain of
// the lower-cased, IDNA-converted input, or null when it has none; a name
// to_alabel rejects (".com", null) has none. Expected U-labels are compared
// in A-label form.
TEST(domain_services, psl_test_vectors)
{
    auto in = open_file(AUTHWEIGHT_TESTDATA "/publicsuffix/test_psl.txt");
    int passed = 0;
    int failed = 0;
    std::string line;
    while (std::getline(in, line)) {
        std::string_view s = line;
        constexpr std::string_view call = "checkPublicSuffix(";
        if (!s.starts_with(call))
            continue;   // comments, including the commented-out vectors
        s.remove_prefix(call.size());
        auto input = psl_arg(s);
        auto expected = psl_arg(s);
        CHECK_TEXT(input.has_value() && expected.has_value(), line.c_str());

        std::optional<std::string> got;
        if (*input) {
            if (auto a = ds->to_alabel(**input))
                if (auto reg = ds->registrable_domain(*a))
                    got = *reg;
        }
        std::optional<std::string> want;
        if (*expected) {
            auto a = ds->to_alabel(**expected);
            CHECK_TEXT(a.has_value(), line.c_str());
            want = *a;
        }
        if (got == want) {
            ++passed;
        } else {
            ++failed;
            std::fprintf(stderr, "PSL mismatch: %s -> %s\n", line.c_str(), got ? got->c_str() : "null");
        }
    }
    std::printf("\nPSL: %d passed, %d failed\n", passed, failed);
    CHECK_TRUE(passed > 0);
    CHECK_EQUAL(0, failed);
}
