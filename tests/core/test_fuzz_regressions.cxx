// Regressions found by the libFuzzer targets (tests/fuzz, tests/fuzz.sh),
// each named after what it was.
#include "authweight/auth_results.hxx"
#include "authweight/rfc5322.hxx"

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

TEST(fuzz_regressions, auth_results_comment_ending_in_a_backslash)
{
    // fuzz_auth_results: an unterminated comment whose last character is a
    // backslash stepped the parser one past the end of the field, and the
    // next read threw std::out_of_range (a crash through the C ABI's
    // catch-all, an abort in the fuzzer). It is a malformed field.
    static const char *const cases[] = {
        "mx.example.org; spf=(\\",
        "mx.example.org; spf=(unterminated\\",
        "mx.example.org; spf=pass (unterminated\\",
        "mx.example.org (\\",
        "mx.example.org; dkim=pass (a (b \\",
    };
    for (const char *value : cases) {
        const auto got = parse_authentication_results(value);
        CHECK_FALSE_TEXT(got.has_value(), value);
        const std::string message = std::string("Authentication-Results: ") + value + "\r\nFrom: a@b.example\r\n\r\n";
        auto hb = parse_header_block(message);
        CHECK_TEXT(hb.has_value(), value);
        CHECK_EQUAL(0U, trusted_authentication_results(*hb, {"mx.example.org"}).size());
    }
}
