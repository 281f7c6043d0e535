// Unit tests of core/include/authweight/ascii.hxx (header-only).
#include "authweight/ascii.hxx"

#include <CppUTest/TestHarness.h>

#include <string>
#include <string_view>

namespace {

namespace ascii = authweight::core::ascii;
using namespace std::string_view_literals;

// The helpers are usable where the callers need them: in constant expressions.
static_assert(ascii::to_lower('Q') == 'q' && ascii::to_upper('q') == 'Q');
static_assert(ascii::iequals("TXT", "txt") && ascii::istarts_with("RC4-MD5", "rc4"));
static_assert(ascii::trim(" \tx\r\n") == "x");
static_assert(ascii::icontains("www.XN--bcher-kva.de", "xn--") && ascii::icontains("ab", "") &&
              !ascii::icontains("xn-", "xn--") && !ascii::icontains("x-n--", "xn--"));

/** Printable form of a byte string for failure messages. */
std::string shown(std::string_view s)
{
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20U && u < 0x7FU) {
            out.push_back(c);
        } else {
            constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(hex[u >> 4U]);
            out.push_back(hex[u & 0xFU]);
        }
    }
    return out;
}

} // namespace

TEST_GROUP(ascii)
{
};

TEST(ascii, folds_single_bytes)
{
    struct test_case {
        char in;
        char want_lower;
        char want_upper;
    };
    static const test_case cases[] = {
        {'A', 'a', 'A'},   {'Z', 'z', 'Z'},   {'a', 'a', 'A'},   {'z', 'z', 'Z'},
        {'M', 'm', 'M'},   {'q', 'q', 'Q'},
        // Neighbours of the letter ranges.
        {'@', '@', '@'},   {'[', '[', '['},   {'`', '`', '`'},   {'{', '{', '{'},
        {'0', '0', '0'},   {'-', '-', '-'},   {'\0', '\0', '\0'}, {'\x7f', '\x7f', '\x7f'},
        // Bytes >= 0x80 are never changed: 0xC1/0xE1 are 'A'/'a' + 0x80,
        // 0xC4/0xE4 Latin-1 A/a with diaeresis.
        {'\x80', '\x80', '\x80'}, {'\xc1', '\xc1', '\xc1'}, {'\xe1', '\xe1', '\xe1'},
        {'\xc4', '\xc4', '\xc4'}, {'\xe4', '\xe4', '\xe4'}, {'\xff', '\xff', '\xff'},
    };
    for (const auto &tc : cases) {
        const std::string what = shown(std::string_view{&tc.in, 1});
        CHECK_EQUAL_TEXT(tc.want_lower, ascii::to_lower(tc.in), what.c_str());
        CHECK_EQUAL_TEXT(tc.want_upper, ascii::to_upper(tc.in), what.c_str());
    }
}

TEST(ascii, high_bytes_are_never_changed_or_space)
{
    for (int b = 0x80; b <= 0xFF; ++b) {
        const auto c = static_cast<char>(b);
        const std::string what = shown(std::string_view{&c, 1});
        CHECK_EQUAL_TEXT(c, ascii::to_lower(c), what.c_str());
        CHECK_EQUAL_TEXT(c, ascii::to_upper(c), what.c_str());
        CHECK_FALSE_TEXT(ascii::is_space(c), what.c_str());
    }
}

TEST(ascii, classifies_space)
{
    struct test_case {
        char in;
        bool want;
    };
    static const test_case cases[] = {
        {' ', true},     {'\t', true},    {'\r', true},     {'\n', true},
        {'\f', true},    {'\v', true},    {'\0', false},    {'x', false},
        {'_', false},    {'\x1f', false}, {'\x7f', false},  {'\x85', false},  // NEL
        {'\xa0', false},  // Latin-1 NBSP
    };
    for (const auto &tc : cases) {
        const std::string what = shown(std::string_view{&tc.in, 1});
        CHECK_EQUAL_TEXT(tc.want, ascii::is_space(tc.in), what.c_str());
    }
}

TEST(ascii, lowers_and_uppers_strings)
{
    struct test_case {
        std::string_view in;
        std::string_view want_lower;
        std::string_view want_upper;
    };
    static const test_case cases[] = {
        {""sv, ""sv, ""sv},
        {"TXT"sv, "txt"sv, "TXT"sv},
        {"Mail.Example.COM."sv, "mail.example.com."sv, "MAIL.EXAMPLE.COM."sv},
        {"ECDHE-RSA-aes128-GCM-sha256"sv, "ecdhe-rsa-aes128-gcm-sha256"sv, "ECDHE-RSA-AES128-GCM-SHA256"sv},
        {"a\0B"sv, "a\0b"sv, "A\0B"sv},
        // UTF-8 "Ä" and "ä" (C3 84, C3 A4) and a lone 0xFF pass through as they are.
        {"\xc3\x84x\xc3\xa4Y\xff"sv, "\xc3\x84x\xc3\xa4y\xff"sv, "\xc3\x84X\xc3\xa4Y\xff"sv},
    };
    for (const auto &tc : cases) {
        const std::string what = shown(tc.in);
        const std::string got_lower = ascii::lower(tc.in);
        const std::string got_upper = ascii::upper(tc.in);
        CHECK_TEXT(got_lower == tc.want_lower, ("lower " + what + " -> " + shown(got_lower)).c_str());
        CHECK_TEXT(got_upper == tc.want_upper, ("upper " + what + " -> " + shown(got_upper)).c_str());
        std::string in_place{tc.in};
        ascii::lower_in_place(in_place);
        CHECK_TEXT(in_place == tc.want_lower, ("in place " + what + " -> " + shown(in_place)).c_str());
    }
}

TEST(ascii, compares_ignoring_case)
{
    struct test_case {
        std::string_view a;
        std::string_view b;
        bool want_equal;
        bool want_a_starts_with_b;
    };
    static const test_case cases[] = {
        {""sv, ""sv, true, true},
        {"x"sv, ""sv, false, true},
        {""sv, "x"sv, false, false},
        {"CNAME"sv, "cname"sv, true, true},
        {"IPv6:2001:db8::1"sv, "ipv6:"sv, false, true},
        {"ipv6"sv, "IPv6:"sv, false, false},
        {"RC4-MD5"sv, "rc4"sv, false, true},
        {"RC5"sv, "rc4"sv, false, false},
        {"Utf-8"sv, "UTF-8"sv, true, true},
        // Only letters fold: '@' (0x40) and '`' (0x60) differ by 0x20 but are not a pair.
        {"@"sv, "`"sv, false, false},
        {"["sv, "{"sv, false, false},
        // Bytes >= 0x80 must match exactly.
        {"\xc3\x84"sv, "\xc3\xa4"sv, false, false},
        {"\xc3\x84X"sv, "\xc3\x84x"sv, true, true},
        {"\xc1"sv, "\xe1"sv, false, false},
        {"a\0b"sv, "A\0B"sv, true, true},
        {"a\0b"sv, "a"sv, false, true},
    };
    for (const auto &tc : cases) {
        const std::string what = shown(tc.a) + " / " + shown(tc.b);
        CHECK_EQUAL_TEXT(tc.want_equal, ascii::iequals(tc.a, tc.b), ("iequals " + what).c_str());
        CHECK_EQUAL_TEXT(tc.want_equal, ascii::iequals(tc.b, tc.a), ("iequals swapped " + what).c_str());
        CHECK_EQUAL_TEXT(tc.want_a_starts_with_b, ascii::istarts_with(tc.a, tc.b),
                         ("istarts_with " + what).c_str());
    }
}

TEST(ascii, trims_space_at_both_ends)
{
    struct test_case {
        std::string_view in;
        std::string_view want;
    };
    static const test_case cases[] = {
        {""sv, ""sv},
        {" "sv, ""sv},
        {" \t\r\n\f\v"sv, ""sv},
        {"x"sv, "x"sv},
        {"  mail.example.com\r\n"sv, "mail.example.com"sv},
        {"\v\fTLSv1.2\f\v"sv, "TLSv1.2"sv},
        {" a b\tc "sv, "a b\tc"sv},
        // NUL, NBSP (C2 A0) and Latin-1 NBSP are not space.
        {"\0x\0"sv, "\0x\0"sv},
        {"\xc2\xa0x\xc2\xa0"sv, "\xc2\xa0x\xc2\xa0"sv},
        {" \xa0 "sv, "\xa0"sv},
    };
    for (const auto &tc : cases) {
        const auto got = ascii::trim(tc.in);
        CHECK_TEXT(got == tc.want, (shown(tc.in) + " -> " + shown(got)).c_str());
        // The result is a view into the input, not a copy.
        if (!got.empty())
            CHECK_TEXT(got.data() >= tc.in.data() && got.data() + got.size() <= tc.in.data() + tc.in.size(),
                       shown(tc.in).c_str());
    }
}
