#include "openssl_ciphers.hxx"

#include "authweight/ascii.hxx"

#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace authweight::adapters {

namespace {

// Longest suite name in the IANA registry is under 60 characters; anything
// much longer cannot match and is not worth lower-casing.
constexpr std::size_t max_name_length = 128;

/** The value of "Key=value" in SSL_CIPHER_description's text, or "". */
std::string description_field(std::string_view desc, std::string_view key)
{
    std::size_t pos = 0;
    while (pos < desc.size()) {
        while (pos < desc.size() && (desc[pos] == ' ' || desc[pos] == '\t' || desc[pos] == '\n'))
            ++pos;
        auto end = pos;
        while (end < desc.size() && desc[end] != ' ' && desc[end] != '\t' && desc[end] != '\n')
            ++end;
        auto token = desc.substr(pos, end - pos);
        if (token.size() > key.size() && token.substr(0, key.size()) == key && token[key.size()] == '=')
            return std::string{token.substr(key.size() + 1)};
        pos = end;
    }
    return {};
}

std::string nid_name(int nid)
{
    if (nid == NID_undef)
        return {};
    const char *sn = OBJ_nid2sn(nid);
    return sn != nullptr ? std::string{sn} : std::string{};
}

core::cipher_info describe(const SSL_CIPHER *c)
{
    core::cipher_info info;
    if (const char *name = SSL_CIPHER_get_name(c); name != nullptr)
        info.name = name;
    info.strength_bits = SSL_CIPHER_get_bits(c, nullptr);
    info.aead = SSL_CIPHER_is_aead(c) != 0;

    const int kx = SSL_CIPHER_get_kx_nid(c);
    // Ephemeral (EC)DH, alone or with a PSK, gives forward secrecy; TLS 1.3
    // suites report kx "any" because every TLS 1.3 key exchange is ephemeral
    // (RFC 8446 2: static RSA and DH suites were removed).
    info.forward_secret = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_any ||
                          kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;

    // The description carries OpenSSL's own short words ("Kx=ECDH",
    // "Enc=RC4(128)", "Mac=MD5"); older libraries that still ship legacy
    // suites describe them the same way, so the core can classify by them.
    char buf[256] = {};
    const char *desc = SSL_CIPHER_description(c, buf, static_cast<int>(sizeof buf));
    std::string_view text = desc != nullptr ? std::string_view{desc} : std::string_view{};
    info.kx = description_field(text, "Kx");
    info.enc = description_field(text, "Enc");
    info.mac = description_field(text, "Mac");

    if (info.kx.empty())
        info.kx = nid_name(kx);
    if (info.enc.empty()) {
        const int cipher_nid = SSL_CIPHER_get_cipher_nid(c);
        info.enc = cipher_nid == NID_undef ? std::string{"None"} : nid_name(cipher_nid);
    }
    if (info.mac.empty())
        info.mac = info.aead ? std::string{"AEAD"} : nid_name(SSL_CIPHER_get_digest_nid(c));
    return info;
}

class openssl_cipher_oracle final : public core::cipher_oracle {
public:
    openssl_cipher_oracle(std::vector<core::cipher_info> table,
                          std::unordered_map<std::string, std::size_t> index)
        : table_{std::move(table)}, index_{std::move(index)}
    {
    }

    [[nodiscard]] std::optional<core::cipher_info> lookup(std::string_view name) const override
    {
        if (name.empty() || name.size() > max_name_length)
            return std::nullopt;
        auto it = index_.find(core::ascii::lower(name));
        if (it == index_.end())
            return std::nullopt;
        return table_[it->second];
    }

private:
    // Immutable after construction, so concurrent lookups need no lock.
    std::vector<core::cipher_info> table_;
    std::unordered_map<std::string, std::size_t> index_;
};

struct ctx_deleter {
    void operator()(SSL_CTX *ctx) const noexcept { SSL_CTX_free(ctx); }
};

} // namespace

std::unique_ptr<core::cipher_oracle> make_openssl_cipher_oracle()
{
    std::vector<core::cipher_info> table;
    std::unordered_map<std::string, std::size_t> index;

    std::unique_ptr<SSL_CTX, ctx_deleter> ctx{SSL_CTX_new(TLS_method())};
    if (ctx) {
        // Security level 0 and COMPLEMENTOFALL so that weak suites the
        // library still knows (NULL, anonymous, and RC4/3DES where compiled
        // in) are described too: classifying a peer's cipher is not offering it.
        SSL_CTX_set_security_level(ctx.get(), 0);
        if (SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL:@SECLEVEL=0") == 1) {
            // The stack also holds the TLS 1.3 suites (SSL_CTX_set_ciphersuites).
            const STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(ctx.get());
            const int n = ciphers != nullptr ? sk_SSL_CIPHER_num(ciphers) : 0;
            for (int i = 0; i < n; ++i) {
                const SSL_CIPHER *c = sk_SSL_CIPHER_value(ciphers, i);
                if (c == nullptr)
                    continue;
                auto info = describe(c);
                if (info.name.empty())
                    continue;
                const auto slot = table.size();
                index.emplace(core::ascii::lower(info.name), slot);
                if (const char *iana = SSL_CIPHER_standard_name(c); iana != nullptr)
                    index.emplace(core::ascii::lower(iana), slot);
                table.push_back(std::move(info));
            }
        }
    }
    // Without a table every lookup answers "unknown" and the core falls back
    // to the suite name's own words.
    return std::make_unique<openssl_cipher_oracle>(std::move(table), std::move(index));
}

} // namespace authweight::adapters
