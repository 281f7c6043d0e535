// Unit tests of core/src/host.cxx, with the library-backed domain services
// (core/adapters/domain_libs.cxx: libidn2 + libpsl).
#include "authweight/host.hxx"
#include "domain_libs.hxx"

#include <CppUTest/TestHarness.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

/** Loaded once; null when the libraries fail, which setup() reports. */
const authweight::core::domain_services *loaded_domains()
{
    static const std::unique_ptr<authweight::core::domain_services> ds = [] {
        auto made = authweight::adapters::make_domain_services();
        return made ? std::move(*made) : nullptr;
    }();
    return ds.get();
}

const authweight::core::domain_services &domains() { return *loaded_domains(); }

std::string joined(const std::vector<std::string> &names)
{
    std::string out;
    for (const auto &n : names) {
        if (!out.empty())
            out += ' ';
        out += n;
    }
    return out;
}

} // namespace

TEST_GROUP(host_marks)
{
    void setup() override
    {
        CHECK_TRUE_TEXT(loaded_domains() != nullptr, "domain services must load for these tests");
    }
};

TEST(host_marks, dynamic_rdns_names)
{
    struct test_case {
        const char *hostname;
        const char *ip;
        bool want;
    };
    static const test_case cases[] = {
        // The address's octets, any order or separator.
        {"1-2-3-4.example.net", "1.2.3.4", true},
        {"4.3.2.1.in-addr.example.net", "1.2.3.4", true},
        {"192-0-2-1.dsl.example.net", "192.0.2.1", true},
        {"host192x0x2x1.example.net", "192.0.2.1", true},
        {"c-73-12-34-56.hsd1.ma.example.net", "73.12.34.56", true},
        {"pool-071-104-005-006.lsanca.example.net", "71.104.5.6", true},
        {"ip-2-1.isp.example.net", "192.0.2.1", true},
        {"h192000002001.isp.example.net", "192.0.2.1", true},
        {"ppp-1.2.3.4.example.net", "10.0.0.9", true},
        // The whole address in hex.
        {"p5B0A1C2D.dip0.example.de", "91.10.28.45", true},
        {"c0000201.cust.example.net", "192.0.2.1", true},
        {"x-C0000201.example.net", "192.0.2.1", true},
        // Dynamic-pool words as labels or label parts.
        {"dynamic.isp.example.net", "", true},
        {"adsl1.isp.example.net", "198.51.100.7", true},
        {"host.dhcp.example.edu", "198.51.100.7", true},
        {"abc.pppoe.example.net", "198.51.100.7", true},
        {"cpe-00a0c9.cable.example.net", "198.51.100.7", true},
        {"dialup-77.example.net", "198.51.100.7", true},
        {"DYN.ISP.EXAMPLE.NET.", "198.51.100.7", true},
        // An IPv4-mapped IPv6 client is an IPv4 client.
        {"1-2-3-4.example.net", "::ffff:1.2.3.4", true},
        // IPv6: long hex runs or several groups of the address.
        {"p200300e1abcd1234.dip0.example.de", "2003:e1:abcd:1234::1", true},
        {"2001-db8-85a3-8d3.ip6.example.net", "2001:db8:85a3:8d3::1", true},
        {"host-20010db885a308d3.example.net", "2001:db8:85a3:8d3::1", true},
        // Ordinary mail hosts.
        {"mail.example.com", "192.0.2.1", false},
        {"smtp1.example.net", "192.0.2.1", false},
        {"mx-01.mail.example.org", "192.0.2.1", false},
        {"out.bank.example", "192.0.2.1", false},
        {"mx2.example.com", "10.0.0.2", false},
        {"mailpool.example.com", "192.0.2.1", false},
        {"smtp-out.dynamics.example.com", "192.0.2.1", false},
        {"mail.example.com", "2001:db8::1", false},
        {"mx1.cafe.example.com", "2001:db8:cafe::1", false},
        // The operator's own domain says nothing of the host.
        {"mail.dynamic.com", "192.0.2.1", false},
        {"mx.192-0-2-1.net", "192.0.2.1", false},
        {"", "192.0.2.1", false},
        {"localhost", "127.0.0.1", false},
        // One octet alone is no evidence; each octet counts once.
        {"mx1.example.com", "10.0.0.1", false},
        {"mx1-1.example.com", "10.0.0.1", false},
    };
    for (const auto &tc : cases) {
        const std::string label = std::string{tc.hostname} + " / " + tc.ip;
        CHECK_EQUAL_TEXT(tc.want, authweight::core::rdns_looks_dynamic(tc.hostname, tc.ip), label.c_str());
    }

    // Work is bounded: an over-long name is not read at all.
    const std::string huge = "dyn." + std::string(100000, 'a') + ".example.net";
    CHECK_TRUE(!authweight::core::rdns_looks_dynamic(huge, "192.0.2.1"));
}

TEST(host_marks, ip_literals)
{
    struct test_case {
        const char *helo;
        bool want;
    };
    static const test_case cases[] = {
        {"[192.0.2.1]", true},
        {"[IPv6:2001:db8::1]", true},
        {"[ipv6:2001:DB8::1]", true},
        {"[IPv6:::ffff:192.0.2.1]", true},
        {"[IPv6:2001:db8:0:0:0:0:0:1]", true},
        {"[IPv6:::]", true},
        {"[2001:db8::1]", true},
        {"192.0.2.1", true},
        {"2001:db8::1", true},
        {"::1", true},
        {"[010.000.002.001]", true},
        {"mail.example.com", false},
        {"[mail.example.com]", false},
        {"[192.0.2.256]", false},
        {"[192.0.2]", false},
        {"192.0.2.1.5", false},
        {"[1234.0.2.1]", false},
        {"192.0.2.1]", false},
        {"[IPv6:192.0.2.1]", false},
        {"[IPv6:2001:db8:::1]", false},
        {"[IPv6:2001:db8::1::2]", false},
        {"[IPv6:1:2:3:4:5:6:7:8:9]", false},
        {"[IPv6:12345::1]", false},
        {"[IPv6:2001:dg8::1]", false},
        {"1:2:3:4:5:6:7", false},
        {"[]", false},
        {"", false},
        {"localhost", false},
    };
    for (const auto &tc : cases)
        CHECK_EQUAL_TEXT(tc.want, authweight::core::is_ip_literal(tc.helo), tc.helo);
}

TEST(host_marks, assess_host_combinations)
{
    struct test_case {
        const char *client_ip;
        const char *helo;
        const char *hostname;
        std::optional<bool> fcrdns;
        const char *want; ///< names() joined by spaces
    };
    static const test_case cases[] = {
        {"192.0.2.1", "mail.example.com", "mail.example.com", true, ""},
        {"192.0.2.1", "mx1.example.com", "out2.example.com", true, ""},
        {"192.0.2.1", "mail.example.co.uk", "smtp.example.co.uk", true, ""},
        {"192.0.2.1", "MAIL.EXAMPLE.COM.", "mail.example.com", std::nullopt, ""},
        {"192.0.2.1", "mail.example.com", "", std::nullopt, "no-rdns"},
        {"192.0.2.1", "mail.example.com", "unknown", std::nullopt, "no-rdns"},
        {"192.0.2.1", "mail.example.com", "[192.0.2.1]", std::nullopt, "no-rdns"},
        {"192.0.2.1", "mail.example.com", "mail.example.com", false, "rdns-unconfirmed"},
        {"192.0.2.1", "mail.example.com", "192-0-2-1.dsl.example.com", true, "rdns-dynamic"},
        {"192.0.2.1", "[192.0.2.1]", "mail.example.com", true, "helo-ip-literal"},
        {"192.0.2.1", "192.0.2.1", "", std::nullopt, "no-rdns helo-ip-literal"},
        {"192.0.2.1", "desktop-pc", "mail.example.com", true, "helo-not-fqdn"},
        {"192.0.2.1", "", "mail.example.com", true, "helo-not-fqdn"},
        {"192.0.2.1", "mail.example.org", "mail.example.com", true, "helo-mismatch"},
        {"192.0.2.1", "example.co.uk", "mail.other.co.uk", true, "helo-mismatch"},
        // A HELO that is not a name is not also compared with the rDNS name.
        {"192.0.2.1", "localhost", "", std::nullopt, "no-rdns helo-not-fqdn"},
        // The botnet picture: dynamic, unconfirmed rDNS and a faked HELO.
        {"198.51.100.7", "bank.example", "198-51-100-7.pool.isp.example.net", false,
         "rdns-unconfirmed rdns-dynamic helo-mismatch"},
        {"2001:db8::25", "[IPv6:2001:db8::25]", "", false, "no-rdns rdns-unconfirmed helo-ip-literal"},
    };
    for (const auto &tc : cases) {
        authweight::core::connection_facts c;
        c.client_ip = tc.client_ip;
        c.helo = tc.helo;
        c.hostname = tc.hostname;
        c.fcrdns = tc.fcrdns;
        const auto got = authweight::core::assess_host(c, domains());
        const auto got_names = joined(got.names());
        const std::string label = std::string{tc.helo} + " / " + tc.hostname;
        STRCMP_EQUAL_TEXT(tc.want, got_names.c_str(), label.c_str());
        const std::string want{tc.want};
        CHECK_EQUAL_TEXT(want.find("rdns") != std::string::npos, got.rdns_mark(), label.c_str());
        CHECK_EQUAL_TEXT(want.find("helo") != std::string::npos, got.helo_mark(), label.c_str());
    }

    // An over-long HELO is no FQDN, and is not handed to the domain libraries.
    authweight::core::connection_facts c;
    c.hostname = "mail.example.com";
    c.helo = std::string(300, 'a') + ".example.com";
    const auto got = authweight::core::assess_host(c, domains());
    CHECK_TRUE(got.helo_not_fqdn);
    CHECK_TRUE(!got.helo_mismatch);
}

TEST(host_marks, names_in_fixed_order)
{
    authweight::core::host_marks m;
    CHECK_TRUE(m.names().empty());
    m.no_rdns = m.rdns_unconfirmed = m.rdns_dynamic = true;
    m.helo_ip_literal = m.helo_not_fqdn = m.helo_mismatch = true;
    STRCMP_EQUAL("no-rdns rdns-unconfirmed rdns-dynamic helo-ip-literal helo-not-fqdn helo-mismatch",
                 joined(m.names()).c_str());
}
