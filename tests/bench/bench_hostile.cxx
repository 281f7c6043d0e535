// Time per hostile-input case (tests/core/hostile_cases.hxx): one whole
// delivery through the engine, every DNS round answered from the in-memory
// zone, the report rendered as JSON. The message is built once, outside the
// timing. The bound is 50 ms of core time per case; ctest asserts
// the verdicts and work bounds, this program measures the time. Run with
//   bench_hostile --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// The "queries" and "rounds" counters are the DNS work of one delivery.

#include "../core/hostile_cases.hxx"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

using namespace authweight;
using namespace authweight::hostile;

[[noreturn]] void die(const std::string &what)
{
    std::fprintf(stderr, "bench_hostile: %s\n", what.c_str());
    std::exit(1);
}

struct fixture {
    std::shared_ptr<const adapters::engine> eng;
    adapters::zone zone;
};

const fixture &bench_fixture()
{
    static const fixture f = [] {
        auto eng = adapters::make_engine(hostile_config());
        if (!eng)
            die(eng.error().message());
        auto zone = adapters::zone::parse(hostile_zone_json((*eng)->domains()));
        if (!zone)
            die(zone.error().message());
        return fixture{*eng, std::move(*zone)};
    }();
    return f;
}

void bm_case(benchmark::State &state, const hostile_case *c)
{
    const auto &fx = bench_fixture();
    const std::string msg = c->build();
    hostile_run last;
    for (auto _ : state) {
        last = run_hostile(fx.eng, fx.zone, *c, msg);
        benchmark::DoNotOptimize(last.json.data());
    }
    state.counters["queries"] = static_cast<double>(last.queries);
    state.counters["rounds"] = last.rep.dns_rounds;
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(msg.size()));
}

} // namespace

int main(int argc, char **argv)
{
    for (const auto &c : hostile_cases)
        benchmark::RegisterBenchmark(c.name, bm_case, &c)->Unit(benchmark::kMillisecond);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
