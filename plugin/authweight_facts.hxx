/**
 * @file authweight_facts.hxx
 * @brief For C++ callers linked with the C ABI's library (the Lua module):
 *        start an evaluation from delivery facts already read, with
 *        adapters::read_facts() over the caller's own document, instead of
 *        from JSON text.
 */
#pragma once
#include "authweight.h"
#include "authweight/facts.hxx"

/**
 * authweight_eval_new() with the facts read: the same checks of the
 * message and IP, the same results and messages.
 * @param facts moved from
 */
int authweight_eval_from_facts(authweight_ctx *ctx, authweight::core::delivery_facts &&facts, authweight_eval **out,
                               char **errmsg) noexcept;
