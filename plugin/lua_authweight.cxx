// Lua C module authweight_core, for LuaJIT 2.1 (the Lua 5.1 API, rspamd)
// and Lua 5.4, from this one file.
//
// It speaks only the C ABI of authweight.h (libauthweight): tables go in
// as the ABI's JSON documents (config, facts, reputation counts), the
// message as its bytes, read in place from an rspamd text; the verdict
// comes out through the ABI's accessors. Rules kept here (STYLE.md §3):
//  - bad arguments raise (luaL_check*, "attempt to use a closed ... handle");
//    failures that depend on the data return nil, msg, code;
//  - a userdata gets its __gc before the native handle is acquired;
//  - no Lua function has a C++ object with a destructor alive in its frame,
//    because Lua 5.4 built as C unwinds with longjmp. Text built here lives
//    in "authweight.buffer" userdata and parsed JSON in "authweight.json"
//    userdata, which the collector frees; the JSON parser runs in a
//    noexcept helper that calls no Lua API.
//
// Lua tables are written as JSON by a small serializer, the binding's one.
// An empty table is written {}; the library reads {} as [] where it wants
// an array.
#include "authweight.h"

#include <nlohmann/json.hpp>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#define AW_EXPORT __attribute__((visibility("default")))

namespace {

// ---- Lua 5.1 / 5.4 shims ----------------------------------------------------

#if LUA_VERSION_NUM < 502
size_t aw_rawlen(lua_State *L, int idx)
{
    return lua_objlen(L, idx);
}
int aw_absindex(lua_State *L, int idx)
{
    return (idx > 0 || idx <= LUA_REGISTRYINDEX) ? idx : lua_gettop(L) + idx + 1;
}
#else
size_t aw_rawlen(lua_State *L, int idx)
{
    return static_cast<size_t>(lua_rawlen(L, idx));
}
int aw_absindex(lua_State *L, int idx)
{
    return lua_absindex(L, idx);
}
#endif

/** Pop the value on top and make it the link of the userdata at `idx`
 *  (uservalue in 5.2+, a one-element environment table in 5.1). */
void set_link(lua_State *L, int idx)
{
    idx = aw_absindex(L, idx);
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
constexpr const char *BUF_MT = "authweight.buffer";
constexpr const char *JSON_MT = "authweight.json";
constexpr const char *TEXT_MT_KEY = "authweight.text_mt";
constexpr const char *CLOSED_MSG = "attempt to use a closed authweight handle";
constexpr int MAX_DEPTH = 32;
constexpr size_t MAX_RECORDS = 4096;

struct ctx_handle {
    authweight_ctx *ptr;
};
struct eval_handle {
    authweight_eval *ptr;
};
struct rep_handle {
    authweight_rep *ptr;
};
constexpr const char *REP_MT = "authweight.rep";

// ---- buffers owned by the collector ------------------------------------------

struct buffer {
    char *p;
    size_t len;
    size_t cap;
    void (*release)(void *);
};

void release_malloc(void *p)
{
    std::free(p);
}

void release_abi(void *p)
{
    authweight_free(p);
}

buffer *new_buffer(lua_State *L)
{
    auto *b = static_cast<buffer *>(lua_newuserdata(L, sizeof(buffer)));
    b->p = nullptr;
    b->len = 0;
    b->cap = 0;
    b->release = release_malloc;
    set_metatable(L, BUF_MT);
    return b;
}

int buffer_gc(lua_State *L)
{
    auto *b = static_cast<buffer *>(luaL_checkudata(L, 1, BUF_MT));
    if (b->p != nullptr && b->release != nullptr)
        b->release(b->p);
    b->p = nullptr;
    b->len = b->cap = 0;
    return 0;
}

bool buf_add(buffer *b, const void *s, size_t n) noexcept
{
    if (n > b->cap - b->len) {
        size_t need = b->len + n;
        if (need < b->len)
            return false;
        size_t cap = b->cap != 0 ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        void *np = std::realloc(b->p, cap);
        if (np == nullptr)
            return false;
        b->p = static_cast<char *>(np);
        b->cap = cap;
    }
    if (n != 0)
        std::memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

// ---- JSON text -> Lua values ----------------------------------------------------------
//
// The parsed document lives in a userdata ("authweight.json"), so its
// destructor is the collector's and no C++ object with one is alive in a
// frame a Lua error may unwind; reading it (iterators, references) needs
// no destructor either.

using json_doc = nlohmann::json;

int json_gc(lua_State *L)
{
    auto *j = static_cast<json_doc *>(luaL_checkudata(L, 1, JSON_MT));
    j->~json_doc();
    new (j) json_doc(); // a second __gc (Lua 5.4's __close, then __gc) finds a null document
    return 0;
}

/** Parse into the userdata's document. No Lua API inside.
 *  @return AUTHWEIGHT_OK, AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL */
int parse_into(json_doc *doc, const char *text, size_t len) noexcept
{
    try {
        *doc = json_doc::parse(text, text + len);
        return AUTHWEIGHT_OK;
    } catch (const std::bad_alloc &) {
        return AUTHWEIGHT_E_NOMEM;
    } catch (...) {
        return AUTHWEIGHT_E_INTERNAL;
    }
}

int table_hint(size_t n)
{
    return n > 4096 ? 0 : static_cast<int>(n);
}

/** Push a JSON value; null becomes nil (an absent key or element). */
bool push_value(lua_State *L, const json_doc &j, int depth)
{
    if (depth > MAX_DEPTH)
        return false;
    luaL_checkstack(L, 4, "authweight: JSON nested too deeply");
    switch (j.type()) {
    case json_doc::value_t::boolean:
        lua_pushboolean(L, j.get<bool>() ? 1 : 0);
        return true;
    case json_doc::value_t::number_integer:
        lua_pushinteger(L, static_cast<lua_Integer>(j.get<std::int64_t>()));
        return true;
    case json_doc::value_t::number_unsigned:
        if (j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
            lua_pushinteger(L, static_cast<lua_Integer>(j.get<std::uint64_t>()));
            return true;
        }
        [[fallthrough]];
    case json_doc::value_t::number_float:
        lua_pushnumber(L, static_cast<lua_Number>(j.get<double>()));
        return true;
    case json_doc::value_t::string: {
        const auto &str = j.get_ref<const std::string &>();
        lua_pushlstring(L, str.data(), str.size());
        return true;
    }
    case json_doc::value_t::array: {
        lua_createtable(L, table_hint(j.size()), 0);
        int k = 0;
        for (const auto &v : j) {
            ++k;
            if (v.is_null())
                continue;
            if (!push_value(L, v, depth + 1))
                return false;
            lua_rawseti(L, -2, k);
        }
        return true;
    }
    case json_doc::value_t::object:
        lua_createtable(L, 0, table_hint(j.size()));
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.value().is_null())
                continue;
            lua_pushlstring(L, it.key().data(), it.key().size());
            if (!push_value(L, it.value(), depth + 1))
                return false;
            lua_rawset(L, -3);
        }
        return true;
    default:
        lua_pushnil(L);
        return true;
    }
}

// ---- failures --------------------------------------------------------------------

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

/** Parse JSON text (owned by the caller, e.g. a buffer on the stack) into
 *  a Lua value, or push nil, msg, code. */
int push_json(lua_State *L, const char *text, size_t len)
{
    auto *doc = static_cast<json_doc *>(lua_newuserdata(L, sizeof(json_doc)));
    new (doc) json_doc();
    set_metatable(L, JSON_MT);
    if (int rc = parse_into(doc, text, len); rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    if (!push_value(L, *doc, 0))
        return push_fail(L, "authweight: JSON nested too deeply", AUTHWEIGHT_E_INTERNAL);
    return 1;
}

// ---- Lua values -> JSON text ------------------------------------------------------

struct writer {
    lua_State *L;
    buffer *b;
    char path[256];
    size_t plen;
    char err[512];
    int depth;
    const char *skip; ///< a key of the outermost table left out, or nullptr
};

void put(writer &w, const char *s, size_t n)
{
    if (!buf_add(w.b, s, n))
        luaL_error(w.L, "authweight: out of memory");
}

void put(writer &w, const char *s)
{
    put(w, s, std::strlen(s));
}

bool failf(writer &w, const char *what)
{
    // The path holds caller text: cap it.
    std::snprintf(w.err, sizeof w.err, "%.*s: %s", static_cast<int>(std::min<size_t>(w.plen, 100)), w.path,
                  what);
    return false;
}

/** Append what fits of s to the path (it is cut, never overrun). */
void path_append(writer &w, const char *s, size_t n)
{
    n = std::min(n, sizeof w.path - 1 - w.plen);
    std::memcpy(w.path + w.plen, s, n);
    w.plen += n;
    w.path[w.plen] = '\0';
}

/** Append ".key" (at most 64 bytes of it) or "[i]" to the path; returns
 *  the length to restore. Every key and index of every value passes here,
 *  so no printf. */
size_t path_key(writer &w, const char *key, size_t keylen)
{
    size_t old = w.plen;
    path_append(w, ".", 1);
    path_append(w, key, std::min<size_t>(keylen, 64));
    return old;
}

size_t path_index(writer &w, size_t i)
{
    size_t old = w.plen;
    char num[24];
    auto res = std::to_chars(num, num + sizeof num, i);
    path_append(w, "[", 1);
    path_append(w, num, static_cast<size_t>(res.ptr - num));
    path_append(w, "]", 1);
    return old;
}

void path_restore(writer &w, size_t old)
{
    w.plen = old;
    w.path[old] = '\0';
}

/** A JSON string (RFC 8259 §7); invalid UTF-8 becomes U+FFFD so the text
 *  stays valid JSON. */
void put_string(writer &w, const char *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const auto *s = reinterpret_cast<const unsigned char *>(p);
    put(w, "\"", 1);
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            ++run;
        if (run > i) {
            put(w, p + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
            size_t len = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 0xF];
                len = 6;
            }
            put(w, esc, len);
            ++i;
            continue;
        }
        size_t len = authweight_utf8_sequence(p + i, n - i);
        if (len == 0) {
            put(w, "\xEF\xBF\xBD", 3);
            ++i;
        } else {
            put(w, p + i, len);
            i += len;
        }
    }
    put(w, "\"", 1);
}

bool put_number(writer &w, int idx)
{
    char num[64];
    std::to_chars_result res{};
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(w.L, idx)) {
        res = std::to_chars(num, num + sizeof num, static_cast<long long>(lua_tointeger(w.L, idx)));
        put(w, num, static_cast<size_t>(res.ptr - num));
        return true;
    }
#endif
    double d = static_cast<double>(lua_tonumber(w.L, idx));
    if (!std::isfinite(d))
        return failf(w, "not a finite number");
    // Integral values print without ".0" (Lua 5.1 has only doubles).
    if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0)
        res = std::to_chars(num, num + sizeof num, static_cast<long long>(d));
    else
        res = std::to_chars(num, num + sizeof num, d); // shortest round trip, no locale
    if (res.ec != std::errc{})
        return failf(w, "number cannot be written");
    put(w, num, static_cast<size_t>(res.ptr - num));
    return true;
}

bool put_value(writer &w, int idx);

bool put_table(writer &w, int idx)
{
    lua_State *L = w.L;
    if (w.depth >= MAX_DEPTH)
        return failf(w, "nested too deeply (a cycle?)");
    luaL_checkstack(L, 8, "authweight: table nested too deeply");

    size_t count = 0;
    double max_index = 0;
    bool string_keys = false, number_keys = false;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        ++count;
        int kt = lua_type(L, -1);
        if (kt == LUA_TSTRING) {
            string_keys = true;
        } else if (kt == LUA_TNUMBER) {
            double k = static_cast<double>(lua_tonumber(L, -1));
            if (!(k >= 1 && k == std::floor(k))) {
                lua_pop(L, 1);
                return failf(w, "table key is neither a string nor an array index");
            }
            number_keys = true;
            max_index = std::max(max_index, k);
        } else {
            lua_pop(L, 1);
            return failf(w, "table key is neither a string nor an array index");
        }
    }
    if (string_keys && number_keys)
        return failf(w, "table mixes array and object keys");
    if (count == 0) {
        put(w, "{}"); // the library reads {} as [] where it wants an array
        return true;
    }

    ++w.depth;
    if (number_keys) {
        if (max_index != static_cast<double>(count))
            return failf(w, "array has holes");
        put(w, "[", 1);
        for (size_t i = 1; i <= count; ++i) {
            if (i > 1)
                put(w, ",", 1);
            size_t old = path_index(w, i);
            lua_rawgeti(L, idx, static_cast<int>(i));
            bool ok = put_value(w, aw_absindex(L, -1));
            lua_pop(L, 1);
            if (!ok)
                return false;
            path_restore(w, old);
        }
        put(w, "]", 1);
    } else {
        put(w, "{", 1);
        bool first = true;
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
            size_t klen = 0;
            const char *k = lua_tolstring(L, -2, &klen); // a string: lua_next is safe
            if (w.depth == 1 && w.skip != nullptr && std::strcmp(k, w.skip) == 0) {
                lua_pop(L, 1);
                continue;
            }
            if (!first)
                put(w, ",", 1);
            first = false;
            put_string(w, k, klen);
            put(w, ":", 1);
            size_t old = path_key(w, k, klen);
            bool ok = put_value(w, aw_absindex(L, -1));
            lua_pop(L, 1);
            if (!ok) {
                lua_pop(L, 1);
                return false;
            }
            path_restore(w, old);
        }
        put(w, "}", 1);
    }
    --w.depth;
    return true;
}

bool put_value(writer &w, int idx)
{
    switch (lua_type(w.L, idx)) {
    case LUA_TNIL:
        put(w, "null");
        return true;
    case LUA_TBOOLEAN:
        put(w, lua_toboolean(w.L, idx) ? "true" : "false");
        return true;
    case LUA_TNUMBER:
        return put_number(w, idx);
    case LUA_TSTRING: {
        size_t n = 0;
        const char *s = lua_tolstring(w.L, idx, &n);
        put_string(w, s, n);
        return true;
    }
    case LUA_TTABLE:
        return put_table(w, idx);
    default: {
        char what[64];
        std::snprintf(what, sizeof what, "cannot encode a %s", luaL_typename(w.L, idx));
        return failf(w, what);
    }
    }
}

void writer_init(writer &w, lua_State *L, buffer *b, const char *root)
{
    w.L = L;
    w.b = b;
    w.plen = 0;
    path_append(w, root, std::strlen(root));
    w.err[0] = '\0';
    w.depth = 0;
    w.skip = nullptr;
}

// ---- facts -------------------------------------------------------------------------

/**
 * rspamd's text objects (rspamd{text}, src/lua/lua_common.h in rspamd 3.4):
 * a userdata holding a pointer to bytes rspamd owns, their length and
 * flags. The message is read in place through one, without the copy
 * tostring() makes, once core.accept_text() has seen that layout hold for
 * a text of known content; until then only strings are accepted.
 */
struct text_view {
    const char *start;
    unsigned int len;
    unsigned int flags;
};

/** The value at idx as a text_view, if it is a userdata of that size with
 *  a metatable, which is pushed; false (nothing pushed) otherwise. */
bool text_at(lua_State *L, int idx, text_view *t)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || aw_rawlen(L, idx) != sizeof(text_view) ||
        !lua_getmetatable(L, idx))
        return false;
    std::memcpy(t, lua_touserdata(L, idx), sizeof *t);
    return true;
}

/** The text at idx, if its metatable is the one accept_text() accepted,
 *  at stack slot mt (0: none accepted). Raises no Lua error. */
bool read_text(lua_State *L, int idx, int mt, const char **p, size_t *len)
{
    text_view t;
    if (mt == 0 || !text_at(L, idx, &t))
        return false;
    bool known = lua_rawequal(L, mt, -1) != 0;
    lua_pop(L, 1);
    if (!known || (t.start == nullptr && t.len != 0))
        return false;
    *p = t.start != nullptr ? t.start : "";
    *len = t.len;
    return true;
}

/** core.accept_text(text, string) -> bool: read texts like `text` in place
 *  from now on, if `text` holds exactly the bytes of `string` */
int l_accept_text(lua_State *L)
{
    size_t n = 0;
    const char *s = luaL_checklstring(L, 2, &n);
    bool ok = false;
    text_view t;
    if (text_at(L, 1, &t)) {
        ok = n != 0 && t.start != nullptr && t.start != s && t.len == n && std::memcmp(t.start, s, n) == 0;
        if (ok)
            lua_setfield(L, LUA_REGISTRYINDEX, TEXT_MT_KEY);
        else
            lua_pop(L, 1);
    }
    lua_pushboolean(L, ok);
    return 1;
}

// ---- handles -----------------------------------------------------------------------

ctx_handle *check_ctx(lua_State *L)
{
    auto *h = static_cast<ctx_handle *>(luaL_checkudata(L, 1, CTX_MT));
    luaL_argcheck(L, h->ptr != nullptr, 1, CLOSED_MSG);
    return h;
}

eval_handle *check_eval(lua_State *L, int idx = 1)
{
    auto *h = static_cast<eval_handle *>(luaL_checkudata(L, idx, EVAL_MT));
    luaL_argcheck(L, h->ptr != nullptr, idx, CLOSED_MSG);
    return h;
}

int ctx_close(lua_State *L)
{
    auto *h = static_cast<ctx_handle *>(luaL_checkudata(L, 1, CTX_MT));
    authweight_ctx_free(h->ptr);
    h->ptr = nullptr;
    return 0;
}

int ctx_tostring(lua_State *L)
{
    auto *h = static_cast<ctx_handle *>(luaL_checkudata(L, 1, CTX_MT));
    if (h->ptr != nullptr)
        lua_pushfstring(L, "%s (%p)", CTX_MT, static_cast<void *>(h));
    else
        lua_pushfstring(L, "%s (closed)", CTX_MT);
    return 1;
}

int eval_close(lua_State *L)
{
    auto *h = static_cast<eval_handle *>(luaL_checkudata(L, 1, EVAL_MT));
    authweight_eval_free(h->ptr);
    h->ptr = nullptr;
    return 0;
}

int eval_tostring(lua_State *L)
{
    auto *h = static_cast<eval_handle *>(luaL_checkudata(L, 1, EVAL_MT));
    if (h->ptr != nullptr)
        lua_pushfstring(L, "%s (%p)", EVAL_MT, static_cast<void *>(h));
    else
        lua_pushfstring(L, "%s (closed)", EVAL_MT);
    return 1;
}

/** core.new([config]) -> ctx | nil, msg, code */
int l_new(lua_State *L)
{
    int t = lua_type(L, 1);
    luaL_argcheck(L, t == LUA_TNONE || t == LUA_TNIL || t == LUA_TTABLE || t == LUA_TSTRING, 1,
                  "config table, JSON string or nil expected");
    lua_settop(L, 1);
    auto *h = static_cast<ctx_handle *>(lua_newuserdata(L, sizeof(ctx_handle)));
    h->ptr = nullptr;
    set_metatable(L, CTX_MT); // __gc in place before the handle exists
    const char *json = nullptr;
    size_t len = 0;
    if (t == LUA_TSTRING) {
        json = lua_tolstring(L, 1, &len);
    } else if (t == LUA_TTABLE) {
        buffer *b = new_buffer(L);
        writer w;
        writer_init(w, L, b, "config");
        if (!put_value(w, 1))
            return push_fail(L, w.err, AUTHWEIGHT_E_CONFIG);
        json = b->p;
        len = b->len;
    }
    char *errmsg = nullptr;
    int rc = authweight_ctx_new(json, len, &h->ptr, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushvalue(L, 2);
    return 1;
}

/** ctx:config() -> the config the context runs with, the schema's
 *  defaults filled in (authweight_ctx_config_json), as a fresh table */
int ctx_config(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    const char *json = nullptr;
    size_t len = 0;
    if (int rc = authweight_ctx_config_json(ctx->ptr, &json, &len); rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    return push_json(L, json, len);
}

/** ctx:evaluate([facts]) -> ev | nil, msg, code: the facts table goes
 *  to authweight_eval_new() as JSON, its "message" (a string, or an rspamd
 *  text accept_text() accepted) as the bytes, not copied. */
int ctx_evaluate(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    int t = lua_type(L, 2);
    luaL_argcheck(L, t == LUA_TNONE || t == LUA_TNIL || t == LUA_TTABLE, 2, "facts table or nil expected");
    lua_settop(L, 2);
    auto *h = static_cast<eval_handle *>(lua_newuserdata(L, sizeof(eval_handle))); // 3
    h->ptr = nullptr;
    set_metatable(L, EVAL_MT);
    lua_pushvalue(L, 1);
    set_link(L, 3); // the context outlives its evaluations
    const char *json = nullptr, *message = nullptr;
    size_t len = 0, msglen = 0;
    if (t == LUA_TTABLE) {
        lua_getfield(L, 2, "message");                   // 4
        lua_getfield(L, LUA_REGISTRYINDEX, TEXT_MT_KEY); // 5: the accepted text metatable, or nil
        if (lua_type(L, 4) == LUA_TSTRING)
            message = lua_tolstring(L, 4, &msglen);
        else if (!lua_isnil(L, 4) && !read_text(L, 4, lua_istable(L, 5) ? 5 : 0, &message, &msglen))
            return push_fail(L, lua_pushfstring(L, "'message': expected string, got %s", luaL_typename(L, 4)),
                             AUTHWEIGHT_E_INPUT);
        buffer *b = new_buffer(L);
        writer w;
        writer_init(w, L, b, "facts");
        w.skip = "message";
        if (!put_value(w, 2))
            return push_fail(L, w.err, AUTHWEIGHT_E_INPUT);
        json = b->p;
        len = b->len;
    }
    char *errmsg = nullptr;
    int rc = authweight_eval_new(ctx->ptr, json, len, message, msglen, &h->ptr, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushvalue(L, 3);
    return 1;
}

/**
 * Read a message's symbols at `idx` — an array of {name=, score=}, a map
 * name -> score, or an array of names with the array of their scores at
 * idx + 1 (what rspamd's task:get_symbols() returns) — into arrays
 * allocated as userdata on the stack (the collector frees them; the names
 * stay anchored by the tables). Raises on a malformed table.
 * @return the count; *consumed is 2 for the parallel arrays, else 1
 */
size_t read_symbols(lua_State *L, int idx, const char ***names, double **scores, int *consumed)
{
    constexpr const char *shape = "array of {name=, score=}, map name -> score, or names and scores expected";
    luaL_checktype(L, idx, LUA_TTABLE);
    *consumed = 1;
    if (lua_type(L, idx + 1) == LUA_TTABLE) {
        *consumed = 2;
        size_t n = aw_rawlen(L, idx);
        luaL_argcheck(L, n <= 65536 && aw_rawlen(L, idx + 1) == n, idx + 1, "names and scores differ in length");
        *names = static_cast<const char **>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(const char *)));
        *scores = static_cast<double *>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(double)));
        for (size_t i = 0; i < n; ++i) {
            lua_rawgeti(L, idx, static_cast<int>(i + 1));
            lua_rawgeti(L, idx + 1, static_cast<int>(i + 1));
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
                return static_cast<size_t>(luaL_argerror(L, idx, shape));
            (*names)[i] = lua_tostring(L, -2); // anchored by the names table
            (*scores)[i] = static_cast<double>(lua_tonumber(L, -1));
            luaL_argcheck(L, std::isfinite((*scores)[i]), idx + 1, "scores must be finite numbers");
            lua_pop(L, 2);
        }
        return n;
    }
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        lua_pop(L, 1);
        ++n;
    }
    luaL_argcheck(L, n <= 65536, idx, "too many symbols");
    *names = static_cast<const char **>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(const char *)));
    *scores = static_cast<double *>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(double)));
    size_t i = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TNUMBER) {
            (*names)[i] = lua_tostring(L, -2);
            (*scores)[i] = static_cast<double>(lua_tonumber(L, -1));
        } else if (lua_type(L, -2) == LUA_TNUMBER && lua_istable(L, -1)) {
            lua_getfield(L, -1, "name");
            lua_getfield(L, -2, "score");
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
                return static_cast<size_t>(luaL_argerror(L, idx, shape));
            (*names)[i] = lua_tostring(L, -2); // anchored by the element table
            (*scores)[i] = static_cast<double>(lua_tonumber(L, -1));
            lua_pop(L, 2);
        } else {
            return static_cast<size_t>(luaL_argerror(L, idx, shape));
        }
        luaL_argcheck(L, std::isfinite((*scores)[i]), idx, "scores must be finite numbers");
        lua_pop(L, 1);
        ++i;
    }
    return i;
}

/** ctx:trust_cap(symbols | names, scores [, groups [, reject_score]])
 *  -> the weight to add back (>= 0), "veto:..." or nil | nil, msg, code.
 *  groups maps a symbol name to its host groups, space-separated. */
int ctx_trust_cap(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    const char **names = nullptr;
    double *scores = nullptr;
    int consumed = 1;
    lua_settop(L, 5);
    size_t n = read_symbols(L, 2, &names, &scores, &consumed);
    const int groups_idx = 2 + consumed;
    const char **groups = nullptr;
    if (!lua_isnil(L, groups_idx)) {
        luaL_checktype(L, groups_idx, LUA_TTABLE);
        groups = static_cast<const char **>(lua_newuserdata(L, (n != 0 ? n : 1) * sizeof(const char *)));
        for (size_t i = 0; i < n; ++i) {
            lua_getfield(L, groups_idx, names[i]);
            groups[i] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : nullptr; // anchored by the table
            lua_pop(L, 1);
        }
    }
    const double reject = lua_isnil(L, groups_idx + 1) ? std::nan("")
                                                       : static_cast<double>(luaL_checknumber(L, groups_idx + 1));
    buffer *veto = new_buffer(L); // the collector frees the option
    veto->release = release_abi;
    double cap = 0.0;
    int rc = authweight_ctx_trust_decision(ctx->ptr, names, scores, groups, n, reject, &cap, &veto->p);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(cap));
    if (veto->p == nullptr)
        return 1;
    lua_pushstring(L, veto->p);
    return 2;
}

/** ctx:unauth_strict(symbols | names, scores, aligned, smtp_authenticated) -> weight (>= 0) | nil, msg, code */
int ctx_unauth_strict(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    const char **names = nullptr;
    double *scores = nullptr;
    int consumed = 1;
    lua_settop(L, 5);
    size_t n = read_symbols(L, 2, &names, &scores, &consumed);
    int aligned = lua_toboolean(L, 2 + consumed);
    int smtp_auth = lua_toboolean(L, 3 + consumed);
    double extra = 0.0;
    int rc = authweight_ctx_unauth_strict(ctx->ptr, names, scores, n, aligned, smtp_auth, &extra);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(extra));
    return 1;
}

/** ev:step() -> "done" | "need_dns", {{name=, type=}, ...} | nil, msg, code */
int eval_step(lua_State *L)
{
    eval_handle *h = check_eval(L);
    int rc = authweight_eval_step(h->ptr);
    if (rc == AUTHWEIGHT_OK) {
        lua_pushliteral(L, "done");
        return 1;
    }
    if (rc != AUTHWEIGHT_NEED_DNS)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushliteral(L, "need_dns");
    size_t n = authweight_eval_query_count(h->ptr);
    lua_createtable(L, table_hint(n), 0);
    for (size_t i = 0; i < n && i < static_cast<size_t>(INT_MAX); ++i) {
        const char *name = nullptr, *type = nullptr;
        if (authweight_eval_query(h->ptr, i, &name, &type) != AUTHWEIGHT_OK)
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
    eval_handle *h = check_eval(L);
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
    int rc = authweight_eval_answer(h->ptr, name, type, status, recs, n);
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: answer %.64s/%.16s %.16s rejected: unknown type or status, "
                             "or the evaluation is done", name, type, status);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushboolean(L, 1);
    return 1;
}

/** Put the report's JSON text in a new buffer on the stack; raises if the
 *  evaluation is not done. @return AUTHWEIGHT_OK or the failure code. */
int report_text(lua_State *L, eval_handle *h, buffer **out)
{
    buffer *b = new_buffer(L);
    b->release = release_abi;
    int rc = authweight_eval_report_json(h->ptr, &b->p, &b->len);
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: report before the evaluation is done");
    *out = b;
    return rc;
}

/** ev:report() -> table | nil, msg, code */
int eval_report(lua_State *L)
{
    eval_handle *h = check_eval(L);
    buffer *b = nullptr;
    int rc = report_text(L, h, &b);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    return push_json(L, b->p, b->len);
}

/** ev:report_json() -> string | nil, msg, code */
int eval_report_json(lua_State *L)
{
    eval_handle *h = check_eval(L);
    buffer *b = nullptr;
    int rc = report_text(L, h, &b);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    lua_pushlstring(L, b->p, b->len);
    return 1;
}

// ---- reputation of authenticated identities ---------------------------------------

/** ev:set_reputation({identity = {spam =, ham =}}) -> "done" (scored again at once) | nil, msg, code */
int eval_set_reputation(lua_State *L)
{
    eval_handle *h = check_eval(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    buffer *b = new_buffer(L);
    writer w;
    writer_init(w, L, b, "reputation");
    if (!put_value(w, 2))
        return push_fail(L, w.err, AUTHWEIGHT_E_INPUT);
    char *errmsg = nullptr;
    int rc = authweight_eval_reputation(h->ptr, b->p, b->len, &errmsg);
    if (rc == AUTHWEIGHT_E_INVAL) {
        authweight_free(errmsg);
        return luaL_error(L, "authweight: set_reputation before the evaluation is done");
    }
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushliteral(L, "done");
    return 1;
}

rep_handle *check_rep(lua_State *L, int idx = 1)
{
    auto *h = static_cast<rep_handle *>(luaL_checkudata(L, idx, REP_MT));
    luaL_argcheck(L, h->ptr != nullptr, idx, CLOSED_MSG);
    return h;
}

int rep_close(lua_State *L)
{
    auto *h = static_cast<rep_handle *>(luaL_checkudata(L, 1, REP_MT));
    authweight_rep_free(h->ptr);
    h->ptr = nullptr;
    return 0;
}

int rep_tostring(lua_State *L)
{
    auto *h = static_cast<rep_handle *>(luaL_checkudata(L, 1, REP_MT));
    if (h->ptr != nullptr)
        lua_pushfstring(L, "%s (%p)", REP_MT, static_cast<void *>(h));
    else
        lua_pushfstring(L, "%s (closed)", REP_MT);
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
    ctx_handle *ctx = check_ctx(L);
    const char *path = luaL_optstring(L, 2, nullptr);
    auto *h = static_cast<rep_handle *>(lua_newuserdata(L, sizeof(rep_handle)));
    h->ptr = nullptr;
    set_metatable(L, REP_MT);
    char *errmsg = nullptr;
    int rc = authweight_rep_open(ctx->ptr, path, 0, &h->ptr, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    return 1;
}

/** store:lookup(ids, now) -> {identity = {spam =, ham =}} | nil, msg, code */
int rep_lookup(lua_State *L)
{
    rep_handle *h = check_rep(L);
    lua_settop(L, 3); // what read_ids pushes must not pass for an argument
    size_t n = 0;
    const char **ids = read_ids(L, 2, &n);
    long long now = check_time(L, 3);
    buffer *b = new_buffer(L);
    b->release = release_abi;
    char *errmsg = nullptr;
    int rc = authweight_rep_lookup(h->ptr, ids, n, now, &b->p, &b->len, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    return push_json(L, b->p, b->len);
}

/** store:learn(ids, verdict, now[, queued]) -> true | nil, msg, code */
int rep_learn(lua_State *L)
{
    rep_handle *h = check_rep(L);
    lua_settop(L, 5); // what read_ids pushes must not pass for an argument
    size_t n = 0;
    const char **ids = read_ids(L, 2, &n);
    const char *verdict = luaL_checkstring(L, 3);
    long long now = check_time(L, 4);
    int queued = lua_toboolean(L, 5);
    char *errmsg = nullptr;
    int rc = authweight_rep_learn(h->ptr, ids, n, verdict, now, queued, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushboolean(L, 1);
    return 1;
}

/** store:flush() -> identities committed | nil, msg, code */
int rep_flush(lua_State *L)
{
    rep_handle *h = check_rep(L);
    size_t count = 0;
    char *errmsg = nullptr;
    int rc = authweight_rep_flush(h->ptr, &count, &errmsg);
    if (rc != AUTHWEIGHT_OK)
        return push_abi_fail(L, rc, errmsg);
    lua_pushinteger(L, static_cast<lua_Integer>(count));
    return 1;
}

/** ctx:reputation_decode(bytes, now) -> spam, ham | nil, msg, code (a Redis value) */
int ctx_reputation_decode(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    size_t len = 0;
    const char *bytes = luaL_checklstring(L, 2, &len);
    long long now = check_time(L, 3);
    double spam = 0, ham = 0;
    int rc = authweight_ctx_rep_decode(ctx->ptr, bytes, len, now, &spam, &ham);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, rc == AUTHWEIGHT_E_INPUT ? "not a reputation record" : authweight_strerror(rc), rc);
    lua_pushnumber(L, static_cast<lua_Number>(spam));
    lua_pushnumber(L, static_cast<lua_Number>(ham));
    return 2;
}

/** ctx:reputation_lesson(verdict) -> spam, ham | nil, msg, code */
int ctx_reputation_lesson(lua_State *L)
{
    ctx_handle *ctx = check_ctx(L);
    const char *verdict = luaL_checkstring(L, 2);
    double spam = 0, ham = 0;
    int rc = authweight_ctx_rep_lesson(ctx->ptr, verdict, &spam, &ham);
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
    eval_handle *h = check_eval(L);
    rep_handle *rep = check_rep(L, 2);
    long long now = check_time(L, 3);
    int rc = authweight_eval_use_store(h->ptr, rep->ptr, now);
    if (rc == AUTHWEIGHT_E_INVAL)
        return luaL_error(L, "authweight: use_store after the evaluation was stepped");
    if (rc != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: use_store: %s", authweight_strerror(rc));
    return 0;
}

/** ev:identities() -> {"example.org", ...}: the message's authenticated identities */
int eval_identities(lua_State *L)
{
    eval_handle *h = check_eval(L);
    size_t n = authweight_eval_identity_count(h->ptr);
    lua_createtable(L, table_hint(n), 0);
    for (size_t i = 0; i < n && i < static_cast<size_t>(INT_MAX); ++i) {
        const char *name = nullptr;
        if (authweight_eval_identity(h->ptr, i, &name) != AUTHWEIGHT_OK)
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

/** The optional (option_len, reason_len) at idx: false without them. */
bool read_caps(lua_State *L, int idx, size_t *option_len, size_t *reason_len)
{
    if (lua_isnoneornil(L, idx))
        return false;
    const lua_Integer o = luaL_checkinteger(L, idx);
    const lua_Integer r = luaL_checkinteger(L, idx + 1);
    luaL_argcheck(L, o > 0 && r > 0, idx, "positive lengths expected");
    *option_len = static_cast<size_t>(o);
    *reason_len = static_cast<size_t>(r);
    return true;
}

/**
 * ev:summary() -> aligned, score, dns_rounds, authentication_results
 * [, reputation_error]: the verdict's figures, without its symbols.
 */
int eval_summary(lua_State *L)
{
    eval_handle *h = check_eval(L);
    double score = 0;
    int aligned = 0, rounds = 0;
    if (authweight_eval_summary(h->ptr, &score, &aligned, &rounds) != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: verdict before the evaluation is done");
    lua_pushboolean(L, aligned);
    lua_pushnumber(L, static_cast<lua_Number>(score));
    lua_pushinteger(L, rounds);
    const char *ar = nullptr;
    if (authweight_eval_authentication_results(h->ptr, &ar) == AUTHWEIGHT_OK)
        lua_pushstring(L, ar);
    else
        lua_pushliteral(L, "");
    if (const char *rep_err = authweight_eval_reputation_error(h->ptr)) {
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
    eval_handle *h = check_eval(L);
    size_t option_len = 0, reason_len = 0;
    luaL_argcheck(L, read_caps(L, 2, &option_len, &reason_len), 2, "option and reason lengths expected");
    luaL_checktype(L, 4, LUA_TFUNCTION);
    double score = 0;
    int aligned = 0, rounds = 0;
    if (authweight_eval_summary(h->ptr, &score, &aligned, &rounds) != AUTHWEIGHT_OK)
        return luaL_error(L, "authweight: verdict before the evaluation is done");
    // fn may close the evaluation: h->ptr is read again for every symbol.
    for (size_t i = 0; h->ptr != nullptr && i < static_cast<size_t>(INT_MAX); ++i) {
        lua_pushvalue(L, 4);
        const int k = push_symbol(L, h->ptr, i, option_len, reason_len);
        if (k < 0) {
            lua_pop(L, 1);
            break;
        }
        lua_call(L, 3 + k, 0);
    }
    return 0;
}

/** core.symbols() -> {{name=, score=, dynamic=, auth_derived=, description=}, ...} */
int l_symbols(lua_State *L)
{
    buffer *b = new_buffer(L);
    b->release = release_abi;
    int rc = authweight_symbols_json(&b->p, &b->len);
    if (rc != AUTHWEIGHT_OK)
        return push_fail(L, authweight_strerror(rc), rc);
    return push_json(L, b->p, b->len);
}

/** core.schema() -> the config's JSON Schema text */
int l_schema(lua_State *L)
{
    lua_pushstring(L, authweight_schema_json());
    return 1;
}

/** core.schema_table() -> the config's JSON Schema as a fresh Lua table */
int l_schema_table(lua_State *L)
{
    const char *schema = authweight_schema_json();
    return push_json(L, schema, std::strlen(schema));
}

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
        {"close", ctx_close},
        {nullptr, nullptr},
    };
    static const luaL_Reg eval_methods[] = {
        {"step", eval_step},
        {"answer", eval_answer},
        {"report", eval_report},
        {"report_json", eval_report_json},
        {"summary", eval_summary},
        {"each_symbol", eval_each_symbol},
        {"set_reputation", eval_set_reputation},
        {"identities", eval_identities},
        {"use_store", eval_use_store},
        {"close", eval_close},
        {nullptr, nullptr},
    };
    static const luaL_Reg rep_methods[] = {
        {"lookup", rep_lookup},
        {"learn", rep_learn},
        {"flush", rep_flush},
        {"close", rep_close},
        {nullptr, nullptr},
    };
    static const luaL_Reg functions[] = {
        {"new", l_new},
        {"symbols", l_symbols},
        {"schema", l_schema},
        {"schema_table", l_schema_table},
        {"accept_text", l_accept_text},
        {"cap", l_cap},
        {"reputation_redis_script", l_reputation_redis_script},
        {nullptr, nullptr},
    };

    luaL_newmetatable(L, BUF_MT);
    lua_pushcfunction(L, buffer_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newmetatable(L, JSON_MT);
    lua_pushcfunction(L, json_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    new_class(L, CTX_MT, ctx_close, ctx_tostring, ctx_methods);
    new_class(L, EVAL_MT, eval_close, eval_tostring, eval_methods);
    new_class(L, REP_MT, rep_close, rep_tostring, rep_methods);

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
