// The zone file of DESIGN.md, which drives the CLI, the tests and the test
// DNS server alike.
#include "zone_file.hxx"

#include "authweight/dns.hxx"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <CppUTest/TestHarness.h>

using namespace authweight;
using core::dns_status;
using core::dns_type;

namespace {

const char *const sample_zone = R"({
  "a.example": [["TXT", "v=spf1 -all"], ["TIMEOUT", ""]],
  "b.example": [["A", "192.0.2.1"], ["A", "192.0.2.2"], ["AAAA", "2001:db8::1"],
                ["MX", "10 mx.b.example"],
                ["TXT", ["v=spf1 ", "ip4:192.0.2.0/24 ", "-all"]], ["TXT", "other"]],
  "Mixed.Example.": [["a", "192.0.2.3"]],
  "x.example": [["A", "192.0.2.4"]],
  "X.EXAMPLE.": [["A", "192.0.2.5"]],
  "fail.example": [["SERVFAIL", ""]],
  "sf.example": [["MX", "0 ."], ["SERVFAIL", ""]],
  "to.example": [["TIMEOUT", ""]],
  "alias.example": [["CNAME", "b.example"]],
  "alias2.example": [["CNAME", "ALIAS.example."]],
  "alias-to.example": [["CNAME", "a.example"]],
  "loop1.example": [["CNAME", "loop2.example"]],
  "loop2.example": [["CNAME", "loop1.example"]],
  "self.example": [["CNAME", "self.example"]],
  "dangling.example": [["CNAME", "nowhere.example"]],
  "empty.example": [],
  "4.2.0.192.in-addr.arpa": [["PTR", "mail.b.example"]]
})";

/** A chain h0 -> h1 -> ... -> h9, with the A record at h9. */
std::string chain_zone()
{
    std::string z = "{";
    for (int i = 0; i < 9; ++i)
        z += "\"h" + std::to_string(i) + ".example\": [[\"CNAME\", \"h" + std::to_string(i + 1) +
             ".example\"]],";
    z += R"("h9.example": [["A", "192.0.2.9"]]})";
    return z;
}

std::string join(const std::vector<std::string> &v)
{
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : "|") + s;
    return out;
}

} // namespace

TEST_GROUP(zone_file){};

TEST(zone_file, answers_every_kind)
{
    struct test_case {
        const char *name;
        dns_type type;
        bool want_timeout;
        dns_status want_status;
        const char *want_records; // '|'-separated
    };
    static const test_case cases[] = {
        // DESIGN.md: TXT is listed for a.example, so it answers; A and MX time out.
        {"a.example", dns_type::TXT, false, dns_status::OK, "v=spf1 -all"},
        {"a.example", dns_type::A, true, dns_status::OK, ""},
        {"a.example", dns_type::MX, true, dns_status::OK, ""},
        {"b.example", dns_type::A, false, dns_status::OK, "192.0.2.1|192.0.2.2"},
        {"b.example", dns_type::AAAA, false, dns_status::OK, "2001:db8::1"},
        {"b.example", dns_type::MX, false, dns_status::OK, "10 mx.b.example"},
        // a multi-string record is one record, its strings concatenated
        {"b.example", dns_type::TXT, false, dns_status::OK, "v=spf1 ip4:192.0.2.0/24 -all|other"},
        {"b.example", dns_type::PTR, false, dns_status::NODATA, ""},
        {"b.example", dns_type::CNAME, false, dns_status::NODATA, ""},
        {"B.Example.", dns_type::A, false, dns_status::OK, "192.0.2.1|192.0.2.2"},
        {"mixed.example", dns_type::A, false, dns_status::OK, "192.0.2.3"},
        {"MIXED.EXAMPLE.", dns_type::A, false, dns_status::OK, "192.0.2.3"},
        {"x.example", dns_type::A, false, dns_status::OK, "192.0.2.4|192.0.2.5"},
        {"nope.example", dns_type::A, false, dns_status::NXDOMAIN, ""},
        {"fail.example", dns_type::TXT, false, dns_status::TEMPFAIL, ""},
        {"fail.example", dns_type::A, false, dns_status::TEMPFAIL, ""},
        {"sf.example", dns_type::MX, false, dns_status::OK, "0 ."},
        {"sf.example", dns_type::A, false, dns_status::TEMPFAIL, ""},
        {"to.example", dns_type::TXT, true, dns_status::OK, ""},
        {"to.example", dns_type::CNAME, true, dns_status::OK, ""},
        {"alias.example", dns_type::A, false, dns_status::OK, "192.0.2.1|192.0.2.2"},
        {"alias.example", dns_type::CNAME, false, dns_status::OK, "b.example"},
        {"alias.example", dns_type::PTR, false, dns_status::NODATA, ""},
        {"alias2.example", dns_type::TXT, false, dns_status::OK, "v=spf1 ip4:192.0.2.0/24 -all|other"},
        // the target's marker applies after a CNAME
        {"alias-to.example", dns_type::TXT, false, dns_status::OK, "v=spf1 -all"},
        {"alias-to.example", dns_type::A, true, dns_status::OK, ""},
        {"loop1.example", dns_type::A, false, dns_status::TEMPFAIL, ""},
        {"loop1.example", dns_type::CNAME, false, dns_status::OK, "loop2.example"},
        {"self.example", dns_type::TXT, false, dns_status::TEMPFAIL, ""},
        {"dangling.example", dns_type::A, false, dns_status::NXDOMAIN, ""},
        {"empty.example", dns_type::A, false, dns_status::NODATA, ""},
        {"4.2.0.192.in-addr.arpa.", dns_type::PTR, false, dns_status::OK, "mail.b.example"},
    };
    auto z = adapters::zone::parse(sample_zone);
    CHECK_TRUE(z.has_value());
    for (const auto &tc : cases) {
        const std::string what = std::string(tc.name) + "/" + std::string(core::to_string(tc.type));
        auto got = z->answer(core::dns_query{tc.name, tc.type});
        CHECK_EQUAL_TEXT(tc.want_timeout, !got.has_value(), what.c_str());
        if (tc.want_timeout || !got)
            continue;
        STRCMP_EQUAL_TEXT(std::string(core::to_string(tc.want_status)).c_str(),
                          std::string(core::to_string(got->status)).c_str(), what.c_str());
        STRCMP_EQUAL_TEXT(tc.want_records, join(got->records).c_str(), what.c_str());
    }
}

TEST(zone_file, names_are_normalised_and_merged)
{
    auto z = adapters::zone::parse(sample_zone);
    CHECK_TRUE(z.has_value());
    const auto &names = z->names();
    CHECK_TRUE(names.contains("mixed.example"));
    CHECK_FALSE(names.contains("Mixed.Example."));
    CHECK_EQUAL(2u, names.at("x.example").size());
    const auto &txt = names.at("b.example")[4];
    STRCMP_EQUAL("TXT", txt.type.c_str());
    CHECK_EQUAL(3u, txt.strings.size());
    STRCMP_EQUAL("A", names.at("mixed.example")[0].type.c_str());
}

// RFC 1034 3.6.2 discourages chains; the reader follows at most 8 CNAMEs.
TEST(zone_file, cname_chains_are_bounded)
{
    auto z = adapters::zone::parse(chain_zone());
    CHECK_TRUE(z.has_value());
    struct test_case {
        const char *name;
        dns_status want;
    };
    static const test_case cases[] = {
        {"h9.example", dns_status::OK},       // no hop
        {"h1.example", dns_status::OK},       // 8 hops: the limit
        {"h0.example", dns_status::TEMPFAIL}, // 9 hops: beyond it
    };
    for (const auto &tc : cases) {
        auto got = z->answer(core::dns_query{tc.name, dns_type::A});
        CHECK_TEXT(got.has_value(), tc.name);
        STRCMP_EQUAL_TEXT(std::string(core::to_string(tc.want)).c_str(),
                          std::string(core::to_string(got->status)).c_str(), tc.name);
        if (tc.want == dns_status::OK)
            STRCMP_EQUAL_TEXT("192.0.2.9", join(got->records).c_str(), tc.name);
    }
}

TEST(zone_file, rejects_malformed_files_naming_the_entry)
{
    struct test_case {
        const char *input;
        const char *want_message; // exact, or a prefix when it ends in "..."
    };
    static const test_case cases[] = {
        {"{", "zone file: not valid JSON: ..."},
        {"", "zone file: not valid JSON: ..."},
        {"[]", "zone file: expected an object of names"},
        {R"({"a.example": "TXT v=spf1"})", "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": [["TXT"]]})", "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": ["TXT", "v=spf1 -all"]})",
         "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": [["TXT", "x", "y"]]})",
         "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": [[1, "x"]]})", "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": [["A", 1]]})", "zone file: 'a.example': expected a list of [TYPE, VALUE] pairs"},
        {R"({"a.example": [["SRV", "0 0 25 mx.example"]]})",
         "zone file: 'a.example': unknown record type 'SRV'"},
        {R"({"a.example": [["A", "999.0.2.1"]]})",
         "zone file: 'a.example': invalid A value '999.0.2.1' (expected an IPv4 address)"},
        {R"({"a.example": [["AAAA", "192.0.2.1"]]})",
         "zone file: 'a.example': invalid AAAA value '192.0.2.1' (expected an IPv6 address)"},
        {R"({"a.example": [["MX", "mx.example"]]})",
         "zone file: 'a.example': invalid MX value 'mx.example' (expected \"PREFERENCE HOST\")"},
        {R"({"a.example": [["MX", "70000 mx.example"]]})",
         "zone file: 'a.example': invalid MX value '70000 mx.example' (expected \"PREFERENCE HOST\")"},
        {R"({"a.example": [["CNAME", ""]]})",
         "zone file: 'a.example': invalid CNAME value '' (expected a host name)"},
        {R"({"a.example": [["TXT", []]]})",
         "zone file: 'a.example': TXT needs a string or a non-empty list of strings"},
        {R"({"a.example": [["TXT", ["v=spf1", 1]]]})",
         "zone file: 'a.example': TXT needs a string or a non-empty list of strings"},
        {R"({".": [["A", "192.0.2.1"]]})", "zone file: '.': empty name"},
        {R"({"a.example": [["CNAME", "b.example"], ["CNAME", "c.example"]]})",
         "zone file: 'a.example': more than one CNAME"},
    };
    for (const auto &tc : cases) {
        auto got = adapters::zone::parse(tc.input);
        CHECK_TEXT(!got.has_value(), tc.input);
        CHECK_EQUAL_TEXT(static_cast<int>(core::error_code::BAD_INPUT),
                         static_cast<int>(got.error().code()), tc.input);
        std::string want = tc.want_message;
        const auto &msg = got.error().message();
        if (want.ends_with("...")) {
            want.resize(want.size() - 3);
            CHECK_TEXT(msg.starts_with(want) && msg.size() > want.size(), msg.c_str());
        } else {
            STRCMP_EQUAL_TEXT(want.c_str(), msg.c_str(), tc.input);
        }
    }
}

TEST(zone_file, load_reads_a_file_and_names_it_in_errors)
{
    auto missing = adapters::zone::load("/nonexistent/authweight/zone.json");
    CHECK_FALSE(missing.has_value());
    CHECK_EQUAL(static_cast<int>(core::error_code::NOT_FOUND), static_cast<int>(missing.error().code()));
    STRCMP_EQUAL("cannot read zone file /nonexistent/authweight/zone.json: No such file or directory",
                 missing.error().message().c_str());

    struct test_case {
        const char *content;
        bool want_ok;
    };
    static const test_case cases[] = {
        {R"({"a.example": [["TXT", "v=spf1 -all"]]})", true},
        {R"({"a.example": [["TXT", "v=spf1 -all"]])", false},
    };
    for (const auto &tc : cases) {
        char path[] = "/tmp/authweight_zone_test_XXXXXX";
        const int fd = mkstemp(path);
        CHECK_TRUE(fd >= 0);
        const std::string content = tc.content;
        CHECK_EQUAL(static_cast<ssize_t>(content.size()), write(fd, content.data(), content.size()));
        close(fd);
        auto got = adapters::zone::load(path);
        unlink(path);
        CHECK_EQUAL_TEXT(tc.want_ok, got.has_value(), tc.content);
        if (tc.want_ok) {
            auto a = got->answer(core::dns_query{"a.example", dns_type::TXT});
            CHECK_TRUE(a.has_value());
            CHECK_EQUAL(1u, a->records.size());
            STRCMP_EQUAL("v=spf1 -all", a->records[0].c_str());
        } else {
            const std::string want = std::string("zone file ") + path + ": not valid JSON: ";
            CHECK_TEXT(got.error().message().starts_with(want), got.error().message().c_str());
        }
    }
}
