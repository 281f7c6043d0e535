#include "dkim_eval.hxx"

#include "opendkim_lib.hxx"
#include "openssl_dkim.hxx"

#include "authweight/ascii.hxx"
#include "authweight/dkim_sig.hxx"
#include "authweight/dmarc.hxx"

// For the DKIM_SIGERROR_* and DKIM_SIGBH_* codes opendkim_signature holds.
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <algorithm>
#include <ctime>
#include <map>

namespace authweight::adapters {

using core::auth_result;

namespace {

/** One examined signature, before and after libopendkim. */
struct examined {
    const core::header_field *field{nullptr};
    core::result<core::dkim_signature> parsed{core::fail(core::error_code::BAD_INPUT, "not parsed")};
    core::dkim_key_locator where;
    std::string key_name;          ///< "" when d= or s= cannot name a key
    bool fetch{false};             ///< its key is needed
    core::dkim_outcome out;
    bool decided{false};           ///< `out` holds the verdict
    bool testing_key{false};       ///< key flag t=y
};

void decide(examined &e, auth_result r, std::string reason)
{
    e.out.result = r;
    e.out.reason = std::move(reason);
    e.out.counts_for_alignment = r == auth_result::PASS;
    e.decided = true;
}

/** libopendkim's verdict on one signature, in RFC 8601 words. */
void map_library_result(examined &e, const opendkim_signature &s, const std::string &message_error)
{
    if (s.good()) {
        e.out.result = auth_result::PASS;
        return;
    }
    switch (s.error) {
    case DKIM_SIGERROR_BADSIG:
        e.out.result = auth_result::FAIL;
        e.out.reason = s.body_hash == DKIM_SIGBH_MISMATCH ? "body hash did not verify" : "signature did not verify";
        return;
    case DKIM_SIGERROR_KEYREVOKED:
        // RFC 6376 3.6.1 p=: an empty key means revoked; the signature fails.
        e.out.result = auth_result::FAIL;
        e.out.reason = "key revoked (empty p=)";
        return;
    case DKIM_SIGERROR_EXPIRED:
        // RFC 6376 3.5 x=: signatures past their expiration MUST be invalid.
        e.out.result = auth_result::FAIL;
        e.out.reason = "signature expired (x=)";
        return;
    case DKIM_SIGERROR_KEYFAIL:
        e.out.result = auth_result::TEMPERROR;
        e.out.reason = "key lookup failed";
        return;
    case DKIM_SIGERROR_NOKEY:
        // RFC 6376 6.1.2: no key record is a permanent failure.
        e.out.result = auth_result::PERMERROR;
        e.out.reason = "no key for signature";
        return;
    case DKIM_SIGERROR_KEYTOOSMALL:
        e.out.result = auth_result::PERMERROR;
        e.out.reason = "RSA key under 1024 bits (RFC 8301 3.2)";
        return;
    default:
        break;
    }
    if (s.body_hash == DKIM_SIGBH_MISMATCH) {
        e.out.result = auth_result::FAIL;
        e.out.reason = "body hash did not verify";
        return;
    }
    e.out.result = auth_result::PERMERROR;
    if (s.error > DKIM_SIGERROR_OK && !s.error_text.empty())
        e.out.reason = s.error_text;
    else if (!message_error.empty())
        e.out.reason = message_error;
    else
        e.out.reason = "signature not verified";
}

} // namespace

dkim_check check_dkim_resumable(const dkim_request &req, core::dns_source &dns)
{
    dkim_check out;
    core::header_block parsed_headers;
    const core::header_block *headers = req.headers;
    if (headers == nullptr) {
        auto hb = core::parse_header_block(req.message);
        if (!hb)
            return out;
        parsed_headers = std::move(*hb);
        headers = &parsed_headers;
    }

    const std::size_t limit = static_cast<std::size_t>(req.max_signatures < 1 ? 1 : req.max_signatures);
    std::vector<examined> sigs;
    // Fields that are signatures beyond the bound are not given to the
    // library at all, so their number cannot make it do more work.
    std::vector<bool> dropped(headers->fields.size(), false);
    bool any_dropped = false;
    for (std::size_t i = 0; i < headers->fields.size(); ++i) {
        const auto &f = headers->fields[i];
        if (!core::ascii::iequals(f.name, "DKIM-Signature"))
            continue;
        if (sigs.size() >= limit) {
            dropped[i] = true;
            any_dropped = true;
            continue;
        }
        examined e;
        e.field = &f;
        e.parsed = core::parse_dkim_signature(f.value);
        if (e.parsed)
            e.where = {e.parsed->domain, e.parsed->selector};
        else
            e.where = core::locate_dkim_key(f.value);
        sigs.push_back(std::move(e));
    }
    if (sigs.empty())
        return out;

    // Decide what needs a key; ask for every key before verifying any, so
    // one round fetches them all.
    for (auto &e : sigs) {
        e.out.domain = e.where.domain;
        e.out.selector = e.where.selector;
        if (!e.parsed) {
            decide(e, auth_result::PERMERROR, "invalid signature: " + e.parsed.error().message());
            continue;
        }
        e.out.algorithm = e.parsed->algorithm;
        if (!core::acceptable_algorithm(e.parsed->algorithm)) {
            decide(e, auth_result::PERMERROR,
                   e.parsed->algorithm == "rsa-sha1" ? "rsa-sha1 is not accepted (RFC 8301 3.1)"
                                                     : "unsupported algorithm " + e.parsed->algorithm.substr(0, 40));
            continue;
        }
        if (any_dropped && e.parsed->signed_count("dkim-signature") > 0) {
            // It covers signature fields the bound kept from the library.
            decide(e, auth_result::PERMERROR, "signs more DKIM-Signature fields than are examined");
            continue;
        }
        auto name = core::dkim_key_name(e.parsed->selector, e.parsed->domain);
        if (!name) {
            decide(e, auth_result::PERMERROR, "invalid key name: " + name.error().message());
            continue;
        }
        e.key_name = *name;
        e.fetch = true;
    }
    std::map<std::string, const core::dns_answer *> answers;
    bool missing = false;
    for (const auto &e : sigs) {
        if (!e.fetch || answers.contains(e.key_name))
            continue;
        const auto *a = dns.lookup(core::dns_query{e.key_name, core::dns_type::TXT});
        answers.emplace(e.key_name, a);
        missing = missing || a == nullptr;
    }
    if (missing) {
        out.complete = false;
        return out;
    }

    // Key records as the verifiers get them.
    std::map<std::string, key_answer> keys;
    for (const auto &[name, a] : answers) {
        key_answer k;
        if (a->status == core::dns_status::OK && !a->records.empty()) {
            // RFC 6376 3.6.2.2: of several records, use one that is a key;
            // when none is, the first, so the verifier names the error.
            std::size_t pick = 0;
            if (a->records.size() > 1)
                pick = core::select_dkim_key_record(a->records).value_or(0);
            k.state = key_answer::status::FOUND;
            k.record = a->records[pick];
        } else {
            k.state = key_answer::status::NOT_FOUND;
        }
        keys.emplace(name, std::move(k));
    }

    // The fast verifier first; its passes stand. A signature it finds
    // cryptographically bad is verified again by libopendkim, whose verdict
    // stands: a negative result carries weight, so the reference decides.
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    const std::string_view raw_body = headers->body_offset < req.message.size()
                                          ? req.message.substr(headers->body_offset)
                                          : std::string_view{};
    canonical_bodies bodies{raw_body};
    std::vector<bool> confirm(sigs.size(), false);
    bool any_confirm = false;
    for (std::size_t i = 0; i < sigs.size(); ++i) {
        auto &e = sigs[i];
        if (e.decided)
            continue;
        const auto *a = answers.at(e.key_name);
        // A DNS failure is never a forgery: temperror, and no verification.
        if (a->status == core::dns_status::TEMPFAIL || a->status == core::dns_status::MALFORMED) {
            decide(e, auth_result::TEMPERROR, "key lookup failed temporarily (" + e.key_name + ")");
            continue;
        }
        const auto &k = keys.at(e.key_name);
        if (k.state != key_answer::status::FOUND) {
            // RFC 6376 6.1.2: no key record is a permanent failure.
            decide(e, auth_result::PERMERROR, "no key for signature (" + e.key_name + ")");
            continue;
        }
        auto v = verify_dkim_native(*headers, *e.field, *e.parsed, k.record, bodies, now);
        e.testing_key = v.testing_key;
        if (v.crypto_failure) {
            confirm[i] = true;
            any_confirm = true;
        }
        decide(e, v.result, std::move(v.reason));
    }

    if (any_confirm) {
        // The message as libopendkim sees it: every field except the
        // signatures beyond the bound.
        auto wire = to_wire(*headers, req.message);
        if (any_dropped) {
            std::size_t kept = 0;
            for (std::size_t i = 0; i < headers->fields.size(); ++i) {
                if (dropped[i])
                    continue;
                wire.headers[kept] = std::move(wire.headers[i]);
                wire.names[kept] = std::move(wire.names[i]);
                ++kept;
            }
            wire.headers.resize(kept);
            wire.names.resize(kept);
        }
        std::vector<bool> ignore(sigs.size());
        for (std::size_t i = 0; i < sigs.size(); ++i)
            ignore[i] = !confirm[i];
        const key_source source = [&](std::string_view selector, std::string_view domain) {
            auto name = core::dkim_key_name(selector, domain);
            if (!name)
                return key_answer{key_answer::status::NOT_FOUND, {}};
            if (auto it = keys.find(*name); it != keys.end())
                return it->second;
            // A key the prefetch did not name: ask for it, and verify again.
            const auto *a = dns.lookup(core::dns_query{*name, core::dns_type::TXT});
            if (a == nullptr)
                return key_answer{key_answer::status::MISSING, {}};
            if (a->status == core::dns_status::OK && !a->records.empty())
                return key_answer{key_answer::status::FOUND, a->records.front()};
            return key_answer{key_answer::status::NOT_FOUND, {}};
        };
        auto verified = opendkim_verify(wire, ignore, source);
        if (verified && verified->try_again) {
            out.complete = false;
            return out;
        }
        for (std::size_t i = 0; i < sigs.size(); ++i) {
            if (!confirm[i] || !verified || i >= verified->signatures.size())
                continue;  // the fast verifier's verdict stays
            auto &e = sigs[i];
            const auto &s = verified->signatures[i];
            if (s.domain != e.parsed->domain || s.selector != e.parsed->selector)
                continue;
            const std::string native_reason = e.out.reason;
            examined ref;
            map_library_result(ref, s, verified->error);
            decide(e, ref.out.result, ref.out.result == auth_result::PASS
                                          ? "verified by libopendkim; the fast verifier said: " + native_reason
                                          : ref.out.reason);
        }
    }

    for (auto &e : sigs) {
        if (!e.testing_key)
            continue;
        // RFC 6376 3.6.1 t=y: treated like unsigned mail either way.
        if (e.out.result == auth_result::FAIL)
            decide(e, auth_result::NONE, "testing key (t=y): " + e.out.reason);
        else if (e.out.result == auth_result::PASS)
            e.out.reason = e.out.reason.empty() ? "testing key (t=y)" : e.out.reason + "; testing key (t=y)";
    }

    // Alignment credit: what a pass proves about the visible message (core).
    const std::size_t from_fields = headers->count("From");
    for (auto &e : sigs) {
        if (e.out.result != auth_result::PASS || !e.parsed)
            continue;
        const auto canon_len = e.parsed->body_length ? bodies.get(e.parsed->body_canon).size() : 0;
        const auto denials = core::dkim_credit_denials(*e.parsed, e.testing_key, from_fields, canon_len);
        e.out.counts_for_alignment = denials.empty();
        for (const auto &why : denials)
            if (!why.empty())
                e.out.reason = e.out.reason.empty() ? why : e.out.reason + "; " + why;
    }

    out.outcomes.reserve(sigs.size());
    for (auto &e : sigs)
        out.outcomes.push_back(std::move(e.out));
    return out;
}

std::vector<core::dkim_outcome> check_dkim(const dkim_request &req, core::dns_source &dns)
{
    return check_dkim_resumable(req, dns).outcomes;
}

} // namespace authweight::adapters
