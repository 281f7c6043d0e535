/**
 * @file tls.hxx
 * @brief TLS facts as evidence: transport, never identity.
 *
 * Cipher strength comes from OpenSSL's own tables through the
 * cipher_oracle interface (core/adapters/openssl_ciphers), not a hand list.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authweight::core {

/** What OpenSSL knows of a cipher suite. */
struct cipher_info {
    std::string name;          ///< OpenSSL name, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
    int strength_bits{0};      ///< symmetric strength (SSL_CIPHER_get_bits)
    bool aead{false};          ///< AEAD mode (GCM, CCM, ChaCha20-Poly1305)
    bool forward_secret{false};///< ECDHE/DHE key exchange, or TLS 1.3
    std::string kx;            ///< key exchange, e.g. "ECDH", "RSA", "any" (TLS 1.3)
    std::string enc;           ///< symmetric cipher, e.g. "AESGCM(128)", "RC4(128)"
    std::string mac;           ///< MAC, e.g. "AEAD", "SHA1", "MD5"
};

class cipher_oracle {
public:
    virtual ~cipher_oracle() = default;
    /** Look a cipher up by OpenSSL or IANA (RFC) name; nullopt if unknown. */
    [[nodiscard]] virtual std::optional<cipher_info> lookup(std::string_view name) const = 0;
};

/** Protocol versions, ordered. */
enum class tls_version : std::uint8_t {
    NONE = 0,     ///< no TLS
    UNKNOWN,      ///< TLS, version not understood
    SSL3,
    TLS1_0,
    TLS1_1,
    TLS1_2,
    TLS1_3,
};

/** Parse "TLSv1.2", "TLS1.3", "tlsv1", "SSLv3" ... Empty -> NONE. */
[[nodiscard]] tls_version parse_tls_version(std::string_view s) noexcept;
[[nodiscard]] std::string_view to_string(tls_version v) noexcept;

/** The classified TLS facts of a connection. */
struct tls_assessment {
    bool used{false};          ///< the connection used TLS
    tls_version version{tls_version::NONE};
    std::string version_text;  ///< as reported
    std::string cipher;        ///< as reported
    std::string source;        ///< "mta", "received", "" (none)
    bool legacy{false};        ///< below TLS 1.2, or a weak cipher
    std::string legacy_reason; ///< why legacy, for the symbol's reason
};

/**
 * Classify TLS facts. Legacy: version below TLS 1.2, or a cipher OpenSSL
 * rates under 128 bits, or one using RC4, DES/3DES, MD5, NULL or export
 * key exchange. An unknown cipher name is not
 * legacy by itself (the MTA may use IANA names OpenSSL lacks).
 */
[[nodiscard]] tls_assessment assess_tls(std::string_view version, std::string_view cipher,
                                        std::string_view source, const cipher_oracle &oracle);

} // namespace authweight::core
