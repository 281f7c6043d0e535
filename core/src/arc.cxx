#include "authweight/arc.hxx"

#include "authweight/ascii.hxx"
#include "authweight/auth_results.hxx"
#include "authweight/dkim_canon.hxx"

#include <array>
#include <map>
#include <optional>

namespace authweight::core {

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/** An instance number: 1*DIGIT, 1..50 (RFC 8617 4.2.1). Three digits at
 *  most are read, so a long number cannot overflow. */
result<int> instance_from(std::string_view v)
{
    v = tag_value_trimmed(v);
    if (v.empty())
        return fail(error_code::BAD_INPUT, "empty i=");
    if (v.size() > 3)
        return fail(error_code::BAD_INPUT, "i= over " + std::to_string(max_arc_rfc_instances));
    int n = 0;
    for (char c : v) {
        if (!is_digit(c))
            return fail(error_code::BAD_INPUT, "i= is not a number");
        n = n * 10 + (c - '0');
    }
    if (n < 1)
        return fail(error_code::BAD_INPUT, "i=0");
    if (n > max_arc_rfc_instances)
        return fail(error_code::BAD_INPUT,
                    "i=" + std::to_string(n) + " over " + std::to_string(max_arc_rfc_instances) + " (RFC 8617 4.2.1)");
    return n;
}

const dkim_tag *find(const std::vector<dkim_tag> &tags, std::string_view name)
{
    for (const auto &t : tags)
        if (t.name == name)
            return &t;
    return nullptr;
}

std::optional<dkim_canon> canon_from(std::string_view v)
{
    v = tag_value_trimmed(v);
    if (ascii::iequals(v, "simple"))
        return dkim_canon::SIMPLE;
    if (ascii::iequals(v, "relaxed"))
        return dkim_canon::RELAXED;
    return std::nullopt;
}

std::optional<std::uint64_t> decimal(std::string_view v, std::size_t max_digits)
{
    v = tag_value_trimmed(v);
    if (v.empty() || v.size() > max_digits)
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v) {
        if (!is_digit(c))
            return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

/** The fields common to AS and AMS: a, b, d, s and i, all required. */
result<void> common_tags(const std::vector<dkim_tag> &tags, int &instance, std::string &algorithm,
                         std::string &signature, std::string &domain, std::string &selector)
{
    for (const char *required : {"a", "b", "d", "i", "s"})
        if (find(tags, required) == nullptr)
            return fail(error_code::BAD_INPUT, std::string("missing tag ") + required + "=");
    auto i = instance_from(find(tags, "i")->value);
    if (!i)
        return std::unexpected(i.error());
    instance = *i;
    algorithm = ascii::lower(tag_value_trimmed(find(tags, "a")->value));
    if (algorithm.empty())
        return fail(error_code::BAD_INPUT, "empty a=");
    signature = tag_value_unfolded(find(tags, "b")->value);
    if (signature.empty())
        return fail(error_code::BAD_INPUT, "empty b=");
    domain = tag_domain(find(tags, "d")->value);
    if (domain.empty())
        return fail(error_code::BAD_INPUT, "empty d=");
    selector = ascii::lower(tag_value_trimmed(find(tags, "s")->value));
    if (selector.empty())
        return fail(error_code::BAD_INPUT, "empty s=");
    if (auto name = dkim_key_name(selector, domain); !name)
        return std::unexpected(name.error());
    if (const auto *t = find(tags, "t"); t != nullptr && !decimal(t->value, 12))
        return fail(error_code::BAD_INPUT, "invalid t=" + std::string(t->value.substr(0, 40)));
    return {};
}

/** Base64 of a digest, to compare with bh= (RFC 6376 3.5 bh=). */
std::string base64(std::string_view bytes)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string domain_of(std::string_view v, const domain_services *domains)
{
    if (auto at = v.rfind('@'); at != std::string_view::npos)
        v = v.substr(at + 1);
    std::string d = tag_domain(v);
    if (domains != nullptr && !d.empty()) {
        auto a = domains->to_alabel(d);
        return a ? *a : std::string{};
    }
    return d;
}

/** Key records for the chain: name -> answer (nullptr: not in yet). */
using key_answers = std::map<std::string, const dns_answer *>;

/** Canonical bodies, computed at most once per algorithm. */
struct bodies {
    std::string_view raw;
    std::array<std::string, 2> scratch;
    std::array<std::optional<std::string_view>, 2> done;
    std::string_view get(dkim_canon c)
    {
        const auto k = static_cast<std::size_t>(c);
        if (!done[k])
            done[k] = canonical_body(raw, c, scratch[k]);
        return *done[k];
    }
};

signature_check verdict(auth_result r, std::string why)
{
    return signature_check{r, std::move(why)};
}

/** Verify one signature's key-dependent part: the key record it names,
 *  then the signature over `data`. */
signature_check verify_with_key(std::string_view algorithm, const std::string &selector, const std::string &domain,
                                const key_answers &keys, std::string_view data, std::string_view b,
                                const arc_verifier &verifier)
{
    if (!acceptable_algorithm(algorithm))
        return verdict(auth_result::PERMERROR, algorithm == "rsa-sha1"
                                                   ? "rsa-sha1 is not accepted (RFC 8301 3.1)"
                                                   : "unsupported algorithm " + std::string(algorithm.substr(0, 40)));
    auto name = dkim_key_name(selector, domain);
    if (!name)
        return verdict(auth_result::PERMERROR, "invalid key name: " + name.error().message());
    auto it = keys.find(*name);
    if (it == keys.end() || it->second == nullptr)
        return verdict(auth_result::TEMPERROR, "key not looked up (" + *name + ")");
    const dns_answer &a = *it->second;
    // A DNS failure is never a forgery (principle of DKIM's temperror).
    if (a.status == dns_status::TEMPFAIL || a.status == dns_status::MALFORMED)
        return verdict(auth_result::TEMPERROR, "key lookup failed temporarily (" + *name + ")");
    if (a.status != dns_status::OK || a.records.empty())
        return verdict(auth_result::PERMERROR, "no key (" + *name + ")");
    const std::size_t pick = a.records.size() > 1 ? select_dkim_key_record(a.records).value_or(0) : 0;
    return verifier.verify(a.records[pick], algorithm, data, b);
}

signature_check verify_ams(const header_block &headers, const arc_set &set, const key_answers &keys, bodies &body,
                           const arc_verifier &verifier)
{
    const auto &sig = set.ms.sig;
    const std::string data = signed_header_data(headers, *set.ams, sig);
    auto v = verify_with_key(sig.algorithm, sig.selector, sig.domain, keys, data, sig.signature, verifier);
    if (v.result != auth_result::PASS)
        return v;
    auto canon = body.get(sig.body_canon);
    if (sig.body_length) {
        if (*sig.body_length > canon.size())
            return verdict(auth_result::PERMERROR, "l= is longer than the body");
        canon = canon.substr(0, static_cast<std::size_t>(*sig.body_length));
    }
    const std::string digest = verifier.sha256(canon);
    if (digest.size() != 32)
        return verdict(auth_result::TEMPERROR, "SHA-256 failed");
    if (base64(digest) != sig.body_hash)
        return verdict(auth_result::FAIL, "body hash did not verify");
    return v;
}

arc_outcome ended(arc_outcome out, auth_result r, std::string why)
{
    out.result = r;
    out.reason = std::move(why);
    return out;
}

} // namespace

bool is_arc_field(std::string_view name) noexcept
{
    return ascii::iequals(name, "ARC-Seal") || ascii::iequals(name, "ARC-Message-Signature") ||
           ascii::iequals(name, "ARC-Authentication-Results");
}

result<arc_seal> parse_arc_seal(std::string_view value)
{
    auto tags = parse_tag_list(value);
    if (!tags)
        return std::unexpected(tags.error());
    arc_seal as;
    if (auto r = common_tags(*tags, as.instance, as.algorithm, as.signature, as.domain, as.selector); !r)
        return std::unexpected(r.error());
    // RFC 8617 4.1.3: a seal covers the ARC sets, never other fields.
    if (find(*tags, "h") != nullptr)
        return fail(error_code::BAD_INPUT, "h= in an ARC-Seal (RFC 8617 4.1.3)");
    const auto *cv = find(*tags, "cv");
    if (cv == nullptr)
        return fail(error_code::BAD_INPUT, "missing tag cv=");
    as.cv = ascii::lower(tag_value_trimmed(cv->value));
    if (as.cv != "none" && as.cv != "pass" && as.cv != "fail")
        return fail(error_code::BAD_INPUT, "invalid cv=" + as.cv.substr(0, 20));
    return as;
}

result<arc_message_signature> parse_arc_message_signature(std::string_view value)
{
    auto tags = parse_tag_list(value);
    if (!tags)
        return std::unexpected(tags.error());
    arc_message_signature ms;
    auto &sig = ms.sig;
    if (auto r = common_tags(*tags, ms.instance, sig.algorithm, sig.signature, sig.domain, sig.selector); !r)
        return std::unexpected(r.error());
    sig.version = "1";
    for (const char *required : {"bh", "h"})
        if (find(*tags, required) == nullptr)
            return fail(error_code::BAD_INPUT, std::string("missing tag ") + required + "=");
    sig.body_hash = tag_value_unfolded(find(*tags, "bh")->value);
    if (sig.body_hash.empty())
        return fail(error_code::BAD_INPUT, "empty bh=");
    std::string_view h = find(*tags, "h")->value;
    while (!h.empty()) {
        const auto colon = h.find(':');
        auto name = tag_value_trimmed(h.substr(0, colon));
        if (name.empty())
            return fail(error_code::BAD_INPUT, "empty header name in h=");
        // Each name costs a scan of the header block: a hostile h= stops here.
        if (sig.signed_headers.size() >= max_signed_fields)
            return fail(error_code::BAD_INPUT, "h= names more than " + std::to_string(max_signed_fields) + " fields");
        sig.signed_headers.push_back(ascii::lower(name));
        if (colon == std::string_view::npos)
            break;
        h.remove_prefix(colon + 1);
        if (tag_value_trimmed(h).empty())
            return fail(error_code::BAD_INPUT, "empty header name in h=");
    }
    if (sig.signed_headers.empty())
        return fail(error_code::BAD_INPUT, "empty h=");
    // RFC 8617 4.1.2: the AMS must not cover ARC-Seal fields.
    if (sig.signed_count("arc-seal") > 0)
        return fail(error_code::BAD_INPUT, "h= includes ARC-Seal (RFC 8617 4.1.2)");
    if (const auto *c = find(*tags, "c")) {
        const auto v = c->value;
        const auto slash = v.find('/');
        auto hc = canon_from(v.substr(0, slash));
        if (!hc)
            return fail(error_code::BAD_INPUT, "invalid c=" + std::string(v.substr(0, 40)));
        sig.header_canon = *hc;
        if (slash != std::string_view::npos) {
            auto bc = canon_from(v.substr(slash + 1));
            if (!bc)
                return fail(error_code::BAD_INPUT, "invalid c=" + std::string(v.substr(0, 40)));
            sig.body_canon = *bc;
        }
    }
    if (const auto *l = find(*tags, "l")) {
        sig.body_length = decimal(l->value, 76);
        if (!sig.body_length)
            return fail(error_code::BAD_INPUT, "invalid l=" + std::string(l->value.substr(0, 40)));
    }
    return ms;
}

result<int> parse_arc_instance(std::string_view aar_value, std::string_view *rest)
{
    auto v = tag_value_trimmed(aar_value);
    if (v.empty() || (v.front() != 'i' && v.front() != 'I'))
        return fail(error_code::BAD_INPUT, "AAR does not start with i=");
    v.remove_prefix(1);
    v = tag_value_trimmed(v);
    if (v.empty() || v.front() != '=')
        return fail(error_code::BAD_INPUT, "AAR does not start with i=");
    v.remove_prefix(1);
    const auto semi = v.find(';');
    if (semi == std::string_view::npos)
        return fail(error_code::BAD_INPUT, "AAR without ';' after i=");
    auto n = instance_from(v.substr(0, semi));
    if (!n)
        return std::unexpected(n.error());
    if (rest != nullptr)
        *rest = v.substr(semi + 1);
    return *n;
}

arc_chain collect_arc_chain(const header_block &headers, int max_instances)
{
    arc_chain chain;
    const int limit = std::min(max_arc_rfc_instances, std::max(1, max_instances));
    // Slots by instance, 1..50; a field beyond that fails at once, so the
    // work is one pass over the header block plus 50 slots.
    std::array<arc_set, max_arc_rfc_instances + 1> slot{};
    auto broken = [&](std::string why) {
        chain.sets.clear();
        chain.error = std::move(why);
        return chain;
    };
    std::string first_error;
    for (const auto &f : headers.fields) {
        enum { AS, AMS, AAR } kind;
        if (ascii::iequals(f.name, "ARC-Seal"))
            kind = AS;
        else if (ascii::iequals(f.name, "ARC-Message-Signature"))
            kind = AMS;
        else if (ascii::iequals(f.name, "ARC-Authentication-Results"))
            kind = AAR;
        else
            continue;
        chain.present = true;
        if (!first_error.empty())
            continue;
        result<int> i = fail(error_code::BAD_INPUT, "");
        const char *what = "";
        if (kind == AS) {
            what = "ARC-Seal";
            auto as = parse_arc_seal(f.value);
            if (as) {
                i = as->instance;
                if (slot[static_cast<std::size_t>(as->instance)].seal == nullptr)
                    slot[static_cast<std::size_t>(as->instance)].as = std::move(*as);
            } else {
                i = std::unexpected(as.error());
            }
        } else if (kind == AMS) {
            what = "ARC-Message-Signature";
            auto ms = parse_arc_message_signature(f.value);
            if (ms) {
                i = ms->instance;
                if (slot[static_cast<std::size_t>(ms->instance)].ams == nullptr)
                    slot[static_cast<std::size_t>(ms->instance)].ms = std::move(*ms);
            } else {
                i = std::unexpected(ms.error());
            }
        } else {
            what = "ARC-Authentication-Results";
            i = parse_arc_instance(f.value);
        }
        if (!i) {
            first_error = std::string("invalid ") + what + ": " + i.error().message();
            continue;
        }
        chain.instance = std::max(chain.instance, *i);
        auto &s = slot[static_cast<std::size_t>(*i)];
        const header_field **place = kind == AS ? &s.seal : kind == AMS ? &s.ams : &s.aar;
        if (*place != nullptr) {
            first_error = std::string("more than one ") + what + " with i=" + std::to_string(*i);
            continue;
        }
        *place = &f;
    }
    if (!first_error.empty())
        return broken(first_error);
    if (!chain.present)
        return chain;
    const int n = chain.instance;
    if (n > limit)
        return broken("i=" + std::to_string(n) + " is over the limit of " + std::to_string(limit) + " ARC sets");
    for (int i = 1; i <= n; ++i) {
        const auto &s = slot[static_cast<std::size_t>(i)];
        if (s.seal == nullptr || s.ams == nullptr || s.aar == nullptr)
            return broken("ARC set i=" + std::to_string(i) + " incomplete (" +
                          (s.seal == nullptr ? "no ARC-Seal" : s.ams == nullptr ? "no ARC-Message-Signature"
                                                                                 : "no ARC-Authentication-Results") +
                          ")");
    }
    // RFC 8617 5.2: the newest seal's own verdict on the chain stands.
    if (slot[static_cast<std::size_t>(n)].as.cv == "fail")
        return broken("ARC-Seal i=" + std::to_string(n) + " says cv=fail");
    // RFC 8617 5.2 (4.1.3 cv=): none for the first set, pass after.
    for (int i = 1; i <= n; ++i) {
        const auto &cv = slot[static_cast<std::size_t>(i)].as.cv;
        const char *want = i == 1 ? "none" : "pass";
        if (cv != want)
            return broken("ARC-Seal i=" + std::to_string(i) + " has cv=" + cv + ", want " + want);
    }
    chain.sets.assign(std::make_move_iterator(slot.begin() + 1), std::make_move_iterator(slot.begin() + 1 + n));
    return chain;
}

std::string arc_seal_signed_data(const std::vector<arc_set> &sets, std::size_t seal_index)
{
    std::string out;
    for (std::size_t k = 0; k <= seal_index && k < sets.size(); ++k) {
        const auto &s = sets[k];
        append_canonical_header(out, s.aar->raw, dkim_canon::RELAXED, true);
        append_canonical_header(out, s.ams->raw, dkim_canon::RELAXED, true);
        if (k < seal_index)
            append_canonical_header(out, s.seal->raw, dkim_canon::RELAXED, true);
        else
            append_canonical_header(out, without_b_value(s.seal->raw), dkim_canon::RELAXED, false);
    }
    return out;
}

arc_first_hop read_first_hop(std::string_view aar_value, const domain_services *domains)
{
    arc_first_hop first;
    std::string_view rest;
    if (!parse_arc_instance(aar_value, &rest))
        return first;
    auto ar = parse_authentication_results(rest);
    if (!ar)
        return first;
    bool have_spf = false;
    bool have_dmarc = false;
    for (const auto &res : ar->results) {
        const auto word = auth_result_from_string(res.result).value_or(auth_result::NONE);
        if (res.method == "spf" && !have_spf) {
            have_spf = true;
            first.spf = word;
            auto d = res.property("smtp", "mailfrom");
            if (d.empty())
                d = res.property("smtp", "helo");
            first.spf_domain = domain_of(d, domains);
        } else if (res.method == "dkim" && word == auth_result::PASS) {
            auto d = res.property("header", "d");
            if (d.empty())
                d = res.property("header", "i");
            if (auto dom = domain_of(d, domains); !dom.empty())
                first.dkim_pass_domains.push_back(std::move(dom));
        } else if (res.method == "dmarc" && !have_dmarc) {
            have_dmarc = true;
            first.dmarc = word;
            first.dmarc_domain = domain_of(res.property("header", "from"), domains);
        }
    }
    return first;
}

arc_outcome check_arc(std::string_view message, const header_block &headers, const arc_options &opt,
                      dns_source &dns, const arc_verifier &verifier)
{
    arc_outcome out;
    auto chain = collect_arc_chain(headers, opt.max_instances);
    out.present = chain.present;
    out.instance = chain.instance;
    if (!chain.present)
        return out;
    if (!chain.error.empty())
        return ended(std::move(out), auth_result::FAIL, chain.error);
    for (const auto &s : chain.sets)
        out.sealers.push_back(s.as.domain);
    const int n = static_cast<int>(chain.sets.size());

    // Every key of every set in one round: the AMS keys serve oldest_pass too.
    key_answers keys;
    bool missing = false;
    auto want = [&](const std::string &selector, const std::string &domain) {
        auto name = dkim_key_name(selector, domain);
        if (!name || keys.contains(*name))
            return;
        const auto *a = dns.lookup(dns_query{*name, dns_type::TXT});
        keys.emplace(std::move(*name), a);
        missing = missing || a == nullptr;
    };
    for (const auto &s : chain.sets) {
        want(s.ms.sig.selector, s.ms.sig.domain);
        want(s.as.selector, s.as.domain);
    }
    if (missing)
        return ended(std::move(out), auth_result::NONE, "temperror: ARC keys not yet looked up");

    // An empty body is "" rather than a null view: canonical_body hands its
    // data() to memchr, which must not get a null pointer.
    const std::string_view raw_body =
        headers.body_offset < message.size() ? message.substr(headers.body_offset) : std::string_view{""};
    bodies body{raw_body, {}, {}};
    auto not_verified = [&](std::string what, const signature_check &v) {
        // A temporary failure says nothing about forgery (see the header).
        if (v.result == auth_result::TEMPERROR)
            return ended(std::move(out), auth_result::NONE, "temperror: " + what + ": " + v.reason);
        return ended(std::move(out), auth_result::FAIL, what + ": " + v.reason);
    };

    // RFC 8617 5.2: the newest AMS, as a DKIM signature.
    const auto &newest = chain.sets.back();
    if (auto v = verify_ams(headers, newest, keys, body, verifier); v.result != auth_result::PASS)
        return not_verified("ARC-Message-Signature i=" + std::to_string(n), v);

    // RFC 8617 5.2: every seal, newest first.
    for (int i = n; i >= 1; --i) {
        const auto &s = chain.sets[static_cast<std::size_t>(i - 1)];
        const std::string data = arc_seal_signed_data(chain.sets, static_cast<std::size_t>(i - 1));
        auto v = verify_with_key(s.as.algorithm, s.as.selector, s.as.domain, keys, data, s.as.signature, verifier);
        if (v.result != auth_result::PASS)
            return not_verified("ARC-Seal i=" + std::to_string(i), v);
    }

    // RFC 8617 5.2 oldest-pass: how far back the message is unchanged. Only
    // after the seals, so a broken chain costs no extra verification.
    out.oldest_pass = n;
    for (int i = n - 1; i >= 1; --i) {
        if (verify_ams(headers, chain.sets[static_cast<std::size_t>(i - 1)], keys, body, verifier).result !=
            auth_result::PASS)
            break;
        out.oldest_pass = i;
    }

    out.result = auth_result::PASS;
    out.reason = n == 1 ? "1 ARC set verified" : std::to_string(n) + " ARC sets verified";
    out.first = read_first_hop(chain.sets.front().aar->value, opt.domains);
    return out;
}

} // namespace authweight::core
