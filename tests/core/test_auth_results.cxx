// Authentication-Results (RFC 8601): parsing upstream fields, trusting
// them by authserv-id only, and rendering authweight's own.

#include "authweight/auth_results.hxx"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace authweight;

TEST_GROUP(auth_results){};

TEST(auth_results, parse)
{
    struct test_case {
        const char *input;
        bool valid;
        const char *authserv_id;
        std::size_t results;
        const char *first;       // "method=result" of the first result
        const char *prop;        // "ptype.property=value" of the first result's first property
    };
    static const test_case cases[] = {
        // RFC 8601 Appendix B examples.
        {"example.org 1; none", true, "example.org", 0, "", ""},
        {"example.com;\r\n          spf=pass smtp.mailfrom=example.net", true, "example.com", 1, "spf=pass",
         "smtp.mailfrom=example.net"},
        {"example.com;\r\n auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n spf=pass smtp.mailfrom=example.net",
         true, "example.com", 2, "auth=pass", "smtp.auth=sender@example.net"},
        {"example.com; iprev=pass\r\n policy.iprev=192.0.2.200", true, "example.com", 1, "iprev=pass",
         "policy.iprev=192.0.2.200"},
        {"example.com;\r\n dkim=pass reason=\"good signature\"\r\n header.i=@mail-router.example.net;\r\n"
         " dkim=fail reason=\"bad signature\"\r\n header.i=@newyork.example.com",
         true, "example.com", 2, "dkim=pass", "header.i=@mail-router.example.net"},
        {"foo.example.net (foobar) 1 (baz);\r\n dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
         " policy (A dot can go here) . (like that) expired\r\n (this surprised me) = (as I wasn't expecting it) "
         "1362471462",
         true, "foo.example.net", 1, "dkim=fail", "policy.expired=1362471462"},
        {"example.net; sender-id=pass header.from=\"joe\"@example.net", true, "example.net", 1, "sender-id=pass",
         "header.from=joe@example.net"},
        {"example.net; dkim=timeout header.d=example.com", true, "example.net", 1, "dkim=timeout",
         "header.d=example.com"},
        // Not RFC 8601: no authserv-id, a '/' in a token, a trailing ';',
        // an unterminated comment, a missing result.
        {"\r\n  dkim=pass header.d=01.example.com", false, "", 0, "", ""},
        {"example/net; dkim=pass header.d=example.com", false, "", 0, "", ""},
        {"example.net; dkim=pass header.d=error.example.com header.b=/d5r", false, "", 0, "", ""},
        {"example.net; dkim=pass header.d=example.com;", false, "", 0, "", ""},
        {"example.net; dkim=pass (oops header.d=example.com", false, "", 0, "", ""},
        {"example.net; dkim=", false, "", 0, "", ""},
        {"example.net", false, "", 0, "", ""},
        {"", false, "", 0, "", ""},
    };
    for (const auto &c : cases) {
        auto got = core::parse_authentication_results(c.input);
        CHECK_EQUAL_TEXT(c.valid, got.has_value(), c.input);
        if (!got)
            continue;
        STRCMP_EQUAL_TEXT(c.authserv_id, got->authserv_id.c_str(), c.input);
        CHECK_EQUAL_TEXT(c.results, got->results.size(), c.input);
        if (c.results == 0)
            continue;
        const auto &r = got->results.front();
        STRCMP_EQUAL_TEXT(c.first, (r.method + "=" + r.result).c_str(), c.input);
        CHECK_TEXT(!r.properties.empty(), c.input);
        const auto &p = r.properties.front();
        STRCMP_EQUAL_TEXT(c.prop, (p.ptype + "." + p.property + "=" + p.value).c_str(), c.input);
    }
    auto reasons = core::parse_authentication_results(
        "example.com; dkim=pass reason=\"good signature\" header.i=@a.example; dkim=fail reason=\"bad\"");
    STRCMP_EQUAL("good signature", reasons->results[0].reason.c_str());
    STRCMP_EQUAL("@a.example", std::string(reasons->results[0].property("header", "i")).c_str());
    STRCMP_EQUAL("", std::string(reasons->results[1].property("header", "d")).c_str());
}

TEST(auth_results, hostile_input_is_bounded)
{
    CHECK_FALSE(core::parse_authentication_results(std::string(100 * 1024, 'a')).has_value());
    CHECK_FALSE(core::parse_authentication_results("x; spf=pass " + std::string(100, '(')).has_value());
    std::string many = "x";
    for (int i = 0; i < 150; ++i)
        many += "; spf=pass";
    CHECK_FALSE(core::parse_authentication_results(many).has_value());
}

TEST(auth_results, only_trusted_authserv_ids_are_read)
{
    auto hb = core::parse_header_block("Authentication-Results: example.net;\r\n  spf=pass\r\n"
                                       "Authentication-Results: example.net;\r\n  dkim=pass header.d=example.com\r\n"
                                       "Authentication-Results: foo.example.net;\r\n  dkim=pass header.d=foo.example.com\r\n"
                                       "Authentication-Results: unrelated.com;\r\n  dkim=pass header.d=unrelated.com\r\n"
                                       "Authentication-Results:\r\n  dkim=pass header.d=outlook.com\r\n"
                                       "Authentication-Results: EXAMPLE.NET; dkim=pass header.d=last.example.com\r\n"
                                       "From: joe@football.example.com\r\n\r\nHi.\r\n");
    CHECK_TRUE(hb.has_value());
    struct test_case {
        std::vector<std::string> trusted;
        std::size_t fields;
    };
    const test_case cases[] = {
        {{}, 0},                                   // nothing trusted: nothing read
        {{"example.net"}, 3},                      // case-insensitive
        {{"foo.example.net", "unrelated.com"}, 2},
        {{"example"}, 0},                          // no suffix or prefix matching
    };
    for (const auto &c : cases) {
        auto got = core::trusted_authentication_results(*hb, c.trusted);
        CHECK_EQUAL(c.fields, got.size());
    }
    auto ex = core::trusted_authentication_results(*hb, {"example.net"});
    STRCMP_EQUAL("spf", ex[0].results[0].method.c_str());
    STRCMP_EQUAL("last.example.com", std::string(ex[2].results[0].property("header", "d")).c_str());
}

TEST(auth_results, render)
{
    core::auth_results a;
    a.spf = {core::auth_result::PASS, "example.net", "mailfrom", ""};
    a.senderid.result = core::auth_result::FAIL;
    a.senderid.pra = "joe@example.net";
    a.dkim.push_back({"example.com", "sel", "rsa-sha256", core::auth_result::PASS, true, ""});
    a.dkim.push_back({"example.org", "s2", "ed25519-sha256", core::auth_result::FAIL, false,
                      "body hash did not verify"});
    a.dkim.push_back({"example.com", "s3", "rsa-sha256", core::auth_result::PASS, false, "l=10 leaves 5 body bytes"});
    a.dmarc.result = core::auth_result::PASS;
    a.dmarc.policy = core::dmarc_policy::REJECT;
    a.dmarc.from_domain = "example.com";
    core::ar_render_input in;
    in.authserv_id = "mx.example.org";
    in.auth = &a;
    in.mail_from = "bounce@example.net";
    in.pra_header = "Sender";
    const auto got = core::render_authentication_results(in);
    STRCMP_EQUAL("mx.example.org; spf=pass smtp.mailfrom=bounce@example.net; "
                 "sender-id=fail header.sender=joe@example.net; "
                 "dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256; "
                 "dkim=fail reason=\"body hash did not verify\" header.d=example.org header.s=s2 "
                 "header.a=ed25519-sha256; "
                 "dkim=pass (l=10 leaves 5 body bytes) header.d=example.com header.s=s3 header.a=rsa-sha256; "
                 "dmarc=pass (p=reject) header.from=example.com",
                 got.c_str());
    // What it renders, it parses back.
    auto back = core::parse_authentication_results(got);
    CHECK_TRUE(back.has_value());
    CHECK_EQUAL(6U, back->results.size());
    STRCMP_EQUAL("body hash did not verify", back->results[3].reason.c_str());

    // No message: only SPF; HELO identity; nothing signed.
    core::auth_results helo;
    helo.spf = {core::auth_result::SOFTFAIL, "mx.example.net", "helo", ""};
    core::ar_render_input in2;
    in2.auth = &helo;
    in2.has_message = false;
    STRCMP_EQUAL("authweight; spf=softfail smtp.helo=mx.example.net", core::render_authentication_results(in2).c_str());
    in2.has_message = true;
    STRCMP_EQUAL("authweight; spf=softfail smtp.helo=mx.example.net; sender-id=none; dkim=none; dmarc=none",
                 core::render_authentication_results(in2).c_str());
    // Values that are not tokens are quoted; controls never reach the header.
    core::auth_results odd;
    odd.dkim.push_back({"example.com", "sel", "rsa-sha256", core::auth_result::PERMERROR, false,
                        "bad \"quote\"\r\n\\x"});
    core::ar_render_input in3;
    in3.auth = &odd;
    in3.authserv_id = "my host";
    auto rendered = core::render_authentication_results(in3);
    CHECK_TRUE(rendered.find('\r') == std::string::npos && rendered.find('\n') == std::string::npos);
    CHECK_TRUE(rendered.starts_with("\"my host\"; "));
    CHECK_TRUE(core::parse_authentication_results(rendered).has_value());
}
