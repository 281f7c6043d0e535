/**
 * @file openssl_ciphers.hxx
 * @brief cipher_oracle over OpenSSL's own cipher tables
 *        (SSL_CTX_get_ciphers with "ALL:COMPLEMENTOFALL", SSL_CIPHER_*).
 */
#pragma once

#include "authweight/tls.hxx"

#include <memory>

namespace authweight::adapters {

/** Build the oracle once (it snapshots OpenSSL's table); thread-safe to read. */
[[nodiscard]] std::unique_ptr<core::cipher_oracle> make_openssl_cipher_oracle();

} // namespace authweight::adapters
