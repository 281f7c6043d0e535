// libFuzzer target: delivery facts as JSON (adapters json_io parse_facts,
// the facts reader of core/adapters/facts_reader.hxx that every front
// end's facts go through); facts refused are BAD_INPUT naming the problem, and
// facts read start an evaluation or are refused as input, never anything
// else.
#include "fuzz_support.hxx"

#include "engine.hxx"
#include "json_io.hxx"

#include <memory>

using namespace authweight;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const auto eng = [] {
        auto cfg = adapters::parse_config("{}");
        fuzz::require(cfg.has_value(), "the default config parses");
        auto e = adapters::make_engine(std::move(*cfg));
        fuzz::require(e.has_value(), "the default engine starts");
        return std::move(*e);
    }();
    auto facts = adapters::parse_facts(fuzz::as_text(data, size));
    if (!facts) {
        fuzz::require(facts.error().code() == core::error_code::BAD_INPUT, "bad facts are BAD_INPUT");
        fuzz::require(!facts.error().message().empty(), "bad facts say why");
        return 0;
    }
    fuzz::require(facts->reputation.size() <= 4 * core::max_reputation_identities,
                  "reputation counts are bounded");
    auto ev = adapters::evaluation::create(eng, std::move(*facts), nullptr);
    if (!ev)
        fuzz::require(ev.error().code() == core::error_code::BAD_INPUT, "facts read are refused only as input");
    return 0;
}
