// DKIM-Signature tag lists, signatures and key records (RFC 6376 3.2, 3.5,
// 3.6.1; RFC 8463), and the canonical body length l= is compared with.

#include "authweight/dkim_sig.hxx"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace authweight;

namespace {

const char *const rfc_sig =
    "v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "        4bmp/YzhwvcubU4=;";

/** A minimal valid signature with one tag replaced or added. */
std::string sig_with(const std::string &extra)
{
    return "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; bh=AAAA; b=BBBB" + extra;
}

} // namespace

TEST_GROUP(dkim_sig){};

TEST(dkim_sig, tag_lists)
{
    struct test_case {
        const char *input;
        bool valid;
        std::size_t count;
        const char *first_name;
        const char *first_value;
    };
    static const test_case cases[] = {
        {"a=1; b=2", true, 2, "a", "1"},
        {"a=1; b=2;", true, 2, "a", "1"},                 // trailing ';' is allowed
        {" a = one two ;b=", true, 2, "a", "one two"},    // FWS around, empty value
        {"a=1;\r\n\tb=2", true, 2, "a", "1"},
        {"", true, 0, "", ""},
        {"a=1;;b=2", false, 0, "", ""},                  // empty tag-spec in the middle
        {"a=1; b", false, 0, "", ""},                    // no '='
        {"1a=1", false, 0, "", ""},                      // tag-name starts with ALPHA
        {"a-b=1", false, 0, "", ""},                     // '-' is not ALNUMPUNC
        {"a=1; a=2", false, 0, "", ""},                  // duplicate: the whole list is invalid
        {"A=1; a=2", true, 2, "A", "1"},                 // tag names are case-sensitive
    };
    for (const auto &c : cases) {
        auto got = core::parse_tag_list(c.input);
        CHECK_EQUAL_TEXT(c.valid, got.has_value(), c.input);
        if (!got)
            continue;
        CHECK_EQUAL_TEXT(c.count, got->size(), c.input);
        if (c.count > 0) {
            STRCMP_EQUAL_TEXT(c.first_name, got->front().name.c_str(), c.input);
            STRCMP_EQUAL_TEXT(c.first_value, got->front().value.c_str(), c.input);
        }
    }
}

TEST(dkim_sig, rfc6376_example_signature)
{
    auto sig = core::parse_dkim_signature(rfc_sig);
    CHECK_TRUE(sig.has_value());
    STRCMP_EQUAL("rsa-sha256", sig->algorithm.c_str());
    STRCMP_EQUAL("example.com", sig->domain.c_str());
    STRCMP_EQUAL("brisbane", sig->selector.c_str());
    STRCMP_EQUAL("joe@football.example.com", sig->identity.c_str());
    CHECK_EQUAL(6U, sig->signed_headers.size());
    STRCMP_EQUAL("received", sig->signed_headers[0].c_str());
    STRCMP_EQUAL("message-id", sig->signed_headers[5].c_str());
    CHECK_EQUAL(1U, sig->signed_count("From"));
    CHECK_TRUE(sig->header_canon == core::dkim_canon::SIMPLE);
    CHECK_TRUE(sig->body_canon == core::dkim_canon::SIMPLE);
    // FWS inside b= is not part of the value.
    CHECK_TRUE(sig->signature.find(' ') == std::string::npos);
    CHECK_TRUE(sig->signature.starts_with("AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB4nujc7"));
    STRCMP_EQUAL("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=", sig->body_hash.c_str());
    CHECK_FALSE(sig->body_length.has_value());
}

TEST(dkim_sig, signature_checks)
{
    struct test_case {
        std::string input;
        bool valid;
        const char *want_message;   // part of the error
    };
    const test_case cases[] = {
        {sig_with(""), true, ""},
        {sig_with("; c=relaxed"), true, ""},
        {sig_with("; c=relaxed/relaxed; l=120; t=100; x=200"), true, ""},
        {sig_with("; i=@sub.example.com"), true, ""},
        {sig_with("; q=dns/txt"), true, ""},
        {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA", false, "missing tag b="},
        {"a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=BBBB", false, "missing tag v="},
        {"v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=BBBB", false, "version"},
        {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=AAAA; b=BBBB", false, "From"},
        {sig_with("; i=joe@example.net"), false, "i= domain"},
        {sig_with("; i=joe@notexample.com"), false, "i= domain"},   // a suffix, not a subdomain
        {sig_with("; c=fancy/simple"), false, "c="},
        {sig_with("; l=12a"), false, "l="},
        {sig_with("; t=200; x=100"), false, "x= is not after t="},
        {sig_with("; x=1234567890123"), false, "x="},                 // more than 12 digits
        {sig_with("; q=dns/other"), false, "q="},
        {"v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; bh=AAAA; b=BBBB", false, "d="},
        {"v=1; a=rsa-sha256; d=example.com; s=a..b; h=from; bh=AAAA; b=BBBB", false, "s="},
        {sig_with("; b=CCCC"), false, "duplicate"},
    };
    for (const auto &c : cases) {
        auto got = core::parse_dkim_signature(c.input);
        CHECK_EQUAL_TEXT(c.valid, got.has_value(), c.input.c_str());
        if (!got)
            CHECK_TEXT(got.error().message().find(c.want_message) != std::string::npos,
                       (c.input + " -> " + got.error().message()).c_str());
    }
    // h= is bounded.
    std::string many = "v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=BBBB; h=from";
    for (std::size_t i = 1; i < core::max_signed_fields; ++i)
        many += ":to";
    CHECK_TRUE(core::parse_dkim_signature(many).has_value());
    CHECK_FALSE(core::parse_dkim_signature(many + ":to").has_value());
    // l= values beyond 64 bits saturate instead of wrapping.
    auto big = core::parse_dkim_signature(sig_with("; l=99999999999999999999999999"));
    CHECK_TRUE(big.has_value());
    CHECK_TRUE(*big->body_length == UINT64_MAX);
}

TEST(dkim_sig, key_locator_survives_broken_signatures)
{
    // Prefetch needs d= and s= even when another tag is wrong.
    auto loc = core::locate_dkim_key("v=2; d=Example.COM.; s=Sel; h=to");
    STRCMP_EQUAL("example.com", loc.domain.c_str());
    STRCMP_EQUAL("sel", loc.selector.c_str());
    auto none = core::locate_dkim_key("d=example.com; d=example.net");
    CHECK_TRUE(none.domain.empty());
}

TEST(dkim_sig, key_names)
{
    struct test_case {
        const char *selector;
        const char *domain;
        const char *want;   // nullptr = invalid
    };
    static const test_case cases[] = {
        {"brisbane", "example.com", "brisbane._domainkey.example.com"},
        {"s1.2024", "Mail.Example.com", "s1.2024._domainkey.mail.example.com"},
        {"sel_1", "example.com", "sel_1._domainkey.example.com"},
        {"", "example.com", nullptr},
        {"sel", "", nullptr},
        {"sel", "example..com", nullptr},
        {"se l", "example.com", nullptr},
        {"sel", "example.com.", nullptr},
        {"sel", "ex\xc3\xa4mple.com", nullptr},   // U-labels must come as A-labels
    };
    for (const auto &c : cases) {
        auto got = core::dkim_key_name(c.selector, c.domain);
        CHECK_EQUAL_TEXT(c.want != nullptr, got.has_value(), c.selector);
        if (c.want != nullptr && got)
            STRCMP_EQUAL(c.want, got->c_str());
    }
    CHECK_FALSE(core::dkim_key_name(std::string(64, 'a'), "example.com").has_value());
    CHECK_FALSE(core::dkim_key_name("sel", std::string(250, 'a')).has_value());
}

TEST(dkim_sig, acceptable_algorithms)
{
    CHECK_TRUE(core::acceptable_algorithm("rsa-sha256"));
    CHECK_TRUE(core::acceptable_algorithm("ed25519-sha256"));
    CHECK_TRUE(core::acceptable_algorithm("RSA-SHA256"));
    CHECK_FALSE(core::acceptable_algorithm("rsa-sha1"));   // RFC 8301 3.1
    CHECK_FALSE(core::acceptable_algorithm("ed448-sha256"));
    CHECK_FALSE(core::acceptable_algorithm(""));
}

TEST(dkim_sig, key_records)
{
    struct test_case {
        const char *input;
        bool valid;
        const char *key_type;
        bool revoked;
        bool testing;
        bool strict;
    };
    static const test_case cases[] = {
        {"v=DKIM1; p=MIGfMA0", true, "rsa", false, false, false},
        {"p=MIGf MA0", true, "rsa", false, false, false},
        {"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", true, "ed25519", false, false, false},
        {"v=DKIM1; p=", true, "rsa", true, false, false},
        {"v=DKIM1; t=y:s; p=AAAA", true, "rsa", false, true, true},
        {"v=DKIM1; t=s; p=AAAA", true, "rsa", false, false, true},
        {"v=DKIM1; n=; g=*; p=AAAA", true, "rsa", false, false, false},   // unknown and empty tags
        {"v=DKIM1", false, "", false, false, false},                       // p= is required
        {"p=AAAA; v=DKIM1", false, "", false, false, false},               // v= must be first
        {"v=DKIM2; p=AAAA", false, "", false, false, false},
        {"v=spf1 -all", false, "", false, false, false},
    };
    for (const auto &c : cases) {
        auto got = core::parse_dkim_key(c.input);
        CHECK_EQUAL_TEXT(c.valid, got.has_value(), c.input);
        if (!got)
            continue;
        STRCMP_EQUAL_TEXT(c.key_type, got->key_type.c_str(), c.input);
        CHECK_EQUAL_TEXT(c.revoked, got->revoked(), c.input);
        CHECK_EQUAL_TEXT(c.testing, got->testing(), c.input);
        CHECK_EQUAL_TEXT(c.strict, got->strict_subdomains(), c.input);
    }
    auto spaced = core::parse_dkim_key("p=MIGf MA0\t BB");
    STRCMP_EQUAL("MIGfMA0BB", spaced->public_key.c_str());
    auto services = core::parse_dkim_key("v=DKIM1; s=email:other; h=sha1:sha256; p=A");
    CHECK_EQUAL(2U, services->services.size());
    STRCMP_EQUAL("sha256", services->hashes[1].c_str());
}

TEST(dkim_sig, key_record_selection)
{
    CHECK_EQUAL(1U, *core::select_dkim_key_record({"v=spf1 -all", "v=DKIM1; p=AAAA", "p=BBBB"}));
    CHECK_EQUAL(0U, *core::select_dkim_key_record({"p=AAAA"}));
    CHECK_FALSE(core::select_dkim_key_record({"hello", "v=DKIM2; p=A"}).has_value());
    CHECK_FALSE(core::select_dkim_key_record({}).has_value());
}

TEST(dkim_sig, canonical_body_lengths)
{
    struct test_case {
        const char *body;
        core::dkim_canon canon;
        std::uint64_t want;
    };
    static const test_case cases[] = {
        // RFC 6376 3.4.5 example body: " C \r\nD \t E\r\n\r\n\r\n"
        {" C \r\nD \t E\r\n\r\n\r\n", core::dkim_canon::SIMPLE, 12},   // " C \r\nD \t E\r\n"
        {" C \r\nD \t E\r\n\r\n\r\n", core::dkim_canon::RELAXED, 9},   // " C\r\nD E\r\n"
        {"", core::dkim_canon::SIMPLE, 2},                             // CRLF
        {"", core::dkim_canon::RELAXED, 0},
        {"\r\n\r\n", core::dkim_canon::SIMPLE, 2},
        {"\r\n\r\n", core::dkim_canon::RELAXED, 0},
        {"abc", core::dkim_canon::SIMPLE, 5},                          // CRLF added
        {"abc", core::dkim_canon::RELAXED, 5},
        {"abc  \t", core::dkim_canon::RELAXED, 5},
        {"  \r\n", core::dkim_canon::SIMPLE, 4},                       // WSP-only line is not empty
        {"  \r\n", core::dkim_canon::RELAXED, 0},                      // but becomes empty relaxed
    };
    for (const auto &c : cases)
        CHECK_EQUAL_TEXT(c.want, core::canonical_body_length(c.body, c.canon), c.body);
}

TEST(dkim_sig, alignment_credit)
{
    // h= signs one From; l= signs 10 body bytes.
    auto sig = core::parse_dkim_signature(sig_with("; l=10"));
    CHECK_TRUE(sig.has_value());
    CHECK_EQUAL(1u, sig->signed_count("from"));
    CHECK_TRUE(core::dkim_credit_denials(*sig, false, 1, 10).empty());
    const auto body = core::dkim_credit_denials(*sig, false, 1, 25);
    CHECK_EQUAL(1u, body.size());
    STRCMP_EQUAL("l=10 leaves 15 body bytes unsigned", body.front().c_str());
    const auto from = core::dkim_credit_denials(*sig, false, 2, 10);
    CHECK_EQUAL(1u, from.size());
    STRCMP_CONTAINS("From field is not covered", from.front().c_str());
    CHECK_EQUAL(1u, core::dkim_credit_denials(*sig, true, 1, 10).size()); // a testing key: never
    CHECK_EQUAL(3u, core::dkim_credit_denials(*sig, true, 2, 11).size());
}
