/**
 * @file facts_reader.hxx
 * @brief The one reader of delivery facts, over a document with JSON's
 *        shapes (json_io.cxx gives it nlohmann's). Every front end hands
 *        its facts to libauthweight as JSON, so all refuse the same input
 *        with the same message.
 *
 * A document type V is read through fact_doc<V>, which provides:
 *   fact_kind kind(const V &)        what the value is ({} is
 *                                    fact_kind::empty: object or array, as
 *                                    a Lua host writes an empty table)
 *   std::string type_name(const V &) its name in messages ("integer", ...)
 *   bool boolean(const V &)
 *   double number(const V &)
 *   std::string_view text(const V &) valid while the reader runs
 *   std::size_t count(const V &)     members of an object
 *   core::result<void> members(const V &, F)   F(std::string_view key,
 *                                    const V &value) -> core::result<void>,
 *                                    in the document's order, stopping at
 *                                    the first error; a key that is no
 *                                    string is an error
 *   core::result<void> elements(const V &, F)  F(const V &) likewise
 */
#pragma once
#include "authweight/error.hxx"
#include "authweight/facts.hxx"
#include "authweight/reputation.hxx"
#include "authweight/results.hxx"

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

namespace authweight::adapters {

enum class fact_kind { null, boolean, number, string, array, object, empty, other };

template <typename V>
struct fact_doc;

namespace facts_detail {

using core::error_code;
using core::fail;

/** Where a value sits, rendered only for a message: "spf.domain", "dkim[0].result". */
struct at {
    std::string_view parent;
    std::string_view key;
    [[nodiscard]] std::string str() const
    {
        std::string s(parent);
        if (!s.empty() && !key.empty())
            s += '.';
        s += key;
        return s;
    }
};

template <typename V>
bool is_object(const V &v)
{
    auto k = fact_doc<V>::kind(v);
    return k == fact_kind::object || k == fact_kind::empty;
}

template <typename V>
bool is_array(const V &v)
{
    auto k = fact_doc<V>::kind(v);
    return k == fact_kind::array || k == fact_kind::empty;
}

template <typename V>
std::unexpected<core::error> expected(const at &where, std::string_view what, const V &v)
{
    return fail(error_code::BAD_INPUT,
                "'" + where.str() + "': expected " + std::string(what) + ", got " + fact_doc<V>::type_name(v));
}

/** A string fact; null is "". */
template <typename V>
core::result<void> fact_string(const V &v, const at &where, std::string &out)
{
    auto k = fact_doc<V>::kind(v);
    if (k == fact_kind::null) {
        out.clear();
        return {};
    }
    if (k != fact_kind::string)
        return expected(where, "string", v);
    out.assign(fact_doc<V>::text(v));
    return {};
}

template <typename V>
core::result<double> fact_score(const V &v, const at &where)
{
    if (fact_doc<V>::kind(v) != fact_kind::number || !std::isfinite(fact_doc<V>::number(v)))
        return expected(where, "a finite number", v);
    return fact_doc<V>::number(v);
}

template <typename V>
core::result<void> fact_result(const V &v, const at &where, core::auth_result &out)
{
    if (fact_doc<V>::kind(v) == fact_kind::string)
        if (auto r = core::auth_result_from_string(fact_doc<V>::text(v))) {
            out = *r;
            return {};
        }
    return fail(error_code::BAD_INPUT, "'" + where.str() +
                                           "': expected one of pass, fail, softfail, neutral, none, "
                                           "temperror, permerror");
}

template <typename V>
core::result<void> fact_bool(const V &v, const at &where, bool &out)
{
    if (fact_doc<V>::kind(v) != fact_kind::boolean)
        return expected(where, "boolean", v);
    out = fact_doc<V>::boolean(v);
    return {};
}

/** Visit an object's members with a handler per key returning whether it
 *  knew the key; unknown keys are errors. */
template <typename V, typename F>
core::result<void> each_member(const V &v, const std::string &where, F &&handle)
{
    if (!is_object(v))
        return expected(at{where, {}}, "object", v);
    return fact_doc<V>::members(v, [&](std::string_view k, const V &val) -> core::result<void> {
        auto r = handle(k, val, at{where, k});
        if (!r)
            return std::unexpected(r.error());
        if (!*r)
            return fail(error_code::BAD_INPUT, "unknown fact '" + at{where, k}.str() + "'");
        return {};
    });
}

/** external: [{name, score[, groups]}, ...] or {name: score, ...} */
template <typename V>
core::result<void> read_external(const V &v, std::vector<core::external_symbol> &out)
{
    using D = fact_doc<V>;
    auto k = D::kind(v);
    if (k == fact_kind::object) {
        return D::members(v, [&](std::string_view name, const V &score) -> core::result<void> {
            if (name.empty())
                return fail(error_code::BAD_INPUT, "'external': empty symbol name");
            auto s = fact_score(score, at{"external", name});
            if (!s)
                return std::unexpected(s.error());
            out.push_back({std::string(name), *s});
            return {};
        });
    }
    if (!is_array(v))
        return expected(at{"external", {}}, "array or object", v);
    std::size_t i = 0;
    return D::elements(v, [&](const V &e) -> core::result<void> {
        const auto where = "external[" + std::to_string(i++) + "]";
        if (!is_object(e))
            return expected(at{where, {}}, "object", e);
        core::external_symbol sym;
        bool have_name = false, have_score = false;
        auto r = D::members(e, [&](std::string_view key, const V &val) -> core::result<void> {
            if (key == "name") {
                if (D::kind(val) != fact_kind::string || D::text(val).empty())
                    return fail(error_code::BAD_INPUT, "'" + where + ".name': expected a non-empty string");
                sym.name.assign(D::text(val));
                have_name = true;
            } else if (key == "score") {
                auto s = fact_score(val, at{where, "score"});
                if (!s)
                    return std::unexpected(s.error());
                sym.score = *s;
                have_score = true;
            } else if (key == "groups") {
                if (!is_array(val))
                    return expected(at{where, "groups"}, "array", val);
                return D::elements(val, [&](const V &g) -> core::result<void> {
                    if (D::kind(g) != fact_kind::string)
                        return expected(at{where, "groups"}, "array of strings", g);
                    sym.groups.emplace_back(D::text(g));
                    return {};
                });
            } else {
                return fail(error_code::BAD_INPUT, "unknown fact '" + at{where, key}.str() + "'");
            }
            return {};
        });
        if (!r)
            return r;
        if (!have_name || !have_score)
            return fail(error_code::BAD_INPUT, "'" + where + "': needs both name and score");
        out.push_back(std::move(sym));
        return {};
    });
}

/** spf: {result, domain, identity: "mailfrom"|"helo", reason} */
template <typename V>
core::result<core::spf_outcome> read_given_spf(const V &v)
{
    using D = fact_doc<V>;
    core::spf_outcome o;
    auto r = each_member(v, "spf", [&](std::string_view k, const V &val, const at &where) -> core::result<bool> {
        if (k == "result") {
            if (auto x = fact_result(val, where, o.result); !x)
                return std::unexpected(x.error());
        } else if (k == "domain" || k == "reason") {
            if (auto s = fact_string(val, where, k == "domain" ? o.domain : o.reason); !s)
                return std::unexpected(s.error());
        } else if (k == "identity") {
            if (D::kind(val) != fact_kind::string || (D::text(val) != "mailfrom" && D::text(val) != "helo"))
                return fail(error_code::BAD_INPUT, "'" + where.str() + "': expected mailfrom or helo");
            o.identity.assign(D::text(val));
        } else {
            return false;
        }
        return true;
    });
    if (!r)
        return std::unexpected(r.error());
    return o;
}

/** dkim: [{domain, selector, algorithm, result, reason}, ...] */
template <typename V>
core::result<std::vector<core::dkim_outcome>> read_given_dkim(const V &v)
{
    if (!is_array(v))
        return expected(at{"dkim", {}}, "array", v);
    std::vector<core::dkim_outcome> out;
    std::size_t i = 0;
    auto r = fact_doc<V>::elements(v, [&](const V &e) -> core::result<void> {
        core::dkim_outcome o;
        auto m = each_member(e, "dkim[" + std::to_string(i++) + "]",
                             [&](std::string_view k, const V &val, const at &where) -> core::result<bool> {
                                 if (k == "result") {
                                     if (auto x = fact_result(val, where, o.result); !x)
                                         return std::unexpected(x.error());
                                     return true;
                                 }
                                 std::string *field = k == "domain"      ? &o.domain
                                                      : k == "selector"  ? &o.selector
                                                      : k == "algorithm" ? &o.algorithm
                                                      : k == "reason"    ? &o.reason
                                                                         : nullptr;
                                 if (field == nullptr)
                                     return false;
                                 if (auto s = fact_string(val, where, *field); !s)
                                     return std::unexpected(s.error());
                                 return true;
                             });
        if (!m)
            return m;
        out.push_back(std::move(o));
        return {};
    });
    if (!r)
        return std::unexpected(r.error());
    return out;
}

/** dmarc: {result, policy: none|quarantine|reject|null, from_domain, spf_aligned, dkim_aligned} */
template <typename V>
core::result<core::dmarc_outcome> read_given_dmarc(const V &v)
{
    using D = fact_doc<V>;
    core::dmarc_outcome o;
    auto r = each_member(v, "dmarc", [&](std::string_view k, const V &val, const at &where) -> core::result<bool> {
        if (k == "result") {
            if (auto x = fact_result(val, where, o.result); !x)
                return std::unexpected(x.error());
        } else if (k == "policy") {
            auto kind = D::kind(val);
            auto s = kind == fact_kind::string ? D::text(val) : std::string_view{};
            if (kind == fact_kind::null)
                o.policy = core::dmarc_policy::UNKNOWN;
            else if (s == "none")
                o.policy = core::dmarc_policy::NONE;
            else if (s == "quarantine")
                o.policy = core::dmarc_policy::QUARANTINE;
            else if (s == "reject")
                o.policy = core::dmarc_policy::REJECT;
            else
                return fail(error_code::BAD_INPUT,
                            "'" + where.str() + "': expected none, quarantine, reject or null");
        } else if (k == "from_domain") {
            if (auto s = fact_string(val, where, o.from_domain); !s)
                return std::unexpected(s.error());
        } else if (k == "spf_aligned" || k == "dkim_aligned") {
            if (auto b = fact_bool(val, where, k == "spf_aligned" ? o.spf_aligned : o.dkim_aligned); !b)
                return std::unexpected(b.error());
        } else {
            return false;
        }
        return true;
    });
    if (!r)
        return std::unexpected(r.error());
    return o;
}

/** reputation: {identity: {spam, ham}, ...}, decayed counts the host looked up. */
template <typename V>
core::result<core::reputation_map> read_reputation(const V &v)
{
    using D = fact_doc<V>;
    if (!is_object(v))
        return expected(at{"reputation", {}}, "object", v);
    // A message has at most max_reputation_identities identities; a host
    // may look up a few more candidates, never thousands.
    if (D::count(v) > 4 * core::max_reputation_identities)
        return fail(error_code::BAD_INPUT, "'reputation': too many identities");
    core::reputation_map out;
    auto r = D::members(v, [&](std::string_view name, const V &rec) -> core::result<void> {
        const std::string where = "reputation." + std::string(name.substr(0, 100));
        if (!core::valid_identity(name))
            return fail(error_code::BAD_INPUT, "'" + where + "': not a lower-case domain name");
        core::reputation_counts c;
        auto m = each_member(rec, where, [&](std::string_view k, const V &val, const at &at_k) -> core::result<bool> {
            if (k != "spam" && k != "ham")
                return false;
            if (D::kind(val) != fact_kind::number || !std::isfinite(D::number(val)) || D::number(val) < 0)
                return fail(error_code::BAD_INPUT, "'" + at_k.str() + "': expected a non-negative number");
            (k == "spam" ? c.spam : c.ham) = D::number(val);
            return true;
        });
        if (!m)
            return m;
        out.emplace(std::string(name), c);
        return {};
    });
    if (!r)
        return std::unexpected(r.error());
    return out;
}

} // namespace facts_detail

/**
 * Delivery facts from a document: an object with the optional keys ip,
 * helo, hostname, fcrdns, tls_version, tls_cipher, tls_source, user,
 * mail_from, rcpt, message, external, reputation and, from another module,
 * spf, dkim and dmarc; null means "not given" for every one. BAD_INPUT
 * names the key with a wrong type or value, or an unknown key.
 */
template <typename V>
core::result<core::delivery_facts> read_facts(const V &doc)
{
    using namespace facts_detail;
    using D = fact_doc<V>;
    if (!is_object(doc))
        return fail(error_code::BAD_INPUT, std::string("facts: expected object, got ") + D::type_name(doc));

    core::delivery_facts f;
    auto &c = f.connection;
    const std::pair<std::string_view, std::string *> strings[] = {
        {"ip", &c.client_ip},          {"helo", &c.helo},
        {"hostname", &c.hostname},     {"tls_version", &c.tls_version},
        {"tls_cipher", &c.tls_cipher}, {"tls_source", &c.tls_source},
        {"user", &c.auth_user},
    };
    auto r = D::members(doc, [&](std::string_view key, const V &val) -> core::result<void> {
        const at where{{}, key};
        for (const auto &[name, field] : strings)
            if (key == name)
                return fact_string(val, where, *field);
        const auto kind = D::kind(val);
        if (key == "fcrdns") {
            if (kind == fact_kind::boolean)
                c.fcrdns = D::boolean(val);
            else if (kind != fact_kind::null)
                return expected(where, "boolean", val);
        } else if (key == "mail_from") {
            if (kind == fact_kind::string)
                f.envelope.mail_from = std::string(D::text(val));
            else if (kind != fact_kind::null)
                return expected(where, "string", val);
        } else if (key == "rcpt") {
            if (kind == fact_kind::null)
                return {};
            if (!is_array(val))
                return expected(where, "array", val);
            std::size_t i = 0;
            return D::elements(val, [&](const V &e) -> core::result<void> {
                if (D::kind(e) != fact_kind::string)
                    return expected(at{"rcpt[" + std::to_string(i) + "]", {}}, "string", e);
                f.envelope.rcpt.emplace_back(D::text(e));
                ++i;
                return {};
            });
        } else if (key == "message") {
            if (kind == fact_kind::string) {
                f.message.assign(D::text(val));
                f.has_message = true;
            } else if (kind != fact_kind::null) {
                return expected(where, "string", val);
            }
        } else if (key == "external") {
            if (kind != fact_kind::null)
                return read_external(val, f.external);
        } else if (key == "reputation") {
            if (kind == fact_kind::null)
                return {};
            auto rep = read_reputation(val);
            if (!rep)
                return std::unexpected(rep.error());
            f.reputation = std::move(*rep);
        } else if (key == "spf" || key == "dkim" || key == "dmarc") {
            // Results another module computed skip the native check
            // (auth_source = "rspamd"); null means "not given".
            if (kind == fact_kind::null)
                return {};
            if (key == "spf") {
                auto o = read_given_spf(val);
                if (!o)
                    return std::unexpected(o.error());
                f.given_spf = std::move(*o);
            } else if (key == "dkim") {
                auto o = read_given_dkim(val);
                if (!o)
                    return std::unexpected(o.error());
                f.given_dkim = std::move(*o);
            } else {
                auto o = read_given_dmarc(val);
                if (!o)
                    return std::unexpected(o.error());
                f.given_dmarc = std::move(*o);
            }
        } else {
            return fail(error_code::BAD_INPUT, "unknown fact '" + std::string(key) + "'");
        }
        return {};
    });
    if (!r)
        return std::unexpected(r.error());
    return f;
}

} // namespace authweight::adapters
