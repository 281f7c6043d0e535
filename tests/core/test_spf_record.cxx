// RFC 7208: record selection (4.5), the section 12 ABNF, macro expansion
// (section 7, with the examples of 7.4), names that can be queried (4.3).
#include "authweight/spf_record.hxx"

#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace authweight::core;

namespace {

std::string describe(const spf_record &r)
{
    static const char *const mech[] = {"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"};
    static const char qual[] = {'+', '-', '~', '?'};
    std::string out;
    for (const auto &t : r.terms) {
        if (!out.empty())
            out += ' ';
        out += qual[static_cast<int>(t.qualifier)];
        out += mech[static_cast<int>(t.mechanism)];
        if (!t.domain_spec.empty())
            out += ":" + t.domain_spec;
        if (t.cidr4 >= 0)
            out += "/" + std::to_string(t.cidr4);
        if (t.cidr6 >= 0)
            out += "//" + std::to_string(t.cidr6);
    }
    if (r.redirect)
        out += " redirect=" + *r.redirect;
    if (r.explanation)
        out += " exp=" + *r.explanation;
    return out;
}

} // namespace

TEST_GROUP(spf_record){};

TEST(spf_record, parses_valid_records_and_rejects_what_the_abnf_rejects)
{
    struct test_case {
        const char *record;
        bool valid;
        const char *want;  // the terms as describe() prints them, for valid records
    };
    static const test_case cases[] = {
        {"v=spf1", true, ""},
        {"V=SpF1 -ALL", true, "-all"},
        {"v=spf1 a  -all ", true, "+a -all"},  // 4.6.1: several SP; 4.5: trailing SP
        {"v=spf1 a mx ptr -all", true, "+a +mx +ptr -all"},
        {"v=spf1 a/24//64 mx:example.com/0 ~all", true, "+a/24//64 +mx:example.com/0 ~all"},
        {"v=spf1 a//0 ?include:_spf.example.com", true, "+a//0 ?include:_spf.example.com"},
        {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip6:::1.1.1.1/0 -all", true,
         "+ip4/24 +ip6//32 +ip6//0 -all"},
        {"v=spf1 exists:%{i}.%{l2r-}.user.%{d2} redirect=_spf.%{d}", true,
         "+exists:%{i}.%{l2r-}.user.%{d2} redirect=_spf.%{d}"},
        {"v=spf1 a:foo:bar/baz.example.com", true, "+a:foo:bar/baz.example.com"},  // 7.1: any VCHAR but %
        {"v=spf1 a:foo.example.xn--zckzah -all", true, "+a:foo.example.xn--zckzah -all"},
        {"v=spf1 a:mail.example...com", true, "+a:mail.example...com"},  // syntax allows empty labels
        {"v=spf1 include:o.spf.example.com. -all exp=msg.%{d}", true,
         "+include:o.spf.example.com. -all exp=msg.%{d}"},
        {"v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4", true, "+ip4"},  // unknown modifier dropped
        {"v=spf1 default=+ -all", true, "-all"},
        {"spf2.0/mfrom,pra ip4:192.0.2.1 -all", true, "+ip4 -all"},  // RFC 4406 3: same terms
        // 4.6: errors anywhere are errors.
        {"v=spf1 ip4:1.2.3.4 -all moo", false, nullptr},
        {"v=spf1 -all ip6", false, nullptr},
        {"v=spf1 moo.cow/far_out=man:dog/cat", false, nullptr},
        {"v=spf1 redirect:t2.example.com", false, nullptr},
        {"v=spf1 1up=foo", false, nullptr},
        {"v=spf1 =all", false, nullptr},
        {"v=spf1 -all.", false, nullptr},
        {"v=spf1 -all:foobar", false, nullptr},
        {"v=spf1 -all/8", false, nullptr},
        {"v=spf1 ptr/0 -all", false, nullptr},
        {"v=spf1 ptr:", false, nullptr},
        {"v=spf1 include", false, nullptr},
        {"v=spf1 include: -all", false, nullptr},
        {"v=spf1 include:ip5.example.com/24", false, nullptr},
        {"v=spf1 exists:mail.example.com/24", false, nullptr},
        // 7.1 domain-end: a macro or "." toplabel.
        {"v=spf1 a:foo-bar", false, nullptr},
        {"v=spf1 a:museum", false, nullptr},
        {"v=spf1 a:museum.", false, nullptr},
        {"v=spf1 a:abc.123", false, nullptr},
        {"v=spf1 a:example.-com", false, nullptr},
        {"v=spf1 a:example.com:8080", false, nullptr},
        // CIDR (5.6): ranges, leading zeros, dual CIDR only on a and mx.
        {"v=spf1 a/33", false, nullptr},
        {"v=spf1 a//129", false, nullptr},
        {"v=spf1 a/24/64", false, nullptr},
        {"v=spf1 ip4:1.2.3.4/032", false, nullptr},
        {"v=spf1 ip4:1.2.3.4//32", false, nullptr},
        {"v=spf1 ip4:1.2.3", false, nullptr},
        {"v=spf1 ip4:1.2.3.4:8080", false, nullptr},
        {"v=spf1 ip4:01.2.3.4", false, nullptr},
        {"v=spf1 ip6:::1.1.1.1//33", false, nullptr},
        {"v=spf1 ip6::CAFE::BABE", false, nullptr},
        {"v=spf1 ip4", false, nullptr},
        // 6: exp and redirect once each, with valid domain-specs.
        {"v=spf1 exp=a.example.com -all exp=b.example.com", false, nullptr},
        {"v=spf1 redirect=a.example.com redirect=a.example.com", false, nullptr},
        {"v=spf1 exp= -all", false, nullptr},
        {"v=spf1 exp=-all", false, nullptr},
        {"v=spf1 ?all redirect=", false, nullptr},
        {"v=spf1 -all foo=%abc", false, nullptr},
        // 7.1 macros: valid letters and escapes only; c, r, t only in exp text.
        {"v=spf1 -exists:%(ir).sbl.example.com", false, nullptr},
        {"v=spf1 exists:foo%.sbl.example.com", false, nullptr},
        {"v=spf1 a:%{a}.example.com", false, nullptr},
        {"v=spf1 -all exp=%{r}.example.com", false, nullptr},
        {"v=spf1 exists:%{d0}.example.com", false, nullptr},
        // 3.1: 7-bit; 4.6.1: SP is the only separator.
        {"v=spf1 \x80" "a:example.net -all", false, nullptr},
        {"v=spf1 a:ctrl.example.com\rptr -all", false, nullptr},
        {"v=spf1 ip4:192.0.2.5\n include:x.example.com", false, nullptr},
        {"v=spf10", false, nullptr},
    };
    for (const auto &c : cases) {
        auto r = parse_spf_record(c.record);
        CHECK_EQUAL_TEXT(c.valid, r.has_value(), c.record);
        if (c.valid && r)
            STRCMP_EQUAL_TEXT(c.want, describe(*r).c_str(), c.record);
        if (!c.valid && !r)
            CHECK_TEXT(!r.error().message().empty(), c.record);
    }
}

TEST(spf_record, limits_record_length)
{
    std::string huge = "v=spf1";
    while (huge.size() <= spf_max_record_length)
        huge += " ip4:192.0.2.1";
    CHECK_FALSE(parse_spf_record(huge).has_value());
}

TEST(spf_record, ip4_networks_are_parsed)
{
    auto r = parse_spf_record("v=spf1 ip4:192.0.2.128/25 ip6:2001:DB8::cb01");
    CHECK_TRUE(r.has_value());
    CHECK_EQUAL(192, r->terms[0].network[0]);
    CHECK_EQUAL(128, r->terms[0].network[3]);
    CHECK_EQUAL(25, r->terms[0].cidr4);
    CHECK_EQUAL(0x20, r->terms[1].network[0]);
    CHECK_EQUAL(0xb8, r->terms[1].network[3]);
    CHECK_EQUAL(0xcb, r->terms[1].network[14]);
    CHECK_EQUAL(0x01, r->terms[1].network[15]);
    CHECK_EQUAL(-1, r->terms[1].cidr6);
}

TEST(spf_record, selects_exactly_one_spf1_record)
{
    struct test_case {
        std::vector<std::string> txt;
        spf_selection::status want;
        std::size_t index;
    };
    const test_case cases[] = {
        {{}, spf_selection::status::NONE, 0},
        {{"google-site-verification=x", "v=spf10", "v=spf1mx"}, spf_selection::status::NONE, 0},
        {{"other", "v=spf1 -all"}, spf_selection::status::ONE, 1},
        {{"V=SPF1"}, spf_selection::status::ONE, 0},
        {{"v=spf1 -all", "v=spf1 +all"}, spf_selection::status::MULTIPLE, 0},
        {{"spf2.0/pra -all", "v=spf1 -all"}, spf_selection::status::ONE, 1},
    };
    for (const auto &c : cases) {
        auto s = select_spf_record(c.txt);
        CHECK_EQUAL(static_cast<int>(c.want), static_cast<int>(s.state));
        if (c.want == spf_selection::status::ONE)
            CHECK_EQUAL(c.index, s.index);
    }
}

namespace {

class fixed_ptr final : public spf_ptr_source {
public:
    std::string validated_name(std::string_view domain) override
    {
        asked = std::string(domain);
        return "mx.example.com";
    }
    std::string asked;
};

} // namespace

TEST(spf_record, expands_macros_as_in_rfc7208_section_7_4)
{
    fixed_ptr ptr;
    spf_macro_values v;
    v.sender = "strong-bad@email.example.com";
    v.local_part = "strong-bad";
    v.sender_domain = "email.example.com";
    v.domain = "email.example.com";
    v.ip_dotted = "192.0.2.3";
    v.ip_pretty = "192.0.2.3";
    v.ip_version = "in-addr";
    v.helo = "mx.example.org";
    v.receiver = "receiver.example";
    v.timestamp = "1234567890";
    v.ptr = &ptr;

    struct test_case {
        const char *macro;
        spf_macro_use use;
        const char *want;
    };
    const auto D = spf_macro_use::DOMAIN_SPEC;
    const auto E = spf_macro_use::EXPLANATION;
    static const test_case cases[] = {
        {"%{s}", E, "strong-bad@email.example.com"},
        {"%{o}", D, "email.example.com"},
        {"%{d}", D, "email.example.com"},
        {"%{d4}", D, "email.example.com"},
        {"%{d3}", D, "email.example.com"},
        {"%{d2}", D, "example.com"},
        {"%{d1}", D, "com"},
        {"%{dr}", D, "com.example.email"},
        {"%{d2r}", D, "example.email"},
        {"%{l}", D, "strong-bad"},
        {"%{l-}", D, "strong.bad"},
        {"%{lr}", D, "strong-bad"},
        {"%{lr-}", D, "bad.strong"},
        {"%{l1r-}", D, "strong"},
        {"%{ir}.%{v}._spf.%{d2}", D, "3.2.0.192.in-addr._spf.example.com"},
        {"%{lr-}.lp._spf.%{d2}", D, "bad.strong.lp._spf.example.com"},
        {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", D, "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", D, "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        {"%{d2}.trusted-domains.example.net", D, "example.com.trusted-domains.example.net"},
        {"%{p}.example.net", D, "mx.example.com.example.net"},
        {"%{h}", D, "mx.example.org"},
        {"macro%%percent%_%_space%-url-space.example.com", D, "macro%percent  space%20url-space.example.com"},
        {"%{L}.%{S}", E, "strong-bad.strong-bad%40email.example.com"},
        {"%{c} at %{t} for %{r}.", E, "192.0.2.3 at 1234567890 for receiver.example."},
        {"trailing.dot.example.com.", D, "trailing.dot.example.com"},
        {"This is a test.", E, "This is a test."},
    };
    for (const auto &c : cases) {
        auto got = expand_spf_macros(c.macro, v, c.use);
        CHECK_TEXT(got.has_value(), c.macro);
        if (got)
            STRCMP_EQUAL_TEXT(c.want, got->c_str(), c.macro);
    }
    STRCMP_EQUAL("email.example.com", ptr.asked.c_str());
}

TEST(spf_record, rejects_bad_macros_per_use)
{
    struct test_case {
        const char *text;
        spf_macro_use use;
        bool valid;
    };
    static const test_case cases[] = {
        {"%{c}.example.com", spf_macro_use::DOMAIN_SPEC, false},  // 7.1: c, r, t only in exp text
        {"%{c}", spf_macro_use::EXPLANATION, true},
        {"The %{x}-files.", spf_macro_use::EXPLANATION, false},
        {"two words", spf_macro_use::DOMAIN_SPEC, false},
        {"two words", spf_macro_use::EXPLANATION, true},
        {"100%", spf_macro_use::EXPLANATION, false},
        {"%{d", spf_macro_use::DOMAIN_SPEC, false},
        {"%{d2r+-,/_=}", spf_macro_use::DOMAIN_SPEC, true},
        {"\xEF\xBB\xBF" "Explanation", spf_macro_use::EXPLANATION, false},  // 6.2: 7-bit text only
    };
    for (const auto &c : cases)
        CHECK_EQUAL_TEXT(c.valid, check_spf_macro_string(c.text, c.use).has_value(), c.text);
}

TEST(spf_record, truncates_long_expansions_from_the_left)
{
    spf_macro_values v;
    v.sender_domain = "somewhat.long.exp.example.com";
    auto got = expand_spf_macros("foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com", v,
                                 spf_macro_use::DOMAIN_SPEC);
    CHECK_TRUE(got.has_value());
    CHECK_TRUE(got->size() <= 253);
    CHECK_TRUE(got->starts_with("somewhat.long.exp.example.com."));
}

TEST(spf_record, names_and_identity_domains)
{
    struct test_case {
        const char *name;
        bool queryable;
        bool identity;
    };
    static const test_case cases[] = {
        {"example.com", true, true},
        {"example.com.", true, true},
        {"a2345678", true, false},        // 4.3: not fully qualified
        {"[192.0.2.1]", true, false},     // domain literal
        {"a...example.com", false, false},
        {"", false, false},
        {"a123456789012345678901234567890123456789012345678901234567890123.example.com", false, false},
        {"a12345678901234567890123456789012345678901234567890123456789012.example.com", true, true},
    };
    for (const auto &c : cases) {
        CHECK_EQUAL_TEXT(c.queryable, spf_queryable_name(c.name), c.name);
        CHECK_EQUAL_TEXT(c.identity, spf_valid_identity_domain(c.name), c.name);
    }
}
