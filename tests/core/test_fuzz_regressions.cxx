// Regressions found by the libFuzzer targets (tests/fuzz, tests/fuzz.sh),
// each named after what it was.
#include "authweight/auth_results.hxx"

#include <string>

#include <CppUTest/TestHarness.h>

using namespace authweight::core;

TEST_GROUP(fuzz_regressions){};

TEST(fuzz_regressions, auth_results_reason_rendered_as_an_address)
{
    // fuzz_auth_results: a DKIM reason shaped like an address
    // ("nogggegggggg@gggggcf") was rendered unquoted, as a property value
    // may be; reason= takes only a token or a quoted-string (RFC 8601 2.2),
    // so authweight's own Authentication-Results did not parse.
    struct test_case {
        const char *reason;
    };
    static const test_case cases[] = {
        {"nogggegggggg@gggggcf"}, {"user@example.com"}, {"@example.com"}, {"plain"},
        {"two words"}, {"quote\"and\\backslash"}, {"semi;colon"},
    };
    for (const auto &c : cases) {
        auth_results res;
        res.dkim.push_back(dkim_outcome{"example.com", "sel", "rsa-sha256", auth_result::FAIL, false, c.reason});
        ar_render_input in;
        in.authserv_id = "mx.example.net";
        in.auth = &res;
        const auto text = render_authentication_results(in);
        const auto got = parse_authentication_results(text);
        CHECK_TEXT(got.has_value(), text.c_str());
        bool found = false;
        for (const auto &r : got->results)
            if (r.method == "dkim") {
                STRCMP_EQUAL(c.reason, r.reason.c_str());
                found = true;
            }
        CHECK_TEXT(found, text.c_str());
    }
}
