#include "msgpack_record.hxx"

#include <msgpack.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

namespace authweight::adapters {

using core::error_code;
using core::fail;

namespace {

/**
 * Bounded structural check: one fixmap (at most 15 pairs) of scalars and
 * short strings, nothing after it. msgpack-c reserves memory for a
 * container from its length field before reading the elements; a record
 * has no containers below the top, so none is allowed.
 */
core::result<void> prescan(std::string_view bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const std::size_t n = bytes.size();
    if (n == 0)
        return fail(error_code::BAD_INPUT, "reputation record: empty");
    if (n > max_record_bytes)
        return fail(error_code::BAD_INPUT, "reputation record: longer than " + std::to_string(max_record_bytes) +
                                               " bytes");
    if ((p[0] & 0xF0) != 0x80)
        return fail(error_code::BAD_INPUT, "reputation record: not a msgpack map");
    const std::size_t elements = 2 * static_cast<std::size_t>(p[0] & 0x0F);
    std::size_t pos = 1;
    for (std::size_t e = 0; e < elements; ++e) {
        if (pos >= n)
            return fail(error_code::BAD_INPUT, "reputation record: truncated");
        const unsigned char t = p[pos++];
        std::size_t skip = 0;
        if (t <= 0x7F || t >= 0xE0 || t == 0xC0 || t == 0xC2 || t == 0xC3)
            skip = 0; // fixint, nil, bool
        else if (t >= 0xA0 && t <= 0xBF)
            skip = t & 0x1F; // fixstr
        else if (t == 0xD9) {
            if (pos >= n)
                return fail(error_code::BAD_INPUT, "reputation record: truncated");
            skip = 1 + p[pos];
        } else if (t == 0xCC || t == 0xD0)
            skip = 1;
        else if (t == 0xCD || t == 0xD1)
            skip = 2;
        else if (t == 0xCE || t == 0xD2 || t == 0xCA)
            skip = 4;
        else if (t == 0xCF || t == 0xD3 || t == 0xCB)
            skip = 8;
        else
            return fail(error_code::BAD_INPUT, "reputation record: unexpected msgpack type 0x" +
                                                   std::string{"0123456789abcdef"[t >> 4]} +
                                                   std::string{"0123456789abcdef"[t & 0xF]});
        if (skip > n - pos)
            return fail(error_code::BAD_INPUT, "reputation record: truncated");
        pos += skip;
    }
    if (pos != n)
        return fail(error_code::BAD_INPUT, "reputation record: trailing bytes after the map");
    return {};
}

bool key_is(const msgpack_object &k, std::string_view name)
{
    return k.type == MSGPACK_OBJECT_STR && std::string_view(k.via.str.ptr, k.via.str.size) == name;
}

core::result<double> count_of(const msgpack_object &o, const char *key)
{
    double v = -1.0;
    switch (o.type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        v = static_cast<double>(o.via.u64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        v = o.via.f64;
        break;
    default:
        return fail(error_code::BAD_INPUT, std::string("reputation record: '") + key + "' is not a non-negative number");
    }
    if (!std::isfinite(v) || v < 0.0 || v > max_record_count)
        return fail(error_code::BAD_INPUT, std::string("reputation record: '") + key + "' out of range");
    return v;
}

struct unpacked_guard {
    msgpack_unpacked u;
    unpacked_guard() { msgpack_unpacked_init(&u); }
    ~unpacked_guard() { msgpack_unpacked_destroy(&u); }
    unpacked_guard(const unpacked_guard &) = delete;
    unpacked_guard &operator=(const unpacked_guard &) = delete;
};

struct sbuffer_guard {
    msgpack_sbuffer b;
    sbuffer_guard() { msgpack_sbuffer_init(&b); }
    ~sbuffer_guard() { msgpack_sbuffer_destroy(&b); }
    sbuffer_guard(const sbuffer_guard &) = delete;
    sbuffer_guard &operator=(const sbuffer_guard &) = delete;
};

int pack_key(msgpack_packer &pk, std::string_view k)
{
    int rc = msgpack_pack_str(&pk, k.size());
    return rc != 0 ? rc : msgpack_pack_str_body(&pk, k.data(), k.size());
}

} // namespace

core::result<std::string> encode_record(const core::reputation_record &r)
{
    if (!std::isfinite(r.spam) || !std::isfinite(r.ham) || r.spam < 0.0 || r.ham < 0.0 ||
        r.spam > max_record_count || r.ham > max_record_count || r.updated < 0)
        return fail(error_code::BAD_INPUT, "reputation record: counts must be finite and non-negative");
    sbuffer_guard buf;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf.b, msgpack_sbuffer_write);
    int rc = msgpack_pack_map(&pk, 4);
    rc = rc != 0 ? rc : pack_key(pk, "v");
    rc = rc != 0 ? rc : msgpack_pack_int(&pk, core::reputation_record_version);
    rc = rc != 0 ? rc : pack_key(pk, "spam");
    rc = rc != 0 ? rc : msgpack_pack_double(&pk, r.spam);
    rc = rc != 0 ? rc : pack_key(pk, "ham");
    rc = rc != 0 ? rc : msgpack_pack_double(&pk, r.ham);
    rc = rc != 0 ? rc : pack_key(pk, "ts");
    rc = rc != 0 ? rc : msgpack_pack_int64(&pk, r.updated);
    if (rc != 0)
        return fail(error_code::INTERNAL, "reputation record: msgpack encoding failed");
    return std::string(buf.b.data, buf.b.size);
}

core::result<core::reputation_record> decode_record(std::string_view bytes)
{
    if (auto ok = prescan(bytes); !ok)
        return std::unexpected(ok.error());
    unpacked_guard g;
    std::size_t off = 0;
    const auto ret = msgpack_unpack_next(&g.u, bytes.data(), bytes.size(), &off);
    if (ret != MSGPACK_UNPACK_SUCCESS || off != bytes.size())
        return fail(error_code::BAD_INPUT, "reputation record: not valid msgpack");
    const msgpack_object &root = g.u.data;
    if (root.type != MSGPACK_OBJECT_MAP)
        return fail(error_code::BAD_INPUT, "reputation record: not a msgpack map");

    core::reputation_record r;
    bool have_v = false, have_spam = false, have_ham = false, have_ts = false;
    for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
        const auto &k = root.via.map.ptr[i].key;
        const auto &v = root.via.map.ptr[i].val;
        auto once = [&](bool &seen, const char *name) -> core::result<void> {
            if (seen)
                return fail(error_code::BAD_INPUT, std::string("reputation record: duplicate key '") + name + "'");
            seen = true;
            return {};
        };
        if (key_is(k, "v")) {
            if (auto s = once(have_v, "v"); !s)
                return std::unexpected(s.error());
            if (v.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                return fail(error_code::BAD_INPUT, "reputation record: 'v' is not a positive integer");
            if (v.via.u64 != static_cast<std::uint64_t>(core::reputation_record_version))
                return fail(error_code::BAD_INPUT,
                            "reputation record: unsupported version " + std::to_string(v.via.u64));
        } else if (key_is(k, "spam") || key_is(k, "ham")) {
            const bool spam = key_is(k, "spam");
            if (auto s = once(spam ? have_spam : have_ham, spam ? "spam" : "ham"); !s)
                return std::unexpected(s.error());
            auto c = count_of(v, spam ? "spam" : "ham");
            if (!c)
                return std::unexpected(c.error());
            (spam ? r.spam : r.ham) = *c;
        } else if (key_is(k, "ts")) {
            if (auto s = once(have_ts, "ts"); !s)
                return std::unexpected(s.error());
            if (v.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
                v.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 2))
                return fail(error_code::BAD_INPUT, "reputation record: 'ts' is not a non-negative integer");
            r.updated = static_cast<std::int64_t>(v.via.u64);
        } else if (k.type == MSGPACK_OBJECT_STR) {
            return fail(error_code::BAD_INPUT, "reputation record: unknown key '" +
                                                   std::string(k.via.str.ptr, std::min<std::size_t>(k.via.str.size, 32)) +
                                                   "'");
        } else {
            return fail(error_code::BAD_INPUT, "reputation record: a key is not a string");
        }
    }
    if (!have_v || !have_spam || !have_ham || !have_ts)
        return fail(error_code::BAD_INPUT, std::string("reputation record: missing '") +
                                               (!have_v ? "v" : !have_spam ? "spam" : !have_ham ? "ham" : "ts") +
                                               "'");
    return r;
}

} // namespace authweight::adapters
