// Display-name impersonation (issue 21, AUTHW_DISPLAY_SPOOF), with the real
// domain services: libpsl, libidn2 and ICU's confusable skeletons.
#include "authweight/display_name.hxx"
#include "domain_libs.hxx"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace authweight::core;

namespace {

const domain_services &services()
{
    static auto ds = authweight::adapters::make_domain_services();
    return **ds;
}

config spoof_config()
{
    config c;
    c.protected_domains = {"paypal.com", "example-bank.co.uk"};
    c.protected_names = {"Example Bank", "Contoso Payroll"};
    c.local_domains = {"receiver.example"};
    return c;
}

struct verdict_case {
    const char *name;          ///< display name
    const char *from_domain;
    bool aligned;
    const char *imitated;      ///< nullptr: no spoof
    const char *how;
};

} // namespace

TEST_GROUP(display_name){};

TEST(display_name, imitations_fire_and_honest_names_do_not)
{
    const display_name_checker chk{spoof_config(), services()};
    const std::vector<std::string> rcpt{"receiver.example"};
    const verdict_case cases[] = {
        // the three forms of the issue
        {"PayPal Service", "random.example", false, "paypal", "brand"},
        {"christine@christine.example", "rnd-bank.example", false, "christine@christine.example", "address"},
        {"receiver.example IT desk", "evil.example", false, "receiver.example", "local domain"},
        // confusables: a Cyrillic a, a digit one for an l
        {"P\xd0\xb0yPal Security", "random.example", false, "paypal", "brand"},
        {"PAYPA1 billing", "random.example", false, "paypal", "brand"},
        // protected names, several words, any case and spacing
        {"example   BANK alerts", "random.example", false, "example-bank", "brand"},
        {"Contoso Payroll", "hr-portal.example", true, "Contoso Payroll", "brand"},
        // the receiver's own name, from a local_domains label
        {"Receiver IT desk", "evil.example", false, "receiver", "local domain"},
        // an authenticated phisher is still a phisher
        {"christine@christine.example", "rnd-bank.example", true, "christine@christine.example", "address"},
        {"PayPal", "paypal-secure.example", true, "paypal", "brand"},
        // the brand's own domain only counts authenticated and aligned
        {"PayPal", "paypal.com", false, "paypal", "brand"},
        {"PayPal", "paypal.com", true, nullptr, nullptr},
        {"PayPal Service", "mail.paypal.com", true, nullptr, nullptr},
        {"Example Bank", "example-bank.co.uk", true, nullptr, nullptr},
        // the sender's own organisation, written in its name
        {"support@example.org", "mail.example.org", false, nullptr, nullptr},
        {"Amazon.com", "amazon.com", false, nullptr, nullptr},
        {"Receiver IT desk", "receiver.example", false, nullptr, nullptr},
        // ordinary names: whole words only, no made-up suffixes
        {"John Smith", "random.example", false, nullptr, nullptr},
        {"Mr.Smith", "random.example", false, nullptr, nullptr},
        {"J.R.R. Tolkien", "random.example", false, nullptr, nullptr},
        {"Paypalooza fan club", "random.example", false, nullptr, nullptr},
        {"", "random.example", false, nullptr, nullptr},
    };
    for (const auto &c : cases) {
        auto got = chk.check(c.name, c.from_domain, c.aligned, rcpt);
        const std::string label = std::string("\"") + c.name + "\" <x@" + c.from_domain + ">";
        if (c.imitated == nullptr) {
            CHECK_TEXT(!got, (label + ": " + (got ? got->how + " " + got->imitated : "")).c_str());
            continue;
        }
        CHECK_TEXT(got.has_value(), label.c_str());
        STRCMP_EQUAL_TEXT(c.imitated, got->imitated.c_str(), label.c_str());
        STRCMP_EQUAL_TEXT(c.how, got->how.c_str(), label.c_str());
    }
}

TEST(display_name, a_recipient_domain_counts_as_local)
{
    const display_name_checker chk{config{}, services()};
    auto got = chk.check("helpdesk@corp.example", "evil.example", false, {"corp.example"});
    CHECK_TRUE(got.has_value());
    STRCMP_EQUAL("local domain", got->how.c_str());
    CHECK_FALSE(chk.check("helpdesk@corp.example", "mail.corp.example", false, {"corp.example"}));
}

TEST(display_name, long_and_hostile_names_are_bounded)
{
    const display_name_checker chk{spoof_config(), services()};
    // The brand past the limit is not read; before it, it is.
    std::string padded(max_display_name_bytes, 'x');
    CHECK_FALSE(chk.check(padded + " PayPal", "random.example", false, {}));
    CHECK_TRUE(chk.check("PayPal " + std::string(100000, 'x'), "random.example", false, {}).has_value());
    // Whitespace runs count as one, so spaces cannot push a brand out.
    CHECK_TRUE(chk.check(std::string(100000, ' ') + "PayPal", "random.example", false, {}).has_value());
    // Invalid UTF-8, dots and at-signs everywhere: no crash, no domain.
    CHECK_FALSE(chk.check("\xff\xfe@@..@.-.@", "random.example", false, {}));
    std::string dots;
    for (int i = 0; i < 20000; ++i)
        dots += "a.";
    CHECK_FALSE(chk.check(dots, "random.example", false, {}));
}
