#include "openssl_dkim.hxx"

#include "authweight/ascii.hxx"
#include "authweight/dkim_canon.hxx"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace authweight::adapters {

namespace {

using core::auth_result;

struct pkey_free {
    void operator()(EVP_PKEY *k) const noexcept { EVP_PKEY_free(k); }
};
struct md_ctx_free {
    void operator()(EVP_MD_CTX *c) const noexcept { EVP_MD_CTX_free(c); }
};
struct md_free {
    void operator()(EVP_MD *m) const noexcept { EVP_MD_free(m); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX *c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

/** SHA-256, fetched once: an implicit fetch per use takes provider locks. */
const EVP_MD *sha256()
{
    static const std::unique_ptr<EVP_MD, md_free> md{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    return md.get();
}

/** Base64 (RFC 6376 2.4: FWS may appear anywhere in it). */
std::optional<std::string> unbase64(std::string_view text)
{
    std::string clean;
    clean.reserve(text.size());
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            clean += c;
    if (clean.empty() || clean.size() % 4 != 0)
        return std::nullopt;
    std::string out(clean.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()),
                                  reinterpret_cast<const unsigned char *>(clean.data()), static_cast<int>(clean.size()));
    if (n < 0)
        return std::nullopt;
    std::size_t len = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts padding as zero bytes.
    for (std::size_t i = clean.size(); i-- > 0 && clean[i] == '=';)
        --len;
    out.resize(len);
    return out;
}

/** An RSA key's verification context, set up once for SHA-256 and PKCS #1
 *  v1.5: OpenSSL 3 spends more setting one up than on a 2048-bit check.
 *  EVP_PKEY_verify() may be called again on the same context; the mutex
 *  keeps two threads from using it at once. */
struct rsa_verifier {
    std::mutex mu;
    std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx;
};

/** A decoded public key, shared by every verification that uses it. */
struct decoded_key {
    std::shared_ptr<EVP_PKEY> pkey;   ///< null when p= is empty or not a key of type k=
    unsigned bits{0};
    std::shared_ptr<rsa_verifier> rsa;  ///< RSA only; null if it could not be set up
};

/** The verification context of an RSA key, or null (then each check sets
 *  up its own through EVP_DigestVerify). */
std::shared_ptr<rsa_verifier> make_rsa_verifier(EVP_PKEY *pkey)
{
    auto v = std::make_shared<rsa_verifier>();
    v->ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!v->ctx || EVP_PKEY_verify_init(v->ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(v->ctx.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(v->ctx.get(), sha256()) != 1)
        return nullptr;
    return v;
}

/** A key record, parsed and decoded once. */
struct cached_key {
    core::dkim_key key;
    decoded_key decoded;
};

/** Key records by their text. Bounded: when full it starts over. */
class key_cache {
public:
    std::optional<cached_key> find(std::string_view record)
    {
        std::lock_guard lock{mu_};
        auto it = map_.find(std::string(record));
        if (it == map_.end())
            return std::nullopt;
        return it->second;
    }
    void put(std::string record, cached_key k)
    {
        std::lock_guard lock{mu_};
        if (map_.size() >= capacity)
            map_.clear();
        map_.insert_or_assign(std::move(record), std::move(k));
    }
    void clear()
    {
        std::lock_guard lock{mu_};
        map_.clear();
    }

private:
    static constexpr std::size_t capacity = 1024;
    std::mutex mu_;
    std::unordered_map<std::string, cached_key> map_;
};

key_cache &cache()
{
    static key_cache c;
    return c;
}

/** Decode p= for key type k=; no key when it is not a key of that type. */
decoded_key decode_key(const core::dkim_key &key)
{
    decoded_key k;
    auto der = unbase64(key.public_key);
    if (!der)
        return k;
    const auto *p = reinterpret_cast<const unsigned char *>(der->data());
    if (key.key_type == "ed25519") {
        // RFC 8463 4.2: p= is the raw 32-byte public key.
        if (der->size() != 32)
            return k;
        k.pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, der->size()), pkey_free{});
        k.bits = 256;
    } else if (key.key_type == "rsa") {
        // RFC 6376 3.6.1: an RSA key is a DER SubjectPublicKeyInfo.
        k.pkey.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())), pkey_free{});
        if (k.pkey && EVP_PKEY_get_base_id(k.pkey.get()) != EVP_PKEY_RSA)
            k.pkey.reset();
        if (k.pkey) {
            k.bits = static_cast<unsigned>(EVP_PKEY_get_bits(k.pkey.get()));
            k.rsa = make_rsa_verifier(k.pkey.get());
        }
    }
    return k;
}

/** The parsed and decoded key of a record, from the cache when it was
 *  seen before. BAD_INPUT when the record is not a key record. */
core::result<cached_key> load_key(std::string_view record)
{
    // An 8192-bit RSA key takes about 1.5 KB; anything much longer is not a
    // key worth decoding or keeping.
    if (record.size() > 4096)
        return core::fail(core::error_code::BAD_INPUT, "key record longer than 4096 bytes");
    if (auto hit = cache().find(record))
        return std::move(*hit);
    auto key = core::parse_dkim_key(record);
    if (!key)
        return std::unexpected(key.error());
    cached_key c{std::move(*key), {}};
    if (!c.key.revoked())
        c.decoded = decode_key(c.key);
    cache().put(std::string(record), c);
    return c;
}

native_verdict verdict(auth_result r, std::string reason, bool crypto = false)
{
    native_verdict v;
    v.result = r;
    v.reason = std::move(reason);
    v.crypto_failure = crypto;
    return v;
}

bool contains(const std::vector<std::string> &list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

/** Why a loaded key may not verify a signature of `algorithm` (RFC 6376
 *  3.6.1 h=, s=, k=; RFC 8463 4; RFC 8301 3.2), or nullopt when it may.
 *  Sets out.key_bits when the key decodes. */
std::optional<native_verdict> refuse_key(const cached_key &loaded, bool ed25519, std::string_view algorithm,
                                         native_verdict &out)
{
    const core::dkim_key *key = &loaded.key;
    if (!key->hashes.empty() && !contains(key->hashes, "sha256"))
        return verdict(auth_result::PERMERROR, "key does not allow sha256 (h=)");
    if (!contains(key->services, "*") && !contains(key->services, "email"))
        return verdict(auth_result::PERMERROR, "key is not for email (s=)");
    if (key->key_type != (ed25519 ? "ed25519" : "rsa"))
        return verdict(auth_result::PERMERROR, "key type k=" + key->key_type.substr(0, 20) + " does not match a=" +
                                                   std::string(algorithm.substr(0, 40)));
    if (key->revoked())
        return verdict(auth_result::FAIL, "key revoked (empty p=)");
    const decoded_key *pkey = &loaded.decoded;
    if (!pkey->pkey)
        return verdict(auth_result::PERMERROR, "key cannot be decoded (p=)");
    out.key_bits = pkey->bits;
    // RFC 8301 3.2: under 1024 bits is never valid; over 4096 a verifier
    // may refuse, and authweight does (core::max_rsa_key_bits), before any
    // verification, so the reason given is the true one.
    if (!ed25519 && pkey->bits < 1024)
        return verdict(auth_result::PERMERROR, "RSA key under 1024 bits (RFC 8301 3.2)");
    if (!ed25519 && pkey->bits > core::max_rsa_key_bits)
        return verdict(auth_result::PERMERROR, "RSA key of " + std::to_string(pkey->bits) + " bits, over the " +
                                                   std::to_string(core::max_rsa_key_bits) +
                                                   "-bit limit (RFC 8301 3.2)");
    return std::nullopt;
}

/** 1 when `sig` is a valid signature of `data` under `pkey`, 0 when not,
 *  -1 when hashing failed. */
int signature_verifies(const decoded_key &pkey, bool ed25519, std::string_view data, const std::string &sig)
{
    const auto *sig_bytes = reinterpret_cast<const unsigned char *>(sig.data());
    // RFC 8463 3: Ed25519 signs the SHA-256 hash of the header data; an RSA
    // key's context (rsa_verifier) takes the hash too.
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if ((ed25519 || pkey.rsa) && EVP_Digest(data.data(), data.size(), digest, &len, sha256(), nullptr) != 1)
        return -1;
    if (pkey.rsa) {
        std::lock_guard lock{pkey.rsa->mu};
        return EVP_PKEY_verify(pkey.rsa->ctx.get(), sig_bytes, sig.size(), digest, len) == 1 ? 1 : 0;
    }
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    if (!ctx)
        return -1;
    if (ed25519)
        return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.pkey.get()) == 1 &&
                       EVP_DigestVerify(ctx.get(), sig_bytes, sig.size(), digest, len) == 1
                   ? 1
                   : 0;
    return EVP_DigestVerifyInit(ctx.get(), nullptr, sha256(), nullptr, pkey.pkey.get()) == 1 &&
                   EVP_DigestVerify(ctx.get(), sig_bytes, sig.size(),
                                    reinterpret_cast<const unsigned char *>(data.data()), data.size()) == 1
               ? 1
               : 0;
}

/** core::arc_verifier over the same key cache and primitives. */
class native_arc_verifier final : public core::arc_verifier {
public:
    [[nodiscard]] std::string sha256(std::string_view data) const override
    {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_Digest(data.data(), data.size(), digest, &len, authweight::adapters::sha256(), nullptr) != 1)
            return {};
        return std::string(reinterpret_cast<const char *>(digest), len);
    }

    [[nodiscard]] core::signature_check verify(std::string_view key_record, std::string_view algorithm,
                                               std::string_view data,
                                               std::string_view signature_b64) const override
    {
        const bool ed25519 = algorithm == "ed25519-sha256";
        if (!ed25519 && algorithm != "rsa-sha256")
            return {auth_result::PERMERROR, "unsupported algorithm " + std::string(algorithm.substr(0, 40))};
        auto loaded = load_key(key_record);
        if (!loaded)
            return {auth_result::PERMERROR, "key record: " + loaded.error().message()};
        native_verdict out;
        if (auto refused = refuse_key(*loaded, ed25519, algorithm, out))
            return {refused->result, std::move(refused->reason)};
        auto b = unbase64(signature_b64);
        if (!b)
            return {auth_result::PERMERROR, "b= is not base64"};
        const int ok = signature_verifies(loaded->decoded, ed25519, data, *b);
        if (ok < 0)
            return {auth_result::TEMPERROR, "SHA-256 failed"};
        if (ok == 0)
            return {auth_result::FAIL, "signature did not verify"};
        return {auth_result::PASS, {}};
    }
};

} // namespace

const core::arc_verifier &arc_verifier_native()
{
    static const native_arc_verifier v;
    return v;
}

std::string_view canonical_bodies::get(core::dkim_canon canon)
{
    if (canon == core::dkim_canon::SIMPLE) {
        if (!have_simple_) {
            simple_ = core::canonical_body(raw_, canon, simple_buf_);
            have_simple_ = true;
        }
        return simple_;
    }
    if (!have_relaxed_) {
        relaxed_ = core::canonical_body(raw_, canon, relaxed_buf_);
        have_relaxed_ = true;
    }
    return relaxed_;
}

native_verdict verify_dkim_native(const core::header_block &headers, const core::header_field &field,
                                  const core::dkim_signature &sig, std::string_view key_record,
                                  canonical_bodies &bodies, std::uint64_t now)
{
    const bool ed25519 = sig.algorithm == "ed25519-sha256";
    if (!ed25519 && sig.algorithm != "rsa-sha256")
        return verdict(auth_result::PERMERROR, "unsupported algorithm " + sig.algorithm.substr(0, 40));

    // RFC 6376 3.5 x=: past its expiration a signature is invalid. t= far in
    // the future (beyond libopendkim's default 300 s drift) is refused too.
    if (sig.expiration && *sig.expiration < now)
        return verdict(auth_result::FAIL, "signature expired (x=)");
    if (sig.timestamp && *sig.timestamp > now + 300)
        return verdict(auth_result::PERMERROR, "signature timestamp in the future (t=)");

    auto loaded = load_key(key_record);
    if (!loaded)
        return verdict(auth_result::PERMERROR, "key record: " + loaded.error().message());
    const core::dkim_key *key = &loaded->key;
    native_verdict out;
    out.testing_key = key->testing();
    auto fail_with = [&](auth_result r, std::string why, bool crypto = false) {
        auto v = verdict(r, std::move(why), crypto);
        v.testing_key = out.testing_key;
        v.key_bits = out.key_bits;
        return v;
    };
    if (auto refused = refuse_key(*loaded, ed25519, sig.algorithm, out))
        return fail_with(refused->result, std::move(refused->reason));
    const decoded_key *pkey = &loaded->decoded;
    if (key->strict_subdomains()) {
        // RFC 6376 3.6.1 t=s: i= must not be a subdomain of d=.
        auto at = sig.identity.rfind('@');
        auto idom = std::string_view{sig.identity}.substr(at == std::string::npos ? 0 : at + 1);
        if (!core::ascii::iequals(idom, sig.domain))
            return fail_with(auth_result::PERMERROR, "i= is a subdomain of d= but the key has t=s");
    }

    auto b = unbase64(sig.signature);
    if (!b)
        return fail_with(auth_result::PERMERROR, "b= is not base64");
    auto bh = unbase64(sig.body_hash);
    if (!bh || bh->size() != 32)
        return fail_with(auth_result::PERMERROR, "bh= is not a SHA-256 hash");

    // The header signature first (RFC 6376 6.1.3 step 4 order does not
    // matter; libopendkim reports a bad signature before a bad body hash).
    const std::string data = core::signed_header_data(headers, field, sig);
    const int ok = signature_verifies(*pkey, ed25519, data, *b);
    if (ok < 0)
        return fail_with(auth_result::TEMPERROR, "SHA-256 failed");
    if (!ok)
        return fail_with(auth_result::FAIL, "signature did not verify", true);

    auto body = bodies.get(sig.body_canon);
    if (sig.body_length) {
        // RFC 6376 3.5 l=: more than the body holds cannot have been signed.
        if (*sig.body_length > body.size())
            return fail_with(auth_result::PERMERROR, "l= is longer than the body");
        body = body.substr(0, static_cast<std::size_t>(*sig.body_length));
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(body.data(), body.size(), digest, &len, sha256(), nullptr) != 1)
        return fail_with(auth_result::TEMPERROR, "SHA-256 failed");
    if (len != bh->size() || CRYPTO_memcmp(digest, bh->data(), len) != 0)
        return fail_with(auth_result::FAIL, "body hash did not verify", true);

    out.result = auth_result::PASS;
    return out;
}

void clear_dkim_key_cache()
{
    cache().clear();
}

} // namespace authweight::adapters
