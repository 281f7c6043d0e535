/**
 * @file engine.hxx
 * @brief The library glue of an evaluation: make_engine() builds a
 *        core::engine (authweight/evaluation.hxx, the decision pipeline)
 *        with the services the C libraries provide: libidn2, libpsl and
 *        ICU (domain_libs), OpenSSL's cipher table (openssl_ciphers),
 *        libspf2 (spf_eval) and libopendkim (dkim_eval).
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/error.hxx"
#include "authweight/evaluation.hxx"

#include <memory>

namespace authweight::adapters {

using report = core::report;
using engine = core::engine;
using evaluation = core::evaluation;
using step_status = core::step_status;

/** @return BAD_CONFIG naming the key (core::engine::create), or INTERNAL
 *  when a library cannot start. */
[[nodiscard]] core::result<std::shared_ptr<const core::engine>> make_engine(core::config cfg);

} // namespace authweight::adapters
