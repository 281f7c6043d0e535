/**
 * @file senderid.hxx
 * @brief Sender ID: the Purported Responsible Address (RFC 4407 2) and the
 *        choice of the record for a scope (RFC 4406 3.4). Pure: no DNS.
 *
 * libspf2 ignores "spf2.0/" records, so the adapter chooses the record with
 * select_senderid_record() and has libspf2 evaluate its mechanisms.
 */
#pragma once

#include "authweight/rfc5322.hxx"
#include "authweight/spf_record.hxx"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/** The identity a Sender ID check covers (RFC 4406 3.1). */
enum class senderid_scope : std::uint8_t {
    MFROM,  ///< the MAIL FROM address
    PRA,    ///< the Purported Responsible Address of the header
};

/** The outcome of RFC 4407 section 2. */
struct pra_result {
    bool found{false};       ///< a PRA was determined (step 5 accepted it)
    mailbox address;         ///< the PRA when found
    std::string header;      ///< the header it came from ("Resent-Sender", ...), or the one that failed
    int step{6};             ///< the RFC 4407 2 step that decided: 1..4 chose a header, 5 checked it, 6 = none
    std::string detail;      ///< one line: why (for the reason of the result)
};

/**
 * RFC 4407 2: the Purported Responsible Address.
 * 1. The first non-empty Resent-Sender, unless a non-empty Resent-From
 *    precedes it with a Received or Return-Path between the two (then 2).
 * 2. The first non-empty Resent-From.
 * 3. The non-empty Sender headers: exactly one is chosen, more than one is
 *    step 6, none goes on to 4.
 * 4. The non-empty From headers: exactly one is chosen, else step 6.
 * 5. The chosen header must hold exactly one mailbox with a domain, else 6.
 * 6. No PRA: the message is ill-formed.
 * "Non-empty" means holding a character other than white space.
 */
[[nodiscard]] pra_result select_pra(const header_block &headers);

/** The scopes of a Sender ID version tag ("spf2.0/mfrom,pra"); both false
 *  when `txt` does not begin with such a tag followed by SP or end. */
struct senderid_tag {
    bool is_spf2{false};
    bool mfrom{false};
    bool pra{false};
};
[[nodiscard]] senderid_tag parse_senderid_tag(std::string_view txt) noexcept;

/**
 * RFC 4406 3.4: choose the record for `scope` among a name's TXT strings.
 * "spf2.0" records whose scopes include `scope` are preferred; when there is
 * none, a "v=spf1" record is used as if it were "spf2.0/mfrom,pra". More
 * than one record of the preferred kind is MULTIPLE (permerror).
 */
[[nodiscard]] spf_selection select_senderid_record(const std::vector<std::string> &txt, senderid_scope scope);

} // namespace authweight::core
