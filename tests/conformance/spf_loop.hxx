// The resumable DNS loop of the CLI (plugin/authweight_check.cxx) and the
// engine (core/adapters/engine.cxx), for tests that call check_spf() and
// check_senderid() directly: each round the check reads a snapshot through
// a dns_source that records what is missing; the missing queries are then
// answered from a zone file (a TIMEOUT there, like no answer at all, becomes
// TEMPFAIL, as the CLI does) and the check runs again. After max_rounds
// rounds a missing answer is TEMPFAIL at once, as in the engine's last round.
// Header-only: used by the conformance runners, unit tests and benchmarks.
#pragma once

#include "zone_file.hxx"

#include "authweight/config.hxx"
#include "authweight/dns.hxx"

#include <algorithm>
#include <utility>
#include <vector>

namespace authweight::spf_test {

/** The snapshot as one step sees it (the engine's step_dns). */
class recording_source final : public core::dns_source {
public:
    recording_source(core::dns_snapshot &snapshot, std::vector<core::dns_query> &pending, bool last_round)
        : snapshot_{snapshot}, pending_{pending}, last_round_{last_round}
    {
    }

    const core::dns_answer *lookup(const core::dns_query &query) override
    {
        core::dns_query q{core::dns_snapshot::normalize_name(query.name), query.type};
        if (const auto *a = snapshot_.find(q))
            return a;
        if (last_round_) {
            snapshot_.add(q, core::dns_answer{core::dns_status::TEMPFAIL, {}});
            return snapshot_.find(q);
        }
        if (std::find(pending_.begin(), pending_.end(), q) == pending_.end())
            pending_.push_back(std::move(q));
        return nullptr;
    }

private:
    core::dns_snapshot &snapshot_;
    std::vector<core::dns_query> &pending_;
    bool last_round_;
};

/** Every query a loop sent out, in order: the test's evidence that DNS came
 *  only from the caller, a batch per round. */
struct loop_log {
    int rounds{0};                                   // rounds that needed answers
    std::vector<std::vector<core::dns_query>> batches;
};

/** The engine's default number of rounds (schemas/authweight.schema.json). */
inline int default_rounds()
{
    static const int rounds = core::config{}.max_dns_rounds;
    return rounds;
}

/**
 * Run `check(dns_source&)` to completion over `zone`; max_rounds < 0 takes
 * the engine's default.
 * @return the check's last result.
 */
template <typename Check>
auto run_over_zone(const adapters::zone &zone, Check &&check, loop_log *log = nullptr, int max_rounds = -1)
{
    if (max_rounds < 0)
        max_rounds = default_rounds();
    core::dns_snapshot snapshot;
    for (int round = 0;; ++round) {
        std::vector<core::dns_query> pending;
        recording_source src{snapshot, pending, round >= max_rounds};
        auto out = check(static_cast<core::dns_source &>(src));
        if (pending.empty()) {
            if (log != nullptr)
                log->rounds = round;
            return out;
        }
        if (log != nullptr)
            log->batches.push_back(pending);
        for (const auto &q : pending)
            snapshot.add(q, zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    }
}

} // namespace authweight::spf_test
