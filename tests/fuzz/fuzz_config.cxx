// libFuzzer target: the config (adapters json_io parse_config against the
// embedded schema); a config that parses must also start an engine or
// fail with BAD_CONFIG, never anything else.
#include "fuzz_support.hxx"

#include "engine.hxx"
#include "json_io.hxx"

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto in = fuzz::as_text(data, size);
    auto cfg = adapters::parse_config(in);
    if (!cfg) {
        fuzz::require(cfg.error().code() == core::error_code::BAD_CONFIG, "a bad config is BAD_CONFIG");
        return 0;
    }
    fuzz::require(cfg->trust_budget >= 0, "trust_budget is not negative");
    fuzz::require(cfg->max_dns_rounds >= 1 && cfg->max_dns_rounds <= 30, "max_dns_rounds within 1..30");
    fuzz::require(cfg->max_dkim_signatures >= 1 && cfg->max_dkim_signatures <= 50,
                  "max_dkim_signatures within 1..50");
    auto eng = adapters::make_engine(std::move(*cfg));
    if (!eng)
        fuzz::require(eng.error().code() == core::error_code::BAD_CONFIG, "engine refuses only BAD_CONFIG");
    return 0;
}
