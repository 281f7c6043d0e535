// The export/import line format between reputation backends.
#include "json_io.hxx"
#include "reputation_store.hxx"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace authweight;

TEST_GROUP(reputation_lines){};

TEST(reputation_lines, round_trip_is_exact)
{
    static const core::reputation_record cases[] = {
        {0.0, 0.0, 0}, {3.5, 0.25, 1718000000}, {0.1 + 0.2, 1.0 / 3.0, 4102444800}, {1e-300, 9999.5, 1},
    };
    for (const auto &r : cases) {
        const auto line = adapters::record_line("mail.example.co.uk", r);
        CHECK_TRUE(line.find('\n') == std::string::npos);
        auto got = adapters::parse_record_line(line);
        CHECK_TRUE_TEXT(got.has_value(), line.c_str());
        STRCMP_EQUAL("mail.example.co.uk", got->first.c_str());
        CHECK_TRUE(got->second == r);
    }
    STRCMP_EQUAL(R"({"identity":"example.com","record":{"v":1,"spam":3.5,"ham":0.25,"ts":1718000000}})",
                 adapters::record_line("example.com", {3.5, 0.25, 1718000000}).c_str());
}

TEST(reputation_lines, bad_lines_name_the_fault)
{
    struct test_case {
        const char *line;
        const char *want;
    };
    static const test_case cases[] = {
        {"", "not JSON"},
        {"not json", "not JSON"},
        {"[1,2]", "not a JSON object"},
        {R"({"identity":"Example.COM","record":{"v":1,"spam":1,"ham":0,"ts":1}})", "not a lower-case domain"},
        {R"({"identity":"a b","record":{"v":1,"spam":1,"ham":0,"ts":1}})", "not a lower-case domain"},
        {R"({"identity":"example.com"})", "no 'record'"},
        {R"({"identity":"example.com","record":{"v":2,"spam":1,"ham":0,"ts":1}})", "'record.v' is not 1"},
        {R"({"identity":"example.com","record":{"v":1,"spam":-1,"ham":0,"ts":1}})", "'record.spam'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":"x","ts":1}})", "'record.ham'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":0,"ts":1.5}})", "'record.ts'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":0,"ts":-3}})", "'record.ts'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":0}})", "needs v, spam, ham and ts"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":0,"ts":1,"x":1}})", "unexpected key 'record.x'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1,"ham":0,"ts":1},"extra":1})", "unexpected key 'extra'"},
        {R"({"identity":"example.com","record":{"v":1,"spam":1e999,"ham":0,"ts":1}})", "not JSON"},
    };
    for (const auto &c : cases) {
        auto got = adapters::parse_record_line(c.line);
        CHECK_FALSE_TEXT(got.has_value(), c.line);
        CHECK_TRUE_TEXT(got.error().message().find(c.want) != std::string::npos,
                        (std::string(c.want) + " vs " + got.error().message()).c_str());
    }
}

TEST(reputation_lines, looked_up_counts_in_facts)
{
    auto ok = adapters::parse_facts(R"({"reputation": {"example.com": {"spam": 2.5, "ham": 1}, "b.example": {}}})");
    CHECK_TRUE(ok.has_value());
    CHECK_EQUAL(2U, ok->reputation.size());
    DOUBLES_EQUAL(2.5, ok->reputation.at("example.com").spam, 0);
    DOUBLES_EQUAL(1.0, ok->reputation.at("example.com").ham, 0);
    DOUBLES_EQUAL(0.0, ok->reputation.at("b.example").spam, 0);
    CHECK_TRUE(adapters::parse_facts(R"({"reputation": null})")->reputation.empty());
    // An empty array is the empty object: a Lua host's encoder cannot tell them apart.
    CHECK_TRUE(adapters::parse_facts(R"({"reputation": []})")->reputation.empty());

    struct test_case {
        const char *facts;
        const char *want;
    };
    static const test_case cases[] = {
        {R"({"reputation": [1]})", "'reputation': expected object"},
        {R"({"reputation": {"Example.COM": {"spam": 1}}})", "not a lower-case domain name"},
        {R"({"reputation": {"a.example": {"spam": -1}}})", "'reputation.a.example.spam': expected a non-negative number"},
        {R"({"reputation": {"a.example": {"spam": "1"}}})", "expected a non-negative number"},
        {R"({"reputation": {"a.example": {"bad": 1}}})", "unknown fact 'reputation.a.example.bad'"},
        {R"({"reputation": {"a.example": 3}})", "expected object"},
    };
    for (const auto &c : cases) {
        auto got = adapters::parse_facts(c.facts);
        CHECK_FALSE_TEXT(got.has_value(), c.facts);
        CHECK_TRUE_TEXT(got.error().message().find(c.want) != std::string::npos,
                        (std::string(c.want) + " vs " + got.error().message()).c_str());
    }
    std::string many = R"({"reputation": {)";
    for (int i = 0; i < 100; ++i)
        many += (i ? "," : "") + std::string("\"d") + std::to_string(i) + R"(.example": {"spam": 1})";
    many += "}}";
    auto got = adapters::parse_facts(many);
    CHECK_FALSE(got.has_value());
    CHECK_TRUE(got.error().message().find("too many identities") != std::string::npos);
}
