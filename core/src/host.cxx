#include "authweight/host.hxx"

#include "authweight/ascii.hxx"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authweight::core {

namespace {

// RFC 1035 2.3.4: a name is at most 255 octets on the wire, 253 in text.
constexpr std::size_t max_name_length = 253;
// The longest IPv6 text form with an IPv4 tail is 45 characters, plus
// "[IPv6:" and "]".
constexpr std::size_t max_literal_length = 52;

using ipv4_bytes = std::array<std::uint8_t, 4>;
using ipv6_bytes = std::array<std::uint8_t, 16>;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ascii::to_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

// Only SP/HT/CR/LF, not ascii::trim: a HELO, hostname or IP wrapped in FF or
// VT keeps them and is judged as the malformed text it is.
std::string_view trim(std::string_view s) noexcept
{
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

/** Lower-cased name without its trailing root dot. */
std::string normalise_name(std::string_view s)
{
    s = trim(s);
    if (!s.empty() && s.back() == '.')
        s.remove_suffix(1);
    return ascii::lower(s);
}

/** Dotted quad, RFC 5321 4.1.3 Snum: 1*3DIGIT with a value 0..255. */
std::optional<ipv4_bytes> parse_ipv4(std::string_view s) noexcept
{
    ipv4_bytes out{};
    std::size_t part = 0;
    std::size_t pos = 0;
    while (true) {
        unsigned value = 0;
        std::size_t digits = 0;
        while (pos < s.size() && is_digit(s[pos]) && digits < 4) {
            value = value * 10 + static_cast<unsigned>(s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0 || digits > 3 || value > 255)
            return std::nullopt;
        out[part++] = static_cast<std::uint8_t>(value);
        if (part == 4)
            return pos == s.size() ? std::optional{out} : std::nullopt;
        if (pos >= s.size() || s[pos] != '.')
            return std::nullopt;
        ++pos;
    }
}

/**
 * Colon-separated 16-bit groups, no "::" inside. The last element may be a
 * dotted quad (two groups) when v4_tail. Returns the group count, or
 * nullopt on bad syntax or more than max groups.
 */
std::optional<std::size_t> parse_groups(std::string_view s, bool v4_tail,
                                        std::array<std::uint16_t, 8> &out, std::size_t max) noexcept
{
    std::size_t n = 0;
    if (s.empty())
        return n;
    std::size_t pos = 0;
    while (true) {
        auto end = s.find(':', pos);
        auto item = s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (end == std::string_view::npos && v4_tail && item.find('.') != std::string_view::npos) {
            auto v4 = parse_ipv4(item);
            if (!v4 || n + 2 > max)
                return std::nullopt;
            out[n++] = static_cast<std::uint16_t>(((*v4)[0] << 8) | (*v4)[1]);
            out[n++] = static_cast<std::uint16_t>(((*v4)[2] << 8) | (*v4)[3]);
            return n;
        }
        if (item.empty() || item.size() > 4 || n + 1 > max)
            return std::nullopt;
        unsigned value = 0;
        for (char c : item) {
            const int h = hex_value(c);
            if (h < 0)
                return std::nullopt;
            value = (value << 4) | static_cast<unsigned>(h);
        }
        out[n++] = static_cast<std::uint16_t>(value);
        if (end == std::string_view::npos)
            return n;
        pos = end + 1;
    }
}

/** RFC 4291 2.2 text forms, including "::" and an IPv4 tail. */
std::optional<ipv6_bytes> parse_ipv6(std::string_view s) noexcept
{
    if (s.size() < 2 || s.size() > 45)
        return std::nullopt;
    std::array<std::uint16_t, 8> groups{};
    const auto gap = s.find("::");
    if (gap == std::string_view::npos) {
        auto n = parse_groups(s, true, groups, 8);
        if (!n || *n != 8)
            return std::nullopt;
    } else {
        if (s.find("::", gap + 1) != std::string_view::npos)
            return std::nullopt;
        std::array<std::uint16_t, 8> head{}, tail{};
        // "::" stands for at least one zero group.
        auto nh = parse_groups(s.substr(0, gap), false, head, 7);
        if (!nh)
            return std::nullopt;
        auto nt = parse_groups(s.substr(gap + 2), true, tail, 7 - *nh);
        if (!nt)
            return std::nullopt;
        for (std::size_t i = 0; i < *nh; ++i)
            groups[i] = head[i];
        for (std::size_t i = 0; i < *nt; ++i)
            groups[8 - *nt + i] = tail[i];
    }
    ipv6_bytes out{};
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
    }
    return out;
}

/** The client address as IPv4 (an IPv4-mapped IPv6 address counts) or IPv6. */
struct client_address {
    std::optional<ipv4_bytes> v4;
    std::optional<ipv6_bytes> v6;
};

client_address parse_client(std::string_view ip) noexcept
{
    client_address a;
    ip = trim(ip);
    if (ip.size() > max_literal_length)
        return a;
    if ((a.v4 = parse_ipv4(ip)))
        return a;
    if ((a.v6 = parse_ipv6(ip))) {
        // RFC 4291 2.5.5.2: ::ffff:a.b.c.d is an IPv4 peer on a dual stack.
        const auto &b = *a.v6;
        bool mapped = b[10] == 0xff && b[11] == 0xff;
        for (std::size_t i = 0; i < 10 && mapped; ++i)
            mapped = b[i] == 0;
        if (mapped) {
            a.v4 = ipv4_bytes{b[12], b[13], b[14], b[15]};
            a.v6.reset();
        }
    }
    return a;
}

/** Words ISPs put in the names of dynamically addressed customer lines. */
constexpr std::array<std::string_view, 26> dynamic_words{
    "dyn", "dynamic", "dynip", "dhcp", "pool", "ppp", "pppoe", "dsl", "adsl", "vdsl",
    "xdsl", "sdsl", "cable", "catv", "dialup", "dial", "dialin", "cpe", "broadband",
    "customer", "cust", "client", "clients", "ftth", "fttx", "resnet",
};

/** Whether a token is a dynamic word, alone or numbered ("adsl1", "pool12"). */
bool is_dynamic_token(std::string_view token) noexcept
{
    auto end = token.size();
    while (end > 0 && is_digit(token[end - 1]))
        --end;
    const auto word = token.substr(0, end);
    for (auto w : dynamic_words)
        if (word == w)
            return true;
    return false;
}

/** Whether the name's digit runs hold two or more of the IPv4 octets. */
bool embeds_ipv4(std::string_view part, const ipv4_bytes &ip)
{
    std::array<bool, 4> used{};
    int matched = 0;
    char padded[13];
    for (std::size_t i = 0; i < 4; ++i) {
        padded[3 * i] = static_cast<char>('0' + ip[i] / 100);
        padded[3 * i + 1] = static_cast<char>('0' + ip[i] / 10 % 10);
        padded[3 * i + 2] = static_cast<char>('0' + ip[i] % 10);
    }
    padded[12] = '\0';

    std::size_t pos = 0;
    while (pos < part.size()) {
        if (!is_digit(part[pos])) {
            ++pos;
            continue;
        }
        auto end = pos;
        while (end < part.size() && is_digit(part[end]))
            ++end;
        const auto run = part.substr(pos, end - pos);
        pos = end;
        if (run == std::string_view{padded, 12}) // "192000002001"
            return true;
        if (run.size() > 3)
            continue;
        unsigned value = 0;
        for (char c : run)
            value = value * 10 + static_cast<unsigned>(c - '0');
        // Each run stands for one octet and each octet is used once, so
        // "1-1" does not match 10.0.0.1 twice.
        for (std::size_t i = 0; i < 4; ++i) {
            if (!used[i] && ip[i] == value) {
                used[i] = true;
                if (++matched >= 2)
                    return true;
                break;
            }
        }
    }

    // The whole address in hex, "c0000201" for 192.0.2.1.
    static constexpr char hex[] = "0123456789abcdef";
    char h[9];
    for (std::size_t i = 0; i < 4; ++i) {
        h[2 * i] = hex[ip[i] >> 4];
        h[2 * i + 1] = hex[ip[i] & 0xf];
    }
    h[8] = '\0';
    return part.find(std::string_view{h, 8}) != std::string_view::npos;
}

/** Whether the name holds a long stretch of the IPv6 address's hex
 *  digits, or three or more of its non-zero groups as separate tokens. */
bool embeds_ipv6(std::string_view part, const ipv6_bytes &ip)
{
    static constexpr char hex[] = "0123456789abcdef";
    char nibbles[32];
    for (std::size_t i = 0; i < 16; ++i) {
        nibbles[2 * i] = hex[ip[i] >> 4];
        nibbles[2 * i + 1] = hex[ip[i] & 0xf];
    }
    const std::string_view all{nibbles, 32};

    // Maximal hex runs ("p200300e1abcd1234" holds the /64 prefix).
    std::size_t pos = 0;
    while (pos < part.size()) {
        if (hex_value(part[pos]) < 0) {
            ++pos;
            continue;
        }
        auto end = pos;
        while (end < part.size() && hex_value(part[end]) >= 0)
            ++end;
        const auto run = part.substr(pos, end - pos);
        pos = end;
        if (run.size() >= 8 && run.find_first_not_of('0') != std::string_view::npos &&
            all.find(run) != std::string_view::npos)
            return true;
    }

    // Separate groups ("2001-db8-85a3-8d3"), each group counted once.
    std::array<bool, 8> used{};
    int matched = 0;
    pos = 0;
    while (pos < part.size()) {
        auto end = part.find_first_of(".-_", pos);
        if (end == std::string_view::npos)
            end = part.size();
        const auto token = part.substr(pos, end - pos);
        pos = end + 1;
        if (token.empty() || token.size() > 4)
            continue;
        unsigned value = 0;
        bool ok = true;
        for (char c : token) {
            const int v = hex_value(c);
            ok = ok && v >= 0;
            value = (value << 4) | static_cast<unsigned>(v < 0 ? 0 : v);
        }
        if (!ok || value == 0)
            continue;
        for (std::size_t i = 0; i < 8; ++i) {
            const unsigned g = (static_cast<unsigned>(ip[2 * i]) << 8) | ip[2 * i + 1];
            if (!used[i] && g == value) {
                used[i] = true;
                if (++matched >= 3)
                    return true;
                break;
            }
        }
    }
    return false;
}

/** Organisational domain for the HELO/rDNS comparison, lower case. */
std::string org_domain(std::string_view name, const domain_services &ds)
{
    std::string base = normalise_name(name);
    if (auto a = ds.to_alabel(base))
        base = normalise_name(*a);
    if (auto r = ds.registrable_domain(base))
        return normalise_name(*r);
    return base;
}

} // namespace

std::vector<std::string> host_marks::names() const
{
    std::vector<std::string> out;
    if (no_rdns)
        out.emplace_back("no-rdns");
    if (rdns_unconfirmed)
        out.emplace_back("rdns-unconfirmed");
    if (rdns_dynamic)
        out.emplace_back("rdns-dynamic");
    if (helo_ip_literal)
        out.emplace_back("helo-ip-literal");
    if (helo_not_fqdn)
        out.emplace_back("helo-not-fqdn");
    if (helo_mismatch)
        out.emplace_back("helo-mismatch");
    return out;
}

bool is_ip_literal(std::string_view helo)
{
    helo = trim(helo);
    if (helo.size() < 2 || helo.size() > max_literal_length)
        return false;
    if (helo.front() == '[' && helo.back() == ']') {
        auto inner = helo.substr(1, helo.size() - 2);
        // RFC 5321 4.1.3: "[IPv6:...]"; a bare "[2001:db8::1]" is malformed
        // but still names an address, not a host.
        if (inner.size() > 5 && ascii::iequals(inner.substr(0, 5), "IPv6:"))
            return parse_ipv6(inner.substr(5)).has_value();
        return parse_ipv4(inner).has_value() || parse_ipv6(inner).has_value();
    }
    return parse_ipv4(helo).has_value() || parse_ipv6(helo).has_value();
}

bool rdns_looks_dynamic(std::string_view hostname, std::string_view client_ip)
{
    const auto name = normalise_name(hostname);
    if (name.empty() || name.size() > max_name_length)
        return false;

    // Only the labels left of the last two are read: those name the host
    // within its operator's zone, while "example.com" itself (or
    // "cable.example") says nothing about how the host is addressed.
    const auto last = name.rfind('.');
    if (last == std::string::npos || last == 0)
        return false;
    const auto cut = name.rfind('.', last - 1);
    if (cut == std::string::npos || cut == 0)
        return false;
    const std::string_view part{name.data(), cut};

    std::size_t pos = 0;
    while (pos <= part.size()) {
        auto end = part.find_first_of(".-_", pos);
        if (end == std::string_view::npos)
            end = part.size();
        if (end > pos && is_dynamic_token(part.substr(pos, end - pos)))
            return true;
        pos = end + 1;
    }

    const auto ip = parse_client(client_ip);
    if (ip.v4)
        return embeds_ipv4(part, *ip.v4);
    if (ip.v6)
        return embeds_ipv6(part, *ip.v6);
    return false;
}

host_marks assess_host(const connection_facts &c, const domain_services &ds)
{
    host_marks m;

    const auto host = trim(c.hostname);
    // Postfix reports "unknown" when there is no name, and some MTAs put the
    // bracketed address where the name would be.
    m.no_rdns = host.empty() || ascii::iequals(host, "unknown") || host.front() == '[';
    m.rdns_unconfirmed = c.fcrdns.has_value() && !*c.fcrdns;
    m.rdns_dynamic = !m.no_rdns && rdns_looks_dynamic(host, c.client_ip);

    const auto helo = trim(c.helo);
    m.helo_ip_literal = is_ip_literal(helo);
    if (!m.helo_ip_literal) {
        const auto name = normalise_name(helo);
        // RFC 5321 4.1.1.1: the EHLO argument is the client's FQDN (or an
        // address literal); a name too long for DNS is no FQDN either.
        m.helo_not_fqdn = name.empty() || name.find('.') == std::string::npos ||
                          name.size() > max_name_length;
        // A name that is not an FQDN is already marked; comparing it with
        // the rDNS name would only mark the same HELO twice.
        if (!m.helo_not_fqdn && !m.no_rdns && host.size() <= max_name_length)
            m.helo_mismatch = org_domain(name, ds) != org_domain(host, ds);
    }
    return m;
}

} // namespace authweight::core
