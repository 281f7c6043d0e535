// RFC 5322 header block, address lists, RFC 2047 and the author identity.
#include "authweight/rfc5322.hxx"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace authweight::core;
using namespace std::string_view_literals;

namespace {

void check_text(std::string_view want, std::string_view got, std::string_view what)
{
    const std::string msg = std::string{what} + ": want [" + std::string{want} + "] got [" +
                            std::string{got} + "]";
    CHECK_TEXT(want == got, msg.c_str());
}

void check_size(std::size_t want, std::size_t got, std::string_view what)
{
    const std::string msg = std::string{what} + ": want " + std::to_string(want) + " got " +
                            std::to_string(got);
    CHECK_TEXT(want == got, msg.c_str());
}

/** `unit` repeated until the result holds at least `size` bytes. */
std::string repeat(std::string_view unit, std::size_t size)
{
    std::string s;
    while (s.size() < size)
        s += unit;
    return s;
}

} // namespace

// ------------------------------------------------------------------ headers --

TEST_GROUP(rfc5322_headers)
{
};

TEST(rfc5322_headers, table)
{
    struct test_case {
        const char *what;
        std::string_view message;
        bool want_ok;
        std::size_t want_fields;
        std::size_t index;              ///< field checked below
        std::string_view want_name;
        std::string_view want_value;
        std::string_view want_raw;      ///< "" = not checked
        const char *want_body;          ///< message from body_offset on; nullptr = not checked
    };
    static const test_case cases[] = {
        {"crlf", "From: a@b.com\r\nTo: c@d.com\r\n\r\nbody", true, 2, 0, "From", "a@b.com",
         "From: a@b.com\r\n", "body"},
        {"bare lf", "From: a@b.com\nTo: c@d.com\n\nbody", true, 2, 1, "To", "c@d.com", "To: c@d.com\n",
         "body"},
        {"fold with tab", "Subject: hello\r\n\tworld\r\nX: y\r\n\r\n", true, 2, 0, "Subject", "hello\tworld",
         "Subject: hello\r\n\tworld\r\n", nullptr},
        {"fold with spaces, lf", "Subject: a\n  b\n c\n\n", true, 1, 0, "Subject", "a  b c",
         "Subject: a\n  b\n c\n", nullptr},
        {"value only on continuation", "Subject:\r\n   foo\r\n\r\n", true, 1, 0, "Subject", "foo", "",
         nullptr},
        {"empty value", "X-Empty:\r\n\r\n", true, 1, 0, "X-Empty", "", "X-Empty:\r\n", ""},
        {"no blank line: all headers", "A: 1\nB: 2", true, 2, 1, "B", "2", "B: 2", ""},
        {"mbox From line skipped", "From sender@x.example Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody", true,
         1, 0, "Subject", "x", "", nullptr},
        {"line without colon skipped", "A: 1\nnonsense line\nB: 2\n\n", true, 2, 1, "B", "2", "", nullptr},
        {"continuation of skipped line dropped", "A: 1\njunk\n cont\nB: 2\n", true, 2, 0, "A", "1", "A: 1\n",
         nullptr},
        {"name with trailing WSP", "Subject \t: hi\n\n", true, 1, 0, "Subject", "hi", "", nullptr},
        {"name with inner space skipped", "A: 1\nBad Name: x\nB: 2\n", true, 2, 1, "B", "2", "", nullptr},
        {"colon inside value", "X: a:b: c\n", true, 1, 0, "X", "a:b: c", "", nullptr},
        {"trailing space kept", "X: a \r\n", true, 1, 0, "X", "a ", "X: a \r\n", nullptr},
        {"body holds header-like lines", "A: 1\r\n\r\nB: 2\r\n", true, 1, 0, "A", "1", "", "B: 2\r\n"},
        {"mixed crlf and lf", "A: 1\r\nB: 2\n\r\nbody", true, 2, 1, "B", "2", "B: 2\n", "body"},
        {"8-bit and NUL in value kept", "X: \xff\0z\n"sv, true, 1, 0, "X", "\xff\0z"sv, "", nullptr},
        {"empty message", "", false, 0, 0, "", "", "", nullptr},
        {"first line not a field", "hello world\nA: b\n", false, 0, 0, "", "", "", nullptr},
        {"first line a continuation", " A: b\n", false, 0, 0, "", "", "", nullptr},
        {"blank first line", "\r\nbody", false, 0, 0, "", "", "", nullptr},
        {"only an mbox line", "From someone Mon Jan 1\n", false, 0, 0, "", "", "", nullptr},
        {"empty first name", ": x\nA: b\n", false, 0, 0, "", "", "", nullptr},
    };
    for (const auto &c : cases) {
        const auto got = parse_header_block(c.message);
        CHECK_EQUAL_TEXT(c.want_ok, got.has_value(), c.what);
        if (!got) {
            CHECK_TRUE(got.error().code() == error_code::BAD_INPUT);
            CHECK_TRUE(!got.error().message().empty());
            continue;
        }
        check_size(c.want_fields, got->fields.size(), c.what);
        CHECK_FALSE(got->truncated);
        if (c.index >= got->fields.size())
            continue;
        const auto &f = got->fields[c.index];
        check_text(c.want_name, f.name, c.what);
        check_text(c.want_value, f.value, c.what);
        if (!c.want_raw.empty())
            check_text(c.want_raw, f.raw, c.what);
        if (c.want_body != nullptr)
            check_text(c.want_body, c.message.substr(got->body_offset), c.what);
    }
}

TEST(rfc5322_headers, lookup_is_case_insensitive)
{
    const auto hb = parse_header_block("from: a\nTo: x\nFROM: b\nFrom: c\n\n");
    CHECK_TRUE(hb.has_value());
    CHECK_EQUAL(3u, hb->count("From"));
    CHECK_EQUAL(1u, hb->count("to"));
    CHECK_EQUAL(0u, hb->count("Sender"));
    const auto froms = hb->all("fRoM");
    CHECK_EQUAL(3u, froms.size());
    STRCMP_EQUAL("a", froms[0]->value.c_str());
    STRCMP_EQUAL("b", froms[1]->value.c_str());
    STRCMP_EQUAL("c", froms[2]->value.c_str());
}

TEST(rfc5322_headers, header_count_is_bounded)
{
    struct test_case {
        std::size_t headers;
        bool want_truncated;
        std::size_t want_kept;
    };
    static const test_case cases[] = {
        {10000, false, 10000},
        {10050, true, 10000},
    };
    for (const auto &c : cases) {
        std::string msg;
        for (std::size_t i = 0; i < c.headers; ++i)
            msg += "X-H" + std::to_string(i) + ": v\r\n";
        msg += "\r\nbody";
        const auto hb = parse_header_block(msg);
        CHECK_TRUE(hb.has_value());
        CHECK_EQUAL(c.want_kept, hb->fields.size());
        CHECK_EQUAL(c.want_truncated, hb->truncated);
        CHECK_EQUAL(msg.size() - 4, hb->body_offset);  // the body is still found
    }
    parse_limits small;
    small.max_headers = 2;
    const auto hb = parse_header_block("A: 1\nB: 2\nC: 3\n cont\nD: 4\n\nbody", small);
    CHECK_TRUE(hb.has_value());
    CHECK_EQUAL(2u, hb->fields.size());
    CHECK_TRUE(hb->truncated);
    STRCMP_EQUAL("B", hb->fields[1].name.c_str());
    STRCMP_EQUAL("2", hb->fields[1].value.c_str());
}

TEST(rfc5322_headers, header_length_is_bounded)
{
    // A 1.5 MB line against the default 1 MiB limit: truncated, still parsed.
    std::string long_value(1536 * 1024, 'a');
    const std::string msg = "Subject: " + long_value + "\r\nFrom: x@y.example\r\n\r\nbody";
    const auto hb = parse_header_block(msg);
    CHECK_TRUE(hb.has_value());
    CHECK_EQUAL(2u, hb->fields.size());
    CHECK_TRUE(hb->truncated);
    CHECK_EQUAL(parse_limits{}.max_header_bytes, hb->fields[0].value.size());
    CHECK_EQUAL(long_value.size() + 11, hb->fields[0].raw.size());  // raw stays exact for DKIM
    STRCMP_EQUAL("x@y.example", hb->fields[1].value.c_str());
    CHECK_EQUAL(msg.size() - 4, hb->body_offset);

    // A folded field is bounded after unfolding, too.
    parse_limits small;
    small.max_header_bytes = 10;
    const auto hb2 = parse_header_block("X: 01234\n 56789abc\nY: ok\n", small);
    CHECK_TRUE(hb2.has_value());
    STRCMP_EQUAL("01234 5678", hb2->fields[0].value.c_str());
    STRCMP_EQUAL("ok", hb2->fields[1].value.c_str());
    CHECK_TRUE(hb2->truncated);

    // Many continuation lines of one field stay linear.
    std::string folded = "X: a";
    for (int i = 0; i < 200000; ++i)
        folded += "\r\n b";
    folded += "\r\n\r\n";
    const auto hb3 = parse_header_block(folded);
    CHECK_TRUE(hb3.has_value());
    CHECK_EQUAL(1u, hb3->fields.size());
    CHECK_EQUAL(1u + 200000u * 2u, hb3->fields[0].value.size());
}

// ---------------------------------------------------------------- addresses --

TEST_GROUP(rfc5322_address)
{
};

TEST(rfc5322_address, address_list)
{
    struct test_case {
        std::string_view input;
        bool want_ok;
        std::size_t want_count;
        std::string_view want_display;  ///< of the first mailbox
        std::string_view want_local;
        std::string_view want_domain;
        std::string_view want_last;     ///< address() of the last mailbox, "" = not checked
    };
    static const test_case cases[] = {
        {"a@b.com", true, 1, "", "a", "b.com", ""},
        {"John Doe <john@example.com>", true, 1, "John Doe", "john", "example.com", ""},
        {"\"Doe, John\" <john@example.com>", true, 1, "Doe, John", "john", "example.com", ""},
        {"J. Doe <j@x.com>", true, 1, "J. Doe", "j", "x.com", ""},
        {"\"a\\\"b\\\\c\" <x@y.com>", true, 1, "a\"b\\c", "x", "y.com", ""},
        // Hostile: the display name looks like an address; the address is what counts.
        {"\"ceo@bank.com\" <evil@attacker.net>", true, 1, "ceo@bank.com", "evil", "attacker.net", ""},
        {"ceo@bank.com <evil@attacker.net>", true, 1, "ceo@bank.com", "evil", "attacker.net", ""},
        {"(x@y.com) evil (c) @ (d) attacker.net (e)", true, 1, "", "evil", "attacker.net", ""},
        {"=?utf-8?B?Y2VvQGJhbmsuY29t?= <evil@x.net>", true, 1, "ceo@bank.com", "evil", "x.net", ""},
        {"=?utf-8?Q?Andr=C3=A9?= Pirard <a@b.com>", true, 1, "Andr\xC3\xA9 Pirard", "a", "b.com", ""},
        {"\"=?utf-8?B?Y2VvQGJhbmsuY29t?=\" <evil@x.net>", true, 1, "ceo@bank.com", "evil", "x.net", ""},
        {"User@Example.COM.", true, 1, "", "User", "example.com", ""},
        {"\"john doe\"@example.com", true, 1, "", "john doe", "example.com", ""},
        {"\"john\".doe@example.com", true, 1, "", "john.doe", "example.com", ""},
        {"john . doe @ example . com", true, 1, "", "john.doe", "example.com", ""},
        {"user@[192.0.2.1]", true, 1, "", "user", "[192.0.2.1]", ""},
        {"<@a.example,@b.example:user@c.example>", true, 1, "", "user", "c.example", ""},
        {"Name <@a.example:user@C.example>", true, 1, "Name", "user", "c.example", ""},
        {"user@B\xC3\xBC" "cher.Example", true, 1, "", "user", "b\xC3\xBC" "cher.example", ""},
        {"a@b.com (outer (inner) \\) x)", true, 1, "", "a", "b.com", ""},
        {"\xff\xfe <a@b.com>", true, 1, "\xEF\xBF\xBD\xEF\xBF\xBD", "a", "b.com", ""},
        {"a@b.com, c@d.com", true, 2, "", "a", "b.com", "c@d.com"},
        {"a@b.com;c@d.com", true, 2, "", "a", "b.com", "c@d.com"},
        {"a@b.com,,, ,c@d.com,", true, 2, "", "a", "b.com", "c@d.com"},
        {"team: a@b.com, C <c@d.com>;, e@f.com", true, 3, "", "a", "b.com", "e@f.com"},
        {"undisclosed:;", true, 0, "", "", "", ""},
        {"undisclosed-recipients:;", true, 0, "", "", "", ""},
        {"open group: a@b.com", true, 1, "", "a", "b.com", ""},
        {"", true, 0, "", "", "", ""},
        {"  (just a comment)  ", true, 0, "", "", "", ""},
        {"undisclosed-recipients, a@b.com", true, 1, "", "a", "b.com", ""},
        {"Doe, John <j@x.com>", true, 1, "John", "j", "x.com", ""},
        {"undisclosed-recipients", false, 0, "", "", "", ""},
        {"<>", false, 0, "", "", "", ""},
        {"user@", false, 0, "", "", "", ""},
        {"@example.com", false, 0, "", "", "", ""},
        {"user@exa mple.com", false, 0, "", "", "", ""},
        {"user@exa!mple.com", false, 0, "", "", "", ""},
        {"user@x..com", false, 0, "", "", "", ""},
        {"user@example.com..", false, 0, "", "", "", ""},
        {"user@.example.com", false, 0, "", "", "", ""},
        {"user@b\xff.com", false, 0, "", "", "", ""},
        {"evil@attacker.net@bank.com", false, 0, "", "", "", ""},
        {"a\0b@x.com"sv, false, 0, "", "", "", ""},
        {"Name <a@x.com\0>"sv, false, 0, "", "", "", ""},
        {"\"a\0\" <a@x.com>"sv, false, 0, "", "", "", ""},
        {"user@[192.0.2.1", false, 0, "", "", "", ""},
        {"user@[192.0 .2.1]", false, 0, "", "", "", ""},
        {"\"unterminated <a@b.com>", false, 0, "", "", "", ""},
        {"a@b.com (unterminated", false, 0, "", "", "", ""},
        {"Name <a@b.com", false, 0, "", "", "", ""},
        {"<a@b.com> <c@d.com>", false, 0, "", "", "", ""},
        {"<a@b.com> trailer", false, 0, "", "", "", ""},
        {"a@b.com c@d.com", false, 0, "", "", "", ""},
        {"john doe@example.com", false, 0, "", "", "", ""},
        {"a@b.com >", false, 0, "", "", "", ""},
        {"x: y: a@b.com;;", false, 0, "", "", "", ""},
        {"<@a.example user@c.example>", false, 0, "", "", "", ""},
    };
    for (const auto &c : cases) {
        const std::string what{c.input};
        const auto got = parse_address_list(c.input);
        CHECK_EQUAL_TEXT(c.want_ok, got.has_value(), what.c_str());
        if (!got) {
            CHECK_TRUE(got.error().code() == error_code::BAD_INPUT);
            CHECK_TRUE(!got.error().message().empty());
            continue;
        }
        check_size(c.want_count, got->size(), what);
        if (got->empty() || c.want_count == 0)
            continue;
        check_text(c.want_display, got->front().display_name, what);
        check_text(c.want_local, got->front().local_part, what);
        check_text(c.want_domain, got->front().domain, what);
        if (!c.want_last.empty())
            check_text(c.want_last, got->back().address(), what);
    }
}

TEST(rfc5322_address, mailbox_count_is_bounded)
{
    struct test_case {
        std::size_t mailboxes;
        bool want_ok;
    };
    static const test_case cases[] = {{100, true}, {101, false}, {5000, false}};
    for (const auto &c : cases) {
        std::string list;
        for (std::size_t i = 0; i < c.mailboxes; ++i)
            list += "u" + std::to_string(i) + "@x.example, ";
        const auto got = parse_address_list(list);
        CHECK_EQUAL(c.want_ok, got.has_value());
        if (got)
            CHECK_EQUAL(c.mailboxes, got->size());
        else
            STRCMP_EQUAL("too many mailboxes", got.error().message().c_str());
    }
    parse_limits small;
    small.max_mailboxes = 1;
    CHECK_TRUE(parse_address_list("a@b.com", small).has_value());
    CHECK_FALSE(parse_address_list("a@b.com, c@d.com", small).has_value());
}

TEST(rfc5322_address, large_values_are_linear)
{
    struct test_case {
        const char *what;
        std::string value;
        bool want_ok;
    };
    const std::size_t n = 100 * 1024;
    const test_case cases[] = {
        {"long quoted display", "\"" + std::string(n, 'x') + "\" <a@b.com>", true},
        {"long atom display", std::string(n, 'x') + " <a@b.com>", true},
        {"many atoms", repeat("ab ", n) + "<a@b.com>", true},
        {"deep comments", std::string(n, '(') + std::string(n, ')') + "a@b.com", true},
        {"unterminated comment", std::string(n, '('), false},
        {"many commas", std::string(n, ',') + "a@b.com", true},
        {"many dots in display", std::string(n, '.') + " <a@b.com>", true},
        {"many encoded-word starts", repeat("=?utf-8?q?", n) + " <a@b.com>", true},
        {"many open groups", repeat("g:;", n), true},
        {"many no-at elements", repeat("x,", n), false},
    };
    for (const auto &c : cases) {
        const auto got = parse_address_list(c.value);
        CHECK_EQUAL_TEXT(c.want_ok, got.has_value(), c.what);
    }
}

TEST(rfc5322_address, envelope_address)
{
    struct test_case {
        std::string_view input;
        bool want_ok;
        std::string_view want_local;
        std::string_view want_domain;
    };
    static const test_case cases[] = {
        {"<user@example.com>", true, "user", "example.com"},
        {"user@example.com", true, "user", "example.com"},
        {"<>", true, "", ""},
        {"", true, "", ""},
        {" \t<>\r\n", true, "", ""},
        {"  <User@Example.COM.>  ", true, "User", "example.com"},
        {"<@a.example,@b.example:user@c.example>", true, "user", "c.example"},
        {"<\"a b\"@example.com>", true, "a b", "example.com"},
        {"<user@[192.0.2.1]>", true, "user", "[192.0.2.1]"},
        {"<bounce+x=y@m\xC3\xBC" "nchen.example>", true, "bounce+x=y", "m\xC3\xBC" "nchen.example"},
        {"garbage", false, "", ""},
        {"<postmaster>", false, "", ""},
        {"<user@example.com", false, "", ""},
        {"user@example.com>", false, "", ""},
        {"<<user@example.com>>", false, "", ""},
        {"<user@example.com> SIZE=100", false, "", ""},
        {"user @example.com", false, "", ""},
        {"user@exa mple.com", false, "", ""},
        {"<a@b.com (comment)>", false, "", ""},
        {"<a@b.com,c@d.com>", false, "", ""},
        {"<a\0@b.com>"sv, false, "", ""},
        {"<@a.example user@b.example>", false, "", ""},
    };
    for (const auto &c : cases) {
        const std::string what{c.input};
        const auto got = parse_envelope_address(c.input);
        CHECK_EQUAL_TEXT(c.want_ok, got.has_value(), what.c_str());
        if (!got) {
            CHECK_TRUE(got.error().code() == error_code::BAD_INPUT);
            continue;
        }
        check_text(c.want_local, got->local_part, what);
        check_text(c.want_domain, got->domain, what);
        check_text("", got->display_name, what);
    }
}

TEST(rfc5322_address, encoded_words)
{
    struct test_case {
        std::string_view input;
        std::string_view want;
    };
    static const test_case cases[] = {
        {"=?utf-8?B?w6k=?=", "\xC3\xA9"},
        {"=?utf-8?b?w6k?=", "\xC3\xA9"},  // missing padding tolerated
        {"=?UTF-8?Q?caf=C3=A9_bar?=", "caf\xC3\xA9 bar"},
        {"=?utf-8?B?ab!c?=", "=?utf-8?B?ab!c?="},  // bad base64 stays
        {"=?utf-8?B?Sm9zw6kgw4FsdmFyZXo=?=", "Jos\xC3\xA9 \xC3\x81lvarez"},
        {"=?iso-8859-1?Q?Andr=E9?= Pirard", "Andr\xC3\xA9 Pirard"},
        {"=?ISO-8859-1?B?6Q==?=", "\xC3\xA9"},
        {"=?windows-1252?Q?=80_=93x=94?=", "\xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D"},
        {"=?us-ascii?Q?a?= =?us-ascii?Q?b?=", "ab"},
        {"=?utf-8?Q?a?=\r\n =?utf-8?Q?b?=", "ab"},
        {"=?utf-8?Q?a?= b =?utf-8?Q?c?=", "a b c"},
        {"x =?utf-8?Q?a?=  y", "x a  y"},
        {"=?utf-8*en?Q?hi?=", "hi"},
        {"=?koi8-r?B?8NLJ18XU?=", "=?koi8-r?B?8NLJ18XU?="},
        {"=?utf-8?B?/w==?=", "\xEF\xBF\xBD"},
        {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
        {"=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated"},
        {"=?utf-8?Q?has space?=", "=?utf-8?Q?has space?="},
        {"=??Q?x?=", "=??Q?x?="},
        {"=?utf-8?Q?\?=", ""},
        {"=?utf-8?Q?=ZZ?=", "=ZZ"},
        {"plain text", "plain text"},
        {"\xC3(", "\xEF\xBF\xBD("},
        {"\xE2\x82", "\xEF\xBF\xBD"},
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // a surrogate is not UTF-8
        {"", ""},
    };
    for (const auto &c : cases)
        check_text(c.want, decode_encoded_words(c.input), c.input);

    const std::string many = repeat("=?utf-8?q?", 100 * 1024);
    check_text(many, decode_encoded_words(many), "many encoded-word starts");
}

// ------------------------------------------------------------------- author --

TEST_GROUP(rfc5322_author)
{
};

TEST(rfc5322_author, identity)
{
    struct test_case {
        std::string_view message;
        from_status want_status;
        std::string_view want_address;  ///< when SINGLE
        std::string_view want_detail;   ///< substring of detail when not SINGLE
    };
    static const test_case cases[] = {
        {"From: Alice <alice@Example.org>\r\nTo: b@c.d\r\n\r\nhi", from_status::SINGLE, "alice@example.org",
         ""},
        {"from: alice@example.org\n\n", from_status::SINGLE, "alice@example.org", ""},
        {"From:\r\n \"ceo@bank.com\"\r\n\t<evil@attacker.net>\r\n\r\n", from_status::SINGLE,
         "evil@attacker.net", ""},
        {"From: ceo@bank.com <evil@attacker.net>\n\n", from_status::SINGLE, "evil@attacker.net", ""},
        {"From: =?utf-8?B?Y2VvQGJhbmsuY29t?= <evil@x.net>\n\n", from_status::SINGLE, "evil@x.net", ""},
        {"From: a@b.example\nSender: s@b.example\n\n", from_status::SINGLE, "a@b.example", ""},
        {"To: b@c.d\r\n\r\n", from_status::NONE, "", "no From"},
        {"From: a@b.example\nFrom: c@d.example\n\n", from_status::MULTIPLE, "", "2 From headers"},
        {"From: a@b.example\nfrom: a@b.example\n\n", from_status::MULTIPLE, "", "2 From headers"},
        {"From: a@b.example, c@d.example\n\n", from_status::MULTIPLE, "", "2 mailboxes"},
        {"From: a@b.example, c@d.example\nSender: a@b.example\n\n", from_status::MULTIPLE, "", "mailboxes"},
        {"From: a@b@c.example\n\n", from_status::MALFORMED, "", "more than one @"},
        {"From: <a@b.example> <c@d.example>\n\n", from_status::MALFORMED, "", "text after"},
        {"From: undisclosed:;\n\n", from_status::MALFORMED, "", "no mailbox"},
        {"From:\n\n", from_status::MALFORMED, "", "no mailbox"},
        {"From: <>\n\n", from_status::MALFORMED, "", "without @"},
        {"From: \"x\n\n", from_status::MALFORMED, "", "unterminated"},
    };
    for (const auto &c : cases) {
        const std::string what{c.message};
        const auto hb = parse_header_block(c.message);
        CHECK_TEXT(hb.has_value(), what.c_str());
        const auto id = author_identity(*hb);
        check_text(to_string(c.want_status), to_string(id.status), what);
        if (c.want_status == from_status::SINGLE) {
            check_text(c.want_address, id.author.address(), what);
        } else {
            const std::string msg = what + " -> " + id.detail;
            CHECK_TEXT(id.detail.find(c.want_detail) != std::string::npos, msg.c_str());
            check_text("", id.author.address() == "@" ? "" : id.author.address(), what);
        }
    }
}

TEST(rfc5322_author, truncated_block_is_never_single)
{
    // A From hidden beyond max_headers must not leave a clean single identity.
    parse_limits small;
    small.max_headers = 1;
    const auto hb = parse_header_block("From: a@b.example\nX: 1\nFrom: ceo@bank.example\n\n", small);
    CHECK_TRUE(hb.has_value());
    CHECK_TRUE(hb->truncated);
    const auto id = author_identity(*hb);
    CHECK_TRUE(id.status != from_status::SINGLE);
    CHECK_TRUE(!id.detail.empty());
}

TEST(rfc5322_author, status_names)
{
    struct test_case {
        from_status status;
        const char *want;
    };
    static const test_case cases[] = {
        {from_status::SINGLE, "single"},
        {from_status::NONE, "none"},
        {from_status::MULTIPLE, "multiple"},
        {from_status::MALFORMED, "malformed"},
    };
    for (const auto &c : cases)
        STRCMP_EQUAL(c.want, std::string{to_string(c.status)}.c_str());
}
