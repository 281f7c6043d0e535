/**
 * @file symbols.hxx
 * @brief The symbol contract of DESIGN.md: names and default scores.
 *
 * Other tools depend on these names; never rename one.
 */
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace authweight::core {

struct symbol_def {
    std::string_view name;
    double score;              ///< default score (dynamic symbols: 0, weight computed)
    bool dynamic;              ///< weight computed per message
    bool auth_derived;         ///< counts against the trust budget when negative
    std::string_view description;
};

/** Every symbol of the contract, in a stable order. */
[[nodiscard]] std::span<const symbol_def> all_symbols() noexcept;

/** Look a symbol up by name. */
[[nodiscard]] const symbol_def *find_symbol(std::string_view name) noexcept;

} // namespace authweight::core
