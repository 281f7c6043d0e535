// Sender ID: the Purported Responsible Address (RFC 4407 2, one case per
// rule) and record selection for a scope (RFC 4406 3.4).
#include "../conformance/spf_pra_cases.hxx"

#include "authweight/rfc5322.hxx"
#include "authweight/senderid.hxx"

#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace authweight;
using namespace authweight::core;

TEST_GROUP(senderid){};

TEST(senderid, pra_follows_every_rule_of_rfc4407_section_2)
{
    for (const auto &c : spf_test::pra_cases) {
        auto hb = parse_header_block(c.headers);
        CHECK_TEXT(hb.has_value(), c.name);
        const auto r = select_pra(*hb);
        const std::string got = r.found ? r.address.address() : std::string("(none)");
        STRCMP_EQUAL_TEXT(c.want, got.c_str(), (std::string(c.name) + " (RFC 4407 " + c.section + ")").c_str());
        CHECK_TEXT(!r.detail.empty(), c.name);
    }
}

TEST(senderid, pra_reports_the_deciding_step_and_header)
{
    struct test_case {
        const char *headers;
        int step;
        const char *header;
    };
    static const test_case cases[] = {
        {"Resent-Sender: a@x.example\r\nFrom: f@y.example\r\n\r\n", 1, "Resent-Sender"},
        {"Resent-From: a@x.example\r\nFrom: f@y.example\r\n\r\n", 2, "Resent-From"},
        {"Sender: a@x.example\r\nFrom: f@y.example\r\n\r\n", 3, "Sender"},
        {"from: f@y.example\r\n\r\n", 4, "from"},
        {"Sender: a@x.example\r\nSender: b@x.example\r\n\r\n", 6, "Sender"},
    };
    for (const auto &c : cases) {
        auto hb = parse_header_block(c.headers);
        CHECK_TRUE(hb.has_value());
        const auto r = select_pra(*hb);
        CHECK_EQUAL_TEXT(c.step, r.step, c.headers);
        STRCMP_EQUAL_TEXT(c.header, r.header.c_str(), c.headers);
    }
}

TEST(senderid, version_tags_name_their_scopes)
{
    struct test_case {
        const char *txt;
        bool spf2;
        bool mfrom;
        bool pra;
    };
    static const test_case cases[] = {
        {"spf2.0/pra -all", true, false, true},
        {"spf2.0/mfrom,pra ip4:192.0.2.1", true, true, true},
        {"SPF2.0/PRA,MFROM", true, true, true},
        {"spf2.0/pra,future -all", true, false, true},
        {"spf2.0/ -all", false, false, false},
        {"spf2.0/mfrom,,pra", false, false, false},
        {"v=spf1 -all", false, false, false},
        {"spf2.0", false, false, false},
    };
    for (const auto &c : cases) {
        const auto t = parse_senderid_tag(c.txt);
        CHECK_EQUAL_TEXT(c.spf2, t.is_spf2, c.txt);
        CHECK_EQUAL_TEXT(c.mfrom, t.mfrom, c.txt);
        CHECK_EQUAL_TEXT(c.pra, t.pra, c.txt);
    }
}

TEST(senderid, record_selection_follows_rfc4406_3_4)
{
    using st = spf_selection::status;
    struct test_case {
        std::vector<std::string> txt;
        senderid_scope scope;
        st want;
        std::size_t index;
    };
    const test_case cases[] = {
        // spf2.0 for the scope is preferred over v=spf1 (RFC 4406 3.4).
        {{"v=spf1 +all", "spf2.0/mfrom -all"}, senderid_scope::MFROM, st::ONE, 1},
        {{"spf2.0/pra -all", "v=spf1 +all"}, senderid_scope::PRA, st::ONE, 0},
        // Without one for the scope, v=spf1 counts as spf2.0/mfrom,pra.
        {{"spf2.0/mfrom -all", "v=spf1 +all"}, senderid_scope::PRA, st::ONE, 1},
        {{"v=spf1 -all"}, senderid_scope::PRA, st::ONE, 0},
        {{"spf2.0/pra,mfrom -all"}, senderid_scope::MFROM, st::ONE, 0},
        // Two records for the scope: permerror.
        {{"spf2.0/mfrom -all", "spf2.0/mfrom,pra -all", "v=spf1 -all"}, senderid_scope::MFROM, st::MULTIPLE, 0},
        {{"spf2.0/pra -all", "spf2.0/mfrom -all", "v=spf1 -all"}, senderid_scope::PRA, st::ONE, 0},
        {{"v=spf1 -all", "v=spf1 +all"}, senderid_scope::PRA, st::MULTIPLE, 0},
        {{"something else"}, senderid_scope::MFROM, st::NONE, 0},
    };
    for (const auto &c : cases) {
        const auto s = select_senderid_record(c.txt, c.scope);
        CHECK_EQUAL(static_cast<int>(c.want), static_cast<int>(s.state));
        if (c.want == st::ONE)
            CHECK_EQUAL(c.index, s.index);
    }
}
