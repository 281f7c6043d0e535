#include "authweight/host.hxx"

#include "authweight/ascii.hxx"
#include "authweight/ip.hxx"

#include <algorithm>
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

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

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
        if (ascii::hex_value(part[pos]) < 0) {
            ++pos;
            continue;
        }
        auto end = pos;
        while (end < part.size() && ascii::hex_value(part[end]) >= 0)
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
            const int v = ascii::hex_value(c);
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
            return parse_ipv6(inner.substr(5), quad_syntax::smtp).has_value();
        return parse_ipv4(inner, quad_syntax::smtp).has_value() || parse_ipv6(inner, quad_syntax::smtp).has_value();
    }
    return parse_ipv4(helo, quad_syntax::smtp).has_value() || parse_ipv6(helo, quad_syntax::smtp).has_value();
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

    const auto ip_text = trim(client_ip);
    const auto ip = ip_text.size() <= max_literal_length ? ip_address::parse(ip_text) : std::nullopt;
    if (!ip)
        return false;
    const auto b = ip->bytes();
    if (ip->is_v4())
        return embeds_ipv4(part, ipv4_bytes{b[0], b[1], b[2], b[3]});
    ipv6_bytes v6{};
    std::copy(b.begin(), b.end(), v6.begin());
    return embeds_ipv6(part, v6);
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
