// ARC chain validation (core arc.hxx, RFC 8617): the chain's structure,
// chains sealed at test time with keys generated here, and the keys read
// through the resumable DNS source. Signing uses the core's canonical
// forms; the conformance suite (conformance.arc.validation) checks them
// against chains sealed by another implementation.

#include "test_dkim_support.hxx"

#include "engine.hxx"
#include "openssl_dkim.hxx"

#include "authweight/arc.hxx"
#include "authweight/config.hxx"
#include "authweight/dkim_canon.hxx"
#include "authweight/evaluation.hxx"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace authweight;
using testing::counting_dns;
using R = core::auth_result;

namespace {

const std::string body = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";
const std::string base_headers = "From: Joe SixPack <joe@football.example.com>\r\n"
                                 "To: Suzie Q <suzie@shopping.example.net>\r\n"
                                 "Subject: Is dinner ready?\r\n"
                                 "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n";
const std::string base_message = base_headers + "\r\n" + body;

std::string sign_bytes(EVP_PKEY *key, std::string_view data)
{
    const bool ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
    std::string to_sign(data);
    if (ed) {
        // RFC 8463 3: Ed25519 signs the SHA-256 hash.
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_Digest(data.data(), data.size(), h, &n, EVP_sha256(), nullptr);
        to_sign.assign(reinterpret_cast<const char *>(h), n);
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    std::string sig;
    if (EVP_DigestSignInit(ctx, nullptr, ed ? nullptr : EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char *>(to_sign.data()), to_sign.size()) ==
            1) {
        sig.resize(len);
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(sig.data()), &len,
                           reinterpret_cast<const unsigned char *>(to_sign.data()), to_sign.size()) == 1)
            sig.resize(len);
        else
            sig.clear();
    }
    EVP_MD_CTX_free(ctx);
    return testing::b64(reinterpret_cast<const unsigned char *>(sig.data()), sig.size());
}

std::string body_hash(std::string_view raw_body)
{
    std::string scratch;
    const auto canon = core::canonical_body(raw_body, core::dkim_canon::RELAXED, scratch);
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(canon.data(), canon.size(), h, &n, EVP_sha256(), nullptr);
    return testing::b64(h, n);
}

/** Put b= in place of the placeholder "b=AAAA" (the parsers want a
 *  b=; the signed data never contains its value). */
std::string with_b(const std::string &field, const std::string &b)
{
    const auto at = field.rfind("b=AAAA");
    return field.substr(0, at + 2) + b + field.substr(at + 6);
}

struct sealer {
    EVP_PKEY *key;
    std::string domain{"sealer.example"};
    std::string selector{"arc"};
    std::string algorithm{"rsa-sha256"};
};

/** Add ARC set i (AAR, AMS, AS on top of `message`), signed by `s`. */
std::string seal(const std::string &message, int i, const sealer &s, const std::string &cv)
{
    const std::string inst = std::to_string(i);
    const std::string aar = "ARC-Authentication-Results: i=" + inst + "; mx.sealer.example;\r\n"
                            "    spf=pass smtp.mailfrom=joe@football.example.com;\r\n"
                            "    dkim=pass header.d=football.example.com; dmarc=pass header.from=football.example.com\r\n";
    std::string ams = "ARC-Message-Signature: i=" + inst + "; a=" + s.algorithm + "; c=relaxed/relaxed; d=" +
                      s.domain + "; s=" + s.selector + ";\r\n    h=from:to:subject:date; bh=" +
                      body_hash(message.substr(message.find("\r\n\r\n") + 4)) + "; b=AAAA\r\n";
    auto hb = core::parse_header_block(ams + aar + message);
    auto ms = core::parse_arc_message_signature(hb->fields[0].value);
    CHECK_TRUE_TEXT(ms.has_value(), ms ? "" : ms.error().message().c_str());
    ams = with_b(ams, sign_bytes(s.key, core::signed_header_data(*hb, hb->fields[0], ms->sig)));

    std::string as = "ARC-Seal: i=" + inst + "; a=" + s.algorithm + "; cv=" + cv + "; d=" + s.domain +
                     "; s=" + s.selector + "; t=12345; b=AAAA\r\n";
    std::string sealed = as + ams + aar + message;
    hb = core::parse_header_block(sealed);
    auto chain = core::collect_arc_chain(*hb, core::max_arc_rfc_instances);
    CHECK_TRUE_TEXT(chain.error.empty(), chain.error.c_str());
    as = with_b(as, sign_bytes(s.key, core::arc_seal_signed_data(chain.sets, static_cast<std::size_t>(i - 1))));
    return as + ams + aar + message;
}

core::arc_outcome check(const std::string &message, counting_dns &dns, int max_instances = 10)
{
    auto hb = core::parse_header_block(message);
    return core::check_arc(message, *hb, {max_instances, nullptr}, dns, adapters::arc_verifier_native());
}

/** An ARC field with an unchecked signature, for structure tests. */
std::string fake_set(int i, const std::string &cv)
{
    const std::string inst = std::to_string(i);
    return "ARC-Seal: i=" + inst + "; a=rsa-sha256; cv=" + cv + "; d=x.example; s=s; b=AAAA\r\n"
           "ARC-Message-Signature: i=" + inst + "; a=rsa-sha256; d=x.example; s=s; h=from; bh=AAAA; b=AAAA\r\n"
           "ARC-Authentication-Results: i=" + inst + "; x.example; spf=pass smtp.mailfrom=x.example\r\n";
}

} // namespace

TEST_GROUP(arc)
{
    testing::pkey_ptr rsa;
    testing::pkey_ptr ed;
    void setup() override
    {
        adapters::clear_dkim_key_cache();
        rsa.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
        ed.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    }
    void teardown() override { adapters::clear_dkim_key_cache(); }
    void publish(counting_dns & dns, EVP_PKEY * key, const std::string &name = "arc._domainkey.sealer.example")
    {
        dns.txt(name, {testing::key_record(key)});
    }
};

TEST(arc, no_arc_fields_is_none)
{
    counting_dns dns;
    auto out = check(base_message, dns);
    CHECK_FALSE(out.present);
    CHECK_TRUE(out.result == R::NONE);
    LONGS_EQUAL(0, out.instance);
    CHECK_TRUE(dns.asked.empty());
}

TEST(arc, good_chain_of_one_passes)
{
    counting_dns dns;
    publish(dns, rsa.get());
    const auto msg = seal(base_message, 1, {rsa.get()}, "none");
    auto out = check(msg, dns);
    CHECK_TRUE_TEXT(out.result == R::PASS, out.reason.c_str());
    CHECK_TRUE(out.present);
    LONGS_EQUAL(1, out.instance);
    LONGS_EQUAL(1, out.oldest_pass);
    LONGS_EQUAL(1, static_cast<long>(out.sealers.size()));
    STRCMP_EQUAL("sealer.example", out.sealers[0].c_str());
    CHECK_TRUE(out.first.spf == R::PASS);
    STRCMP_EQUAL("football.example.com", out.first.spf_domain.c_str());
    LONGS_EQUAL(1, static_cast<long>(out.first.dkim_pass_domains.size()));
    STRCMP_EQUAL("football.example.com", out.first.dkim_pass_domains[0].c_str());
    CHECK_TRUE(out.first.dmarc == R::PASS);
    STRCMP_EQUAL("football.example.com", out.first.dmarc_domain.c_str());
}

TEST(arc, good_chain_of_three_with_ed25519_passes)
{
    counting_dns dns;
    publish(dns, rsa.get());
    publish(dns, ed.get(), "ed._domainkey.second.example");
    sealer second{ed.get(), "second.example", "ed", "ed25519-sha256"};
    auto msg = seal(base_message, 1, {rsa.get()}, "none");
    msg = seal(msg, 2, second, "pass");
    msg = seal(msg, 3, {rsa.get()}, "pass");
    auto out = check(msg, dns);
    CHECK_TRUE_TEXT(out.result == R::PASS, out.reason.c_str());
    LONGS_EQUAL(3, out.instance);
    LONGS_EQUAL(1, out.oldest_pass);
    LONGS_EQUAL(3, static_cast<long>(out.sealers.size()));
    STRCMP_EQUAL("second.example", out.sealers[1].c_str());
    // One lookup per key name, in one round.
    LONGS_EQUAL(2, static_cast<long>(dns.asked.size()));
}

TEST(arc, tampered_body_fails)
{
    counting_dns dns;
    publish(dns, rsa.get());
    auto msg = seal(base_message, 1, {rsa.get()}, "none");
    msg.replace(msg.find("hungry"), 6, "angry!");
    auto out = check(msg, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("body hash") != std::string::npos, out.reason.c_str());
}

TEST(arc, tampered_seal_fails)
{
    counting_dns dns;
    publish(dns, rsa.get());
    auto msg = seal(base_message, 1, {rsa.get()}, "none");
    msg = seal(msg, 2, {rsa.get()}, "pass");
    // The older AAR changed after it was sealed: the AMS i=2 does not
    // cover it, the seals do.
    msg.replace(msg.find("i=1; mx.sealer.example"), 22, "i=1; mx.forger.example");
    auto out = check(msg, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("ARC-Seal") != std::string::npos, out.reason.c_str());
}

TEST(arc, older_ams_broken_sets_oldest_pass)
{
    counting_dns dns;
    publish(dns, rsa.get());
    auto msg = seal(base_message, 1, {rsa.get()}, "none");
    // A forwarder changes the subject, then seals: i=1's AMS no longer verifies.
    msg.replace(msg.find("Subject: Is dinner ready?"), 25, "Subject: [list] dinner?  ");
    msg = seal(msg, 2, {rsa.get()}, "pass");
    auto out = check(msg, dns);
    CHECK_TRUE_TEXT(out.result == R::PASS, out.reason.c_str());
    LONGS_EQUAL(2, out.oldest_pass);
}

TEST(arc, missing_instance_fails)
{
    counting_dns dns;
    auto out = check(fake_set(3, "pass") + fake_set(1, "none") + base_message, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("i=2") != std::string::npos, out.reason.c_str());
    CHECK_TRUE(dns.asked.empty());
}

TEST(arc, duplicate_instance_fails)
{
    counting_dns dns;
    auto out = check(fake_set(1, "none") + fake_set(1, "none") + base_message, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("more than one") != std::string::npos, out.reason.c_str());
}

TEST(arc, instance_over_fifty_fails)
{
    counting_dns dns;
    auto out = check(fake_set(51, "pass") + base_message, dns, 100);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE(out.present);
    CHECK_TRUE_TEXT(out.reason.find("50") != std::string::npos, out.reason.c_str());
}

TEST(arc, more_than_max_arc_instances_fails)
{
    counting_dns dns;
    std::string sets;
    for (int i = 11; i >= 1; --i)
        sets += fake_set(i, i == 1 ? "none" : "pass");
    auto out = check(sets + base_message, dns, core::config{}.max_arc_instances);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("limit of 10") != std::string::npos, out.reason.c_str());
    LONGS_EQUAL(11, out.instance);
}

TEST(arc, newest_cv_fail_fails)
{
    counting_dns dns;
    auto out = check(fake_set(2, "fail") + fake_set(1, "none") + base_message, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("cv=fail") != std::string::npos, out.reason.c_str());
}

TEST(arc, wrong_cv_fails)
{
    counting_dns dns;
    auto out = check(fake_set(1, "pass") + base_message, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("want none") != std::string::npos, out.reason.c_str());
}

TEST(arc, malformed_fields_fail)
{
    counting_dns dns;
    for (const char *bad : {"ARC-Seal: i=x; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA\r\n",
                            "ARC-Seal: i=1; a=rsa-sha256; cv=maybe; d=x.example; s=s; b=AAAA\r\n",
                            "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; s=s; h=from; b=AAAA\r\n",
                            "ARC-Authentication-Results: x.example; spf=pass\r\n",
                            "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; bh=AA; b=AA\r\n"}) {
        auto out = check(std::string(bad) + base_message, dns);
        CHECK_TRUE_TEXT(out.result == R::FAIL, bad);
        CHECK_TRUE(out.present);
    }
}

TEST(arc, rsa_sha1_fails)
{
    counting_dns dns;
    publish(dns, rsa.get());
    auto msg = seal(base_message, 1, {rsa.get(), "sealer.example", "arc", "rsa-sha1"}, "none");
    auto out = check(msg, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("rsa-sha1") != std::string::npos, out.reason.c_str());
}

TEST(arc, missing_key_is_provisional_then_final)
{
    counting_dns dns;
    const auto msg = seal(base_message, 1, {rsa.get()}, "none");
    auto out = check(msg, dns);
    LONGS_EQUAL(1, static_cast<long>(dns.missed.size()));
    STRCMP_EQUAL("arc._domainkey.sealer.example", dns.missed[0].name.c_str());
    publish(dns, rsa.get());
    out = check(msg, dns);
    CHECK_TRUE_TEXT(out.result == R::PASS, out.reason.c_str());
}

TEST(arc, key_tempfail_is_none_not_fail)
{
    counting_dns dns;
    dns.status("arc._domainkey.sealer.example", core::dns_status::TEMPFAIL);
    const auto msg = seal(base_message, 1, {rsa.get()}, "none");
    auto out = check(msg, dns);
    CHECK_TRUE(out.result == R::NONE);
    CHECK_TRUE_TEXT(out.reason.starts_with("temperror"), out.reason.c_str());
}

TEST(arc, no_key_fails)
{
    counting_dns dns;
    dns.status("arc._domainkey.sealer.example", core::dns_status::NXDOMAIN);
    auto out = check(seal(base_message, 1, {rsa.get()}, "none"), dns);
    CHECK_TRUE(out.result == R::FAIL);
}

TEST(arc, evaluation_reports_the_chain)
{
    core::config cfg;
    auto eng = adapters::make_engine(cfg);
    CHECK_TRUE(eng.has_value());
    core::delivery_facts facts;
    facts.connection.client_ip = "192.0.2.1";
    facts.connection.helo = "mx.sealer.example";
    facts.has_message = true;
    facts.message = seal(base_message, 1, {rsa.get()}, "none");
    auto ev = core::evaluation::create(*eng, facts);
    CHECK_TRUE(ev.has_value());
    auto &e = **ev;
    int rounds = 0;
    while (e.step() == core::step_status::NEED_DNS && rounds++ < 10)
        for (const auto &q : std::vector<core::dns_query>(e.pending())) {
            if (q.name == "arc._domainkey.sealer.example" && q.type == core::dns_type::TXT)
                e.answer(q, {core::dns_status::OK, {testing::key_record(rsa.get())}});
            else
                e.answer(q, {core::dns_status::NXDOMAIN, {}});
        }
    const auto &r = e.result();
    CHECK_TRUE_TEXT(r.auth.arc.result == R::PASS, r.auth.arc.reason.c_str());
    CHECK_TRUE_TEXT(r.authentication_results.find("; arc=pass") != std::string::npos,
                    r.authentication_results.c_str());

    // Without ARC fields there is no arc= in the Authentication-Results.
    facts.message = base_message;
    auto plain = core::evaluation::create(*eng, facts);
    auto &p = **plain;
    rounds = 0;
    while (p.step() == core::step_status::NEED_DNS && rounds++ < 10)
        for (const auto &q : std::vector<core::dns_query>(p.pending()))
            p.answer(q, {core::dns_status::NXDOMAIN, {}});
    CHECK_FALSE(p.result().auth.arc.present);
    CHECK_TRUE_TEXT(p.result().authentication_results.find("; arc=") == std::string::npos,
                    p.result().authentication_results.c_str());
}

TEST(arc, chain_without_body_is_judged)
{
    // Found by fuzz_arc: an empty body reached canonical_body as a null
    // view (memchr on a null pointer under UBSan).
    counting_dns dns;
    publish(dns, rsa.get());
    auto msg = seal(base_message, 1, {rsa.get()}, "none");
    msg.resize(msg.find("\r\n\r\n") + 2);
    auto out = check(msg, dns);
    CHECK_TRUE(out.result == R::FAIL);
    CHECK_TRUE_TEXT(out.reason.find("body hash") != std::string::npos, out.reason.c_str());
}
