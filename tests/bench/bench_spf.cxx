// SPF with a warm snapshot (every answer already there, as in the second
// message from the same sender), for a record with one include and the a
// and mx mechanisms; and Sender ID's PRA selection on a realistic header
// block. The rounds a cold evaluation needs are reported as a counter.
// Run with
//   bench_spf --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The target is >= 100,000 SPF evaluations per second on one core.

#include "../conformance/spf_loop.hxx"

#include "spf_eval.hxx"
#include "zone_file.hxx"

#include "authweight/dns.hxx"
#include "authweight/rfc5322.hxx"
#include "authweight/senderid.hxx"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace authweight;

const char *const zone_json = R"({
  "example.com": [["TXT", "v=spf1 include:_spf.example.net a mx -all"], ["A", "192.0.2.10"],
                  ["MX", "10 mx1.example.com"], ["MX", "20 mx2.example.com"]],
  "_spf.example.net": [["TXT", "v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/25 -all"]],
  "mx1.example.com": [["A", "192.0.2.20"]],
  "mx2.example.com": [["A", "192.0.2.21"]]
})";

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "bench_spf: %s\n", what);
    std::exit(1);
}

/** A snapshot that already holds every answer: lookups never miss. */
class warm_source final : public core::dns_source {
public:
    explicit warm_source(core::dns_snapshot s) : snapshot_{std::move(s)} {}
    const core::dns_answer *lookup(const core::dns_query &q) override
    {
        const auto *a = snapshot_.find(q);
        if (a == nullptr)
            die("the warm snapshot lacks an answer");
        return a;
    }

private:
    core::dns_snapshot snapshot_;
};

struct warm_setup {
    core::dns_snapshot snapshot;
    int rounds{0};
};

warm_setup warm_up(const adapters::spf_request &req)
{
    auto zone = adapters::zone::parse(zone_json);
    if (!zone)
        die("zone");
    warm_setup w;
    spf_test::loop_log log;
    (void)spf_test::run_over_zone(*zone, [&](core::dns_source &dns) { return adapters::check_spf(req, dns); }, &log);
    w.rounds = log.rounds;
    for (const auto &batch : log.batches)
        for (const auto &q : batch)
            w.snapshot.add(q, zone->answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    return w;
}

void bench_spf(benchmark::State &state, const char *ip, core::auth_result want)
{
    adapters::spf_request req;
    req.client_ip = ip;
    req.helo = "mx2.example.com";
    req.mail_from = "newsletter@example.com";
    auto w = warm_up(req);
    warm_source dns{std::move(w.snapshot)};
    for (auto _ : state) {
        auto out = adapters::check_spf(req, dns);
        if (out.result != want)
            die("unexpected result");
        benchmark::DoNotOptimize(out);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["rounds"] = w.rounds;
}

// The client is the second MX host: include, a and both MX hosts are all
// evaluated before the pass.
void SpfWarmIncludeAMxPass(benchmark::State &state)
{
    bench_spf(state, "192.0.2.21", core::auth_result::PASS);
}
BENCHMARK(SpfWarmIncludeAMxPass);

// Nothing matches: the same work, then -all.
void SpfWarmIncludeAMxFail(benchmark::State &state)
{
    bench_spf(state, "192.0.2.99", core::auth_result::FAIL);
}
BENCHMARK(SpfWarmIncludeAMxFail);

// The include's ip4 matches first.
void SpfWarmIncludePass(benchmark::State &state)
{
    bench_spf(state, "198.51.100.7", core::auth_result::PASS);
}
BENCHMARK(SpfWarmIncludePass);

const char *const header_block_text =
    "Return-Path: <bounce-123@mail.example.com>\r\n"
    "Received: from mx2.example.com (mx2.example.com [192.0.2.21])\r\n"
    "\tby mx.receiver.example (Postfix) with ESMTPS id 4F2A1C0123\r\n"
    "\tfor <user@receiver.example>; Tue, 2 Jan 2024 10:00:00 +0000 (UTC)\r\n"
    "Received: from app01.internal.example.com (app01.internal.example.com [10.0.0.5])\r\n"
    "\tby mx2.example.com (Postfix) with ESMTP id 0A1B2C3D4E\r\n"
    "\tfor <user@receiver.example>; Tue, 2 Jan 2024 09:59:59 +0000 (UTC)\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\r\n"
    "\th=from:to:subject:date:message-id:mime-version:content-type;\r\n"
    "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    "\tb=dGVzdHNpZ25hdHVyZWRhdGFmb3JiZW5jaG1hcmtpbmdwdXJwb3Nlc29ubHk=\r\n"
    "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=example.com\r\n"
    "From: \"Example News\" <news@example.com>\r\n"
    "Sender: Example Mailer <mailer@mail.example.com>\r\n"
    "Reply-To: support@example.com\r\n"
    "To: user@receiver.example\r\n"
    "Subject: =?utf-8?q?Your_January_newsletter?=\r\n"
    "Date: Tue, 2 Jan 2024 09:59:58 +0000\r\n"
    "Message-ID: <20240102095958.123456@mail.example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "List-Unsubscribe: <mailto:unsubscribe@example.com>, <https://example.com/u/123>\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "body\r\n";

void PraSelection(benchmark::State &state)
{
    auto hb = core::parse_header_block(header_block_text);
    if (!hb)
        die("header block");
    for (auto _ : state) {
        auto r = core::select_pra(*hb);
        if (!r.found || r.address.domain != "mail.example.com")
            die("unexpected PRA");
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(PraSelection);

} // namespace

BENCHMARK_MAIN();
