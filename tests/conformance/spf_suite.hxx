// The OpenSPF YAML test suites (../shared/testdata/SOURCES.md): scenarios
// of tests plus zonedata, read with yaml-cpp and converted to the project's
// zone file (DESIGN.md) by the one conversion the runners and the CLI test
// share.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace authweight::spf_test {

struct suite_test {
    std::string scenario;                  // the scenario's description
    std::string name;
    std::string spec;
    std::string helo;
    std::string host;
    std::string mailfrom;                  // "" = null sender
    std::vector<std::string> results;      // any of them passes
    std::optional<std::string> explanation;
    std::size_t zone{0};                   // index into suite::zones
};

struct suite {
    std::vector<std::string> zones;        // zone-file JSON, one per scenario
    std::vector<suite_test> tests;
};

/**
 * Read a suite. Zone conversion follows the suites' own driver (pyspf
 * testspf.py): an "SPF" record is also published as TXT unless the name has
 * an explicit TXT entry ("TXT: NONE" publishes none); type SPF itself is not
 * served (RFC 7208 3.1 dropped it); "TIMEOUT" is the zone file's TIMEOUT
 * marker; an empty TXT string list becomes one empty string and an empty
 * host name the root ".".
 * @return false with `error` set when the file cannot be read.
 */
bool load_suite(const std::string &path, suite &out, std::string &error);

/** Does `got` match one of the test's results? */
bool result_matches(const suite_test &t, const std::string &got);

} // namespace authweight::spf_test
