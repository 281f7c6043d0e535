// DKIM verification of a 10 KB message (relaxed/relaxed), one rsa-sha256
// 2048-bit signature and one ed25519-sha256 signature, each beside its
// physical floor measured in the same run: OpenSSL's own verification of
// one such signature (EVP_DigestVerify over the signed header block) plus
// SHA-256 over the same message bytes through EVP. Run with
//   bench_dkim --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// and compare Dkim* with its Floor* (the target is <= 1.5x for rsa-sha256).

#include "../testdata.hxx"
#include "dkim_eval.hxx"
#include "opendkim_lib.hxx"

#include "authweight/dns.hxx"
#include "authweight/rfc5322.hxx"

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace authweight;

struct pkey_free {
    void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "bench_dkim: %s\n", what);
    std::exit(1);
}

std::string base64(const unsigned char *p, std::size_t n)
{
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), p, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

std::string private_pem(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == nullptr || PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        die("PEM_write_bio_PrivateKey");
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return pem;
}

/** The key record a signer would publish. */
std::string key_record(EVP_PKEY *k, bool ed25519)
{
    if (ed25519) {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1)
            die("EVP_PKEY_get_raw_public_key");
        return "v=DKIM1; k=ed25519; p=" + base64(raw, len);
    }
    unsigned char *der = nullptr;
    const int len = i2d_PUBKEY(k, &der);
    if (len <= 0)
        die("i2d_PUBKEY");
    std::string rec = "v=DKIM1; k=rsa; p=" + base64(der, static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return rec;
}

const char *const headers_text =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "MIME-Version: 1.0\r\n";

/**
 * An ordinary 10 KB message: multipart/alternative with a text part of
 * prose wrapped at 72 columns (a double space after some full stops) and
 * an HTML part with indented lines, the usual mix relaxed
 * canonicalization meets.
 */
std::string ten_kb_message()
{
    static const char *const words[] = {"we", "lost", "the", "game", "are", "you", "hungry", "yet", "dinner",
                                        "is", "ready", "at", "seven", "bring", "some", "bread", "and", "wine",
                                        "for", "everyone", "who", "comes", "tonight"};
    std::string m = std::string(headers_text) +
                    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n"
                    "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    std::size_t w = 0;
    std::string line;
    auto text_until = [&](std::size_t size) {
        while (m.size() < size) {
            std::string word = words[w % std::size(words)];
            ++w;
            if (line.size() + word.size() + 1 > 72) {
                m += line + "\r\n";
                line.clear();
            }
            if (!line.empty())
                line += w % 11 == 0 ? ".  " : " ";
            line += word;
        }
        m += line + "\r\n";
        line.clear();
    };
    text_until(5200);
    m += "\r\n--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html>\r\n  <body>\r\n";
    while (m.size() < 10 * 1024) {
        m += "    <p>";
        for (int i = 0; i < 9; ++i)
            m += std::string(words[w++ % std::size(words)]) + " ";
        m += "</p> \r\n";
    }
    m += "  </body>\r\n</html>\r\n--b1--\r\n";
    return m;
}

/** The same size, every line full of what relaxed canonicalization must
 *  change: double spaces, a tab, trailing spaces (a worst case). */
std::string ten_kb_whitespace_message()
{
    std::string m = std::string(headers_text) + "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    const std::size_t header_size = m.size();
    int line = 0;
    while (m.size() - header_size < 10 * 1024) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "Line %04d: we lost the game.  Are you  hungry yet?\tJoe.  \r\n", line++);
        m += buf;
    }
    return m;
}

class fixed_dns final : public core::dns_source {
public:
    explicit fixed_dns(const core::dns_snapshot &s) : s_{s} {}
    const core::dns_answer *lookup(const core::dns_query &q) override { return s_.find(q); }

private:
    const core::dns_snapshot &s_;
};

/** One signed message and everything needed to verify it both ways. */
struct fixture {
    std::string message;             // signed, CRLF
    core::header_block headers;
    core::dns_snapshot snapshot;
    pkey_ptr pub;                    // the verifier's view of the key
    std::string signed_data;         // the canonical header block the signature covers
    std::vector<unsigned char> sig;  // raw signature
    bool ed25519{false};
};

std::vector<unsigned char> unbase64(std::string_view b64)
{
    std::string clean;
    for (char c : b64)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            clean += c;
    std::vector<unsigned char> out(clean.size());
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(clean.data()),
                                  static_cast<int>(clean.size()));
    if (n < 0)
        die("EVP_DecodeBlock");
    std::size_t len = static_cast<std::size_t>(n);
    for (auto it = clean.rbegin(); it != clean.rend() && *it == '='; ++it)
        --len;
    out.resize(len);
    return out;
}

/** RFC 6376 3.4.2 relaxed header canonicalization of one field. */
std::string relaxed_header(std::string_view name, std::string_view value)
{
    std::string out;
    for (char c : name)
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    out += ':';
    bool wsp = false;
    std::string v;
    for (char c : value) {
        if (c == '\r' || c == '\n')
            continue;
        if (c == ' ' || c == '\t') {
            wsp = true;
            continue;
        }
        if (wsp && !v.empty())
            v += ' ';
        wsp = false;
        v += c;
    }
    return out + v;
}

fixture make(bool ed25519, bool whitespace = false)
{
    fixture f;
    f.ed25519 = ed25519;
    pkey_ptr key;
    if (ed25519) {
        auto in = authweight::testing::open_file(AUTHWEIGHT_TESTDATA "/rfc-vectors/rfc8463-brisbane-ed25519.seed.b64");
        std::string b64;
        in >> b64;
        auto seed = unbase64(b64);
        key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    } else {
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    }
    if (!key)
        die("key");
    const std::string selector = ed25519 ? "brisbane" : "bench";
    adapters::dkim_sign_request req;
    req.domain = "football.example.com";
    req.selector = selector;
    req.private_key_pem = private_pem(key.get());
    req.algorithm = ed25519 ? "ed25519-sha256" : "rsa-sha256";
    req.sign_headers = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"};
    const std::string body = whitespace ? ten_kb_whitespace_message() : ten_kb_message();
    auto field = adapters::opendkim_sign(body, req);
    if (!field)
        die(field.error().message().c_str());
    f.message = *field + body;
    auto hb = core::parse_header_block(f.message);
    if (!hb)
        die("parse_header_block");
    f.headers = std::move(*hb);
    f.snapshot.add({selector + "._domainkey.football.example.com", core::dns_type::TXT},
                   {core::dns_status::OK, {key_record(key.get(), ed25519)}});

    // The floor's inputs: the public key alone, the signed header block
    // (h= fields then the DKIM-Signature with b= empty), the raw signature.
    unsigned char *der = nullptr;
    const int der_len = i2d_PUBKEY(key.get(), &der);
    const unsigned char *p = der;
    f.pub.reset(d2i_PUBKEY(nullptr, &p, der_len));
    OPENSSL_free(der);
    const auto *sig_field = f.headers.all("DKIM-Signature").front();
    for (const char *h : {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}) {
        const auto *hf = f.headers.all(h).front();
        f.signed_data += relaxed_header(hf->name, hf->value) + "\r\n";
    }
    std::string value = sig_field->value;
    auto b = value.rfind("b=");
    auto end = value.find(';', b);
    f.sig = unbase64(value.substr(b + 2, end == std::string::npos ? std::string::npos : end - b - 2));
    value.erase(b + 2, end == std::string::npos ? std::string::npos : end - b - 2);
    f.signed_data += relaxed_header("DKIM-Signature", value);
    return f;
}

const fixture &rsa()
{
    static const fixture f = make(false);
    return f;
}

const fixture &ed()
{
    static const fixture f = make(true);
    return f;
}

const fixture &rsa_whitespace()
{
    static const fixture f = make(false, true);
    return f;
}

void check_floor_verifies(const fixture &f)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = false;
    if (f.ed25519) {
        // RFC 8463 3: Ed25519 signs the SHA-256 hash of the header data.
        unsigned char h[32];
        unsigned int hl = 0;
        EVP_Digest(f.signed_data.data(), f.signed_data.size(), h, &hl, EVP_sha256(), nullptr);
        ok = EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, f.pub.get()) == 1 &&
             EVP_DigestVerify(ctx, f.sig.data(), f.sig.size(), h, hl) == 1;
    } else {
        ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, f.pub.get()) == 1 &&
             EVP_DigestVerify(ctx, f.sig.data(), f.sig.size(),
                              reinterpret_cast<const unsigned char *>(f.signed_data.data()),
                              f.signed_data.size()) == 1;
    }
    EVP_MD_CTX_free(ctx);
    if (!ok)
        die("the floor's signature does not verify: the benchmark would measure a failure path");
}

void dkim_verify(benchmark::State &state, const fixture &f)
{
    fixed_dns dns{f.snapshot};
    const adapters::dkim_request req{f.message, &f.headers, 5};
    {
        auto r = adapters::check_dkim(req, dns);
        if (r.size() != 1 || r[0].result != core::auth_result::PASS)
            die(("check_dkim did not pass: " + (r.empty() ? std::string("none") : r[0].reason)).c_str());
    }
    for (auto _ : state) {
        auto r = adapters::check_dkim(req, dns);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.message.size()));
}

void floor(benchmark::State &state, const fixture &f)
{
    check_floor_verifies(f);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    for (auto _ : state) {
        // SHA-256 over the whole message, as the body hash and more.
        EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
        EVP_DigestUpdate(ctx, f.message.data(), f.message.size());
        EVP_DigestFinal_ex(ctx, md, &mdlen);
        benchmark::DoNotOptimize(md);
        // One signature verification over the signed header block.
        int ok = 0;
        if (f.ed25519) {
            unsigned char h[32];
            unsigned int hl = 0;
            EVP_Digest(f.signed_data.data(), f.signed_data.size(), h, &hl, EVP_sha256(), nullptr);
            EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, f.pub.get());
            ok = EVP_DigestVerify(ctx, f.sig.data(), f.sig.size(), h, hl);
        } else {
            EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, f.pub.get());
            ok = EVP_DigestVerify(ctx, f.sig.data(), f.sig.size(),
                                  reinterpret_cast<const unsigned char *>(f.signed_data.data()),
                                  f.signed_data.size());
        }
        benchmark::DoNotOptimize(ok);
        EVP_MD_CTX_reset(ctx);
    }
    EVP_MD_CTX_free(ctx);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.message.size()));
}

void BM_DkimRsaSha256_10KB(benchmark::State &s) { dkim_verify(s, rsa()); }
void BM_FloorRsaSha256_10KB(benchmark::State &s) { floor(s, rsa()); }
void BM_DkimEd25519_10KB(benchmark::State &s) { dkim_verify(s, ed()); }
void BM_FloorEd25519_10KB(benchmark::State &s) { floor(s, ed()); }

void BM_DkimRsaSha256_10KB_Whitespace(benchmark::State &s) { dkim_verify(s, rsa_whitespace()); }
void BM_FloorRsaSha256_10KB_Whitespace(benchmark::State &s) { floor(s, rsa_whitespace()); }

BENCHMARK(BM_DkimRsaSha256_10KB);
BENCHMARK(BM_FloorRsaSha256_10KB);
BENCHMARK(BM_DkimEd25519_10KB);
BENCHMARK(BM_FloorEd25519_10KB);
BENCHMARK(BM_DkimRsaSha256_10KB_Whitespace);
BENCHMARK(BM_FloorRsaSha256_10KB_Whitespace);

} // namespace

BENCHMARK_MAIN();
