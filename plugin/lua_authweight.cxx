// Lua C module authweight_core, for LuaJIT 2.1 (the Lua 5.1 API, rspamd)
// and Lua 5.4, from this one file.
//
// It speaks only the C ABI of authweight.h (libauthweight), and passes
// that ABI's JSON documents through as strings: config, facts and
// reputation counts go in as JSON text, and the report, the effective
// config, the symbol table and reputation counts come out as JSON text.
// The host encodes and decodes them with its own JSON library (rspamd's
// ucl, lua-cjson), so this module has no serializer of its own. The
// message goes in as a string, or as a pointer and length the host owns
// (rspamd's text:ptr()), read in place; the verdict comes out through the
// ABI's accessors. Rules kept here (STYLE.md §3):
//  - bad arguments raise (luaL_check*, "attempt to use a closed ... handle");
//    failures that depend on the data return nil, msg, code;
//  - a userdata gets its __gc before the native handle is acquired;
//  - no Lua function has a C++ object with a destructor alive in its frame,
//    because Lua 5.4 built as C unwinds with longjmp. Text the library
//    allocates is held by an "authweight.buffer" userdata, which the
//    collector frees, until Lua has its copy.
#include "authweight.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

#define AW_EXPORT __attribute__((visibility("default")))

namespace {

// ---- Lua 5.1 / 5.4 shims ----------------------------------------------------

#if LUA_VERSION_NUM < 502
size_t aw_rawlen(lua_State *L, int idx)
{
    return lua_objlen(L, idx);
}
#else
size_t aw_rawlen(lua_State *L, int idx)
{
    return static_cast<size_t>(lua_rawlen(L, idx));
}
#endif

/** Pop the value on top and make it the link of the userdata at stack
 *  slot `idx` (> 0): uservalue in 5.2+, a one-element environment table
 *  in 5.1. */
void set_link(lua_State *L, int idx)
{
#if LUA_VERSION_NUM < 502
    lua_createtable(L, 1, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
    lua_setfenv(L, idx);
#else
    lua_setuservalue(L, idx);
#endif
}

/** Plain luaL_setfuncs without upvalues: Lua 5.1 lacks it. */
void set_funcs(lua_State *L, const luaL_Reg *r)
{
    for (; r->name != nullptr; ++r) {
        lua_pushcfunction(L, r->func);
        lua_setfield(L, -2, r->name);
    }
}

void set_metatable(lua_State *L, const char *name)
{
    luaL_getmetatable(L, name);
    lua_setmetatable(L, -2);
}

constexpr const char *CTX_MT = "authweight.ctx";
constexpr const char *EVAL_MT = "authweight.eval";
constexpr const char *REP_MT = "authweight.rep";
constexpr const char *BUF_MT = "authweight.buffer";
constexpr const char *CLOSED_MSG = "attempt to use a closed authweight handle";
constexpr size_t MAX_RECORDS = 4096;
constexpr size_t MAX_MESSAGE = size_t{1} << 31;

// ---- text the library allocates ----------------------------------------------------

/** Holds a string from the ABI (authweight_free) until the collector runs. */
struct buffer {
    char *p;
};

int buffer_gc(lua_State *L)
{
    auto *b = static_cast<buffer *>(luaL_checkudata(L, 1, BUF_MT));
    authweight_free(b->p);
    b->p = nullptr;
    return 0;
}

/** A buffer on the stack, for an ABI call to fill. */
buffer *new_buffer(lua_State *L)
{
    auto *b = static_cast<buffer *>(lua_newuserdata(L, sizeof(buffer)));
    b->p = nullptr;
    set_metatable(L, BUF_MT);
    return b;
}

int table_hint(size_t n)
{
    return n > 4096 ? 0 : static_cast<int>(n);
}

// ---- failures ------------------------------------------------------------------------

int push_fail(lua_State *L, const char *msg, int code)
{
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushinteger(L, code);
    return 3;
}

/** nil, msg, code from a C ABI failure; frees errmsg before touching Lua. */
int push_abi_fail(lua_State *L, int code, char *errmsg)
{
    char msg[1024];
    std::snprintf(msg, sizeof msg, "%s", errmsg != nullptr ? errmsg : authweight_strerror(code));
    authweight_free(errmsg);
    return push_fail(L, msg, code);
}

/** The JSON text at idx, a string or nothing (nil, none: *len is 0). */
const char *opt_json(lua_State *L, int idx, size_t *len, const char *what)
{
    *len = 0;
    if (lua_isnoneornil(L, idx))
        return nullptr;
    luaL_argcheck(L, lua_type(L, idx) == LUA_TSTRING, idx, what);
    return lua_tolstring(L, idx, len);
}

// ---- handles -----------------------------------------------------------------------

struct handle {
    void *ptr;
};

/** The open handle of class mt at idx; raises if it is closed. */
template <typename T>
T *check(lua_State *L, int idx, const char *mt)
{
    auto *h = static_cast<handle *>(luaL_checkudata(L, idx, mt));
    luaL_argcheck(L, h->ptr != nullptr, idx, CLOSED_MSG);
    return static_cast<T *>(h->ptr);
}

/** A new handle of class mt on the stack, its __gc in place before the
 *  native handle is acquired into ->ptr. */
handle *new_handle(lua_State *L, const char *mt)
{
    auto *h = static_cast<handle *>(lua_newuserdata(L, sizeof(handle)));
    h->ptr = nullptr;
    set_metatable(L, mt);
    return h;
}

template <const char *const *MT, typename T, void (*FREE)(T *)>
int close_handle(lua_State *L)
{
    auto *h = static_cast<handle *>(luaL_checkudata(L, 1, *MT));
    FREE(static_cast<T *>(h->ptr));
    h->ptr = nullptr;
    return 0;
}

template <const char *const *MT>
int handle_tostring(lua_State *L)
{
    auto *h = static_cast<handle *>(luaL_checkudata(L, 1, *MT));
    if (h->ptr != nullptr)
        lua_pushfstring(L, "%s (%p)", *MT, static_cast<void *>(h));
    else
        lua_pushfstring(L, "%s (closed)", *MT);
    return 1;
}

authweight_ctx *check_ctx(lua_State *L) { return check<authweight_ctx>(L, 1, CTX_MT); }
authweight_eval *check_eval(lua_State *L) { return check<authweight_eval>(L, 1, EVAL_MT); }
authweight_rep *check_rep(lua_State *L, int idx = 1) { return check<authweight_rep>(L, idx, REP_MT); }

// ---- contexts and evaluations ------------------------------------------------------

/** core.new([config_json]) -> ctx | nil, msg, code */
int l_new(lua_State *L)
{
    size_t len = 0;
    const char *json = opt_json(L, 1, &len, "config JSON string or nil expected");
    handle *h = new_handle(L, CTX_MT);
    authweight_ctx *ctx = nullptr;
    char *errmsg = nullptr;
    int rc = authweight_ctx_new(json, len, &ctx, &errmsg);
    h->ptr = ctx;
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    return 1;
}

/** ctx:config() -> the config the context runs with, the schema's
 *  defaults filled in (authweight_ctx_config_json), as JSON text */
int ctx_config(lua_State *L)
{
    const char *json = nullptr;
    size_t len = 0;
    if (int rc = authweight_ctx_config_json(check_ctx(L), &json, &len); rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushlstring(L, json, len);
    return 1;
}

/**
 * ctx:evaluate([facts_json [, message [, length]]]) -> ev | nil, msg, code:
 * the facts go to authweight_eval_new() as they are; the message is a
 * string, or a host's pointer (light userdata) and its length in bytes,
 * read in place during the call.
 */
int ctx_evaluate(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    size_t len = 0, msglen = 0;
    const char *json = opt_json(L, 2, &len, "facts JSON string or nil expected");
    const char *message = nullptr;
    if (lua_type(L, 3) == LUA_TLIGHTUSERDATA) {
        const lua_Number n = luaL_checknumber(L, 4);
        luaL_argcheck(L, n >= 0 && n < static_cast<lua_Number>(MAX_MESSAGE), 4, "a message length expected");
        message = static_cast<const char *>(lua_touserdata(L, 3));
        msglen = static_cast<size_t>(n);
        luaL_argcheck(L, message != nullptr || msglen == 0, 3, "a NULL message with a length");
    } else if (!lua_isnoneornil(L, 3)) {
        message = luaL_checklstring(L, 3, &msglen);
    }
    lua_settop(L, 3);
    handle *h = new_handle(L, EVAL_MT); // 4
    lua_pushvalue(L, 1);
    set_link(L, 4); // the context outlives its evaluations
    authweight_eval *ev = nullptr;
    char *errmsg = nullptr;
    int rc = authweight_eval_new(ctx, json, len, message, msglen, &ev, &errmsg);
    h->ptr = ev;
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    return 1;
}

/**
 * A message's symbols at idx and idx + 1: the array of names and the
 * array of their scores (what rspamd's task:get_symbols() returns), read
 * into arrays allocated as userdata on the stack (the collector frees
 * them; the names stay anchored by their table). Raises on a malformed
 * table. @return the count
 */
size_t read_symbols(lua_State *L, int idx, const char ***names, double **scores)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    luaL_checktype(L, idx + 1, LUA_TTABLE);
    size_t n = aw_rawlen(L, idx);
    luaL_argcheck(L, n <= 65536 && aw_rawlen(L, idx + 1) == n, idx + 1, "names and scores differ in length");
    *names = static_cast<const char **>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(const char *)));
    *scores = static_cast<double *>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(double)));
    for (size_t i = 0; i < n; ++i) {
        lua_rawgeti(L, idx, static_cast<int>(i + 1));
        lua_rawgeti(L, idx + 1, static_cast<int>(i + 1));
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
            luaL_argerror(L, idx, "an array of names and an array of their scores expected");
        (*names)[i] = lua_tostring(L, -2); // anchored by the names table
        (*scores)[i] = static_cast<double>(lua_tonumber(L, -1));
        luaL_argcheck(L, std::isfinite((*scores)[i]), idx + 1, "scores must be finite numbers");
        lua_pop(L, 2);
    }
    return n;
}

/** ctx:trust_cap(names, scores [, groups [, reject_score]])
 *  -> the weight to add back (>= 0), "veto:..." or nil | nil, msg, code.
 *  groups maps a symbol name to its host groups, space-separated. */
int ctx_trust_cap(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    lua_settop(L, 5);
    const char **names = nullptr;
    double *scores = nullptr;
    size_t n = read_symbols(L, 2, &names, &scores);
    const char **groups = nullptr;
    if (!lua_isnil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        groups = static_cast<const char **>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(const char *)));
        for (size_t i = 0; i < n; ++i) {
            lua_getfield(L, 4, names[i]);
            groups[i] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : nullptr; // anchored by the table
            lua_pop(L, 1);
        }
    }
    const double reject = lua_isnil(L, 5) ? std::nan("") : static_cast<double>(luaL_checknumber(L, 5));
    buffer *veto = new_buffer(L);
    double cap = 0.0;
    int rc = authweight_ctx_trust_decision(ctx, names, scores, groups, n, reject, &cap, &veto->p);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(cap));
    if (veto->p == nullptr)
        return 1;
    lua_pushstring(L, veto->p);
    return 2;
}

/** ctx:unauth_strict(names, scores, aligned, smtp_authenticated) -> weight (>= 0) | nil, msg, code */
int ctx_unauth_strict(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    lua_settop(L, 5);
    const char **names = nullptr;
    double *scores = nullptr;
    size_t n = read_symbols(L, 2, &names, &scores);
    double extra = 0.0;
    int rc = authweight_ctx_unauth_strict(ctx, names, scores, n, lua_toboolean(L, 4), lua_toboolean(L, 5), &extra);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(extra));
    return 1;
}

/** ev:step() -> "done" | "need_dns", {{name=, type=}, ...} | nil, msg, code */
int eval_step(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    int rc = authweight_eval_step(ev);
    if (rc == AUTHWEIGHT_OK) {
        lua_pushliteral(L, "done");
        return 1;
    }
    if (rc != AUTHWEIGHT_NEED_DNS)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushliteral(L, "need_dns");
    size_t n = authweight_eval_query_count(ev);
    lua_createtable(L, table_hint(n), 0);
    for (size_t i = 0; i < n && i < static_cast<size_t>(INT_MAX); ++i) {
        const char *name = nullptr, *type = nullptr;
        if (authweight_eval_query(ev, i, &name, &type) != AUTHWEIGHT_OK)
            break;
        lua_createtable(L, 0, 2);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, type);
        lua_setfield(L, -2, "type");
        lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 2;
}

/** ev:answer(name, type, status[, records]) -> true | nil, msg, code */
int eval_answer(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    const char *name = luaL_checkstring(L, 2);
    const char *type = luaL_checkstring(L, 3);
    const char *status = luaL_checkstring(L, 4);
    size_t n = 0;
    const char **recs = nullptr;
    if (!lua_isnoneornil(L, 5)) {
        luaL_checktype(L, 5, LUA_TTABLE);
        n = aw_rawlen(L, 5);
        luaL_argcheck(L, n <= MAX_RECORDS, 5, "too many records");
        if (n != 0)
            recs = static_cast<const char **>(lua_newuserdata(L, n * sizeof(const char *)));
        for (size_t i = 0; i < n; ++i) {
            lua_rawgeti(L, 5, static_cast<int>(i + 1));
            if (lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 5, "records must be an array of strings");
            recs[i] = lua_tostring(L, -1); // anchored by the records table
            lua_pop(L, 1);
        }
    }
    int rc = authweight_eval_answer(ev, name, type, status, recs, n);
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: answer %.64s/%.16s %.16s rejected: unknown type or status, "
                             "or the evaluation is done", name, type, status);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushboolean(L, 1);
    return 1;
}

/** ev:report_json() -> the report's JSON text | nil, msg, code */
int eval_report_json(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    buffer *b = new_buffer(L);
    size_t len = 0;
    int rc = authweight_eval_report_json(ev, &b->p, &len);
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: report before the evaluation is done");
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushlstring(L, b->p, len);
    return 1;
}

// ---- reputation of authenticated identities ---------------------------------------

/** ev:set_reputation(counts_json) -> "done" (scored again at once) | nil, msg, code;
 *  counts_json is {"identity": {"spam": n, "ham": n}, ...} */
int eval_set_reputation(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    size_t len = 0;
    const char *json = luaL_checklstring(L, 2, &len);
    char *errmsg = nullptr;
    int rc = authweight_eval_reputation(ev, json, len, &errmsg);
    if (rc == AUTHWEIGHT_E_INVAL) {
        authweight_free(errmsg);
        return luaL_error(L, "authweight: set_reputation before the evaluation is done");
    }
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushliteral(L, "done");
    return 1;
}

/** An array of identity strings at idx, as userdata on the stack (the
 *  table anchors the strings). Raises on a malformed table. */
const char **read_ids(lua_State *L, int idx, size_t *n)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    *n = aw_rawlen(L, idx);
    luaL_argcheck(L, *n <= 64, idx, "too many identities");
    auto **ids = static_cast<const char **>(lua_newuserdata(L, (*n != 0 ? *n : 1) * sizeof(const char *)));
    for (size_t i = 0; i < *n; ++i) {
        lua_rawgeti(L, idx, static_cast<int>(i + 1));
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, idx, "array of identity strings expected");
        ids[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    return ids;
}

long long check_time(lua_State *L, int idx)
{
    double t = static_cast<double>(luaL_checknumber(L, idx));
    luaL_argcheck(L, std::isfinite(t) && t >= 0 && t < 1e15, idx, "Unix time expected");
    return static_cast<long long>(t);
}

/** ctx:reputation_store([path]) -> store | nil, msg, code (opens lazily) */
int ctx_reputation_store(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    const char *path = luaL_optstring(L, 2, nullptr);
    handle *h = new_handle(L, REP_MT);
    authweight_rep *rep = nullptr;
    char *errmsg = nullptr;
    int rc = authweight_rep_open(ctx, path, 0, &rep, &errmsg);
    h->ptr = rep;
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    return 1;
}

/** store:lookup(ids, now) -> counts JSON {"identity": {"spam": n, "ham": n}} | nil, msg, code */
int rep_lookup(lua_State *L)
{
    authweight_rep *rep = check_rep(L);
    lua_settop(L, 3); // what read_ids pushes must not pass for an argument
    size_t n = 0, len = 0;
    const char **ids = read_ids(L, 2, &n);
    long long now = check_time(L, 3);
    buffer *b = new_buffer(L);
    char *errmsg = nullptr;
    int rc = authweight_rep_lookup(rep, ids, n, now, &b->p, &len, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushlstring(L, b->p, len);
    return 1;
}

/** store:learn(ids, verdict, now[, queued]) -> true | nil, msg, code */
int rep_learn(lua_State *L)
{
    authweight_rep *rep = check_rep(L);
    lua_settop(L, 5); // what read_ids pushes must not pass for an argument
    size_t n = 0;
    const char **ids = read_ids(L, 2, &n);
    const char *verdict = luaL_checkstring(L, 3);
    long long now = check_time(L, 4);
    char *errmsg = nullptr;
    int rc = authweight_rep_learn(rep, ids, n, verdict, now, lua_toboolean(L, 5), &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushboolean(L, 1);
    return 1;
}

/** store:flush() -> identities committed | nil, msg, code */
int rep_flush(lua_State *L)
{
    size_t count = 0;
    char *errmsg = nullptr;
    int rc = authweight_rep_flush(check_rep(L), &count, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushinteger(L, static_cast<lua_Integer>(count));
    return 1;
}

/** ctx:reputation_decode(bytes, now) -> spam, ham | nil, msg, code (a Redis value) */
int ctx_reputation_decode(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    size_t len = 0;
    const char *bytes = luaL_checklstring(L, 2, &len);
    long long now = check_time(L, 3);
    double spam = 0, ham = 0;
    int rc = authweight_ctx_rep_decode(ctx, bytes, len, now, &spam, &ham);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, rc == AUTHWEIGHT_E_INPUT ? "not a reputation record" : authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(spam));
    lua_pushnumber(L, static_cast<lua_Number>(ham));
    return 2;
}

/** ctx:reputation_lesson(verdict) -> spam, ham | nil, msg, code */
int ctx_reputation_lesson(lua_State *L)
{
    authweight_ctx *ctx = check_ctx(L);
    const char *verdict = luaL_checkstring(L, 2);
    double spam = 0, ham = 0;
    int rc = authweight_ctx_rep_lesson(ctx, verdict, &spam, &ham);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, "unknown verdict", rc);
    lua_pushnumber(L, static_cast<lua_Number>(spam));
    lua_pushnumber(L, static_cast<lua_Number>(ham));
    return 2;
}

/**
 * ev:use_store(store, now): before the first step, let the evaluation read
 * its identities' counts from the LMDB store when its checks are done and
 * score them in that step (summary()'s fifth value says why a failing
 * store gave nothing).
 */
int eval_use_store(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    authweight_rep *rep = check_rep(L, 2);
    int rc = authweight_eval_use_store(ev, rep, check_time(L, 3));
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: use_store after the evaluation was stepped");
    if (rc != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: use_store: %s", authweight_strerror(rc));
    return 0;
}

/** ev:identities() -> {"example.org", ...}: the message's authenticated identities */
int eval_identities(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    size_t n = authweight_eval_identity_count(ev);
    lua_createtable(L, table_hint(n), 0);
    for (size_t i = 0; i < n && i < static_cast<size_t>(INT_MAX); ++i) {
        const char *name = nullptr;
        if (authweight_eval_identity(ev, i, &name) != AUTHWEIGHT_OK)
            break;
        lua_pushstring(L, name);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    return 1;
}

/** core.reputation_redis_script() -> the Redis update script (Lua text) */
int l_reputation_redis_script(lua_State *L)
{
    lua_pushstring(L, authweight_rep_redis_script());
    return 1;
}

/** Untrusted text for a symbol option or a log line, through the
 *  library's capper (authweight_text_cap). */
void push_capped(lua_State *L, const char *s, size_t len, size_t cap)
{
    char stack[512];
    char *out = stack;
    if (cap + 4 > sizeof stack)
        out = static_cast<char *>(lua_newuserdata(L, cap + 4)); // freed by the collector
    const size_t n = authweight_text_cap(s, len, cap, out, cap + 4);
    lua_pushlstring(L, out, n);
    if (out != stack)
        lua_remove(L, -2);
}

/** core.cap(text, n) -> text safe for one log line: control characters
 *  become spaces, and past n bytes it is cut and ends in "..." */
int l_cap(lua_State *L)
{
    size_t len = 0;
    const char *s = luaL_checklstring(L, 1, &len);
    const lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= 65536, 2, "a length from 0 to 65536 expected");
    push_capped(L, s, len, static_cast<size_t>(n));
    return 1;
}

/**
 * Push symbol i of a finished evaluation: its name, score and reason, then
 * its options, ready for rspamd: one line each, capped (push_capped), and
 * empty options left out.
 * @return the count of options pushed, or -1 (nothing pushed) past the end
 */
int push_symbol(lua_State *L, const authweight_eval *ev, size_t i, size_t option_len, size_t reason_len)
{
    const char *name = nullptr, *reason = nullptr;
    double s = 0;
    size_t nopts = 0;
    if (ev == nullptr || authweight_eval_symbol(ev, i, &name, &s, &reason, &nopts) != AUTHWEIGHT_OK)
        return -1;
    luaL_checkstack(L, static_cast<int>(std::min<size_t>(nopts, 1000)) + 3, "authweight: too many options");
    lua_pushstring(L, name);
    lua_pushnumber(L, static_cast<lua_Number>(s));
    push_capped(L, reason, std::strlen(reason), reason_len);
    int k = 0;
    for (size_t j = 0; j < nopts && j < 1000; ++j) {
        const char *opt = nullptr;
        if (authweight_eval_symbol_option(ev, i, j, &opt) != AUTHWEIGHT_OK)
            break;
        if (*opt == '\0')
            continue;
        push_capped(L, opt, std::strlen(opt), option_len);
        ++k;
    }
    return k;
}

/** A length (> 0) for capping, at idx. */
size_t check_cap(lua_State *L, int idx)
{
    const lua_Integer n = luaL_checkinteger(L, idx);
    luaL_argcheck(L, n > 0, idx, "positive lengths expected");
    return static_cast<size_t>(n);
}

/**
 * ev:summary() -> aligned, score, dns_rounds, authentication_results
 * [, reputation_error]: the verdict's figures, without its symbols.
 */
int eval_summary(lua_State *L)
{
    authweight_eval *ev = check_eval(L);
    double score = 0;
    int aligned = 0, rounds = 0;
    if (authweight_eval_summary(ev, &score, &aligned, &rounds) != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: verdict before the evaluation is done");
    lua_pushboolean(L, aligned);
    lua_pushnumber(L, static_cast<lua_Number>(score));
    lua_pushinteger(L, rounds);
    const char *ar = nullptr;
    if (authweight_eval_authentication_results(ev, &ar) == AUTHWEIGHT_OK)
        lua_pushstring(L, ar);
    else
        lua_pushliteral(L, "");
    if (const char *rep_err = authweight_eval_reputation_error(ev)) {
        push_capped(L, rep_err, std::strlen(rep_err), 300);
        return 5;
    }
    return 4;
}

/**
 * ev:each_symbol(option_len, reason_len, fn): fn(name, score, reason,
 * option...) for each symbol of the verdict, options and reason ready for
 * rspamd (push_symbol). What a host inserts, with no table per symbol.
 */
int eval_each_symbol(lua_State *L)
{
    auto *h = static_cast<handle *>(luaL_checkudata(L, 1, EVAL_MT));
    luaL_argcheck(L, h->ptr != nullptr, 1, CLOSED_MSG);
    const size_t option_len = check_cap(L, 2), reason_len = check_cap(L, 3);
    luaL_checktype(L, 4, LUA_TFUNCTION);
    double score = 0;
    int aligned = 0, rounds = 0;
    if (authweight_eval_summary(static_cast<authweight_eval *>(h->ptr), &score, &aligned, &rounds) != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: verdict before the evaluation is done");
    // fn may close the evaluation: h->ptr is read again for every symbol.
    for (size_t i = 0; h->ptr != nullptr && i < static_cast<size_t>(INT_MAX); ++i) {
        lua_pushvalue(L, 4);
        const int k = push_symbol(L, static_cast<authweight_eval *>(h->ptr), i, option_len, reason_len);
        if (k < 0) {
            lua_pop(L, 1);
            break;
        }
        lua_call(L, 3 + k, 0);
    }
    return 0;
}

/** core.symbols() -> the symbol table's JSON text: [{name, score, dynamic,
 *  auth_derived, description}, ...] */
int l_symbols(lua_State *L)
{
    buffer *b = new_buffer(L);
    size_t len = 0;
    int rc = authweight_symbols_json(&b->p, &len);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushlstring(L, b->p, len);
    return 1;
}

/** core.schema() -> the config's JSON Schema text */
int l_schema(lua_State *L)
{
    lua_pushstring(L, authweight_schema_json());
    return 1;
}

/** A handle class: its methods, and close() as __gc (and __close). */
void new_class(lua_State *L, const char *name, lua_CFunction gc, lua_CFunction tostring,
               const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
#if LUA_VERSION_NUM >= 504
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__close");
#endif
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_newtable(L);
    set_funcs(L, methods);
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "close");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

} // namespace

extern "C" AW_EXPORT int luaopen_authweight_core(lua_State *L)
{
    static const luaL_Reg ctx_methods[] = {
        {"evaluate", ctx_evaluate},
        {"config", ctx_config},
        {"trust_cap", ctx_trust_cap},
        {"unauth_strict", ctx_unauth_strict},
        {"reputation_store", ctx_reputation_store},
        {"reputation_decode", ctx_reputation_decode},
        {"reputation_lesson", ctx_reputation_lesson},
        {nullptr, nullptr},
    };
    static const luaL_Reg eval_methods[] = {
        {"step", eval_step},
        {"answer", eval_answer},
        {"report_json", eval_report_json},
        {"summary", eval_summary},
        {"each_symbol", eval_each_symbol},
        {"set_reputation", eval_set_reputation},
        {"identities", eval_identities},
        {"use_store", eval_use_store},
        {nullptr, nullptr},
    };
    static const luaL_Reg rep_methods[] = {
        {"lookup", rep_lookup},
        {"learn", rep_learn},
        {"flush", rep_flush},
        {nullptr, nullptr},
    };
    static const luaL_Reg functions[] = {
        {"new", l_new},
        {"symbols", l_symbols},
        {"schema", l_schema},
        {"cap", l_cap},
        {"reputation_redis_script", l_reputation_redis_script},
        {nullptr, nullptr},
    };

    luaL_newmetatable(L, BUF_MT);
    lua_pushcfunction(L, buffer_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    new_class(L, CTX_MT, close_handle<&CTX_MT, authweight_ctx, authweight_ctx_free>, handle_tostring<&CTX_MT>,
              ctx_methods);
    new_class(L, EVAL_MT, close_handle<&EVAL_MT, authweight_eval, authweight_eval_free>, handle_tostring<&EVAL_MT>,
              eval_methods);
    new_class(L, REP_MT, close_handle<&REP_MT, authweight_rep, authweight_rep_free>, handle_tostring<&REP_MT>,
              rep_methods);

    lua_newtable(L);
    set_funcs(L, functions);
    lua_pushstring(L, authweight_version());
    lua_setfield(L, -2, "version");
    static const struct {
        const char *name;
        int value;
    } codes[] = {
        {"OK", AUTHWEIGHT_OK},
        {"NEED_DNS", AUTHWEIGHT_NEED_DNS},
        {"E_INVAL", AUTHWEIGHT_E_INVAL},
        {"E_CONFIG", AUTHWEIGHT_E_CONFIG},
        {"E_INPUT", AUTHWEIGHT_E_INPUT},
        {"E_NOMEM", AUTHWEIGHT_E_NOMEM},
        {"E_INTERNAL", AUTHWEIGHT_E_INTERNAL},
        {"E_STORE", AUTHWEIGHT_E_STORE},
    };
    for (const auto &c : codes) {
        lua_pushinteger(L, c.value);
        lua_setfield(L, -2, c.name);
    }
    return 1;
}
