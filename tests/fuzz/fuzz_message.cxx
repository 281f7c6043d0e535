// libFuzzer target: a whole message through the engine (adapters engine),
// DNS answered from a fixed zone: header parsing, the PRA, DKIM with
// libopendkim, DMARC, the policy. The whitelisted sender's SPF does not
// cover the client, and no fuzzed signature verifies against its key, so
// AUTHW_WL_AUTH is never deserved.
#include "fuzz_support.hxx"

#include "engine.hxx"
#include "zone_file.hxx"

using namespace authweight;

namespace {

constexpr const char *zone_json = R"({
  "friend.example": [["TXT", "v=spf1 ip4:192.0.2.1 -all"], ["A", "192.0.2.1"]],
  "_dmarc.friend.example": [["TXT", "v=DMARC1; p=reject"]],
  "sel._domainkey.friend.example": [["TXT", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]],
  "attacker.example": [["TXT", "v=spf1 ?all"], ["TXT", "spf2.0/pra ?all"]],
  "loop.example": [["TXT", "v=spf1 include:loop.example -all"]],
  "cname.example": [["CNAME", "cname.example"]]
})";

struct fixture {
    std::shared_ptr<const adapters::engine> eng;
    adapters::zone zone;
};

const fixture &setup()
{
    static const fixture f = [] {
        core::config cfg;
        cfg.whitelist = {"@friend.example", "boss@friend.example"};
        cfg.protected_domains = {"friend.example", "paypal.com"};
        auto eng = adapters::make_engine(cfg);
        auto zone = adapters::zone::parse(zone_json);
        fuzz::require(eng.has_value() && zone.has_value(), "fixture starts");
        return fixture{*eng, *zone};
    }();
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const auto &fx = setup();
    core::delivery_facts facts;
    facts.connection.client_ip = "203.0.113.66";
    facts.connection.helo = "attacker.example";
    facts.envelope.mail_from = "x@attacker.example";
    facts.message.assign(reinterpret_cast<const char *>(data), size);
    facts.has_message = true;
    auto ev = adapters::evaluation::create(fx.eng, std::move(facts));
    fuzz::require(ev.has_value(), "a valid IP and any message make an evaluation");
    const int max_rounds = fx.eng->cfg().max_dns_rounds;
    int steps = 0;
    while ((*ev)->step() == adapters::step_status::NEED_DNS) {
        fuzz::require(++steps <= max_rounds + 1, "evaluation ends within max_dns_rounds");
        for (const auto &q : (*ev)->pending())
            (*ev)->answer(q, fx.zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    }
    const auto &r = (*ev)->result();
    fuzz::require(r.auth.dkim.size() <= static_cast<std::size_t>(fx.eng->cfg().max_dkim_signatures),
                  "signatures examined within max_dkim_signatures");
    fuzz::require(r.verdict.find("AUTHW_WL_AUTH") == nullptr, "no whitelist bonus for a forged sender");
    return 0;
}
