/**
 * @file ip.hxx
 * @brief IP addresses: the one parser of their text forms, for every place
 *        that reads one (the client address, an SPF ip4:/ip6: mechanism,
 *        an A/AAAA answer, a HELO literal).
 *
 * SYNOPSIS
 *   auto ip = ip_address::parse("::ffff:192.0.2.1");   // IPv4 192.0.2.1
 *   ip->is_v4(); ip->reverse_name();                    // "1.2.0.192.in-addr.arpa"
 *
 * DESCRIPTION
 *   parse_ipv4() reads a dotted quad of four decimal octets, by default
 *   without leading zeros (RFC 7208 qnum; glibc's inet_pton agrees; an SMTP
 *   address literal allows them), parse_ipv6() the text
 *   forms of RFC 4291 2.2, with "::" and an IPv4 tail. ip_address::parse()
 *   reads either and maps an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
 *   RFC 4291 2.5.5.2) to the IPv4 address it stands for: a dual-stack MTA
 *   reports an IPv4 peer that way, and SPF (RFC 7208 5), FCrDNS and every
 *   other check must treat it as that IPv4 peer.
 *
 * DIAGNOSTICS
 *   nullopt for text that is no address; nothing throws.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace authweight::core {

using ipv4_bytes = std::array<std::uint8_t, 4>;
using ipv6_bytes = std::array<std::uint8_t, 16>;

/** How the octets of a dotted quad may be written. */
enum class quad_syntax {
    strict, ///< 0..255 without leading zeros (RFC 7208 qnum, inet_pton)
    smtp,   ///< 1*3DIGIT up to 255, leading zeros allowed (RFC 5321 4.1.3 Snum)
};

/** A dotted quad of four octets 0..255. */
[[nodiscard]] std::optional<ipv4_bytes> parse_ipv4(std::string_view text,
                                                   quad_syntax syntax = quad_syntax::strict) noexcept;

/** An IPv6 address in an RFC 4291 2.2 text form (an IPv4 tail as `syntax`
 *  says); never mapped to IPv4. */
[[nodiscard]] std::optional<ipv6_bytes> parse_ipv6(std::string_view text,
                                                   quad_syntax syntax = quad_syntax::strict) noexcept;

/** An IPv4 address, or an IPv6 address that is not IPv4-mapped. */
class ip_address {
public:
    /** IPv4 or IPv6 text; ::ffff:a.b.c.d becomes IPv4. No blanks around. */
    [[nodiscard]] static std::optional<ip_address> parse(std::string_view text) noexcept;
    [[nodiscard]] static ip_address from_v4(const ipv4_bytes &b) noexcept;
    /** The IPv6 address, or the IPv4 address it maps. */
    [[nodiscard]] static ip_address from_v6(const ipv6_bytes &b) noexcept;

    [[nodiscard]] bool is_v4() const noexcept { return v4_; }
    /** The address in network order: 4 bytes for IPv4, 16 for IPv6. */
    [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept
    {
        return {b_.data(), v4_ ? 4U : 16U};
    }
    /** The in-addr.arpa or ip6.arpa name (RFC 1035 3.5, RFC 3596 2.5). */
    [[nodiscard]] std::string reverse_name() const;

    friend bool operator==(const ip_address &, const ip_address &) = default;

private:
    bool v4_{true};
    std::array<std::uint8_t, 16> b_{};
};

} // namespace authweight::core
