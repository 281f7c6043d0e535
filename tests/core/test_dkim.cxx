// DKIM verification (check_dkim): the fast verifier, libopendkim behind it,
// keys from the DNS snapshot fetched in one round, and the policy rules of
// issue 4. Messages are signed at test time with the RFC test keys, so x=
// is judged against the real clock.

#include "test_dkim_support.hxx"

#include "dkim_eval.hxx"
#include "domain_libs.hxx"
#include "engine.hxx"
#include "opendkim_lib.hxx"
#include "openssl_dkim.hxx"
#include "zone_file.hxx"

#include "authweight/dkim_canon.hxx"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace authweight;
using testing::counting_dns;
using R = core::auth_result;

namespace {

const std::string testdata = AUTHWEIGHT_TESTDATA;

const std::string base_message = testing::crlf(
    "Received: from client1.football.example.com  [192.0.2.1]\n"
    "      by submitserver.example.com with SUBMISSION;\n"
    "      Fri, 11 Jul 2003 21:01:54 -0700 (PDT)\n"
    "From: Joe SixPack <joe@football.example.com>\n"
    "To: Suzie Q <suzie@shopping.example.net>\n"
    "Subject: Is dinner ready?\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\n"
    "\n"
    "Hi.\n"
    "\n"
    "We lost the game.  Are you hungry yet?\n"
    "\n"
    "Joe.\n");

struct keys {
    std::string rsa_pem;       // RFC 6376 brisbane key (1024 bits)
    std::string rsa_record;
    std::string ed_pem;        // RFC 8463 brisbane Ed25519 key
    std::string ed_record;
};

const keys &test_keys()
{
    static const keys k = [] {
        keys out;
        out.rsa_pem = testing::read_file(testdata + "/rfc-vectors/rfc6376-brisbane.private.pem");
        auto rsa = testing::load_private(out.rsa_pem);
        out.rsa_record = rsa ? testing::key_record(rsa.get()) : "";
        out.ed_pem = testing::ed25519_pem(testdata);
        auto ed = testing::load_private(out.ed_pem);
        out.ed_record = ed ? testing::key_record(ed.get()) : "";
        return out;
    }();
    return k;
}

adapters::dkim_sign_request rsa_request(const std::string &selector = "brisbane")
{
    adapters::dkim_sign_request r;
    r.domain = "football.example.com";
    r.selector = selector;
    r.private_key_pem = test_keys().rsa_pem;
    r.sign_headers = {"from", "to", "subject", "date", "message-id"};
    return r;
}

adapters::dkim_sign_request ed_request()
{
    auto r = rsa_request("ed");
    r.private_key_pem = test_keys().ed_pem;
    r.algorithm = "ed25519-sha256";
    return r;
}

/** DNS holding both keys at football.example.com (brisbane = RSA, ed = Ed25519). */
counting_dns key_dns()
{
    counting_dns dns;
    dns.txt("brisbane._domainkey.football.example.com", {test_keys().rsa_record});
    dns.txt("ed._domainkey.football.example.com", {test_keys().ed_record});
    return dns;
}

std::vector<core::dkim_outcome> verify(const std::string &message, core::dns_source &dns, int max = 5)
{
    return adapters::check_dkim(adapters::dkim_request{message, nullptr, max}, dns);
}

std::string replace(std::string s, const std::string &from, const std::string &to)
{
    auto at = s.find(from);
    if (at != std::string::npos)
        s.replace(at, from.size(), to);
    return s;
}

} // namespace

TEST_GROUP(dkim)
{
    void setup() override
    {
        CHECK_FALSE(test_keys().rsa_record.empty());
        CHECK_FALSE(test_keys().ed_record.empty());
    }
};

TEST(dkim, ed25519_is_in_debians_libopendkim)
{
    // Decides whether RFC 8463 needs a verifier of its own: it does not.
    auto signed_msg = testing::signed_message(base_message, ed_request());
    CHECK_FALSE(signed_msg.empty());
    auto hb = core::parse_header_block(signed_msg);
    auto wire = adapters::to_wire(*hb, signed_msg);
    adapters::key_source keys = [](std::string_view, std::string_view) {
        return adapters::key_answer{adapters::key_answer::status::FOUND, test_keys().ed_record};
    };
    auto r = adapters::opendkim_verify(wire, {false}, keys);
    CHECK_TRUE(r.has_value());
    CHECK_EQUAL(1U, r->signatures.size());
    CHECK_TRUE(r->signatures[0].good());
}

TEST(dkim, rfc_vectors_pass)
{
    counting_dns dns;
    std::ifstream in{testdata + "/rfc-vectors/testkeys"};
    std::string line;
    while (std::getline(in, line)) {
        auto sp = line.find(' ');
        if (sp != std::string::npos)
            dns.txt(line.substr(0, sp), {line.substr(sp + 1)});
    }
    for (const char *file : {"rfc6376-A.2.eml", "rfc8463-A.3.eml"}) {
        auto got = verify(testing::read_file(testdata + "/rfc-vectors/" + file), dns);
        CHECK_TEXT(!got.empty(), file);
        for (const auto &o : got) {
            CHECK_TEXT(o.result == R::PASS, (std::string(file) + ": " + o.selector + " " + o.reason).c_str());
            CHECK_TEXT(o.counts_for_alignment, file);
        }
    }
}

TEST(dkim, good_signatures_pass_with_credit)
{
    for (const auto &req : {rsa_request(), ed_request()}) {
        auto dns = key_dns();
        auto got = verify(testing::signed_message(base_message, req), dns);
        CHECK_EQUAL(1U, got.size());
        CHECK_TEXT(got[0].result == R::PASS, got[0].reason.c_str());
        CHECK_TRUE(got[0].counts_for_alignment);
        STRCMP_EQUAL("football.example.com", got[0].domain.c_str());
        STRCMP_EQUAL(req.selector.c_str(), got[0].selector.c_str());
        STRCMP_EQUAL(req.algorithm.c_str(), got[0].algorithm.c_str());
    }
}

TEST(dkim, tampering)
{
    struct test_case {
        const char *name;
        const char *from;
        const char *to;
        R want;
        bool credit;
    };
    static const test_case cases[] = {
        {"tampered body", "We lost the game.", "We won the game.", R::FAIL, false},
        {"tampered signed header", "Subject: Is dinner ready?", "Subject: Is lunch ready?", R::FAIL, false},
        {"added unsigned header", "To: Suzie", "X-Added: by a relay\r\nTo: Suzie", R::PASS, true},
        {"changed unsigned header", "Received: from client1", "Received: from client2", R::PASS, true},
        {"added From: pass without credit", "Received: from", "From: Evil <evil@football.example.com>\r\nReceived: from",
         R::PASS, false},
    };
    for (const auto &req : {rsa_request(), ed_request()}) {
        const auto good = testing::signed_message(base_message, req);
        for (const auto &c : cases) {
            auto dns = key_dns();
            auto got = verify(replace(good, c.from, c.to), dns);
            const std::string what = std::string(c.name) + " (" + req.algorithm + "): " +
                                     (got.empty() ? "none" : got[0].reason);
            CHECK_EQUAL_TEXT(1U, got.size(), what.c_str());
            CHECK_TEXT(c.want == got[0].result, what.c_str());
            CHECK_EQUAL_TEXT(c.credit, got[0].counts_for_alignment, what.c_str());
        }
    }
}

TEST(dkim, body_length_with_appended_content_gives_no_credit)
{
    auto req = rsa_request();
    req.body_length = true;
    const auto good = testing::signed_message(base_message, req);
    CHECK_TRUE(good.find("l=") != std::string::npos);
    auto dns = key_dns();
    auto got = verify(good, dns);
    CHECK_TRUE(got[0].result == R::PASS);
    CHECK_TRUE(got[0].counts_for_alignment);
    // Content appended after the signed part: the signature still verifies,
    // but it no longer vouches for what the reader sees.
    auto appended = verify(good + "\r\nP.S. Please wire the money to account 1234.\r\n", dns);
    CHECK_TRUE(appended[0].result == R::PASS);
    CHECK_FALSE(appended[0].counts_for_alignment);
    CHECK_TRUE(appended[0].reason.find("unsigned") != std::string::npos);
    // Trailing empty lines are not content (RFC 6376 3.4.3).
    auto blank = verify(good + "\r\n\r\n", dns);
    CHECK_TRUE(blank[0].result == R::PASS);
    CHECK_TRUE(blank[0].counts_for_alignment);
    // A body shorter than l= cannot be what was signed.
    auto cut = verify(replace(good, "Joe.\r\n", ""), dns);
    CHECK_TRUE(cut[0].result == R::PERMERROR || cut[0].result == R::FAIL);
}

TEST(dkim, expiry_against_the_real_clock)
{
    struct test_case {
        const char *name;
        std::int64_t signed_ago;   // seconds before now
        std::uint64_t lifetime;
        R want;
    };
    static const test_case cases[] = {
        {"x= one day ago", 2 * 86400, 86400, R::FAIL},
        {"x= one second ago", 3600, 3599, R::FAIL},
        {"x= in a day", 0, 86400, R::PASS},
        {"x= in an hour, signed a day ago", 86400, 86400 + 3600, R::PASS},
    };
    for (const auto &req0 : {rsa_request(), ed_request()}) {
        for (const auto &c : cases) {
            auto req = req0;
            req.signing_time = testing::now() - static_cast<std::uint64_t>(c.signed_ago);
            req.lifetime = c.lifetime;
            const auto msg = testing::signed_message(base_message, req);
            CHECK_TRUE(msg.find(" x=") != std::string::npos || msg.find(";x=") != std::string::npos ||
                       msg.find("\tx=") != std::string::npos);
            auto dns = key_dns();
            auto got = verify(msg, dns);
            CHECK_TEXT(c.want == got[0].result, (std::string(c.name) + ": " + got[0].reason).c_str());
            if (c.want == R::FAIL)
                CHECK_TEXT(got[0].reason.find("expired") != std::string::npos, got[0].reason.c_str());
        }
    }
    // The same judgement from libopendkim, which reads the same clock.
    auto req = rsa_request();
    req.signing_time = testing::now() - 2 * 86400;
    req.lifetime = 86400;
    const auto msg = testing::signed_message(base_message, req);
    auto hb = core::parse_header_block(msg);
    adapters::key_source ks = [](std::string_view, std::string_view) {
        return adapters::key_answer{adapters::key_answer::status::FOUND, test_keys().rsa_record};
    };
    auto lib = adapters::opendkim_verify(adapters::to_wire(*hb, msg), {false}, ks);
    CHECK_FALSE(lib->signatures[0].good());
}

TEST(dkim, keys)
{
    struct test_case {
        const char *name;
        std::optional<std::vector<std::string>> records;   // nullopt: NXDOMAIN
        core::dns_status status;
        R want;
        const char *reason;
    };
    const auto &k = test_keys();
    const std::string p = k.rsa_record.substr(k.rsa_record.find("p="));
    const test_case cases[] = {
        {"revoked key", std::vector<std::string>{"v=DKIM1; p="}, core::dns_status::OK, R::FAIL, "revoked"},
        {"no key record", std::nullopt, core::dns_status::NXDOMAIN, R::PERMERROR, "no key"},
        {"no TXT record", std::nullopt, core::dns_status::NODATA, R::PERMERROR, "no key"},
        {"key DNS timeout", std::nullopt, core::dns_status::TEMPFAIL, R::TEMPERROR, "temporarily"},
        {"key DNS answer unreadable", std::nullopt, core::dns_status::MALFORMED, R::TEMPERROR, "temporarily"},
        {"not a key record", std::vector<std::string>{"v=spf1 -all"}, core::dns_status::OK, R::PERMERROR,
         "key record"},
        {"other records beside the key", std::vector<std::string>{"hello", k.rsa_record}, core::dns_status::OK,
         R::PASS, ""},
        {"key for sha1 only", std::vector<std::string>{"v=DKIM1; h=sha1; " + p}, core::dns_status::OK,
         R::PERMERROR, "h="},
        {"key not for email", std::vector<std::string>{"v=DKIM1; s=other; " + p}, core::dns_status::OK,
         R::PERMERROR, "s="},
        {"key of another type", std::vector<std::string>{k.ed_record}, core::dns_status::OK, R::PERMERROR, "k="},
        {"corrupt key", std::vector<std::string>{"v=DKIM1; p=AAAAAAAA"}, core::dns_status::OK, R::PERMERROR,
         "decoded"},
        {"testing key passes", std::vector<std::string>{"v=DKIM1; t=y; " + p}, core::dns_status::OK, R::PASS,
         "t=y"},
    };
    const auto msg = testing::signed_message(base_message, rsa_request());
    for (const auto &c : cases) {
        counting_dns dns;
        if (c.records)
            dns.txt("brisbane._domainkey.football.example.com", *c.records);
        else
            dns.status("brisbane._domainkey.football.example.com", c.status);
        auto got = verify(msg, dns);
        CHECK_EQUAL_TEXT(1U, got.size(), c.name);
        CHECK_TEXT(c.want == got[0].result, (std::string(c.name) + ": " + got[0].reason).c_str());
        CHECK_TEXT(got[0].reason.find(c.reason) != std::string::npos,
                   (std::string(c.name) + ": " + got[0].reason).c_str());
    }
    // A testing key is treated like no signature: no credit, and a failure
    // is no failure.
    counting_dns dns;
    dns.txt("brisbane._domainkey.football.example.com", {"v=DKIM1; t=y; " + p});
    CHECK_FALSE(verify(msg, dns)[0].counts_for_alignment);
    CHECK_TRUE(verify(replace(msg, "We lost", "We won"), dns)[0].result == R::NONE);
}

TEST(dkim, key_dns_timeout_is_temperror_through_the_engine)
{
    // The same rule end to end: a zone whose key name times out, the
    // resumable loop of the CLI, never a fail.
    const auto msg = testing::signed_message(base_message, rsa_request());
    auto zone = adapters::zone::parse(R"({"brisbane._domainkey.football.example.com": [["TIMEOUT", ""]],
                                          "_dmarc.football.example.com": [["TXT", "v=DMARC1; p=reject"]]})");
    CHECK_TRUE(zone.has_value());
    auto cfg = core::config{};
    cfg.max_dns_rounds = 2;
    auto eng = adapters::make_engine(cfg);
    CHECK_TRUE(eng.has_value());
    core::delivery_facts facts;
    facts.message = msg;
    facts.has_message = true;
    auto ev = adapters::evaluation::create(*eng, facts);
    CHECK_TRUE(ev.has_value());
    int rounds = 0;
    while ((*ev)->step() == adapters::step_status::NEED_DNS && ++rounds < 20)
        for (const auto &q : (*ev)->pending())
            (*ev)->answer(q, zone->answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    const auto &rep = (*ev)->result();
    CHECK_EQUAL(1U, rep.auth.dkim.size());
    CHECK_TRUE(rep.auth.dkim[0].result == R::TEMPERROR);
    CHECK_TRUE(rep.verdict.find("AUTHW_DKIM_TEMPERROR") != nullptr);
    CHECK_TRUE(rep.verdict.find("AUTHW_DKIM_FAIL") == nullptr);
    CHECK_TRUE(rep.verdict.find("AUTHW_FORGED_PROTECTED") == nullptr);
    CHECK_TRUE(rep.auth.dmarc.result == R::TEMPERROR);
    CHECK_TRUE(rep.authentication_results.find("dkim=temperror") != std::string::npos);
}

TEST(dkim, weak_algorithms_and_keys_never_pass)
{
    // RFC 8301 3.1: rsa-sha1 is not valid, however well it verifies.
    auto sha1 = rsa_request();
    sha1.algorithm = "rsa-sha1";
    auto dns = key_dns();
    auto got = verify(testing::signed_message(base_message, sha1), dns);
    CHECK_TRUE(got[0].result == R::PERMERROR);
    CHECK_TRUE(got[0].reason.find("RFC 8301") != std::string::npos);
    CHECK_FALSE(got[0].counts_for_alignment);
    // The key of a sha1 signature is not even fetched.
    CHECK_TRUE(dns.asked.empty());

    // RFC 8301 3.2: RSA keys under 1024 bits are not valid.
    const auto small_pem = testing::generated_rsa_pem(512);
    auto small_key = testing::load_private(small_pem);
    CHECK_TRUE(small_key != nullptr);
    auto small = rsa_request("small");
    small.private_key_pem = small_pem;
    small.min_key_bits = 512;
    counting_dns small_dns;
    small_dns.txt("small._domainkey.football.example.com", {testing::key_record(small_key.get())});
    auto weak = verify(testing::signed_message(base_message, small), small_dns);
    CHECK_TRUE(weak[0].result == R::PERMERROR);
    CHECK_TRUE(weak[0].reason.find("1024") != std::string::npos);
}

TEST(dkim, keys_over_4096_bits_are_refused_with_that_reason)
{
    // RFC 8301 3.2 lets a verifier refuse RSA keys over 4096 bits; one
    // limit for both verifiers. A 6144-bit key record (about 1.1 KB) is
    // more than libopendkim's 1,024-byte key buffer holds: before, a
    // signature that did not verify with it came back as "no key for
    // signature", which is not true (issue 21, part 4).
    const auto big_pem = testing::generated_rsa_pem(6144);
    auto big_key = testing::load_private(big_pem);
    CHECK_TRUE(big_key != nullptr);
    auto big = rsa_request("big");
    big.private_key_pem = big_pem;
    counting_dns dns;
    const std::string record = testing::key_record(big_key.get());
    CHECK_TRUE(record.size() > 1024);
    dns.txt("big._domainkey.football.example.com", {record});
    const std::string good = testing::signed_message(base_message, big);
    CHECK_FALSE(good.empty());
    std::string tampered = good;
    tampered.replace(tampered.rfind("Joe."), 4, "Jim.");
    for (const std::string *msg : {&good, static_cast<const std::string *>(&tampered)}) {
        auto got = verify(*msg, dns);
        CHECK_EQUAL(1u, got.size());
        CHECK_TRUE(got[0].result == R::PERMERROR);
        STRCMP_EQUAL("RSA key of 6144 bits, over the 4096-bit limit (RFC 8301 3.2)", got[0].reason.c_str());
        CHECK_FALSE(got[0].counts_for_alignment);
    }
}

TEST(dkim, body_without_final_crlf)
{
    // libopendkim makes this a permerror for relaxed bodies ("CRLF at end of
    // body missing"); RFC 6376 3.4.3/3.4.4 add the CRLF, so it verifies.
    auto msg = testing::signed_message(base_message, rsa_request());
    msg.resize(msg.size() - 2);
    CHECK_FALSE(msg.ends_with("\n"));
    for (auto canon : {core::dkim_canon::SIMPLE, core::dkim_canon::RELAXED}) {
        auto req = rsa_request();
        req.body_canon = canon;
        auto m = testing::signed_message(base_message, req);
        m.resize(m.size() - 2);
        auto dns = key_dns();
        auto got = verify(m, dns);
        CHECK_TEXT(got[0].result == R::PASS, got[0].reason.c_str());
        // and libopendkim, given the wire form, agrees
        auto hb = core::parse_header_block(m);
        adapters::key_source ks = [](std::string_view, std::string_view) {
            return adapters::key_answer{adapters::key_answer::status::FOUND, test_keys().rsa_record};
        };
        auto lib = adapters::opendkim_verify(adapters::to_wire(*hb, m), {false}, ks);
        CHECK_TRUE(lib->signatures[0].good());
    }
    // Bare LF line ends (a message from a file) verify too.
    std::string lf;
    auto m = testing::signed_message(base_message, rsa_request());
    for (std::size_t i = 0; i < m.size(); ++i)
        if (!(m[i] == '\r' && i + 1 < m.size() && m[i + 1] == '\n'))
            lf += m[i];
    auto dns = key_dns();
    CHECK_TRUE(verify(lf, dns)[0].result == R::PASS);
}

TEST(dkim, all_keys_are_asked_in_one_round)
{
    auto first = testing::signed_message(base_message, rsa_request());
    auto second = testing::signed_message(first, ed_request());
    auto other = rsa_request("third");
    other.domain = "example.org";
    auto third = testing::signed_message(second, other);
    counting_dns dns;
    auto step = adapters::check_dkim_resumable(adapters::dkim_request{third, nullptr, 5}, dns);
    CHECK_FALSE(step.complete);
    CHECK_TRUE(step.outcomes.empty());
    CHECK_EQUAL(3U, dns.missed.size());
    dns.txt("brisbane._domainkey.football.example.com", {test_keys().rsa_record});
    dns.txt("ed._domainkey.football.example.com", {test_keys().ed_record});
    dns.txt("third._domainkey.example.org", {test_keys().rsa_record});
    dns.missed.clear();
    auto done = adapters::check_dkim_resumable(adapters::dkim_request{third, nullptr, 5}, dns);
    CHECK_TRUE(done.complete);
    CHECK_TRUE(dns.missed.empty());
    CHECK_EQUAL(3U, done.outcomes.size());
    // Top down: the most recent signature first.
    STRCMP_EQUAL("example.org", done.outcomes[0].domain.c_str());
    for (const auto &o : done.outcomes)
        CHECK_TEXT(o.result == R::PASS, o.reason.c_str());
}

TEST(dkim, one_dns_round_through_the_engine)
{
    auto msg = testing::signed_message(testing::signed_message(base_message, rsa_request()), ed_request());
    auto zone = adapters::zone::parse(
        "{\"brisbane._domainkey.football.example.com\": [[\"TXT\", \"" + test_keys().rsa_record + "\"]],"
        " \"ed._domainkey.football.example.com\": [[\"TXT\", \"" + test_keys().ed_record + "\"]],"
        " \"_dmarc.example.com\": [[\"TXT\", \"v=DMARC1; p=reject\"]]}");
    CHECK_TRUE(zone.has_value());
    auto eng = adapters::make_engine(core::config{});
    core::delivery_facts facts;
    facts.message = msg;
    facts.has_message = true;
    auto ev = adapters::evaluation::create(*eng, facts);
    CHECK_TRUE((*ev)->step() == adapters::step_status::NEED_DNS);
    // Both keys and both DMARC names in the first round.
    std::size_t keys = 0, dmarc = 0;
    for (const auto &q : (*ev)->pending()) {
        keys += q.name.find("._domainkey.") != std::string::npos;
        dmarc += q.name.starts_with("_dmarc.");
    }
    CHECK_EQUAL(2U, keys);
    CHECK_EQUAL(2U, dmarc);
    for (const auto &q : std::vector<core::dns_query>((*ev)->pending()))
        (*ev)->answer(q, zone->answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    CHECK_TRUE((*ev)->step() == adapters::step_status::DONE);
    const auto &rep = (*ev)->result();
    CHECK_EQUAL(1, rep.dns_rounds);
    CHECK_EQUAL(2U, rep.auth.dkim.size());
    CHECK_TRUE(rep.auth.dmarc.result == R::PASS);
    CHECK_TRUE(rep.auth.dmarc.dkim_aligned);
    CHECK_TRUE(rep.auth.dmarc.policy == core::dmarc_policy::REJECT);
    STRCMP_EQUAL("example.com", rep.auth.dmarc.policy_domain.c_str());
    CHECK_TRUE(rep.verdict.find("AUTHW_ALIGNED") != nullptr);
    CHECK_TRUE(rep.authentication_results.starts_with("authweight; spf="));
    CHECK_TRUE(rep.authentication_results.find("dmarc=pass (p=reject) header.from=football.example.com") !=
               std::string::npos);
}

TEST(dkim, fifty_signatures_are_bounded_work)
{
    // 50 signatures, each with a key name of its own, all over a tampered
    // body (so every examined one goes on to libopendkim too).
    std::string msg = base_message;
    for (int i = 0; i < 50; ++i)
        msg = testing::signed_message(msg, rsa_request("s" + std::to_string(i)));
    msg = replace(msg, "We lost", "We won");
    struct test_case {
        int max;
        std::size_t want;
    };
    static const test_case cases[] = {{5, 5}, {1, 1}, {50, 50}};
    for (const auto &c : cases) {
        counting_dns dns;
        for (int i = 0; i < 50; ++i)
            dns.txt("s" + std::to_string(i) + "._domainkey.football.example.com", {test_keys().rsa_record});
        auto got = verify(msg, dns, c.max);
        CHECK_EQUAL(c.want, got.size());
        // One key lookup per examined signature, no more.
        CHECK_EQUAL(c.want, dns.asked.size());
        // The examined ones are the top ones: the most recently added.
        STRCMP_EQUAL("s49", got[0].selector.c_str());
        for (const auto &o : got)
            CHECK_TEXT(o.result == R::FAIL, o.reason.c_str());
    }
}

TEST(dkim, hook_asks_again_for_a_missing_key)
{
    auto msg = testing::signed_message(base_message, rsa_request());
    auto hb = core::parse_header_block(msg);
    int calls = 0;
    adapters::key_source missing = [&](std::string_view sel, std::string_view dom) {
        ++calls;
        CHECK_EQUAL(std::string("brisbane"), std::string(sel));
        CHECK_EQUAL(std::string("football.example.com"), std::string(dom));
        return adapters::key_answer{adapters::key_answer::status::MISSING, {}};
    };
    auto r = adapters::opendkim_verify(adapters::to_wire(*hb, msg), {false}, missing);
    CHECK_TRUE(r.has_value());
    CHECK_TRUE(r->try_again);
    CHECK_EQUAL(1, calls);
    adapters::key_source none = [](std::string_view, std::string_view) {
        return adapters::key_answer{adapters::key_answer::status::NOT_FOUND, {}};
    };
    auto nokey = adapters::opendkim_verify(adapters::to_wire(*hb, msg), {false}, none);
    CHECK_FALSE(nokey->try_again);
    CHECK_FALSE(nokey->signatures[0].good());
    // An ignored signature is never looked up.
    calls = 0;
    auto ignored = adapters::opendkim_verify(adapters::to_wire(*hb, msg), {true}, missing);
    CHECK_FALSE(ignored->try_again);
    CHECK_EQUAL(0, calls);
}

TEST(dkim, strict_subdomain_key_flag)
{
    auto req = rsa_request();
    const auto p = test_keys().rsa_record.substr(test_keys().rsa_record.find("p="));
    auto msg = testing::signed_message(base_message, req);
    counting_dns dns;
    dns.txt("brisbane._domainkey.football.example.com", {"v=DKIM1; t=s; " + p});
    CHECK_TRUE(verify(msg, dns)[0].result == R::PASS);   // i= defaults to @d=
    // i= in a subdomain of d= is refused by a t=s key.
    auto sub = req;
    sub.domain = "example.com";
    auto submsg = testing::signed_message(base_message, sub);
    submsg = replace(submsg, "d=example.com;", "d=example.com; i=@football.example.com;");
    counting_dns dns2;
    dns2.txt("brisbane._domainkey.example.com", {"v=DKIM1; t=s; " + p});
    auto got = verify(submsg, dns2);
    CHECK_TRUE(got[0].result == R::PERMERROR);
    CHECK_TRUE(got[0].reason.find("t=s") != std::string::npos);
}

TEST(dkim, fast_verifier_agrees_with_libopendkim)
{
    // Differential: the fast verifier and libopendkim over many mutations of
    // signed messages (whitespace, case, line ends, added and changed
    // fields), both canonicalizations. They must reach the same verdict.
    const char *const mutations[][2] = {
        {"We lost", "We  lost"},           {"We lost", "We\tlost"},         {"We lost", "We lost "},
        {"Hi.\r\n", "Hi. \r\n"},           {"Hi.\r\n", "Hi.\r\n\r\n"},      {"Joe.\r\n", "Joe.\r\n\r\n\r\n"},
        {"Joe.\r\n", "Joe."},              {"Joe.\r\n", " Joe.\r\n"},       {"Subject: Is", "Subject:  Is"},
        {"Subject: Is", "subject: Is"},    {"Subject: Is", "Subject:Is"},   {"Subject: Is", "Subject : Is"},
        {"ready?\r\n", "ready? \r\n"},     {"ready?\r\n", "ready?\r\n\t\r\n"},
        {"Subject: Is dinner", "Subject: Is\r\n dinner"},                   {"To: Suzie", "X-New: 1\r\nTo: Suzie"},
        {"To: Suzie", "To: Zuzie"},        {"hungry yet?", "hungry\r\nyet?"},
        {"Date: Fri", "Date: Fri\r\nDate: Sat"},                            {"Hi.", "Hi.\r"},
        {"", ""},
    };
    int compared = 0;
    for (auto hc : {core::dkim_canon::SIMPLE, core::dkim_canon::RELAXED})
        for (auto bc : {core::dkim_canon::SIMPLE, core::dkim_canon::RELAXED})
            for (const auto &req0 : {rsa_request(), ed_request()}) {
                auto req = req0;
                req.header_canon = hc;
                req.body_canon = bc;
                const auto good = testing::signed_message(base_message, req);
                for (const auto &m : mutations) {
                    const auto msg = replace(good, m[0], m[1]);
                    auto hb = core::parse_header_block(msg);
                    CHECK_TRUE(hb.has_value());
                    const auto &field = *hb->all("DKIM-Signature").front();
                    auto sig = core::parse_dkim_signature(field.value);
                    CHECK_TRUE(sig.has_value());
                    const auto &record = req.algorithm == "rsa-sha256" ? test_keys().rsa_record
                                                                        : test_keys().ed_record;
                    adapters::canonical_bodies bodies{std::string_view{msg}.substr(hb->body_offset)};
                    auto fast = adapters::verify_dkim_native(*hb, field, *sig, record, bodies, testing::now());
                    adapters::key_source ks = [&](std::string_view, std::string_view) {
                        return adapters::key_answer{adapters::key_answer::status::FOUND, record};
                    };
                    auto lib = adapters::opendkim_verify(adapters::to_wire(*hb, msg), {false}, ks);
                    CHECK_TRUE(lib.has_value());
                    const bool lib_pass = lib->signatures.size() == 1 && lib->signatures[0].good();
                    const std::string what = std::string(m[0]) + " -> " + m[1] + " (" + req.algorithm +
                                             (hc == core::dkim_canon::RELAXED ? " relaxed/" : " simple/") +
                                             (bc == core::dkim_canon::RELAXED ? "relaxed)" : "simple)") + ": " +
                                             fast.reason;
                    CHECK_EQUAL_TEXT(lib_pass, fast.result == R::PASS, what.c_str());
                    ++compared;
                }
            }
    CHECK_EQUAL(8 * 21, compared);
}
