#include "authweight/tls.hxx"

#include "authweight/ascii.hxx"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace authweight::core {

namespace {

// A version is a handful of characters ("TLSv1.2"); a cipher name under 60.
// Longer reported text is cut so hostile input cannot grow what we carry on.
constexpr std::size_t max_version_text = 64;
constexpr std::size_t max_cipher_text = 128;

// Only SP/HT/CR/LF, not ascii::is_space/trim: FF or VT in a reported version
// or cipher keeps it unrecognised ("TLS\v1.2" stays UNKNOWN, not TLS 1.2).
bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) noexcept
{
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

std::string_view cap(std::string_view s, std::size_t n) noexcept
{
    return s.size() > n ? s.substr(0, n) : s;
}

/** The display name used in reasons: "TLSv1.0" reads clearer than "TLSv1". */
std::string_view reason_name(tls_version v) noexcept
{
    switch (v) {
    case tls_version::SSL3: return "SSLv3";
    case tls_version::TLS1_0: return "TLSv1.0";
    case tls_version::TLS1_1: return "TLSv1.1";
    default: return to_string(v);
    }
}

/** Weak words of a suite name, one per weakness, in a fixed order. */
struct name_weakness {
    bool rc4{false};
    bool des{false};
    bool triple_des{false};
    bool idea{false};
    bool null_enc{false};
    bool export_grade{false};
    bool md5{false};
    bool anon{false};
};

/**
 * Classify a suite by the words of its name, OpenSSL style
 * ("EXP-RC4-MD5", "DES-CBC3-SHA", "ADH-AES128-SHA") or IANA style
 * ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DH_anon_WITH_RC4_128_MD5").
 */
name_weakness weakness_from_name(std::string_view name) noexcept
{
    name_weakness w;
    std::size_t pos = 0;
    while (pos < name.size()) {
        auto end = pos;
        while (end < name.size() && name[end] != '-' && name[end] != '_')
            ++end;
        // Upper-cased copy of the token; suite words are short.
        std::array<char, 16> buf{};
        const auto len = end - pos;
        if (len > 0 && len <= buf.size()) {
            for (std::size_t i = 0; i < len; ++i)
                buf[i] = ascii::to_upper(name[pos + i]);
            const std::string_view t{buf.data(), len};
            auto word_then_digits = [t](std::string_view word) {
                return t.size() >= word.size() && t.substr(0, word.size()) == word &&
                       all_digits(t.substr(word.size()));
            };
            if (t == "RC4")
                w.rc4 = true;
            else if (t == "3DES" || t == "CBC3" || t == "EDE")
                w.triple_des = true;
            else if (word_then_digits("DES")) // DES, DES40
                w.des = true;
            else if (t == "IDEA")
                w.idea = true;
            else if (t == "NULL")
                w.null_enc = true;
            else if (word_then_digits("EXP") || word_then_digits("EXPORT")) // EXP1024, EXPORT40
                w.export_grade = true;
            else if (t == "MD5")
                w.md5 = true;
            else if (t == "ANON" || t == "ADH" || t == "AECDH")
                w.anon = true;
        }
        pos = end + 1;
    }
    // "DES-CBC3-SHA" names 3DES with a DES token; report it once, as 3DES.
    if (w.triple_des)
        w.des = false;
    return w;
}

void add_reason(std::string &out, std::string_view why)
{
    if (!out.empty())
        out += ", ";
    out += why;
}

/** Why a cipher is weak, or "" when it is not. */
std::string cipher_weakness(std::string_view cipher, const cipher_oracle &oracle)
{
    std::string why;
    const auto info = oracle.lookup(cipher);
    if (info) {
        // RFC 7525 4.1: no NULL, no RC4, nothing under 112 bits, and SHOULD
        // NOT under 128 bits. OpenSSL 3 rates 3DES at 112 bits, but its
        // 64-bit block (Sweet32) is why RFC 7525 4.2 leaves it out of every
        // recommended suite, so 3DES is named legacy here explicitly.
        const std::string_view enc = info->enc;
        if (ascii::istarts_with(enc, "RC4"))
            add_reason(why, "RC4");
        else if (ascii::istarts_with(enc, "3DES"))
            add_reason(why, "3DES");
        else if (ascii::istarts_with(enc, "DES"))
            add_reason(why, "DES");
        else if (ascii::istarts_with(enc, "IDEA"))
            add_reason(why, "IDEA");
        else if (ascii::istarts_with(enc, "None"))
            add_reason(why, "NULL encryption");
        if (info->strength_bits < 128 && !ascii::istarts_with(enc, "None"))
            add_reason(why, std::to_string(info->strength_bits) + "-bit");
        if (ascii::istarts_with(info->mac, "MD5"))
            add_reason(why, "MD5");
    }
    // The name's words are read even when OpenSSL knows the suite, and are
    // all we have when it does not: Debian's OpenSSL 3 is built without RC4,
    // DES, 3DES and export suites, yet an MTA linked to an older library may
    // still negotiate and report them. Anonymous suites are in OpenSSL's
    // table but its description words (Au=None) do not reach cipher_info.
    const auto w = weakness_from_name(cipher);
    auto add_once = [&why](bool flag, std::string_view word) {
        if (flag && why.find(word) == std::string::npos)
            add_reason(why, word);
    };
    add_once(w.rc4, "RC4");
    add_once(w.triple_des, "3DES");
    add_once(w.des, "DES"); // also skipped when "3DES" is already named
    add_once(w.idea, "IDEA");
    add_once(w.null_enc, "NULL encryption");
    add_once(w.export_grade, "export grade");
    add_once(w.md5, "MD5");
    add_once(w.anon, "anonymous key exchange");
    return why;
}

} // namespace

tls_version parse_tls_version(std::string_view s) noexcept
{
    s = trim(s);
    if (s.empty())
        return tls_version::NONE;
    if (s.size() > 32)
        return tls_version::UNKNOWN;

    // Lower-case, drop blanks ("tls 1.3"), treat '_' as '.' ("TLSv1_2").
    std::array<char, 32> buf{};
    std::size_t n = 0;
    for (char c : s) {
        if (is_space(c))
            continue;
        buf[n++] = c == '_' ? '.' : ascii::to_lower(c);
    }
    std::string_view t{buf.data(), n};
    if (t == "none")
        return tls_version::NONE;

    const bool ssl = t.starts_with("ssl");
    if (!ssl && !t.starts_with("tls"))
        return tls_version::UNKNOWN;
    t.remove_prefix(3);
    if (t.starts_with("v"))
        t.remove_prefix(1);

    if (ssl) {
        // SSL 2.0 has no value of its own; it must not pass as "unknown"
        // (which is not legacy), so it counts as the oldest we name.
        if (t == "3" || t == "3.0" || t == "2" || t == "2.0")
            return tls_version::SSL3;
        return tls_version::UNKNOWN;
    }
    if (t == "1" || t == "1.0")
        return tls_version::TLS1_0;
    if (t == "1.1")
        return tls_version::TLS1_1;
    if (t == "1.2")
        return tls_version::TLS1_2;
    if (t == "1.3")
        return tls_version::TLS1_3;
    return tls_version::UNKNOWN;
}

std::string_view to_string(tls_version v) noexcept
{
    switch (v) {
    case tls_version::NONE: return "";
    case tls_version::UNKNOWN: return "unknown";
    case tls_version::SSL3: return "SSLv3";
    case tls_version::TLS1_0: return "TLSv1";
    case tls_version::TLS1_1: return "TLSv1.1";
    case tls_version::TLS1_2: return "TLSv1.2";
    case tls_version::TLS1_3: return "TLSv1.3";
    }
    return "unknown";
}

tls_assessment assess_tls(std::string_view version, std::string_view cipher,
                          std::string_view source, const cipher_oracle &oracle)
{
    tls_assessment a;
    version = cap(trim(version), max_version_text);
    cipher = cap(trim(cipher), max_cipher_text);

    a.version = parse_tls_version(version);
    // A cipher name alone still shows the connection was encrypted.
    a.used = a.version != tls_version::NONE || !cipher.empty();
    if (!a.used)
        return a;
    if (a.version == tls_version::NONE)
        a.version = tls_version::UNKNOWN;
    a.version_text = std::string{version};
    a.cipher = std::string{cipher};
    a.source = std::string{cap(source, max_version_text)};

    std::string reason;
    // RFC 8996: TLS 1.0 and 1.1 are deprecated; RFC 7568: SSL 3.0 too.
    // An unparsed version is not held against the sender.
    if (a.version >= tls_version::SSL3 && a.version < tls_version::TLS1_2) {
        reason = reason_name(a.version);
        reason += " is below TLS 1.2";
    }
    if (!cipher.empty()) {
        if (auto why = cipher_weakness(cipher, oracle); !why.empty()) {
            if (!reason.empty())
                reason += "; ";
            reason += "cipher ";
            reason += cipher;
            reason += ": ";
            reason += why;
        }
    }
    a.legacy = !reason.empty();
    a.legacy_reason = std::move(reason);
    return a;
}

} // namespace authweight::core
