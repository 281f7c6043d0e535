// SPF (RFC 7208) and Sender ID (RFC 4406, RFC 4407): the identities to
// check, then check_host() by libspf2 over the resumable DNS (libspf2_eval).
#include "spf_eval.hxx"

#include "libspf2_eval.hxx"

#include "authweight/ascii.hxx"
#include "authweight/senderid.hxx"
#include "authweight/spf_record.hxx"

#include <idn2.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace authweight::adapters {

namespace {

namespace ascii = core::ascii;

/** Reported domains are cut so hostile input cannot bloat the report. */
constexpr std::size_t max_reported_domain = 255;

/** Control bytes never reach a macro expansion: an SMTP identity has none,
 *  and a NUL would cut the record handed to libspf2. */
std::string printable(std::string_view s)
{
    std::string out(s);
    for (auto &c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            c = '?';
    }
    return out;
}

/** Lower case, no trailing dot, U-labels as A-labels (IDNA2008). */
std::optional<std::string> normalize_domain(std::string_view domain)
{
    if (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    const bool ascii_only = std::all_of(domain.begin(), domain.end(),
                                        [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii_only)
        return ascii::lower(domain);
    char *out = nullptr;
    const std::string in(domain);
    if (idn2_to_ascii_8z(in.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK) {
        idn2_free(out);
        return std::nullopt;
    }
    std::unique_ptr<char, void (*)(void *)> owned{out, &idn2_free};
    return ascii::lower(owned.get());
}

/** The <sender> and <domain> of check_host() for a MAIL FROM (or HELO). */
struct smtp_identity {
    std::string kind{"mailfrom"};  // "mailfrom" or "helo"
    std::string sender;
    std::string local_part;
    std::string domain;
    bool usable{false};
    std::string why;
};

smtp_identity identity_of(const spf_request &req)
{
    smtp_identity id;
    if (!req.mail_from) {
        id.why = "MAIL FROM not known";
        return id;
    }
    std::string_view mf = ascii::trim(*req.mail_from);
    if (mf.size() >= 2 && mf.front() == '<' && mf.back() == '>')
        mf = mf.substr(1, mf.size() - 2);
    std::string_view local;
    std::string_view domain;
    if (mf.empty()) {
        // RFC 7208 2.4: a null MAIL FROM is checked as postmaster@HELO.
        id.kind = "helo";
        domain = ascii::trim(req.helo);
    } else {
        const auto at = mf.rfind('@');
        if (at == std::string_view::npos) {
            domain = mf;
        } else {
            local = mf.substr(0, at);
            domain = mf.substr(at + 1);
        }
    }
    auto d = normalize_domain(domain);
    id.domain = d ? *d : ascii::lower(domain);
    if (id.domain.size() > max_reported_domain)
        id.domain.resize(max_reported_domain);
    id.domain = printable(id.domain);
    // RFC 7208 4.3: a missing local-part is "postmaster".
    id.local_part = local.empty() ? std::string("postmaster") : printable(local);
    id.sender = id.local_part + "@" + id.domain;
    if (!d || !core::spf_valid_identity_domain(*d)) {
        // RFC 7208 4.3 and 2.3: not a fully qualified domain name: none.
        id.why = "'" + id.domain.substr(0, 100) + "' is not a fully qualified domain";
        return id;
    }
    id.usable = true;
    return id;
}

libspf2::check_input input_for(const spf_request &req, const smtp_identity &id, libspf2::record_kind kind)
{
    libspf2::check_input in;
    in.client_ip = req.client_ip;
    in.sender = id.sender;
    in.local_part = id.local_part;
    in.sender_domain = id.domain;
    in.domain = id.domain;
    in.helo = printable(ascii::trim(req.helo));
    in.receiver = printable(req.receiver);
    in.kind = kind;
    in.want_explanation = req.want_explanation;
    in.default_explanation = req.default_explanation;
    return in;
}

void fill(spf_trace *trace, const libspf2::check_output &r)
{
    if (trace == nullptr)
        return;
    trace->explanation = r.explanation;
    trace->complete = r.complete;
    trace->dns_terms = r.dns_terms;
    trace->void_lookups = r.void_lookups;
}

} // namespace

core::spf_outcome check_spf(const spf_request &req, core::dns_source &dns, spf_trace *trace,
                            libspf2::check_memo *memo)
{
    core::spf_outcome out;
    const smtp_identity id = identity_of(req);
    out.identity = id.kind;
    out.domain = id.domain;
    if (!id.usable) {
        out.result = core::auth_result::NONE;
        out.reason = id.why;
        if (trace != nullptr)
            *trace = spf_trace{};
        return out;
    }
    const auto r = libspf2::check_host(input_for(req, id, libspf2::record_kind::SPF1), dns, memo);
    out.result = r.result;
    out.reason = r.reason;
    fill(trace, r);
    return out;
}

core::senderid_outcome check_senderid(const spf_request &req, const core::header_block &headers,
                                      core::dns_source &dns, spf_trace *pra_trace, spf_trace *mfrom_trace,
                                      libspf2::check_memo *memo)
{
    core::senderid_outcome out;
    std::string pra_reason;
    const core::pra_result pra = core::select_pra(headers);
    if (pra.found) {
        out.pra = printable(pra.address.address());
        out.pra_header = pra.header;
        smtp_identity id;
        auto d = normalize_domain(pra.address.domain);
        id.domain = printable(d ? *d : pra.address.domain);
        id.local_part = printable(pra.address.local_part);
        id.sender = id.local_part + "@" + id.domain;
        if (d && core::spf_valid_identity_domain(*d)) {
            const auto r =
                libspf2::check_host(input_for(req, id, libspf2::record_kind::SENDERID_PRA), dns, memo);
            out.result = r.result;
            pra_reason = r.reason;
            fill(pra_trace, r);
        } else {
            out.result = core::auth_result::NONE;
            pra_reason = "PRA domain is not a fully qualified domain";
        }
    } else {
        // RFC 4407 2 step 6: the message is ill-formed; there is nothing
        // to authenticate and no bonus may come of it.
        out.result = core::auth_result::PERMERROR;
        pra_reason = pra.detail;
    }

    const smtp_identity id = identity_of(req);
    std::string mfrom_reason = id.why;
    if (id.usable) {
        const auto r =
            libspf2::check_host(input_for(req, id, libspf2::record_kind::SENDERID_MFROM), dns, memo);
        out.mfrom_result = r.result;
        mfrom_reason = r.reason;
        fill(mfrom_trace, r);
    }
    out.reason = "pra: " + pra_reason + "; mfrom: " + mfrom_reason;
    return out;
}

} // namespace authweight::adapters
