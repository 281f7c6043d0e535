/**
 * @file host.hxx
 * @brief Marks of a botnet host, from connection facts alone.
 */
#pragma once

#include "authweight/domain.hxx"
#include "authweight/facts.hxx"

#include <string>
#include <vector>

namespace authweight::core {

/** Botnet marks of the sending host. */
struct host_marks {
    bool no_rdns{false};          ///< no reverse DNS name
    bool rdns_unconfirmed{false}; ///< the name does not resolve back (fcrdns == false)
    bool rdns_dynamic{false};     ///< the name looks dynamic (embeds the IP, "dyn", "pool" ...)
    bool helo_ip_literal{false};  ///< HELO is "[192.0.2.1]" or a bare IP
    bool helo_not_fqdn{false};    ///< HELO has no dot, or is empty
    bool helo_mismatch{false};    ///< HELO's registrable domain differs from the rDNS name's

    /** A mark on the host's name: missing, unconfirmed or dynamic rDNS. */
    [[nodiscard]] bool rdns_mark() const noexcept { return no_rdns || rdns_unconfirmed || rdns_dynamic; }
    /** A mark on the HELO. */
    [[nodiscard]] bool helo_mark() const noexcept { return helo_ip_literal || helo_not_fqdn || helo_mismatch; }
    /** Names of the marks set, e.g. {"rdns-dynamic", "helo-ip-literal"}. */
    [[nodiscard]] std::vector<std::string> names() const;
};

/** Whether a reverse DNS name looks dynamic: it embeds the IP's octets
 *  (decimal or hex, any order or separator) or a dynamic-pool word. */
[[nodiscard]] bool rdns_looks_dynamic(std::string_view hostname, std::string_view client_ip);

/** Whether a text is an IP literal ("[192.0.2.1]", "[IPv6:...]", "192.0.2.1"). */
[[nodiscard]] bool is_ip_literal(std::string_view helo);

/** Compute the marks of a connection. */
[[nodiscard]] host_marks assess_host(const connection_facts &c, const domain_services &ds);

} // namespace authweight::core
