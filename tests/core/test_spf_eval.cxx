// SPF and Sender ID through libspf2 over the resumable DNS (issue 3): the
// RFC 7208 4.6.4 limits across rounds, the identities checked, temporary
// failures, and the places where libspf2 alone is wrong.
#include "../conformance/spf_loop.hxx"

#include "engine.hxx"
#include "libspf2_eval.hxx"
#include "spf_eval.hxx"
#include "zone_file.hxx"

#include "authweight/config.hxx"
#include "authweight/rfc5322.hxx"
#include "authweight/spf_record.hxx"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace authweight;
using core::auth_result;

namespace {

adapters::zone make_zone(const std::string &json)
{
    auto z = adapters::zone::parse(json);
    if (!z)
        FAIL(z.error().message().c_str());
    return std::move(*z);
}

adapters::spf_request request(std::string ip, std::optional<std::string> mail_from, std::string helo = "mail.example")
{
    adapters::spf_request r;
    r.client_ip = std::move(ip);
    r.mail_from = std::move(mail_from);
    r.helo = std::move(helo);
    return r;
}

core::spf_outcome spf_over(const adapters::zone &zone, const adapters::spf_request &req,
                           adapters::spf_trace *trace = nullptr, spf_test::loop_log *log = nullptr)
{
    return spf_test::run_over_zone(
        zone, [&](core::dns_source &dns) { return adapters::check_spf(req, dns, trace); }, log);
}

/** The engine's own loop, as the CLI drives it: step, answer what it asks
 *  from the zone, step again. The batches are every query it made. */
struct engine_run {
    adapters::report rep;
    std::vector<std::vector<core::dns_query>> batches;
};

engine_run run_engine(const adapters::zone &zone, core::delivery_facts facts)
{
    engine_run out;
    auto eng = adapters::make_engine(core::config{});
    if (!eng)
        FAIL(eng.error().message().c_str());
    auto ev = adapters::evaluation::create(*eng, std::move(facts));
    if (!ev)
        FAIL(ev.error().message().c_str());
    int guard = 0;
    while ((*ev)->step() == adapters::step_status::NEED_DNS) {
        if (++guard > 64)
            FAIL("the engine never finished");
        const auto pending = (*ev)->pending();
        CHECK_FALSE(pending.empty());
        out.batches.push_back(pending);
        for (const auto &q : pending)
            (*ev)->answer(q, zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    }
    out.rep = (*ev)->result();
    return out;
}

/** t.example includes i1, i1 includes i2, ... i9 includes i10: ten include
 *  terms. `deepest` is i10's record. */
std::string include_chain(const std::string &deepest)
{
    std::string z = R"({"t.example": [["TXT", "v=spf1 include:i1.example -all"]],)";
    for (int i = 1; i < 10; ++i)
        z += "\"i" + std::to_string(i) + ".example\": [[\"TXT\", \"v=spf1 include:i" + std::to_string(i + 1) +
             ".example -all\"]],";
    z += R"("i10.example": [["TXT", ")" + deepest + R"("], ["A", "192.0.2.1"]]})";
    return z;
}

bool asked(const std::vector<std::vector<core::dns_query>> &batches, const std::string &name, core::dns_type t)
{
    for (const auto &b : batches)
        for (const auto &q : b)
            if (q.name == name && q.type == t)
                return true;
    return false;
}

} // namespace

TEST_GROUP(spf_eval){};

TEST(spf_eval, ten_nested_includes_finish_through_the_engine_loop)
{
    const auto zone = make_zone(include_chain("v=spf1 ip4:192.0.2.1 -all"));
    core::delivery_facts facts;
    facts.connection.client_ip = "192.0.2.1";
    facts.connection.helo = "mail.t.example";
    facts.envelope.mail_from = "user@t.example";
    const auto run = run_engine(zone, facts);
    CHECK_EQUAL(static_cast<int>(auth_result::PASS), static_cast<int>(run.rep.auth.spf.result));
    // One nesting level per round: the record of iN is asked for in round N.
    for (int i = 1; i <= 10; ++i) {
        const std::string name = "i" + std::to_string(i) + ".example";
        CHECK_TRUE(static_cast<std::size_t>(i) < run.batches.size());
        const auto &batch = run.batches[static_cast<std::size_t>(i)];
        CHECK_TEXT(std::any_of(batch.begin(), batch.end(),
                               [&](const core::dns_query &q) { return q.name == name && q.type == core::dns_type::TXT; }),
                   name.c_str());
    }
    CHECK_EQUAL(11, run.rep.dns_rounds);
    CHECK_TRUE(run.rep.dns_rounds <= core::config{}.max_dns_rounds);

    adapters::spf_trace trace;
    const auto direct = spf_over(zone, request("192.0.2.1", "user@t.example"), &trace);
    CHECK_EQUAL(static_cast<int>(auth_result::PASS), static_cast<int>(direct.result));
    CHECK_EQUAL(10, trace.dns_terms);
}

TEST(spf_eval, the_eleventh_dns_term_is_a_permerror_and_is_never_queried)
{
    // i10's "a" is the eleventh DNS-querying term (RFC 7208 4.6.4).
    const auto zone = make_zone(include_chain("v=spf1 a ip4:192.0.2.1 -all"));
    core::delivery_facts facts;
    facts.connection.client_ip = "192.0.2.1";
    facts.connection.helo = "mail.t.example";
    facts.envelope.mail_from = "user@t.example";
    const auto run = run_engine(zone, facts);
    CHECK_EQUAL(static_cast<int>(auth_result::PERMERROR), static_cast<int>(run.rep.auth.spf.result));
    STRCMP_CONTAINS("10 DNS-querying terms", run.rep.auth.spf.reason.c_str());
    CHECK_FALSE(asked(run.batches, "i10.example", core::dns_type::A));
    CHECK_TRUE(asked(run.batches, "i10.example", core::dns_type::TXT));

    adapters::spf_trace trace;
    const auto direct = spf_over(zone, request("192.0.2.1", "user@t.example"), &trace);
    CHECK_EQUAL(static_cast<int>(auth_result::PERMERROR), static_cast<int>(direct.result));
    CHECK_EQUAL(11, trace.dns_terms);
}

TEST(spf_eval, limits_hold_across_includes_and_rounds)
{
    const auto zone = make_zone(R"({
      "v.example": [["TXT", "v=spf1 a:n1.example include:v2.example ?all"]],
      "v2.example": [["TXT", "v=spf1 a:n2.example a:n3.example -all"]],
      "mx11.example": [["TXT", "v=spf1 mx -all"],
        ["MX", "0 m.example"], ["MX", "1 m.example"], ["MX", "2 m.example"], ["MX", "3 m.example"],
        ["MX", "4 m.example"], ["MX", "5 m.example"], ["MX", "6 m.example"], ["MX", "7 m.example"],
        ["MX", "8 m.example"], ["MX", "9 m.example"], ["MX", "10 m.example"]],
      "mx10.example": [["TXT", "v=spf1 mx -all"],
        ["MX", "0 m.example"], ["MX", "1 m.example"], ["MX", "2 m.example"], ["MX", "3 m.example"],
        ["MX", "4 m.example"], ["MX", "5 m.example"], ["MX", "6 m.example"], ["MX", "7 m.example"],
        ["MX", "8 m.example"], ["MX", "9 k.example"]],
      "m.example": [["A", "192.0.2.9"]],
      "k.example": [["A", "192.0.2.1"]],
      "ptr.example": [["TXT", "v=spf1 ptr -all"]],
      "1.2.0.192.in-addr.arpa": [["PTR", "a1.ptr.example"], ["PTR", "a2.ptr.example"], ["PTR", "a3.ptr.example"],
        ["PTR", "a4.ptr.example"], ["PTR", "a5.ptr.example"], ["PTR", "a6.ptr.example"],
        ["PTR", "a7.ptr.example"], ["PTR", "a8.ptr.example"], ["PTR", "a9.ptr.example"],
        ["PTR", "a10.ptr.example"], ["PTR", "good.ptr.example"]],
      "good.ptr.example": [["A", "192.0.2.1"]]
    })");
    struct test_case {
        const char *mail_from;
        auth_result want;
        const char *reason;
    };
    static const test_case cases[] = {
        // Three void lookups, the third inside an include.
        {"u@v.example", auth_result::PERMERROR, "void lookups"},
        // More than ten MX names is a permerror (RFC 7208 4.6.4) ...
        {"u@mx11.example", auth_result::PERMERROR, "MX records"},
        // ... ten are looked at.
        {"u@mx10.example", auth_result::PASS, "pass"},
        // Past ten PTR names the rest are ignored: the eleventh would match.
        {"u@ptr.example", auth_result::FAIL, "fail"},
    };
    for (const auto &c : cases) {
        const auto out = spf_over(zone, request("192.0.2.1", c.mail_from));
        CHECK_EQUAL_TEXT(static_cast<int>(c.want), static_cast<int>(out.result), c.mail_from);
        STRCMP_CONTAINS(c.reason, out.reason.c_str());
    }
}

TEST(spf_eval, identity_is_mail_from_or_postmaster_at_helo)
{
    const auto zone = make_zone(R"({
      "mail.h.example": [["TXT", "v=spf1 exists:%{l}.%{o}.ok.example -all"]],
      "postmaster.mail.h.example.ok.example": [["A", "127.0.0.2"]],
      "h.example": [["TXT", "v=spf1 exists:%{l}.%{o}.ok.example -all"]],
      "postmaster.h.example.ok.example": [["A", "127.0.0.2"]],
      "alice.h.example.ok.example": [["A", "127.0.0.2"]]
    })");
    struct test_case {
        std::optional<std::string> mail_from;
        const char *helo;
        auth_result want;
        const char *identity;
        const char *domain;
    };
    const test_case cases[] = {
        {std::string(""), "mail.h.example", auth_result::PASS, "helo", "mail.h.example"},      // RFC 7208 2.3
        {std::string("<>"), "Mail.H.Example.", auth_result::PASS, "helo", "mail.h.example"},
        {std::string("alice@H.example"), "mail.h.example", auth_result::PASS, "mailfrom", "h.example"},
        {std::string("<bob@h.example>"), "mail.h.example", auth_result::FAIL, "mailfrom", "h.example"},
        {std::string("@h.example"), "x", auth_result::PASS, "mailfrom", "h.example"},            // 4.3 postmaster
        {std::string("h.example"), "x", auth_result::PASS, "mailfrom", "h.example"},
        {std::string(""), "[192.0.2.1]", auth_result::NONE, "helo", "[192.0.2.1]"},               // 2.3: no FQDN
        {std::string(""), "localhost", auth_result::NONE, "helo", "localhost"},
        {std::nullopt, "mail.h.example", auth_result::NONE, "mailfrom", ""},
    };
    for (const auto &c : cases) {
        const auto out = spf_over(zone, request("192.0.2.1", c.mail_from, c.helo));
        const char *label = c.mail_from ? c.mail_from->c_str() : "(unknown)";
        CHECK_EQUAL_TEXT(static_cast<int>(c.want), static_cast<int>(out.result), label);
        STRCMP_EQUAL_TEXT(c.identity, out.identity.c_str(), label);
        STRCMP_EQUAL_TEXT(c.domain, out.domain.c_str(), label);
    }

    // The engine reports the same identity for a null sender.
    core::delivery_facts facts;
    facts.connection.client_ip = "192.0.2.1";
    facts.connection.helo = "mail.h.example";
    facts.envelope.mail_from = "";
    const auto run = run_engine(zone, facts);
    CHECK_EQUAL(static_cast<int>(auth_result::PASS), static_cast<int>(run.rep.auth.spf.result));
    STRCMP_EQUAL("helo", run.rep.auth.spf.identity.c_str());
    STRCMP_EQUAL("mail.h.example", run.rep.auth.spf.domain.c_str());
}

TEST(spf_eval, unanswered_and_failed_queries_give_temperror_never_fail)
{
    const auto zone = make_zone(R"({
      "inc.example": [["TXT", "v=spf1 include:slow.example -all"]],
      "a.example": [["TXT", "v=spf1 a:slow.example -all"]],
      "mx.example": [["TXT", "v=spf1 mx:broken.example -all"]],
      "top.example": [["TIMEOUT", ""]],
      "slow.example": [["TIMEOUT", ""]],
      "broken.example": [["SERVFAIL", ""]]
    })");
    for (const char *mf : {"u@inc.example", "u@a.example", "u@mx.example", "u@top.example"}) {
        const auto out = spf_over(zone, request("192.0.2.1", std::string(mf)));
        CHECK_EQUAL_TEXT(static_cast<int>(auth_result::TEMPERROR), static_cast<int>(out.result), mf);
    }
    // Never answered at all: the engine's last round answers TEMPFAIL.
    adapters::zone empty = make_zone("{}");
    core::dns_snapshot snapshot;
    std::vector<core::dns_query> pending;
    spf_test::recording_source last{snapshot, pending, true};
    const auto out = adapters::check_spf(request("192.0.2.1", "u@inc.example"), last);
    CHECK_EQUAL(static_cast<int>(auth_result::TEMPERROR), static_cast<int>(out.result));
}

TEST(spf_eval, one_include_with_a_and_mx_needs_three_rounds)
{
    const auto zone = make_zone(R"({
      "example.com": [["TXT", "v=spf1 include:_spf.example.net a mx -all"], ["A", "192.0.2.10"],
                      ["MX", "10 mx1.example.com"], ["MX", "20 mx2.example.com"]],
      "_spf.example.net": [["TXT", "v=spf1 ip4:198.51.100.0/24 -all"]],
      "mx1.example.com": [["A", "192.0.2.20"]],
      "mx2.example.com": [["A", "192.0.2.21"]]
    })");
    spf_test::loop_log log;
    const auto out = spf_over(zone, request("192.0.2.21", "user@example.com"), nullptr, &log);
    CHECK_EQUAL(static_cast<int>(auth_result::PASS), static_cast<int>(out.result));
    // TXT; then the include's TXT, A and MX together; then the MX hosts.
    CHECK_EQUAL(3, log.rounds);
    CHECK_EQUAL(3u, log.batches[1].size());
    CHECK_EQUAL(2u, log.batches[2].size());
}

TEST(spf_eval, fixes_where_libspf2_alone_is_wrong)
{
    std::string many_ip4;
    for (int i = 0; i < 70; ++i)
        many_ip4 += " ip4:198.51.100." + std::to_string(i);
    std::string long_names;
    std::string long_hosts;
    for (int i = 0; i < 10; ++i) {
        const std::string host = "host" + std::to_string(i) + ".a-rather-long-subdomain-name-for-testing.example.org";
        long_names += " a:" + host;
        long_hosts += "\"" + host + "\": [[\"A\", \"198.51.100.1\"]],";
    }
    const auto zone = make_zone("{" + long_hosts + R"(
      "many.example": [["TXT", "v=spf1)" + many_ip4 + R"( -all"]],
      "long.example": [["TXT", "v=spf1)" + long_names + R"( ip4:192.0.2.1 -all"]],
      "zero.example": [["TXT", "v=spf1 ip4:203.0.113.1/0 -all"]],
      "azero.example": [["TXT", "v=spf1 a:any.example/0 -all"]],
      "any.example": [["A", "203.0.113.7"]],
      "local.example": [["TXT", "v=spf1 -all"]],
      "bad.example": [["TXT", "v=spf1 a:example.com:8080 -all"]],
      "exp.example": [["TXT", "v=spf1 -all exp=why.example"]],
      "why.example": [["TXT", "%{i} is not one of %{d}'s senders"]]
    })");
    struct test_case {
        const char *ip;
        const char *mail_from;
        auth_result want;
    };
    static const test_case cases[] = {
        // libspf2 silently drops mechanisms past 511 compiled bytes: -all lost.
        {"192.0.2.1", "u@many.example", auth_result::FAIL},
        {"198.51.100.69", "u@many.example", auth_result::PASS},
        // Ten long names then the match: compiled in chunks.
        {"192.0.2.1", "u@long.example", auth_result::PASS},
        // libspf2 rejects /0.
        {"192.0.2.1", "u@zero.example", auth_result::PASS},
        {"192.0.2.1", "u@azero.example", auth_result::PASS},
        {"2001:db8::1", "u@azero.example", auth_result::FAIL},
        // libspf2 passes loopback clients without looking.
        {"127.0.0.1", "u@local.example", auth_result::FAIL},
        {"::1", "u@local.example", auth_result::FAIL},
        // libspf2 compiles this; the ABNF makes it a permerror.
        {"192.0.2.1", "u@bad.example", auth_result::PERMERROR},
    };
    for (const auto &c : cases) {
        const auto out = spf_over(zone, request(c.ip, std::string(c.mail_from)));
        CHECK_EQUAL_TEXT(static_cast<int>(c.want), static_cast<int>(out.result),
                         (std::string(c.mail_from) + " from " + c.ip).c_str());
    }
    auto req = request("192.0.2.1", "u@exp.example");
    req.want_explanation = true;
    adapters::spf_trace trace;
    const auto out = spf_over(zone, req, &trace);
    CHECK_EQUAL(static_cast<int>(auth_result::FAIL), static_cast<int>(out.result));
    STRCMP_EQUAL("192.0.2.1 is not one of exp.example's senders", trace.explanation.c_str());
}

TEST(spf_eval, sender_id_checks_the_pra_and_the_mfrom_scope)
{
    const auto zone = make_zone(R"({
      "pra.example": [["TXT", "spf2.0/pra ip4:192.0.2.1 -all"], ["TXT", "v=spf1 -all"]],
      "mf.example": [["TXT", "spf2.0/mfrom -all"], ["TXT", "v=spf1 +all"]],
      "two.example": [["TXT", "spf2.0/pra -all"], ["TXT", "spf2.0/pra,mfrom +all"]]
    })");
    struct test_case {
        const char *headers;
        auth_result want;
        const char *pra;
        const char *pra_header;
    };
    static const test_case cases[] = {
        {"From: Alice <alice@pra.example>\r\n\r\n", auth_result::PASS, "alice@pra.example", "From"},
        {"Sender: s@mf.example\r\nFrom: alice@pra.example\r\n\r\n", auth_result::PASS, "s@mf.example",
         "Sender"},
        {"From: alice@two.example\r\n\r\n", auth_result::PERMERROR, "alice@two.example", "From"},
        {"From: a@pra.example\r\nFrom: b@pra.example\r\n\r\n", auth_result::PERMERROR, "", ""},
        // The PRA's own header, even where its address also stands in an
        // earlier one: a Resent-Sender older than the Resent-From (step 1).
        {"Resent-From: r@pra.example\r\nReceived: by x\r\nResent-Sender: r@pra.example\r\n\r\n",
         auth_result::PASS, "r@pra.example", "Resent-From"},
    };
    for (const auto &c : cases) {
        auto hb = core::parse_header_block(c.headers);
        CHECK_TRUE(hb.has_value());
        const auto req = request("192.0.2.1", "bounce@mf.example");
        const auto out = spf_test::run_over_zone(
            zone, [&](core::dns_source &dns) { return adapters::check_senderid(req, *hb, dns); });
        CHECK_EQUAL_TEXT(static_cast<int>(c.want), static_cast<int>(out.result), c.headers);
        STRCMP_EQUAL_TEXT(c.pra, out.pra.c_str(), c.headers);
        STRCMP_EQUAL_TEXT(c.pra_header, out.pra_header.c_str(), c.headers);
        // spf2.0/mfrom is preferred over v=spf1 for the mfrom scope.
        CHECK_EQUAL_TEXT(static_cast<int>(auth_result::FAIL), static_cast<int>(out.mfrom_result), c.headers);
    }
}

TEST(spf_eval, sender_id_takes_the_spf_output_only_where_it_reads_the_same_records)
{
    // scoped.example publishes an mfrom-scope record besides v=spf1: a
    // Sender ID mfrom check that reaches it must be evaluated on its own.
    const auto zone = make_zone(R"({
      "plain.example": [["TXT", "v=spf1 ip4:192.0.2.1 -all"]],
      "inc.example": [["TXT", "v=spf1 include:scoped.example -all"]],
      "scoped.example": [["TXT", "spf2.0/mfrom -all"], ["TXT", "v=spf1 ip4:192.0.2.1 -all"]],
      "mirror.example": [["TXT", "v=spf1 ip4:192.0.2.1 -all"], ["TXT", "spf2.0/pra ip4:192.0.2.1 -all"]],
      "own.example": [["TXT", "v=spf1 ip4:192.0.2.1 -all"], ["TXT", "spf2.0/pra ip4:192.0.2.1  -all"]],
      "badinc.example": [["TXT", "v=spf1 include:a..b.example -all"]]
    })");
    struct test_case {
        const char *mail_from;
        const char *headers;
        std::size_t reused;
        auth_result spf, pra, mfrom;
    };
    static const test_case cases[] = {
        // The same sender and records everywhere: both Sender ID checks reuse.
        {"a@plain.example", "From: a@plain.example\r\n\r\n", 2, auth_result::PASS, auth_result::PASS,
         auth_result::PASS},
        // Another PRA sender (%{s} may differ): only mfrom reuses.
        {"a@plain.example", "From: b@plain.example\r\n\r\n", 1, auth_result::PASS, auth_result::PASS,
         auth_result::PASS},
        // A PRA record with the v=spf1 record's terms reads alike.
        {"a@mirror.example", "From: a@mirror.example\r\n\r\n", 2, auth_result::PASS, auth_result::PASS,
         auth_result::PASS},
        // Any other byte in the terms (here a second space) and it does not.
        {"a@own.example", "From: a@own.example\r\n\r\n", 1, auth_result::PASS, auth_result::PASS,
         auth_result::PASS},
        // A name no check may look up (an empty label) is no reason to ask.
        {"a@badinc.example", "From: a@badinc.example\r\n\r\n", 2, auth_result::PERMERROR,
         auth_result::PERMERROR, auth_result::PERMERROR},
        // The include reads the mfrom record: only the PRA check reuses.
        {"a@inc.example", "From: a@inc.example\r\n\r\n", 1, auth_result::PASS, auth_result::PASS,
         auth_result::FAIL},
    };
    for (const auto &c : cases) {
        auto hb = core::parse_header_block(c.headers);
        CHECK_TRUE(hb.has_value());
        const auto req = request("192.0.2.1", c.mail_from);
        adapters::libspf2::check_memo memo;
        spf_test::loop_log log;
        const auto both = spf_test::run_over_zone(
            zone,
            [&](core::dns_source &dns) {
                const auto spf = adapters::check_spf(req, dns, nullptr, &memo);
                return std::pair{spf, adapters::check_senderid(req, *hb, dns, nullptr, nullptr, &memo)};
            },
            &log);
        for (const auto &batch : log.batches)
            for (const auto &q : batch)
                CHECK_TEXT(core::spf_queryable_name(q.name), q.name.c_str());
        // Without the memo, every check on its own: the same results.
        const auto alone = spf_test::run_over_zone(
            zone, [&](core::dns_source &dns) { return adapters::check_senderid(req, *hb, dns); });
        CHECK_EQUAL_TEXT(c.reused, memo.reused(), c.headers);
        CHECK_EQUAL_TEXT(static_cast<int>(c.spf), static_cast<int>(both.first.result), c.headers);
        CHECK_EQUAL_TEXT(static_cast<int>(c.pra), static_cast<int>(both.second.result), c.headers);
        CHECK_EQUAL_TEXT(static_cast<int>(c.mfrom), static_cast<int>(both.second.mfrom_result), c.headers);
        CHECK_EQUAL_TEXT(static_cast<int>(alone.result), static_cast<int>(both.second.result), c.headers);
        CHECK_EQUAL_TEXT(static_cast<int>(alone.mfrom_result), static_cast<int>(both.second.mfrom_result),
                         c.headers);
    }
}

TEST(spf_eval, threads_evaluate_independently)
{
    const auto zone = make_zone(R"({
      "p.example": [["TXT", "v=spf1 include:q.example a -all"], ["A", "192.0.2.1"]],
      "q.example": [["TXT", "v=spf1 ip4:198.51.100.0/24 -all"]]
    })");
    std::atomic<int> wrong{0};
    auto worker = [&](const char *ip, auth_result want) {
        for (int i = 0; i < 200; ++i) {
            const auto out = spf_over(zone, request(ip, "u@p.example"));
            if (out.result != want)
                ++wrong;
        }
    };
    std::thread a{worker, "192.0.2.1", auth_result::PASS};
    std::thread b{worker, "203.0.113.1", auth_result::FAIL};
    std::thread c{worker, "198.51.100.7", auth_result::PASS};
    a.join();
    b.join();
    c.join();
    CHECK_EQUAL(0, wrong.load());
}
