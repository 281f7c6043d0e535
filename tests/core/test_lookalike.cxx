// lookalike_detector over the real domain services (libidn2, libpsl, ICU).
#include "authweight/lookalike.hxx"
#include "domain_libs.hxx"

#include <memory>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using authweight::core::domain_services;
using authweight::core::lookalike_detector;
using authweight::core::lookalike_form;

TEST_GROUP(lookalike)
{
    std::unique_ptr<domain_services> ds;
    std::unique_ptr<lookalike_detector> det;

    void setup() override
    {
        auto made = authweight::adapters::make_domain_services();
        CHECK_TRUE(made.has_value());
        ds = std::move(*made);
        const std::vector<std::string> protected_domains{"paypal.com", "Example-Bank.co.uk", "microsoft.com."};
        det = std::make_unique<lookalike_detector>(protected_domains, *ds);
    }
    void teardown() override
    {
        det.reset();
        ds.reset();
    }
};

TEST(lookalike, forms_are_flagged)
{
    struct test_case {
        const char *domain;
        const char *want_domain;   // A-label of the candidate
        const char *imitates;
        lookalike_form form;
    };
    static const test_case cases[] = {
        // EMBEDDED: a protected label as a subdomain label, or a
        // hyphen-separated part of a label.
        {"paypal.does.not.exist.com", "paypal.does.not.exist.com", "paypal.com", lookalike_form::EMBEDDED},
        {"paypal.com.evil.net", "paypal.com.evil.net", "paypal.com", lookalike_form::EMBEDDED},
        {"www.paypal.com-secure.net", "www.paypal.com-secure.net", "paypal.com", lookalike_form::EMBEDDED},
        {"paypal-secure.com", "paypal-secure.com", "paypal.com", lookalike_form::EMBEDDED},
        {"secure-paypal-login.net", "secure-paypal-login.net", "paypal.com", lookalike_form::EMBEDDED},
        {"login.paypal_verify.evil.org", "login.paypal_verify.evil.org", "paypal.com", lookalike_form::EMBEDDED},
        {"example-bank.co.uk.phish.example", "example-bank.co.uk.phish.example", "example-bank.co.uk",
         lookalike_form::EMBEDDED},
        {"www.example-bank-online.com", "www.example-bank-online.com", "example-bank.co.uk",
         lookalike_form::EMBEDDED},
        {"MICROSOFT.support-desk.info", "microsoft.support-desk.info", "microsoft.com", lookalike_form::EMBEDDED},
        // DIGIT: digits read as letters, under any suffix.
        {"paypa1.com", "paypa1.com", "paypal.com", lookalike_form::DIGIT},
        {"paypa1.net", "paypa1.net", "paypal.com", lookalike_form::DIGIT},
        {"p4yp4l.com", "p4yp4l.com", "paypal.com", lookalike_form::DIGIT},
        {"micr0soft.com", "micr0soft.com", "microsoft.com", lookalike_form::DIGIT},
        {"m1crosoft.com", "m1crosoft.com", "microsoft.com", lookalike_form::DIGIT},   // 1 as i
        {"examp1e-bank.co.uk", "examp1e-bank.co.uk", "example-bank.co.uk", lookalike_form::DIGIT},
        {"3xample-8ank.com", "3xample-8ank.com", "example-bank.co.uk", lookalike_form::DIGIT},
        // HOMOGRAPH: same UTS #39 skeleton, different name.
        {"p\xd0\xb0ypal.com", "xn--pypal-4ve.com", "paypal.com", lookalike_form::HOMOGRAPH},   // Cyrillic a
        {"xn--pypal-4ve.com", "xn--pypal-4ve.com", "paypal.com", lookalike_form::HOMOGRAPH},
        {"p\xd0\xb0ypal.net", "xn--pypal-4ve.net", "paypal.com", lookalike_form::HOMOGRAPH},
        {"rnicrosoft.com", "rnicrosoft.com", "microsoft.com", lookalike_form::HOMOGRAPH},   // rn looks like m
        {"paypal.corn", "paypal.corn", "paypal.com", lookalike_form::HOMOGRAPH},
        {"www.exarnple-bank.co.uk", "www.exarnple-bank.co.uk", "example-bank.co.uk", lookalike_form::HOMOGRAPH},
        // EDIT: one insertion, deletion, substitution or adjacent swap.
        {"paypall.com", "paypall.com", "paypal.com", lookalike_form::EDIT},
        {"paypl.com", "paypl.com", "paypal.com", lookalike_form::EDIT},
        {"paypla.com", "paypla.com", "paypal.com", lookalike_form::EDIT},
        {"paypak.com", "paypak.com", "paypal.com", lookalike_form::EDIT},
        {"ppaypal.org", "ppaypal.org", "paypal.com", lookalike_form::EDIT},
        {"microsft.com", "microsft.com", "microsoft.com", lookalike_form::EDIT},
        {"example-bnak.co.uk", "example-bnak.co.uk", "example-bank.co.uk", lookalike_form::EDIT},
        {"examplebank.com", "examplebank.com", "example-bank.co.uk", lookalike_form::EDIT},
        // One inserted non-ASCII letter: an edit of the U-label, not a
        // hyphen part of the A-label "xn--paypal-fya".
        {"paypa\xc3\xb8l.com", "xn--paypal-fya.com", "paypal.com", lookalike_form::EDIT},
    };
    for (const auto &c : cases) {
        auto got = det->check(c.domain);
        CHECK_TEXT(got.has_value(), c.domain);
        STRCMP_EQUAL_TEXT(c.want_domain, got->domain.c_str(), c.domain);
        STRCMP_EQUAL_TEXT(c.imitates, got->imitates.c_str(), c.domain);
        STRCMP_EQUAL_TEXT(std::string(to_string(c.form)).c_str(), std::string(to_string(got->form)).c_str(),
                          c.domain);
    }
}

// Not flagged: the brands themselves and their subdomains in any spelling;
// the same label under another suffix; unrelated names. "paypalindia.org"
// holds "paypal" only as a substring, without a label or hyphen boundary:
// substring matching would flag "chase" in "purchase" and "visa" in
// "advisable", so it is not a look-alike form here.
TEST(lookalike, brands_and_unrelated_names_pass)
{
    static const char *const cases[] = {
        "paypal.com", "www.paypal.com", "PAYPAL.COM.", "paypal.com.", "WWW.PayPal.Com",
        "a.b.c.paypal.com", "example-bank.co.uk", "mail.EXAMPLE-BANK.co.uk", "microsoft.com",
        "paypal.net",        // same label, another suffix
        "paypal.co.uk",
        "www.microsoft.de",
        "google.com", "g00gle.com", "paypalindia.org", "evilpaypal.com", "example.com", "bank.co.uk",
        "example-bank.com",  // same label, another suffix
        "amazon.com", "micro.soft.com",
        "co.uk",             // a public suffix has no registrable label
        "", ".", "a..b", "not a domain", "xn--zz.com",
    };
    for (const char *c : cases) {
        auto got = det->check(c);
        CHECK_TEXT(!got.has_value(), (std::string(c) + " flagged as " +
                                      (got ? std::string(to_string(got->form)) : std::string())).c_str());
    }
}

TEST(lookalike, is_protected)
{
    struct test_case {
        const char *domain;
        bool want;
    };
    static const test_case cases[] = {
        {"paypal.com", true},        {"www.paypal.com", true},       {"PAYPAL.COM.", true},
        {"login.example-bank.co.uk", true},                          {"evilpaypal.com", false},
        {"paypal.com.evil.net", false}, {"paypal.net", false},        {"co.uk", false},
        {"", false},
    };
    for (const auto &c : cases)
        CHECK_EQUAL_TEXT(c.want, det->is_protected(c.domain), c.domain);
}

TEST(lookalike, form_names)
{
    STRCMP_EQUAL("embedded", std::string(to_string(lookalike_form::EMBEDDED)).c_str());
    STRCMP_EQUAL("edit", std::string(to_string(lookalike_form::EDIT)).c_str());
    STRCMP_EQUAL("digit", std::string(to_string(lookalike_form::DIGIT)).c_str());
    STRCMP_EQUAL("homograph", std::string(to_string(lookalike_form::HOMOGRAPH)).c_str());
}

TEST(lookalike, work_is_bounded)
{
    // 200 labels cannot be a domain (over 253 characters): rejected, not scanned.
    std::string two_hundred;
    for (int i = 0; i < 199; ++i)
        two_hundred += "a.";
    two_hundred += "paypal.com.evil.net";
    CHECK_TRUE(!det->check(two_hundred).has_value());

    // 120 labels fit in 253 characters; the brand in the leftmost 64 is found.
    std::string early{"x.paypal."};
    for (int i = 0; i < 118; ++i)
        early += "a.";
    early += "net";
    CHECK_TRUE(early.size() <= 253);
    auto got = det->check(early);
    CHECK_TRUE(got.has_value());
    CHECK_TRUE(got->form == lookalike_form::EMBEDDED);

    // Labels after the 64th are not looked at (the bound holds).
    std::string late;
    for (int i = 0; i < 80; ++i)
        late += "a.";
    late += "paypal.";
    for (int i = 0; i < 40; ++i)
        late += "b.";
    late += "net";
    CHECK_TRUE(late.size() <= 253);
    CHECK_TRUE(ds->to_alabel(late).has_value());
    CHECK_TRUE(!det->check(late).has_value());

    // Huge and hostile inputs.
    CHECK_TRUE(!det->check(std::string(100000, 'a')).has_value());
    CHECK_TRUE(!det->check(std::string(100000, '.')).has_value());
    for (int i = 0; i < 1000; ++i)
        (void)det->check("paypa1.com");
}
