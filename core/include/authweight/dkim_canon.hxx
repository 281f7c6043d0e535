/**
 * @file dkim_canon.hxx
 * @brief DKIM canonicalization (RFC 6376 3.4) and the signed header block
 *        (RFC 6376 3.7, 5.4.2), without I/O or cryptography.
 *
 * Input line ends may be CRLF or bare LF (a message read from a file);
 * both are read as CRLF, the form a message has on the wire. A bare CR is
 * an ordinary character. The output is exactly the byte string the
 * signer hashed, so the adapters only need to hash it.
 *
 * All functions are linear in their input and never fail.
 */
#pragma once

#include "authweight/dkim_sig.hxx"
#include "authweight/rfc5322.hxx"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace authweight::core {

/**
 * The canonical body (RFC 6376 3.4.3 simple, 3.4.4 relaxed).
 * @param raw     the body as in the message (after the blank line)
 * @param canon   the c= body algorithm
 * @param scratch storage the result may live in
 * @return the canonical body: a view into `raw` when nothing changes (a
 *         simple body with CRLF line ends), else into `scratch`
 */
[[nodiscard]] std::string_view canonical_body(std::string_view raw, dkim_canon canon, std::string &scratch);

/**
 * Append one header field in canonical form (RFC 6376 3.4.1, 3.4.2).
 * @param raw  the field as in the message, folding included, with or
 *             without its final line end
 * @param crlf end with CRLF (every signed field does; the DKIM-Signature
 *             field itself does not, RFC 6376 3.7)
 */
void append_canonical_header(std::string &out, std::string_view raw, dkim_canon canon, bool crlf);

/**
 * The fields h= covers, in h= order. Each name takes the lowest instance
 * not yet taken (RFC 6376 5.4.2: signers sign bottom-up); a name with no
 * instance left contributes nothing. `signature` is excluded from the
 * candidates for "DKIM-Signature" names.
 */
[[nodiscard]] std::vector<const header_field *> select_signed_fields(const header_block &headers,
                                                                     const std::vector<std::string> &signed_names,
                                                                     const header_field *signature);

/** A DKIM-Signature field with the value of its b= tag, surrounding
 *  whitespace included, removed (RFC 6376 3.5 b=, 3.7). Nothing else of
 *  the field changes, folding included. */
[[nodiscard]] std::string without_b_value(std::string_view raw_field);

/**
 * The data the header signature covers: the selected fields, each
 * canonical with CRLF, then the DKIM-Signature field without its b= value,
 * canonical, without a final CRLF (RFC 6376 3.7 steps 2 and 3).
 */
[[nodiscard]] std::string signed_header_data(const header_block &headers, const header_field &signature_field,
                                             const dkim_signature &sig);

} // namespace authweight::core
