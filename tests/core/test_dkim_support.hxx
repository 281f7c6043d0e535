// Helpers the DKIM unit tests and conformance runners share: test keys from
// ../shared/testdata, signing at test time, and a DNS source over a
// snapshot that counts what it is asked.
#pragma once

#include "../testdata.hxx"
#include "opendkim_lib.hxx"

#include "authweight/dns.hxx"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace authweight::testing {

/** Bare LF line ends to CRLF (the test messages are stored with LF). */
inline std::string crlf(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            out += '\r';
        out += text[i];
    }
    return out;
}

inline std::uint64_t now()
{
    return static_cast<std::uint64_t>(std::time(nullptr));
}

struct pkey_free {
    void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

inline std::string b64(const unsigned char *p, std::size_t n)
{
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), p, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}

inline pkey_ptr load_private(const std::string &pem)
{
    BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    pkey_ptr k{PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)};
    BIO_free(bio);
    return k;
}

inline std::string private_pem(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return pem;
}

/** The key record for a private key: k=rsa with DER SPKI, or k=ed25519 raw. */
inline std::string key_record(EVP_PKEY *k, const std::string &extra_tags = "")
{
    if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519) {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        EVP_PKEY_get_raw_public_key(k, raw, &len);
        return "v=DKIM1; k=ed25519; " + extra_tags + "p=" + b64(raw, len);
    }
    unsigned char *der = nullptr;
    const int len = i2d_PUBKEY(k, &der);
    std::string rec = "v=DKIM1; k=rsa; " + extra_tags + "p=" + b64(der, static_cast<std::size_t>(len));
    OPENSSL_free(der);
    return rec;
}

/** RFC 8463 A.1's Ed25519 key (RFC 8032 7.1 test 1), from its seed. */
inline std::string ed25519_pem(const std::string &testdata)
{
    std::string seed_b64;
    open_file(testdata + "/rfc-vectors/rfc8463-brisbane-ed25519.seed.b64") >> seed_b64;
    std::vector<unsigned char> seed(seed_b64.size());
    const int n = EVP_DecodeBlock(seed.data(), reinterpret_cast<const unsigned char *>(seed_b64.data()),
                                  static_cast<int>(seed_b64.size()));
    pkey_ptr k{EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), n >= 32 ? 32 : 0)};
    return k ? private_pem(k.get()) : std::string{};
}

inline std::string generated_rsa_pem(unsigned bits)
{
    pkey_ptr k{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))};
    return k ? private_pem(k.get()) : std::string{};
}

/** Sign and put the new DKIM-Signature on top; "" when signing fails. */
inline std::string signed_message(const std::string &message, const adapters::dkim_sign_request &req)
{
    auto field = adapters::opendkim_sign(message, req);
    return field ? *field + message : std::string{};
}

/** DNS from a snapshot, counting lookups; a miss is nullptr. */
class counting_dns final : public core::dns_source {
public:
    core::dns_snapshot snapshot;
    std::vector<core::dns_query> asked;
    std::vector<core::dns_query> missed;

    void txt(const std::string &name, std::vector<std::string> records)
    {
        snapshot.add({name, core::dns_type::TXT}, {core::dns_status::OK, std::move(records)});
    }
    void status(const std::string &name, core::dns_status s)
    {
        snapshot.add({name, core::dns_type::TXT}, {s, {}});
    }
    const core::dns_answer *lookup(const core::dns_query &q) override
    {
        asked.push_back(q);
        const auto *a = snapshot.find(q);
        if (a == nullptr)
            missed.push_back(q);
        return a;
    }
};

} // namespace authweight::testing
