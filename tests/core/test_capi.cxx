// The C ABI of plugin/authweight.h: argument checks, error codes and
// messages, the resumable DNS loop, and handle lifetimes.
#include "../../plugin/authweight.h"
#include "../testdata.hxx"

#include "authweight/symbols.hxx"
#include "json_io.hxx"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

// Last: CppUTest's leak-detector macros redefine new.
#include <CppUTest/TestHarness.h>

namespace {

/** Owns a char * the library returned. */
struct c_text {
    char *p{nullptr};
    size_t len{0};
    ~c_text() { authweight_free(p); }
    [[nodiscard]] std::string str() const { return p != nullptr ? std::string(p, len) : std::string{}; }
};

struct ctx_owner {
    authweight_ctx *p{nullptr};
    ~ctx_owner() { authweight_ctx_free(p); }
};

struct eval_owner {
    authweight_eval *p{nullptr};
    ~eval_owner() { authweight_eval_free(p); }
};

struct zone_rr {
    const char *name;
    const char *type;
    const char *record;
};

// A name listed with a NULL type exists but holds no records.
const zone_rr test_zone[] = {
    {"example.org", "A", "192.0.2.10"},
    {"example.org", "MX", "10 mail.example.org"},
    {"example.org", "TXT", "v=spf1 ip4:192.0.2.10 -all"},
    {"mail.example.org", "A", "192.0.2.10"},
    {"_dmarc.example.org", "TXT", "v=DMARC1; p=quarantine"},
    {"10.2.0.192.in-addr.arpa", "PTR", "mail.example.org"},
    {"23.100.51.198.in-addr.arpa", "PTR", "198-51-100-23.dyn.pool.isp.example"},
    {"198-51-100-23.dyn.pool.isp.example", "A", "198.51.100.23"},
};

/** Answer every pending query from test_zone. @return the first error. */
int answer_all(authweight_eval *ev)
{
    const size_t n = authweight_eval_query_count(ev);
    if (n == 0)
        return AUTHWEIGHT_E_INTERNAL; // NEED_DNS must come with queries
    for (size_t i = 0; i < n; ++i) {
        const char *name = nullptr, *type = nullptr;
        if (int rc = authweight_eval_query(ev, i, &name, &type); rc != AUTHWEIGHT_OK)
            return rc;
        // Copies: the pointers are only promised until the next step.
        const std::string qname{name}, qtype{type};
        std::vector<const char *> recs;
        bool name_exists = false;
        for (const auto &rr : test_zone) {
            if (qname != rr.name)
                continue;
            name_exists = true;
            if (qtype == rr.type)
                recs.push_back(rr.record);
        }
        const char *status = !recs.empty() ? "ok" : name_exists ? "nodata" : "nxdomain";
        if (int rc = authweight_eval_answer(ev, qname.c_str(), qtype.c_str(), status, recs.data(),
                                            recs.size());
            rc != AUTHWEIGHT_OK)
            return rc;
    }
    return AUTHWEIGHT_OK;
}

/** Step and answer until done; the report JSON, or "" on failure. */
std::string run_to_report(authweight_eval *ev)
{
    for (int round = 0; round < 40; ++round) {
        int rc = authweight_eval_step(ev);
        if (rc == AUTHWEIGHT_OK) {
            c_text json;
            if (authweight_eval_report_json(ev, &json.p, &json.len) != AUTHWEIGHT_OK)
                return {};
            return json.str();
        }
        if (rc != AUTHWEIGHT_NEED_DNS || answer_all(ev) != AUTHWEIGHT_OK)
            return {};
    }
    return {};
}

bool has_symbol(const nlohmann::json &report, const std::string &name)
{
    for (const auto &s : report.at("symbols"))
        if (s.at("name") == name)
            return true;
    return false;
}

std::string message_from(const std::string &from)
{
    std::string m = "From: " + from + "\r\n"
                    "To: you@recipient.example\r\n"
                    "Subject: Lunch on Friday?\r\n"
                    "Date: Thu, 26 Nov 2026 09:11:58 +0000\r\n"
                    "Message-ID: <capi-0001@example.org>\r\n"
                    "\r\n"
                    "Shall we meet at noon?\r\n";
    return m;
}

const char *const test_config =
    R"({"whitelist": ["friend@example.org"], "protected_domains": ["paypal.com"]})";

} // namespace

TEST_GROUP(c_abi)
{
};

TEST(c_abi, strerror_describes_every_code)
{
    struct test_case {
        int code;
        const char *contains;
    };
    static const test_case cases[] = {
        {AUTHWEIGHT_OK, "success"},
        {AUTHWEIGHT_NEED_DNS, "DNS"},
        {AUTHWEIGHT_E_INVAL, "argument"},
        {AUTHWEIGHT_E_CONFIG, "configuration"},
        {AUTHWEIGHT_E_INPUT, "input"},
        {AUTHWEIGHT_E_NOMEM, "memory"},
        {AUTHWEIGHT_E_INTERNAL, "internal"},
        {-99, "unknown"},
        {42, "unknown"},
    };
    std::set<std::string> seen;
    for (const auto &c : cases) {
        const char *s = authweight_strerror(c.code);
        CHECK_TRUE(s != nullptr);
        CHECK_TRUE(std::strstr(s, c.contains) != nullptr);
        seen.insert(s);
    }
    // Seven distinct descriptions plus one for unknown codes.
    CHECK_EQUAL(8u, seen.size());
    CHECK_TRUE(AUTHWEIGHT_NEED_DNS > 0);
    CHECK_TRUE(AUTHWEIGHT_E_INVAL < 0 && AUTHWEIGHT_E_CONFIG < 0 && AUTHWEIGHT_E_INPUT < 0
               && AUTHWEIGHT_E_NOMEM < 0 && AUTHWEIGHT_E_INTERNAL < 0);
}

TEST(c_abi, version_is_the_project_version)
{
    const std::string text = authweight::testing::read_file(AUTHWEIGHT_SOURCE_DIR "/CMakeLists.txt");
    std::smatch m;
    CHECK_TRUE(std::regex_search(text, m, std::regex(R"(project\(authweight\s+VERSION\s+([0-9.]+))")));
    STRCMP_EQUAL(m[1].str().c_str(), authweight_version());
    STRCMP_EQUAL(AUTHWEIGHT_VERSION_STRING, authweight_version());
}

TEST(c_abi, symbols_json_mirrors_the_contract)
{
    c_text json;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_symbols_json(&json.p, &json.len));
    CHECK_EQUAL(std::strlen(json.p), json.len);
    auto arr = nlohmann::json::parse(json.str());
    const auto syms = authweight::core::all_symbols();
    CHECK_TRUE(arr.is_array());
    CHECK_EQUAL(syms.size(), arr.size());
    for (size_t i = 0; i < syms.size() && i < arr.size(); ++i) {
        const auto &e = arr[i];
        STRCMP_EQUAL(std::string(syms[i].name).c_str(), e.at("name").get<std::string>().c_str());
        DOUBLES_EQUAL(syms[i].score, e.at("score").get<double>(), 1e-12);
        CHECK_EQUAL(syms[i].dynamic, e.at("dynamic").get<bool>());
        CHECK_EQUAL(syms[i].auth_derived, e.at("auth_derived").get<bool>());
        STRCMP_EQUAL(std::string(syms[i].description).c_str(), e.at("description").get<std::string>().c_str());
    }
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_symbols_json(nullptr, nullptr));
}

TEST(c_abi, schema_is_the_embedded_schema)
{
    const std::string embedded{authweight::adapters::config_schema_text()};
    STRCMP_EQUAL(embedded.c_str(), authweight_schema_json());
    CHECK_TRUE(nlohmann::json::parse(authweight_schema_json()).contains("properties"));
}

TEST(c_abi, null_and_out_of_range_arguments_are_einval)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(nullptr, 0, &ctx.p, nullptr));
    eval_owner ev;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, nullptr, 0, nullptr, 0, &ev.p, nullptr));

    authweight_ctx *c = nullptr;
    authweight_eval *e = nullptr;
    const char *name = nullptr, *type = nullptr;
    char *text = nullptr;
    const char *one[] = {nullptr};
    struct test_case {
        const char *what;
        std::function<int()> call;
    };
    const test_case cases[] = {
        {"ctx_new out NULL", [&] { return authweight_ctx_new("{}", 2, nullptr, nullptr); }},
        {"ctx_new config NULL, len 5", [&] { return authweight_ctx_new(nullptr, 5, &c, nullptr); }},
        {"eval_new ctx NULL", [&] { return authweight_eval_new(nullptr, "{}", 2, nullptr, 0, &e, nullptr); }},
        {"eval_new out NULL", [&] { return authweight_eval_new(ctx.p, "{}", 2, nullptr, 0, nullptr, nullptr); }},
        {"eval_new facts NULL, len 3", [&] { return authweight_eval_new(ctx.p, nullptr, 3, nullptr, 0, &e, nullptr); }},
        {"step NULL", [&] { return authweight_eval_step(nullptr); }},
        {"query NULL ev", [&] { return authweight_eval_query(nullptr, 0, &name, &type); }},
        {"query NULL name", [&] { return authweight_eval_query(ev.p, 0, nullptr, &type); }},
        {"query before step", [&] { return authweight_eval_query(ev.p, 0, &name, &type); }},
        {"answer NULL ev", [&] { return authweight_eval_answer(nullptr, "a.example", "A", "ok", nullptr, 0); }},
        {"answer NULL name", [&] { return authweight_eval_answer(ev.p, nullptr, "A", "ok", nullptr, 0); }},
        {"answer NULL type", [&] { return authweight_eval_answer(ev.p, "a.example", nullptr, "ok", nullptr, 0); }},
        {"answer NULL status", [&] { return authweight_eval_answer(ev.p, "a.example", "A", nullptr, nullptr, 0); }},
        {"answer records NULL, n 1", [&] { return authweight_eval_answer(ev.p, "a.example", "A", "ok", nullptr, 1); }},
        {"answer a NULL record", [&] { return authweight_eval_answer(ev.p, "a.example", "A", "ok", one, 1); }},
        {"answer unknown type", [&] { return authweight_eval_answer(ev.p, "a.example", "AXFR", "ok", nullptr, 0); }},
        {"answer unknown status", [&] { return authweight_eval_answer(ev.p, "a.example", "A", "maybe", nullptr, 0); }},
        {"report before done", [&] { return authweight_eval_report_json(ev.p, &text, nullptr); }},
        {"report NULL json", [&] { return authweight_eval_report_json(ev.p, nullptr, nullptr); }},
        {"report NULL ev", [&] { return authweight_eval_report_json(nullptr, &text, nullptr); }},
    };
    for (const auto &tc : cases) {
        c = nullptr;
        e = nullptr;
        int rc = tc.call();
        if (rc != AUTHWEIGHT_E_INVAL)
            FAIL(tc.what);
        CHECK_TRUE(c == nullptr && e == nullptr && text == nullptr);
    }
    CHECK_EQUAL(0u, authweight_eval_query_count(nullptr));
    // Freeing NULL is a no-op.
    authweight_ctx_free(nullptr);
    authweight_eval_free(nullptr);
    authweight_free(nullptr);
}

TEST(c_abi, config_errors_name_the_key)
{
    struct test_case {
        const char *config;
        int code;
        const char *contains; ///< in errmsg; nullptr: errmsg must be NULL
    };
    static const test_case cases[] = {
        {"{}", AUTHWEIGHT_OK, nullptr},
        {"", AUTHWEIGHT_OK, nullptr},
        {test_config, AUTHWEIGHT_OK, nullptr},
        {R"({"trust_budgett": 1})", AUTHWEIGHT_E_CONFIG, "trust_budgett"},
        {R"({"trust_budget": "lots"})", AUTHWEIGHT_E_CONFIG, "trust_budget"},
        {R"({"auth_source": "magic"})", AUTHWEIGHT_E_CONFIG, "auth_source"},
        {R"({"whitelist": "friend@example.org"})", AUTHWEIGHT_E_CONFIG, "whitelist"},
        {R"({"reputation": {"backend": "tape"}})", AUTHWEIGHT_E_CONFIG, "backend"},
        {R"({"trusted_arc_sealers": ["lists..example"]})", AUTHWEIGHT_E_CONFIG, "trusted_arc_sealers"},
        {R"({"trusted_arc_sealers": ["LISTS.Example.net", "file:///etc/sealers.map"]})", AUTHWEIGHT_OK, nullptr},
        {R"({"local_domains": ["bad domain.example"]})", AUTHWEIGHT_E_CONFIG, "local_domains"},
        {R"({"veto_score": "reject"})", AUTHWEIGHT_E_CONFIG, "veto_score"},
        {R"({"max_arc_instances": 51})", AUTHWEIGHT_E_CONFIG, "max_arc_instances"},
        {"{", AUTHWEIGHT_E_CONFIG, "config"},
        {"[1]", AUTHWEIGHT_E_CONFIG, ""},
    };
    for (const auto &c : cases) {
        authweight_ctx *ctx = nullptr;
        char *errmsg = nullptr;
        int rc = authweight_ctx_new(c.config, std::strlen(c.config), &ctx, &errmsg);
        const bool had_msg = errmsg != nullptr;
        const std::string msg = had_msg ? errmsg : "";
        const bool made = ctx != nullptr;
        authweight_free(errmsg);
        authweight_ctx_free(ctx);
        CHECK_EQUAL(c.code, rc);
        CHECK_EQUAL(rc == AUTHWEIGHT_OK, made);
        if (c.contains == nullptr) {
            CHECK_FALSE(had_msg);
        } else {
            CHECK_TRUE(!msg.empty());
            if (msg.find(c.contains) == std::string::npos)
                FAIL(("'" + msg + "' does not name " + c.contains).c_str());
        }
    }
}

TEST(c_abi, facts_errors_name_the_key)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &ctx.p, nullptr));
    struct test_case {
        const char *facts;
        int code;
        const char *contains;
    };
    static const test_case cases[] = {
        {R"({"ip": "192.0.2.10", "helo": "mail.example.org"})", AUTHWEIGHT_OK, nullptr},
        {R"({"ip": "999.1.1.1"})", AUTHWEIGHT_E_INPUT, "999.1.1.1"},
        {R"({"ip": 5})", AUTHWEIGHT_E_INPUT, "ip"},
        {R"({"colour": "blue"})", AUTHWEIGHT_E_INPUT, "colour"},
        {R"({"rcpt": "you@recipient.example"})", AUTHWEIGHT_E_INPUT, "rcpt"},
        {R"({"fcrdns": "yes"})", AUTHWEIGHT_E_INPUT, "fcrdns"},
        {R"({"external": [{"name": "R_SPF_ALLOW"}]})", AUTHWEIGHT_E_INPUT, "external"},
        {"[1]", AUTHWEIGHT_E_INPUT, "facts"},
        {"{\"ip\":", AUTHWEIGHT_E_INPUT, "facts"},
    };
    for (const auto &c : cases) {
        authweight_eval *ev = nullptr;
        char *errmsg = nullptr;
        int rc = authweight_eval_new(ctx.p, c.facts, std::strlen(c.facts), nullptr, 0, &ev, &errmsg);
        const bool had_msg = errmsg != nullptr;
        const std::string msg = had_msg ? errmsg : "";
        const bool made = ev != nullptr;
        authweight_free(errmsg);
        authweight_eval_free(ev);
        CHECK_EQUAL(c.code, rc);
        CHECK_EQUAL(rc == AUTHWEIGHT_OK, made);
        if (c.contains == nullptr) {
            CHECK_FALSE(had_msg);
        } else if (msg.find(c.contains) == std::string::npos) {
            FAIL(("'" + msg + "' does not name " + c.contains).c_str());
        }
    }
}

TEST(c_abi, dns_loop_reaches_a_verdict)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &ctx.p, nullptr));
    struct test_case {
        const char *label;
        const char *facts;
        bool with_message;
        bool tls;
        const char *must_have;   ///< symbol, or nullptr
        const char *must_lack;   ///< symbol, or nullptr
    };
    static const test_case cases[] = {
        {"friend over TLS",
         R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org",
             "tls_version":"TLSv1.3","tls_cipher":"TLS_AES_256_GCM_SHA384","rcpt":["you@recipient.example"]})",
         true, true, "AUTHW_TLS", "AUTHW_BOTNET_TLS"},
        {"botnet host with the friend's From",
         R"({"ip":"198.51.100.23","helo":"[198.51.100.23]","mail_from":"friend@example.org",
             "tls_version":"TLSv1.3","tls_cipher":"TLS_AES_128_GCM_SHA256"})",
         true, true, "AUTHW_BOTNET_TLS", "AUTHW_WL_AUTH"},
        {"no TLS, no message", R"({"ip":"192.0.2.10","mail_from":"friend@example.org"})", false, false,
         nullptr, "AUTHW_TLS"},
        {"no facts at all", "", false, false, nullptr, "AUTHW_WL_AUTH"},
    };
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");
    for (const auto &c : cases) {
        eval_owner ev;
        char *errmsg = nullptr;
        int rc = authweight_eval_new(ctx.p, c.facts, std::strlen(c.facts), c.with_message ? msg.data() : nullptr,
                                     msg.size(), &ev.p, &errmsg);
        authweight_free(errmsg);
        CHECK_EQUAL(AUTHWEIGHT_OK, rc);
        const std::string json = run_to_report(ev.p);
        if (json.empty())
            FAIL(c.label);
        auto r = nlohmann::json::parse(json);
        for (const char *key : {"spf", "senderid", "dkim", "dmarc", "tls", "symbols", "score"})
            CHECK_TRUE(r.contains(key));
        double sum = 0;
        for (const auto &s : r.at("symbols"))
            sum += s.at("score").get<double>();
        DOUBLES_EQUAL(sum, r.at("score").get<double>(), 1e-3);
        CHECK_EQUAL(c.tls, has_symbol(r, "AUTHW_TLS"));
        if (c.must_have != nullptr && !has_symbol(r, c.must_have))
            FAIL((std::string(c.label) + ": lacks " + c.must_have + " in " + json).c_str());
        if (c.must_lack != nullptr && has_symbol(r, c.must_lack))
            FAIL((std::string(c.label) + ": has " + c.must_lack + " in " + json).c_str());
        // Principle 4: no whitelist bonus without aligned authentication.
        if (has_symbol(r, "AUTHW_WL_AUTH"))
            CHECK_TRUE(r.at("dmarc").at("spf_aligned") == true || r.at("dmarc").at("dkim_aligned") == true);
        // Done is final.
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_step(ev.p));
        CHECK_EQUAL(0u, authweight_eval_query_count(ev.p));
        CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_answer(ev.p, "example.org", "A", "nxdomain", nullptr, 0));
    }
}

TEST(c_abi, query_strings_and_answers)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(nullptr, 0, &ctx.p, nullptr));
    eval_owner ev;
    const char *facts = R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org"})";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, facts, std::strlen(facts), nullptr, 0, &ev.p, nullptr));
    // An answer given ahead of any query is accepted; names are matched
    // without regard to case or a trailing dot.
    const char *spf[] = {"v=spf1 ip4:192.0.2.10 -all"};
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_answer(ev.p, "Example.ORG.", "txt", "OK", spf, 1));
    // An IP without its reverse name: the PTR lookup at least is needed.
    int rc = authweight_eval_step(ev.p);
    CHECK_EQUAL(AUTHWEIGHT_NEED_DNS, rc);
    if (rc == AUTHWEIGHT_NEED_DNS) {
        const size_t n = authweight_eval_query_count(ev.p);
        CHECK_TRUE(n > 0);
        const char *name = nullptr, *type = nullptr;
        CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_query(ev.p, n, &name, &type));
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_query(ev.p, 0, &name, &type));
        const std::string saved_name{name}, saved_type{type};
        CHECK_TRUE(authweight_eval_answer(ev.p, name, type, "tempfail", nullptr, 0) == AUTHWEIGHT_OK);
        // Still valid after an answer, until the next step.
        const char *name2 = nullptr, *type2 = nullptr;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_query(ev.p, 0, &name2, &type2));
        STRCMP_EQUAL(saved_name.c_str(), name);
        STRCMP_EQUAL(saved_type.c_str(), type2);
        // Every status word of dns.hxx is accepted.
        for (const char *status : {"ok", "nxdomain", "nodata", "tempfail", "malformed"})
            CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_answer(ev.p, "other.example", "A", status, nullptr, 0));
    }
    CHECK_FALSE(run_to_report(ev.p).empty());
}

TEST(c_abi, evaluation_outlives_its_context)
{
    authweight_ctx *ctx = nullptr;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &ctx, nullptr));
    eval_owner ev;
    const char *facts = R"({"ip":"192.0.2.10","mail_from":"friend@example.org"})";
    const std::string msg = message_from("friend@example.org");
    CHECK_EQUAL(AUTHWEIGHT_OK,
                authweight_eval_new(ctx, facts, std::strlen(facts), msg.data(), msg.size(), &ev.p, nullptr));
    authweight_ctx_free(ctx);
    const std::string json = run_to_report(ev.p);
    CHECK_FALSE(json.empty());
    CHECK_TRUE(nlohmann::json::parse(json).contains("score"));
}

TEST(c_abi, message_is_raw_bytes)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(nullptr, 0, &ctx.p, nullptr));
    // A NUL inside the body, and a length shorter than the buffer: only
    // msglen bytes are the message; the outcome is a verdict or E_INPUT.
    std::string msg = message_from("friend@example.org");
    msg.insert(msg.size() - 4, 1, '\0');
    msg += "From: intruder@evil.example\r\n";
    const size_t len = msg.size() - std::strlen("From: intruder@evil.example\r\n");
    eval_owner ev;
    char *errmsg = nullptr;
    int rc = authweight_eval_new(ctx.p, nullptr, 0, msg.data(), len, &ev.p, &errmsg);
    authweight_free(errmsg);
    CHECK_TRUE(rc == AUTHWEIGHT_OK || rc == AUTHWEIGHT_E_INPUT);
    if (rc == AUTHWEIGHT_OK) {
        auto r = nlohmann::json::parse(run_to_report(ev.p));
        CHECK_TRUE(r.at("from").at("address") == "friend@example.org");
    }
}

TEST(c_abi, trust_cap_over_a_whole_message)
{
    ctx_owner ctx;
    const char *cfg = R"({"trust_budget": 6.0})";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(cfg, std::strlen(cfg), &ctx.p, nullptr));
    struct test_case {
        const char *label;
        std::vector<const char *> names;
        std::vector<double> scores;
        double want;
    };
    const test_case cases[] = {
        {"nothing", {}, {}, 0.0},
        {"own and rspamd's within the budget", {"AUTHW_WL_AUTH", "R_SPF_ALLOW", "DMARC_POLICY_ALLOW"},
         {-4.0, -0.2, -0.5}, 0.0},
        // The friend of the integration test: -6.7 of authentication.
        {"authenticated friend",
         {"AUTHW_WL_AUTH", "AUTHW_ALIGNED", "AUTHW_SPF_PASS", "AUTHW_DKIM_PASS", "AUTHW_SENDERID_PASS",
          "R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW", "TEST_CONTENT"},
         {-4.0, -1.0, -0.3, -0.3, -0.2, -0.2, -0.2, -0.5, 5.0}, 0.7},
        // Its content alone over veto_score (15): all of it is given back.
        {"authenticated friend's spam",
         {"AUTHW_WL_AUTH", "AUTHW_ALIGNED", "AUTHW_SPF_PASS", "AUTHW_DKIM_PASS", "AUTHW_SENDERID_PASS",
          "R_SPF_ALLOW", "R_DKIM_ALLOW", "DMARC_POLICY_ALLOW", "TEST_SPAM_PHRASE"},
         {-4.0, -1.0, -0.3, -0.3, -0.2, -0.2, -0.2, -0.5, 20.0}, 6.7},
        {"WHITELIST_* is a prefix", {"WHITELIST_DMARC", "R_SPF_ALLOW"}, {-7.0, -0.2}, 1.2},
        {"content and non-trust symbols never count", {"MIME_GOOD", "BAYES_HAM", "AUTHW_TLS"}, {-0.1, -9.0, 0.0},
         0.0},
        {"own non-derived negatives never count", {"AUTHW_SPF_FAIL", "AUTHW_TRUST_CAP"}, {-8.0, -1.0}, 0.0},
    };
    for (const auto &c : cases) {
        double cap = -1.0;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_trust_cap(ctx.p, c.names.data(), c.scores.data(),
                                                             c.names.size(), &cap));
        if (std::fabs(cap - c.want) > 1e-9)
            FAIL((std::string(c.label) + ": cap " + std::to_string(cap)).c_str());
    }
    const char *names[] = {"R_SPF_ALLOW"};
    const double bad_scores[] = {NAN};
    const double scores[] = {-1.0};
    double cap = 0;
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_cap(nullptr, names, scores, 1, &cap));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_cap(ctx.p, names, scores, 1, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_cap(ctx.p, nullptr, scores, 1, &cap));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_cap(ctx.p, names, bad_scores, 1, &cap));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_cap(ctx.p, names, scores, 65537, &cap));
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_trust_cap(ctx.p, nullptr, nullptr, 0, &cap));
}

TEST(c_abi, trust_decision_names_the_veto)
{
    ctx_owner ctx;
    const char *cfg = R"({"veto_symbols": ["MY_VIRUS", "group:antivirus"], "veto_score": true})";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(cfg, std::strlen(cfg), &ctx.p, nullptr));
    struct test_case {
        const char *label;
        std::vector<const char *> names;
        std::vector<double> scores;
        std::vector<const char *> groups;
        double reject;
        double want_cap;
        const char *want_veto;
    };
    const test_case cases[] = {
        {"no veto", {"R_SPF_ALLOW", "SOME_RULE"}, {-0.5, 3.0}, {nullptr, nullptr}, 15.0, 0.0, nullptr},
        {"a veto symbol", {"R_SPF_ALLOW", "MY_VIRUS"}, {-0.5, 0.0}, {nullptr, nullptr}, 15.0, 0.5, "veto:MY_VIRUS"},
        {"a member of a veto group", {"R_SPF_ALLOW", "AV_HIT"}, {-0.5, 1.0}, {nullptr, "scanners antivirus"}, 15.0,
         0.5, "veto:AV_HIT"},
        {"the host's reject threshold", {"R_SPF_ALLOW", "SOME_RULE"}, {-0.5, 9.0}, {nullptr, nullptr}, 9.0, 0.5,
         "veto:score"},
        {"no threshold from the host: 15", {"R_SPF_ALLOW", "SOME_RULE"}, {-0.5, 9.0}, {nullptr, nullptr}, NAN, 0.0,
         nullptr},
    };
    for (const auto &c : cases) {
        double cap = -1.0;
        char *veto = nullptr;
        CHECK_EQUAL_TEXT(AUTHWEIGHT_OK,
                         authweight_ctx_trust_decision(ctx.p, c.names.data(), c.scores.data(), c.groups.data(),
                                                       c.names.size(), c.reject, &cap, &veto),
                         c.label);
        DOUBLES_EQUAL_TEXT(c.want_cap, cap, 1e-9, c.label);
        if (c.want_veto == nullptr)
            CHECK_TEXT(veto == nullptr, c.label);
        else
            STRCMP_EQUAL_TEXT(c.want_veto, veto, c.label);
        authweight_free(veto);
    }
    double cap = 0;
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_trust_decision(ctx.p, nullptr, nullptr, nullptr, 0, 0, nullptr,
                                                                  nullptr));
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_trust_decision(ctx.p, nullptr, nullptr, nullptr, 0, NAN, &cap, nullptr));
}

TEST(c_abi, unauth_strict_over_a_whole_message)
{
    ctx_owner off, on;
    const char *cfg_off = "{}";
    const char *cfg_on = R"({"unauthenticated_multiplier": 2.0, "unauthenticated_cap": 5.0})";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(cfg_off, std::strlen(cfg_off), &off.p, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(cfg_on, std::strlen(cfg_on), &on.p, nullptr));
    struct test_case {
        const char *label;
        authweight_ctx *const *ctx;
        std::vector<const char *> names;
        std::vector<double> scores;
        int aligned, smtp_auth;
        double want;
    };
    const test_case cases[] = {
        {"off by default", &off.p, {"TEST_PROMO"}, {3.0}, 0, 0, 0.0},
        {"unauthenticated content", &on.p, {"TEST_PROMO", "MIME_GOOD"}, {3.0, -0.1}, 0, 0, 3.0},
        {"capped", &on.p, {"TEST_SPAM_PHRASE"}, {20.0}, 0, 0, 5.0},
        {"aligned authentication", &on.p, {"TEST_PROMO"}, {3.0}, 1, 0, 0.0},
        {"SMTP AUTH submission", &on.p, {"TEST_PROMO"}, {3.0}, 0, 1, 0.0},
        {"own symbols are not content", &on.p, {"AUTHW_SPF_FAIL", "AUTHW_BOTNET_TLS"}, {2.0, 3.0}, 0, 0, 0.0},
    };
    for (const auto &c : cases) {
        double extra = -1.0;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_unauth_strict(*c.ctx, c.names.data(), c.scores.data(),
                                                                 c.names.size(), c.aligned, c.smtp_auth, &extra));
        if (std::fabs(extra - c.want) > 1e-9)
            FAIL((std::string(c.label) + ": extra " + std::to_string(extra)).c_str());
    }
    double extra = 0;
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_unauth_strict(nullptr, nullptr, nullptr, 0, 0, 0, &extra));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_unauth_strict(on.p, nullptr, nullptr, 0, 0, 0, nullptr));
}

// auth_source = "rspamd": results another module computed replace the
// native checks (Sender ID stays native).
TEST(c_abi, given_results_replace_the_native_checks)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &ctx.p, nullptr));
    struct test_case {
        const char *label;
        const char *facts;
        int code;
        const char *must_have;   ///< symbol, or the error text
        const char *must_lack;
    };
    static const test_case cases[] = {
        // The zone says SPF fails for this IP; the given pass wins.
        {"given SPF and DKIM pass",
         R"({"ip":"203.0.113.9","helo":"mail.example.org","mail_from":"friend@example.org",
             "spf":{"result":"pass","domain":"example.org","identity":"mailfrom"},
             "dkim":[{"domain":"example.org","selector":"s1","result":"pass"}],
             "dmarc":{"result":"pass","policy":"quarantine","from_domain":"example.org",
                      "spf_aligned":true,"dkim_aligned":true}})",
         AUTHWEIGHT_OK, "AUTHW_WL_AUTH", "AUTHW_SPF_FAIL"},
        {"given SPF fail", R"({"ip":"192.0.2.10","mail_from":"friend@example.org",
             "spf":{"result":"fail","domain":"example.org"},"dkim":[],
             "dmarc":{"result":"fail","policy":null,"from_domain":"example.org"}})",
         AUTHWEIGHT_OK, "AUTHW_WL_FORGED", "AUTHW_WL_AUTH"},
        {"no signatures", R"({"ip":"192.0.2.10","dkim":[]})", AUTHWEIGHT_OK, "AUTHW_DKIM_NONE", "AUTHW_DKIM_PASS"},
        {"bad result word", R"({"spf":{"result":"allow"}})", AUTHWEIGHT_E_INPUT, "spf.result", nullptr},
        {"bad identity", R"({"spf":{"result":"pass","identity":"pra"}})", AUTHWEIGHT_E_INPUT, "spf.identity", nullptr},
        {"dkim not an array", R"({"dkim":{"result":"pass"}})", AUTHWEIGHT_E_INPUT, "dkim", nullptr},
        {"unknown dkim key", R"({"dkim":[{"result":"pass","bh":"x"}]})", AUTHWEIGHT_E_INPUT, "dkim[0].bh", nullptr},
        {"bad policy", R"({"dmarc":{"result":"fail","policy":"drop"}})", AUTHWEIGHT_E_INPUT, "dmarc.policy", nullptr},
        {"bad alignment", R"({"dmarc":{"result":"pass","spf_aligned":"yes"}})", AUTHWEIGHT_E_INPUT,
         "dmarc.spf_aligned", nullptr},
    };
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");
    for (const auto &c : cases) {
        eval_owner ev;
        char *errmsg = nullptr;
        int rc = authweight_eval_new(ctx.p, c.facts, std::strlen(c.facts), msg.data(), msg.size(), &ev.p, &errmsg);
        const std::string err = errmsg != nullptr ? errmsg : "";
        authweight_free(errmsg);
        CHECK_EQUAL(c.code, rc);
        if (rc != AUTHWEIGHT_OK) {
            if (err.find(c.must_have) == std::string::npos)
                FAIL((std::string(c.label) + ": '" + err + "' does not name " + c.must_have).c_str());
            continue;
        }
        const std::string json = run_to_report(ev.p);
        if (json.empty())
            FAIL(c.label);
        auto r = nlohmann::json::parse(json);
        if (!has_symbol(r, c.must_have))
            FAIL((std::string(c.label) + ": lacks " + c.must_have + " in " + json).c_str());
        if (c.must_lack != nullptr && has_symbol(r, c.must_lack))
            FAIL((std::string(c.label) + ": has " + c.must_lack + " in " + json).c_str());
    }
}

TEST(c_abi, verdict_accessors_mirror_the_report)
{
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &ctx.p, nullptr));
    const char *facts = R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org",
                            "tls_version":"TLSv1.3","tls_cipher":"TLS_AES_256_GCM_SHA384"})";
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");
    eval_owner ev;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, facts, std::strlen(facts), msg.data(), msg.size(),
                                                   &ev.p, nullptr));
    // Not done yet: nothing to read.
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_summary(ev.p, nullptr, nullptr, nullptr));
    CHECK_EQUAL(0u, authweight_eval_symbol_count(ev.p));
    const char *ar = nullptr;
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_authentication_results(ev.p, &ar));
    const std::string json = run_to_report(ev.p);
    CHECK_FALSE(json.empty());
    auto r = nlohmann::json::parse(json);
    double score = 0;
    int aligned = -1, rounds = -1;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_summary(ev.p, &score, &aligned, &rounds));
    DOUBLES_EQUAL(r.at("score").get<double>(), score, 1e-3);
    CHECK_EQUAL(r.at("dns_rounds").get<int>(), rounds);
    const bool want_aligned = r.at("dmarc").at("spf_aligned") == true || r.at("dmarc").at("dkim_aligned") == true;
    CHECK_EQUAL(want_aligned ? 1 : 0, aligned);
    // The Authentication-Results value, without the report's JSON.
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_authentication_results(ev.p, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_authentication_results(ev.p, &ar));
    CHECK(ar != nullptr);
    STRCMP_EQUAL(r.at("authentication_results").get<std::string>().c_str(), ar);
    const auto &syms = r.at("symbols");
    CHECK_EQUAL(syms.size(), authweight_eval_symbol_count(ev.p));
    for (size_t i = 0; i < syms.size(); ++i) {
        const char *name = nullptr, *reason = nullptr;
        double s = 0;
        size_t nopts = 0;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_symbol(ev.p, i, &name, &s, &reason, &nopts));
        STRCMP_EQUAL(syms[i].at("name").get<std::string>().c_str(), name);
        STRCMP_EQUAL(syms[i].at("reason").get<std::string>().c_str(), reason);
        DOUBLES_EQUAL(syms[i].at("score").get<double>(), s, 1e-3);
        CHECK_EQUAL(syms[i].at("options").size(), nopts);
        for (size_t j = 0; j < nopts; ++j) {
            const char *opt = nullptr;
            CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_symbol_option(ev.p, i, j, &opt));
            STRCMP_EQUAL(syms[i].at("options")[j].get<std::string>().c_str(), opt);
        }
        const char *opt = nullptr;
        CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_symbol_option(ev.p, i, nopts, &opt));
    }
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_symbol(ev.p, syms.size(), nullptr, nullptr, nullptr, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_symbol(nullptr, 0, nullptr, nullptr, nullptr, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_summary(nullptr, nullptr, nullptr, nullptr));
}

TEST(c_abi, reputation_rescores_like_an_evaluation_that_had_the_counts)
{
    // authweight_eval_reputation scores the finished report again (policy
    // only, no check re-run): the result must be the report of an
    // evaluation that was given the same counts in its facts from the start.
    // No DNS cache: both evaluations ask for the same answers in as many rounds.
    const char *config = R"({"whitelist": ["friend@example.org"], "dns_cache_ttl": 0})";
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(config, std::strlen(config), &ctx.p, nullptr));
    const std::string facts = R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org",
        "tls_version":"TLSv1.3","tls_cipher":"TLS_AES_256_GCM_SHA384")";
    const std::string counts = R"({"example.org": {"spam": 40, "ham": 1}})";
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");

    eval_owner later;
    const std::string plain_facts = facts + "}";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, plain_facts.data(), plain_facts.size(), msg.data(),
                                                   msg.size(), &later.p, nullptr));
    const std::string before = run_to_report(later.p);
    CHECK_FALSE(before.empty());
    const auto rb = nlohmann::json::parse(before);
    CHECK_FALSE(has_symbol(rb, "AUTHW_REP_BAD"));
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_reputation(later.p, counts.data(), counts.size(), nullptr));
    c_text after_json;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_report_json(later.p, &after_json.p, &after_json.len));
    const auto ra = nlohmann::json::parse(after_json.str());

    eval_owner given;
    const std::string given_facts = facts + R"(, "reputation": )" + counts + "}";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, given_facts.data(), given_facts.size(), msg.data(),
                                                   msg.size(), &given.p, nullptr));
    const std::string gj = run_to_report(given.p);
    CHECK_FALSE(gj.empty());
    const auto rg = nlohmann::json::parse(gj);

    CHECK_TRUE(has_symbol(ra, "AUTHW_REP_BAD"));
    DOUBLES_EQUAL(rg.at("score").get<double>(), ra.at("score").get<double>(), 1e-9);
    CHECK_EQUAL(rg.at("symbols").size(), ra.at("symbols").size());
    for (size_t i = 0; i < rg.at("symbols").size(); ++i) {
        STRCMP_EQUAL(rg["symbols"][i].at("name").get<std::string>().c_str(),
                     ra["symbols"][i].at("name").get<std::string>().c_str());
        DOUBLES_EQUAL(rg["symbols"][i].at("score").get<double>(), ra["symbols"][i].at("score").get<double>(), 1e-9);
    }
    CHECK_EQUAL(rg.at("dns_rounds").get<int>(), ra.at("dns_rounds").get<int>());
    STRCMP_EQUAL(rg.at("authentication_results").get<std::string>().c_str(),
                 ra.at("authentication_results").get<std::string>().c_str());
    CHECK(rg.at("reputation") == ra.at("reputation"));
}

namespace {
/** Run an evaluation of the friend's message to its report, answering from
 *  test_zone, or every query with `status_all` when given; counts the
 *  queries the host was asked. */
size_t run_counting(authweight_ctx *ctx, const char *status_all, nlohmann::json *report)
{
    const char *facts = R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org"})";
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");
    eval_owner ev;
    if (authweight_eval_new(ctx, facts, std::strlen(facts), msg.data(), msg.size(), &ev.p, nullptr) !=
        AUTHWEIGHT_OK)
        return 0;
    size_t asked = 0;
    for (int round = 0; round < 40; ++round) {
        int rc = authweight_eval_step(ev.p);
        if (rc == AUTHWEIGHT_OK)
            break;
        const size_t n = authweight_eval_query_count(ev.p);
        asked += n;
        if (status_all == nullptr) {
            if (answer_all(ev.p) != AUTHWEIGHT_OK)
                return 0;
            continue;
        }
        std::vector<std::pair<std::string, std::string>> qs;
        for (size_t i = 0; i < n; ++i) {
            const char *name = nullptr, *type = nullptr;
            authweight_eval_query(ev.p, i, &name, &type);
            qs.emplace_back(name, type);
        }
        for (const auto &[name, type] : qs)
            authweight_eval_answer(ev.p, name.c_str(), type.c_str(), status_all, nullptr, 0);
    }
    c_text json;
    if (authweight_eval_report_json(ev.p, &json.p, &json.len) == AUTHWEIGHT_OK)
        *report = nlohmann::json::parse(json.str());
    return asked;
}
} // namespace

TEST(c_abi, dns_cache_answers_later_evaluations_never_a_failure)
{
    // Default config: the cache is on.
    ctx_owner cached;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &cached.p, nullptr));
    nlohmann::json first, second;
    const size_t asked = run_counting(cached.p, nullptr, &first);
    CHECK_TRUE(asked >= 3); // SPF, DKIM-less DMARC, FCrDNS at least
    CHECK_TRUE(has_symbol(first, "AUTHW_WL_AUTH"));
    CHECK_EQUAL(0u, run_counting(cached.p, nullptr, &second));
    CHECK_TRUE(first.at("symbols") == second.at("symbols"));
    CHECK_TRUE(first.at("spf") == second.at("spf"));
    CHECK_TRUE(first.at("dmarc") == second.at("dmarc"));

    // dns_cache_ttl = 0: every evaluation asks for everything.
    const char *off = R"({"whitelist": ["friend@example.org"], "dns_cache_ttl": 0})";
    ctx_owner uncached;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(off, std::strlen(off), &uncached.p, nullptr));
    CHECK_EQUAL(asked, run_counting(uncached.p, nullptr, &first));
    CHECK_EQUAL(asked, run_counting(uncached.p, nullptr, &second));

    // Temporary failures are not kept: the next message asks again and
    // then gets the real answers, not a remembered failure.
    ctx_owner failing;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(test_config, std::strlen(test_config), &failing.p, nullptr));
    CHECK_TRUE(run_counting(failing.p, "tempfail", &first) > 0);
    CHECK_TRUE(first.at("spf").at("result") == "temperror");
    CHECK_FALSE(has_symbol(first, "AUTHW_WL_AUTH"));
    CHECK_EQUAL(asked, run_counting(failing.p, nullptr, &second));
    CHECK_TRUE(has_symbol(second, "AUTHW_WL_AUTH"));
}

/** Step and answer from test_zone until done, noting every query asked as
 *  "name/type". @return the report, or "" on failure. */
static std::string run_noting_queries(authweight_eval *ev, std::vector<std::string> &asked)
{
    for (int round = 0; round < 40; ++round) {
        const int rc = authweight_eval_step(ev);
        if (rc == AUTHWEIGHT_OK)
            return run_to_report(ev);
        if (rc != AUTHWEIGHT_NEED_DNS)
            return {};
        for (size_t i = 0; i < authweight_eval_query_count(ev); ++i) {
            const char *name = nullptr, *type = nullptr;
            if (authweight_eval_query(ev, i, &name, &type) != AUTHWEIGHT_OK)
                return {};
            asked.push_back(std::string(name) + "/" + type);
        }
        if (answer_all(ev) != AUTHWEIGHT_OK)
            return {};
    }
    return {};
}

TEST(c_abi, ipv4_mapped_client_is_the_ipv4_client)
{
    // A dual-stack MTA reports an IPv4 peer as ::ffff:a.b.c.d (RFC 4291
    // 2.5.5.2): FCrDNS asks in-addr.arpa, SPF matches ip4:, the whitelist
    // and reputation see the same authentication, and the verdict is the
    // plain address's.
    // No DNS cache: each evaluation asks its own queries.
    const std::string config = R"({"dns_cache_ttl": 0, "whitelist": ["friend@example.org"]})";
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(config.data(), config.size(), &ctx.p, nullptr));
    const std::string msg = message_from("\"A Friend\" <friend@example.org>");
    for (const char *ip : {"192.0.2.10", "198.51.100.23"}) {
        nlohmann::json reports[2];
        std::vector<std::string> asked[2];
        const std::string ips[2] = {ip, std::string("::ffff:") + ip};
        for (int k = 0; k < 2; ++k) {
            const std::string facts = R"({"ip":")" + ips[k] +
                                      R"(","helo":"mail.example.org","mail_from":"friend@example.org"})";
            eval_owner ev;
            CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, facts.data(), facts.size(), msg.data(), msg.size(),
                                                           &ev.p, nullptr));
            const std::string json = run_noting_queries(ev.p, asked[k]);
            CHECK_FALSE_TEXT(json.empty(), ips[k].c_str());
            reports[k] = nlohmann::json::parse(json);
        }
        std::string both;
        for (int k = 0; k < 2; ++k) {
            both += "\n" + ips[k] + ":";
            for (const auto &q : asked[k])
                both += " " + q;
        }
        CHECK_TRUE_TEXT(asked[0] == asked[1], both.c_str());
        bool reverse_v4 = false;
        for (const auto &q : asked[1])
            reverse_v4 = reverse_v4 || q.ends_with(".in-addr.arpa/PTR");
        CHECK_TRUE_TEXT(reverse_v4, ip);
        for (const char *key : {"spf", "dmarc", "symbols", "score", "reputation"})
            CHECK_EQUAL_TEXT(reports[0].at(key).dump(), reports[1].at(key).dump(), key);
        // The friend's own server passes SPF and earns the whitelist bonus.
        const bool friend_server = std::string_view{ip} == "192.0.2.10";
        CHECK_EQUAL_TEXT(friend_server, reports[1].at("spf").at("result") == "pass", ip);
        CHECK_EQUAL_TEXT(friend_server, has_symbol(reports[1], "AUTHW_WL_AUTH"), ip);
    }
}

TEST(c_abi, zone_files_answer_an_evaluation)
{
    authweight_zone *zone = nullptr;
    char *errmsg = nullptr;
    CHECK_EQUAL(AUTHWEIGHT_E_NOTFOUND, authweight_zone_load("/nonexistent/zone.json", &zone, &errmsg));
    CHECK_TRUE(zone == nullptr);
    STRCMP_CONTAINS("/nonexistent/zone.json", errmsg);
    authweight_free(errmsg);
    const std::string path = std::string(AUTHWEIGHT_SOURCE_DIR) + "/examples/messages/zone.json";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_zone_load(path.c_str(), &zone, nullptr));

    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(nullptr, 0, &ctx.p, nullptr));
    const std::string facts = R"({"ip":"192.0.2.10","helo":"mail.example.org","mail_from":"friend@example.org"})";
    eval_owner ev;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, facts.data(), facts.size(), nullptr, 0, &ev.p, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_eval_answer_zone(ev.p, zone)); // nothing pending yet
    int rc = AUTHWEIGHT_OK;
    for (int round = 0; round < 40 && (rc = authweight_eval_step(ev.p)) == AUTHWEIGHT_NEED_DNS; ++round)
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_answer_zone(ev.p, zone));
    CHECK_EQUAL(AUTHWEIGHT_OK, rc);
    c_text json;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_report_json(ev.p, &json.p, &json.len));
    // examples/messages/zone.json: example.org's SPF passes for 192.0.2.10.
    CHECK_EQUAL(std::string("pass"), nlohmann::json::parse(json.str()).at("spf").at("result").get<std::string>());
    authweight_zone_free(zone);
    authweight_zone_free(nullptr);
}

namespace {

void collect_line(void *arg, const char *identity, const char *line, size_t len, const char *error)
{
    auto &out = *static_cast<std::vector<std::string> *>(arg);
    out.push_back(line != nullptr ? std::string(line, len) : std::string("error ") + identity + ": " + error);
}

} // namespace

TEST(c_abi, lmdb_stores_open_export_and_import)
{
    char tmpl[] = "/tmp/authweight-capi-XXXXXX";
    const char *dir = ::mkdtemp(tmpl);
    CHECK_TRUE(dir != nullptr);
    const std::string db = std::string(dir) + "/rep.mdb", copy = std::string(dir) + "/copy.mdb";
    ctx_owner ctx;
    const std::string config = R"({"reputation": {"backend": "none"}})";
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(config.data(), config.size(), &ctx.p, nullptr));
    STRCMP_EQUAL("none", authweight_ctx_rep_backend(ctx.p));
    STRCMP_EQUAL("none", authweight_ctx_rep_backend(nullptr));

    authweight_rep *rep = nullptr;
    char *errmsg = nullptr;
    // Read only: the file must exist.
    CHECK_EQUAL(AUTHWEIGHT_E_NOTFOUND, authweight_rep_open(ctx.p, db.c_str(), AUTHWEIGHT_REP_READ_ONLY, &rep, &errmsg));
    CHECK_TRUE(rep == nullptr);
    authweight_free(errmsg);
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_rep_open(ctx.p, db.c_str(), 64, &rep, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_STORE, authweight_rep_open(ctx.p, (std::string(dir) + "/no/such/dir/x.mdb").c_str(),
                                                        AUTHWEIGHT_REP_OPEN_NOW, &rep, nullptr));

    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_open(ctx.p, db.c_str(), AUTHWEIGHT_REP_OPEN_NOW, &rep, nullptr));
    STRCMP_EQUAL(("lmdb " + db).c_str(), authweight_rep_describe(rep));
    const char *ids[] = {"example.org", "example.net"};
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_learn(rep, ids, 2, "spam", 1700000000, 0, nullptr));
    std::vector<std::string> lines;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_export(rep, collect_line, &lines, nullptr));
    CHECK_EQUAL(2u, lines.size());
    authweight_rep_free(rep);

    // The lines go into another store unchanged; a bad line is refused alone.
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_open(ctx.p, copy.c_str(), 0, &rep, nullptr));
    for (const auto &l : lines)
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_import(rep, l.data(), l.size(), nullptr));
    const std::string bad = R"({"identity":"Not A Domain","record":{"v":1,"spam":1,"ham":0,"ts":1}})";
    CHECK_EQUAL(AUTHWEIGHT_E_INPUT, authweight_rep_import(rep, bad.data(), bad.size(), &errmsg));
    CHECK_TRUE(errmsg != nullptr);
    authweight_free(errmsg);
    size_t count = 0;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_flush(rep, &count, nullptr));
    CHECK_EQUAL(2u, count);
    std::vector<std::string> copied;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_rep_export(rep, collect_line, &copied, nullptr));
    std::sort(lines.begin(), lines.end());
    std::sort(copied.begin(), copied.end());
    CHECK_TRUE(lines == copied);
    authweight_rep_free(rep);
    std::filesystem::remove_all(dir);
}

TEST(c_abi, an_unknown_reverse_name_is_no_missing_one)
{
    // FCrDNS that could not be asked (the PTR lookup failed temporarily)
    // is unknown: the host gets no "no-rdns" mark for it, as it does when
    // the PTR name is known not to exist.
    const std::string config = R"({"dns_cache_ttl": 0})";
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(config.data(), config.size(), &ctx.p, nullptr));
    const std::string facts = R"({"ip":"203.0.113.7","helo":"mail.example.org","mail_from":"a@example.org"})";
    for (const char *ptr_status : {"tempfail", "nxdomain"}) {
        eval_owner ev;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_new(ctx.p, facts.data(), facts.size(), nullptr, 0, &ev.p, nullptr));
        int rc = AUTHWEIGHT_OK;
        for (int round = 0; round < 40 && (rc = authweight_eval_step(ev.p)) == AUTHWEIGHT_NEED_DNS; ++round) {
            for (size_t i = 0; i < authweight_eval_query_count(ev.p); ++i) {
                const char *name = nullptr, *type = nullptr;
                CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_query(ev.p, i, &name, &type));
                const std::string qname{name}, qtype{type};
                const char *status = qtype == "PTR" ? ptr_status : "nxdomain";
                CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_answer(ev.p, qname.c_str(), qtype.c_str(), status, nullptr, 0));
            }
        }
        CHECK_EQUAL(AUTHWEIGHT_OK, rc);
        c_text json;
        CHECK_EQUAL(AUTHWEIGHT_OK, authweight_eval_report_json(ev.p, &json.p, &json.len));
        const auto marks = nlohmann::json::parse(json.str()).at("host").at("marks").dump();
        const bool no_rdns = marks.find("no-rdns") != std::string::npos;
        CHECK_EQUAL_TEXT(std::string_view{ptr_status} == "nxdomain", no_rdns, (std::string(ptr_status) + ": " + marks).c_str());
    }
}

TEST(c_abi, config_json_is_the_config_with_its_defaults)
{
    const std::string config = R"({"trust_budget": 3, "whitelist": {}})";
    ctx_owner ctx;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(config.data(), config.size(), &ctx.p, nullptr));
    const char *json = nullptr;
    size_t len = 0;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_config_json(ctx.p, &json, &len));
    CHECK_EQUAL(std::strlen(json), len);
    const auto doc = nlohmann::json::parse(std::string(json, len));
    DOUBLES_EQUAL(3.0, doc.at("trust_budget").get<double>(), 0.0);          // given
    CHECK_TRUE(doc.at("whitelist").is_array() && doc.at("whitelist").empty()); // {} read as []
    CHECK_EQUAL(std::string("lmdb"), doc.at("reputation").at("backend").get<std::string>()); // a default
    // What it says is a config the library takes back as it is.
    ctx_owner again;
    CHECK_EQUAL(AUTHWEIGHT_OK, authweight_ctx_new(json, len, &again.p, nullptr));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_config_json(nullptr, &json, &len));
    CHECK_EQUAL(AUTHWEIGHT_E_INVAL, authweight_ctx_config_json(ctx.p, nullptr, &len));
}
