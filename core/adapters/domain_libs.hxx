/**
 * @file domain_libs.hxx
 * @brief domain_services over libidn2 (IDNA2008/UTS #46), libpsl with
 *        Debian's publicsuffix data, and ICU's spoof checker (UTS #39).
 */
#pragma once

#include "authweight/domain.hxx"

#include <memory>

namespace authweight::adapters {

/**
 * Create the library-backed domain services. The PSL is loaded from
 * Debian's /usr/share/publicsuffix (the DAFSA file, else the text list),
 * falling back to libpsl's built-in list.
 * @return INTERNAL when ICU's spoof checker cannot be opened.
 */
[[nodiscard]] core::result<std::unique_ptr<core::domain_services>> make_domain_services();

} // namespace authweight::adapters
