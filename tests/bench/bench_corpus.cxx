// Core time per message of the rspamd benchmark's corpus
// (tests/integration/lib/corpus.py, made by tests/bench/rspamd_ratio.sh):
// one whole delivery through the engine, DNS answered from the corpus zone,
// either every query (no cache, as a first message from a sender) or from
// a warm context cache (dns_cache_ttl; what a worker sees for senders it
// has met within the TTL). What the plugin adds around the core is
// measured by rspamd_ratio.sh. Run with
//   bench_corpus CORPUS_DIR [--benchmark_repetitions=3 ...]
// CORPUS_DIR holds zone.json, facts.jsonl and msgs/ (build/bench-rspamd/corpus
// after one rspamd_ratio.sh run).

#include "../testdata.hxx"
#include "engine.hxx"
#include "json_io.hxx"
#include "zone_file.hxx"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace authweight;

[[noreturn]] void die(const std::string &what)
{
    std::fprintf(stderr, "bench_corpus: %s\n", what.c_str());
    std::exit(1);
}

using testing::read_file;

struct corpus {
    std::shared_ptr<const adapters::engine> eng;
    adapters::zone zone;
    std::vector<core::delivery_facts> deliveries;
};

std::string corpus_dir;

const corpus &the_corpus()
{
    static const corpus c = [] {
        // The configuration rspamd_ratio.sh gives the plugin.
        auto cfg = adapters::parse_config(
            R"({"whitelist": ["alice@org00.example", "@org03.example", "*.org09.example"],
                "protected_domains": ["bank.example"], "reputation": {"backend": "none"}})");
        if (!cfg)
            die(cfg.error().message());
        auto eng = adapters::make_engine(std::move(*cfg));
        if (!eng)
            die(eng.error().message());
        auto zone = adapters::zone::load(corpus_dir + "/zone.json");
        if (!zone)
            die(zone.error().message());
        corpus out{*eng, std::move(*zone), {}};
        std::istringstream lines(read_file(corpus_dir + "/facts.jsonl"));
        for (std::string line; std::getline(lines, line);) {
            const auto j = nlohmann::json::parse(line);
            const auto &h = j.at("headers");
            nlohmann::json f;
            for (const auto &[from, to] : {std::pair{"IP", "ip"}, {"Helo", "helo"}, {"Hostname", "hostname"},
                                           {"From", "mail_from"}, {"TLS-Version", "tls_version"},
                                           {"TLS-Cipher", "tls_cipher"}})
                if (h.contains(from))
                    f[to] = h.at(from);
            auto facts = adapters::parse_facts(f.dump());
            if (!facts)
                die(facts.error().message());
            facts->message = read_file(corpus_dir + "/msgs/" + j.at("file").get<std::string>());
            facts->has_message = true;
            out.deliveries.push_back(std::move(*facts));
        }
        if (out.deliveries.empty())
            die("no messages in " + corpus_dir);
        return out;
    }();
    return c;
}

/** One delivery to its report; @return the queries the zone answered. */
std::size_t deliver(const corpus &c, const core::delivery_facts &facts, std::shared_ptr<core::dns_cache> cache)
{
    auto ev = adapters::evaluation::create(c.eng, facts, std::move(cache));
    if (!ev)
        die(ev.error().message());
    std::size_t queries = 0;
    for (int steps = 0; (*ev)->step() == adapters::step_status::NEED_DNS; ++steps) {
        if (steps > 64)
            die("no verdict within 64 steps");
        const auto pending = (*ev)->pending();
        queries += pending.size();
        for (const auto &q : pending)
            (*ev)->answer(q, c.zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    }
    benchmark::DoNotOptimize((*ev)->result().verdict);
    return queries;
}

/** Evicts the CPU caches, as a worker's other modules do between the
 *  plugin's calls: every line of a buffer larger than the last level. */
void evict_caches()
{
    static std::vector<unsigned char> junk(32u << 20);
    static unsigned char salt = 0;
    ++salt;
    for (std::size_t i = 0; i < junk.size(); i += 64)
        junk[i] = static_cast<unsigned char>(junk[i] + salt);
    benchmark::DoNotOptimize(junk.data());
}

void run(benchmark::State &state, bool cached, bool cold = false)
{
    const auto &c = the_corpus();
    std::shared_ptr<core::dns_cache> cache;
    if (cached) {
        cache = std::make_shared<core::dns_cache>(std::chrono::hours{1}, 100000);
        for (const auto &d : c.deliveries)
            deliver(c, d, cache);
    }
    std::size_t i = 0, queries = 0;
    for (auto _ : state) {
        if (cold) {
            state.PauseTiming();
            evict_caches();
            state.ResumeTiming();
        }
        queries += deliver(c, c.deliveries[i], cache);
        i = (i + 1) % c.deliveries.size();
    }
    state.counters["queries_per_msg"] =
        benchmark::Counter(static_cast<double>(queries), benchmark::Counter::kAvgIterations);
}

void bm_no_cache(benchmark::State &state) { run(state, false); }
void bm_warm_cache(benchmark::State &state) { run(state, true); }
void bm_warm_cache_cold_cpu(benchmark::State &state) { run(state, true, true); }

} // namespace

BENCHMARK(bm_no_cache)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_warm_cache)->Unit(benchmark::kMicrosecond);
BENCHMARK(bm_warm_cache_cold_cpu)->Unit(benchmark::kMicrosecond);

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        std::fprintf(stderr, "usage: bench_corpus CORPUS_DIR [benchmark flags]\n");
        return 2;
    }
    corpus_dir = argv[1];
    argv[1] = argv[0];
    ++argv;
    --argc;
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
