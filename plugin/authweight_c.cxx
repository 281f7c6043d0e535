// The C ABI: check pointers, wrap inputs in std::string_view, call the
// core, map its error codes (STYLE.md §3). Nothing escapes: every function
// that can throw runs its body through barrier(), the one exception
// barrier, whose catch (...) is the backstop.
#include "authweight.h"

#include "authweight/dns.hxx"
#include "authweight/error.hxx"
#include "authweight/policy.hxx"
#include "authweight/symbols.hxx"
#include "authweight/text.hxx"
#include "engine.hxx"
#include "json_io.hxx"
#include "lmdb_store.hxx"
#include "msgpack_record.hxx"
#include "redis_store.hxx"
#include "zone_file.hxx"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core = authweight::core;
namespace adapters = authweight::adapters;

struct authweight_ctx {
    std::shared_ptr<const adapters::engine> eng;
    std::string config_json; ///< the config with the schema's defaults filled in
    std::shared_ptr<core::dns_cache> cache;  ///< shared by the context's evaluations; may be null
};

struct authweight_rep {
    // Shared with the evaluations it is attached to (authweight_eval_use_store),
    // so freeing the handle first is safe.
    std::shared_ptr<adapters::reputation_store> store;
    adapters::lmdb_store *lmdb{nullptr}; ///< the same store when it is LMDB (group commit)
    core::reputation_config cfg;
    std::string description;
    std::vector<std::pair<std::string, core::reputation_record>> imported; ///< not yet written
};

struct authweight_zone {
    adapters::zone zone;
};

struct authweight_eval {
    enum class state { FRESH, PENDING, DONE, BROKEN };

    std::unique_ptr<adapters::evaluation> ev;
    state st{state::FRESH};
    // Copies of the pending queries, so the pointers handed out stay valid
    // whatever answer() does to the engine's own list.
    std::vector<std::string> qnames;
    std::vector<std::string> qtypes;
};

namespace {

/** malloc'ed, NUL-terminated copy; nullptr when memory runs out. */
char *dup_bytes(std::string_view s) noexcept
{
    auto *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (p == nullptr)
        return nullptr;
    if (!s.empty())
        std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

void set_errmsg(char **errmsg, std::string_view msg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = dup_bytes(msg);
}

/** Map a core error; `data_code` is what bad data means for this call. */
int map_code(core::error_code c, int data_code) noexcept
{
    switch (c) {
    case core::error_code::BAD_CONFIG:
        return AUTHWEIGHT_E_CONFIG;
    case core::error_code::NOT_FOUND:
    case core::error_code::BAD_INPUT:
    case core::error_code::LIMIT:
        return data_code;
    case core::error_code::OK:
    case core::error_code::INTERNAL:
        break;
    }
    return AUTHWEIGHT_E_INTERNAL;
}

int fail_with(char **errmsg, int code, std::string_view msg) noexcept
{
    set_errmsg(errmsg, msg);
    return code;
}

/**
 * The ABI's exception barrier: run body (returning an AUTHWEIGHT_* code)
 * and turn whatever escapes it into AUTHWEIGHT_E_NOMEM or
 * AUTHWEIGHT_E_INTERNAL, with a message in *errmsg when errmsg is not
 * NULL. `fn` names the entry point in that message.
 */
template <typename F>
int barrier(const char *fn, char **errmsg, F &&body) noexcept
{
    char msg[512]; // no allocation on the way out but the message itself
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return fail_with(errmsg, AUTHWEIGHT_E_NOMEM, "out of memory");
    } catch (const std::exception &e) {
        std::snprintf(msg, sizeof msg, "%s: internal error: %s", fn, e.what());
    } catch (...) {
        std::snprintf(msg, sizeof msg, "%s: internal error", fn);
    }
    return fail_with(errmsg, AUTHWEIGHT_E_INTERNAL, msg);
}

int out_json(std::string_view s, char **json, size_t *len) noexcept
{
    char *p = dup_bytes(s);
    if (p == nullptr)
        return AUTHWEIGHT_E_NOMEM;
    *json = p;
    if (len != nullptr)
        *len = s.size();
    return AUTHWEIGHT_OK;
}

/** A host rarely has more than a few hundred symbols on a message. */
constexpr size_t max_message_symbols = 65536;

/** Split a message's symbols into authweight's own (the contract's names)
 *  and other modules'. @return false for bad arguments. */
/** A host's space-separated list ("antivirus phishing"), NULL for none. */
std::vector<std::string> split_words(const char *list)
{
    std::vector<std::string> out;
    for (std::string_view rest = list != nullptr ? list : ""; !rest.empty();) {
        auto end = rest.find(' ');
        if (end != 0)
            out.emplace_back(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    }
    return out;
}

bool split_symbols(const char *const *names, const double *scores, const char *const *groups, size_t n,
                   std::vector<core::symbol_hit> &own, std::vector<core::external_symbol> &external)
{
    if (n > max_message_symbols || (n != 0 && (names == nullptr || scores == nullptr)))
        return false;
    for (size_t i = 0; i < n; ++i) {
        if (names[i] == nullptr || !std::isfinite(scores[i]))
            return false;
        std::string_view name{names[i]};
        if (core::find_symbol(name) != nullptr)
            own.push_back(core::symbol_hit{std::string(name), scores[i], {}, {}});
        else
            external.push_back(core::external_symbol{std::string(name), scores[i],
                                                     split_words(groups != nullptr ? groups[i] : nullptr)});
    }
    return true;
}

} // namespace

extern "C" {

AUTHWEIGHT_API const char *authweight_strerror(int code) noexcept
{
    switch (code) {
    case AUTHWEIGHT_OK:
        return "success";
    case AUTHWEIGHT_NEED_DNS:
        return "DNS answers needed";
    case AUTHWEIGHT_E_INVAL:
        return "invalid argument";
    case AUTHWEIGHT_E_CONFIG:
        return "invalid configuration";
    case AUTHWEIGHT_E_INPUT:
        return "invalid input";
    case AUTHWEIGHT_E_NOMEM:
        return "out of memory";
    case AUTHWEIGHT_E_INTERNAL:
        return "internal error";
    case AUTHWEIGHT_E_STORE:
        return "reputation store unavailable";
    case AUTHWEIGHT_E_NOTFOUND:
        return "no such file";
    default:
        return "unknown error code";
    }
}

AUTHWEIGHT_API int authweight_ctx_new(const char *config_json, size_t len, authweight_ctx **out,
                                      char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (out == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_ctx_new: out is NULL");
    *out = nullptr;
    if (config_json == nullptr && len != 0)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL,
                         "authweight_ctx_new: config_json is NULL but len is not 0");
    return barrier("authweight_ctx_new", errmsg, [&] {
        // "{}" rather than core::config{}: the schema's defaults are the
        // only defaults.
        std::string_view text = len == 0 ? std::string_view{"{}"} : std::string_view{config_json, len};
        std::string effective;
        auto cfg = adapters::parse_config(text, &effective);
        if (!cfg)
            return fail_with(errmsg, map_code(cfg.error().code(), AUTHWEIGHT_E_CONFIG),
                             cfg.error().message());
        auto eng = adapters::make_engine(std::move(*cfg));
        if (!eng)
            return fail_with(errmsg, map_code(eng.error().code(), AUTHWEIGHT_E_CONFIG),
                             eng.error().message());
        std::shared_ptr<core::dns_cache> cache;
        const auto &c = (*eng)->cfg();
        if (c.dns_cache_ttl > 0 && c.dns_cache_size > 0)
            cache = std::make_shared<core::dns_cache>(
                std::chrono::milliseconds{static_cast<long long>(c.dns_cache_ttl * 1000)},
                static_cast<std::size_t>(c.dns_cache_size));
        *out = new authweight_ctx{std::move(*eng), std::move(effective), std::move(cache)};
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_ctx_config_json(const authweight_ctx *ctx, const char **json, size_t *len) noexcept
{
    if (ctx == nullptr || json == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *json = ctx->config_json.c_str();
    if (len != nullptr)
        *len = ctx->config_json.size();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API void authweight_ctx_free(authweight_ctx *ctx) noexcept
{
    delete ctx;
}

AUTHWEIGHT_API int authweight_eval_new(authweight_ctx *ctx, const char *facts_json, size_t len,
                                       const char *message, size_t msglen, authweight_eval **out,
                                       char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (out == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_eval_new: out is NULL");
    *out = nullptr;
    if (ctx == nullptr || !ctx->eng)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_eval_new: ctx is NULL");
    if (facts_json == nullptr && len != 0)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL,
                         "authweight_eval_new: facts_json is NULL but len is not 0");
    return barrier("authweight_eval_new", errmsg, [&] {
        std::string_view text = len == 0 ? std::string_view{"{}"} : std::string_view{facts_json, len};
        auto facts = adapters::parse_facts(text);
        if (!facts)
            return fail_with(errmsg, map_code(facts.error().code(), AUTHWEIGHT_E_INPUT),
                             facts.error().message());
        if (message != nullptr) {
            facts->message.assign(message, msglen);
            facts->has_message = true;
        }
        auto ev = adapters::evaluation::create(ctx->eng, std::move(*facts), ctx->cache);
        if (!ev)
            return fail_with(errmsg, map_code(ev.error().code(), AUTHWEIGHT_E_INPUT), ev.error().message());
        auto *h = new authweight_eval{};
        h->ev = std::move(*ev);
        *out = h;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_eval_step(authweight_eval *ev) noexcept
{
    using st = authweight_eval::state;
    if (ev == nullptr || !ev->ev)
        return AUTHWEIGHT_E_INVAL;
    switch (ev->st) {
    case st::DONE:
        return AUTHWEIGHT_OK;
    case st::BROKEN:
        return AUTHWEIGHT_E_INTERNAL;
    case st::FRESH:
    case st::PENDING:
        break;
    }
    int rc = barrier("authweight_eval_step", nullptr, [&] {
        ev->qnames.clear();
        ev->qtypes.clear();
        if (ev->ev->step() == adapters::step_status::DONE) {
            ev->st = st::DONE;
            return AUTHWEIGHT_OK;
        }
        const auto &pending = ev->ev->pending();
        ev->qnames.reserve(pending.size());
        ev->qtypes.reserve(pending.size());
        for (const auto &q : pending) {
            ev->qnames.emplace_back(q.name);
            ev->qtypes.emplace_back(core::to_string(q.type));
        }
        ev->st = st::PENDING;
        return AUTHWEIGHT_NEED_DNS;
    });
    if (rc < 0) // a step cut short leaves the evaluation in an unknown state
        ev->st = st::BROKEN;
    return rc;
}

AUTHWEIGHT_API size_t authweight_eval_query_count(const authweight_eval *ev) noexcept
{
    if (ev == nullptr || ev->st != authweight_eval::state::PENDING)
        return 0;
    return ev->qnames.size();
}

AUTHWEIGHT_API int authweight_eval_query(const authweight_eval *ev, size_t i, const char **name,
                                         const char **type) noexcept
{
    if (ev == nullptr || name == nullptr || type == nullptr)
        return AUTHWEIGHT_E_INVAL;
    if (ev->st != authweight_eval::state::PENDING || i >= ev->qnames.size())
        return AUTHWEIGHT_E_INVAL;
    *name = ev->qnames[i].c_str();
    *type = ev->qtypes[i].c_str();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API int authweight_eval_answer(authweight_eval *ev, const char *name, const char *type,
                                          const char *status, const char *const *records,
                                          size_t nrecords) noexcept
{
    using st = authweight_eval::state;
    if (ev == nullptr || !ev->ev || name == nullptr || type == nullptr || status == nullptr)
        return AUTHWEIGHT_E_INVAL;
    if (records == nullptr && nrecords != 0)
        return AUTHWEIGHT_E_INVAL;
    if (ev->st == st::DONE)
        return AUTHWEIGHT_E_INVAL;
    if (ev->st == st::BROKEN)
        return AUTHWEIGHT_E_INTERNAL;
    for (size_t i = 0; i < nrecords; ++i)
        if (records[i] == nullptr)
            return AUTHWEIGHT_E_INVAL;
    auto t = core::dns_type_from_string(type);
    auto s = core::dns_status_from_string(status);
    if (!t || !s)
        return AUTHWEIGHT_E_INVAL;
    return barrier("authweight_eval_answer", nullptr, [&] {
        core::dns_query q{std::string{name}, *t};
        core::dns_answer a{*s, {}};
        a.records.reserve(nrecords);
        for (size_t i = 0; i < nrecords; ++i)
            a.records.emplace_back(records[i]);
        ev->ev->answer(std::move(q), std::move(a));
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_eval_report_json(const authweight_eval *ev, char **json,
                                               size_t *len) noexcept
{
    if (json == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *json = nullptr;
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return AUTHWEIGHT_E_INVAL;
    return barrier("authweight_eval_report_json", nullptr,
                   [&] { return out_json(adapters::report_to_json(ev->ev->result()), json, len); });
}

AUTHWEIGHT_API int authweight_eval_summary(const authweight_eval *ev, double *score, int *aligned,
                                           int *dns_rounds) noexcept
{
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return AUTHWEIGHT_E_INVAL;
    const auto &r = ev->ev->result();
    if (score != nullptr)
        *score = r.verdict.score;
    if (aligned != nullptr)
        *aligned = core::aligned(r.auth) ? 1 : 0;
    if (dns_rounds != nullptr)
        *dns_rounds = r.dns_rounds;
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API int authweight_eval_authentication_results(const authweight_eval *ev, const char **value) noexcept
{
    if (ev == nullptr || value == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return AUTHWEIGHT_E_INVAL;
    *value = ev->ev->result().authentication_results.c_str();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API size_t authweight_eval_symbol_count(const authweight_eval *ev) noexcept
{
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return 0;
    return ev->ev->result().verdict.symbols.size();
}

AUTHWEIGHT_API int authweight_eval_symbol(const authweight_eval *ev, size_t i, const char **name,
                                          double *score, const char **reason, size_t *option_count) noexcept
{
    if (i >= authweight_eval_symbol_count(ev))
        return AUTHWEIGHT_E_INVAL;
    const auto &s = ev->ev->result().verdict.symbols[i];
    if (name != nullptr)
        *name = s.name.c_str();
    if (score != nullptr)
        *score = s.score;
    if (reason != nullptr)
        *reason = s.reason.c_str();
    if (option_count != nullptr)
        *option_count = s.options.size();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API int authweight_eval_symbol_option(const authweight_eval *ev, size_t i, size_t j,
                                                 const char **option) noexcept
{
    if (option == nullptr || i >= authweight_eval_symbol_count(ev))
        return AUTHWEIGHT_E_INVAL;
    const auto &opts = ev->ev->result().verdict.symbols[i].options;
    if (j >= opts.size())
        return AUTHWEIGHT_E_INVAL;
    *option = opts[j].c_str();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API int authweight_ctx_trust_cap(const authweight_ctx *ctx, const char *const *names,
                                            const double *scores, size_t n, double *cap) noexcept
{
    return authweight_ctx_trust_decision(ctx, names, scores, nullptr, n, std::nan(""), cap, nullptr);
}

AUTHWEIGHT_API int authweight_ctx_trust_decision(const authweight_ctx *ctx, const char *const *names,
                                                 const double *scores, const char *const *groups, size_t n,
                                                 double reject_score, double *cap, char **veto) noexcept
{
    if (ctx == nullptr || !ctx->eng || cap == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *cap = 0.0;
    if (veto != nullptr)
        *veto = nullptr;
    return barrier("authweight_ctx_trust_decision", nullptr, [&] {
        std::vector<core::symbol_hit> own;
        std::vector<core::external_symbol> external;
        if (!split_symbols(names, scores, groups, n, own, external))
            return AUTHWEIGHT_E_INVAL;
        auto d = core::decide_trust(ctx->eng->cfg(), own, external, reject_score);
        if (veto != nullptr && !d.veto.empty()) {
            *veto = dup_bytes(d.veto);
            if (*veto == nullptr)
                return AUTHWEIGHT_E_NOMEM;
        }
        *cap = d.cap;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_ctx_unauth_strict(const authweight_ctx *ctx, const char *const *names,
                                                const double *scores, size_t n, int aligned,
                                                int smtp_authenticated, double *extra) noexcept
{
    if (ctx == nullptr || !ctx->eng || extra == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *extra = 0.0;
    return barrier("authweight_ctx_unauth_strict", nullptr, [&] {
        std::vector<core::symbol_hit> own;
        std::vector<core::external_symbol> external;
        if (!split_symbols(names, scores, nullptr, n, own, external))
            return AUTHWEIGHT_E_INVAL;
        // The policy's own rule, so the host's postfilter and the CLI
        // weigh content one way.
        *extra = core::unauth_strict_weight(ctx->eng->cfg(), external, aligned != 0, smtp_authenticated != 0);
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API void authweight_eval_free(authweight_eval *ev) noexcept
{
    delete ev;
}

AUTHWEIGHT_API void authweight_free(void *p) noexcept
{
    std::free(p);
}

AUTHWEIGHT_API const char *authweight_version(void) noexcept
{
    return AUTHWEIGHT_VERSION_STRING;
}

AUTHWEIGHT_API int authweight_symbols_json(char **json, size_t *len) noexcept
{
    if (json == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *json = nullptr;
    return barrier("authweight_symbols_json", nullptr, [&] {
        auto arr = nlohmann::json::array();
        for (const auto &s : core::all_symbols())
            arr.push_back({{"name", s.name},
                           {"score", s.score},
                           {"dynamic", s.dynamic},
                           {"auth_derived", s.auth_derived},
                           {"description", s.description}});
        return out_json(arr.dump(), json, len);
    });
}

namespace {

/** A host looks up a handful of identities per message. */
constexpr size_t max_rep_identities = 64;

bool read_identities(const char *const *ids, size_t n, std::vector<std::string> &out)
{
    if (n > max_rep_identities || (n != 0 && ids == nullptr))
        return false;
    for (size_t i = 0; i < n; ++i) {
        if (ids[i] == nullptr || !core::valid_identity(ids[i]))
            return false;
        out.emplace_back(ids[i]);
    }
    return true;
}

} // namespace

AUTHWEIGHT_API int authweight_eval_reputation(authweight_eval *ev, const char *json, size_t len,
                                              char **errmsg) noexcept
{
    using st = authweight_eval::state;
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (ev == nullptr || !ev->ev || (json == nullptr && len != 0))
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_eval_reputation: NULL argument");
    if (ev->st != st::DONE)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_eval_reputation: evaluation not done");
    return barrier("authweight_eval_reputation", errmsg, [&] {
        auto counts = adapters::parse_reputation_counts(len == 0 ? std::string_view{"{}"} : std::string_view{json, len});
        if (!counts)
            return fail_with(errmsg, map_code(counts.error().code(), AUTHWEIGHT_E_INPUT), counts.error().message());
        ev->ev->set_reputation(std::move(*counts));
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_eval_use_store(authweight_eval *ev, const authweight_rep *rep, long long now) noexcept
{
    if (ev == nullptr || !ev->ev || rep == nullptr || !rep->store)
        return AUTHWEIGHT_E_INVAL;
    if (ev->st != authweight_eval::state::FRESH)
        return AUTHWEIGHT_E_INVAL;
    return barrier("authweight_eval_use_store", nullptr, [&] {
        ev->ev->use_reputation([store = rep->store, half_life = rep->cfg.half_life,
                                t = static_cast<std::int64_t>(now)](const std::vector<std::string> &ids) {
            return store->lookup(ids, t, half_life);
        });
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API const char *authweight_eval_reputation_error(const authweight_eval *ev) noexcept
{
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return nullptr;
    const auto &e = ev->ev->result().reputation_error;
    return e.empty() ? nullptr : e.c_str();
}

AUTHWEIGHT_API size_t authweight_eval_identity_count(const authweight_eval *ev) noexcept
{
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return 0;
    return ev->ev->result().reputation_identities.size();
}

AUTHWEIGHT_API int authweight_eval_identity(const authweight_eval *ev, size_t i, const char **name) noexcept
{
    if (name == nullptr || i >= authweight_eval_identity_count(ev))
        return AUTHWEIGHT_E_INVAL;
    *name = ev->ev->result().reputation_identities[i].name.c_str();
    return AUTHWEIGHT_OK;
}

AUTHWEIGHT_API const char *authweight_ctx_rep_backend(const authweight_ctx *ctx) noexcept
{
    if (ctx == nullptr || !ctx->eng)
        return "none";
    const auto &b = ctx->eng->cfg().reputation.backend;
    return b == "lmdb" ? "lmdb" : b == "redis" ? "redis" : "none"; // the schema's enum
}

AUTHWEIGHT_API int authweight_rep_open(const authweight_ctx *ctx, const char *path, int flags, authweight_rep **out,
                                       char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (out == nullptr || ctx == nullptr || !ctx->eng || (flags & ~(AUTHWEIGHT_REP_READ_ONLY | AUTHWEIGHT_REP_OPEN_NOW)) != 0)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_open: NULL argument or unknown flag");
    *out = nullptr;
    return barrier("authweight_rep_open", errmsg, [&] {
        const auto &rc = ctx->eng->cfg().reputation;
        const bool read_only = (flags & AUTHWEIGHT_REP_READ_ONLY) != 0;
        adapters::lmdb_options o;
        o.path = path != nullptr ? std::string(path) : rc.lmdb_path;
        o.map_size_mib = static_cast<std::size_t>(rc.lmdb_map_size);
        o.create = !read_only;
        o.read_only = read_only;
        if (o.path.empty())
            return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_open: empty path");
        auto store = std::make_shared<adapters::lmdb_store>(std::move(o));
        if (read_only || (flags & AUTHWEIGHT_REP_OPEN_NOW) != 0)
            if (auto ok = store->open(); !ok)
                return fail_with(errmsg,
                                 ok.error().code() == core::error_code::NOT_FOUND ? AUTHWEIGHT_E_NOTFOUND
                                                                                  : AUTHWEIGHT_E_STORE,
                                 ok.error().message());
        auto *h = new authweight_rep{store, store.get(), rc, store->describe(), {}};
        *out = h;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_rep_connect(const authweight_ctx *ctx, const char *address, const char *password,
                                          authweight_rep **out, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (out == nullptr || ctx == nullptr || !ctx->eng || address == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_connect: NULL argument");
    *out = nullptr;
    return barrier("authweight_rep_connect", errmsg, [&] {
        const auto &rc = ctx->eng->cfg().reputation;
        auto ro = adapters::parse_redis_address(address);
        if (!ro)
            return fail_with(errmsg, AUTHWEIGHT_E_INVAL, ro.error().message());
        ro->prefix = rc.redis_prefix;
        ro->ttl = rc.redis_ttl;
        if (password != nullptr)
            ro->password = password;
        auto st = adapters::redis_store::connect(std::move(*ro));
        if (!st)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, st.error().message());
        std::shared_ptr<adapters::reputation_store> store{std::move(*st)};
        *out = new authweight_rep{store, nullptr, rc, store->describe(), {}};
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API const char *authweight_rep_describe(const authweight_rep *rep) noexcept
{
    return rep != nullptr ? rep->description.c_str() : "";
}

AUTHWEIGHT_API int authweight_rep_export(authweight_rep *rep, authweight_export_fn fn, void *arg,
                                         char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (rep == nullptr || fn == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_export: NULL argument");
    return barrier("authweight_rep_export", errmsg, [&] {
        std::string id;
        auto r = rep->store->each_record([&](std::string_view identity, const core::result<core::reputation_record> &rec) {
            id.assign(identity);
            if (!rec) {
                fn(arg, id.c_str(), nullptr, 0, rec.error().message().c_str());
                return;
            }
            const std::string line = adapters::record_line(identity, *rec);
            fn(arg, id.c_str(), line.c_str(), line.size(), nullptr);
        });
        if (!r)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, r.error().message());
        return AUTHWEIGHT_OK;
    });
}

namespace {

/** Imported records are written in batches of this many. */
constexpr std::size_t import_batch = 10000;

} // namespace

AUTHWEIGHT_API int authweight_rep_import(authweight_rep *rep, const char *line, size_t len, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (rep == nullptr || (line == nullptr && len != 0))
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_import: NULL argument");
    return barrier("authweight_rep_import", errmsg, [&] {
        auto rec = adapters::parse_record_line(std::string_view{line != nullptr ? line : "", len});
        if (!rec)
            return fail_with(errmsg, AUTHWEIGHT_E_INPUT, rec.error().message());
        rep->imported.push_back(std::move(*rec));
        if (rep->imported.size() < import_batch)
            return AUTHWEIGHT_OK;
        auto batch = std::move(rep->imported);
        rep->imported.clear();
        if (auto r = rep->store->put(batch); !r)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, r.error().message());
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API void authweight_rep_free(authweight_rep *rep) noexcept
{
    delete rep; // destructors do not throw
}

AUTHWEIGHT_API int authweight_rep_lookup(authweight_rep *rep, const char *const *ids, size_t n, long long now,
                                         char **json, size_t *len, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (rep == nullptr || json == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_lookup: NULL argument");
    *json = nullptr;
    return barrier("authweight_rep_lookup", errmsg, [&] {
        std::vector<std::string> list;
        if (!read_identities(ids, n, list))
            return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_lookup: not a list of identities");
        auto found = rep->store->lookup(list, static_cast<std::int64_t>(now), rep->cfg.half_life);
        if (!found)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, found.error().message());
        auto out = nlohmann::json::object();
        for (const auto &[id, c] : *found)
            out[id] = {{"spam", c.spam}, {"ham", c.ham}};
        return out_json(out.dump(), json, len);
    });
}

AUTHWEIGHT_API int authweight_rep_learn(authweight_rep *rep, const char *const *ids, size_t n,
                                        const char *verdict, long long now, int queued, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (rep == nullptr || verdict == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_learn: NULL argument");
    return barrier("authweight_rep_learn", errmsg, [&] {
        std::vector<std::string> list;
        if (!read_identities(ids, n, list))
            return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_learn: not a list of identities");
        // Custom actions teach nothing (the admin gave them no weight).
        auto lesson = core::lesson_for(verdict, rep->cfg);
        if (!lesson || lesson->empty())
            return AUTHWEIGHT_OK;
        const auto t = static_cast<std::int64_t>(now);
        auto r = queued != 0 && rep->lmdb != nullptr ? rep->lmdb->queue(list, *lesson, t, rep->cfg)
                                                      : rep->store->learn(list, *lesson, t, rep->cfg);
        if (!r)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, r.error().message());
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_rep_flush(authweight_rep *rep, size_t *count, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (count != nullptr)
        *count = 0;
    if (rep == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_rep_flush: NULL argument");
    return barrier("authweight_rep_flush", errmsg, [&] {
        auto batch = std::move(rep->imported);
        rep->imported.clear();
        if (auto r = rep->store->put(batch); !r)
            return fail_with(errmsg, AUTHWEIGHT_E_STORE, r.error().message());
        const size_t pending = rep->lmdb != nullptr ? rep->lmdb->pending() : 0;
        if (rep->lmdb != nullptr)
            if (auto r = rep->lmdb->flush(); !r)
                return fail_with(errmsg, AUTHWEIGHT_E_STORE, r.error().message());
        if (count != nullptr)
            *count = batch.size() + pending;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_ctx_rep_decode(const authweight_ctx *ctx, const char *bytes, size_t len,
                                             long long now, double *spam, double *ham) noexcept
{
    if (ctx == nullptr || !ctx->eng || (bytes == nullptr && len != 0) || spam == nullptr || ham == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *spam = *ham = 0.0;
    return barrier("authweight_ctx_rep_decode", nullptr, [&] {
        auto rec = adapters::decode_record(std::string_view{bytes != nullptr ? bytes : "", len});
        if (!rec)
            return AUTHWEIGHT_E_INPUT;
        auto c = core::decayed(*rec, static_cast<std::int64_t>(now), ctx->eng->cfg().reputation.half_life);
        *spam = c.spam;
        *ham = c.ham;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API int authweight_ctx_rep_lesson(const authweight_ctx *ctx, const char *verdict, double *spam,
                                             double *ham) noexcept
{
    if (ctx == nullptr || !ctx->eng || verdict == nullptr || spam == nullptr || ham == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *spam = *ham = 0.0;
    return barrier("authweight_ctx_rep_lesson", nullptr, [&] {
        auto lesson = core::lesson_for(verdict, ctx->eng->cfg().reputation);
        if (!lesson)
            return AUTHWEIGHT_E_INVAL;
        *spam = lesson->spam;
        *ham = lesson->ham;
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API const char *authweight_rep_redis_script(void) noexcept
{
    return adapters::redis_update_script().data(); // a literal: NUL-terminated
}

AUTHWEIGHT_API const char *authweight_schema_json(void) noexcept
{
    return adapters::config_schema_text().data(); // a literal: NUL-terminated
}

AUTHWEIGHT_API int authweight_zone_load(const char *path, authweight_zone **out, char **errmsg) noexcept
{
    if (errmsg != nullptr)
        *errmsg = nullptr;
    if (path == nullptr || out == nullptr)
        return fail_with(errmsg, AUTHWEIGHT_E_INVAL, "authweight_zone_load: NULL argument");
    *out = nullptr;
    return barrier("authweight_zone_load", errmsg, [&] {
        auto z = adapters::zone::load(path);
        if (!z)
            return fail_with(errmsg,
                             z.error().code() == core::error_code::NOT_FOUND ? AUTHWEIGHT_E_NOTFOUND
                                                                              : AUTHWEIGHT_E_INPUT,
                             z.error().message());
        *out = new authweight_zone{std::move(*z)};
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API void authweight_zone_free(authweight_zone *zone) noexcept
{
    delete zone;
}

AUTHWEIGHT_API int authweight_eval_answer_zone(authweight_eval *ev, const authweight_zone *zone) noexcept
{
    if (ev == nullptr || !ev->ev || zone == nullptr || ev->st != authweight_eval::state::PENDING)
        return AUTHWEIGHT_E_INVAL;
    return barrier("authweight_eval_answer_zone", nullptr, [&] {
        const std::vector<core::dns_query> queries = ev->ev->pending(); // answer() may change it
        for (const auto &q : queries) {
            // A TIMEOUT in the zone: a temporary failure, never a negative verdict.
            auto a = zone->zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}});
            ev->ev->answer(q, std::move(a));
        }
        return AUTHWEIGHT_OK;
    });
}

AUTHWEIGHT_API size_t authweight_utf8_sequence(const char *s, size_t len) noexcept
{
    if (s == nullptr || len == 0)
        return 0;
    std::size_t consumed = 0;
    return core::text::utf8_sequence(std::string_view{s, len}, 0, consumed);
}

AUTHWEIGHT_API size_t authweight_text_cap(const char *s, size_t len, size_t cap, char *buf, size_t size) noexcept
{
    if (buf == nullptr || size == 0)
        return 0;
    const std::string_view text = s != nullptr ? std::string_view{s, len} : std::string_view{};
    const std::size_t n = core::text::capped_into(text, cap, ' ', buf, size - 1); // and the NUL
    buf[n] = '\0';
    return n;
}

} // extern "C"
