// Reputation per message: look the message's identities up and record its
// verdict, for both backends; and the size on disk of an LMDB store holding
// 1,000,000 identities.
//
// Run with
//   bench_reputation --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// The Redis cases need a server: AUTHWEIGHT_BENCH_REDIS=127.0.0.1:6379
// (they are skipped otherwise; they write keys under "aw_bench:").
// The LMDB store lives under $TMPDIR (default /tmp), on that disk.
//
// Targets (issue 6): embedded lookup+update under 20 us per message;
// 1,000,000 identities under 200 MB on disk.

#include "lmdb_store.hxx"
#include "redis_store.hxx"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace authweight;

/** A fresh directory, removed at exit of the benchmark. */
struct temp_dir {
    std::string path;
    temp_dir()
    {
        const char *base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/authweight-bench-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir &) = delete;
    temp_dir &operator=(const temp_dir &) = delete;
};

/** Messages from 10,000 senders, a few of them much busier (Zipf-like):
 *  two identities per message, an ESP's and the sender's own. */
std::vector<std::vector<std::string>> message_identities(std::size_t n)
{
    std::mt19937 rng{42};
    std::vector<double> weights;
    for (int i = 1; i <= 10000; ++i)
        weights.push_back(1.0 / i);
    std::discrete_distribution<int> sender(weights.begin(), weights.end());
    std::vector<std::vector<std::string>> out;
    for (std::size_t i = 0; i < n; ++i) {
        const int s = sender(rng);
        out.push_back({"esp" + std::to_string(s % 20) + ".example", "sender" + std::to_string(s) + ".example"});
    }
    return out;
}

const char *verdict_of(std::size_t i)
{
    return i % 4 == 0 ? "reject" : "no action";
}

void check(const core::result<void> &r, benchmark::State &state)
{
    if (!r)
        state.SkipWithError(r.error().message().c_str());
}

/**
 * The rspamd plugin's path: lookup before scoring, queue the verdict,
 * flush every `batch` messages in one synced write transaction (the plugin
 * flushes on a timer; batch = 1 commits every message, synced).
 */
void BM_lmdb_lookup_update(benchmark::State &state)
{
    const auto batch = static_cast<std::size_t>(state.range(0));
    temp_dir dir;
    adapters::lmdb_store store{{dir.path + "/rep.mdb", 256, true, false}};
    core::reputation_config cfg;
    const auto msgs = message_identities(4096);
    std::int64_t now = 1'700'000'000;
    std::size_t i = 0;
    for (auto _ : state) {
        const auto &ids = msgs[i % msgs.size()];
        auto counts = store.lookup(ids, now, cfg.half_life);
        if (!counts) {
            state.SkipWithError(counts.error().message().c_str());
            break;
        }
        benchmark::DoNotOptimize(counts->size());
        auto lesson = core::lesson_for(verdict_of(i), cfg);
        check(store.queue(ids, *lesson, now, cfg), state);
        if (++i % batch == 0)
            check(store.flush(), state);
        if (i % 64 == 0)
            ++now;
    }
    check(store.flush(), state);
    state.SetItemsProcessed(state.iterations());
    state.counters["identities"] = static_cast<double>(*store.size());
}
BENCHMARK(BM_lmdb_lookup_update)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

/** The lookup alone (a read transaction, reused). */
void BM_lmdb_lookup(benchmark::State &state)
{
    temp_dir dir;
    adapters::lmdb_store store{{dir.path + "/rep.mdb", 256, true, false}};
    core::reputation_config cfg;
    const auto msgs = message_identities(4096);
    for (std::size_t i = 0; i < msgs.size(); ++i)
        static_cast<void>(store.queue(msgs[i], {1.0, 0.0}, 1'700'000'000, cfg));
    check(store.flush(), state);
    std::size_t i = 0;
    for (auto _ : state) {
        auto counts = store.lookup(msgs[i++ % msgs.size()], 1'700'000'100, cfg.half_life);
        benchmark::DoNotOptimize(counts);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_lmdb_lookup)->Unit(benchmark::kMicrosecond);

/** Redis: GET both identities (pipelined), then one EVALSHA each. */
void BM_redis_lookup_update(benchmark::State &state)
{
    const char *addr = std::getenv("AUTHWEIGHT_BENCH_REDIS");
    if (addr == nullptr) {
        state.SkipWithError("set AUTHWEIGHT_BENCH_REDIS=HOST:PORT to measure Redis");
        for (auto _ : state) {
        }
        return;
    }
    auto opts = adapters::parse_redis_address(addr);
    if (!opts) {
        state.SkipWithError(opts.error().message().c_str());
        for (auto _ : state) {
        }
        return;
    }
    opts->prefix = "aw_bench:";
    opts->ttl = 600;
    auto store = adapters::redis_store::connect(*opts);
    if (!store) {
        state.SkipWithError(store.error().message().c_str());
        for (auto _ : state) {
        }
        return;
    }
    core::reputation_config cfg;
    const auto msgs = message_identities(4096);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto &ids = msgs[i % msgs.size()];
        auto counts = (*store)->lookup(ids, 1'700'000'000, cfg.half_life);
        benchmark::DoNotOptimize(counts);
        check((*store)->learn(ids, *core::lesson_for(verdict_of(i), cfg), 1'700'000'000, cfg), state);
        ++i;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_redis_lookup_update)->Unit(benchmark::kMicrosecond);

/** 1,000,000 identities of realistic length, then the file's size on disk. */
void BM_lmdb_million_identities(benchmark::State &state)
{
    for (auto _ : state) {
        temp_dir dir;
        adapters::lmdb_store store{{dir.path + "/rep.mdb", 1024, true, false}};
        std::mt19937 rng{7};
        std::uniform_int_distribution<int> len(4, 14), letter('a', 'z');
        static const char *const tlds[] = {".com", ".net", ".org", ".de", ".co.uk", ".example"};
        std::vector<std::pair<std::string, core::reputation_record>> batch;
        std::size_t n = 0;
        while (n < 1'000'000) {
            batch.clear();
            for (int i = 0; i < 10000; ++i, ++n) {
                std::string name;
                for (int k = len(rng); k > 0; --k)
                    name += static_cast<char>(letter(rng));
                name += std::to_string(n) + tlds[n % 6];
                batch.emplace_back(std::move(name),
                                   core::reputation_record{static_cast<double>(n % 50) * 0.37, 3.25, 1'700'000'000 + static_cast<std::int64_t>(n)});
            }
            if (auto r = store.put(batch); !r) {
                state.SkipWithError(r.error().message().c_str());
                return;
            }
        }
        state.counters["identities"] = static_cast<double>(*store.size());
        state.counters["MB_on_disk"] = static_cast<double>(*store.disk_bytes()) / 1e6;
        state.counters["bytes_per_identity"] = static_cast<double>(*store.disk_bytes()) / 1e6;
    }
}
BENCHMARK(BM_lmdb_million_identities)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
