// The config reader: schemas/authweight.schema.json is the single place
// where keys, types and defaults live; parse_config must agree with it.
#include "json_io.hxx"

#include "authweight/config.hxx"

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <CppUTest/TestHarness.h>

using namespace authweight;
using json = nlohmann::json;

namespace {

/** Each schema key read back out of core::config as JSON. */
struct field {
    const char *key;
    std::function<json(const core::config &)> get;
};

const field fields[] = {
    {"enabled", [](const core::config &c) { return json(c.enabled); }},
    {"whitelist", [](const core::config &c) { return json(c.whitelist); }},
    {"protected_domains", [](const core::config &c) { return json(c.protected_domains); }},
    {"trust_budget", [](const core::config &c) { return json(c.trust_budget); }},
    {"trust_symbols", [](const core::config &c) { return json(c.trust_symbols); }},
    {"unauthenticated_multiplier", [](const core::config &c) { return json(c.unauthenticated_multiplier); }},
    {"unauthenticated_cap", [](const core::config &c) { return json(c.unauthenticated_cap); }},
    {"auth_source", [](const core::config &c) { return json(c.auth_source); }},
    {"max_dkim_signatures", [](const core::config &c) { return json(c.max_dkim_signatures); }},
    {"max_dns_rounds", [](const core::config &c) { return json(c.max_dns_rounds); }},
    {"dns_cache_ttl", [](const core::config &c) { return json(c.dns_cache_ttl); }},
    {"dns_cache_size", [](const core::config &c) { return json(c.dns_cache_size); }},
    {"trusted_authserv_ids", [](const core::config &c) { return json(c.trusted_authserv_ids); }},
    {"authserv_id", [](const core::config &c) { return json(c.authserv_id); }},
    {"protected_names", [](const core::config &c) { return json(c.protected_names); }},
    {"local_domains", [](const core::config &c) { return json(c.local_domains); }},
    {"trusted_arc_sealers", [](const core::config &c) { return json(c.trusted_arc_sealers); }},
    {"max_arc_instances", [](const core::config &c) { return json(c.max_arc_instances); }},
    {"veto_symbols", [](const core::config &c) { return json(c.veto_symbols); }},
    {"veto_score", [](const core::config &c) {
         using m = core::config::veto_mode;
         return c.veto_score_mode == m::VALUE ? json(c.veto_score) : json(c.veto_score_mode == m::REJECT_ACTION);
     }},
    {"reputation", [](const core::config &c) {
         const auto &r = c.reputation;
         const auto &a = r.actions;
         return json{{"backend", r.backend}, {"identity", r.identity}, {"half_life", r.half_life},
                     {"min_messages", r.min_messages}, {"max_count", r.max_count},
                     {"bad_threshold", r.bad_threshold}, {"good_threshold", r.good_threshold},
                     {"learn_weight", r.learn_weight},
                     {"actions", {{"reject", a.reject}, {"soft_reject", a.soft_reject},
                                  {"rewrite_subject", a.rewrite_subject}, {"add_header", a.add_header},
                                  {"greylist", a.greylist}, {"no_action", a.no_action}}},
                     {"lmdb_path", r.lmdb_path}, {"lmdb_map_size", r.lmdb_map_size},
                     {"lmdb_flush_interval", r.lmdb_flush_interval},
                     {"redis_prefix", r.redis_prefix}, {"redis_ttl", r.redis_ttl},
                     {"error_log_interval", r.error_log_interval}};
     }},
};

json schema()
{
    return json::parse(adapters::config_schema_text());
}

/** A property's default with its nested properties' defaults filled in. */
json full_default(const json &prop)
{
    json d = prop.at("default");
    if (d.is_object() && prop.contains("properties"))
        for (const auto &[k, sub] : prop["properties"].items())
            if (!d.contains(k) && sub.contains("default"))
                d[k] = full_default(sub);
    return d;
}

const field *find_field(const std::string &key)
{
    for (const auto &f : fields)
        if (key == f.key)
            return &f;
    return nullptr;
}

} // namespace

TEST_GROUP(config_schema){};

TEST(config_schema, empty_document_gives_every_schema_default)
{
    const auto s = schema();
    auto got = adapters::parse_config("{}");
    CHECK_TRUE(got.has_value());
    const core::config initialised{};
    std::size_t seen = 0;
    for (const auto &[key, prop] : s.at("properties").items()) {
        const field *f = find_field(key);
        CHECK_TEXT(f != nullptr, ("schema key without a test accessor: " + key).c_str());
        CHECK_TEXT(prop.contains("default"), ("schema key without a default: " + key).c_str());
        const json want = full_default(prop);
        const json from_parse = f->get(*got);
        const json from_struct = f->get(initialised);
        CHECK_TEXT(from_parse == want,
                   (key + ": parsed " + from_parse.dump() + ", schema " + want.dump()).c_str());
        CHECK_TEXT(from_struct == want,
                   (key + ": initialiser " + from_struct.dump() + ", schema " + want.dump()).c_str());
        ++seen;
    }
    CHECK_EQUAL(std::size(fields), seen);
}

TEST(config_schema, partial_document_keeps_other_defaults)
{
    auto got = adapters::parse_config(R"({"trust_budget": 2, "reputation": {}})");
    CHECK_TRUE(got.has_value());
    DOUBLES_EQUAL(2.0, got->trust_budget, 1e-12);
    const auto s = schema();
    const auto &props = s.at("properties");
    CHECK_TRUE(json(got->trust_symbols) == props.at("trust_symbols").at("default"));
    const auto &backend = props.at("reputation").at("properties").at("backend");
    STRCMP_EQUAL(backend.at("default").get<std::string>().c_str(), got->reputation.backend.c_str());
}

TEST(config_schema, empty_containers_take_the_kind_the_schema_wants)
{
    // {} where an array is wanted is [], and [] where an object is wanted
    // is {}: a Lua host's encoder cannot tell an empty table's kind.
    for (const char *text : {R"({"whitelist": {}, "reputation": []})", R"({"whitelist": [], "reputation": {}})", "[]"}) {
        auto got = adapters::parse_config(text);
        CHECK_TRUE_TEXT(got.has_value(), text);
        CHECK_TRUE_TEXT(got->whitelist.empty(), text);
        STRCMP_EQUAL_TEXT("lmdb", got->reputation.backend.c_str(), text);
    }
}

TEST(config_schema, rejects_invalid_documents_naming_the_key)
{
    struct test_case {
        const char *input;
        const char *want_message;
    };
    static const test_case cases[] = {
        {R"({"trust_budgett": 6})", "unknown key 'trust_budgett'"},
        {R"({"reputation": {"backend": "redis", "servers": "x"}})", "unknown key 'reputation.servers'"},
        {R"({"trust_budget": "6"})", "'trust_budget': expected number, got string"},
        {R"({"trust_budget": null})", "'trust_budget': expected number, got null"},
        {R"({"enabled": "yes"})", "'enabled': expected boolean, got string"},
        {R"({"enabled": 1})", "'enabled': expected boolean, got integer"},
        {R"({"whitelist": "boss@example.com"})", "'whitelist': expected array, got string"},
        {R"({"whitelist": ["boss@example.com", "@example.org", 3]})",
         "'whitelist[2]': expected string, got integer"},
        {R"({"protected_domains": [""]})", "'protected_domains[0]': must be at least 1 character long"},
        {R"({"max_dkim_signatures": 2.5})", "'max_dkim_signatures': expected integer, got number"},
        {R"({"max_dkim_signatures": "5"})", "'max_dkim_signatures': expected integer, got string"},
        {R"({"reputation": [1]})", "'reputation': expected object, got array"},
        {R"({"auth_source": "spamassassin"})", "'auth_source': must be one of native, rspamd"},
        {R"({"reputation": {"backend": "mysql"}})", "'reputation.backend': must be one of lmdb, redis, none"},
        {R"({"max_dkim_signatures": 0})", "'max_dkim_signatures': must be >= 1"},
        {R"({"max_dkim_signatures": 51})", "'max_dkim_signatures': must be <= 50"},
        {R"({"unauthenticated_multiplier": 0.5})", "'unauthenticated_multiplier': must be >= 1.0"},
        {R"({"trust_budget": -1})", "'trust_budget': must be >= 0"},
        {R"([1])", "expected object, got array"},
        {R"("trust_budget")", "expected object, got string"},
    };
    for (const auto &tc : cases) {
        auto got = adapters::parse_config(tc.input);
        CHECK_TEXT(!got.has_value(), tc.input);
        CHECK_EQUAL_TEXT(static_cast<int>(core::error_code::BAD_CONFIG),
                         static_cast<int>(got.error().code()), tc.input);
        STRCMP_EQUAL_TEXT(tc.want_message, got.error().message().c_str(), tc.input);
    }
}

TEST(config_schema, rejects_text_that_is_not_json)
{
    static const char *const cases[] = {"", "{", R"({"trust_budget": 6,})", "trust_budget = 6", "{} {}"};
    for (const char *input : cases) {
        auto got = adapters::parse_config(input);
        CHECK_TEXT(!got.has_value(), input);
        CHECK_EQUAL(static_cast<int>(core::error_code::BAD_CONFIG), static_cast<int>(got.error().code()));
        const std::string prefix = "config is not valid JSON: ";
        CHECK_TEXT(got.error().message().starts_with(prefix), got.error().message().c_str());
        CHECK_TEXT(got.error().message().size() > prefix.size(), input);
    }
}

// Bounds and enums are read from the schema, so every bounded key is tested
// at and just beyond each bound.
TEST(config_schema, every_bound_and_enum_of_the_schema_holds)
{
    const auto s = schema();
    int checked = 0;
    for (const auto &[key, prop] : s.at("properties").items()) {
        const bool integral = prop.contains("type") && prop["type"] == "integer";
        const double step = integral ? 1.0 : 0.5;
        for (const char *kw : {"minimum", "maximum"}) {
            if (!prop.contains(kw))
                continue;
            const double bound = prop[kw].get<double>();
            const bool is_min = kw[1] == 'i';
            const json at = integral ? json(static_cast<long>(bound)) : json(bound);
            const json beyond = integral ? json(static_cast<long>(bound + (is_min ? -step : step)))
                                         : json(bound + (is_min ? -step : step));
            auto ok = adapters::parse_config(json{{key, at}}.dump());
            CHECK_TEXT(ok.has_value(), (key + " at its " + kw).c_str());
            auto bad = adapters::parse_config(json{{key, beyond}}.dump());
            CHECK_TEXT(!bad.has_value(), (key + " beyond its " + kw).c_str());
            const std::string want = "'" + key + "': must be " + (is_min ? ">= " : "<= ") + prop[kw].dump();
            STRCMP_EQUAL(want.c_str(), bad.error().message().c_str());
            ++checked;
        }
        if (prop.contains("enum")) {
            for (const auto &choice : prop["enum"]) {
                auto ok = adapters::parse_config(json{{key, choice}}.dump());
                CHECK_TEXT(ok.has_value(), (key + " = " + choice.dump()).c_str());
                ++checked;
            }
            auto bad = adapters::parse_config(json{{key, "not-a-choice"}}.dump());
            CHECK_TEXT(!bad.has_value(), key.c_str());
            CHECK_TEXT(bad.error().message().starts_with("'" + key + "': must be one of "),
                       bad.error().message().c_str());
        }
    }
    CHECK_TRUE(checked >= 8);
}

TEST(config_schema, full_document_fills_every_field)
{
    auto got = adapters::parse_config(R"({
        "enabled": false,
        "whitelist": ["boss@example.com", "@partner.example", "*.bank.example"],
        "protected_domains": ["paypal.com", "bank.example"],
        "trust_budget": 3.5,
        "trust_symbols": ["R_SPF_ALLOW", "MY_*"],
        "unauthenticated_multiplier": 2.5,
        "unauthenticated_cap": 3,
        "auth_source": "rspamd",
        "max_dkim_signatures": 3,
        "max_dns_rounds": 4.0,
        "trusted_authserv_ids": ["mx.example.net"],
        "protected_names": ["PayPal"],
        "local_domains": ["receiver.example"],
        "trusted_arc_sealers": ["lists.example.org"],
        "max_arc_instances": 3,
        "veto_symbols": ["MY_VIRUS"],
        "veto_score": 12.5,
        "reputation": {"backend": "redis"}
    })");
    CHECK_TRUE(got.has_value());
    const auto &c = *got;
    CHECK_FALSE(c.enabled);
    CHECK_EQUAL(3u, c.whitelist.size());
    STRCMP_EQUAL("*.bank.example", c.whitelist[2].c_str());
    CHECK_EQUAL(2u, c.protected_domains.size());
    STRCMP_EQUAL("paypal.com", c.protected_domains[0].c_str());
    DOUBLES_EQUAL(3.5, c.trust_budget, 1e-12);
    CHECK_EQUAL(2u, c.trust_symbols.size());
    STRCMP_EQUAL("MY_*", c.trust_symbols[1].c_str());
    DOUBLES_EQUAL(2.5, c.unauthenticated_multiplier, 1e-12);
    DOUBLES_EQUAL(3.0, c.unauthenticated_cap, 1e-12);
    STRCMP_EQUAL("rspamd", c.auth_source.c_str());
    CHECK_EQUAL(3, c.max_dkim_signatures);
    // JSON Schema: 4.0 is an integer.
    CHECK_EQUAL(4, c.max_dns_rounds);
    CHECK_EQUAL(1u, c.trusted_authserv_ids.size());
    STRCMP_EQUAL("mx.example.net", c.trusted_authserv_ids[0].c_str());
    STRCMP_EQUAL("redis", c.reputation.backend.c_str());
    STRCMP_EQUAL("PayPal", c.protected_names.at(0).c_str());
    STRCMP_EQUAL("receiver.example", c.local_domains.at(0).c_str());
    STRCMP_EQUAL("lists.example.org", c.trusted_arc_sealers.at(0).c_str());
    CHECK_EQUAL(3, c.max_arc_instances);
    CHECK_EQUAL(1u, c.veto_symbols.size());
    CHECK_TRUE(c.veto_score_mode == core::config::veto_mode::VALUE);
    DOUBLES_EQUAL(12.5, c.veto_score, 1e-12);
}

TEST(config_schema, veto_score_is_the_reject_action_by_default_and_false_turns_it_off)
{
    auto dflt = adapters::parse_config("{}");
    CHECK_TRUE(dflt.has_value());
    CHECK_TRUE(dflt->veto_score_mode == core::config::veto_mode::REJECT_ACTION);
    CHECK_TRUE(std::find(dflt->veto_symbols.begin(), dflt->veto_symbols.end(), "group:antivirus") !=
               dflt->veto_symbols.end());
    auto off = adapters::parse_config(R"({"veto_score": false})");
    CHECK_TRUE(off.has_value());
    CHECK_TRUE(off->veto_score_mode == core::config::veto_mode::OFF);
    auto bad = adapters::parse_config(R"({"veto_score": "reject"})");
    CHECK_FALSE(bad.has_value());
    STRCMP_EQUAL("'veto_score': expected number or boolean, got string", bad.error().message().c_str());
}

// The other JSON of json_io: delivery facts in, the report out.
TEST_GROUP(json_io){};

TEST(json_io, facts_fill_every_field)
{
    auto got = adapters::parse_facts(R"({
        "ip": "192.0.2.1", "helo": "mail.example.com", "hostname": "mail.example.com",
        "fcrdns": true, "tls_version": "TLSv1.3", "tls_cipher": "TLS_AES_128_GCM_SHA256",
        "tls_source": "mta", "user": "alice", "mail_from": "", "rcpt": ["a@b.example", "c@d.example"],
        "message": "From: a@b.example\r\n\r\nhi\r\n",
        "external": [{"name": "R_SPF_ALLOW", "score": -0.2}, {"name": "WHITELIST_X", "score": -3}]
    })");
    CHECK_TRUE(got.has_value());
    const auto &c = got->connection;
    STRCMP_EQUAL("192.0.2.1", c.client_ip.c_str());
    STRCMP_EQUAL("mail.example.com", c.helo.c_str());
    STRCMP_EQUAL("mail.example.com", c.hostname.c_str());
    CHECK_TRUE(c.fcrdns.has_value() && *c.fcrdns);
    STRCMP_EQUAL("TLSv1.3", c.tls_version.c_str());
    STRCMP_EQUAL("TLS_AES_128_GCM_SHA256", c.tls_cipher.c_str());
    STRCMP_EQUAL("mta", c.tls_source.c_str());
    STRCMP_EQUAL("alice", c.auth_user.c_str());
    // "" is the null sender, not "not given"
    CHECK_TRUE(got->envelope.mail_from.has_value());
    STRCMP_EQUAL("", got->envelope.mail_from->c_str());
    CHECK_EQUAL(2u, got->envelope.rcpt.size());
    CHECK_TRUE(got->has_message);
    STRCMP_EQUAL("From: a@b.example\r\n\r\nhi\r\n", got->message.c_str());
    CHECK_EQUAL(2u, got->external.size());
    STRCMP_EQUAL("WHITELIST_X", got->external[1].name.c_str());
    DOUBLES_EQUAL(-3.0, got->external[1].score, 1e-12);

    auto empty = adapters::parse_facts("{}");
    CHECK_TRUE(empty.has_value());
    CHECK_FALSE(empty->envelope.mail_from.has_value());
    CHECK_FALSE(empty->connection.fcrdns.has_value());
    CHECK_FALSE(empty->has_message);

    auto as_object = adapters::parse_facts(R"({"external": {"R_DKIM_ALLOW": -0.5}})");
    CHECK_TRUE(as_object.has_value());
    CHECK_EQUAL(1u, as_object->external.size());
    STRCMP_EQUAL("R_DKIM_ALLOW", as_object->external[0].name.c_str());
    DOUBLES_EQUAL(-0.5, as_object->external[0].score, 1e-12);
}

TEST(json_io, facts_take_any_bytes_and_either_empty_container)
{
    // A host's encoder may pass an envelope's bytes through (ill-formed
    // UTF-8 is read as U+FFFD), and write an empty table as {} or [].
    auto got = adapters::parse_facts("{\"helo\": \"a\xff\xc0" "b\", \"rcpt\": {}, \"spf\": [], \"reputation\": []}");
    CHECK_TRUE(got.has_value());
    STRCMP_EQUAL("a\xef\xbf\xbd\xef\xbf\xbd" "b", got->connection.helo.c_str());
    CHECK_TRUE(got->reputation.empty());
    CHECK_TRUE(adapters::parse_facts("[]").has_value());
}

TEST(json_io, bad_facts_name_the_key)
{
    struct test_case {
        const char *input;
        const char *want_message;
    };
    static const test_case cases[] = {
        {R"({"ipp": "192.0.2.1"})", "unknown fact 'ipp'"},
        {R"({"ip": 3})", "'ip': expected string, got integer"},
        {R"({"fcrdns": "yes"})", "'fcrdns': expected boolean, got string"},
        {R"({"mail_from": false})", "'mail_from': expected string, got boolean"},
        {R"({"rcpt": "a@b.example"})", "'rcpt': expected array, got string"},
        {R"({"rcpt": ["a@b.example", 7]})", "'rcpt[1]': expected string, got integer"},
        {R"({"message": {}})", "'message': expected string, got object"},
        {R"({"external": 1})", "'external': expected array or object, got integer"},
        {R"({"external": [{"name": "X"}]})", "'external[0]': needs both name and score"},
        {R"({"external": [{"name": "X", "score": "1"}]})",
         "'external[0].score': expected a finite number, got string"},
        {R"({"external": [{"name": "X", "score": 1, "why": ""}]})", "unknown fact 'external[0].why'"},
        {R"({"external": {"X": null}})", "'external.X': expected a finite number, got null"},
        {R"({"external": {"": 1}})", "'external': empty symbol name"},
        {R"([1])", "facts: expected object, got array"},
    };
    for (const auto &tc : cases) {
        auto got = adapters::parse_facts(tc.input);
        CHECK_TEXT(!got.has_value(), tc.input);
        CHECK_EQUAL_TEXT(static_cast<int>(core::error_code::BAD_INPUT),
                         static_cast<int>(got.error().code()), tc.input);
        STRCMP_EQUAL_TEXT(tc.want_message, got.error().message().c_str(), tc.input);
    }
    auto not_json = adapters::parse_facts("{ip: 1}");
    CHECK_FALSE(not_json.has_value());
    CHECK_TRUE(not_json.error().message().starts_with("facts are not valid JSON: "));
}

TEST(json_io, report_has_the_contract_fields)
{
    adapters::report r;
    r.auth.spf = {core::auth_result::PASS, "example.com", "mailfrom", "ip4 matched"};
    r.auth.senderid.result = core::auth_result::SOFTFAIL;
    r.auth.senderid.pra = "a@example.com";
    r.auth.senderid.mfrom_result = core::auth_result::TEMPERROR;
    r.auth.dkim.push_back({"example.com", "s1", "ed25519-sha256", core::auth_result::FAIL, true, ""});
    r.auth.dmarc.result = core::auth_result::NONE;
    r.auth.dmarc.from_domain = "example.com";
    r.auth.dmarc.spf_aligned = true;
    r.tls.version_text = "TLSv1";
    r.tls.cipher = "DES-CBC3-SHA";
    r.tls.source = "mta";
    r.tls.legacy = true;
    r.from.status = core::from_status::SINGLE;
    r.from.author.local_part = "a";
    r.from.author.domain = "example.com";
    r.lookalikes.push_back({"paypa1.com", "paypal.com", core::lookalike_form::DIGIT});
    r.whitelist_entry = "@example.com";
    r.dns_rounds = 3;
    // 0.1 + 0.2 is 0.30000000000000004 in binary; the report rounds it.
    r.verdict.symbols.push_back({"AUTHW_TLS_LEGACY", 0.1 + 0.2, "TLSv1", {"TLSv1", "DES-CBC3-SHA"}});
    r.verdict.symbols.push_back({"AUTHW_SPF_PASS", -0.3, "pass\n\xff", {}});
    r.verdict.score = -0.0;

    const auto text = adapters::report_to_json(r);
    CHECK_TRUE(text.find('\n') == std::string::npos);
    CHECK_TRUE(text.find("0.30000000000000004") == std::string::npos);
    const auto j = json::parse(text);
    const char *const order[] = {"spf", "senderid", "dkim", "dmarc", "arc", "tls", "symbols", "score",
                                 "from", "host", "lookalikes", "whitelist", "dns_rounds",
                                 "authentication_results", "upstream_authentication_results",
                                 "reputation"};
    CHECK_EQUAL(std::size(order), j.size());
    // Contract order: spf first, the extras after score.
    CHECK_TRUE(text.starts_with(R"({"spf":{"result":"pass","domain":"example.com","identity":"mailfrom"})"));
    CHECK_TRUE(text.find("\"score\":0.0,\"from\"") != std::string::npos);
    for (const char *key : order)
        CHECK_TEXT(j.contains(key), key);
    STRCMP_EQUAL("softfail", j["senderid"]["result"].get<std::string>().c_str());
    STRCMP_EQUAL("temperror", j["senderid"]["mfrom_result"].get<std::string>().c_str());
    STRCMP_EQUAL("fail", j["dkim"][0]["result"].get<std::string>().c_str());
    STRCMP_EQUAL("ed25519-sha256", j["dkim"][0]["algorithm"].get<std::string>().c_str());
    CHECK_TRUE(j["dmarc"]["policy"].is_null());
    CHECK_TRUE(j["dmarc"]["spf_aligned"].get<bool>());
    CHECK_TRUE(j["tls"]["legacy"].get<bool>());
    STRCMP_EQUAL("none", j["arc"]["result"].get<std::string>().c_str());
    CHECK_TRUE(j["arc"]["sealers"].is_array());
    CHECK_EQUAL(0, j["arc"]["instance"].get<int>());
    DOUBLES_EQUAL(0.3, j["symbols"][0]["score"].get<double>(), 0.0);
    CHECK_EQUAL(2u, j["symbols"][0]["options"].size());
    STRCMP_EQUAL("a@example.com", j["from"]["address"].get<std::string>().c_str());
    STRCMP_EQUAL("digit", j["lookalikes"][0]["form"].get<std::string>().c_str());
    STRCMP_EQUAL("@example.com", j["whitelist"].get<std::string>().c_str());
    CHECK_EQUAL(3, j["dns_rounds"].get<int>());

    r.auth.dmarc.policy = core::dmarc_policy::REJECT;
    r.whitelist_entry.reset();
    const auto j2 = json::parse(adapters::report_to_json(r, 2));
    STRCMP_EQUAL("reject", j2["dmarc"]["policy"].get<std::string>().c_str());
    CHECK_TRUE(j2["whitelist"].is_null());

    const auto q = json::parse(adapters::queries_to_json({{"example.com", core::dns_type::TXT},
                                                          {"_dmarc.example.com", core::dns_type::TXT}}));
    CHECK_EQUAL(2u, q.size());
    STRCMP_EQUAL("_dmarc.example.com", q[1]["name"].get<std::string>().c_str());
    STRCMP_EQUAL("TXT", q[1]["type"].get<std::string>().c_str());
}
