// The C ABI: check pointers, wrap inputs in std::string_view, call the
// core, map its error codes (STYLE.md §3). Nothing escapes: every function
// is noexcept with a catch (...) backstop.
#include "authweight.h"

#include "authweight/dns.hxx"
#include "authweight/error.hxx"
#include "authweight/symbols.hxx"
#include "engine.hxx"
#include "json_io.hxx"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core = authweight::core;
namespace adapters = authweight::adapters;

struct authweight_ctx {
    std::shared_ptr<const adapters::engine> eng;
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
    try {
        // "{}" rather than core::config{}: the schema's defaults are the
        // only defaults.
        std::string_view text = len == 0 ? std::string_view{"{}"} : std::string_view{config_json, len};
        auto cfg = adapters::parse_config(text);
        if (!cfg)
            return fail_with(errmsg, map_code(cfg.error().code(), AUTHWEIGHT_E_CONFIG),
                             cfg.error().message());
        auto eng = adapters::engine::create(std::move(*cfg));
        if (!eng)
            return fail_with(errmsg, map_code(eng.error().code(), AUTHWEIGHT_E_CONFIG),
                             eng.error().message());
        auto *ctx = new authweight_ctx{std::move(*eng)};
        *out = ctx;
        return AUTHWEIGHT_OK;
    } catch (const std::bad_alloc &) {
        return fail_with(errmsg, AUTHWEIGHT_E_NOMEM, "out of memory");
    } catch (...) {
        return fail_with(errmsg, AUTHWEIGHT_E_INTERNAL, "internal error creating the context");
    }
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
    try {
        std::string_view text = len == 0 ? std::string_view{"{}"} : std::string_view{facts_json, len};
        auto facts = adapters::parse_facts(text);
        if (!facts)
            return fail_with(errmsg, map_code(facts.error().code(), AUTHWEIGHT_E_INPUT),
                             facts.error().message());
        if (message != nullptr) {
            facts->message.assign(message, msglen);
            facts->has_message = true;
        }
        auto ev = adapters::evaluation::create(ctx->eng, std::move(*facts));
        if (!ev)
            return fail_with(errmsg, map_code(ev.error().code(), AUTHWEIGHT_E_INPUT),
                             ev.error().message());
        auto *h = new authweight_eval{};
        h->ev = std::move(*ev);
        *out = h;
        return AUTHWEIGHT_OK;
    } catch (const std::bad_alloc &) {
        return fail_with(errmsg, AUTHWEIGHT_E_NOMEM, "out of memory");
    } catch (...) {
        return fail_with(errmsg, AUTHWEIGHT_E_INTERNAL, "internal error creating the evaluation");
    }
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
    try {
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
    } catch (const std::bad_alloc &) {
        // A step cut short leaves the evaluation in an unknown state.
        ev->st = st::BROKEN;
        return AUTHWEIGHT_E_NOMEM;
    } catch (...) {
        ev->st = st::BROKEN;
        return AUTHWEIGHT_E_INTERNAL;
    }
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
    try {
        core::dns_query q{std::string{name}, *t};
        core::dns_answer a{*s, {}};
        a.records.reserve(nrecords);
        for (size_t i = 0; i < nrecords; ++i)
            a.records.emplace_back(records[i]);
        ev->ev->answer(std::move(q), std::move(a));
        return AUTHWEIGHT_OK;
    } catch (const std::bad_alloc &) {
        return AUTHWEIGHT_E_NOMEM;
    } catch (...) {
        return AUTHWEIGHT_E_INTERNAL;
    }
}

AUTHWEIGHT_API int authweight_eval_report_json(const authweight_eval *ev, char **json,
                                               size_t *len) noexcept
{
    if (json == nullptr)
        return AUTHWEIGHT_E_INVAL;
    *json = nullptr;
    if (ev == nullptr || !ev->ev || ev->st != authweight_eval::state::DONE)
        return AUTHWEIGHT_E_INVAL;
    try {
        return out_json(adapters::report_to_json(ev->ev->result()), json, len);
    } catch (const std::bad_alloc &) {
        return AUTHWEIGHT_E_NOMEM;
    } catch (...) {
        return AUTHWEIGHT_E_INTERNAL;
    }
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
    try {
        auto arr = nlohmann::json::array();
        for (const auto &s : core::all_symbols())
            arr.push_back({{"name", s.name},
                           {"score", s.score},
                           {"dynamic", s.dynamic},
                           {"auth_derived", s.auth_derived},
                           {"description", s.description}});
        return out_json(arr.dump(), json, len);
    } catch (const std::bad_alloc &) {
        return AUTHWEIGHT_E_NOMEM;
    } catch (...) {
        return AUTHWEIGHT_E_INTERNAL;
    }
}

AUTHWEIGHT_API const char *authweight_schema_json(void) noexcept
{
    // config_schema_text() promises a view, not a terminated string.
    try {
        static const std::string text{adapters::config_schema_text()};
        return text.c_str();
    } catch (...) {
        return "";
    }
}

} // extern "C"
