#include "authweight/ip.hxx"

#include "authweight/ascii.hxx"

#include <algorithm>
#include <cstddef>

namespace authweight::core {

namespace {

// The longest IPv6 text form, with an IPv4 tail: 8 groups and 7 colons
// written as 6 groups, 6 colons and a dotted quad.
constexpr std::size_t max_ipv6_text = 45;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/**
 * Colon-separated 16-bit groups with no "::" inside; the last may be a
 * dotted quad (two groups) when v4_tail. @return the count, or nullopt on
 * bad syntax or more than max groups.
 */
std::optional<std::size_t> parse_groups(std::string_view s, bool v4_tail, quad_syntax syntax,
                                        std::array<std::uint16_t, 8> &out, std::size_t max) noexcept
{
    std::size_t n = 0;
    if (s.empty())
        return n;
    std::size_t pos = 0;
    while (true) {
        const auto end = s.find(':', pos);
        const auto item = s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (end == std::string_view::npos && v4_tail && item.find('.') != std::string_view::npos) {
            const auto v4 = parse_ipv4(item, syntax);
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
            const int h = ascii::hex_value(c);
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

} // namespace

std::optional<ipv4_bytes> parse_ipv4(std::string_view text, quad_syntax syntax) noexcept
{
    ipv4_bytes out{};
    for (std::size_t part = 0; part < 4; ++part) {
        std::size_t n = 0;
        while (n < text.size() && n < 4 && is_digit(text[n]))
            ++n;
        if (n == 0 || n > 3 || (n > 1 && text.front() == '0' && syntax == quad_syntax::strict))
            return std::nullopt;
        unsigned v = 0;
        for (std::size_t k = 0; k < n; ++k)
            v = v * 10 + static_cast<unsigned>(text[k] - '0');
        if (v > 255)
            return std::nullopt;
        out[part] = static_cast<std::uint8_t>(v);
        text.remove_prefix(n);
        if (part < 3) {
            if (text.empty() || text.front() != '.')
                return std::nullopt;
            text.remove_prefix(1);
        }
    }
    if (!text.empty())
        return std::nullopt;
    return out;
}

std::optional<ipv6_bytes> parse_ipv6(std::string_view s, quad_syntax syntax) noexcept
{
    if (s.size() < 2 || s.size() > max_ipv6_text)
        return std::nullopt;
    std::array<std::uint16_t, 8> groups{};
    const auto gap = s.find("::");
    if (gap == std::string_view::npos) {
        const auto n = parse_groups(s, true, syntax, groups, 8);
        if (!n || *n != 8)
            return std::nullopt;
    } else {
        if (s.find("::", gap + 1) != std::string_view::npos)
            return std::nullopt;
        std::array<std::uint16_t, 8> head{}, tail{};
        // "::" stands for at least one zero group.
        const auto nh = parse_groups(s.substr(0, gap), false, syntax, head, 7);
        if (!nh)
            return std::nullopt;
        const auto nt = parse_groups(s.substr(gap + 2), true, syntax, tail, 7 - *nh);
        if (!nt)
            return std::nullopt;
        std::copy_n(head.begin(), *nh, groups.begin());
        std::copy_n(tail.begin(), *nt, groups.begin() + static_cast<std::ptrdiff_t>(8 - *nt));
    }
    ipv6_bytes out{};
    for (std::size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
        out[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
    }
    return out;
}

ip_address ip_address::from_v4(const ipv4_bytes &b) noexcept
{
    ip_address a;
    std::copy(b.begin(), b.end(), a.b_.begin());
    return a;
}

ip_address ip_address::from_v6(const ipv6_bytes &b) noexcept
{
    constexpr std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(mapped.begin(), mapped.end(), b.begin()))
        return from_v4({b[12], b[13], b[14], b[15]});
    ip_address a;
    a.v4_ = false;
    a.b_ = b;
    return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) noexcept
{
    if (const auto v4 = parse_ipv4(text))
        return from_v4(*v4);
    if (const auto v6 = parse_ipv6(text))
        return from_v6(*v6);
    return std::nullopt;
}

std::string ip_address::reverse_name() const
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    if (v4_) {
        for (int i = 3; i >= 0; --i) {
            out += std::to_string(b_[static_cast<std::size_t>(i)]);
            out += '.';
        }
        return out + "in-addr.arpa";
    }
    for (int i = 15; i >= 0; --i) {
        const auto b = b_[static_cast<std::size_t>(i)];
        out += hex[b & 0xF];
        out += '.';
        out += hex[b >> 4];
        out += '.';
    }
    return out + "ip6.arpa";
}

} // namespace authweight::core
