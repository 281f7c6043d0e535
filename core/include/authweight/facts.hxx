/**
 * @file facts.hxx
 * @brief What the MTA and the message tell about one delivery.
 *
 * Facts are plain data: the caller (rspamd, the CLI, a Lua host) fills them
 * in; nothing here is looked up. Field names follow Postfix's
 * (`protocol`, `cipher_name`) where it has one.
 */
#pragma once

#include "authweight/results.hxx"
#include "authweight/reputation.hxx"

#include <optional>
#include <string>
#include <vector>

namespace authweight::core {

/** The SMTP connection. Empty strings mean "not known". */
struct connection_facts {
    std::string client_ip;        ///< text form, IPv4 or IPv6; empty when unknown
    std::string helo;             ///< HELO/EHLO argument as sent
    std::string hostname;         ///< reverse DNS name the MTA found; empty if none
    /** Whether hostname resolves back to client_ip; nullopt = not yet known. */
    std::optional<bool> fcrdns;
    std::string tls_version;      ///< e.g. "TLSv1.3"; empty = no TLS
    std::string tls_cipher;       ///< OpenSSL or IANA cipher name
    std::string tls_source;       ///< where the TLS facts came from: "mta", "received", ""
    std::string auth_user;        ///< SMTP AUTH user; empty when not authenticated
};

/** The SMTP envelope. */
struct envelope_facts {
    /** MAIL FROM; nullopt = not given, "" = the null sender "<>". */
    std::optional<std::string> mail_from;
    std::vector<std::string> rcpt;
};

/** A score another module gave the message (for the trust budget). */
struct external_symbol {
    std::string name;
    double score{0.0};
    /** The host's groups of the symbol, for "group:NAME" veto_symbols
     *  entries (rspamd groups); empty when the host has none. */
    std::vector<std::string> groups{};
};

/** Everything the caller knows before evaluation. */
struct delivery_facts {
    connection_facts connection;
    envelope_facts envelope;
    /** Raw message (headers and body), may be empty: then only the
     *  connection and envelope checks run. */
    std::string message;
    bool has_message{false};
    /** Symbols other modules set, with their scores. */
    std::vector<external_symbol> external;
    /** Results another module already computed (auth_source = "rspamd"):
     *  when present, the native check is skipped. Sender ID stays native. */
    std::optional<spf_outcome> given_spf;
    std::optional<std::vector<dkim_outcome>> given_dkim;
    std::optional<dmarc_outcome> given_dmarc;
    /** Decayed reputation counts the host looked up (identity -> counts);
     *  the policy reads only the identities the message authenticates. */
    reputation_map reputation;
};

} // namespace authweight::core
