// Unit tests of core/src/tls.cxx over OpenSSL's real cipher table
// (core/adapters/openssl_ciphers.cxx).
#include "authweight/tls.hxx"
#include "openssl_ciphers.hxx"

#include <CppUTest/TestHarness.h>

#include <memory>
#include <string>
#include <string_view>

namespace {

using authweight::core::tls_version;

const authweight::core::cipher_oracle &openssl_oracle()
{
    static const std::unique_ptr<authweight::core::cipher_oracle> oracle =
        authweight::adapters::make_openssl_cipher_oracle();
    return *oracle;
}

bool contains(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

} // namespace

TEST_GROUP(tls)
{
};

TEST(tls, parses_version_text)
{
    struct test_case {
        const char *text;
        tls_version want;
    };
    static const test_case cases[] = {
        {"TLSv1.3", tls_version::TLS1_3},   {"TLSv1.2", tls_version::TLS1_2},
        {"TLSv1.1", tls_version::TLS1_1},   {"TLSv1", tls_version::TLS1_0},
        {"TLSv1.0", tls_version::TLS1_0},   {"TLS1.2", tls_version::TLS1_2},
        {"tls 1.3", tls_version::TLS1_3},   {"tlsv1.2", tls_version::TLS1_2},
        {"TLSV1_2", tls_version::TLS1_2},   {" TLSv1.3 ", tls_version::TLS1_3},
        {"SSLv3", tls_version::SSL3},       {"sslv3", tls_version::SSL3},
        {"SSLv2", tls_version::SSL3},       {"", tls_version::NONE},
        {"   ", tls_version::NONE},         {"none", tls_version::NONE},
        {"NONE", tls_version::NONE},        {"TLSv1.4", tls_version::UNKNOWN},
        {"TLSv2", tls_version::UNKNOWN},    {"QUIC", tls_version::UNKNOWN},
        {"TLSv1.2x", tls_version::UNKNOWN}, {"DTLSv1.2", tls_version::UNKNOWN},
        {"TLSv1.2.3.4.5.6.7.8.9.10.11.12.13.14.15", tls_version::UNKNOWN},
    };
    for (const auto &tc : cases) {
        const auto got = authweight::core::parse_tls_version(tc.text);
        CHECK_EQUAL_TEXT(static_cast<int>(tc.want), static_cast<int>(got), tc.text);
    }
}

TEST(tls, version_names_round_trip)
{
    struct test_case {
        tls_version version;
        const char *want;
    };
    static const test_case cases[] = {
        {tls_version::NONE, ""},          {tls_version::UNKNOWN, "unknown"},
        {tls_version::SSL3, "SSLv3"},     {tls_version::TLS1_0, "TLSv1"},
        {tls_version::TLS1_1, "TLSv1.1"}, {tls_version::TLS1_2, "TLSv1.2"},
        {tls_version::TLS1_3, "TLSv1.3"},
    };
    for (const auto &tc : cases) {
        const std::string got{authweight::core::to_string(tc.version)};
        STRCMP_EQUAL(tc.want, got.c_str());
        // Every name but "unknown" parses back to its own value.
        if (tc.version != tls_version::UNKNOWN)
            CHECK_EQUAL_TEXT(static_cast<int>(tc.version),
                             static_cast<int>(authweight::core::parse_tls_version(got)), tc.want);
    }
}

TEST(tls, classifies_with_openssl_oracle)
{
    struct test_case {
        const char *version;
        const char *cipher;
        bool want_used;
        tls_version want_version;
        bool want_legacy;
        const char *want_reason; ///< substring of legacy_reason ("" when not legacy)
    };
    static const test_case cases[] = {
        {"TLSv1.3", "TLS_AES_256_GCM_SHA384", true, tls_version::TLS1_3, false, ""},
        {"TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", true, tls_version::TLS1_3, false, ""},
        {"TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", true, tls_version::TLS1_2, false, ""},
        {"TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true, tls_version::TLS1_2, false, ""},
        {"TLSv1.2", "AES128-SHA", true, tls_version::TLS1_2, false, ""},
        {"TLSv1", "ECDHE-RSA-AES256-SHA", true, tls_version::TLS1_0, true, "TLSv1.0 is below TLS 1.2"},
        {"TLSv1.1", "", true, tls_version::TLS1_1, true, "TLSv1.1 is below TLS 1.2"},
        {"SSLv3", "AES128-SHA", true, tls_version::SSL3, true, "SSLv3 is below TLS 1.2"},
        // Names Debian's OpenSSL 3 does not know: classified by their words.
        {"TLSv1.2", "RC4-SHA", true, tls_version::TLS1_2, true, "cipher RC4-SHA: RC4"},
        {"TLSv1.2", "TLS_RSA_WITH_RC4_128_MD5", true, tls_version::TLS1_2, true, "RC4, MD5"},
        // 3DES: OpenSSL 3 rates it 112 bits, but its 64-bit block puts it
        // outside RFC 7525's recommendations, so it is legacy.
        {"TLSv1.2", "DES-CBC3-SHA", true, tls_version::TLS1_2, true, "cipher DES-CBC3-SHA: 3DES"},
        {"TLSv1.2", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", true, tls_version::TLS1_2, true, ": 3DES"},
        {"TLSv1.2", "EDH-RSA-DES-CBC-SHA", true, tls_version::TLS1_2, true, ": DES"},
        {"TLSv1.2", "EXP-RC4-MD5", true, tls_version::TLS1_2, true, "export grade"},
        {"TLSv1.2", "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", true, tls_version::TLS1_2, true, "export grade"},
        {"TLSv1.2", "TLS_DH_anon_WITH_AES_128_CBC_SHA", true, tls_version::TLS1_2, true, "anonymous"},
        // Suites OpenSSL does know and rates weak itself.
        {"TLSv1.2", "NULL-SHA256", true, tls_version::TLS1_2, true, "cipher NULL-SHA256: NULL encryption"},
        {"TLSv1.2", "NULL-MD5", true, tls_version::TLS1_2, true, "MD5"},
        {"TLSv1.2", "ADH-AES256-GCM-SHA384", true, tls_version::TLS1_2, true, "anonymous"},
        // An unknown name is no evidence either way.
        {"TLSv1.2", "FOO", true, tls_version::TLS1_2, false, ""},
        {"TLSv1.2", "TLS_AES_128_CCM_8_SHA256", true, tls_version::TLS1_2, false, ""},
        // Both reasons on one line.
        {"TLSv1", "RC4-MD5", true, tls_version::TLS1_0, true, "TLSv1.0 is below TLS 1.2; cipher RC4-MD5: RC4, MD5"},
        // A version nobody knows is not held against the sender.
        {"TLSv1.9", "TLS_AES_256_GCM_SHA384", true, tls_version::UNKNOWN, false, ""},
        // A cipher alone shows TLS was used.
        {"", "ECDHE-RSA-AES128-GCM-SHA256", true, tls_version::UNKNOWN, false, ""},
        {"", "", false, tls_version::NONE, false, ""},
        {"none", "", false, tls_version::NONE, false, ""},
    };
    for (const auto &tc : cases) {
        const auto got = authweight::core::assess_tls(tc.version, tc.cipher, "mta", openssl_oracle());
        const std::string label = std::string{tc.version} + " / " + tc.cipher + " -> " + got.legacy_reason;
        CHECK_EQUAL_TEXT(tc.want_used, got.used, label.c_str());
        CHECK_EQUAL_TEXT(static_cast<int>(tc.want_version), static_cast<int>(got.version), label.c_str());
        CHECK_EQUAL_TEXT(tc.want_legacy, got.legacy, label.c_str());
        CHECK_EQUAL_TEXT(tc.want_legacy, !got.legacy_reason.empty(), label.c_str());
        CHECK_TEXT(contains(got.legacy_reason, tc.want_reason), label.c_str());
        CHECK_TEXT(got.legacy_reason.find('\n') == std::string::npos, label.c_str());
        STRCMP_EQUAL_TEXT(tc.want_used ? "mta" : "", got.source.c_str(), label.c_str());
        STRCMP_EQUAL_TEXT(tc.want_used ? tc.cipher : "", got.cipher.c_str(), label.c_str());
    }
}

TEST(tls, oracle_is_openssls_table)
{
    const auto &oracle = openssl_oracle();

    // The IANA name leads to OpenSSL's own name and numbers.
    const auto ecdhe = oracle.lookup("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK_TRUE(ecdhe.has_value());
    STRCMP_EQUAL("ECDHE-RSA-AES128-GCM-SHA256", ecdhe->name.c_str());
    CHECK_EQUAL(128, ecdhe->strength_bits);
    CHECK_TRUE(ecdhe->aead);
    CHECK_TRUE(ecdhe->forward_secret);
    STRCMP_EQUAL("ECDH", ecdhe->kx.c_str());
    STRCMP_EQUAL("AESGCM(128)", ecdhe->enc.c_str());
    STRCMP_EQUAL("AEAD", ecdhe->mac.c_str());

    // Case does not matter; TLS 1.3 suites are in the table.
    const auto tls13 = oracle.lookup("tls_aes_256_gcm_sha384");
    CHECK_TRUE(tls13.has_value());
    STRCMP_EQUAL("TLS_AES_256_GCM_SHA384", tls13->name.c_str());
    CHECK_EQUAL(256, tls13->strength_bits);
    CHECK_TRUE(tls13->forward_secret);
    STRCMP_EQUAL("any", tls13->kx.c_str());

    // Static RSA key transport: no forward secrecy, HMAC-SHA1.
    const auto rsa = oracle.lookup("aes128-sha");
    CHECK_TRUE(rsa.has_value());
    STRCMP_EQUAL("AES128-SHA", rsa->name.c_str());
    CHECK_TRUE(!rsa->forward_secret);
    CHECK_TRUE(!rsa->aead);
    STRCMP_EQUAL("RSA", rsa->kx.c_str());
    STRCMP_EQUAL("SHA1", rsa->mac.c_str());

    const auto dhe = oracle.lookup("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
    CHECK_TRUE(dhe.has_value());
    STRCMP_EQUAL("DHE-RSA-AES256-GCM-SHA384", dhe->name.c_str());
    CHECK_TRUE(dhe->forward_secret);

    const auto null_cipher = oracle.lookup("NULL-SHA256");
    CHECK_TRUE(null_cipher.has_value());
    CHECK_EQUAL(0, null_cipher->strength_bits);
    STRCMP_EQUAL("None", null_cipher->enc.c_str());

    CHECK_TRUE(!oracle.lookup("FOO").has_value());
    CHECK_TRUE(!oracle.lookup("").has_value());
    CHECK_TRUE(!oracle.lookup(std::string(4096, 'A')).has_value());
}

TEST(tls, hostile_input_is_bounded)
{
    const std::string huge_version(1 << 20, 'v');
    const std::string huge_cipher = "RC4-" + std::string(1 << 20, 'X');
    const auto got = authweight::core::assess_tls(huge_version, huge_cipher, "received", openssl_oracle());
    CHECK_TRUE(got.used);
    CHECK_EQUAL(static_cast<int>(tls_version::UNKNOWN), static_cast<int>(got.version));
    CHECK_TRUE(got.version_text.size() <= 64);
    CHECK_TRUE(got.cipher.size() <= 128);
    CHECK_TRUE(got.legacy_reason.size() <= 256);
    // The weak word inside the kept prefix still counts.
    CHECK_TRUE(got.legacy);

    const std::string binary("TLS\0v1.2", 8);
    CHECK_EQUAL(static_cast<int>(tls_version::UNKNOWN),
                static_cast<int>(authweight::core::parse_tls_version(binary)));
}
