// Unit tests of the utility layer: core/src/ip.cxx (the one IP parser) and
// core/src/text.cxx (the one UTF-8 validator and untrusted-text capper),
// and the C ABI's wrappers of the latter.
#include "authweight.h"
#include "authweight/ip.hxx"
#include "authweight/text.hxx"

#include <CppUTest/TestHarness.h>

#include <optional>
#include <string>
#include <string_view>

namespace core = authweight::core;

TEST_GROUP(ip_address){};

TEST(ip_address, one_parser_for_every_text_form)
{
    struct test_case {
        const char *text;
        bool valid;
        bool v4;
        const char *reverse;
    };
    static const test_case cases[] = {
        {"192.0.2.1", true, true, "1.2.0.192.in-addr.arpa"},
        {"0.0.0.0", true, true, "0.0.0.0.in-addr.arpa"},
        {"::ffff:192.0.2.1", true, true, "1.2.0.192.in-addr.arpa"},      // mapped: IPv4
        {"::FFFF:c000:0201", true, true, "1.2.0.192.in-addr.arpa"},      // the same, in hex
        {"0:0:0:0:0:ffff:192.0.2.1", true, true, "1.2.0.192.in-addr.arpa"},
        {"::192.0.2.1", true, false, nullptr},                            // compatible, not mapped
        {"2001:db8::1", true, false,
         "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
        {"::", true, false, nullptr},
        {"010.0.2.1", false, false, nullptr}, // leading zeros: octal to some
        {"192.0.2.256", false, false, nullptr},
        {"192.0.2", false, false, nullptr},
        {" 192.0.2.1", false, false, nullptr},
        {"2001:db8::1::2", false, false, nullptr},
        {"1:2:3:4:5:6:7:8:9", false, false, nullptr},
        {"::ffff:192.0.2.01", false, false, nullptr},
        {"", false, false, nullptr},
    };
    for (const auto &c : cases) {
        const auto ip = core::ip_address::parse(c.text);
        CHECK_EQUAL_TEXT(c.valid, ip.has_value(), c.text);
        if (!ip)
            continue;
        CHECK_EQUAL_TEXT(c.v4, ip->is_v4(), c.text);
        CHECK_EQUAL_TEXT(c.v4 ? 4u : 16u, ip->bytes().size(), c.text);
        if (c.reverse != nullptr)
            STRCMP_EQUAL_TEXT(c.reverse, ip->reverse_name().c_str(), c.text);
    }
    CHECK_TRUE(core::ip_address::parse("::ffff:198.51.100.23") == core::ip_address::parse("198.51.100.23"));
    CHECK_FALSE(core::ip_address::parse("::198.51.100.23") == core::ip_address::parse("198.51.100.23"));
}

TEST(ip_address, smtp_literals_allow_leading_zeros)
{
    CHECK_FALSE(core::parse_ipv4("010.000.002.001").has_value());
    CHECK_TRUE(core::parse_ipv4("010.000.002.001", core::quad_syntax::smtp).has_value());
    CHECK_TRUE(core::parse_ipv6("::ffff:010.0.2.1", core::quad_syntax::smtp).has_value());
    CHECK_FALSE(core::parse_ipv4("0100.0.2.1", core::quad_syntax::smtp).has_value());
}

TEST_GROUP(untrusted_text){};

TEST(untrusted_text, utf8_sequences)
{
    struct test_case {
        std::string_view bytes;
        std::size_t length;   ///< of the sequence at 0; 0 when ill-formed
        std::size_t consumed; ///< the maximal ill-formed subpart when ill-formed
    };
    static const test_case cases[] = {
        {"a", 1, 1},
        {"\xC3\xA9", 2, 2},
        {"\xE2\x82\xAC", 3, 3},
        {"\xF0\x9F\x98\x80", 4, 4},
        {"\xC0\xAF", 0, 1},         // overlong
        {"\xED\xA0\x80", 0, 1},     // a surrogate
        {"\xF4\x90\x80\x80", 0, 1}, // above U+10FFFF
        {"\xE2\x82", 0, 2},         // cut short
        {"\x80", 0, 1},
    };
    for (const auto &c : cases) {
        std::size_t consumed = 0;
        const std::string label{c.bytes};
        CHECK_EQUAL_TEXT(c.length, core::text::utf8_sequence(c.bytes, 0, consumed), label.c_str());
        CHECK_EQUAL_TEXT(c.consumed, consumed, label.c_str());
        CHECK_EQUAL_TEXT(c.length, authweight_utf8_sequence(c.bytes.data(), c.bytes.size()), label.c_str());
    }
    CHECK_EQUAL(0u, authweight_utf8_sequence(nullptr, 0));
    CHECK_TRUE(core::text::valid_utf8("caf\xC3\xA9"));
    CHECK_FALSE(core::text::valid_utf8("caf\xC3"));
    CHECK_EQUAL(3u, core::text::utf8_valid_prefix("caf\xC3"));
    STRCMP_EQUAL("a\xEF\xBF\xBD" "b", core::text::sanitize_utf8("a\xC0" "b").c_str());
    CHECK_EQUAL(4u, core::text::utf8_length("caf\xC3\xA9"));
}

TEST(untrusted_text, capped_is_one_line_cut_on_a_character)
{
    STRCMP_EQUAL("short", core::text::capped("short").c_str());
    STRCMP_EQUAL("a?b", core::text::capped("a\nb").c_str());
    STRCMP_EQUAL("a b", core::text::capped("a\nb", 100, ' ').c_str());
    STRCMP_EQUAL("abcd...", core::text::capped("abcdef", 4).c_str());
    STRCMP_EQUAL("abcde", core::text::capped("abcde", 5).c_str());
    // "é" is two bytes: a cut after byte 4 would split it.
    STRCMP_EQUAL("abc...", core::text::capped("abc\xC3\xA9xyz", 4).c_str());

    char buf[16];
    CHECK_EQUAL(9u, authweight_text_cap("a\x7f" "bcdefghijkl", 12, 6, buf, sizeof buf));
    STRCMP_EQUAL("a bcde...", buf);
    CHECK_EQUAL(3u, authweight_text_cap("abc", 3, 10, buf, sizeof buf));
    STRCMP_EQUAL("abc", buf);
    // A buffer smaller than cap + 4 lowers the cap; the NUL always fits.
    CHECK_EQUAL(4u, authweight_text_cap("abcdefgh", 8, 100, buf, 5));
    STRCMP_EQUAL("a...", buf);
    CHECK_EQUAL(0u, authweight_text_cap("abc", 3, 10, buf, 1));
    STRCMP_EQUAL("", buf);
    CHECK_EQUAL(0u, authweight_text_cap(nullptr, 0, 10, buf, sizeof buf));
    CHECK_EQUAL(0u, authweight_text_cap("abc", 3, 10, nullptr, 0));
}
