/**
 * @file zone_file.hxx
 * @brief The zone file of DESIGN.md: { "name": [[TYPE, VALUE], ...] }.
 *
 * TYPE is A, AAAA, MX ("10 mx.example"), TXT (a string, or a list of
 * strings for one multi-string record), PTR, CNAME, or the markers
 * TIMEOUT / SERVFAIL, which apply to every type not listed for the name.
 * A name with no record of the asked type answers NODATA; an absent name
 * NXDOMAIN. One reader serves the CLI, the tests and the test DNS server.
 */
#pragma once

#include "authweight/dns.hxx"
#include "authweight/error.hxx"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::adapters {

class zone {
public:
    /** Parse zone JSON text. BAD_INPUT names the offending entry. */
    [[nodiscard]] static core::result<zone> parse(std::string_view json_text);
    /** Read and parse a file. BAD_INPUT for a missing or unreadable file. */
    [[nodiscard]] static core::result<zone> load(const std::string &path);

    /**
     * Answer a query. CNAMEs are followed (bounded) for types other than
     * CNAME; the answer then holds the target's records.
     * @return nullopt for a TIMEOUT (the query goes unanswered).
     */
    [[nodiscard]] std::optional<core::dns_answer> answer(const core::dns_query &q) const;

    struct record {
        std::string type;                 // "A", ..., "TIMEOUT", "SERVFAIL"
        std::vector<std::string> strings; // one for most types, several for multi-string TXT
    };
    /** All names and records, for tools that export the zone (unbound). */
    [[nodiscard]] const std::map<std::string, std::vector<record>> &names() const noexcept { return names_; }

private:
    std::map<std::string, std::vector<record>> names_;
};

} // namespace authweight::adapters
