/**
 * @file json_io.hxx
 * @brief JSON in and out (nlohmann-json): the config, checked against
 *        schemas/authweight.schema.json (embedded at build time); delivery
 *        facts; the report as DESIGN.md's CLI output.
 */
#pragma once

#include "authweight/config.hxx"
#include "authweight/dns.hxx"
#include "authweight/error.hxx"
#include "authweight/facts.hxx"
#include "engine.hxx"

#include <string>
#include <string_view>

namespace authweight::adapters {

/** The embedded schema text: a view of a string literal, so data() is
 *  NUL-terminated. */
[[nodiscard]] std::string_view config_schema_text() noexcept;

/**
 * Parse and validate a config document. Unknown keys, wrong types, values
 * out of range or not in an enum give BAD_CONFIG with a message naming the
 * key path ("unknown key 'trust_budgett'", "'trust_budget': expected number").
 * Missing keys take the schema's defaults.
 * @param effective if not NULL, receives the document with those defaults
 *        filled in, as JSON text (what authweight_ctx_config_json() gives)
 */
[[nodiscard]] core::result<core::config> parse_config(std::string_view json_text,
                                                    std::string *effective = nullptr);

/**
 * Delivery facts from JSON (the C ABI and the CLI; read by facts_reader.hxx):
 * {"ip","helo","hostname","fcrdns","tls_version","tls_cipher","tls_source",
 *  "user","mail_from","rcpt":[...],"message","external":[{"name","score"}]}.
 * All keys optional. BAD_INPUT names the key with a wrong type.
 */
[[nodiscard]] core::result<core::delivery_facts> parse_facts(std::string_view json_text);

/** Decayed counts a host looked up, {"identity": {"spam": n, "ham": n}},
 *  read as the facts' "reputation" is (facts_reader.hxx). */
[[nodiscard]] core::result<core::reputation_map> parse_reputation_counts(std::string_view json_text);

/** The report as one JSON object (DESIGN.md's CLI output), compact. */
[[nodiscard]] std::string report_to_json(const report &r, int indent = -1);

/** A list of queries as a JSON array of {"name","type"}. */
[[nodiscard]] std::string queries_to_json(const std::vector<core::dns_query> &q);

} // namespace authweight::adapters
