// DKIM canonicalization (RFC 6376 3.4) and the signed header block (3.7,
// 5.4.2).

#include "authweight/dkim_canon.hxx"

#include <CppUTest/TestHarness.h>

#include <string>
#include <string_view>
#include <vector>

using namespace authweight;

TEST_GROUP(dkim_canon){};

TEST(dkim_canon, bodies)
{
    struct test_case {
        const char *raw;
        core::dkim_canon canon;
        const char *want;
    };
    static const test_case cases[] = {
        // RFC 6376 3.4.5.
        {" C \r\nD \t E\r\n\r\n\r\n", core::dkim_canon::SIMPLE, " C \r\nD \t E\r\n"},
        {" C \r\nD \t E\r\n\r\n\r\n", core::dkim_canon::RELAXED, " C\r\nD E\r\n"},
        {"", core::dkim_canon::SIMPLE, "\r\n"},
        {"", core::dkim_canon::RELAXED, ""},
        {"\r\n", core::dkim_canon::SIMPLE, "\r\n"},
        {"\r\n\r\n", core::dkim_canon::RELAXED, ""},
        // A missing final CRLF is added by both algorithms (3.4.3, 3.4.4).
        {"Joe.", core::dkim_canon::SIMPLE, "Joe.\r\n"},
        {"Joe.", core::dkim_canon::RELAXED, "Joe.\r\n"},
        {"Joe.  \t", core::dkim_canon::RELAXED, "Joe.\r\n"},
        // Bare LF is read as CRLF.
        {"a\nb\n\n", core::dkim_canon::SIMPLE, "a\r\nb\r\n"},
        {"a  b \nc\n", core::dkim_canon::RELAXED, "a b\r\nc\r\n"},
        // A bare CR is an ordinary character, not a line end.
        {"a\rb\r\n", core::dkim_canon::SIMPLE, "a\rb\r\n"},
        {"a\r b\r\n", core::dkim_canon::RELAXED, "a\r b\r\n"},
        // Runs longer than the 8- and 16-byte fast paths, at every alignment.
        {"0123456789abcdef0123456789  x\r\n", core::dkim_canon::RELAXED, "0123456789abcdef0123456789 x\r\n"},
        {"0123456789abcdef                  y   \r\n", core::dkim_canon::RELAXED, "0123456789abcdef y\r\n"},
        {"\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\tz\r\n", core::dkim_canon::RELAXED, " z\r\n"},
        {"abcdefg \tabcdefgh\tij\r\n", core::dkim_canon::RELAXED, "abcdefg abcdefgh ij\r\n"},
        {"abcdefghijklmno \r\nabcdefghijklmno \r\n", core::dkim_canon::RELAXED,
         "abcdefghijklmno\r\nabcdefghijklmno\r\n"},
        {"  \r\n  \r\nx", core::dkim_canon::SIMPLE, "  \r\n  \r\nx\r\n"},
        {"x\r\n  \r\n \t \r\n", core::dkim_canon::RELAXED, "x\r\n"},
    };
    for (const auto &c : cases) {
        std::string scratch;
        auto got = core::canonical_body(c.raw, c.canon, scratch);
        STRCMP_EQUAL_TEXT(c.want, std::string(got).c_str(), c.raw);

    }
}

TEST(dkim_canon, an_empty_view_without_data_is_an_empty_body)
{
    // Found by fuzz_arc: memchr must not get a null pointer (UBSan).
    std::string scratch;
    CHECK_EQUAL(std::string("\r\n"), std::string(core::canonical_body({}, core::dkim_canon::SIMPLE, scratch)));
    CHECK_EQUAL(std::string(""), std::string(core::canonical_body({}, core::dkim_canon::RELAXED, scratch)));
}

TEST(dkim_canon, simple_crlf_body_is_not_copied)
{
    const std::string raw = "Hi.\r\n\r\nWe lost the game.\r\n\r\n";
    std::string scratch;
    auto got = core::canonical_body(raw, core::dkim_canon::SIMPLE, scratch);
    CHECK_TRUE(got.data() == raw.data());
    CHECK_EQUAL(raw.size() - 2, got.size());
}

TEST(dkim_canon, relaxed_matches_a_byte_by_byte_reference)
{
    // The fast paths against the RFC's rules written out plainly, over many
    // generated bodies mixing every byte the canonicalization cares about.
    // Two mixes: dense in special bytes, and long plain runs that take the
    // sixteen-byte path with an occasional WSP run or line end.
    const std::string dense = "a  \t\r\nb.";
    const std::string sparse = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 ,.;  \t\r\n";
    std::uint32_t state = 12345;
    for (int round = 0; round < 4000; ++round) {
        const std::string &alphabet = round % 2 == 0 ? dense : sparse;
        std::string raw;
        const int len = static_cast<int>(state % 300);
        for (int i = 0; i < len; ++i) {
            state = state * 1103515245U + 12345U;
            raw += alphabet[(state >> 16) % alphabet.size()];
        }
        state = state * 1103515245U + 12345U;
        // Reference: split at LF (a preceding CR belongs to the line end).
        std::string want, line;
        std::vector<std::string> lines;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\n') {
                if (!line.empty() && line.back() == '\r')
                    line.pop_back();
                lines.push_back(line);
                line.clear();
            } else {
                line += raw[i];
            }
        }
        if (!line.empty())
            lines.push_back(line);
        for (auto &l : lines) {
            std::string r;
            bool ws = false;
            for (char c : l) {
                if (c == ' ' || c == '\t') {
                    ws = true;
                    continue;
                }
                if (ws)
                    r += ' ';
                ws = false;
                r += c;
            }
            want += r + "\r\n";
        }
        while (want.ends_with("\r\n\r\n"))
            want.resize(want.size() - 2);
        if (want == "\r\n")
            want.clear();
        std::string scratch;
        auto got = core::canonical_body(raw, core::dkim_canon::RELAXED, scratch);
        CHECK_EQUAL_TEXT(want, std::string(got), raw.c_str());
    }
}

TEST(dkim_canon, headers)
{
    struct test_case {
        const char *raw;
        core::dkim_canon canon;
        const char *want;
    };
    static const test_case cases[] = {
        // RFC 6376 3.4.5.
        {"A: X\r\n", core::dkim_canon::RELAXED, "a:X\r\n"},
        {"B : Y\t\r\n\tZ  \r\n", core::dkim_canon::RELAXED, "b:Y Z\r\n"},
        {"A: X\r\n", core::dkim_canon::SIMPLE, "A: X\r\n"},
        {"B : Y\t\r\n\tZ  \r\n", core::dkim_canon::SIMPLE, "B : Y\t\r\n\tZ  \r\n"},
        // Bare LF folding is read as CRLF.
        {"Subject: a\n b\n", core::dkim_canon::SIMPLE, "Subject: a\r\n b\r\n"},
        {"Subject: a\n b\n", core::dkim_canon::RELAXED, "subject:a b\r\n"},
        {"X-Empty:\r\n", core::dkim_canon::RELAXED, "x-empty:\r\n"},
        {"X-Empty:   \r\n", core::dkim_canon::RELAXED, "x-empty:\r\n"},
    };
    for (const auto &c : cases) {
        std::string out;
        core::append_canonical_header(out, c.raw, c.canon, true);
        STRCMP_EQUAL_TEXT(c.want, out.c_str(), c.raw);
    }
    std::string last;
    core::append_canonical_header(last, "DKIM-Signature: v=1; b=\r\n", core::dkim_canon::RELAXED, false);
    STRCMP_EQUAL("dkim-signature:v=1; b=", last.c_str());
}

TEST(dkim_canon, b_value_removal)
{
    struct test_case {
        const char *raw;
        const char *want;
    };
    static const test_case cases[] = {
        {"DKIM-Signature: v=1; b=abc; bh=def\r\n", "DKIM-Signature: v=1; b=; bh=def\r\n"},
        {"DKIM-Signature: v=1; bh=def; b=abc\r\n", "DKIM-Signature: v=1; bh=def; b=\r\n"},
        {"DKIM-Signature: v=1; bh=def;\r\n b=ab\r\n  cd\r\n", "DKIM-Signature: v=1; bh=def;\r\n b=\r\n"},
        {"DKIM-Signature: b = ab cd ; v=1", "DKIM-Signature: b =; v=1"},
        {"DKIM-Signature: v=1; bh=b=x", "DKIM-Signature: v=1; bh=b=x"},   // only the b tag
    };
    for (const auto &c : cases)
        STRCMP_EQUAL_TEXT(c.want, core::without_b_value(c.raw).c_str(), c.raw);
}

TEST(dkim_canon, signed_fields_are_taken_bottom_up)
{
    auto hb = core::parse_header_block("DKIM-Signature: v=1\r\n"
                                       "Received: one\r\n"
                                       "From: a@example.com\r\n"
                                       "Received: two\r\n"
                                       "Subject: s\r\n"
                                       "\r\nbody\r\n");
    CHECK_TRUE(hb.has_value());
    const auto *sig = &hb->fields[0];
    auto got = core::select_signed_fields(*hb, {"received", "received", "received", "from", "x-none",
                                                "dkim-signature"},
                                          sig);
    // "received" thrice: two, then one, then nothing; the signature itself
    // is never one of the fields it signs.
    CHECK_EQUAL(3U, got.size());
    STRCMP_EQUAL("two", got[0]->value.c_str());
    STRCMP_EQUAL("one", got[1]->value.c_str());
    STRCMP_EQUAL("From", got[2]->name.c_str());
}
