// The hostile-input cases (issue 8), shared by the ctest suite
// (test_hostile.cxx: verdicts and work bounds) and the benchmark
// (tests/bench/bench_hostile.cxx: time per case). Each case is one delivery
// through the real engine, DNS answered from an in-memory zone.
//
// The cast: boss@friend.example and @partner.example are whitelisted;
// friend.example and paypal.com are protected and publish DMARC p=reject.
// friend.example's mail leaves from 192.0.2.1. The attacker sends from
// 203.0.113.66, which nothing authorizes, or from 203.0.113.77, which
// attacker.example's SPF authorizes: there the attacker is authenticated,
// as itself.
#pragma once

#include "engine.hxx"
#include "json_io.hxx"
#include "zone_file.hxx"

#include "authweight/config.hxx"
#include "authweight/dns.hxx"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace authweight::hostile {

using namespace std::string_view_literals;

inline constexpr const char *friend_ip = "192.0.2.1";
inline constexpr const char *attacker_ip = "203.0.113.66";
inline constexpr const char *authed_attacker_ip = "203.0.113.77";

// U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, U+0430 CYRILLIC SMALL LETTER A
inline constexpr const char *friend_homograph = "fr\xd1\x96" "end.example";
inline constexpr const char *paypal_homograph = "p\xd0\xb0ypal.com";
inline constexpr const char *partner_homograph = "p\xd0\xb0rtner.example";

inline core::config hostile_config()
{
    core::config cfg;
    cfg.whitelist = {"boss@friend.example", "@partner.example"};
    cfg.protected_domains = {"friend.example", "paypal.com"};
    return cfg;
}

/** "v=spf1 a:h1.<domain> a:h2.<domain> ... -all", `length` characters. */
inline std::string long_spf_record(const std::string &domain, std::size_t length)
{
    std::string r = "v=spf1";
    for (int i = 1; r.size() + 40 < length; ++i)
        r += " a:h" + std::to_string(i) + "." + domain;
    r += " -all";
    r.append(length - r.size(), ' ');
    return r;
}

/** "v=spf1 ip4:198.51.100.1 ... -all" (no DNS term), `length` characters. */
inline std::string long_ip4_record(std::size_t length)
{
    std::string r = "v=spf1";
    for (int i = 0; r.size() + 30 < length; ++i)
        r += " ip4:198.51." + std::to_string(100 + i / 250 % 100) + "." + std::to_string(i % 250 + 1);
    r += " -all";
    r.append(length - r.size(), ' ');
    return r;
}

/** The zone the cases are answered from; homograph names need the IDNA
 *  service for their A-labels. */
inline std::string hostile_zone_json(const core::domain_services &ds)
{
    const auto friend_alabel = ds.to_alabel(friend_homograph).value_or("invalid.example");
    const auto paypal_alabel = ds.to_alabel(paypal_homograph).value_or("invalid.example");
    const auto partner_alabel = ds.to_alabel(partner_homograph).value_or("invalid.example");
    std::string z = "{";
    auto add = [&](const std::string &name, const std::string &records) {
        z += (z.size() > 1 ? ",\n" : "") + ("\"" + name + "\": [" + records + "]");
    };
    add("friend.example", R"(["TXT", "v=spf1 ip4:192.0.2.1 -all"], ["A", "192.0.2.1"], ["MX", "10 mx.friend.example"])");
    add("_dmarc.friend.example", R"(["TXT", "v=DMARC1; p=reject"])");
    add("mx.friend.example", R"(["A", "192.0.2.1"])");
    add("1.2.0.192.in-addr.arpa", R"(["PTR", "mx.friend.example"])");
    add("partner.example", R"(["TXT", "v=spf1 ip4:192.0.2.2 -all"], ["A", "192.0.2.2"])");
    add("paypal.com", R"(["TXT", "v=spf1 ip4:192.0.2.3 -all"], ["A", "192.0.2.3"])");
    add("_dmarc.paypal.com", R"(["TXT", "v=DMARC1; p=reject"])");
    add("attacker.example", R"(["TXT", "v=spf1 ip4:203.0.113.77 ?all"], ["A", "203.0.113.77"])");
    // Homographs, authenticated by the attacker as themselves.
    for (const auto &d : {friend_alabel, paypal_alabel, partner_alabel})
        add(d, R"(["TXT", "v=spf1 ip4:203.0.113.77 -all"], ["A", "203.0.113.77"])");
    // SPF include loops and a chain deeper than RFC 7208 4.6.4 allows.
    add("loop.example", R"(["TXT", "v=spf1 include:loop.example -all"], ["A", "203.0.113.66"])");
    add("loop-a.example", R"(["TXT", "v=spf1 include:loop-b.example -all"], ["A", "203.0.113.66"])");
    add("loop-b.example", R"(["TXT", "v=spf1 include:loop-a.example -all"])");
    add("redirect-loop.example", R"(["TXT", "v=spf1 redirect=redirect-loop.example"], ["A", "203.0.113.66"])");
    for (int i = 0; i < 30; ++i)
        add("d" + std::to_string(i) + ".deep.example",
            R"(["TXT", "v=spf1 include:d)" + std::to_string(i + 1) + R"(.deep.example -all"])");
    add("deep.example", R"(["TXT", "v=spf1 include:d0.deep.example -all"], ["A", "203.0.113.66"])");
    // 10,000-character TXT records: SPF with a DNS term per 20 characters,
    // SPF without DNS terms, a multi-string one, a DKIM key and a DMARC record.
    add("big.example", R"(["TXT", ")" + long_spf_record("big.example", 10000) + R"("], ["A", "203.0.113.66"])");
    add("bigip.example", R"(["TXT", ")" + long_ip4_record(10000) + R"("], ["A", "203.0.113.66"])");
    {
        std::string parts;
        const auto rec = long_ip4_record(10000);
        for (std::size_t i = 0; i < rec.size(); i += 255)
            parts += (parts.empty() ? "\"" : ", \"") + rec.substr(i, 255) + "\"";
        add("multi.example", R"(["TXT", [)" + parts + R"(]], ["A", "203.0.113.66"])");
    }
    add("sel._domainkey.big.example", R"(["TXT", "v=DKIM1; k=rsa; p=)" + std::string(10000, 'A') + R"("])");
    {
        std::string rec = "v=DMARC1; p=reject";
        for (int i = 0; rec.size() < 64000; ++i)  // what a DNS answer over TCP can hold
            rec += "; t" + std::to_string(i) + "=x";
        add("_dmarc.manytags.example", R"(["TXT", ")" + rec + R"("])");
        add("manytags.example", R"(["A", "203.0.113.66"])");
    }
    add("_dmarc.big.example",
        R"(["TXT", "v=DMARC1; p=reject; rua=)" + std::string(10000, 'x') + R"("])");
    // CNAME loops: for the MAIL FROM domain, a DKIM key and a DMARC record.
    add("cname-loop.example", R"(["CNAME", "cname-loop2.example"])");
    add("cname-loop2.example", R"(["CNAME", "cname-loop.example"])");
    add("cname-self.example", R"(["CNAME", "cname-self.example"])");
    add("sel._domainkey.cname-key.example", R"(["CNAME", "sel._domainkey.cname-key.example"])");
    add("cname-key.example", R"(["TXT", "v=spf1 ip4:203.0.113.66 -all"], ["A", "203.0.113.66"])");
    add("_dmarc.cname-key.example", R"(["CNAME", "_dmarc.cname-key.example"])");
    return z + "}";
}

/** Header lines (CRLF-terminated) and a small body. */
inline std::string message(const std::string &headers)
{
    return headers + "To: you@recipient.example\r\nSubject: hello\r\n"
                     "Message-ID: <1@attacker.example>\r\n\r\nHello.\r\n";
}

inline std::string dkim_signature(const std::string &domain, const std::string &selector,
                                  const std::string &extra = "")
{
    return "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=" + selector +
           "; h=from:to:subject" + extra +
           "; bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=;\r\n b=dGhpcyBpcyBub3QgYSBzaWduYXR1cmU=\r\n";
}

/** One hostile case: the delivery and what must hold of its verdict. */
struct hostile_case {
    const char *name;
    const char *ip;
    std::string_view mail_from;   ///< MAIL FROM as given
    std::string (*build)();       ///< the message
    bool genuine;                 ///< the authenticated whitelisted sender: AUTHW_WL_AUTH required
    const char *want_symbol;      ///< a symbol the verdict must hold, nullptr = none
    const char *want_from;        ///< from_status word of the report
    std::size_t max_queries;      ///< DNS queries the whole evaluation may ask
    int max_rounds;               ///< DNS rounds it may take
};

inline std::string from_plain()
{
    return message("From: Attacker <x@attacker.example>\r\n");
}

inline const hostile_case hostile_cases[] = {
    // Controls: the genuine sender earns the bonus, a plain forgery is caught.
    {"control_genuine", friend_ip, "boss@friend.example",
     [] { return message("From: Boss <boss@friend.example>\r\n"); }, true, "AUTHW_WL_AUTH", "single", 12, 3},
    {"control_genuine_quoted_mixed_case", friend_ip, "boss@friend.example",
     [] { return message("From: Boss (the boss) <\"boss\"@Friend.EXAMPLE.>\r\n"); }, true, "AUTHW_WL_AUTH",
     "single", 12, 3},
    {"control_forged", attacker_ip, "boss@friend.example",
     [] { return message("From: Boss <boss@friend.example>\r\n"); }, false, "AUTHW_WL_FORGED", "single", 12, 3},
    {"control_attacker_as_itself", authed_attacker_ip, "x@attacker.example", from_plain, false, "AUTHW_ALIGNED",
     "single", 12, 3},

    // 1 MB header lines.
    {"header_line_1mb", attacker_ip, "boss@friend.example",
     [] { return message("From: boss@friend.example\r\nX-Long: " + std::string(1024 * 1024, 'A') + "\r\n"); },
     false, "AUTHW_WL_FORGED", "single", 12, 3},
    {"from_line_1mb_comment", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example (" + std::string(1024 * 1024 + 10, 'c') + ")\r\n"); },
     false, nullptr, "malformed", 12, 3},
    {"from_line_1mb_folded", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string from = "From: Boss";
         for (int i = 0; i < 200000; ++i)  // 1 MB unfolded, 1.4 MB raw
             from += "\r\n Boss";
         return message(from + " <boss@friend.example>\r\n");
     },
     false, "AUTHW_WL_FORGED", "single", 12, 3},
    {"dkim_signature_1mb_tags", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string sig = "DKIM-Signature: v=1";
         for (int i = 0; sig.size() < 1024 * 1024; ++i)
             sig += "; t" + std::to_string(i) + "=x";
         return sig + "\r\n" + message("From: boss@friend.example\r\n");
     },
     false, "AUTHW_WL_FORGED", "single", 12, 3},

    // 10,000 headers: the From that comes after the limit is never ignored
    // silently, nor is a second one hidden past it.
    {"headers_10000_then_from", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 10000; ++i)
             h += "X-Filler-" + std::to_string(i) + ": v\r\n";
         return message(h + "From: boss@friend.example\r\n");
     },
     false, nullptr, "malformed", 12, 3},
    {"from_then_headers_20000_then_from", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string h = "From: x@attacker.example\r\n";
         for (int i = 0; i < 20000; ++i)
             h += "Received: from h" + std::to_string(i) + ".example by mx.example\r\n";
         return message(h + "From: boss@friend.example\r\n");
     },
     false, nullptr, "malformed", 12, 3},

    {"from_headers_10000", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 10000; ++i)
             h += "From: u" + std::to_string(i) + "@friend.example\r\n";
         return message(h);
     },
     false, nullptr, "multiple", 12, 3},
    {"resent_and_received_10000", authed_attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 5000; ++i)
             h += "Resent-From: r" + std::to_string(i) + "@friend.example\r\nReceived: from a by b\r\n";
         return message(h + "From: x@attacker.example\r\n");
     },
     false, nullptr, "malformed", 12, 3},

    // 100 DKIM signatures: 5 are examined, 5 keys asked for.
    {"dkim_signatures_100", attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 100; ++i)
             h += dkim_signature("friend.example", "s" + std::to_string(i));
         return message(h + "From: boss@friend.example\r\n");
     },
     false, "AUTHW_WL_FORGED", "single", 16, 3},
    {"dkim_signatures_10000", attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 9990; ++i)
             h += dkim_signature("friend.example", "s" + std::to_string(i));
         return message(h + "From: boss@friend.example\r\n");
     },
     false, "AUTHW_WL_FORGED", "single", 16, 3},
    {"dkim_signatures_100_signing_signatures", attacker_ip, "x@attacker.example",
     [] {
         std::string h;
         for (int i = 0; i < 100; ++i)
             h += dkim_signature("d" + std::to_string(i) + ".example", "sel", ":dkim-signature:dkim-signature");
         return message(h + "From: boss@friend.example\r\n");
     },
     false, "AUTHW_WL_FORGED", "single", 16, 3},

    // SPF include loops, a redirect loop, a chain deeper than 10, and
    // 10,000-character records.
    {"spf_include_self_loop", attacker_ip, "x@loop.example",
     [] { return message("From: x@loop.example\r\n"); }, false, "AUTHW_SPF_PERMERROR", "single", 20, 13},
    {"spf_include_mutual_loop", attacker_ip, "x@loop-a.example",
     [] { return message("From: x@loop-a.example\r\n"); }, false, "AUTHW_SPF_PERMERROR", "single", 20, 13},
    {"spf_redirect_loop", attacker_ip, "x@redirect-loop.example",
     [] { return message("From: x@redirect-loop.example\r\n"); }, false, "AUTHW_SPF_PERMERROR", "single", 20, 13},
    {"spf_include_chain_30", attacker_ip, "x@deep.example",
     [] { return message("From: x@deep.example\r\n"); }, false, "AUTHW_SPF_PERMERROR", "single", 20, 13},
    {"spf_txt_10000_dns_terms", attacker_ip, "x@big.example",
     [] { return message("From: x@big.example\r\n"); }, false, "AUTHW_SPF_PERMERROR", "single", 24, 4},
    {"spf_txt_10000_ip4", attacker_ip, "x@bigip.example",
     [] { return message("From: x@bigip.example\r\n"); }, false, "AUTHW_SPF_FAIL", "single", 12, 3},
    {"spf_txt_10000_multi_string", attacker_ip, "x@multi.example",
     [] { return message("From: x@multi.example\r\n"); }, false, "AUTHW_SPF_FAIL", "single", 12, 3},
    {"dkim_key_and_dmarc_10000", authed_attacker_ip, "x@attacker.example",
     [] { return message(dkim_signature("big.example", "sel") + "From: x@big.example\r\n"); }, false,
     "AUTHW_DKIM_PERMERROR", "single", 24, 3},
    {"dmarc_record_64000_distinct_tags", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: x@manytags.example\r\n"); }, false, nullptr, "single", 12, 3},

    // CNAME loops (a resolver's SERVFAIL: temperror, never fail).
    {"cname_loop_mail_from", attacker_ip, "x@cname-loop.example",
     [] { return message("From: x@cname-loop.example\r\n"); }, false, "AUTHW_SPF_TEMPERROR", "single", 12, 3},
    {"cname_self_mail_from", attacker_ip, "x@cname-self.example",
     [] { return message("From: x@cname-self.example\r\n"); }, false, "AUTHW_SPF_TEMPERROR", "single", 12, 3},
    {"cname_loop_dkim_key_and_dmarc", attacker_ip, "x@cname-key.example",
     [] { return message(dkim_signature("cname-key.example", "sel") + "From: x@cname-key.example\r\n"); },
     false, "AUTHW_DKIM_TEMPERROR", "single", 14, 3},

    // NUL bytes and invalid UTF-8.
    {"nul_in_from_local_part", authed_attacker_ip, "x@attacker.example",
     [] { return message(std::string("From: boss\0@friend.example\r\n"sv)); }, false, nullptr, "malformed", 12, 3},
    {"nul_in_quoted_local_part", authed_attacker_ip, "x@attacker.example",
     [] { return message(std::string("From: \"boss\0\"@friend.example\r\n"sv)); }, false, nullptr, "malformed", 12,
     3},
    {"nul_in_from_domain", authed_attacker_ip, "x@attacker.example",
     [] { return message(std::string("From: boss@friend.example\0.attacker.example\r\n"sv)); }, false, nullptr,
     "malformed", 12, 3},
    {"nul_in_header_name", authed_attacker_ip, "x@attacker.example",
     [] { return message(std::string("X-A: 1\r\nFr\0om: boss@friend.example\r\nFrom: x@attacker.example\r\n"sv)); },
     false, "AUTHW_ALIGNED", "single", 12, 3},
    // A first line that is no header field: the block is unreadable, the
    // message is scored as one without headers (no identity at all).
    {"nul_in_first_header_name", authed_attacker_ip, "x@attacker.example",
     [] { return message(std::string("Fr\0om: boss@friend.example\r\nFrom: x@attacker.example\r\n"sv)); }, false,
     nullptr, "none", 12, 3},
    {"nul_in_mail_from", attacker_ip, "boss@friend.example\0.attacker.example"sv,
     [] { return message("From: boss@friend.example\r\n"); }, false, nullptr, "single", 12, 3},
    {"invalid_utf8_display_name", attacker_ip, "boss@friend.example",
     [] { return message("From: \xff\xfe\xc3 <boss@friend.example>\r\n"); }, false, "AUTHW_WL_FORGED", "single", 12,
     3},
    {"invalid_utf8_domain", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@fr\xc3iend.example\r\n"); }, false, nullptr, "malformed", 12, 3},
    {"overlong_utf8_at_sign", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss\xc0\x80" "friend.example <x@attacker.example>\r\n"); }, false, "AUTHW_ALIGNED",
     "single", 12, 3},

    // Encoded words in From: decoded for display, never an address.
    {"encoded_word_display_is_whitelisted", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: =?utf-8?B?Ym9zc0BmcmllbmQuZXhhbXBsZQ==?= <x@attacker.example>\r\n"); }, false,
     "AUTHW_ALIGNED", "single", 12, 3},
    {"encoded_word_as_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: =?utf-8?Q?boss=40friend.example?=\r\n"); }, false, nullptr, "malformed", 12, 3},
    {"encoded_word_hides_angle_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: =?utf-8?Q?Boss_=3Cboss=40friend.example=3E?= <x@attacker.example>\r\n"); },
     false, "AUTHW_ALIGNED", "single", 12, 3},
    {"encoded_word_local_part", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: =?utf-8?Q?boss?=@friend.example\r\n"); }, false, "AUTHW_FORGED_PROTECTED",
     "single", 12, 3},

    // Display names that are themselves whitelisted addresses.
    {"display_name_quoted_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: \"boss@friend.example\" <x@attacker.example>\r\n"); }, false, "AUTHW_ALIGNED",
     "single", 12, 3},
    {"display_name_bare_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example <x@attacker.example>\r\n"); }, false, "AUTHW_ALIGNED",
     "single", 12, 3},
    {"display_name_whitelisted_domain", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: \"Partner Team <team@partner.example>\" <x@attacker.example>\r\n"); }, false,
     "AUTHW_ALIGNED", "single", 12, 3},
    {"two_angle_addresses", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: Boss <boss@friend.example> <x@attacker.example>\r\n"); }, false, nullptr,
     "malformed", 12, 3},

    // Two From headers, and two mailboxes in one.
    {"two_from_headers", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example\r\nFrom: x@attacker.example\r\n"); }, false, nullptr,
     "multiple", 12, 3},
    {"two_from_headers_other_case", authed_attacker_ip, "x@attacker.example",
     [] { return message("FROM: x@attacker.example\r\nfrom : boss@friend.example\r\n"); }, false, nullptr,
     "multiple", 12, 3},
    {"two_mailboxes_in_from", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example, x@attacker.example\r\n"); }, false, nullptr, "multiple", 12,
     3},
    {"group_with_whitelisted_member", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: Friends: boss@friend.example;, x@attacker.example\r\n"); }, false, nullptr,
     "multiple", 12, 3},

    // From with comments and quoted local parts.
    {"comment_holds_whitelisted_domain", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss(@friend.example)@attacker.example\r\n"); }, false, "AUTHW_ALIGNED", "single",
     12, 3},
    {"comment_after_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: x@attacker.example (boss@friend.example)\r\n"); }, false, "AUTHW_ALIGNED",
     "single", 12, 3},
    {"quoted_local_part_is_address", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: \"boss@friend.example\"@attacker.example\r\n"); }, false, "AUTHW_ALIGNED", "single",
     12, 3},
    {"quoted_local_part_forged", attacker_ip, "x@attacker.example",
     [] { return message("From: \"boss\"@friend.example\r\n"); }, false, "AUTHW_WL_FORGED", "single", 12, 3},
    {"nested_comments_unterminated", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example ((((((((\r\n"); }, false, nullptr, "malformed", 12, 3},
    {"route_to_whitelisted", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: <@friend.example:x@attacker.example>\r\n"); }, false, "AUTHW_ALIGNED", "single",
     12, 3},

    // Unicode homographs of whitelisted and protected domains, authenticated
    // by the attacker who registered them.
    {"homograph_whitelisted_address", authed_attacker_ip, "boss@fr\xd1\x96" "end.example",
     [] { return message(std::string("From: Boss <boss@") + friend_homograph + ">\r\n"); }, false,
     "AUTHW_LOOKALIKE", "single", 12, 3},
    {"homograph_whitelisted_domain", authed_attacker_ip, "team@p\xd0\xb0rtner.example",
     [] { return message(std::string("From: team@") + partner_homograph + "\r\n"); }, false, nullptr, "single",
     12, 3},
    {"homograph_protected_domain", authed_attacker_ip, "service@p\xd0\xb0ypal.com",
     [] { return message(std::string("From: PayPal <service@") + paypal_homograph + ">\r\n"); }, false,
     "AUTHW_LOOKALIKE", "single", 12, 3},
    {"homograph_encoded_word_domain", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@=?utf-8?Q?fr=D1=96end?=.example\r\n"); }, false, nullptr, "malformed", 12,
     3},

    // Mixed case and trailing dots: the same identity, so a forgery is
    // recognised as one, and nothing more.
    {"mixed_case_trailing_dot_forged", attacker_ip, "BOSS@FRIEND.EXAMPLE.",
     [] { return message("From: BOSS@Friend.Example.\r\n"); }, false, "AUTHW_WL_FORGED", "single", 12, 3},
    {"trailing_dots_double", authed_attacker_ip, "x@attacker.example",
     [] { return message("From: boss@friend.example..\r\n"); }, false, nullptr, "malformed", 12, 3},
    {"mixed_case_genuine", friend_ip, "Boss@Friend.Example",
     [] { return message("From: BOSS@FRIEND.EXAMPLE.\r\n"); }, true, "AUTHW_WL_AUTH", "single", 12, 3},
};

/** What one run of a case gave. */
struct hostile_run {
    adapters::report rep;
    std::string json;
    std::size_t queries{0};   ///< DNS queries asked over all rounds
    int steps{0};
};

/** Deliver one case through the engine, answering DNS from `zone`. */
inline hostile_run run_hostile(const std::shared_ptr<const adapters::engine> &eng, const adapters::zone &zone,
                               const hostile_case &c, const std::string &msg)
{
    hostile_run out;
    core::delivery_facts facts;
    facts.connection.client_ip = c.ip;
    facts.connection.helo = "mail.attacker.example";
    facts.envelope.mail_from = std::string(c.mail_from);
    facts.message = msg;
    facts.has_message = true;
    auto ev = adapters::evaluation::create(eng, std::move(facts));
    if (!ev)
        return out;
    // The engine turns misses into TEMPFAIL after max_dns_rounds; this guard
    // only keeps a broken engine from looping here.
    while ((*ev)->step() == adapters::step_status::NEED_DNS && ++out.steps <= 64) {
        const auto pending = (*ev)->pending();
        out.queries += pending.size();
        for (const auto &q : pending)
            (*ev)->answer(q, zone.answer(q).value_or(core::dns_answer{core::dns_status::TEMPFAIL, {}}));
    }
    out.rep = (*ev)->result();
    out.json = adapters::report_to_json(out.rep);
    return out;
}

} // namespace authweight::hostile
