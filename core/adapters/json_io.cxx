#include "json_io.hxx"

#include "facts_reader.hxx"

#include "authweight/results.hxx"
#include "authweight/rfc5322.hxx"
#include "authweight/text.hxx"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace authweight::adapters {

namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;
using core::error_code;
using core::fail;

/** nlohmann prefixes "[json.exception.parse_error.101] "; the rest is the useful part. */
std::string parse_detail(const std::exception &e)
{
    std::string msg = e.what();
    if (msg.starts_with("[json.exception.")) {
        auto close = msg.find("] ");
        if (close != std::string::npos)
            msg.erase(0, close + 2);
    }
    return msg;
}

std::string type_name(const json &v)
{
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: break;
    }
    return "nothing";
}

/** "'path': text", or just "text" at the document root. */
std::string at_path(const std::string &path, const std::string &text)
{
    return path.empty() ? text : "'" + path + "': " + text;
}

std::string child_path(const std::string &path, const std::string &key)
{
    return path.empty() ? key : path + "." + key;
}

bool finite_number(const json &v)
{
    return v.is_number() && std::isfinite(v.get<double>());
}

// ---------------------------------------------------------------------------
// A JSON Schema interpreter for the keywords schemas/authweight.schema.json
// uses. It walks the schema, so adding a key there needs no change here; a
// keyword it does not know is reported rather than silently skipped, so a
// schema change can never weaken validation unnoticed.
// ---------------------------------------------------------------------------

const std::set<std::string, std::less<>> annotation_keywords{
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
};

class schema_checker {
public:
    /** @return BAD_CONFIG naming the path, or INTERNAL for a schema it cannot read. */
    [[nodiscard]] core::result<void> check(const json &schema, const json &value,
                                           const std::string &path) const
    {
        if (schema.is_boolean()) {
            if (schema.get<bool>())
                return {};
            return fail(error_code::BAD_CONFIG, at_path(path, "not allowed"));
        }
        if (!schema.is_object())
            return fail(error_code::INTERNAL, "config schema: a schema at '" + path + "' is not an object");
        for (const auto &[kw, arg] : schema.items()) {
            if (annotation_keywords.contains(kw) || kw == "type" || kw == "enum" ||
                kw == "minimum" || kw == "maximum" || kw == "minLength" ||
                kw == "properties" || kw == "additionalProperties" || kw == "items")
                continue;
            return fail(error_code::INTERNAL, "config schema: unsupported keyword '" + kw + "'");
        }

        if (auto it = schema.find("type"); it != schema.end())
            if (auto r = check_type(*it, value, path); !r)
                return r;
        if (auto it = schema.find("enum"); it != schema.end())
            if (auto r = check_enum(*it, value, path); !r)
                return r;
        if (value.is_number())
            if (auto r = check_bounds(schema, value, path); !r)
                return r;
        if (value.is_string())
            if (auto it = schema.find("minLength"); it != schema.end()) {
                if (!it->is_number_unsigned())
                    return fail(error_code::INTERNAL, "config schema: bad minLength at '" + path + "'");
                auto min = it->get<std::size_t>();
                if (core::text::utf8_length(value.get_ref<const std::string &>()) < min)
                    return fail(error_code::BAD_CONFIG,
                                at_path(path, "must be at least " + std::to_string(min) +
                                                  (min == 1 ? " character long" : " characters long")));
            }
        if (value.is_object())
            if (auto r = check_object(schema, value, path); !r)
                return r;
        if (value.is_array())
            if (auto it = schema.find("items"); it != schema.end()) {
                std::size_t i = 0;
                for (const auto &elem : value) {
                    if (auto r = check(*it, elem, path + "[" + std::to_string(i) + "]"); !r)
                        return r;
                    ++i;
                }
            }
        return {};
    }

    /** An empty container takes the kind the schema wants, recursively:
     *  {} where it wants an array (and no object) is [], and [] where it
     *  wants an object (and no array) is {}. A Lua host's encoder cannot
     *  tell an empty table's kind (lua-cjson writes {}, rspamd's ucl []). */
    void settle_empty_containers(const json &schema, json &value) const
    {
        if (!schema.is_object())
            return;
        if (value.empty() && (value.is_object() || value.is_array())) {
            if (auto t = schema.find("type"); t != schema.end()) {
                if (value.is_object() && wants(*t, "array") && !wants(*t, "object"))
                    value = json::array();
                else if (value.is_array() && wants(*t, "object") && !wants(*t, "array"))
                    value = json::object();
            }
            return;
        }
        if (value.is_object())
            if (auto props = schema.find("properties"); props != schema.end() && props->is_object())
                for (auto &[key, sub] : value.items())
                    if (auto p = props->find(key); p != props->end())
                        settle_empty_containers(*p, sub);
        if (value.is_array())
            if (auto items = schema.find("items"); items != schema.end())
                for (auto &elem : value)
                    settle_empty_containers(*items, elem);
    }

    /** Insert every missing property's "default", recursively. */
    void apply_defaults(const json &schema, json &value) const
    {
        if (!schema.is_object())
            return;
        if (value.is_object())
            if (auto props = schema.find("properties"); props != schema.end() && props->is_object())
                for (const auto &[key, sub] : props->items()) {
                    if (!value.contains(key) && sub.is_object() && sub.contains("default"))
                        value[key] = sub["default"];
                    if (value.contains(key))
                        apply_defaults(sub, value[key]);
                }
        if (value.is_array())
            if (auto items = schema.find("items"); items != schema.end())
                for (auto &elem : value)
                    apply_defaults(*items, elem);
    }

private:
    [[nodiscard]] static bool wants(const json &type, std::string_view t)
    {
        if (type.is_string())
            return type.get_ref<const std::string &>() == t;
        if (type.is_array())
            for (const auto &e : type)
                if (e.is_string() && e.get_ref<const std::string &>() == t)
                    return true;
        return false;
    }

    [[nodiscard]] static bool has_type(const json &v, std::string_view t)
    {
        if (t == "object") return v.is_object();
        if (t == "array") return v.is_array();
        if (t == "string") return v.is_string();
        if (t == "boolean") return v.is_boolean();
        if (t == "null") return v.is_null();
        if (t == "number") return finite_number(v);
        // JSON Schema: an integer is any number with a zero fractional part (1.0 counts).
        if (t == "integer")
            return v.is_number_integer() ||
                   (finite_number(v) && std::trunc(v.get<double>()) == v.get<double>());
        return false;
    }

    [[nodiscard]] static core::result<void> check_type(const json &t, const json &value,
                                                       const std::string &path)
    {
        static const std::set<std::string, std::less<>> known{"object", "array", "string", "boolean",
                                                              "null", "number", "integer"};
        std::vector<std::string> wanted;
        if (t.is_string())
            wanted.push_back(t.get<std::string>());
        else if (t.is_array())
            for (const auto &e : t)
                if (e.is_string())
                    wanted.push_back(e.get<std::string>());
        if (wanted.empty())
            return fail(error_code::INTERNAL, "config schema: bad type at '" + path + "'");
        std::string list;
        for (const auto &w : wanted) {
            if (!known.contains(w))
                return fail(error_code::INTERNAL, "config schema: unknown type '" + w + "'");
            if (has_type(value, w))
                return {};
            list += (list.empty() ? "" : " or ") + w;
        }
        return fail(error_code::BAD_CONFIG, at_path(path, "expected " + list + ", got " + type_name(value)));
    }

    [[nodiscard]] static core::result<void> check_enum(const json &e, const json &value,
                                                       const std::string &path)
    {
        if (!e.is_array())
            return fail(error_code::INTERNAL, "config schema: bad enum at '" + path + "'");
        std::string list;
        for (const auto &choice : e) {
            if (choice == value)
                return {};
            list += list.empty() ? "" : ", ";
            list += choice.is_string() ? choice.get<std::string>() : choice.dump();
        }
        return fail(error_code::BAD_CONFIG, at_path(path, "must be one of " + list));
    }

    [[nodiscard]] static core::result<void> check_bounds(const json &schema, const json &value,
                                                         const std::string &path)
    {
        if (!finite_number(value))
            return fail(error_code::BAD_CONFIG, at_path(path, "must be a finite number"));
        const double v = value.get<double>();
        for (const char *kw : {"minimum", "maximum"}) {
            auto it = schema.find(kw);
            if (it == schema.end())
                continue;
            if (!finite_number(*it))
                return fail(error_code::INTERNAL,
                            std::string("config schema: bad ") + kw + " at '" + path + "'");
            const double bound = it->get<double>();
            const bool is_min = kw[1] == 'i';
            if (is_min ? v < bound : v > bound)
                return fail(error_code::BAD_CONFIG,
                            at_path(path, std::string("must be ") + (is_min ? ">= " : "<= ") + it->dump()));
        }
        return {};
    }

    [[nodiscard]] core::result<void> check_object(const json &schema, const json &value,
                                                  const std::string &path) const
    {
        const json empty = json::object();
        auto props_it = schema.find("properties");
        const json &props = props_it != schema.end() ? *props_it : empty;
        if (!props.is_object())
            return fail(error_code::INTERNAL, "config schema: bad properties at '" + path + "'");
        auto extra_it = schema.find("additionalProperties");
        for (const auto &[key, sub] : value.items()) {
            const auto where = child_path(path, key);
            if (auto p = props.find(key); p != props.end()) {
                if (auto r = check(*p, sub, where); !r)
                    return r;
                continue;
            }
            if (extra_it == schema.end())
                continue;
            if (extra_it->is_boolean() && !extra_it->get<bool>())
                return fail(error_code::BAD_CONFIG, "unknown key '" + where + "'");
            if (auto r = check(*extra_it, sub, where); !r)
                return r;
        }
        return {};
    }
};

/** @param what the start of the message, e.g. "config is not valid JSON" */
core::result<json> parse_json(std::string_view text, std::string_view what, error_code code)
{
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception &e) {
        return fail(code, std::string(what) + ": " + parse_detail(e));
    }
}

/** JSON from a message's facts: a host's encoder may pass a message's
 *  bytes through unchecked, so ill-formed UTF-8 becomes U+FFFD (it can
 *  only sit inside strings of a valid document) rather than fail it. */
core::result<json> parse_untrusted_json(std::string_view text, std::string_view what, error_code code)
{
    if (core::text::valid_utf8(text))
        return parse_json(text, what, code);
    return parse_json(core::text::sanitize_utf8(text), what, code);
}

/**
 * Reads the validated, defaulted document into the struct and notes which
 * keys it took, so a schema key that reaches no field is caught (INTERNAL)
 * instead of being accepted and ignored.
 */
class field_reader {
public:
    field_reader(const json &obj, std::string prefix) : obj_{obj}, prefix_{std::move(prefix)} {}

    [[nodiscard]] const json &take(const std::string &key)
    {
        used_.insert(key);
        auto it = obj_.find(key);
        if (it == obj_.end())
            throw missing{child_path(prefix_, key)};
        return *it;
    }
    [[nodiscard]] core::result<void> all_used() const
    {
        for (const auto &[key, v] : obj_.items())
            if (!used_.contains(key))
                return fail(error_code::INTERNAL,
                            "config schema key '" + child_path(prefix_, key) +
                                "' is not read into core::config");
        return {};
    }
    struct missing {
        std::string path;
    };

private:
    const json &obj_;
    std::string prefix_;
    std::set<std::string> used_;
};

core::result<int> to_int(const json &v, const std::string &path)
{
    const double d = v.get<double>();
    if (!(d >= std::numeric_limits<int>::min() && d <= std::numeric_limits<int>::max()))
        return fail(error_code::BAD_CONFIG, at_path(path, "out of range"));
    return static_cast<int>(d);
}

std::vector<std::string> to_strings(const json &v)
{
    std::vector<std::string> out;
    for (const auto &e : v)
        out.push_back(e.get<std::string>());
    return out;
}

core::result<core::config> fill_config(const json &doc)
{
    core::config c;
    field_reader top{doc, ""};
    c.enabled = top.take("enabled").get<bool>();
    c.whitelist = to_strings(top.take("whitelist"));
    c.protected_domains = to_strings(top.take("protected_domains"));
    c.trust_budget = top.take("trust_budget").get<double>();
    c.trust_symbols = to_strings(top.take("trust_symbols"));
    c.unauthenticated_multiplier = top.take("unauthenticated_multiplier").get<double>();
    c.unauthenticated_cap = top.take("unauthenticated_cap").get<double>();
    c.auth_source = top.take("auth_source").get<std::string>();
    auto dkim = to_int(top.take("max_dkim_signatures"), "max_dkim_signatures");
    if (!dkim)
        return std::unexpected(dkim.error());
    c.max_dkim_signatures = *dkim;
    auto rounds = to_int(top.take("max_dns_rounds"), "max_dns_rounds");
    if (!rounds)
        return std::unexpected(rounds.error());
    c.max_dns_rounds = *rounds;
    c.dns_cache_ttl = top.take("dns_cache_ttl").get<double>();
    auto cache_size = to_int(top.take("dns_cache_size"), "dns_cache_size");
    if (!cache_size)
        return std::unexpected(cache_size.error());
    c.dns_cache_size = *cache_size;
    c.trusted_authserv_ids = to_strings(top.take("trusted_authserv_ids"));
    c.authserv_id = top.take("authserv_id").get<std::string>();
    c.protected_names = to_strings(top.take("protected_names"));
    c.local_domains = to_strings(top.take("local_domains"));
    c.trusted_arc_sealers = to_strings(top.take("trusted_arc_sealers"));
    auto arc = to_int(top.take("max_arc_instances"), "max_arc_instances");
    if (!arc)
        return std::unexpected(arc.error());
    c.max_arc_instances = *arc;
    c.veto_symbols = to_strings(top.take("veto_symbols"));
    if (const auto &veto = top.take("veto_score"); veto.is_boolean()) {
        c.veto_score_mode = veto.get<bool>() ? core::config::veto_mode::REJECT_ACTION : core::config::veto_mode::OFF;
    } else {
        c.veto_score_mode = core::config::veto_mode::VALUE;
        c.veto_score = veto.get<double>();
    }

    field_reader rep{top.take("reputation"), "reputation"};
    auto &rc = c.reputation;
    rc.backend = rep.take("backend").get<std::string>();
    rc.identity = rep.take("identity").get<std::string>();
    rc.half_life = rep.take("half_life").get<double>();
    rc.min_messages = rep.take("min_messages").get<double>();
    rc.max_count = rep.take("max_count").get<double>();
    rc.bad_threshold = rep.take("bad_threshold").get<double>();
    rc.good_threshold = rep.take("good_threshold").get<double>();
    rc.learn_weight = rep.take("learn_weight").get<double>();
    field_reader act{rep.take("actions"), "reputation.actions"};
    rc.actions.reject = act.take("reject").get<double>();
    rc.actions.soft_reject = act.take("soft_reject").get<double>();
    rc.actions.rewrite_subject = act.take("rewrite_subject").get<double>();
    rc.actions.add_header = act.take("add_header").get<double>();
    rc.actions.greylist = act.take("greylist").get<double>();
    rc.actions.no_action = act.take("no_action").get<double>();
    rc.lmdb_path = rep.take("lmdb_path").get<std::string>();
    rc.lmdb_flush_interval = rep.take("lmdb_flush_interval").get<double>();
    rc.redis_prefix = rep.take("redis_prefix").get<std::string>();
    for (auto [key, field] : {std::pair{"lmdb_map_size", &rc.lmdb_map_size},
                              std::pair{"redis_ttl", &rc.redis_ttl},
                              std::pair{"error_log_interval", &rc.error_log_interval}}) {
        auto v = to_int(rep.take(key), std::string("reputation.") + key);
        if (!v)
            return std::unexpected(v.error());
        *field = *v;
    }
    if (auto r = act.all_used(); !r)
        return std::unexpected(r.error());
    if (auto r = rep.all_used(); !r)
        return std::unexpected(r.error());
    if (auto r = top.all_used(); !r)
        return std::unexpected(r.error());
    return c;
}

double round4(double x)
{
    if (!std::isfinite(x))
        return x;
    const double r = std::round(x * 10000.0) / 10000.0;
    return r == 0.0 ? 0.0 : r; // no "-0.0" in the output
}

ordered string_or_null(const std::string &s)
{
    return s.empty() ? ordered(nullptr) : ordered(s);
}

std::string dump(const ordered &j, int indent)
{
    // Reasons and names can carry bytes from the message that are not UTF-8;
    // replace them rather than fail the whole report.
    return j.dump(indent < 0 ? -1 : indent, ' ', false, ordered::error_handler_t::replace);
}

} // namespace

core::result<core::config> parse_config(std::string_view json_text, std::string *effective)
{
    auto doc = parse_json(json_text, "config is not valid JSON", error_code::BAD_CONFIG);
    if (!doc)
        return std::unexpected(doc.error());
    auto schema = parse_json(config_schema_text(), "the embedded config schema is not valid JSON",
                             error_code::INTERNAL);
    if (!schema)
        return std::unexpected(schema.error());

    // Every access below is type-checked first; the handlers are a backstop
    // so that nothing thrown inside nlohmann-json leaves this function.
    try {
        const schema_checker checker;
        checker.settle_empty_containers(*schema, *doc);
        if (auto r = checker.check(*schema, *doc, ""); !r)
            return std::unexpected(r.error());
        checker.apply_defaults(*schema, *doc);
        // The defaults must themselves satisfy the schema.
        if (auto r = checker.check(*schema, *doc, ""); !r)
            return fail(error_code::INTERNAL, "config schema defaults are invalid: " + r.error().message());
        auto cfg = fill_config(*doc);
        if (cfg && effective != nullptr)
            *effective = doc->dump(-1, ' ', false, json::error_handler_t::replace);
        return cfg;
    } catch (const field_reader::missing &m) {
        return fail(error_code::INTERNAL, "config key '" + m.path + "' has no value and no schema default");
    } catch (const json::exception &e) {
        return fail(error_code::INTERNAL, std::string("config: ") + e.what());
    }
}

/** Facts from nlohmann-json's document (facts_reader.hxx). */
template <>
struct fact_doc<json> {
    static fact_kind kind(const json &v)
    {
        switch (v.type()) {
        case json::value_t::null: return fact_kind::null;
        case json::value_t::boolean: return fact_kind::boolean;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return fact_kind::number;
        case json::value_t::string: return fact_kind::string;
        // {} and [] are each either: a Lua host's encoder cannot tell an
        // empty table's kind.
        case json::value_t::array: return v.empty() ? fact_kind::empty : fact_kind::array;
        case json::value_t::object: return v.empty() ? fact_kind::empty : fact_kind::object;
        case json::value_t::binary:
        case json::value_t::discarded: break;
        }
        return fact_kind::other;
    }
    static std::string type_name(const json &v) { return adapters::type_name(v); }
    static bool boolean(const json &v) { return v.get<bool>(); }
    static double number(const json &v) { return v.get<double>(); }
    static std::string_view text(const json &v) { return v.get_ref<const std::string &>(); }
    static std::size_t count(const json &v) { return v.size(); }
    template <typename F>
    static core::result<void> members(const json &v, F &&f)
    {
        for (const auto &[k, val] : v.items())
            if (auto r = f(std::string_view(k), val); !r)
                return r;
        return {};
    }
    template <typename F>
    static core::result<void> elements(const json &v, F &&f)
    {
        for (const auto &e : v)
            if (auto r = f(e); !r)
                return r;
        return {};
    }
};

core::result<core::reputation_map> parse_reputation_counts(std::string_view json_text)
{
    try {
        auto doc = parse_untrusted_json(json_text, "reputation counts are not valid JSON", error_code::BAD_INPUT);
        if (!doc)
            return std::unexpected(doc.error());
        return facts_detail::read_reputation(*doc);
    } catch (const json::exception &e) {
        return fail(error_code::INTERNAL, std::string("reputation counts: ") + e.what());
    }
}

core::result<core::delivery_facts> parse_facts(std::string_view json_text)
{
    try {
        auto doc = parse_untrusted_json(json_text, "facts are not valid JSON", error_code::BAD_INPUT);
        if (!doc)
            return std::unexpected(doc.error());
        return read_facts(*doc);
    } catch (const json::exception &e) {
        return fail(error_code::INTERNAL, std::string("facts: ") + e.what());
    }
}

std::string report_to_json(const report &r, int indent)
{
    const auto &a = r.auth;
    ordered out = ordered::object();
    out["spf"] = {{"result", core::to_string(a.spf.result)},
                  {"domain", a.spf.domain},
                  {"identity", a.spf.identity}};
    out["senderid"] = {{"result", core::to_string(a.senderid.result)},
                       {"pra", a.senderid.pra},
                       {"mfrom_result", core::to_string(a.senderid.mfrom_result)}};
    ordered dkim = ordered::array();
    for (const auto &d : a.dkim)
        dkim.push_back({{"domain", d.domain},
                        {"selector", d.selector},
                        {"algorithm", d.algorithm},
                        {"result", core::to_string(d.result)},
                        {"counts_for_alignment", d.counts_for_alignment},
                        {"reason", d.reason}});
    out["dkim"] = std::move(dkim);
    out["dmarc"] = {{"result", core::to_string(a.dmarc.result)},
                    {"policy", a.dmarc.policy == core::dmarc_policy::UNKNOWN
                                   ? ordered(nullptr)
                                   : ordered(core::to_string(a.dmarc.policy))},
                    {"from_domain", a.dmarc.from_domain},
                    {"spf_aligned", a.dmarc.spf_aligned},
                    {"dkim_aligned", a.dmarc.dkim_aligned},
                    {"policy_domain", a.dmarc.policy_domain},
                    {"pct", a.dmarc.pct},
                    {"applied_policy", a.dmarc.policy == core::dmarc_policy::UNKNOWN
                                           ? ordered(nullptr)
                                           : ordered(core::to_string(
                                                 core::applied_dmarc_policy(a.dmarc.policy, a.dmarc.pct)))},
                    {"reason", a.dmarc.reason}};
    ordered sealers = ordered::array();
    for (const auto &d : a.arc.sealers)
        sealers.push_back(d);
    out["arc"] = {{"result", core::to_string(a.arc.result)},
                  {"sealers", std::move(sealers)},
                  {"instance", a.arc.instance}};
    out["tls"] = {{"version", r.tls.version_text},
                  {"cipher", r.tls.cipher},
                  {"source", r.tls.source},
                  {"legacy", r.tls.legacy}};
    ordered symbols = ordered::array();
    for (const auto &s : r.verdict.symbols) {
        ordered opts = ordered::array();
        for (const auto &o : s.options)
            opts.push_back(o);
        symbols.push_back({{"name", s.name},
                           {"score", round4(s.score)},
                           {"reason", s.reason},
                           {"options", std::move(opts)}});
    }
    out["symbols"] = std::move(symbols);
    out["score"] = round4(r.verdict.score);

    const bool single = r.from.status == core::from_status::SINGLE;
    out["from"] = {{"status", core::to_string(r.from.status)},
                   {"address", single ? ordered(r.from.author.address()) : ordered(nullptr)},
                   {"domain", single ? string_or_null(r.from.author.domain) : ordered(nullptr)}};
    ordered marks = ordered::array();
    for (const auto &m : r.host.names())
        marks.push_back(m);
    out["host"] = {{"marks", std::move(marks)}};
    ordered look = ordered::array();
    for (const auto &l : r.lookalikes)
        look.push_back({{"domain", l.domain},
                        {"imitates", l.imitates},
                        {"form", core::to_string(l.form)}});
    out["lookalikes"] = std::move(look);
    out["whitelist"] = r.whitelist_entry ? ordered(*r.whitelist_entry) : ordered(nullptr);
    out["dns_rounds"] = r.dns_rounds;
    out["authentication_results"] = r.authentication_results;
    ordered upstream = ordered::array();
    for (const auto &h : r.upstream_authentication_results) {
        ordered results = ordered::array();
        for (const auto &res : h.results) {
            ordered props = ordered::object();
            for (const auto &p : res.properties)
                props[p.ptype + "." + p.property] = p.value;
            results.push_back({{"method", res.method},
                               {"result", res.result},
                               {"reason", res.reason},
                               {"properties", std::move(props)}});
        }
        upstream.push_back({{"authserv_id", h.authserv_id}, {"results", std::move(results)}});
    }
    out["upstream_authentication_results"] = std::move(upstream);
    ordered identities = ordered::array();
    for (const auto &id : r.reputation_identities) {
        ordered entry = {{"identity", id.name}, {"via", id.via}};
        // The counts the host looked up, decayed to its lookup time.
        if (auto it = r.reputation_counts.find(id.name); it != r.reputation_counts.end()) {
            entry["spam"] = round4(it->second.spam);
            entry["ham"] = round4(it->second.ham);
        }
        identities.push_back(std::move(entry));
    }
    out["reputation"] = {{"identities", std::move(identities)}};
    return dump(out, indent);
}

std::string queries_to_json(const std::vector<core::dns_query> &q)
{
    ordered out = ordered::array();
    for (const auto &x : q)
        out.push_back({{"name", x.name}, {"type", core::to_string(x.type)}});
    return dump(out, -1);
}

} // namespace authweight::adapters
